"""Mechanism 11: volunteers follow momentum; call-ups; commitment drawn from a Beta."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from desertion.manpower.mechanisms.recruitment import beta_draw, callups, volunteer_rate

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
