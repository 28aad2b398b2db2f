"""Mechanism 11: volunteers follow momentum; call-ups and sweeps; commitment drawn from a
Beta."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from desertion.manpower.codes import Status
from desertion.manpower.mechanisms.recruitment import (
    beta_draw,
    called_up,
    callups,
    sweep_rate,
    swept,
    volunteer_rate,
)

momenta = st.floats(-1, 1, allow_nan=False)


def rate(base: float, momentum: float, elasticity: float) -> float:
    return float(volunteer_rate(np.array([base]), np.array([momentum]),
                                np.array([elasticity]))[0])


@given(st.floats(0, 100), momenta, st.floats(0, 5))
def test_volunteer_rate_never_negative(base: float, momentum: float, elasticity: float
                                       ) -> None:
    assert rate(base, momentum, elasticity) >= 0.0


@given(st.floats(0.1, 100), momenta, momenta, st.floats(0.01, 5))
def test_volunteer_rate_rises_with_momentum(base: float, m1: float, m2: float,
                                            elasticity: float) -> None:
    lo, hi = sorted((m1, m2))
    assert rate(base, hi, elasticity) >= rate(base, lo, elasticity)


def test_volunteer_rate_values() -> None:
    assert rate(40, 0.0, 0.3) == 40
    assert rate(40, 0.5, 0.3) == pytest.approx(46)
    assert rate(40, -1.0, 2.0) == 0.0  # floored at zero after a rout


def test_callups_only_fill_a_gap() -> None:
    out = callups(np.array([10.0, 10.0]), np.array([5.0, 0.0]), np.array([1000.0, -500.0]),
                  np.array([0.01, 0.01]))
    np.testing.assert_allclose(out, [25.0, 10.0])


@pytest.mark.parametrize(("mean", "sd"), [(0.5, 0.2), (0.7, 0.15), (0.1, 0.05),
                                          (0.9, 0.29)])
def test_beta_draw_mean_and_sd(mean: float, sd: float) -> None:
    draws = beta_draw(np.random.default_rng(0), mean, sd, 50_000)
    assert ((draws >= 0) & (draws <= 1)).all()
    assert draws.mean() == pytest.approx(mean, abs=0.005)
    assert draws.std() == pytest.approx(sd, rel=0.03)


def test_beta_draw_point_mass_when_sd_is_zero() -> None:
    np.testing.assert_array_equal(beta_draw(np.random.default_rng(0), 0.37, 0.0, 100), 0.37)
    np.testing.assert_array_equal(beta_draw(np.random.default_rng(0), 0.0, 0.0, 3), 0.0)


def test_beta_draw_per_agent_parameters_and_empty() -> None:
    rng = np.random.default_rng(1)
    draws = beta_draw(rng, np.array([0.2, 0.8] * 20_000), np.array([0.1, 0.0] * 20_000),
                      40_000)
    assert draws[0::2].mean() == pytest.approx(0.2, abs=0.005)
    np.testing.assert_array_equal(draws[1::2], 0.8)
    assert beta_draw(rng, 0.5, 0.1, 0).shape == (0,)


def test_beta_draw_is_reproducible() -> None:
    a = beta_draw(np.random.default_rng(7), 0.6, 0.2, 100)
    b = beta_draw(np.random.default_rng(7), 0.6, 0.2, 100)
    np.testing.assert_array_equal(a, b)


# -- call-ups and sweeps ---------------------------------------------------------------------

C, S, H = Status.CIVILIAN, Status.SERVING, Status.HIDING


def block_status() -> np.ndarray:
    """Rows 0-9 belong to another block; rows 10-19 are civilians but for rows 12 and 15."""
    status = np.full(25, C, dtype=np.uint8)
    status[[12, 15]] = S
    return status


def test_called_up_are_distinct_civilians_of_the_block() -> None:
    status = block_status()
    for seed in range(20):
        called = called_up(np.random.default_rng(seed), status, 10, 20, 3, 8)
        assert len(called) == 3 == len(set(called.tolist()))
        assert ((called >= 10) & (called < 20)).all()
        assert (status[called] == C).all()


def test_called_up_cannot_call_more_than_are_at_home() -> None:
    status = np.full(10, S, dtype=np.uint8)
    status[[3, 7]] = C
    called = called_up(np.random.default_rng(0), status, 0, 10, 5, 2)
    assert set(called.tolist()) <= {3, 7}


def test_called_up_nobody() -> None:
    rng = np.random.default_rng(0)
    assert len(called_up(rng, block_status(), 10, 20, 0, 8)) == 0
    assert len(called_up(rng, block_status(), 10, 10, 3, 1)) == 0


def test_sweep_rate_counts_hiding_men_by_detection() -> None:
    assert sweep_rate(10, 80, 100, 0.2) == pytest.approx(10 / (80 + 0.2 * 100))
    assert sweep_rate(10, 80, 100, 0.0) == pytest.approx(10 / 80)
    assert sweep_rate(500, 80, 100, 0.2) == 1.0   # more men wanted than there are
    assert sweep_rate(1, 0, 0, 0.3) == 1.0        # nobody to find: no division by zero


def test_swept_takes_eligible_men_at_home_and_finds_men_in_hiding() -> None:
    status = np.array([C, C, H, H, S, C], dtype=np.uint8)
    mine = np.array([True, True, True, True, True, False])
    eligible = np.array([True, False, True, True, True, True])
    home, found = swept(np.random.default_rng(0), status, mine, eligible, 1.0)
    np.testing.assert_array_equal(home, [True, False, False, False, False, False])
    np.testing.assert_array_equal(found, [False, False, True, True, False, False])
    _, found = swept(np.random.default_rng(0), status, mine, eligible, 0.0)
    assert not found.any()


def test_swept_draws_once_per_man_reached() -> None:
    rng, twin = np.random.default_rng(3), np.random.default_rng(3)
    status = np.full(1000, H, dtype=np.uint8)
    _, found = swept(rng, status, np.ones(1000, dtype=bool), np.ones(1000, dtype=bool), 0.3)
    np.testing.assert_array_equal(found, twin.random(1000) < 0.3)
    assert rng.random() == twin.random()
