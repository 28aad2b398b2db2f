"""Mechanism 5: recent exits among his unit and ties raise disaffection, lower risk."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from desertion.manpower.mechanisms.contagion import (
    contagion,
    emboldened_risk,
    memory_retention,
    tie_exit_share,
)

NEVER = np.iinfo(np.int16).min


def test_tie_exit_share_counts_recent_exits_only() -> None:
    ties = np.array([[0, 1, 2], [0, -1, -1], [-1, -1, -1], [1, 2, -1]])
    exit_day = np.array([10, 3, NEVER])[np.maximum(ties, 0)].astype(np.int16)
    share = tie_exit_share(ties, exit_day, today=12, memory_days=5)
    # tie 0 left on day 10 (recent), tie 1 on day 3 (forgotten), tie 2 never
    np.testing.assert_allclose(share, [1 / 3, 1.0, 0.0, 0.0])


def test_tie_exit_share_memory_is_inclusive() -> None:
    ties = np.array([[0]])
    assert tie_exit_share(ties, np.array([[5]], np.int16), 19, 14.0)[0] == 1.0
    assert tie_exit_share(ties, np.array([[5]], np.int16), 20, 14.0)[0] == 0.0


def test_tie_exit_share_without_ties_is_zero() -> None:
    ties = np.full((3, 2), -1)
    np.testing.assert_array_equal(
        tie_exit_share(ties, np.zeros((3, 2), np.int16), 0, 14.0), 0.0)


units = st.floats(0, 2, allow_nan=False)


@given(units, units, st.floats(0, 1), st.floats(0, 1))
def test_contagion_rises_with_recent_exits_and_ties(u1: float, u2: float, t1: float,
                                                    t2: float) -> None:
    def c(u: float, t: float) -> float:
        return float(contagion(np.array([u]), np.array([t]), unit_weight=1.0,
                               tie_weight=0.1)[0])
    (ulo, uhi), (tlo, thi) = sorted((u1, u2)), sorted((t1, t2))
    assert c(uhi, tlo) >= c(ulo, tlo)
    assert c(ulo, thi) >= c(ulo, tlo)
    assert c(0.0, 0.0) == 0.0


def test_contagion_weights() -> None:
    out = contagion(np.array([0.2]), np.array([0.5]), unit_weight=2.0, tie_weight=0.4)
    assert out[0] == pytest.approx(0.6)


@given(st.floats(0, 1), st.floats(0, 2), st.floats(0, 2))
def test_emboldening_lowers_risk_never_below_zero(risk: float, c1: float, c2: float
                                                  ) -> None:
    lo, hi = sorted((c1, c2))
    r_lo = emboldened_risk(np.array([risk]), np.array([lo]), 2.0)[0]
    r_hi = emboldened_risk(np.array([risk]), np.array([hi]), 2.0)[0]
    assert 0.0 <= r_hi <= r_lo <= risk


def test_no_contagion_no_emboldening() -> None:
    risk = np.array([0.1, 0.9])
    np.testing.assert_array_equal(emboldened_risk(risk, np.zeros(2), 2.0), risk)
    np.testing.assert_array_equal(emboldened_risk(risk, np.ones(2), 1.0), 0.0)


def test_memory_retention_leaves_one_over_e_after_the_memory() -> None:
    assert memory_retention(14.0) == pytest.approx(np.exp(-1 / 14))
    assert memory_retention(14.0) ** 14 == pytest.approx(np.exp(-1.0))
    assert 0.0 < memory_retention(0.5) < memory_retention(30.0) < 1.0
