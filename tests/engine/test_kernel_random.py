"""Random numbers drawn inside compiled kernels are NumPy's SFC64, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit

from desertion.engine import kernel_random as KR
from desertion.engine.streams import Streams


def test_raw_draws_are_numpys_sfc64() -> None:
    seed = np.random.SeedSequence(2024)
    state = KR.sfc64_state(seed)
    drawn = np.empty(1000, dtype=np.uint64)
    KR.fill_raw(state, drawn)
    np.testing.assert_array_equal(drawn, np.random.SFC64(seed).random_raw(1000))


def test_uniforms_are_numpys_generator_random() -> None:
    seed = np.random.SeedSequence(7)
    state = KR.sfc64_state(seed)
    drawn = np.empty(1000)
    KR.fill_uniform(state, drawn)
    np.testing.assert_array_equal(drawn, np.random.Generator(np.random.SFC64(seed)).random(1000))


def test_state_is_advanced_in_place_so_calls_can_be_split() -> None:
    whole, split = KR.sfc64_state(np.random.SeedSequence(3)), KR.sfc64_state(
        np.random.SeedSequence(3))
    one = np.empty(500)
    KR.fill_uniform(whole, one)
    first, second = np.empty(200), np.empty(300)
    KR.fill_uniform(split, first)
    KR.fill_uniform(split, second)
    np.testing.assert_array_equal(one, np.concatenate([first, second]))
    np.testing.assert_array_equal(whole, split)


def test_a_generator_continues_from_a_kernels_state() -> None:
    state = KR.sfc64_state(np.random.SeedSequence(5))
    KR.fill_uniform(state, np.empty(17))
    expected = KR.sfc64_generator(state).random(10)
    drawn = np.empty(10)
    KR.fill_uniform(state, drawn)
    np.testing.assert_array_equal(drawn, expected)


def test_streams_seed_a_kernel_like_the_named_generator() -> None:
    streams = Streams(11)
    seed = streams.seed_sequence("steps")
    assert seed.spawn_key == Streams(11).seed_sequence("steps").spawn_key
    assert seed.spawn_key != streams.seed_sequence("placement").spawn_key
    # the named Generator and the kernel state come from the same child seed
    np.testing.assert_array_equal(streams["steps"].bit_generator.seed_seq.generate_state(4),
                                  seed.generate_state(4))


@njit(cache=True)
def _below_counts(state, n, draws):
    counts = np.zeros(n + 1, dtype=np.int64)
    for _ in range(draws):
        counts[KR.below(state, n)] += 1
    return counts


@pytest.mark.parametrize("n", [1, 4, 1001])
def test_below_is_uniform_on_zero_to_n_minus_one(n: int) -> None:
    draws = 400 * n
    counts = _below_counts(KR.sfc64_state(np.random.SeedSequence(n)), n, draws)
    assert counts[n] == 0  # never n itself
    expected = draws / n
    # each count is binomial(draws, 1/n): within 5 standard deviations
    assert np.abs(counts[:n] - expected).max() <= 5 * np.sqrt(expected * (1 - 1 / n)) + 1e-9
    if n > 1:  # and the whole histogram: chi-square within 6 sd of its mean (df = n - 1)
        chi2 = ((counts[:n] - expected) ** 2 / expected).sum()
        assert chi2 < (n - 1) + 6 * np.sqrt(2 * (n - 1))
