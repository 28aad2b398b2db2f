"""Mechanism 1: D = hardship x (1 - commitment); hardship follows its drivers with a lag."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from desertion.manpower.compile import DisaffectionParams
from desertion.manpower.mechanisms.disaffection import (
    disaffection,
    hardship_drivers,
    update_hardship,
)

W = DisaffectionParams(lag_days=30.0, casualty_weight=3.0, airstrike_weight=0.1,
                       winter_weight=0.05, pay_weight=0.5, momentum_weight=0.1,
                       mistaken_weight=2.0, reprisal_weight=2.0)
BASE = {"base": 0.2, "casualties": 0.0, "airstrikes": 0.0, "winter": 0.0, "pay": 1.0,
        "momentum": 0.0, "mistaken": 0.0}


def drivers(**changes: float) -> float:
    values = {k: np.array([v]) for k, v in {**BASE, **changes}.items()}
    return float(hardship_drivers(**values, weights=W)[0])


def test_base_level_without_drivers() -> None:
    assert drivers() == pytest.approx(0.2)


@pytest.mark.parametrize(("driver", "value", "added"), [
    ("casualties", 0.01, 0.03), ("airstrikes", 1.0, 0.1), ("winter", 1.0, 0.05),
    ("pay", 0.8, 0.1), ("momentum", -0.5, 0.05), ("mistaken", 0.01, 0.02)])
def test_each_driver_adds_its_weight(driver: str, value: float, added: float) -> None:
    assert drivers(**{driver: value}) == pytest.approx(0.2 + added)


def test_gains_do_not_lower_hardship() -> None:
    assert drivers(momentum=1.0) == pytest.approx(0.2)  # only losses count
    assert drivers(pay=1.5) == pytest.approx(0.2)       # only cuts count


def test_drivers_clipped_to_unit_interval() -> None:
    assert drivers(casualties=10.0) == 1.0
    assert drivers(base=0.0) == 0.0


@given(st.floats(0, 1), st.floats(0, 1), st.floats(1, 100))
def test_hardship_moves_towards_its_drivers_without_overshoot(h: float, target: float,
                                                              lag: float) -> None:
    new = update_hardship(np.array([h]), np.array([target]), lag)[0]
    assert min(h, target) - 1e-12 <= new <= max(h, target) + 1e-12


def test_hardship_lag() -> None:
    h = np.array([0.0])
    for _ in range(30):
        h = update_hardship(h, np.array([1.0]), 30.0)
    assert h[0] == pytest.approx(1 - np.exp(-1))  # 63% of the way after one lag


@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1))
def test_disaffection_formula_and_directions(h: float, c1: float, c2: float) -> None:
    lo, hi = sorted((c1, c2))
    d_lo = disaffection(np.array([h]), np.array([lo]))[0]
    d_hi = disaffection(np.array([h]), np.array([hi]))[0]
    assert d_lo == pytest.approx(h * (1 - lo))
    assert 0 <= d_hi <= d_lo <= h
