"""Mechanism 2: P = 1 - exp(-k E/A), continuous or floored."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from desertion.manpower.mechanisms.capture_risk import (
    capture_probability,
    enforcers_per_unit,
    preparing_to_leave,
    would_be_leavers,
)

enforcers = st.floats(0, 50, allow_nan=False)
leavers = st.integers(1, 200)
ks = st.floats(0.01, 10, allow_nan=False)
rules = st.sampled_from(["continuous", "floored"])


def p(e: float, a: float, k: float = 2.3, rule: str = "continuous") -> float:
    return float(capture_probability(np.array([e]), np.array([a]), k, rule)[0])


def test_epstein_value() -> None:
    assert p(1, 1) == pytest.approx(1 - np.exp(-2.3))
    assert p(3, 2) == pytest.approx(1 - np.exp(-2.3 * 1.5))
    assert p(0, 5) == 0.0


@given(enforcers, enforcers, leavers, ks, rules)
def test_more_enforcers_never_lower_capture(e1: float, e2: float, a: int, k: float,
                                            rule: str) -> None:
    lo, hi = sorted((e1, e2))
    assert p(hi, a, k, rule) >= p(lo, a, k, rule)


@given(enforcers, leavers, leavers, ks, rules)
def test_more_leavers_never_raise_capture(e: float, a1: int, a2: int, k: float,
                                          rule: str) -> None:
    few, many = sorted((a1, a2))
    assert p(e, many, k, rule) <= p(e, few, k, rule)


@given(enforcers, leavers, ks, rules)
def test_probability_in_unit_interval(e: float, a: int, k: float, rule: str) -> None:
    assert 0.0 <= p(e, a, k, rule) <= 1.0


@given(st.integers(1, 100), st.data())
def test_floored_rule_gives_zero_when_fewer_enforcers_than_leavers(a: int,
                                                                   data: st.DataObject
                                                                   ) -> None:
    e = data.draw(st.floats(0, a, exclude_max=True, allow_nan=False))
    e = 0.0 if e < 1e-3 else e
    assert p(e, a, rule="floored") == 0.0
    if e > 0:
        assert p(e, a, rule="continuous") > 0.0


def test_floored_rule_steps_at_integer_ratios() -> None:
    assert p(2, 1, rule="floored") == pytest.approx(p(2, 1))
    assert p(2.9, 1, rule="floored") == pytest.approx(p(2, 1))
    assert p(2.9, 1, rule="floored") < p(2.9, 1)


def test_saturation_diminishing_returns() -> None:
    """Each extra enforcer adds less than the one before (pattern 1)."""
    gains = np.diff(capture_probability(np.arange(0, 10.0), np.full(10, 3), 2.3))
    assert (gains > 0).all() and (np.diff(gains) < 0).all()


def test_zero_leavers_counts_as_one() -> None:
    assert p(1, 0) == p(1, 1)


def test_enforcers_per_unit() -> None:
    out = enforcers_per_unit(np.array([0, 10, 100]), np.array([0.3, 0.3, 0.3]),
                             np.array([0.0, 0.1, 0.02]))
    np.testing.assert_allclose(out, [0.3, 1.3, 2.3])


# -- who prepares to leave, and the would-be leavers of each unit ---------------------------

def test_preparing_to_leave_is_push_past_threshold_by_more_than_the_lowest_barrier() -> None:
    push = np.array([0.5, 0.5, 0.5, 0.8, 0.75])
    barrier = np.array([0.1, 0.2, 0.3, np.inf, 0.25])
    threshold = np.array([0.25, 0.25, 0.25, 0.25, 0.5])
    # 0.4 > 0.25; 0.3 > 0.25; 0.2 < 0.25; no open channel; 0.5 == 0.5 (strict)
    np.testing.assert_array_equal(preparing_to_leave(push, barrier, threshold),
                                  [True, True, False, False, False])


def test_would_be_leavers_count_the_unit_and_himself() -> None:
    unit = np.array([0, 0, 0, 1, 1, 2])
    preparing = np.array([True, True, False, False, True, False])
    # unit 0 has two preparing, unit 1 one, unit 2 none; a man not preparing adds himself
    np.testing.assert_array_equal(would_be_leavers(unit, preparing, 4), [2, 2, 3, 2, 1, 1])


def test_would_be_leavers_never_below_one_and_empty() -> None:
    unit = np.array([3, 3, 1])
    for preparing in ([False, False, False], [True, True, True], [True, False, True]):
        assert (would_be_leavers(unit, np.array(preparing), 5) >= 1).all()
    assert len(would_be_leavers(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool), 2)) == 0
