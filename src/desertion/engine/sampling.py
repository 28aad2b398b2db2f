"""Vectorised sampling and grouping helpers shared by models."""

from __future__ import annotations

import numpy as np


def bernoulli_indices(rng: np.random.Generator, n: int, p: float) -> np.ndarray:
    """Indices of the rows of ``range(n)`` that succeed in independent Bernoulli(p) trials.

    Draws the number of successes from a binomial and then that many distinct rows, so the
    cost grows with the expected number of successes, not with ``n``: the way to let a few
    of millions of civilians reconsider on a given day without touching all of them.
    """
    if n <= 0 or p <= 0.0:
        return np.empty(0, dtype=np.int64)
    if p >= 1.0:
        return np.arange(n, dtype=np.int64)
    k = int(rng.binomial(n, p))
    if k == 0:
        return np.empty(0, dtype=np.int64)
    if k * 8 < n:
        return np.sort(rng.choice(n, size=k, replace=False, shuffle=False))
    return np.flatnonzero(rng.random(n) < p)


def bernoulli_prefix_indices(rng: np.random.Generator, n: int, p: float) -> np.ndarray:
    """Like ``bernoulli_indices``, and prefix-stable: from the same generator state, the
    rows chosen below any ``m <= n`` are the same whatever ``n``. Rows are reached by
    geometric gaps, so rows appended to a table (agents joining) never change which of the
    earlier rows are drawn. The generator is then left in a state that depends on ``n``: give
    each sample a stream of its own.
    """
    if n <= 0 or p <= 0.0:
        return np.empty(0, dtype=np.int64)
    if p >= 1.0:
        return np.arange(n, dtype=np.int64)
    parts, last = [], -1
    chunk = int(n * p + 4 * np.sqrt(n * p) + 16)
    while last < n - 1:
        # a gap past the table ends the sample; capping it keeps a tiny p's huge gaps from
        # overflowing int64 in the sum (rows below n are unchanged: prefix-stable still)
        gaps = np.minimum(rng.geometric(p, size=chunk), n + 1)
        rows = last + np.cumsum(gaps)
        parts.append(rows)
        last = int(rows[-1])
    rows = np.concatenate(parts)
    return rows[rows < n]


def group_counts(keys: np.ndarray, n_groups: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Count (or sum ``weights``) by integer group key in ``[0, n_groups)``."""
    return np.bincount(keys, weights=weights, minlength=n_groups)[:n_groups]


def sample_without_replacement(rng: np.random.Generator, candidates: np.ndarray, k: int
                               ) -> np.ndarray:
    """Up to ``k`` distinct members of ``candidates``, uniformly at random, in index order."""
    k = min(int(k), len(candidates))
    if k <= 0:
        return candidates[:0]
    if k == len(candidates):
        return candidates
    return np.sort(candidates[rng.choice(len(candidates), size=k, replace=False, shuffle=False)])
