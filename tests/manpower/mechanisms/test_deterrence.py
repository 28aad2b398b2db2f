"""Mechanism 4: fear from seen punishments raises perceived risk, then fades."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from desertion.manpower.compile import DeterrenceParams
from desertion.manpower.mechanisms.deterrence import (
    decay,
    examples,
    made_public,
    perceived_risk,
    public_fear,
)

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


# -- who sees which punishment ---------------------------------------------------------------

def test_made_public_only_executions_at_the_publicity_rate() -> None:
    executed = np.array([True, False] * 10_000)
    rng = np.random.default_rng(0)
    draw = rng.random(len(executed))
    assert not made_public(draw, executed, np.zeros(len(executed))).any()
    np.testing.assert_array_equal(made_public(draw, executed, np.ones(len(executed))),
                                  executed)
    public = made_public(draw, executed, np.full(len(executed), 0.3))
    assert not public[~executed].any()
    assert public[executed].mean() == pytest.approx(0.3, abs=0.02)


def test_made_public_compares_each_punished_mans_draw_with_his_publicity() -> None:
    executed = np.array([True, False, False, True, True])
    draw = np.array([0.1, 0.1, 0.9, 0.6, 0.4])
    np.testing.assert_array_equal(made_public(draw, executed, np.full(5, 0.5)),
                                  [True, False, False, False, True])


WEIGHTS = DeterrenceParams(public_weight=0.1, private_weight=0.5, prison_weight=0.2,
                           half_life_days=30.0)


def test_examples_reach_the_faction_or_only_the_unit() -> None:
    # man 0: executed in public (faction 0); man 1: executed in private in unit 2;
    # men 2 and 3: jailed, in units 2 and 1; man 4: fined (frightens nobody)
    public = np.array([True, False, False, False, False])
    executed = np.array([True, True, False, False, False])
    jailed = np.array([False, False, True, True, False])
    faction = np.array([0, 1, 1, 0, 1])
    unit = np.array([0, 2, 2, 1, 0])
    faction_fear, unit_fear = examples(public, executed, jailed, faction, unit,
                                       np.array([2000.0, 500.0]), 3, WEIGHTS)
    np.testing.assert_allclose(faction_fear, [0.1 * 1000 / 2000, 0.0])
    np.testing.assert_allclose(unit_fear, [0.0, 0.2, 0.5 + 0.2])


def test_no_examples_no_fear() -> None:
    none = np.zeros(3, dtype=bool)
    faction_fear, unit_fear = examples(none, none, none, np.zeros(3, dtype=np.intp),
                                       np.zeros(3, dtype=np.intp), np.ones(2), 4, WEIGHTS)
    np.testing.assert_array_equal(faction_fear, [0.0, 0.0])
    np.testing.assert_array_equal(unit_fear, np.zeros(4))
