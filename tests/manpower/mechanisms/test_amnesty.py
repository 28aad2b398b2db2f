"""Mechanism 14: deserters in hiding may return; the less disaffected the likelier."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from desertion.manpower.mechanisms.amnesty import accepts, return_probability

unit = st.floats(0, 1, allow_nan=False)


@given(unit, unit)
def test_a_probability(hardship: float, commitment: float) -> None:
    p = return_probability(np.array([hardship]), np.array([commitment]))[0]
    assert 0.0 <= p <= 1.0
    assert p == pytest.approx(1 - hardship * (1 - commitment))


@given(unit, unit, unit)
def test_falls_with_hardship_rises_with_commitment(h: float, a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    p = lambda h, c: return_probability(np.array([h]), np.array([c]))[0]  # noqa: E731
    assert p(h, hi) >= p(h, lo)
    assert p(hi, h) <= p(lo, h)


def test_edges() -> None:
    np.testing.assert_allclose(return_probability(np.array([0.0, 1.0, 1.0]),
                                                  np.array([0.3, 0.0, 1.0])), [1.0, 0.0, 1.0])


# -- acceptance -------------------------------------------

def test_accepts_with_the_return_probability() -> None:
    n = 20_000
    rng = np.random.default_rng(1)
    assert accepts(rng, np.zeros(n), np.full(n, 0.3)).all()
    assert not accepts(rng, np.ones(n), np.zeros(n)).any()
    assert accepts(rng, np.full(n, 0.5), np.zeros(n)).mean() == pytest.approx(0.5, abs=0.02)


def test_acceptance_draws_once_per_man() -> None:
    rng, twin = np.random.default_rng(2), np.random.default_rng(2)
    hardship, commitment = np.full(3, 0.4), np.full(3, 0.5)
    accept = accepts(rng, hardship, commitment)
    np.testing.assert_array_equal(accept, twin.random(3) < 1 - 0.4 * 0.5)
    assert rng.random() == twin.random()
