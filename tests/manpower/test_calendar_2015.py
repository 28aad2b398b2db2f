"""The 2015 calendar: ``extension_events`` wait for a run that reaches them (ODD 2.6).

A default run of a shipped scenario ends on 2014-12-31 exactly as if the 2015 events were
not there; an extended run applies each of them on its date; the extended isis-2014 lands
inside the two 2015 targets its 2015 magnitudes were tuned to (docs/calibration.md, "2015");
and an event set after the run's end by mistake is refused (in ``events``) or warned about
(an ``end`` that cuts the extension's calendar).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

from desertion.manpower.compile import DAYS_PER_MONTH, compile_scenario
from desertion.manpower.model import simulate
from desertion.manpower.scenario import EXTENDED_END, Scenario, ScenarioError, load_scenario
from desertion.manpower.targets import compare

from .helpers import day, minimal_scenario, scenario_from

SHIPPED = ("isis-2014", "saa-2014", "syria-2014")


def without_2015(scenario: Scenario) -> Scenario:
    return scenario.model_copy(update={"extension_events": []})


def on(scenario: Scenario, date: str) -> int:
    """The day index of ``date`` in ``scenario``'s run."""
    return (dt.date.fromisoformat(date) - scenario.start).days


# -- a default run does not see them ---------------------------------------------------------

@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenarios_hold_2015_events_that_a_default_run_leaves_out(name: str) -> None:
    scenario = load_scenario(name)
    assert scenario.extension_events, "the 2015 calendar is shipped"
    assert all(e.start > scenario.end and e.start <= EXTENDED_END
               for e in scenario.extension_events)
    assert scenario.calendar_events == scenario.events
    assert scenario.warnings() == []
    extended = load_scenario(name, extend_through_2015=True)
    assert extended.calendar_events == extended.events + extended.extension_events
    assert extended.warnings() == []


@pytest.mark.parametrize("name", SHIPPED)
def test_the_default_calendar_is_the_same_without_the_2015_events(name: str) -> None:
    scenario = load_scenario(name)
    with_them, without = (compile_scenario(s).calendar for s in (scenario,
                                                                  without_2015(scenario)))
    for field in ("airstrikes", "momentum", "combat", "winter", "pay", "travel_ban",
                  "employee_sanctions", "sweep_quota", "callup_quota", "withdrawal_hazard",
                  "amnesty_rate", "foreign_inflow"):
        np.testing.assert_array_equal(getattr(with_them, field), getattr(without, field),
                                      err_msg=field)
    assert with_them.policy_switches == without.policy_switches


@pytest.mark.parametrize(("name", "scale"), [("isis-2014", 0.05), ("saa-2014", 0.01),
                                             ("syria-2014", 0.005)])
def test_a_default_run_is_the_same_without_the_2015_events(name: str, scale: float) -> None:
    scenario = load_scenario(name, scale=scale)
    run, bare = simulate(scenario), simulate(without_2015(scenario))
    assert run.meta["last_day"] == bare.meta["last_day"] == "2014-12-31"
    pd.testing.assert_frame_equal(run.timeseries, bare.timeseries)
    pd.testing.assert_frame_equal(run.events, bare.events)


# -- an extended run applies each on its date ------------------------------------------------

# (scenario, calendar array, faction, date, value on that day): each 2015 event's first day
# (and the day before or after, where it shows the change)
ON_DATES = [
    ("isis-2014", "combat", "isis", "2015-01-26", 2.0),        # Kobani, to its end
    ("isis-2014", "momentum", "isis", "2015-01-26", -0.5),
    ("isis-2014", "momentum", "isis", "2015-01-27", -0.7),     # kobani_siege_end
    ("isis-2014", "combat", "isis", "2015-01-27", 3.2),
    ("isis-2014", "winter", "isis", "2015-01-01", 1.0),
    ("isis-2014", "winter", "isis", "2015-02-28", 1.0),
    ("isis-2014", "winter", "isis", "2015-03-01", 0.0),
    ("isis-2014", "airstrikes", "isis", "2014-12-31", 0.6),    # the 2014 strikes
    ("isis-2014", "airstrikes", "isis", "2015-01-01", 1.2),
    ("isis-2014", "airstrikes", "isis", "2015-12-31", 1.2),
    ("isis-2014", "momentum", "isis", "2015-05-16", -0.7),
    ("isis-2014", "momentum", "isis", "2015-05-17", 0.5),      # isis_ramadi_palmyra
    ("isis-2014", "momentum", "isis", "2015-06-16", -0.5),     # isis_tal_abyad_loss
    ("isis-2014", "foreign_inflow", "isis", "2014-12-31", 2000.0),
    ("isis-2014", "foreign_inflow", "isis", "2015-01-01", 420.0),
    ("isis-2014", "foreign_inflow", "isis", "2015-06-15", 420.0),
    ("isis-2014", "foreign_inflow", "isis", "2015-06-16", 200.0),
    ("isis-2014", "winter", "isis", "2015-11-30", 0.0),
    ("isis-2014", "winter", "isis", "2015-12-01", 1.0),        # winter 2015-16
    ("saa-2014", "combat", "saa", "2015-01-01", 1.2),
    ("saa-2014", "momentum", "saa", "2015-03-27", -0.37),
    ("saa-2014", "momentum", "saa", "2015-03-28", -0.5),
    ("saa-2014", "amnesty_rate", "saa", "2015-07-24", 0.0),
    ("saa-2014", "amnesty_rate", "saa", "2015-07-25", 0.01),   # saa_amnesty
    ("saa-2014", "amnesty_rate", "saa", "2015-08-24", 0.01),
    ("saa-2014", "amnesty_rate", "saa", "2015-08-25", 0.0),
    ("saa-2014", "momentum", "saa", "2015-09-30", -0.5),
    ("saa-2014", "momentum", "saa", "2015-10-01", 0.3),        # russia_air_campaign
    ("saa-2014", "winter", "pro_regime_militias", "2015-12-01", 1.0),
    ("saa-2014", "travel_ban", "saa", "2015-12-31", True),     # the 2014 ban goes on
]


@pytest.mark.parametrize(("name", "array", "faction", "date", "value"), ON_DATES,
                         ids=[f"{n}-{a}-{d}" for n, a, _, d, _ in ON_DATES])
def test_the_extended_calendar_has_each_2015_event_on_its_date(
        name: str, array: str, faction: str, date: str, value: Any) -> None:
    scenario = load_scenario(name, extend_through_2015=True)
    compiled = compile_scenario(scenario)
    row = compiled.factions.ids.index(faction)
    got = getattr(compiled.calendar, array)[row, on(scenario, date)]
    if array == "foreign_inflow":  # compiled per day; the scenario says per month
        got = got * DAYS_PER_MONTH
    assert got == pytest.approx(value)


def test_until_into_2015_is_the_start_of_the_extended_run() -> None:
    cut = dt.date(2015, 3, 31)
    isis = load_scenario("isis-2014", scale=0.02)
    longer = isis.until(cut)     # past the calendar: end moves to the cut
    stopped = load_scenario("isis-2014", scale=0.02, extend_through_2015=True).until(cut)
    assert (longer.end, longer.stop, stopped.stop) == (cut, None, cut)
    a, b = compile_scenario(longer).calendar, compile_scenario(stopped).calendar
    for field in ("momentum", "combat", "airstrikes", "winter", "foreign_inflow"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
    run, run2 = simulate(longer), simulate(stopped)
    pd.testing.assert_frame_equal(run.events, run2.events)


def foreign_joins(run: Any, first: str, last: str) -> float:
    ev = run.events
    sel = ((ev["event"] == "joined") & (ev["faction"] == "isis")
           & (ev["detail"] == "foreign_volunteer")
           & ev["date"].between(pd.Timestamp(first), pd.Timestamp(last)))
    return float(ev.loc[sel, "count"].sum())


@pytest.fixture(scope="module")
def isis_2015() -> Any:
    """isis-2014 run through 2015 at scale 0.25, its own seed (about 2 s)."""
    return simulate(load_scenario("isis-2014", extend_through_2015=True, scale=0.25))


def test_the_extended_run_follows_the_2015_foreign_inflow(isis_2015: Any) -> None:
    # December 2014 at the scenario's 2,000 a month (momentum -0.5: x 0.85), then the
    # 2015 levels: 200 a month after Tal Abyad (momentum -0.5), 420 before it
    december = foreign_joins(isis_2015, "2014-12-01", "2014-12-31")
    assert december == pytest.approx(2000 * 0.85 * 31 / DAYS_PER_MONTH, rel=0.15)
    after = foreign_joins(isis_2015, "2015-07-01", "2015-11-30")
    assert after == pytest.approx(200 * 0.85 * 153 / DAYS_PER_MONTH, rel=0.25)
    before = foreign_joins(isis_2015, "2015-02-01", "2015-04-30")
    assert before == pytest.approx(420 * 0.79 * 89 / DAYS_PER_MONTH, rel=0.25)


def test_the_extended_run_meets_the_two_2015_targets_it_was_tuned_to(isis_2015: Any) -> None:
    table = compare(isis_2015).set_index(["id", "date"])
    for key in [("isis_strength", "2016-02-04"),
                ("foreign_fighters_cumulative", "2015-12-01")]:
        row = table.loc[key]
        assert row["inside"], f"{key}: {row['model']:,.0f} outside {row['low']:,.0f}-" \
                              f"{row['high']:,.0f}"


def test_the_amnesty_returns_men_only_in_its_2015_window() -> None:
    run = simulate(load_scenario("saa-2014", extend_through_2015=True, scale=0.01))
    back = run.events[run.events["event"] == "returned_amnesty"]
    assert back["count"].sum() > 0
    assert back["date"].min() >= pd.Timestamp("2015-07-25")
    assert back["date"].max() <= pd.Timestamp("2015-08-24")


# -- the foreign_inflow event kind -------------------------------------------------------------

def inflow_scenario(scale: float = 1.0, **event: Any) -> Scenario:
    data = minimal_scenario(scale=scale)
    data["factions"][0]["recruitment"] = {"foreign_volunteers_per_month": 300}
    data["events"] = [{"kind": "foreign_inflow", "faction": "red", "start": day(10),
                       "end": day(19), "per_month": 30, **event}]
    return scenario_from(data)


def test_foreign_inflow_replaces_the_monthly_rate_in_its_window() -> None:
    compiled = compile_scenario(inflow_scenario(scale=0.5))
    inflow = compiled.calendar.foreign_inflow[0]
    base = compiled.factions.foreign_volunteers_per_day[0]
    assert base == 0.5 * 300 / DAYS_PER_MONTH
    np.testing.assert_array_equal(inflow[:10], base)   # the faction's own, bit for bit
    np.testing.assert_allclose(inflow[10:20], 0.5 * 30 / DAYS_PER_MONTH)
    np.testing.assert_array_equal(inflow[20:], base)


def test_foreign_inflow_sets_who_arrives() -> None:
    run = simulate(inflow_scenario(per_month=0))
    joined = run.events[(run.events["event"] == "joined")
                        & (run.events["detail"] == "foreign_volunteer")]
    days = set((joined["date"] - pd.Timestamp(day(0))).dt.days)  # an event's day
    assert days and not days & set(range(10, 20))


def test_foreign_inflow_needs_a_faction() -> None:
    with pytest.raises(ScenarioError) as err:
        inflow_scenario(faction=None)
    assert ("events[0](foreign_inflow).faction", "this kind of event needs a faction") in \
        err.value.problems


# -- the rule: where an event after the run's end belongs --------------------------------------

def with_events(events: list[dict[str, Any]] | None = None,
                extension: list[dict[str, Any]] | None = None, **top: Any) -> dict[str, Any]:
    data = minimal_scenario(end=dt.date(2014, 12, 31))
    data.update(top)
    data["events"] = events or []
    data["extension_events"] = extension or []
    return data


def strikes(start: str, end: str | None = None) -> dict[str, Any]:
    return {"kind": "airstrikes", "faction": "red", "start": dt.date.fromisoformat(start),
            "intensity": 0.5, **({"end": dt.date.fromisoformat(end)} if end else {})}


def problems_of(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as err:
        scenario_from(data)
    return err.value.problems


def test_an_event_after_the_end_is_refused_in_events_and_pointed_to_the_extension() -> None:
    [(key, message)] = problems_of(with_events([strikes("2015-03-01")]))
    assert key == "events[0](airstrikes).start"
    assert "outside the run (2014-06-01 to 2014-12-31)" in message
    assert "extension_events" in message
    [(key, message)] = problems_of(with_events([strikes("2014-07-01", "2015-01-31")]))
    assert key == "events[0](airstrikes).end" and "after the run's last day" in message


def test_an_extension_event_waits_for_a_run_that_reaches_it() -> None:
    data = with_events(extension=[strikes("2015-03-01", "2015-04-30")])
    short = scenario_from(data)
    assert short.calendar_events == [] and short.warnings() == []
    assert not compile_scenario(short).calendar.airstrikes.any()
    extended = scenario_from({**data, "extend_through_2015": True})
    airstrikes = compile_scenario(extended).calendar.airstrikes[0]
    assert airstrikes[on(extended, "2015-02-28")] == 0.0
    assert airstrikes[on(extended, "2015-03-01")] == airstrikes[on(extended, "2015-04-30")] \
        == 0.5
    assert airstrikes[on(extended, "2015-05-01")] == 0.0


@pytest.mark.parametrize(("event", "key", "fragment"), [
    (strikes("2016-01-01"), "extension_events[0](airstrikes).start",
     "outside the extension's calendar (2014-06-01 to 2015-12-31)"),
    (strikes("2014-05-01"), "extension_events[0](airstrikes).start",
     "outside the extension's calendar"),
    (strikes("2015-06-01", "2016-01-31"), "extension_events[0](airstrikes).end",
     "after the extension's last day 2015-12-31"),
])
def test_an_extension_event_outside_the_extension_is_refused(
        event: dict[str, Any], key: str, fragment: str) -> None:
    [(got_key, message)] = problems_of(with_events(extension=[event]))
    assert got_key == key and fragment in message


def test_an_end_inside_the_extension_warns_that_later_events_do_nothing() -> None:
    isis = load_scenario("isis-2014", end=dt.date(2015, 6, 10))
    [warning] = isis.warnings()
    waiting = [e for e in isis.extension_events if e.start > dt.date(2015, 6, 10)]
    assert len(waiting) == 3
    assert warning.startswith("end = 2015-06-10 (or --until past end): the calendar ends "
                              "inside its extension")
    assert load_scenario("isis-2014").until(dt.date(2015, 6, 10)).warnings() == [warning]
    assert f"{len(waiting)} of the {len(isis.extension_events)} extension_events" in warning
    assert "extension_events[8](momentum) on 2015-06-16" in warning
    # the events it reaches apply, the later ones do not
    compiled = compile_scenario(isis)
    assert compiled.calendar.momentum[0, on(isis, "2015-06-10")] == 0.5
    assert compiled.n_days == on(isis, "2015-06-10") + 1
    assert isis.model_copy(update={"extend_through_2015": True}).warnings() == []


def test_a_later_end_applies_the_2015_events_it_reaches() -> None:
    data = with_events(extension=[strikes("2015-03-01")], end=dt.date(2015, 3, 31))
    scenario = scenario_from(data)
    assert scenario.warnings() == []   # it reaches all of them
    assert compile_scenario(scenario).calendar.airstrikes[0, -1] == 0.5
