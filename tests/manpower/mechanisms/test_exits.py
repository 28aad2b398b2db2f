"""Mechanism 8: exit channels, their barriers and checkpoints; travel bans."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from desertion.manpower.codes import Channel
from desertion.manpower.mechanisms.decision import cheapest as best_channel
from desertion.manpower.mechanisms.decision import logit_choice as channel_choice
from desertion.manpower.mechanisms.exits import (
    channel_barriers,
    channel_checkpoints,
    channel_exposure,
    interception,
    lowest_barrier,
)
from desertion.manpower.mechanisms.sanctions import expected_cost
from desertion.manpower.model import simulate

from ..helpers import day, minimal_scenario, scenario_from

LOCAL, FOREIGN = False, True


def barriers(foreign: bool, can_defect: bool = True, ban: bool = False) -> np.ndarray:
    return channel_barriers(np.array([foreign]), np.array([can_defect]), np.array([0.1]),
                            np.array([0.2]), np.array([0.3]), np.array([0.4]),
                            np.array([ban]), np.array([0.25]))[0]


def test_locals_cannot_go_home_foreigners_cannot_hide_or_flee_abroad() -> None:
    local, foreign = barriers(LOCAL), barriers(FOREIGN)
    assert local[Channel.HOME] == np.inf
    assert np.isfinite(local[[Channel.HIDE, Channel.ABROAD, Channel.DEFECT]]).all()
    assert foreign[Channel.HIDE] == foreign[Channel.ABROAD] == np.inf
    assert np.isfinite(foreign[[Channel.HOME, Channel.DEFECT]]).all()
    np.testing.assert_allclose(local[[Channel.HIDE, Channel.ABROAD, Channel.DEFECT]],
                               [0.1, 0.2, 0.4])
    np.testing.assert_allclose(foreign[[Channel.HOME, Channel.DEFECT]], [0.3, 0.4])


def test_defection_closed_without_a_taker() -> None:
    assert barriers(LOCAL, can_defect=False)[Channel.DEFECT] == np.inf
    assert barriers(FOREIGN, can_defect=False)[Channel.DEFECT] == np.inf


def test_travel_ban_raises_the_abroad_barrier_only() -> None:
    free, banned = barriers(LOCAL), barriers(LOCAL, ban=True)
    assert banned[Channel.ABROAD] == pytest.approx(free[Channel.ABROAD] + 0.25)
    for c in (Channel.HIDE, Channel.HOME, Channel.DEFECT):
        assert banned[c] == free[c]


def checkpoints(foreign: bool, ban: bool = False, checkpoint: float = 0.1,
                visibility: float = 3.0, ban_checkpoint: float = 0.3) -> np.ndarray:
    return channel_checkpoints(np.array([foreign]), np.array([checkpoint]),
                               np.array([visibility]), np.array([ban]),
                               np.array([ban_checkpoint]))[0]


def test_checkpoints_by_channel() -> None:
    local, foreign = checkpoints(LOCAL), checkpoints(FOREIGN)
    assert local[Channel.HIDE] == foreign[Channel.HIDE] == 0.0  # no checkpoint at home
    np.testing.assert_allclose(local[[Channel.ABROAD, Channel.HOME, Channel.DEFECT]], 0.1)
    np.testing.assert_allclose(foreign[[Channel.ABROAD, Channel.HOME, Channel.DEFECT]], 0.3)


def test_ban_adds_to_border_checkpoints_and_is_capped() -> None:
    banned = checkpoints(LOCAL, ban=True)
    assert banned[Channel.ABROAD] == pytest.approx(0.4)
    assert banned[Channel.DEFECT] == pytest.approx(0.1)  # crossing the lines, not a border
    assert checkpoints(FOREIGN, ban=True, checkpoint=0.5)[Channel.HOME] == 1.0
    assert checkpoints(FOREIGN, checkpoint=0.5, visibility=3.0)[Channel.DEFECT] == 1.0


@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1), st.floats(0, 1))
def test_interception_monotone_and_bounded(c1: float, c2: float, exposure: float,
                                           checkpoint: float) -> None:
    lo, hi = sorted((c1, c2))
    a = interception(np.array([lo]), exposure, np.array([checkpoint]))[0]
    b = interception(np.array([hi]), exposure, np.array([checkpoint]))[0]
    assert max(checkpoint, exposure * lo) - 1e-12 <= a <= b + 1e-12 <= 1 + 1e-12


def test_interception_values() -> None:
    assert interception(np.array([0.0]), 1.0, 0.0)[0] == 0.0
    assert interception(np.array([0.5]), 1.0, 0.5)[0] == pytest.approx(0.75)
    assert interception(np.array([0.5]), 0.3, 0.0)[0] == pytest.approx(0.15)


def test_best_channel_is_the_cheapest() -> None:
    costs = np.array([[0.3, 0.1, np.inf, 0.2], [np.inf, np.inf, 0.5, 0.4]])
    channel, cost = best_channel(costs)
    np.testing.assert_array_equal(channel, [Channel.ABROAD, Channel.DEFECT])
    np.testing.assert_allclose(cost, [0.1, 0.4])


def local_costs(ban: bool) -> np.ndarray:
    """A local's channel costs composed as the daily step does: barrier + R x P x S."""
    foreign = np.array([False])
    capture = np.array([0.2])
    bars = channel_barriers(foreign, np.array([False]), np.array([0.28]), np.array([0.2]),
                            np.array([0.3]), np.array([0.4]), np.array([ban]),
                            np.array([0.25]))
    stops = channel_checkpoints(foreign, np.array([0.1]), np.array([1.0]), np.array([ban]),
                                np.array([0.3]))
    stopped = interception(capture[:, None], np.array([0.3, 1, 1, 1, 1]), stops)
    return expected_cost(np.array([[0.5]]), stopped, np.array([[0.5]])) + bars


def test_travel_ban_switches_a_marginal_local_from_abroad_to_hiding() -> None:
    free, banned = local_costs(ban=False), local_costs(ban=True)
    assert best_channel(free)[0][0] == Channel.ABROAD
    assert best_channel(banned)[0][0] == Channel.HIDE
    assert banned[0, Channel.ABROAD] > free[0, Channel.ABROAD]
    assert banned[0, Channel.HIDE] == free[0, Channel.HIDE]


def test_channel_choice_without_noise_is_the_best_channel() -> None:
    costs = np.random.default_rng(1).random((100, 4))
    costs[::3, 1] = np.inf
    channel, cost = channel_choice(np.random.default_rng(2), costs, 0.0)
    best, best_cost = best_channel(costs)
    np.testing.assert_array_equal(channel, best)
    np.testing.assert_array_equal(cost, best_cost)


def test_channel_choice_follows_the_logit_and_never_takes_a_closed_channel() -> None:
    n, noise = 40_000, 0.05
    costs = np.tile([0.1, 0.15, np.inf, 0.2], (n, 1))
    channel, inclusive = channel_choice(np.random.default_rng(3), costs, noise)
    assert not (channel == 2).any()
    weights = np.exp(-np.array([0.1, 0.15, 0.2]) / noise)
    expected = weights / weights.sum()
    observed = np.bincount(channel, minlength=4)[[0, 1, 3]] / n
    np.testing.assert_allclose(observed, expected, atol=4 * np.sqrt(0.25 / n))
    # the inclusive cost: below the cheapest, by at most noise x log(open channels)
    np.testing.assert_allclose(inclusive, -noise * np.log(np.exp(-costs[0, [0, 1, 3]]
                                                                  / noise).sum()))
    assert (inclusive <= 0.1).all() and (inclusive >= 0.1 - noise * np.log(3)).all()


def test_channel_choice_with_tiny_noise_takes_the_cheapest() -> None:
    costs = np.tile([0.3, 0.1, np.inf, 0.2], (1000, 1))
    channel, _ = channel_choice(np.random.default_rng(4), costs, 1e-4)
    assert (channel == Channel.ABROAD).all()


# -- end to end: a travel ban moves exits from abroad to hiding --------------------------------

def ban_scenario(ban: bool) -> dict:
    faction = {
        "id": "army", "side": "gov", "base_hardship": 0.6, "ties_per_fighter": 0,
        "cohorts": [{"origin": "local", "entry": "conscript", "count": 3000,
                     "commitment": {"mean": 0.3, "sd": 0.15}}],
        "enforcement": {"checkpoint": 0.1},
        "sanctions": {"desertion": "prison", "prison_days": 30},
        "barriers": {"hide": 0.25, "abroad": 0.2, "travel_ban": 0.25,
                     "travel_ban_checkpoint": 0.3},
    }
    events = [{"kind": "travel_ban", "faction": "army", "start": day(0)}] if ban else []
    return minimal_scenario(factions=[faction], events=events, end=day(44))


def escapes(ban: bool) -> pd.Series:
    ev = simulate(scenario_from(ban_scenario(ban))).events
    ev = ev[(ev["event"] == "escaped") & (ev["origin"] == "local")]
    return ev.groupby("detail")["agents"].sum().reindex(["hide", "abroad"], fill_value=0)


def test_travel_ban_moves_local_escapes_from_abroad_to_hiding() -> None:
    free, banned = escapes(False), escapes(True)
    assert free["abroad"] > free["hide"]          # abroad is the cheaper way without a ban
    assert banned["abroad"] < free["abroad"] / 2
    assert banned["hide"] > free["hide"]


# -- the lowest open barrier, and exposure to the unit's watch ---------------------------------

def test_lowest_barrier_by_origin_from_the_channel_barriers() -> None:
    by_origin = channel_barriers(np.array([LOCAL, FOREIGN]), np.array(True), 0.3, 0.2, 0.35,
                                 0.4, np.array(True), 0.25)
    # a local: min(hide 0.3, abroad 0.2 + ban 0.25, defect 0.4); a foreigner: home 0.35
    np.testing.assert_allclose(lowest_barrier(by_origin), [0.3, 0.35])
    closed = channel_barriers(np.array([LOCAL, FOREIGN]), np.array(False), 0.3, 0.2, 0.5,
                              0.4, np.array(False), 0.25)
    np.testing.assert_allclose(lowest_barrier(closed), [0.2, 0.5])


def test_channel_exposure() -> None:
    exposure = channel_exposure(0.3)
    assert exposure[Channel.HIDE] == 0.3
    np.testing.assert_array_equal(exposure[[Channel.ABROAD, Channel.HOME, Channel.DEFECT]], 1.0)
