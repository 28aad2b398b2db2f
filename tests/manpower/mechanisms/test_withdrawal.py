"""Mechanism 13: an allied militia leaves over a window; the side's manpower gap."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from desertion.manpower.mechanisms.withdrawal import daily_hazard, side_gap


@given(st.floats(0, 1), st.integers(1, 400))
def test_daily_hazard_compounds_to_the_share(share: float, days: int) -> None:
    h = daily_hazard(share, days)
    assert 0.0 <= h <= 1.0
    assert 1 - (1 - h) ** days == pytest.approx(share, abs=1e-9)


def test_daily_hazard_edges() -> None:
    assert daily_hazard(0.0, 30) == 0.0
    assert daily_hazard(1.0, 30) == 1.0
    assert daily_hazard(0.375, 1) == pytest.approx(0.375)


def test_daily_hazard_applied_to_a_crowd() -> None:
    rng = np.random.default_rng(0)
    n, days, share = 100_000, 31, 0.375
    here = np.ones(n, dtype=bool)
    for _ in range(days):
        here &= rng.random(n) >= daily_hazard(share, days)
    assert 1 - here.mean() == pytest.approx(share, abs=0.005)


def test_side_gap_pools_a_side_and_ignores_gains() -> None:
    side = np.array([0, 0, 1])
    start = np.array([100.0, 50.0, 80.0])
    # the first side lost 40 in all (its militia 50, its army gained 10); the second gained
    np.testing.assert_allclose(side_gap(np.array([110.0, 0.0, 90.0]), start, side),
                               [40.0, 40.0, 0.0])
    np.testing.assert_allclose(side_gap(start, start, side), 0.0)
