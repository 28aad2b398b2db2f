"""Mechanism 4: fear from seen punishments raises perceived risk, then fades."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from desertion.manpower.mechanisms.deterrence import decay, perceived_risk, public_fear

probabilities = st.floats(0, 1, allow_nan=False)
fears = st.floats(0, 20, allow_nan=False)


@pytest.mark.parametrize("half_life", [1.0, 7.0, 30.0, 365.0])
def test_fear_halves_over_the_half_life(half_life: float) -> None:
    fear = np.array([1.0, 4.0])
    for _ in range(int(half_life)):
        fear = decay(fear, half_life)
    np.testing.assert_allclose(fear, [0.5, 2.0])


def test_decay_is_monotone_and_never_negative() -> None:
    fear = np.array([3.0])
    history = [fear[0]]
    for _ in range(200):
        fear = decay(fear, 10.0)
        history.append(fear[0])
    assert all(b < a for a, b in itertools.pairwise(history))
    assert history[-1] > 0 and history[-1] < 3.0 * 0.5**19


@given(probabilities, fears, fears)
def test_perceived_risk_monotone_in_fear(p: float, f1: float, f2: float) -> None:
    lo, hi = sorted((f1, f2))
    low = perceived_risk(np.array([p]), np.array([lo]))[0]
    high = perceived_risk(np.array([p]), np.array([hi]))[0]
    assert p - 1e-12 <= low <= high + 1e-12 <= 1.0 + 1e-12


@given(probabilities, probabilities, fears)
def test_perceived_risk_monotone_in_objective_risk(p1: float, p2: float, f: float) -> None:
    lo, hi = sorted((p1, p2))
    assert perceived_risk(np.array([lo]), np.array([f]))[0] <= \
        perceived_risk(np.array([hi]), np.array([f]))[0] + 1e-12


def test_no_fear_leaves_risk_unchanged() -> None:
    p = np.array([0.0, 0.3, 1.0])
    np.testing.assert_allclose(perceived_risk(p, np.zeros(3)), p)


def test_public_fear_per_thousand_fighters() -> None:
    out = public_fear(np.array([1, 0, 10]), np.array([1000.0, 500.0, 10000.0]), 0.1)
    np.testing.assert_allclose(out, [0.1, 0.0, 0.1])
    # the same share of executions scares a large and a small faction alike (scale-free)
    assert public_fear(np.array([5]), np.array([5000.0]), 0.3)[0] == pytest.approx(
        public_fear(np.array([1]), np.array([1000.0]), 0.3)[0])
    # an empty faction does not divide by zero
    assert np.isfinite(public_fear(np.array([1]), np.array([0.0]), 0.1)).all()
