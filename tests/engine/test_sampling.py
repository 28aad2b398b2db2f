"""Sampling helpers: sparse Bernoulli trials, grouped counts, sampling without replacement."""

from __future__ import annotations

import numpy as np
import pytest

from desertion.engine.sampling import (
    bernoulli_indices,
    bernoulli_prefix_indices,
    group_counts,
    sample_without_replacement,
)


@pytest.mark.parametrize(("n", "p"), [(0, 0.5), (10, 0.0), (-3, 0.5), (0, 1.0), (5, -0.1)])
def test_no_successes(n: int, p: float) -> None:
    out = bernoulli_indices(np.random.default_rng(0), n, p)
    assert out.shape == (0,) and out.dtype == np.int64


@pytest.mark.parametrize("p", [1.0, 1.5])
def test_certain_success(p: float) -> None:
    np.testing.assert_array_equal(bernoulli_indices(np.random.default_rng(0), 7, p),
                                  np.arange(7))


@pytest.mark.parametrize("p", [0.001, 0.01, 0.3, 0.9])  # the sparse and the dense branch
def test_indices_sorted_distinct_in_range(p: float) -> None:
    out = bernoulli_indices(np.random.default_rng(1), 5000, p)
    assert out.dtype == np.int64
    assert (np.diff(out) > 0).all()
    assert out.min(initial=0) >= 0 and out.max(initial=0) < 5000


@pytest.mark.parametrize("p", [0.002, 0.05, 0.5])
def test_success_count_is_binomial(p: float) -> None:
    rng = np.random.default_rng(2)
    n, reps = 4000, 400
    counts = np.array([len(bernoulli_indices(rng, n, p)) for _ in range(reps)])
    sd = np.sqrt(n * p * (1 - p))
    assert counts.mean() == pytest.approx(n * p, abs=4 * sd / np.sqrt(reps))
    assert counts.std() == pytest.approx(sd, rel=0.2)


@pytest.mark.parametrize("p", [0.005, 0.5])
def test_every_row_equally_likely(p: float) -> None:
    rng = np.random.default_rng(3)
    n, reps = 200, 4000
    hits = np.zeros(n)
    for _ in range(reps):
        hits[bernoulli_indices(rng, n, p)] += 1
    expected = reps * p
    chi2 = ((hits - expected) ** 2 / (expected * (1 - p))).sum()
    assert chi2 < n + 5 * np.sqrt(2 * n)  # about 5 sd above the chi-square mean


def test_reproducible() -> None:
    a = bernoulli_indices(np.random.default_rng(4), 10_000, 0.01)
    b = bernoulli_indices(np.random.default_rng(4), 10_000, 0.01)
    np.testing.assert_array_equal(a, b)


def test_group_counts() -> None:
    keys = np.array([0, 2, 2, 1, 2])
    np.testing.assert_array_equal(group_counts(keys, 4), [1, 1, 3, 0])
    np.testing.assert_allclose(group_counts(keys, 3, weights=np.arange(5.0)), [0, 3, 7])
    np.testing.assert_array_equal(group_counts(np.empty(0, np.int64), 2), [0, 0])


def test_sample_without_replacement() -> None:
    rng = np.random.default_rng(5)
    candidates = np.array([3, 8, 13, 21, 34, 55])
    out = sample_without_replacement(rng, candidates, 3)
    assert len(out) == 3 and len(set(out)) == 3 and set(out) <= set(candidates)
    assert (np.diff(out) > 0).all()
    np.testing.assert_array_equal(sample_without_replacement(rng, candidates, 10), candidates)
    assert len(sample_without_replacement(rng, candidates, 0)) == 0
    assert len(sample_without_replacement(rng, candidates, -2)) == 0


# -- the prefix-stable sampler ------------------------------------------------------------------

@pytest.mark.parametrize(("n", "p"), [(0, 0.5), (10, 0.0), (-3, 0.5)])
def test_prefix_sampler_no_successes(n: int, p: float) -> None:
    out = bernoulli_prefix_indices(np.random.default_rng(0), n, p)
    assert out.shape == (0,) and out.dtype == np.int64


@pytest.mark.parametrize("p", [0.0005, 0.01, 0.3, 0.9])
def test_prefix_sampler_is_bernoulli(p: float) -> None:
    rng = np.random.default_rng(3)
    n, reps = 4000, 300
    samples = [bernoulli_prefix_indices(rng, n, p) for _ in range(reps)]
    assert all((np.diff(s) > 0).all() and (len(s) == 0 or (0 <= s[0] and s[-1] < n))
               for s in samples)
    counts = np.array([len(s) for s in samples])
    assert abs(counts.mean() - n * p) < 4 * np.sqrt(n * p * (1 - p) / reps) + 1e-9
    hits = np.bincount(np.concatenate(samples), minlength=n)[:2]  # no row favoured
    assert np.all(hits <= max(10, 6 * reps * p))


@pytest.mark.parametrize("p", [0.001, 0.05, 0.5])
def test_prefix_sampler_rows_below_m_do_not_depend_on_n(p: float) -> None:
    m = 3000
    short = bernoulli_prefix_indices(np.random.default_rng(4), m, p)
    for n in (m + 1, m + 137, 5 * m):
        longer = bernoulli_prefix_indices(np.random.default_rng(4), n, p)
        np.testing.assert_array_equal(longer[longer < m], short)


@pytest.mark.parametrize("p", [1e-19, 1e-250, 5e-324])
def test_prefix_sampler_tiny_p_neither_overflows_nor_loops(p: float) -> None:
    """Geometric gaps of a tiny p are near the int64 limit: summed, they wrapped round to
    negative rows (and the loop, never passing the end, grew without bound)."""
    for seed in range(50):
        out = bernoulli_prefix_indices(np.random.default_rng(seed), 1000, p)
        assert out.dtype == np.int64 and ((0 <= out) & (out < 1000)).all()
    rows = bernoulli_prefix_indices(np.random.default_rng(0), 10**7, 1e-5)
    assert 0 <= rows.min() and rows.max() < 10**7 and abs(len(rows) - 100) < 50
