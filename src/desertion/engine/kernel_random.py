"""Random numbers drawn inside compiled (Numba) kernels, bit for bit NumPy's SFC64.

A kernel that needs a few random numbers per agent in a data-dependent order (a move only
when there is an empty cell, an arrest only when there is someone to arrest) cannot be fed
cheaply from arrays filled beforehand: the arrays cost memory traffic and most of their
numbers go unused. So such a kernel draws its own, from the state of a NumPy ``SFC64`` bit
generator seeded, like every other stream, from the run's ``SeedSequence``
(:meth:`Streams.seed_sequence`). ``next_raw`` is SFC64's step exactly, and ``uniform`` is
NumPy's ``next_double``: the numbers a kernel draws are those ``numpy.random.Generator(
numpy.random.SFC64(seed_sequence))`` would give (``random_raw()`` and ``random()``), which
the tests check. A kernel advances the state in place, so a run that is split across several
kernel calls draws the same numbers as one call.

>>> state = sfc64_state(np.random.SeedSequence(1))   # uint64[4], for the kernel to advance
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

_S11, _S3, _S24, _S40 = (np.uint64(v) for v in (11, 3, 24, 40))
_ONE = np.uint64(1)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53, as NumPy's next_double


def sfc64_state(seed_sequence: np.random.SeedSequence) -> np.ndarray:
    """The state (a, b, c, counter) of ``numpy.random.SFC64(seed_sequence)``, as a fresh
    uint64 array of four for a kernel to advance."""
    return np.array(np.random.SFC64(seed_sequence).state["state"]["state"], dtype=np.uint64)


def sfc64_generator(state: np.ndarray) -> np.random.Generator:
    """A NumPy Generator that continues from ``state`` (for tests and for plain-Python code
    that must draw the numbers a kernel would)."""
    bit_generator = np.random.SFC64()
    bit_generator.state = {"bit_generator": "SFC64", "state": {"state": state.copy()},
                           "has_uint32": 0, "uinteger": 0}
    return np.random.Generator(bit_generator)


@njit(cache=True, inline="always", _nrt=False)
def next_raw(state):
    """The next 64 random bits of ``state`` (SFC64's step, as NumPy's ``random_raw``)."""
    a, b, c, counter = state[0], state[1], state[2], state[3]
    out = a + b + counter
    state[0] = b ^ (b >> _S11)
    state[1] = c + (c << _S3)
    state[2] = ((c << _S24) | (c >> _S40)) + out
    state[3] = counter + _ONE
    return out


@njit(cache=True, inline="always", _nrt=False)
def uniform(state):
    """A uniform double in [0, 1) from the next 53 bits (as NumPy's ``Generator.random``)."""
    return np.float64(next_raw(state) >> _S11) * _TO_UNIT


@intrinsic
def _high_product(typingctx, a, b):
    """The high 64 bits of the 128-bit product of two unsigned 64-bit integers."""
    sig = types.uint64(types.uint64, types.uint64)

    def codegen(context, builder, signature, args):
        wide = ir.IntType(128)
        product = builder.mul(builder.zext(args[0], wide), builder.zext(args[1], wide))
        return builder.trunc(builder.lshr(product, ir.Constant(wide, 64)), ir.IntType(64))

    return sig, codegen


@njit(cache=True, inline="always", _nrt=False)
def below(state, n):
    """A uniform integer in ``0 .. n-1`` (``n >= 1``): the high 64 bits of ``raw * n``, for
    the next 64 random bits ``raw`` (Lemire's multiply-shift, without his rejection step:
    the bias, below ``n`` / 2**64, is far under anything a run can detect). One multiply,
    where going through a double costs three conversions on the critical path."""
    return np.int64(_high_product(next_raw(state), np.uint64(n)))


@njit(cache=True, _nrt=False)
def fill_raw(state, out):
    """``len(out)`` raw draws into ``out`` (for tests: compare with ``random_raw``)."""
    for i in range(out.shape[0]):
        out[i] = next_raw(state)


@njit(cache=True, _nrt=False)
def fill_uniform(state, out):
    """``len(out)`` uniforms into ``out`` (for tests: compare with ``Generator.random``)."""
    for i in range(out.shape[0]):
        out[i] = uniform(state)
