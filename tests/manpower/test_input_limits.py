"""Limits on what a scenario may ask for, and warnings about runs that do little or last
(issue 8: validation at the edge, not a crash in the middle)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from desertion.engine.errors import InputError
from desertion.engine.overrides import OverrideError, apply_overrides
from desertion.manpower import limits
from desertion.manpower.limits import (
    MAX_AGENTS,
    MAX_RUN_DAYS,
    bytes_per_agent,
    memory_text,
    scenario_warnings,
)
from desertion.manpower.model import build
from desertion.manpower.scenario import Faction, Sanctions, ScenarioError, load_scenario
from desertion.manpower.state import agent_columns

from .helpers import day, minimal_scenario, scenario_from


def refused(data: dict[str, Any]) -> ScenarioError:
    with pytest.raises(ScenarioError) as err:
        scenario_from(data)
    assert len(str(err.value).splitlines()) == len(err.value.problems)
    return err.value


def keys(error: InputError) -> list[str]:
    return [key for key, _ in error.problems]


def with_faction(**fields: Any) -> dict[str, Any]:
    data = minimal_scenario()
    data["factions"][0].update(fields)
    return data


# -- the figures the limits rest on ---------------------------------------------------------

def test_bytes_per_agent_is_what_the_state_columns_hold() -> None:
    """Measured on a built model: the columns' bytes per row of capacity."""
    for ties in (0, 2, 5):
        model = build(scenario_from(with_faction(ties_per_fighter=ties)))
        people = model.people
        columns = [getattr(people, name) for name in people.names]
        per_row = sum(column.nbytes for column in columns) / len(columns[0])
        assert per_row == bytes_per_agent(ties)
    assert bytes_per_agent(2) == 47  # the default two ties (birth_day added for issue 14)


def test_the_run_length_cap_fits_the_day_columns() -> None:
    columns = agent_columns(2)
    for name in ("joined_day", "exit_day", "release_day"):
        assert columns[name] is np.int16
    longest_term = Sanctions.model_fields["prison_days"].metadata[-1].le
    assert MAX_RUN_DAYS + longest_term <= np.iinfo(np.int16).max


def test_memory_is_shown_in_decimal_units() -> None:
    assert memory_text(45) == "45 bytes"
    assert memory_text(2.7e10) == "27 GB"
    assert memory_text(4.5e13) == "45 TB"


# -- population --------------------------------------------------------------------------------

def test_more_agents_than_the_cap_are_refused_at_the_largest_count() -> None:
    data = minimal_scenario(civilians=[{"territory": "red", "draft_eligible_men": 60_000_000}])
    error = refused(data)
    assert keys(error) == ["civilians[0].draft_eligible_men"]
    assert error.problems[0][1] == (
        "the scenario would simulate 60,000,300 agents, about 2.82 GB of memory for their state "
        "alone; the maximum is 50,000,000: lower the counts, or scale to 0.83 or less")


def test_the_cap_counts_agents_simulated_not_men_at_full_scale() -> None:
    data = minimal_scenario(scale=0.5,
                            civilians=[{"territory": "red", "draft_eligible_men": 60_000_000}])
    assert scenario_from(data).scale == 0.5


def test_the_cap_counts_expected_volunteers() -> None:
    """Two million a day for 30 days, half as many again at momentum 0.5: 90 million."""
    data = with_faction(recruitment={"local_volunteers_per_day": 2_000_000,
                                     "momentum_elasticity": 1.0})
    data["events"] = [{"kind": "momentum", "start": day(0), "value": 0.5}]
    error = refused(data)
    assert keys(error) == ["factions[0](red).recruitment.local_volunteers_per_day"]
    assert "90,000,300 agents (300 at the start, about 90,000,000 recruited)" in \
        error.problems[0][1]


def test_the_cap_holds_for_every_way_of_making_a_scenario() -> None:
    scenario = scenario_from(minimal_scenario())
    big = {"factions.red.cohorts.0.count": 900_000_000}
    with pytest.raises(ScenarioError, match="would simulate 900,000,000 agents"):
        scenario.with_overrides(big)
    with pytest.raises(ValidationError, match="would simulate 900,000,000 agents"):
        apply_overrides(scenario, big)  # what experiments use


def test_a_count_past_its_bound_is_refused_before_the_population() -> None:
    error = refused(minimal_scenario(events=[
        {"kind": "conscription_sweep", "faction": "red", "start": day(1), "end": day(5),
         "men": 2_000_000_000}]))
    assert keys(error) == ["events[0](conscription_sweep).men"]
    assert "less than or equal to 1000000000" in error.problems[0][1]


# -- calendar -------------------------------------------------------------------------------

def test_other_centuries_remain_possible() -> None:
    """The US Civil War, 1862-1865, and the calendar's two ends."""
    civil_war = scenario_from(minimal_scenario(start=dt.date(1862, 4, 1),
                                               end=dt.date(1865, 4, 9)))
    assert civil_war.n_days == 1105
    assert scenario_from(minimal_scenario(start=dt.date(1700, 1, 1),
                                          end=dt.date(1700, 1, 31))).n_days == 31
    assert scenario_from(minimal_scenario(start=dt.date(2200, 12, 1),
                                          end=dt.date(2200, 12, 31))).n_days == 31


@pytest.mark.parametrize(("top", "key"), [
    ({"start": dt.date(1699, 12, 31)}, "start"),
    ({"end": dt.date(2201, 1, 1)}, "end"),
    ({"stop": dt.date(9999, 1, 1)}, "stop"),
    ({"events": [{"kind": "winter", "start": dt.date(1, 1, 1), "severity": 1.0}]},
     "events[0](winter).start"),
    ({"events": [{"kind": "winter", "start": day(1), "end": dt.date(9999, 12, 31),
                  "severity": 1.0}]}, "events[0](winter).end"),
])
def test_dates_outside_the_calendar_are_refused(top: dict[str, Any], key: str) -> None:
    error = refused(minimal_scenario(**top))
    assert key in keys(error)
    message = dict(error.problems)[key]
    assert "expected a date from 1700-01-01 to 2200-12-31" in message


def test_a_run_longer_than_the_day_counters_hold_is_refused() -> None:
    start = dt.date(1900, 1, 1)
    assert scenario_from(minimal_scenario(start=start, end=start + dt.timedelta(
        days=MAX_RUN_DAYS - 1))).n_days == MAX_RUN_DAYS
    error = refused(minimal_scenario(start=start, end=start + dt.timedelta(days=MAX_RUN_DAYS)))
    assert keys(error) == ["end"]
    assert error.problems[0][1] == (
        "1979-09-21 would make the run 29,118 days long (from 1900-01-01); the maximum is "
        "29,117 days (about 79 years), what the model's 16-bit day counters can hold")


@pytest.mark.parametrize(("last_day", "fragment"), [
    (dt.date(9999, 1, 1), "9999-01-01 is outside the calendar a run can use"),
    (dt.date(2014, 5, 1), "2014-05-01 is before the run's start 2014-06-01"),
    (dt.date(2200, 1, 1), "the maximum is 29,117 days"),
])
def test_until_checks_its_day(last_day: dt.date, fragment: str) -> None:
    scenario = scenario_from(minimal_scenario())
    with pytest.raises(ScenarioError) as err:
        scenario.until(last_day)
    assert err.value.source == "mini" and keys(err.value) == ["until"]
    assert fragment in err.value.problems[0][1]


# -- inf and nan, also where overrides put them -----------------------------------------------

@pytest.mark.parametrize(("path", "value", "key"), [
    ("factions.red.combat_death_rate", math.inf, "factions[0](red).combat_death_rate"),
    ("mechanisms.decision.threshold", {"mean": math.nan, "sd": 0.1},
     "mechanisms.decision.threshold.mean"),
    ("factions.red.recruitment.foreign_volunteers_per_month", -math.inf,
     "factions[0](red).recruitment.foreign_volunteers_per_month"),
    ("mechanisms.capture.k", math.nan, "mechanisms.capture.k"),
    ("scale", math.nan, "scale"),
])
def test_overrides_refuse_inf_and_nan(path: str, value: Any, key: str) -> None:
    scenario = scenario_from(minimal_scenario())
    with pytest.raises(ScenarioError) as err:
        scenario.with_overrides({path: value}, option="--set")
    assert keys(err.value) == [f"--set {key}"]
    assert "Input should be a finite number" in err.value.problems[0][1]


def test_events_and_the_policy_they_set_refuse_inf() -> None:
    error = refused(minimal_scenario(events=[
        {"kind": "policy", "faction": "red", "start": day(3),
         "set": {"callups_per_day": math.inf}},
        {"kind": "pay", "start": day(3), "level": math.nan}]))
    assert keys(error) == ["events[0](policy).set.callups_per_day", "events[1](pay).level"]


def test_with_overrides_names_the_source_and_key_never_a_raw_error() -> None:
    scenario = load_scenario("isis-2014")
    with pytest.raises(ScenarioError) as err:
        scenario.with_overrides({"factions.isis.pya": 0.5}, option="--set")
    assert not isinstance(err.value, OverrideError)
    assert str(err.value) == (
        "isis-2014: --set factions.isis.pya: no key 'pya'; did you mean 'pay'? expected one "
        f"of {sorted(Faction.model_fields)}")
    with pytest.raises(ScenarioError) as err:
        scenario.with_overrides({"factions.isis.sanctions.desertion": "flogging"},
                                source="isis-2014", option="--set")
    assert keys(err.value) == ["--set factions[0](isis).sanctions.desertion"]


# -- warnings -------------------------------------------------------------------------------

def test_shipped_scenarios_have_no_warnings() -> None:
    for name in ("isis-2014", "saa-2014", "syria-2014"):
        assert load_scenario(name).warnings() == []


def test_a_scale_at_which_nobody_is_simulated() -> None:
    scenario = load_scenario("syria-2014", scale=1e-9)
    assert scenario_warnings(scenario) == [
        "scale: at scale 1e-09 no agent is simulated: every cohort and civilian block rounds "
        "to 0 agents"]


def test_a_scale_at_which_a_faction_or_civilians_get_no_agent() -> None:
    scenario = load_scenario("syria-2014", scale=1e-5)
    warnings = scenario.warnings()
    assert warnings == [
        "scale: at scale 1e-05 factions[0](isis) gets no agent (its 15,500 fighters round to 0)",
        "scale: at scale 1e-05 factions[2](pro_regime_militias) gets no agent (its 8,000 "
        "fighters round to 0)"]
    civilians = scenario_from(minimal_scenario(
        scale=0.01, civilians=[{"territory": "red", "draft_eligible_men": 40}]))
    assert civilians.warnings() == ["scale: at scale 0.01 civilians[0] (red) get no agent "
                                    "(their 40 men round to 0)"]


def test_a_faction_that_starts_empty_and_cannot_grow() -> None:
    data = minimal_scenario()
    data["factions"].append({"id": "blue", "side": "b"})
    assert scenario_from(data).warnings() == [
        "factions[1](blue): no fighters at the start and no way to gain any (no volunteers, "
        "accepted defectors, or call-ups and sweeps of civilians in its territory): it stays "
        "empty"]
    data["factions"][1]["recruitment"] = {"local_volunteers_per_day": 1.0}
    assert scenario_from(data).warnings() == []
    data["factions"][1]["recruitment"] = {"callups_per_day": 5.0}
    assert len(scenario_from(data).warnings()) == 1  # call-ups, but nobody to call up
    data["civilians"] = [{"territory": "blue", "draft_eligible_men": 1000}]
    assert scenario_from(data).warnings() == []


def test_a_long_run_and_a_large_population() -> None:
    long = scenario_from(minimal_scenario(end=dt.date(2040, 12, 31)))
    assert long.warnings() == ["end = 2040-12-31: the run covers 9,711 days (about 27 years); "
                               "it may take long"]
    stopped = long.model_copy(update={"stop": dt.date(2030, 1, 1)})
    assert stopped.warnings()[0].startswith("stop = 2030-01-01: the run covers 5,694 days")
    assert scenario_from(minimal_scenario(end=dt.date(2024, 5, 31))).warnings() == []
    large = scenario_from(minimal_scenario(
        civilians=[{"territory": "red", "draft_eligible_men": 20_000_000}]))
    assert large.warnings() == ["scale = 1: the run simulates about 20,000,300 agents (940 MB "
                                "for their state alone); it may take long"]


def test_the_limits_are_documented_where_they_are_defined() -> None:
    doc = limits.__doc__ or ""
    for name in ("MAX_COUNT", "MAX_AGENTS", "FIRST_DAY", "LAST_DAY", "MAX_RUN_DAYS"):
        assert f"``{name}``" in doc, name
    assert "50 million" in doc and MAX_AGENTS == 50_000_000


def test_daily_drafts_are_bounded_like_the_population() -> None:
    data = minimal_scenario(civilians=[{"territory": "red", "draft_eligible_men": 500}])
    data["factions"][0]["recruitment"] = {"callups_per_day": 100_000_000}
    error = refused(data)
    assert error.problems == [("factions[0](red).recruitment.callups_per_day",
                               "would call up or sweep 100,000,000 men a day (at scale 1), each "
                               "drawn at random like an agent; the maximum is 50,000,000 a day")]
    data["scale"] = 0.1
    assert scenario_from(data).scale == 0.1


def _leaves(node: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path] if path else []
    items = node.items() if isinstance(node, dict) else enumerate(node) \
        if isinstance(node, list) else []
    for key, value in items:
        found += _leaves(value, (*path, str(key)))
    return found


HOSTILE = [math.inf, math.nan, -1, 10**12, 2**63, "x", None, [], {"a": 1},
           dt.date(1, 1, 1), dt.date(9999, 12, 31)]


def test_any_key_overridden_with_a_hostile_value_is_an_input_error() -> None:
    """Every place of a scenario with every event kind, and values users and typos produce:
    the result is a valid scenario or a ScenarioError naming the source, never another error."""
    from .helpers import kitchen_sink

    scenario = scenario_from(kitchen_sink())
    refusals = 0
    for path in _leaves(scenario.model_dump(mode="json")):
        for value in HOSTILE:
            try:
                scenario.with_overrides({".".join(path): value}, option="--set").warnings()
            except ScenarioError as err:
                refusals += 1
                assert all(line.startswith(f"{scenario.name}: ")
                           for line in str(err).splitlines())
    assert refusals > 1000
