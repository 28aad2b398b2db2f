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
  two rows are counted per word with three popcounts; every write to a cell goes to all of
  its copies. At two bits a cell a 1000 x 1000 grid is 250 kB and stays in cache.

A vision is described by a table (see ``vision``): for each word a diamond is read in, the
two row segments it holds (cell offset from the centre on the padded grid, bit mask, dx, dy).
``_count`` keeps the words it read in ``seen`` so that picking the k-th empty cell (for a
move) or active citizen (for an arrest) needs no second read of the grid.

Random numbers come in per step from NumPy (``u_order``, ``u_move``, ``u_arrest``,
``jail_draw``): the kernels draw none, so a run is a pure function of its seed.

All functions are compiled with ``_nrt=False``: without reference counting the array
arguments cost nothing to pass, which halved the time per agent-step (measured).
"""

from __future__ import annotations

import os
import platform
import sys

import llvmlite.binding as llvm
import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

if sys.byteorder != "little":  # a word's low bits must be its first cells
    raise ImportError("the civil-violence kernel assumes a little-endian machine")

# agent states (in the recorder's order); cops' state
QUIET, ACTIVE, JAILED = 0, 1, 2
NOT_A_CITIZEN = -1
# two-bit cell codes: low bit "empty or cop", high bit "active or cop"
OTHER_CODE, EMPTY_CODE, ACTIVE_CODE, COP_CODE = 0, 1, 2, 3
CODE_OF_STATE = np.array([OTHER_CODE, ACTIVE_CODE, OTHER_CODE], dtype=np.uint8)
SEGMENT_CELLS = 16  # a row segment holds up to 16 cells (32 bits); two make a word
# rows of a vision table
OFF_A, MASK_A, DX_A, DY_A, OFF_B, MASK_B, DX_B, DY_B = range(8)
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
_U1, _U32 = np.uint64(1), np.uint64(32)
SEEN_WORD, SEEN_EMPTY, SEEN_ACTIVE = 0, 1, 2  # rows of ``seen``
_IN_JAIL, _ARRESTED = -1, -2  # what a citizen does in a synchronous step, besides a state


# -- machine intrinsics ------------------------------------------------------------------------
@intrinsic
def _load_word(typingctx, arr, idx):
    """Eight bytes of a uint8 array from byte ``idx`` on, unaligned, as one little-endian word."""
    if not (isinstance(arr, types.Array) and arr.dtype == types.uint8):
        return None
    sig = types.uint64(arr, types.intp)

    def codegen(context, builder, signature, args):
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        ptr = builder.gep(ary.data, [args[1]])
        return builder.load(builder.bitcast(ptr, ir.IntType(64).as_pointer()), align=1)

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


@intrinsic
def _popcount(typingctx, x):
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):
        fnty = ir.FunctionType(ir.IntType(64), [ir.IntType(64)])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.ctpop.i64")
        return builder.call(fn, args)

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
    """The words a radius-``radius`` von Neumann diamond is read in (a table of int64 with
    rows OFF_A .. DY_B and one column per word).

    Row dy of the diamond spans the cells dx = -h .. h (h = radius - |dy|); it is cut into
    segments of at most 16 cells, and consecutive segments are paired into words. For each
    segment: its first cell's offset from the centre on the padded grid, the mask of its
    bits, and its first cell's (dx, dy). A word's second segment may be empty (mask 0). The
    centre is part of the diamond; callers discount themselves.
    """
    stride = grid_stride(width, pad)
    segments = []
    for dy in range(-radius, radius + 1):
        half = radius - abs(dy)
        for dx in range(-half, half + 1, SEGMENT_CELLS):
            cells = min(SEGMENT_CELLS, half + 1 - dx)
            segments.append((dy * stride + dx, (1 << (2 * cells)) - 1, dx, dy))
    if len(segments) % 2:
        segments.append((0, 0, 0, 0))
    table = np.array(segments, dtype=np.int64).reshape(-1, 2, 4)  # word, half, field
    return np.ascontiguousarray(table.transpose(1, 2, 0).reshape(8, -1))


@njit(cache=True, inline="always", _nrt=False)
def _wrap(v, size):
    """``v mod size`` for ``v`` in ``-size .. 2 * size - 1``, without a division."""
    if v < 0:
        return v + size
    if v >= size:
        return v - size
    return v


@njit(cache=True, inline="always", _nrt=False)
def _set_cell(code, cell, value):
    """Set the two bits of padded cell ``cell``."""
    byte = cell >> 2
    shift = (cell & 3) << 1
    code[byte] = (code[byte] & ~(3 << shift)) | (value << shift)


@njit(cache=True, inline="always", _nrt=False)
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


@njit(cache=True, inline="always", _nrt=False)
def _centre(x, y, pad, stride):
    return (y + pad) * stride + x + pad


@njit(cache=True, inline="always", _nrt=False)
def _segment(code, cell, mask):
    """The bits of the cells from padded cell ``cell`` on, masked to a segment's length."""
    return (_load_word(code, cell >> 2) >> np.uint64((cell & 3) << 1)) & np.uint64(mask)


@njit(cache=True, inline="always", _nrt=False)
def _count(code, centre, view, seen):
    """Empty cells, active citizens and cops in a diamond (its centre included).

    Leaves in ``seen`` what ``_pick`` needs: row SEEN_WORD the words read, rows SEEN_EMPTY
    and SEEN_ACTIVE how many empty cells and active citizens each holds.
    """
    n_low = 0  # cells whose low bit is set: empty cells and cops
    n_high = 0  # cells whose high bit is set: active citizens and cops
    cops = 0
    for m in range(view.shape[1]):
        w = (_segment(code, centre + view[OFF_A, m], view[MASK_A, m])
             | (_segment(code, centre + view[OFF_B, m], view[MASK_B, m]) << _U32))
        low = w & _LOW_BITS
        high = (w >> _U1) & _LOW_BITS
        in_low = _popcount(low)
        in_high = _popcount(high)
        in_both = _popcount(low & high)
        seen[SEEN_WORD, m] = w
        seen[SEEN_EMPTY, m] = in_low - in_both
        seen[SEEN_ACTIVE, m] = in_high - in_both
        n_low += np.int64(in_low)
        n_high += np.int64(in_high)
        cops += np.int64(in_both)
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
    word is found without branches (which the CPU could not predict): it is the number of
    words whose hits, with those of the words before, are all before the k-th.
    """
    m = 0
    before = 0
    total = 0
    for j in range(view.shape[1]):
        total += np.int64(seen[what, j])
        done = total <= k
        m += done
        before = total if done else before
    w = seen[SEEN_WORD, m]
    low = w & _LOW_BITS
    high = (w >> _U1) & _LOW_BITS
    hits = low & ~high if what == SEEN_EMPTY else high & ~low
    cell = _select_bit(hits, k - before) >> 1
    if cell < SEGMENT_CELLS:
        return _wrap(x + view[DX_A, m] + cell, width), _wrap(y + view[DY_A, m], height)
    return (_wrap(x + view[DX_B, m] + cell - SEGMENT_CELLS, width),
            _wrap(y + view[DY_B, m], height))


@njit(cache=True, inline="always", _nrt=False)
def _choice(u, n):
    """A uniform index in ``0 .. n-1`` from a uniform ``u`` in [0, 1)."""
    i = np.int64(u * n)
    return i if i < n else n - 1


@njit(cache=True, inline="always", _nrt=False)
def _round_half_even(num, den):
    """``round(num / den)`` as Python rounds (ties to even), in integers so exact."""
    q = num // den
    twice = 2 * (num - q * den)
    if twice > den or (twice == den and (q & 1) == 1):
        q += 1
    return q


@njit(cache=True, inline="always", _nrt=False)
def _arrest_probability(cops, actives, rule, k, ptable):
    """P = 1 - exp(-k x), x from the cops-to-actives ratio by ``rule`` (actives count self)."""
    if rule == RULE_ROUND:
        return ptable[_round_half_even(cops, actives)]
    if rule == RULE_FLOOR:
        return ptable[cops // actives]
    return 1.0 - np.exp(-k * (cops / actives))


@njit(cache=True, inline="always", _nrt=False)
def _shuffle(order, u):
    """Fisher-Yates: a fresh uniformly random order (from any previous one)."""
    n = order.shape[0]
    for p in range(n - 1):
        swap = p + _choice(u[p], n - p)
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
    for m in range(view.shape[1]):
        _prefetch(code, (centre + view[OFF_A, m]) >> 2)
        _prefetch(code, (centre + view[OFF_B, m]) >> 2)


# -- agents' actions ---------------------------------------------------------------------------
@njit(cache=True, inline="always", _nrt=False)
def _decide(i, st, actives, cops, one_minus_legitimacy, hardship, risk, rule, k, threshold,
            ptable):
    """A free citizen's new state by Epstein's rule: active if G - R * P > T."""
    if st == ACTIVE:
        actives -= 1  # the centre is the citizen itself, counted once below
    p_arrest = _arrest_probability(cops, actives + 1, rule, k, ptable)
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
def _move(i, empties, u, own_code, view, seen, x, y, occ, code, width, height, pad, stride):
    """Move agent ``i`` to a uniformly chosen one of the ``empties`` empty cells it saw."""
    xi, yi = x[i], y[i]
    tx, ty = _pick(xi, yi, view, seen, SEEN_EMPTY, _choice(u, empties), width, height)
    occ[yi * width + xi] = -1
    _put(code, xi, yi, EMPTY_CODE, width, height, pad, stride)
    occ[ty * width + tx] = i
    x[i] = tx
    y[i] = ty
    _put(code, tx, ty, own_code, width, height, pad, stride)


@njit(cache=True, inline="always", _nrt=False)
def _arrest(xi, yi, actives, u, term, view, seen, state, jail, occ, code, flows, s, width,
            height, pad, stride):
    """Jail a uniformly chosen one of the ``actives`` active citizens a cop saw."""
    tx, ty = _pick(xi, yi, view, seen, SEEN_ACTIVE, _choice(u, actives), width, height)
    j = occ[ty * width + tx]
    jail[j] = term
    _set_state(j, JAILED, tx, ty, state, code, flows, s, width, height, pad, stride)


@njit(cache=True, inline="always", _nrt=False)
def _census(state, n_citizens, census, s):
    for i in range(n_citizens):
        census[s, state[i]] += 1


# -- the steps ---------------------------------------------------------------------------------
@njit(cache=True, _nrt=False)
def run_sequential(order, u_order, u_move, u_arrest, jail_draw, legitimacy,
                   x, y, state, jail, hardship, risk, n_citizens,
                   code, occ, width, height, pad, view_cit, view_cop, seen,
                   rule, k, threshold, ptable, movement, census, flows):
    """Random sequential activation for ``len(legitimacy)`` steps (Mesa's ``shuffle_do``).

    Each step visits every agent once in a fresh uniformly random order, and each agent sees
    the grid as the agents before it left it. A jailed citizen serves one step of its term;
    one whose term is over decides again; a cop arrests one active citizen in its vision, if
    any; every agent not in jail then moves to a random empty cell in its vision.
    """
    n = order.shape[0]
    stride = (width + 2 * pad + 3) // 4 * 4  # as grid_stride
    prefetch = n >= PREFETCH_MIN_AGENTS
    for s in range(legitimacy.shape[0]):
        _shuffle(order, u_order[s])
        one_minus_legitimacy = 1.0 - legitimacy[s]
        n_arrests = 0
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
                              k, threshold, ptable)
                _set_state(i, new, xi, yi, state, code, flows, s, width, height, pad, stride)
                if movement and empties > 0:
                    _move(i, empties, u_move[s, p], CODE_OF_STATE[new], view_cit, seen, x, y,
                          occ, code, width, height, pad, stride)
            else:
                empties, actives, _ = _count(code, centre, view_cop, seen)
                if actives > 0:
                    _arrest(xi, yi, actives, u_arrest[s, n_arrests], jail_draw[s, n_arrests],
                            view_cop, seen, state, jail, occ, code, flows, s, width, height,
                            pad, stride)
                    n_arrests += 1
                if movement and empties > 0:
                    _move(i, empties, u_move[s, p], np.uint8(COP_CODE), view_cop, seen, x, y,
                          occ, code, width, height, pad, stride)
        _census(state, n_citizens, census, s)


@njit(cache=True, _nrt=False)
def run_synchronous(order, u_order, u_move, u_arrest, jail_draw, legitimacy,
                    x, y, state, jail, hardship, risk, n_citizens,
                    code, occ, width, height, pad, view_cit, view_cop, seen,
                    rule, k, threshold, ptable, movement, census, flows, decided):
    """Synchronous update for ``len(legitimacy)`` steps: everyone acts on the same snapshot.

    1. Jailed citizens serve one step of their term; the others are free this step.
    2. Every free citizen decides on the grid as the step began.
    3. Every cop, on that same grid, picks one of the citizens active in its vision (two cops
       may pick the same one: the second arrest is lost).
    4. The picked citizens are jailed; the other free citizens take their decisions.
    5. Cops and the free citizens not jailed in 4 move, in a fresh random order, each to a
       cell empty at its turn (moves cannot be simultaneous: a cell holds one agent).

    Takes the same random inputs as ``run_sequential``, plus ``decided`` (scratch, one per
    citizen).
    """
    n = order.shape[0]
    stride = (width + 2 * pad + 3) // 4 * 4
    for s in range(legitimacy.shape[0]):
        _shuffle(order, u_order[s])
        one_minus_legitimacy = 1.0 - legitimacy[s]
        for i in range(n_citizens):
            st = state[i]
            decided[i] = _IN_JAIL
            if st == JAILED and jail[i] > 0:
                jail[i] -= 1
                continue
            _, actives, cops = _count(code, _centre(x[i], y[i], pad, stride), view_cit, seen)
            decided[i] = _decide(i, st, actives, cops, one_minus_legitimacy, hardship, risk,
                                 rule, k, threshold, ptable)
        n_arrests = 0
        for p in range(n):
            i = order[p]
            if i < n_citizens:
                continue
            xi, yi = x[i], y[i]
            _, actives, _ = _count(code, _centre(xi, yi, pad, stride), view_cop, seen)
            if actives > 0:
                tx, ty = _pick(xi, yi, view_cop, seen, SEEN_ACTIVE,
                               _choice(u_arrest[s, n_arrests], actives), width, height)
                j = occ[ty * width + tx]
                if decided[j] != _ARRESTED:
                    decided[j] = _ARRESTED
                    jail[j] = jail_draw[s, n_arrests]
                n_arrests += 1
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
                _move(i, empties, u_move[s, p], own, view, seen, x, y, occ, code, width,
                      height, pad, stride)
        _census(state, n_citizens, census, s)
