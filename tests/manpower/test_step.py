"""The daily schedule (step.py) composing the mechanisms: checked through small runs."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

from desertion.engine.results import RunResult
from desertion.manpower.codes import (
    IN_RANKS,
    Offence,
    Origin,
    Sanction,
    Status,
    faction_and_origin,
    group_of,
    in_ranks,
)
from desertion.manpower.compile import compile_scenario, sanction_mix
from desertion.manpower.model import build, simulate
from desertion.manpower.scenario import load_scenario
from desertion.manpower.step import Manpower

from .helpers import day, kitchen_sink, minimal_scenario, scenario_from


def one_faction(**faction: Any) -> dict[str, Any]:
    base = {"id": "army", "side": "gov", "base_hardship": 0.6,
            "cohorts": [{"origin": "local", "entry": "conscript", "count": 2000,
                         "commitment": {"mean": 0.3, "sd": 0.15}}]}
    return minimal_scenario(factions=[{**base, **faction}])


def attempts_on_day_one(data: dict[str, Any]) -> int:
    model = build(scenario_from(data))
    model.step()
    return int(sum(t[1].sum() for (name, *_), t in model.recorder.events_by_kind().items()
                   if name == "attempted"))


def test_without_a_sanction_enforcement_does_not_deter() -> None:
    """Severity 0 means zero expected cost: the watch changes who is caught, not who tries."""
    watched = one_faction(sanctions={"desertion": "none", "shirking": "none"},
                          enforcement={"watchers_per_unit": 5.0, "checkpoint": 0.9})
    unwatched = one_faction(sanctions={"desertion": "none", "shirking": "none"},
                            enforcement={"watchers_per_unit": 0.0, "checkpoint": 0.0})
    n = attempts_on_day_one(watched)
    assert n > 50
    assert attempts_on_day_one(unwatched) == n


@pytest.mark.parametrize(("rule", "more", "less"), [
    ("continuous", 5.0, 0.5),
    # floored: most of a unit of 30 prepares to leave here, so it takes more enforcers than
    # leavers (E / A >= 1) for any risk at all
    ("floored", 60.0, 30.0)])
def test_with_a_sanction_more_enforcement_deters(rule: str, more: float, less: float) -> None:
    def tries(watchers: float, sanction: str) -> int:
        data = one_faction(sanctions={"desertion": sanction},
                           enforcement={"watchers_per_unit": watchers, "checkpoint": 0.3})
        data["mechanisms"] = {"capture": {"rule": rule}}
        return attempts_on_day_one(data)
    assert tries(more, "execution") < tries(less, "execution") < tries(less, "none")


def test_punish_sets_status_and_fear_by_sanction() -> None:
    model: Manpower = build(scenario_from(one_faction(sanctions={"publicity": 0.0})))
    model.step()
    pol, units = model.state.policy, model.units
    serving = np.flatnonzero(model.people.status == Status.SERVING)
    by_sanction = {s: serving[3 * i: 3 * i + 3] for i, s in enumerate(Sanction)}
    for sanction, men in by_sanction.items():
        fear_before = units.fear.copy()
        public_before = model.state.public_fear.copy()
        pol.sanction[0, Offence.DESERTION] = sanction_mix(sanction.name.lower())
        model.punish(men, Offence.DESERTION)
        status = model.people.status[men]
        added = units.fear - fear_before
        if sanction == Sanction.EXECUTION:
            assert (status == Status.EXECUTED).all() and added.sum() > 0
        elif sanction == Sanction.PRISON:
            assert (status == Status.JAILED).all() and added.sum() > 0
            assert (model.people.release_day[men] == model.day + pol.prison_days[0]).all()
        elif sanction in (Sanction.CORPORAL, Sanction.REPRISAL):  # back on duty, seen
            assert (status == Status.SERVING).all() and added.sum() > 0
        else:  # none, fine, dismissal: back on duty, and nobody is frightened by it
            assert (status == Status.SERVING).all()
            assert not added.any()
        np.testing.assert_array_equal(model.state.public_fear, public_before)  # publicity 0


def test_prisoners_are_released_after_their_term() -> None:
    data = one_faction(sanctions={"desertion": "prison", "shirking": "prison",
                                  "prison_days": 5})
    result = simulate(scenario_from(data))
    ev = result.events
    jailed = ev[ev["event"] == "jailed"].groupby("date")["agents"].sum()
    released = ev[(ev["event"] == "released") & (ev["detail"] == "prison")]
    released = released.groupby("date")["agents"].sum()
    assert jailed.sum() > 0 and released.sum() > 0
    # the first releases come exactly one term after the first jailings
    assert released.index.min() - jailed.index.min() == pd.Timedelta(days=5)


def test_scheduled_policy_switch_takes_effect_on_its_day() -> None:
    isis = load_scenario("isis-2014", scale=0.02).until(dt.date(2014, 12, 21))
    model = build(isis)
    switch_day = (dt.date(2014, 12, 20) - isis.start).days
    for _ in range(switch_day):
        model.step()
    assert model.state.policy.military_police_share[0] == 0.0
    assert model.state.policy.sanction[0, Offence.SHIRKING, Sanction.FINE] == 1.0
    model.step()
    assert model.state.policy.military_police_share[0] == pytest.approx(0.02)
    assert model.state.policy.sanction[0, Offence.SHIRKING, Sanction.PRISON] == 1.0
    # the run's policy changed, not the compiled one
    assert model.compiled.policy.military_police_share[0] == 0.0
    assert model.compiled.policy.sanction[0, Offence.SHIRKING, Sanction.FINE] == 1.0
    assert model.policy_log == [{"date": "2014-12-20", "faction": "isis",
                                 "cause": "scheduled",
                                 "set": {"military_police_share": 0.02,
                                         "shirking": "prison"}}]


def test_withdrawal_only_in_its_window_and_only_the_militia(saa_tenth: RunResult) -> None:
    ev = saa_tenth.events
    withdrew = ev[ev["event"] == "withdrew"]
    assert set(withdrew["faction"]) == {"pro_regime_militias"}
    assert withdrew["date"].min() >= pd.Timestamp("2014-06-15")
    assert withdrew["date"].max() <= pd.Timestamp("2014-07-15")
    # a share of 0.375 of those still there each day compounds to about 3,000 of 8,000
    assert withdrew["count"].sum() == pytest.approx(3000, rel=0.1)


def test_amnesty_returns_only_inside_its_window() -> None:
    amnesty = {"kind": "amnesty", "faction": "army", "start": day(10), "end": day(19),
               "return_rate": 0.5}
    data = one_faction(barriers={"hide": 0.0})
    data["events"] = [amnesty]
    ev = simulate(scenario_from(data)).events
    back = ev[ev["event"] == "returned_amnesty"]
    assert back["agents"].sum() > 0
    assert back["date"].min() >= pd.Timestamp(day(10))
    assert back["date"].max() <= pd.Timestamp(day(19))
    assert set(back["from_status"]) == {"hiding"} and set(back["to_status"]) == {"serving"}


def test_run_meta_records_what_makes_it_reproducible() -> None:
    scenario = scenario_from(one_faction())
    result = simulate(scenario, seed=3)
    meta = result.meta
    assert meta["seed"] == 3 and meta["scenario"] == scenario.model_dump(mode="json")
    assert meta["version"] and meta["wall_time_s"] >= 0
    assert meta["days"] == 30 and meta["last_day"] == "2014-06-30"
    assert meta["agents"] >= 2000


def draft_totals(blocks: int) -> pd.Series:
    army = {"id": "army", "side": "gov",
            "cohorts": [{"origin": "local", "entry": "conscript", "count": 500,
                         "commitment": {"mean": 0.8, "sd": 0.1}}],
            "recruitment": {"callups_per_day": 20}}
    civilians = [{"territory": "army", "draft_eligible_men": 8000 // blocks,
                  "commitment": {"mean": 0.9, "sd": 0.05}} for _ in range(blocks)]
    sweep = {"kind": "conscription_sweep", "faction": "army", "start": day(0),
             "end": day(29), "men": 300}
    ev = simulate(scenario_from(minimal_scenario(factions=[army], civilians=civilians,
                                                 events=[sweep]))).events
    return ev[ev["event"].isin(["conscripted", "dragooned"])].groupby("event")["agents"].sum()


def test_one_civilian_block_gets_the_scheduled_sweep() -> None:
    one = draft_totals(1)
    assert one["dragooned"] == pytest.approx(300, rel=0.15)
    assert one["conscripted"] == pytest.approx(20 * 30, rel=0.15)


def test_splitting_civilians_into_blocks_does_not_change_conscription() -> None:
    one, two = draft_totals(1), draft_totals(2)
    assert two["dragooned"] == pytest.approx(one["dragooned"], rel=0.2)
    assert two["conscripted"] == pytest.approx(one["conscripted"], rel=0.2)


# -- bookkeeping ---------------------------------------------------------------------------

def test_group_encoding_and_its_inverse() -> None:
    faction = np.array([0, 0, 1, 1, 2, 2])
    origin = np.array([Origin.LOCAL, Origin.FOREIGN] * 3)
    group = group_of(faction, origin)
    np.testing.assert_array_equal(group, [0, 1, 2, 3, 4, 5])  # the recorder's axes' order
    back_faction, back_origin = faction_and_origin(group)
    np.testing.assert_array_equal(back_faction, faction)
    np.testing.assert_array_equal(back_origin, origin)
    assert group_of(3, Origin.FOREIGN) == 7 and faction_and_origin(7) == (3, Origin.FOREIGN)


def test_in_ranks_is_serving_shirking_or_jailed() -> None:
    status = np.arange(256, dtype=np.uint8)  # every code and every value a uint8 can hold
    np.testing.assert_array_equal(in_ranks(status), np.isin(status, IN_RANKS))
    # as the former test on uint8 wrap-around gave
    np.testing.assert_array_equal(in_ranks(status), status - np.uint8(1) < 3)


def test_compiled_scenario_is_frozen_and_read_only() -> None:
    compiled = compile_scenario(scenario_from(kitchen_sink()))
    with pytest.raises(dataclasses.FrozenInstanceError):
        compiled.policy = compiled.policy  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        compiled.mechanisms.decision.noise = 0.0  # type: ignore[misc]
    for part in (compiled.factions, compiled.policy, compiled.calendar):
        for field in dataclasses.fields(part):
            value = getattr(part, field.name)
            if isinstance(value, np.ndarray):
                assert not value.flags.writeable, field.name
    with pytest.raises(ValueError, match="read-only"):
        compiled.policy.checkpoint[0] = 1.0
    assert compiled.policy.copy().checkpoint.flags.writeable  # a run's copy is its own


def test_the_dynamics_never_read_the_recorder() -> None:
    """Scrambling the recorder's census after every day changes nothing the model does."""
    scenario = scenario_from(kitchen_sink())
    plain, scrambled = build(scenario), build(scenario)
    scrambled.recorder.counts[:] = 123_456
    for _ in range(plain.n_steps):
        plain.step()
        scrambled.step()
        scrambled.recorder.counts[:] = 123_456
    pd.testing.assert_frame_equal(plain.recorder.events(), scrambled.recorder.events(),
                                  check_exact=True)
    for name in plain.people.names:
        np.testing.assert_array_equal(plain.people[name], scrambled.people[name])
    assert plain.policy_log == scrambled.policy_log
