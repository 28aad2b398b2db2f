"""The compiled step kernels of the civil-violence model (Numba, one core, no threads).

What the kernels read and write:

* agent columns, indexed by agent (citizens first, then cops): ``x``, ``y``; ``state``
  (citizens: QUIET, ACTIVE, JAILED; cops: -1); ``jail`` (steps left to serve); ``hardship``;
  ``risk``;
* ``occ``: the agent on each cell (flat ``y * width + x``), or -1;
* ``code``: two bits per cell saying what a vision counts there (OTHER, EMPTY, ACTIVE or
  COP; quiet and jailed citizens are both OTHER), four cells to a byte, on a grid padded with
  a halo of ``pad`` cells that repeats the torus's opposite edges. Thanks to the halo, every
  row of a von Neumann diamond is one run of bits, read with one unaligned 64-bit load, and
  two rows go in one word; every write to a cell goes to all of its copies. At two bits a
  cell a 1000 x 1000 grid is 250 kB and stays in cache.

A vision is described by a table (see ``vision``): for each word a diamond is read in, the
two row segments it holds (where each starts, relative to the centre's byte, its bit mask,
its first cell's dx and dy), for each of the four places the centre can have in its byte.
``_count`` reads eight words at a time, as one vector (the row segments' loads put together,
then the popcounts of all eight words at once: ``_count_words``), and keeps the words and their
counts in ``seen`` so that picking the k-th empty cell (for a move) or active citizen (for
an arrest) needs no second read of the grid.

Random numbers are drawn in the kernels from ``rng``, the state of a NumPy SFC64 bit
generator seeded from the run's ``SeedSequence`` (``engine.kernel_random``), advanced in
place, one draw where one is needed, in this order each step: the shuffle (``n - 1`` draws,
positions 0, 1, ...), then, agent by agent in the activation order, for a cop who sees an
active citizen the one it arrests and his jail term, and for an agent that moves the cell it
moves to. So a run is a pure function of its seed, whatever the number of kernel calls.

There are two implementations of the steps, the *paths*, which give the same results cell
for cell, drawing the same random numbers in the same order (``kernels`` returns either; the
environment variable ``DESERTION_CV_KERNEL`` names the default, ``default_path``):

* ``"tuned"`` (``run_sequential``, ``run_synchronous``): hand-written LLVM IR for the
  counting (``_count_words``, ``_find_word``), the pick (PDEP) and prefetching, compiled with
  Numba's private ``_nrt=False`` flag (no reference counting of the array arguments);
* ``"plain"`` (``plain_sequential``, ``plain_synchronous``): ordinary ``numba.njit`` code,
  no intrinsics, no private flags. The same grid, tables and order of draws, counted word by
  word with scalar code (LLVM turns the bit loops into ``popcnt`` and ``tzcnt``); it cannot
  prefetch, Numba having no public prefetch.

Functions marked "shared by both paths" are plain ``njit`` and inlined (at the Numba IR level)
into the kernels of both. See docs/civil_violence.md, "Kernel paths", for what each costs.
"""

from __future__ import annotations

import functools
import os
import platform
import sys
from collections.abc import Callable

import llvmlite.binding as llvm
import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from desertion.engine.kernel_random import below

if sys.byteorder != "little":  # a word's low bits must be its first cells
    raise ImportError("the civil-violence kernel assumes a little-endian machine")

# agent states (in the recorder's order); cops' state
QUIET, ACTIVE, JAILED = 0, 1, 2
NOT_A_CITIZEN = -1
# two-bit cell codes: low bit "empty or cop", high bit "active or cop"
OTHER_CODE, EMPTY_CODE, ACTIVE_CODE, COP_CODE = 0, 1, 2, 3
CODE_OF_STATE = np.array([OTHER_CODE, ACTIVE_CODE, OTHER_CODE], dtype=np.uint8)
SEGMENT_CELLS = 16  # a row segment holds up to 16 cells (32 bits); two make a word
# rows of a vision table (segment A is a word's low half, B its high half)
BYTE_A, SHIFT_A, MASK_A, BYTE_B, SHIFT_B, MASK_B, DX_A, DY_A, DX_B, DY_B = range(10)
VISION_ROWS = 10
LANES = 8
"""Words counted together, as one vector of eight 64-bit lanes (one AVX-512 register; LLVM
splits it where the CPU has narrower vectors, and counts bits without a popcount instruction
where it has none, so the kernels run, identically, on any CPU)."""
_FIELD = 21  # bits per count when three counts are summed packed in one 64-bit word
# arrest rules
RULE_ROUND, RULE_FLOOR, RULE_RATIO = 0, 1, 2
# state transitions tallied per step (the columns of ``flows``): (event, from, to)
FLOWS = (("activated", QUIET, ACTIVE), ("calmed", ACTIVE, QUIET), ("arrested", ACTIVE, JAILED),
         ("released", JAILED, QUIET), ("released", JAILED, ACTIVE))
F_ACTIVATE, F_CALM, F_ARREST, F_RELEASE_QUIET, F_RELEASE_ACTIVE = range(5)
LOOKAHEAD = 8
"""How many agents ahead in the activation order the kernel prefetches an agent's columns
(and half as many for the grid rows around it): random order makes every agent a cache miss
on large grids, and the order is known for the whole step once it is shuffled. Measured at
1000 x 1000: 2.7 times faster with it (LOOKAHEAD 8, 16 and 32 within 5 % of each other)."""
PREFETCH_MIN_AGENTS = 1 << 16
"""Below this many agents everything stays in cache and prefetching only costs time (about
6 % at 100 x 100, measured)."""

_LOW_BITS = np.uint64(0x5555555555555555)
_U1 = np.uint64(1)
SEEN_WORD, SEEN_EMPTY, SEEN_ACTIVE = 0, 1, 2  # rows of ``seen``
_IN_JAIL, _ARRESTED = -1, -2  # what a citizen does in a synchronous step, besides a state


# -- machine intrinsics ------------------------------------------------------------------------
# LLVM types and helpers of ``_count_words``'s code generation: each takes the IR builder and
# emits its instructions at the builder's position
_I32, _I64 = ir.IntType(32), ir.IntType(64)
_VEC = ir.VectorType(_I64, LANES)


def _splat(value):
    """``value`` in every lane of a constant vector of LANES int64."""
    return ir.Constant(_VEC, [value] * LANES)


def _lanes(builder, data, first, col):
    """The LANES int64 from flat index ``first + col`` of ``data`` on, as a vector pointer."""
    ptr = builder.gep(data, [builder.add(first, col)])
    return builder.bitcast(ptr, _VEC.as_pointer())


def _table_row(builder, table, words, r):
    """Flat index of row ``r`` of the vision table from ``table`` (the alignment's first row,
    ``alignment * VISION_ROWS``) on, whose rows are ``words`` long."""
    return builder.mul(builder.add(table, ir.Constant(_I64, r)), words)


def _load_segments(builder, origin, view_data, table, words, col, rows):
    """Row segment A or B (``rows``: its BYTE, SHIFT and MASK rows of the table) of words
    ``col`` .. ``col + LANES - 1``, as a vector: one unaligned 64-bit load per lane from byte
    ``origin`` plus the segment's BYTE entry, each shifted and masked to its segment's cells."""
    byte_row, shift_row, mask_row = rows
    first = builder.add(_table_row(builder, table, words, byte_row), col)
    loaded = ir.Constant(_VEC, None)
    for lane in range(LANES):
        offset = builder.load(builder.gep(view_data, [
            builder.add(first, ir.Constant(_I64, lane))]), align=8)
        at = builder.bitcast(builder.gep(origin, [offset]), _I64.as_pointer())
        loaded = builder.insert_element(loaded, builder.load(at, align=1),
                                        ir.Constant(_I32, lane))
    shift, mask = (builder.load(_lanes(builder, view_data,
                                       _table_row(builder, table, words, r), col), align=8)
                   for r in (shift_row, mask_row))
    return builder.and_(builder.lshr(loaded, shift), mask)


def _count_and_store(builder, word, seen_data, columns, col):
    """Store the vector of words ``word`` in ``seen[SEEN_WORD]`` and the empty cells and
    active citizens of each in ``seen[SEEN_EMPTY]`` and ``seen[SEEN_ACTIVE]`` (columns
    ``col`` on; ``seen``'s rows are ``columns`` long); return the sums over the words, packed
    as ``_count_words`` returns them."""

    def seen_row(r):
        return _lanes(builder, seen_data, builder.mul(columns, ir.Constant(_I64, r)), col)

    builder.store(word, seen_row(SEEN_WORD), align=8)
    low = builder.and_(word, _splat(0x5555555555555555))  # empty cells and cops
    high = builder.and_(builder.lshr(word, _splat(1)), _splat(0x5555555555555555))
    popcount = cgutils.get_or_insert_function(
        builder.module, ir.FunctionType(_VEC, [_VEC]), f"llvm.ctpop.v{LANES}i64")
    n_low, n_high, n_both = (builder.call(popcount, [v])
                             for v in (low, high, builder.and_(low, high)))
    builder.store(builder.sub(n_low, n_both), seen_row(SEEN_EMPTY), align=8)
    builder.store(builder.sub(n_high, n_both), seen_row(SEEN_ACTIVE), align=8)
    packed = builder.add(builder.add(n_low, builder.shl(n_high, _splat(_FIELD))),
                         builder.shl(n_both, _splat(2 * _FIELD)))
    total = cgutils.get_or_insert_function(
        builder.module, ir.FunctionType(_I64, [_VEC]), f"llvm.vector.reduce.add.v{LANES}i64")
    return builder.call(total, [packed])


@intrinsic
def _count_words(typingctx, code, byte, view, alignment, col, seen):
    """Words ``col`` .. ``col + LANES - 1`` of a vision around the cell at bit pair
    ``alignment`` of byte ``byte`` of ``code``: each word's two row segments are read
    (unaligned 64-bit loads, put together into vectors), shifted and masked; the words go to
    ``seen[SEEN_WORD]``, their empty cells and active citizens to ``seen[SEEN_EMPTY]`` and
    ``seen[SEEN_ACTIVE]``. Returns the three sums over the words (empty-or-cop cells,
    active-or-cop cells, cops) packed ``_FIELD`` bits apiece, lowest first.

    The segments are read with scalar loads rather than a vector gather: the gather counts
    faster in isolation, but its latency sits on every agent's critical path (count, then
    decide and pick), and the whole step ran 8 % faster with scalar loads (measured)."""
    if not (isinstance(code, types.Array) and code.dtype == types.uint8):
        return None
    sig = types.int64(code, types.intp, view, types.intp, types.intp, seen)

    def codegen(context, builder, signature, args):
        code_ary, view_ary, seen_ary = (
            context.make_array(signature.args[k])(context, builder, args[k]) for k in (0, 2, 5))
        _, byte, _, alignment, col, _ = args
        words = builder.extract_value(view_ary.shape, 2)
        table = builder.mul(alignment, ir.Constant(_I64, VISION_ROWS))
        origin = builder.gep(code_ary.data, [byte])
        a = _load_segments(builder, origin, view_ary.data, table, words, col,
                           (BYTE_A, SHIFT_A, MASK_A))
        b = _load_segments(builder, origin, view_ary.data, table, words, col,
                           (BYTE_B, SHIFT_B, MASK_B))
        word = builder.or_(a, builder.shl(b, _splat(32)))
        columns = builder.extract_value(seen_ary.shape, 1)
        return _count_and_store(builder, word, seen_ary.data, columns, col)

    return sig, codegen


@intrinsic
def _find_word(typingctx, seen, what, col, k):
    """Where the ``k``-th (from 0) hit falls among words ``col`` .. ``col + LANES - 1``, by
    their hit counts in ``seen[what]``: the number ``m`` of words whose hits, with those of the
    words before, all come before the k-th (LANES if the k-th is past them), and ``before``,
    the hits of those ``m`` words; returned as ``m | before << 32``. Branchless: a prefix sum
    in the vector and a compare."""
    sig = types.int64(seen, types.intp, types.intp, types.int64)

    def codegen(context, builder, signature, args):
        seen_ary = context.make_array(signature.args[0])(context, builder, args[0])
        _, what, col, k = args
        i8, i32, i64 = ir.IntType(8), ir.IntType(32), ir.IntType(64)
        vec = ir.VectorType(i64, LANES)
        columns = builder.extract_value(seen_ary.shape, 1)
        first = builder.add(builder.mul(columns, what), col)
        counts = builder.load(builder.bitcast(builder.gep(seen_ary.data, [first]),
                                              vec.as_pointer()), align=8)
        zero = ir.Constant(vec, [0] * LANES)
        prefix = counts
        shift = 1
        while shift < LANES:  # inclusive prefix sum: add the vector moved up by 1, 2, 4 lanes
            up = ir.Constant(ir.VectorType(i32, LANES),
                             [j if j < shift else LANES + j - shift for j in range(LANES)])
            prefix = builder.add(prefix, builder.shuffle_vector(zero, prefix, up))
            shift *= 2
        k_lanes = builder.shuffle_vector(
            builder.insert_element(ir.Constant(vec, None), k, ir.Constant(i32, 0)),
            ir.Constant(vec, None), ir.Constant(ir.VectorType(i32, LANES), [0] * LANES))
        done = builder.icmp_unsigned("<=", prefix, k_lanes)
        popcount = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(i8, [i8]), "llvm.ctpop.i8")
        m = builder.zext(builder.call(popcount, [builder.bitcast(done, i8)]), i64)
        total = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(i64, [vec]), f"llvm.vector.reduce.add.v{LANES}i64")
        before = builder.call(total, [builder.select(done, counts, zero)])
        return builder.or_(m, builder.shl(before, ir.Constant(i64, 32)))

    return sig, codegen


@intrinsic
def _prefetch(typingctx, arr, idx):
    """Ask the CPU to bring ``arr[idx]`` into cache (a hint: never faults, never waits)."""
    if not isinstance(arr, types.Array):
        return None
    sig = types.void(arr, types.intp)

    def codegen(context, builder, signature, args):
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        ptr = builder.bitcast(builder.gep(ary.data, [args[1]]), ir.IntType(8).as_pointer())
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [ptr.type, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        # read, keep in all cache levels, data cache
        builder.call(fn, [ptr, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


def _has_pdep() -> bool:
    """Whether the CPU Numba compiles for selects bits in hardware (x86 BMI2's PDEP)."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    if os.environ.get("NUMBA_CPU_NAME") or os.environ.get("NUMBA_CPU_FEATURES"):
        return False  # compiling for another (e.g. generic) CPU: assume nothing
    return bool(llvm.get_host_cpu_features().get("bmi2", False))


HAS_PDEP = _has_pdep()


@intrinsic
def _deposit(typingctx, src, mask):
    """x86 PDEP: the low bits of ``src`` scattered to the set bits of ``mask``, in order."""
    sig = types.uint64(types.uint64, types.uint64)

    def codegen(context, builder, signature, args):
        fnty = ir.FunctionType(ir.IntType(64), [ir.IntType(64), ir.IntType(64)])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.x86.bmi.pdep.64")
        return builder.call(fn, args)

    return sig, codegen


@intrinsic
def _trailing_zeros(typingctx, x):
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):
        fnty = ir.FunctionType(ir.IntType(64), [ir.IntType(64), ir.IntType(1)])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.cttz.i64")
        return builder.call(fn, [args[0], ir.Constant(ir.IntType(1), 0)])

    return sig, codegen


# -- geometry ----------------------------------------------------------------------------------
def grid_stride(width: int, pad: int) -> int:
    """Cells per row of the padded grid, rounded up so that every row starts on a byte."""
    return -(-(width + 2 * pad) // 4) * 4


def vision(radius: int, pad: int, width: int) -> np.ndarray:
    """How a radius-``radius`` von Neumann diamond is read (a fresh copy of ``_vision``'s
    table: built once per geometry, it costs more than a short run's steps' bookkeeping)."""
    return _vision(radius, pad, width).copy()


@functools.lru_cache(maxsize=64)
def _vision(radius: int, pad: int, width: int) -> np.ndarray:
    """How a radius-``radius`` von Neumann diamond is read: an int64 table of shape
    (4, VISION_ROWS, words), one (VISION_ROWS, words) table per position of the centre cell
    in its byte (bit pairs 0-3), rows BYTE_A .. DY_B, one column per word.

    Row dy of the diamond spans the cells dx = -h .. h (h = radius - |dy|); it is cut into
    segments of at most 16 cells, and consecutive segments are paired into words. For each
    segment: the byte its first cell is in, relative to the centre's byte, that cell's bit
    shift within the byte, the mask of the segment's bits, and the cell's (dx, dy). The words
    are padded with empty ones (mask 0) to a multiple of LANES. The centre is part of the
    diamond; callers discount themselves.
    """
    stride = grid_stride(width, pad)
    segments = []
    for dy in range(-radius, radius + 1):
        half = radius - abs(dy)
        for dx in range(-half, half + 1, SEGMENT_CELLS):
            cells = min(SEGMENT_CELLS, half + 1 - dx)
            segments.append((dy * stride + dx, (1 << (2 * cells)) - 1, dx, dy))
    segments += [(0, 0, 0, 0)] * (-len(segments) % (2 * LANES))
    table = np.zeros((4, VISION_ROWS, len(segments) // 2), dtype=np.int64)
    halves = ((BYTE_A, SHIFT_A, MASK_A, DX_A, DY_A), (BYTE_B, SHIFT_B, MASK_B, DX_B, DY_B))
    for alignment in range(4):
        for s, (offset, mask, dx, dy) in enumerate(segments):
            word, (byte, shift, bits, at_x, at_y) = s // 2, halves[s % 2]
            cell = alignment + offset  # bit pairs from the start of the centre's byte
            table[alignment, byte, word] = cell >> 2  # floor, also for negative offsets
            table[alignment, shift, word] = 2 * (cell & 3)
            table[alignment, bits, word] = mask
            table[alignment, at_x, word], table[alignment, at_y, word] = dx, dy
    table.setflags(write=False)  # shared by every caller
    return table


@njit(cache=True, inline="always")  # shared by both paths
def _wrap(v, size):
    """``v mod size`` for ``v`` in ``-size .. 2 * size - 1``, without a division or a
    branch."""
    return v + size * ((v < 0) - (v >= size))


@njit(cache=True, inline="always")  # shared by both paths
def _set_cell(code, cell, value):
    """Set the two bits of padded cell ``cell``."""
    byte = cell >> 2
    shift = (cell & 3) << 1
    code[byte] = (code[byte] & ~(3 << shift)) | (value << shift)


@njit(cache=True, inline="always")  # shared by both paths
def _put(code, x, y, value, width, height, pad, stride):
    """Write ``value`` into cell (x, y) and into its halo copies."""
    px2 = -1
    if x < pad:
        px2 = x + width + pad
    elif x >= width - pad:
        px2 = x - width + pad
    py2 = -1
    if y < pad:
        py2 = y + height + pad
    elif y >= height - pad:
        py2 = y - height + pad
    px, py = x + pad, y + pad
    _set_cell(code, py * stride + px, value)
    if px2 >= 0:
        _set_cell(code, py * stride + px2, value)
    if py2 >= 0:
        _set_cell(code, py2 * stride + px, value)
        if px2 >= 0:
            _set_cell(code, py2 * stride + px2, value)


@njit(cache=True, inline="always")  # shared by both paths
def _centre(x, y, pad, stride):
    return (y + pad) * stride + x + pad


@njit(cache=True, inline="always", _nrt=False)
def _count(code, centre, view, seen):
    """Empty cells, active citizens and cops in a diamond (its centre included).

    Leaves in ``seen`` what ``_pick`` needs: row SEEN_WORD the words read, rows SEEN_EMPTY
    and SEEN_ACTIVE how many empty cells and active citizens each holds.
    """
    packed = 0
    for col in range(0, view.shape[2], LANES):
        packed += _count_words(code, centre >> 2, view, centre & 3, col, seen)
    field = (1 << _FIELD) - 1
    n_low, n_high, cops = packed & field, (packed >> _FIELD) & field, packed >> (2 * _FIELD)
    return n_low - cops, n_high - cops, cops


@njit(cache=True, inline="always", _nrt=False)
def _select_bit(hits, k):
    """The position of the ``k``-th (from 0) set bit of ``hits``."""
    if HAS_PDEP:
        return np.int64(_trailing_zeros(_deposit(_U1 << np.uint64(k), hits)))
    for _ in range(k):
        hits &= hits - _U1  # drop the lowest set bit
    return np.int64(_trailing_zeros(hits))


@njit(cache=True, inline="always", _nrt=False)
def _pick(x, y, view, seen, what, k, width, height):
    """The (x, y) of the ``k``-th (from 0) empty cell (``what`` SEEN_EMPTY) or active citizen
    (SEEN_ACTIVE) among the cells ``_count`` saw.

    Cells are taken word by word, low bits first; any fixed order gives a uniform choice. The
    word is found without branches (which the CPU could not predict) within each vector of
    LANES words (``_find_word``).
    """
    col = 0
    lane = 0
    for col in range(0, view.shape[2], LANES):
        found = _find_word(seen, what, col, k)
        lane, before = found & 0xFF, found >> 32
        if lane < LANES:
            break
        k -= before
    m = col + lane
    w = seen[SEEN_WORD, m]
    low = w & _LOW_BITS
    high = (w >> _U1) & _LOW_BITS
    hits = low & ~high if what == SEEN_EMPTY else high & ~low
    cell = _select_bit(hits, k - before) >> 1
    # the cell is in segment B when past segment A's 16: arithmetic, not a branch (it would
    # be mispredicted half the time)
    in_b = np.int64(cell >= SEGMENT_CELLS)
    dx = view[0, DX_A + 2 * in_b, m] + cell - SEGMENT_CELLS * in_b
    return _wrap(x + dx, width), _wrap(y + view[0, DY_A + 2 * in_b, m], height)


def reciprocals(largest: int) -> np.ndarray:
    """``ceil(2**32 / d)`` for d = 0 .. ``largest`` (0 for d = 0): with it, ``_floor_div``
    divides by multiplying."""
    return np.array([0] + [-(-(1 << 32) // d) for d in range(1, largest + 1)], dtype=np.int64)


@njit(cache=True, inline="always")  # shared by both paths
def _floor_div(num, den, reciprocal):
    """``num // den`` for 0 <= num and 1 <= den with num * den < 2**32 (a vision's counts),
    by a multiply and a shift: exact there, and several times faster than a division, which
    sat on every decision's critical path (measured)."""
    return (num * reciprocal[den]) >> 32


@njit(cache=True, inline="always")  # shared by both paths
def _round_half_even(num, den, reciprocal):
    """``round(num / den)`` as Python rounds (ties to even), in integers so exact."""
    q = _floor_div(num, den, reciprocal)
    twice = 2 * (num - q * den)
    return q + ((twice > den) | ((twice == den) & ((q & 1) == 1)))


@njit(cache=True, inline="always", _nrt=False)
def _arrest_probability(cops, actives, rule, k, ptable, reciprocal):
    """P = 1 - exp(-k x), x from the cops-to-actives ratio by ``rule`` (actives count self)."""
    if rule == RULE_ROUND:
        return ptable[_round_half_even(cops, actives, reciprocal)]
    if rule == RULE_FLOOR:
        return ptable[_floor_div(cops, actives, reciprocal)]
    return 1.0 - np.exp(-k * (cops / actives))


@njit(cache=True, inline="always", _nrt=False)
def _shuffle(order, rng):
    """Fisher-Yates: a fresh uniformly random order (from any previous one)."""
    n = order.shape[0]
    for p in range(n - 1):
        swap = p + below(rng, n - p)
        i = order[swap]
        order[swap] = order[p]
        order[p] = i


@njit(cache=True, inline="always", _nrt=False)
def _prefetch_agent(i, x, y, state, jail, hardship, risk, n_citizens):
    _prefetch(x, i)
    _prefetch(y, i)
    if i < n_citizens:
        _prefetch(state, i)
        _prefetch(jail, i)
        _prefetch(hardship, i)
        _prefetch(risk, i)


@njit(cache=True, inline="always", _nrt=False)
def _prefetch_vision(code, centre, view):
    """Bring in the grid rows of a diamond (a row segment's first byte loads its line)."""
    byte, alignment = centre >> 2, centre & 3
    for m in range(view.shape[2]):
        _prefetch(code, byte + view[alignment, BYTE_A, m])
        _prefetch(code, byte + view[alignment, BYTE_B, m])


# -- agents' actions ---------------------------------------------------------------------------
@njit(cache=True, inline="always", _nrt=False)
def _decide(i, st, actives, cops, one_minus_legitimacy, hardship, risk, rule, k, threshold,
            ptable, reciprocal):
    """A free citizen's new state by Epstein's rule: active if G - R * P > T."""
    if st == ACTIVE:
        actives -= 1  # the centre is the citizen itself, counted once below
    p_arrest = _arrest_probability(cops, actives + 1, rule, k, ptable, reciprocal)
    grievance = hardship[i] * one_minus_legitimacy
    return ACTIVE if grievance - risk[i] * p_arrest > threshold else QUIET


@njit(cache=True, inline="always", _nrt=False)
def _set_state(i, new, xi, yi, state, code, flows, s, width, height, pad, stride):
    old = state[i]
    if new == old:
        return
    if old == QUIET:
        flows[s, F_ACTIVATE] += 1
    elif old == ACTIVE:
        flows[s, F_CALM if new == QUIET else F_ARREST] += 1
    else:
        flows[s, F_RELEASE_QUIET if new == QUIET else F_RELEASE_ACTIVE] += 1
    state[i] = new
    if CODE_OF_STATE[new] != CODE_OF_STATE[old]:
        _put(code, xi, yi, CODE_OF_STATE[new], width, height, pad, stride)


@njit(cache=True, inline="always", _nrt=False)
def _move(i, empties, rng, own_code, view, seen, x, y, occ, code, width, height, pad, stride):
    """Move agent ``i`` to a uniformly chosen one of the ``empties`` empty cells it saw."""
    xi, yi = x[i], y[i]
    tx, ty = _pick(xi, yi, view, seen, SEEN_EMPTY, below(rng, empties), width, height)
    occ[yi * width + xi] = -1
    _put(code, xi, yi, EMPTY_CODE, width, height, pad, stride)
    occ[ty * width + tx] = i
    x[i] = tx
    y[i] = ty
    _put(code, tx, ty, own_code, width, height, pad, stride)


@njit(cache=True, inline="always", _nrt=False)
def _arrest(xi, yi, actives, rng, max_jail_term, view, seen, state, jail, occ, code, flows, s,
            width, height, pad, stride):
    """Jail a uniformly chosen one of the ``actives`` active citizens a cop saw, for a term
    uniform on 0 .. ``max_jail_term``."""
    tx, ty = _pick(xi, yi, view, seen, SEEN_ACTIVE, below(rng, actives), width, height)
    j = occ[ty * width + tx]
    jail[j] = below(rng, max_jail_term + 1)
    _set_state(j, JAILED, tx, ty, state, code, flows, s, width, height, pad, stride)


@njit(cache=True, inline="always", _nrt=False)
def _pick_arrests(order, rng, max_jail_term, x, y, jail, n_citizens, code, occ, width, height,
                  pad, stride, view_cop, seen, decided):
    """Step 3 of ``run_synchronous``: each cop, in the order, picks one of the citizens active
    in its vision and a jail term (drawn even when the arrest is lost: the citizen was
    picked already)."""
    for p in range(order.shape[0]):
        i = order[p]
        if i < n_citizens:
            continue
        xi, yi = x[i], y[i]
        _, actives, _ = _count(code, _centre(xi, yi, pad, stride), view_cop, seen)
        if actives > 0:
            tx, ty = _pick(xi, yi, view_cop, seen, SEEN_ACTIVE, below(rng, actives), width,
                           height)
            j = occ[ty * width + tx]
            term = below(rng, max_jail_term + 1)
            if decided[j] != _ARRESTED:
                decided[j] = _ARRESTED
                jail[j] = term


@njit(cache=True, inline="always")  # shared by both paths
def _census(census, flows, s, before):
    """Step ``s``'s census: the census before it (``census[s - 1]``, or ``before`` for the
    chunk's first step) plus its flows (the caller checks it against a recount)."""
    for state in range(census.shape[1]):
        census[s, state] = census[s - 1, state] if s > 0 else before[state]
    for column, (_, src, dst) in enumerate(FLOWS):
        census[s, src] -= flows[s, column]
        census[s, dst] += flows[s, column]


# -- the steps ---------------------------------------------------------------------------------
@njit(cache=True, _nrt=False)
def run_sequential(order, rng, max_jail_term, legitimacy,
                   x, y, state, jail, hardship, risk, n_citizens,
                   code, occ, width, height, pad, view_cit, view_cop, seen,
                   rule, k, threshold, ptable, reciprocal, movement, before, census, flows):
    """Random sequential activation for ``len(legitimacy)`` steps (Mesa's ``shuffle_do``).

    Each step visits every agent once in a fresh uniformly random order, and each agent sees
    the grid as the agents before it left it. A jailed citizen serves one step of its term;
    one whose term is over decides again; a cop arrests one active citizen in its vision, if
    any; every agent not in jail then moves to a random empty cell in its vision.

    Writes, per step ``s``, the transitions to ``flows[s]`` (columns as FLOWS) and the census
    (quiet, active, jailed) to ``census[s]``: ``before`` (the census as the call began) plus
    the flows so far.
    """
    n = order.shape[0]
    stride = (width + 2 * pad + 3) // 4 * 4  # as grid_stride
    prefetch = n >= PREFETCH_MIN_AGENTS
    for s in range(legitimacy.shape[0]):
        _shuffle(order, rng)
        one_minus_legitimacy = 1.0 - legitimacy[s]
        for p in range(n):
            if prefetch and p + LOOKAHEAD < n:
                _prefetch_agent(order[p + LOOKAHEAD], x, y, state, jail, hardship, risk,
                                n_citizens)
            if prefetch and p + LOOKAHEAD // 2 < n:
                ahead = order[p + LOOKAHEAD // 2]
                _prefetch_vision(code, _centre(x[ahead], y[ahead], pad, stride),
                                 view_cit if ahead < n_citizens else view_cop)
            i = order[p]
            xi, yi = x[i], y[i]
            centre = _centre(xi, yi, pad, stride)
            if i < n_citizens:
                st = state[i]
                if st == JAILED and jail[i] > 0:
                    jail[i] -= 1
                    continue
                empties, actives, cops = _count(code, centre, view_cit, seen)
                new = _decide(i, st, actives, cops, one_minus_legitimacy, hardship, risk, rule,
                              k, threshold, ptable, reciprocal)
                _set_state(i, new, xi, yi, state, code, flows, s, width, height, pad, stride)
                if movement and empties > 0:
                    _move(i, empties, rng, CODE_OF_STATE[new], view_cit, seen, x, y,
                          occ, code, width, height, pad, stride)
            else:
                empties, actives, _ = _count(code, centre, view_cop, seen)
                if actives > 0:
                    _arrest(xi, yi, actives, rng, max_jail_term, view_cop, seen, state, jail,
                            occ, code, flows, s, width, height, pad, stride)
                if movement and empties > 0:
                    _move(i, empties, rng, np.uint8(COP_CODE), view_cop, seen, x, y,
                          occ, code, width, height, pad, stride)
        _census(census, flows, s, before)


@njit(cache=True, _nrt=False)
def run_synchronous(order, rng, max_jail_term, legitimacy,
                    x, y, state, jail, hardship, risk, n_citizens,
                    code, occ, width, height, pad, view_cit, view_cop, seen,
                    rule, k, threshold, ptable, reciprocal, movement, before, census,
                    flows, decided):
    """Synchronous update for ``len(legitimacy)`` steps: everyone acts on the same snapshot.

    1. Jailed citizens serve one step of their term; the others are free this step.
    2. Every free citizen decides on the grid as the step began.
    3. Every cop, on that same grid, picks one of the citizens active in its vision (two cops
       may pick the same one: the second arrest is lost).
    4. The picked citizens are jailed; the other free citizens take their decisions.
    5. Cops and the free citizens not jailed in 4 move, in a fresh random order, each to a
       cell empty at its turn (moves cannot be simultaneous: a cell holds one agent).

    Draws, each step: the shuffle; for each cop in the order that sees an active citizen, the
    one it picks and a jail term (drawn even when the arrest is lost); for each agent that
    moves, its cell. Takes the arguments of ``run_sequential``, plus ``decided`` (scratch,
    one per citizen).
    """
    n = order.shape[0]
    stride = (width + 2 * pad + 3) // 4 * 4
    for s in range(legitimacy.shape[0]):
        _shuffle(order, rng)
        one_minus_legitimacy = 1.0 - legitimacy[s]
        for i in range(n_citizens):
            st = state[i]
            decided[i] = _IN_JAIL
            if st == JAILED and jail[i] > 0:
                jail[i] -= 1
                continue
            _, actives, cops = _count(code, _centre(x[i], y[i], pad, stride), view_cit, seen)
            decided[i] = _decide(i, st, actives, cops, one_minus_legitimacy, hardship, risk,
                                 rule, k, threshold, ptable, reciprocal)
        _pick_arrests(order, rng, max_jail_term, x, y, jail, n_citizens, code, occ, width,
                      height, pad, stride, view_cop, seen, decided)
        for i in range(n_citizens):
            if decided[i] != _IN_JAIL:
                new = JAILED if decided[i] == _ARRESTED else decided[i]
                _set_state(i, new, x[i], y[i], state, code, flows, s, width, height, pad,
                           stride)
        for p in range(n):
            i = order[p]
            citizen = i < n_citizens
            if not movement or (citizen and decided[i] < 0):
                continue
            view = view_cit if citizen else view_cop
            empties, _, _ = _count(code, _centre(x[i], y[i], pad, stride), view, seen)
            if empties > 0:
                own = CODE_OF_STATE[state[i]] if citizen else np.uint8(COP_CODE)
                _move(i, empties, rng, own, view, seen, x, y, occ, code, width,
                      height, pad, stride)
        _census(census, flows, s, before)


# -- the plain path: ordinary njit code --------------------------------------------------------
# The same steps as above, in ordinary ``numba.njit`` code: no intrinsics, no private flags.
# With reference counting on, a helper inlined with array arguments costs an atomic increment
# and decrement per array and call unless Numba can prune them, which it does when the helper
# has a single exit and no branch that can raise: hence the branch-free ``_plain_set_state``
# and ``_plain_arrest_probability`` (and no ``_decide``: its arrays are read in the step).
_M32, _S32 = np.uint64(0xFFFFFFFF), np.uint64(32)
FLOW_OF = np.array([[0, F_ACTIVATE, F_ACTIVATE],
                    [F_CALM, 0, F_ARREST],
                    [F_RELEASE_QUIET, F_RELEASE_ACTIVE, 0]], dtype=np.int64)
"""The ``flows`` column of a change of state (old, new), as ``_set_state`` chooses it (a
diagonal entry is never counted)."""


@njit(cache=True, inline="always")
def _plain_next_raw(rng):
    """SFC64's step, as ``kernel_random.next_raw``."""
    a, b, c, counter = rng[0], rng[1], rng[2], rng[3]
    out = a + b + counter
    rng[0] = b ^ (b >> np.uint64(11))
    rng[1] = c + (c << np.uint64(3))
    rng[2] = ((c << np.uint64(24)) | (c >> np.uint64(40))) + out
    rng[3] = counter + _U1
    return out


@njit(cache=True, inline="always")
def _plain_below(rng, n):
    """As ``kernel_random.below``: the high 64 bits of ``raw * n``, from 32-bit halves."""
    a, b = _plain_next_raw(rng), np.uint64(n)
    a_lo, a_hi, b_lo, b_hi = a & _M32, a >> _S32, b & _M32, b >> _S32
    lh, hl = a_lo * b_hi, a_hi * b_lo
    mid = ((a_lo * b_lo) >> _S32) + (lh & _M32) + (hl & _M32)
    return np.int64(a_hi * b_hi + (lh >> _S32) + (hl >> _S32) + (mid >> _S32))


@njit(cache=True, inline="always")
def _popcount(v):
    """Set bits of ``v`` (LLVM recognises the loop and emits ``popcnt`` where there is one)."""
    count = 0
    while v:
        v &= v - _U1
        count += 1
    return count


@njit(cache=True, inline="always")
def _load_word(code, at):
    """The 64 bits from byte ``at`` of ``code`` on, low byte first (LLVM makes one load)."""
    u = np.uint64(at)  # an unsigned index: no wrap-around test between the bytes
    word = np.uint64(0)
    for b in range(8):
        word |= np.uint64(code[u + np.uint64(b)]) << np.uint64(8 * b)
    return word


@njit(cache=True, inline="always")
def _plain_segment(code, byte, view, alignment, byte_row, m):
    """Row segment (``byte_row`` BYTE_A or BYTE_B) of word ``m`` of a vision, in its low bits
    (in the table, a segment's SHIFT and MASK rows follow its BYTE row)."""
    shift, mask = view[alignment, byte_row + 1, m], view[alignment, byte_row + 2, m]
    return (_load_word(code, byte + view[alignment, byte_row, m]) >> np.uint64(shift)
            ) & np.uint64(mask)


@njit(cache=True, inline="always")
def _plain_count(code, centre, view, seen):
    """As ``_count``, word by word."""
    byte, alignment = centre >> 2, centre & 3
    n_low = n_high = cops = 0
    for m in range(view.shape[2]):
        word = (_plain_segment(code, byte, view, alignment, BYTE_A, m)
                | (_plain_segment(code, byte, view, alignment, BYTE_B, m) << _S32))
        seen[SEEN_WORD, m] = word
        low = word & _LOW_BITS  # empty cells and cops
        high = (word >> _U1) & _LOW_BITS  # active citizens and cops
        in_low, in_high, both = _popcount(low), _popcount(high), _popcount(low & high)
        seen[SEEN_EMPTY, m] = in_low - both
        seen[SEEN_ACTIVE, m] = in_high - both
        n_low += in_low
        n_high += in_high
        cops += both
    return n_low - cops, n_high - cops, cops


@njit(cache=True, inline="always")
def _plain_pick(x, y, view, seen, what, k, width, height):
    """As ``_pick``: the word by a scan of the counts, the bit by dropping the lower ones."""
    m = 0
    while k >= np.int64(seen[what, m]):
        k -= np.int64(seen[what, m])
        m += 1
    w = seen[SEEN_WORD, m]
    low = w & _LOW_BITS
    high = (w >> _U1) & _LOW_BITS
    hits = low & ~high if what == SEEN_EMPTY else high & ~low
    for _ in range(k):
        hits &= hits - _U1
    cell = _popcount(~hits & (hits - _U1)) >> 1  # trailing zeros, halved
    in_b = np.int64(cell >= SEGMENT_CELLS)
    dx = view[0, DX_A + 2 * in_b, m] + cell - SEGMENT_CELLS * in_b
    return _wrap(x + dx, width), _wrap(y + view[0, DY_A + 2 * in_b, m], height)


@njit(cache=True, inline="always")
def _plain_arrest_probability(cops, actives, rule, k, ptable, reciprocal):
    """As ``_arrest_probability``, with one exit."""
    rounded, floor = _round_half_even(cops, actives, reciprocal), _floor_div(cops, actives,
                                                                               reciprocal)
    ratio = 1.0 - np.exp(-k * (cops / actives)) if rule == RULE_RATIO else 0.0
    return ratio if rule == RULE_RATIO else ptable[rounded if rule == RULE_ROUND else floor]


@njit(cache=True, inline="always")
def _plain_set_state(i, new, xi, yi, state, code, flows, s, width, height, pad, stride):
    """As ``_set_state``, without its early return."""
    old = state[i]
    flows[s, FLOW_OF[old, new]] += old != new
    state[i] = new
    if CODE_OF_STATE[new] != CODE_OF_STATE[old]:
        _put(code, xi, yi, CODE_OF_STATE[new], width, height, pad, stride)


@njit(cache=True, inline="always")
def _plain_move(i, empties, rng, own_code, view, seen, x, y, occ, code, width, height, pad,
                stride):
    """As ``_move``."""
    xi, yi = x[i], y[i]
    tx, ty = _plain_pick(xi, yi, view, seen, SEEN_EMPTY, _plain_below(rng, empties), width,
                         height)
    occ[yi * width + xi] = -1
    _put(code, xi, yi, EMPTY_CODE, width, height, pad, stride)
    occ[ty * width + tx] = i
    x[i] = tx
    y[i] = ty
    _put(code, tx, ty, own_code, width, height, pad, stride)


@njit(cache=True, inline="always")
def _plain_arrest(xi, yi, actives, rng, max_jail_term, view, seen, state, jail, occ, code,
                  flows, s, width, height, pad, stride):
    """As ``_arrest``."""
    tx, ty = _plain_pick(xi, yi, view, seen, SEEN_ACTIVE, _plain_below(rng, actives), width,
                         height)
    j = occ[ty * width + tx]
    jail[j] = _plain_below(rng, max_jail_term + 1)
    _plain_set_state(j, JAILED, tx, ty, state, code, flows, s, width, height, pad, stride)


@njit(cache=True, inline="always")
def _plain_shuffle(order, rng):
    """As ``_shuffle``."""
    n = order.shape[0]
    for p in range(n - 1):
        swap = p + _plain_below(rng, n - p)
        i = order[swap]
        order[swap] = order[p]
        order[p] = i


@njit(cache=True)
def plain_sequential(order, rng, max_jail_term, legitimacy,
                     x, y, state, jail, hardship, risk, n_citizens,
                     code, occ, width, height, pad, view_cit, view_cop, seen,
                     rule, k, threshold, ptable, reciprocal, movement, before, census, flows):
    """``run_sequential`` in plain njit code: the same arguments, draws and results."""
    n = order.shape[0]
    stride = (width + 2 * pad + 3) // 4 * 4  # as grid_stride
    for s in range(legitimacy.shape[0]):
        _plain_shuffle(order, rng)
        one_minus_legitimacy = 1.0 - legitimacy[s]
        for p in range(n):
            i = order[p]
            xi, yi = x[i], y[i]
            centre = _centre(xi, yi, pad, stride)
            if i < n_citizens:
                st = state[i]
                if st == JAILED and jail[i] > 0:
                    jail[i] -= 1
                    continue
                empties, actives, cops = _plain_count(code, centre, view_cit, seen)
                actives += st != ACTIVE  # A counts the citizen himself, once
                p_arrest = _plain_arrest_probability(cops, actives, rule, k, ptable, reciprocal)
                grievance = hardship[i] * one_minus_legitimacy
                new = ACTIVE if grievance - risk[i] * p_arrest > threshold else QUIET
                _plain_set_state(i, new, xi, yi, state, code, flows, s, width, height, pad,
                                 stride)
                if movement and empties > 0:
                    _plain_move(i, empties, rng, CODE_OF_STATE[new], view_cit, seen, x, y,
                                occ, code, width, height, pad, stride)
            else:
                empties, actives, _ = _plain_count(code, centre, view_cop, seen)
                if actives > 0:
                    _plain_arrest(xi, yi, actives, rng, max_jail_term, view_cop, seen, state,
                                  jail, occ, code, flows, s, width, height, pad, stride)
                if movement and empties > 0:
                    _plain_move(i, empties, rng, np.uint8(COP_CODE), view_cop, seen, x, y,
                                occ, code, width, height, pad, stride)
        _census(census, flows, s, before)


@njit(cache=True)
def plain_synchronous(order, rng, max_jail_term, legitimacy,
                      x, y, state, jail, hardship, risk, n_citizens,
                      code, occ, width, height, pad, view_cit, view_cop, seen,
                      rule, k, threshold, ptable, reciprocal, movement, before, census,
                      flows, decided):
    """``run_synchronous`` in plain njit code: the same arguments, draws and results. Each
    phase of a step is a function of its own (called once a step, so its arrays are
    reference-counted once a step, not once an agent)."""
    stride = (width + 2 * pad + 3) // 4 * 4
    for s in range(legitimacy.shape[0]):
        _plain_shuffle(order, rng)
        _plain_decide_all(1.0 - legitimacy[s], x, y, state, jail, hardship, risk, n_citizens,
                          code, pad, stride, view_cit, seen, rule, k, threshold, ptable,
                          reciprocal, decided)
        _plain_pick_arrests(order, rng, max_jail_term, x, y, jail, n_citizens, code, occ, width,
                            height, pad, stride, view_cop, seen, decided)
        for i in range(n_citizens):
            if decided[i] != _IN_JAIL:
                new = JAILED if decided[i] == _ARRESTED else decided[i]
                _plain_set_state(i, new, x[i], y[i], state, code, flows, s, width, height,
                                 pad, stride)
        if movement:
            _plain_move_all(order, rng, x, y, state, n_citizens, code, occ, width, height, pad,
                            stride, view_cit, view_cop, seen, decided)
        _census(census, flows, s, before)


@njit(cache=True)
def _plain_decide_all(one_minus_legitimacy, x, y, state, jail, hardship, risk, n_citizens,
                      code, pad, stride, view_cit, seen, rule, k, threshold, ptable, reciprocal,
                      decided):
    """Steps 1 and 2 of ``run_synchronous``: serve a step of jail, or decide on the grid."""
    for i in range(n_citizens):
        st = state[i]
        decided[i] = _IN_JAIL
        if st == JAILED and jail[i] > 0:
            jail[i] -= 1
            continue
        _, actives, cops = _plain_count(code, _centre(x[i], y[i], pad, stride), view_cit, seen)
        actives += st != ACTIVE
        p_arrest = _plain_arrest_probability(cops, actives, rule, k, ptable, reciprocal)
        grievance = hardship[i] * one_minus_legitimacy
        decided[i] = ACTIVE if grievance - risk[i] * p_arrest > threshold else QUIET


@njit(cache=True)
def _plain_pick_arrests(order, rng, max_jail_term, x, y, jail, n_citizens, code, occ, width,
                        height, pad, stride, view_cop, seen, decided):
    """Step 3 of ``run_synchronous``: each cop, in the order, picks a citizen and a term."""
    for p in range(order.shape[0]):
        i = order[p]
        if i < n_citizens:
            continue
        xi, yi = x[i], y[i]
        _, actives, _ = _plain_count(code, _centre(xi, yi, pad, stride), view_cop, seen)
        if actives > 0:
            tx, ty = _plain_pick(xi, yi, view_cop, seen, SEEN_ACTIVE,
                                 _plain_below(rng, actives), width, height)
            j = occ[ty * width + tx]
            term = _plain_below(rng, max_jail_term + 1)
            if decided[j] != _ARRESTED:
                decided[j] = _ARRESTED
                jail[j] = term


@njit(cache=True)
def _plain_move_all(order, rng, x, y, state, n_citizens, code, occ, width, height, pad, stride,
                    view_cit, view_cop, seen, decided):
    """Step 5 of ``run_synchronous``: cops and the free citizens move, in the order."""
    for p in range(order.shape[0]):
        i = order[p]
        if i < n_citizens:  # a branch per view: choosing the array would cost refcounts
            if decided[i] < 0:
                continue
            empties, _, _ = _plain_count(code, _centre(x[i], y[i], pad, stride), view_cit, seen)
            if empties > 0:
                _plain_move(i, empties, rng, CODE_OF_STATE[state[i]], view_cit, seen, x, y,
                            occ, code, width, height, pad, stride)
        else:
            empties, _, _ = _plain_count(code, _centre(x[i], y[i], pad, stride), view_cop, seen)
            if empties > 0:
                _plain_move(i, empties, rng, np.uint8(COP_CODE), view_cop, seen, x, y, occ,
                            code, width, height, pad, stride)


# -- choosing a path ---------------------------------------------------------------------------
PATHS = ("tuned", "plain")
"""The kernel paths (see the module's docstring); ``kernels`` takes one of them."""
PATH_ENV = "DESERTION_CV_KERNEL"
"""The environment variable that names the default path (``default_path``)."""


def kernels(path: str = "tuned") -> tuple[Callable[..., None], Callable[..., None]]:
    """The (sequential, synchronous) step kernels of ``path`` ("tuned" or "plain"). Both take
    the arguments of ``run_sequential`` and ``run_synchronous`` and give the same results."""
    if path == "tuned":
        return run_sequential, run_synchronous
    if path == "plain":
        return plain_sequential, plain_synchronous
    raise ValueError(f"unknown civil-violence kernel path {path!r}: expected one of "
                     f"{', '.join(map(repr, PATHS))}")


def default_path() -> str:
    """The path ``DESERTION_CV_KERNEL`` names ("tuned" or "plain"; "tuned" when unset or
    empty). Any other value is a ValueError naming the variable and the allowed values."""
    path = os.environ.get(PATH_ENV, "").strip() or "tuned"
    if path not in PATHS:
        raise ValueError(f"{PATH_ENV}={path!r}: expected one of {', '.join(map(repr, PATHS))}")
    return path
