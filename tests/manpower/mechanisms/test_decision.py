"""Mechanism 7: leave if push - exit cost > threshold; shirk on milder disaffection."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from desertion.manpower.mechanisms.decision import (
    EXIT,
    SERVE,
    SHIRK,
    cheapest,
    decide,
    logistic_noise,
    logit_choice,
    weighs_the_ways_out,
)

x = st.floats(0, 2, allow_nan=False)


def act(push: float, exit_cost: float = 0.5, shirk_cost: float = 0.1, threshold: float = 0.3,
        ratio: float = 1.0, noise: float = 0.0) -> int:
    return int(decide(np.array([push]), np.array([exit_cost]), np.array([shirk_cost]),
                      np.array([threshold]), ratio, np.array([noise]))[0])


def test_serve_shirk_exit() -> None:
    assert act(0.2) == SERVE      # 0.2 - 0.1 < 0.3
    assert act(0.5) == SHIRK      # 0.5 - 0.1 > 0.3 but 0.5 - 0.5 < 0.3
    assert act(0.9) == EXIT       # 0.9 - 0.5 > 0.3


def test_exit_is_checked_before_shirk() -> None:
    """A man past both bars leaves; he does not merely shirk."""
    assert act(2.0, exit_cost=0.0, shirk_cost=0.0) == EXIT
    # even where shirking costs more than leaving
    assert act(0.5, exit_cost=0.1, shirk_cost=0.3) == EXIT


def test_strict_inequalities() -> None:
    # values exact in binary: 0.75 - 0.25 is exactly the bar of 0.5
    assert act(0.75, shirk_cost=0.25, threshold=0.5) == SERVE
    assert act(0.75 + 1e-9, shirk_cost=0.25, threshold=0.5) == SHIRK
    assert act(1.5, exit_cost=1.0, shirk_cost=0.0, threshold=0.5) == SHIRK


def test_shirk_ratio_lowers_the_bar_for_shirking() -> None:
    assert act(0.35, ratio=1.0) == SERVE
    assert act(0.35, ratio=0.5) == SHIRK
    assert act(0.35, ratio=0.0, shirk_cost=0.0) == SHIRK


@given(x, x, x, x, x, st.floats(0, 1), st.floats(-0.5, 0.5))
def test_more_push_never_means_less_action(p1: float, p2: float, exit_cost: float,
                                           shirk_cost: float, threshold: float, ratio: float,
                                           noise: float) -> None:
    lo, hi = sorted((p1, p2))
    kwargs = {"exit_cost": exit_cost, "shirk_cost": shirk_cost, "threshold": threshold,
              "ratio": ratio, "noise": noise}
    a_lo, a_hi = act(lo, **kwargs), act(hi, **kwargs)
    assert a_hi >= a_lo or (a_lo == SHIRK and a_hi == EXIT)
    if a_lo == EXIT:
        assert a_hi == EXIT


@given(x, x, x, x)
def test_costlier_exit_never_means_more_exits(push: float, c1: float, c2: float,
                                              threshold: float) -> None:
    lo, hi = sorted((c1, c2))
    if act(push, exit_cost=hi, threshold=threshold) == EXIT:
        assert act(push, exit_cost=lo, threshold=threshold) == EXIT


def test_zero_noise_is_deterministic_and_draws_nothing() -> None:
    rng = np.random.default_rng(5)
    state = rng.bit_generator.state
    np.testing.assert_array_equal(logistic_noise(rng, 7, 0.0), np.zeros(7))
    assert rng.bit_generator.state == state
    push = np.linspace(0, 1, 50)
    args = (np.full(50, 0.4), np.full(50, 0.1), np.full(50, 0.3), 1.0)
    first = decide(push, *args, logistic_noise(rng, 50, 0.0))
    again = decide(push, *args, logistic_noise(np.random.default_rng(99), 50, 0.0))
    np.testing.assert_array_equal(first, again)


def test_noise_makes_identical_agents_differ() -> None:
    rng = np.random.default_rng(0)
    n = 10_000
    noise = logistic_noise(rng, n, 0.05)
    assert noise.mean() == pytest.approx(0.0, abs=0.005)
    assert noise.std() == pytest.approx(0.05 * np.pi / np.sqrt(3), rel=0.05)
    action = decide(np.full(n, 0.4), np.full(n, 0.1), np.full(n, 0.05), np.full(n, 0.3),
                    1.0, noise)
    assert set(np.unique(action)) == {SERVE, SHIRK, EXIT}
    # at the exit bar exactly, half leave
    assert (action == EXIT).mean() == pytest.approx(0.5, abs=0.02)


# -- who weighs the ways out -------------------------------------------------------------------

def weighs(push: float, threshold: float = 0.28, ratio: float = 1.0, scale: float = 0.0,
           noise: float = 0.0) -> bool:
    return bool(weighs_the_ways_out(np.array([push]), np.array([noise]), np.array([threshold]),
                                    ratio, scale, 4)[0])


def test_weighs_the_ways_out_by_hand() -> None:
    assert weighs(0.3) and not weighs(0.2)
    assert weighs(0.2, scale=0.1)           # 0.2 > 0.28 - 0.1 log 4 = 0.141
    assert weighs(0.2, ratio=0.5)           # 0.2 > 0.5 x 0.28
    assert weighs(0.2, noise=0.1)           # noise counts with the push
    assert not weighs(0.75, threshold=0.75)  # strict


@given(x, x, x, st.floats(0, 1), st.floats(0, 0.2), st.floats(-0.5, 0.5),
       st.lists(st.floats(0, 2), min_size=4, max_size=4))
def test_who_does_not_weigh_serves_whatever_the_costs(
        push: float, shirk_cost: float, threshold: float, ratio: float, scale: float,
        noise: float, channel_costs: list[float]) -> None:
    """The shortcut is exact: shirk cost >= 0, inclusive exit cost >= -scale x log 4."""
    costs = np.array([channel_costs])
    _, exit_cost = logit_choice(np.random.default_rng(0), costs, scale)
    if not weighs(push, threshold, ratio, scale, noise):
        assert act(push, float(exit_cost[0]), shirk_cost, threshold, ratio, noise) == SERVE


# -- the one logit chooser (exit channels, and civilians' report, hide or flee) ------------------

def test_logit_choice_at_noise_zero_is_the_cheapest_without_drawing() -> None:
    costs = np.array([[0.3, 0.1, np.inf, 0.2], [0.2, 0.2, 0.1, 0.1], [np.inf, 0.5, 0.5, 1.0]])
    for noise in (0.0, -1.0):
        rng, twin = np.random.default_rng(0), np.random.default_rng(0)
        choice, cost = logit_choice(rng, costs, noise)
        np.testing.assert_array_equal(choice, [1, 2, 1])  # the first cheapest on ties
        np.testing.assert_array_equal(cost, [0.1, 0.1, 0.5])
        assert rng.random() == twin.random()  # no random number drawn


def test_cheapest() -> None:
    choice, cost = cheapest(np.array([[0.4, 0.3, 0.3], [0.0, 1.0, np.inf]]))
    np.testing.assert_array_equal(choice, [1, 0])
    np.testing.assert_array_equal(cost, [0.3, 0.0])


def test_logit_choice_one_uniform_per_row_by_hand() -> None:
    """Two options of equal cost: the second when the row's uniform is past one half; a
    closed option (inf) never, and the inclusive cost is -noise log(sum exp(-cost/noise))."""
    n = 1000
    costs = np.tile([0.2, np.inf, 0.2], (n, 1))
    rng, twin = np.random.default_rng(4), np.random.default_rng(4)
    choice, inclusive = logit_choice(rng, costs, 0.1)
    np.testing.assert_array_equal(choice, np.where(twin.random(n) * 2.0 > 1.0, 2, 0))
    np.testing.assert_allclose(inclusive, 0.2 - 0.1 * np.log(2.0))
    assert rng.random() == twin.random()


def test_logit_choice_empty() -> None:
    for noise in (0.0, 0.1):
        choice, cost = logit_choice(np.random.default_rng(0), np.empty((0, 3)), noise)
        assert choice.shape == cost.shape == (0,)
