"""Shirking presumes duty rosters; a faction without them (duty_rosters = false) has men
who serve or try to leave, never shirk (issue 14)."""

from __future__ import annotations

import datetime as dt

import desertion


def run(rosters: bool) -> desertion.engine.results.RunResult:
    scenario = desertion.load_scenario("isis-2014", scale=0.02).with_overrides(
        {"factions.isis.duty_rosters": rosters}).until(dt.date(2014, 12, 31))
    return desertion.simulate(scenario, seed=5)


def test_without_duty_rosters_no_one_shirks_or_is_caught_shirking() -> None:
    with_rosters, without = run(True), run(False)
    ev, ts = without.events, without.timeseries
    assert ev.loc[ev["event"] == "shirked", "count"].sum() == 0
    assert ev.loc[(ev["event"] == "caught") & (ev["detail"] == "shirking"), "count"].sum() == 0
    assert ts.loc[ts["status"] == "shirking", "count"].sum() == 0
    # the switch matters: with rosters the same men do shirk
    shirked = with_rosters.events
    assert shirked.loc[shirked["event"] == "shirked", "count"].sum() > 0
    # and men without rosters still try to leave
    assert ev.loc[ev["event"] == "attempted", "count"].sum() > 0


def test_default_keeps_duty_rosters() -> None:
    scenario = desertion.load_scenario("isis-2014")
    assert all(f.duty_rosters for f in scenario.factions)
