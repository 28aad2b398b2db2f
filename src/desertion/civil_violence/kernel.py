"""The compiled step kernels of the civil-violence model (Numba, one core).

The world the kernels see:

* agent columns indexed by agent (citizens first, then cops): ``cell`` (flat ``y * width + x``),
  ``state`` (citizens: QUIET, ACTIVE, JAILED; cops: -1), ``jail`` (steps left), ``hardship``,
  ``risk``;
* ``occ``: the agent on each cell, or -1;
* ``code``: one byte per cell saying what is there (EMPTY, QUIET, ACTIVE, JAILED or COP, one flag
  bit each), on a grid padded by a halo of ``pad`` cells that repeats the torus's opposite
  edges. With the halo, every row of a von Neumann diamond is one contiguous run of bytes, so a
  vision is counted eight cells at a time (SWAR: one 64-bit word per eight cells, flags summed
  lane-wise) without wrap-around branches. Every write to a cell goes to all of its copies.

Random numbers come in per step from NumPy (``u_order``, ``u_move``, ``u_arrest``,
``jail_draw``), so the kernels draw none themselves and a run is a pure function of its seed.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

# agent states (the recorder's order) and kinds
QUIET, ACTIVE, JAILED = 0, 1, 2
NOT_A_CITIZEN = -1
# one flag bit per cell content, so a word of eight cells can be counted flag by flag
EMPTY_CODE, ACTIVE_CODE, COP_CODE, QUIET_CODE, JAILED_CODE = 1, 2, 4, 8, 16
EMPTY_BIT, ACTIVE_BIT, COP_BIT = 0, 1, 2
CODE_OF_STATE = np.array([QUIET_CODE, ACTIVE_CODE, JAILED_CODE], dtype=np.uint8)
# arrest rules
RULE_ROUND, RULE_FLOOR, RULE_RATIO = 0, 1, 2
# state transitions tallied per step (columns of ``flows``)
FLOWS = (("activated", QUIET, ACTIVE), ("calmed", ACTIVE, QUIET), ("arrested", ACTIVE, JAILED),
         ("released", JAILED, QUIET), ("released", JAILED, ACTIVE))
F_ACTIVATE, F_CALM, F_ARREST, F_RELEASE_QUIET, F_RELEASE_ACTIVE = range(5)

_ONES = np.uint64(0x0101010101010101)
_LOW16 = np.uint64(0x00FF00FF00FF00FF)
_SUM16 = np.uint64(0x0001000100010001)
_U1, _U2, _U8, _U48 = np.uint64(1), np.uint64(2), np.uint64(8), np.uint64(48)
_MAX_LANE = 255  # a byte lane overflows after 255 words; fold the accumulators before that


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
def _popcount(typingctx, x):
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):
        fnty = ir.FunctionType(ir.IntType(64), [ir.IntType(64)])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.ctpop.i64")
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
def diamond_masks(radius: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row of a radius-``radius`` von Neumann diamond: its byte masks and word count.

    Row ``d`` (dy = d - radius) spans ``2 * (radius - |dy|) + 1`` cells; word ``j`` of it covers
    cells ``8j .. 8j + 7`` from the row's left end, and its mask keeps the bytes inside the row.
    """
    rows = 2 * radius + 1
    n_words = np.zeros(rows, dtype=np.int64)
    masks = np.zeros((rows, (rows + 7) // 8), dtype=np.uint64)
    for d in range(rows):
        length = 2 * (radius - abs(d - radius)) + 1
        n_words[d] = (length + 7) // 8
        for j in range(n_words[d]):
            inside = min(8, length - 8 * j)
            masks[d, j] = np.uint64(0xFFFFFFFFFFFFFFFF) >> np.uint64(64 - 8 * inside)
    return masks, n_words


@njit(cache=True, inline="always", _nrt=False)
def _put(code, x, y, value, width, height, pad, pwidth):
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
    code[py * pwidth + px] = value
    if px2 >= 0:
        code[py * pwidth + px2] = value
    if py2 >= 0:
        code[py2 * pwidth + px] = value
        if px2 >= 0:
            code[py2 * pwidth + px2] = value


@njit(cache=True, inline="always", _nrt=False)
def _fold(acc):
    """Sum of the eight byte lanes of ``acc`` (each at most 255)."""
    acc = (acc & _LOW16) + ((acc >> _U8) & _LOW16)
    return np.int64((acc * _SUM16) >> _U48)


@njit(cache=True, _nrt=False)
def _count(code, x, y, radius, masks, n_words, pad, pwidth):
    """Empty cells, active citizens and cops in the diamond of ``radius`` around (x, y).

    The centre is included (callers subtract themselves).
    """
    acc_e = np.uint64(0)
    acc_a = np.uint64(0)
    acc_c = np.uint64(0)
    empties = 0
    actives = 0
    cops = 0
    words = 0
    for d in range(2 * radius + 1):
        half = radius - abs(d - radius)
        start = (y + pad + d - radius) * pwidth + (x + pad - half)
        if words + n_words[d] > _MAX_LANE:
            empties += _fold(acc_e)
            actives += _fold(acc_a)
            cops += _fold(acc_c)
            acc_e = np.uint64(0)
            acc_a = np.uint64(0)
            acc_c = np.uint64(0)
            words = 0
        for j in range(n_words[d]):
            w = _load_word(code, start + 8 * j) & masks[d, j]
            acc_e += w & _ONES
            acc_a += (w >> _U1) & _ONES
            acc_c += (w >> _U2) & _ONES
        words += n_words[d]
    return empties + _fold(acc_e), actives + _fold(acc_a), cops + _fold(acc_c)


@njit(cache=True, _nrt=False)
def _kth(code, x, y, radius, masks, n_words, pad, pwidth, width, height, bit, k):
    """The flat index of the ``k``-th cell (from 0) in the diamond whose code has ``bit`` set.

    Cells are taken row by row, left to right; any fixed order gives a uniform choice.
    """
    flag = _ONES << np.uint64(bit)
    for d in range(2 * radius + 1):
        half = radius - abs(d - radius)
        start = (y + pad + d - radius) * pwidth + (x + pad - half)
        for j in range(n_words[d]):
            hits = _load_word(code, start + 8 * j) & masks[d, j] & flag
            n_hits = np.int64(_popcount(hits))
            if k < n_hits:
                for _ in range(k):
                    hits &= hits - _U1
                offset = 8 * j + np.int64(_trailing_zeros(hits)) // 8
                cx = (x - half + offset) % width
                cy = (y + d - radius) % height
                return cy * width + cx
            k -= n_hits
    return -1


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
    if twice > den or (twice == den and q % 2 == 1):
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


# -- agents' actions ---------------------------------------------------------------------------
@njit(cache=True, inline="always", _nrt=False)
def _decide(i, x, y, st, one_minus_legitimacy, hardship, risk, code, r, masks, n_words, pad,
            pwidth, rule, k, threshold, ptable):
    """A free citizen's new state (Epstein's rule G - N > T) and the empty cells it sees."""
    empties, actives, cops = _count(code, x, y, r, masks, n_words, pad, pwidth)
    if st == ACTIVE:
        actives -= 1  # the centre is the citizen itself, counted once below
    p_arrest = _arrest_probability(cops, actives + 1, rule, k, ptable)
    grievance = hardship[i] * one_minus_legitimacy
    new = ACTIVE if grievance - risk[i] * p_arrest > threshold else QUIET
    return new, empties


@njit(cache=True, inline="always", _nrt=False)
def _set_state(i, new, x, y, state, code, flows, s, width, height, pad, pwidth):
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
    _put(code, x, y, CODE_OF_STATE[new], width, height, pad, pwidth)


@njit(cache=True, inline="always", _nrt=False)
def _move(i, x, y, empties, u, own_code, cell, occ, code, r, masks, n_words, width, height,
          pad, pwidth):
    """Move agent ``i`` to a uniformly chosen one of the ``empties`` empty cells in its vision."""
    target = _kth(code, x, y, r, masks, n_words, pad, pwidth, width, height, EMPTY_BIT,
                  _choice(u, empties))
    here = y * width + x
    occ[here] = -1
    _put(code, x, y, EMPTY_CODE, width, height, pad, pwidth)
    occ[target] = i
    cell[i] = target
    _put(code, target % width, target // width, own_code, width, height, pad, pwidth)


@njit(cache=True, inline="always", _nrt=False)
def _arrest(x, y, actives, u, term, state, jail, occ, code, flows, s, r, masks, n_words,
            width, height, pad, pwidth):
    """Jail a uniformly chosen one of the ``actives`` active citizens in a cop's vision."""
    target = _kth(code, x, y, r, masks, n_words, pad, pwidth, width, height, ACTIVE_BIT,
                  _choice(u, actives))
    j = occ[target]
    jail[j] = term
    _set_state(j, JAILED, target % width, target // width, state, code, flows, s, width,
               height, pad, pwidth)


@njit(cache=True, inline="always", _nrt=False)
def _census(state, n_citizens, census, s):
    for i in range(n_citizens):
        census[s, state[i]] += 1


# -- the steps ---------------------------------------------------------------------------------
@njit(cache=True, _nrt=False)
def run_sequential(order, u_order, u_move, u_arrest, jail_draw, legitimacy,
                   cell, state, jail, hardship, risk, n_citizens,
                   code, occ, width, height, pad,
                   r_cit, masks_cit, words_cit, r_cop, masks_cop, words_cop,
                   rule, k, threshold, ptable, movement, census, flows):
    """Random sequential activation for ``len(legitimacy)`` steps (Mesa's ``shuffle_do``).

    Each step visits every agent once in a fresh uniformly random order (a forward
    Fisher-Yates shuffle of ``order`` done as it goes), and each agent sees the grid as the
    agents before it left it. A jailed citizen only serves a step of its term; a citizen
    whose term is over decides again; a cop arrests one active citizen in its vision, if any;
    every free agent then moves to a random empty cell in its vision.
    """
    n = order.shape[0]
    pwidth = width + 2 * pad
    for s in range(legitimacy.shape[0]):
        one_minus_legitimacy = 1.0 - legitimacy[s]
        n_arrests = 0
        for p in range(n):
            swap = p + _choice(u_order[s, p], n - p)
            i = order[swap]
            order[swap] = order[p]
            order[p] = i
            here = cell[i]
            x = here % width
            y = here // width
            if i < n_citizens:
                st = state[i]
                if st == JAILED and jail[i] > 0:
                    jail[i] -= 1
                    continue
                new, empties = _decide(i, x, y, st, one_minus_legitimacy, hardship, risk, code,
                                       r_cit, masks_cit, words_cit, pad, pwidth, rule, k,
                                       threshold, ptable)
                _set_state(i, new, x, y, state, code, flows, s, width, height, pad, pwidth)
                if movement and empties > 0:
                    _move(i, x, y, empties, u_move[s, p], CODE_OF_STATE[new], cell, occ, code,
                          r_cit, masks_cit, words_cit, width, height, pad, pwidth)
            else:
                empties, actives, _ = _count(code, x, y, r_cop, masks_cop, words_cop, pad,
                                             pwidth)
                if actives > 0:
                    _arrest(x, y, actives, u_arrest[s, n_arrests], jail_draw[s, n_arrests],
                            state, jail, occ, code, flows, s, r_cop, masks_cop, words_cop,
                            width, height, pad, pwidth)
                    n_arrests += 1
                if movement and empties > 0:
                    _move(i, x, y, empties, u_move[s, p], COP_CODE, cell, occ, code, r_cop,
                          masks_cop, words_cop, width, height, pad, pwidth)
        _census(state, n_citizens, census, s)


@njit(cache=True, _nrt=False)
def run_synchronous(order, u_order, u_move, u_arrest, jail_draw, legitimacy,
                    cell, state, jail, hardship, risk, n_citizens,
                    code, occ, width, height, pad,
                    r_cit, masks_cit, words_cit, r_cop, masks_cop, words_cop,
                    rule, k, threshold, ptable, movement, census, flows):
    """Synchronous update for ``len(legitimacy)`` steps, in four phases per step.

    1. Jailed citizens serve a step of their term; the others are free this step.
    2. Every free citizen decides on the same snapshot (the grid as the step began), and all
       decisions are applied together.
    3. Cops, in a random order, each arrest one active citizen in their vision.
    4. Cops and free citizens not arrested in phase 3 move, in the same random order.

    Takes the same random inputs as ``run_sequential``.
    """
    n = order.shape[0]
    pwidth = width + 2 * pad
    decided = np.empty(n_citizens, dtype=np.int8)  # the new state, or -1 if not free
    for s in range(legitimacy.shape[0]):
        one_minus_legitimacy = 1.0 - legitimacy[s]
        for p in range(n):
            swap = p + _choice(u_order[s, p], n - p)
            i = order[swap]
            order[swap] = order[p]
            order[p] = i
        for i in range(n_citizens):
            st = state[i]
            decided[i] = -1
            if st == JAILED and jail[i] > 0:
                jail[i] -= 1
                continue
            here = cell[i]
            new, _ = _decide(i, here % width, here // width, st, one_minus_legitimacy,
                             hardship, risk, code, r_cit, masks_cit, words_cit, pad, pwidth,
                             rule, k, threshold, ptable)
            decided[i] = new
        for i in range(n_citizens):
            if decided[i] >= 0:
                here = cell[i]
                _set_state(i, decided[i], here % width, here // width, state, code, flows, s,
                           width, height, pad, pwidth)
        n_arrests = 0
        for p in range(n):
            i = order[p]
            if i < n_citizens:
                continue
            here = cell[i]
            x = here % width
            y = here // width
            _, actives, _ = _count(code, x, y, r_cop, masks_cop, words_cop, pad, pwidth)
            if actives > 0:
                _arrest(x, y, actives, u_arrest[s, n_arrests], jail_draw[s, n_arrests],
                        state, jail, occ, code, flows, s, r_cop, masks_cop, words_cop,
                        width, height, pad, pwidth)
                n_arrests += 1
        if movement:
            for p in range(n):
                i = order[p]
                citizen = i < n_citizens
                if citizen and (decided[i] < 0 or state[i] == JAILED):
                    continue
                here = cell[i]
                x = here % width
                y = here // width
                r = r_cit if citizen else r_cop
                masks = masks_cit if citizen else masks_cop
                words = words_cit if citizen else words_cop
                empties, _, _ = _count(code, x, y, r, masks, words, pad, pwidth)
                if empties > 0:
                    own = CODE_OF_STATE[state[i]] if citizen else np.uint8(COP_CODE)
                    _move(i, x, y, empties, u_move[s, p], own, cell, occ, code, r, masks,
                          words, width, height, pad, pwidth)
        _census(state, n_citizens, census, s)
