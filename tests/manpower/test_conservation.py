"""Conservation of people (issue 2, "Correctness"): every person is in exactly one status
every day, and the day's events account for every change in the counts.

Checked on random valid scenarios (hypothesis) and on a fixed scenario in which every kind of
event and every flow of the model happens.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from desertion.engine.recorder import NOWHERE
from desertion.manpower.codes import Entry, Status, group_of, in_ranks
from desertion.manpower.model import build
from desertion.manpower.state import count_by_group_and_status
from desertion.manpower.step import Manpower

from .helpers import kitchen_sink, scenario_from
from .strategies import scenarios

ABSORBING = [Status.ABROAD, Status.RETURNED, Status.EXECUTED, Status.KILLED]
KEYS = ["faction", "origin", "status"]


def run_day_by_day(data: dict[str, Any]) -> tuple[Manpower, np.ndarray]:
    """The model after its last day, and the number of agents created after each day.

    After each day, the census the state keeps from the day's flows is checked against a
    recount of the agents' columns.
    """
    model = build(scenario_from(data))
    created = [len(model.people)]
    check_census(model)
    for _ in range(model.compiled.n_days):
        model.step()
        created.append(len(model.people))
        check_census(model)
    return model, np.array(created)


def check_census(model: Manpower) -> None:
    """The state's census (kept from flows) is a recount of the status column by group."""
    people, census = model.people, model.state.census
    recount = count_by_group_and_status(people.group, people.status, len(census.now))
    np.testing.assert_array_equal(census.yesterday, recount)
    np.testing.assert_array_equal(census.now, recount)  # between days, the two agree
    # and it holds the numbers the recorder's census holds for the same day
    np.testing.assert_array_equal(census.yesterday, model.recorder.counts[model.day])
    # the rows of the men in the ranks, kept from the flows, are a recount too
    np.testing.assert_array_equal(model.in_ranks(), np.flatnonzero(in_ranks(people.status)))


def check_books(model: Manpower, created: np.ndarray) -> None:
    rec, people = model.recorder, model.people
    counts = rec.counts  # (days + 1, groups, statuses), row 0 the eve of the first day
    assert rec.steps_done == model.compiled.n_days

    # every person in exactly one status, every day
    np.testing.assert_array_equal(counts.sum(axis=(1, 2)), created)
    assert people.status.max(initial=0) < len(Status)
    np.testing.assert_array_equal(people.group,
                                  group_of(people.faction.astype(int), people.origin))

    # people enter the books only by joining from outside (defectors move between books)
    joined_outside = sum((t.sum(axis=1) for (name, detail, _, _), t in rec.events_by_kind().items()
                          if name == "joined" and detail != "defector"),
                         start=np.zeros(len(counts), dtype=np.int64))
    np.testing.assert_array_equal(created, created[0] + np.cumsum(joined_outside))
    defected = sum((t.sum(axis=1) for (name, _, _, _), t in rec.events_by_kind().items()
                    if name == "defected"), start=np.zeros(len(counts), dtype=np.int64))
    joined_defector = sum((t.sum(axis=1) for (name, detail, _, _), t in rec.events_by_kind().items()
                           if name == "joined" and detail == "defector"),
                          start=np.zeros(len(counts), dtype=np.int64))
    np.testing.assert_array_equal(defected, joined_defector)

    # the day's events reconcile the change in every (group, status) count
    flow = np.zeros_like(counts)
    for (_, _, src, dst), table in rec.events_by_kind().items():
        if dst != NOWHERE:
            flow[:, :, dst] += table
        if src != NOWHERE:
            flow[:, :, src] -= table
    assert not flow[0].any(), "events recorded on the eve of the first day"
    np.testing.assert_array_equal(np.diff(counts, axis=0), flow[1:])

    # absorbing statuses never shrink; civilians who never served never serve
    assert (np.diff(counts[:, :, ABSORBING], axis=0) >= 0).all()
    never_served = people.entry == Entry.NONE
    assert np.isin(people.status[never_served],
                   [Status.CIVILIAN, Status.HIDING, Status.ABROAD]).all()


def check_frames(model: Manpower) -> None:
    """The same reconciliation through the public tables (from_status / to_status)."""
    ts, ev = model.recorder.timeseries(), model.recorder.events()
    for col in KEYS:
        ts[col] = ts[col].astype(str)
    ts = ts.sort_values(["date", *KEYS], kind="stable")
    actual = (ts.set_index(["date", *KEYS])["agents"]
              .groupby(level=KEYS, sort=False).diff().dropna().astype(np.int64))
    index = ["date", "faction", "origin"]
    moves = ev[(ev["from_status"] != "") | (ev["to_status"] != "")]
    inflow = (moves[moves["to_status"] != ""].rename(columns={"to_status": "status"})
              .groupby([*index, "status"])["agents"].sum())
    outflow = (moves[moves["from_status"] != ""].rename(columns={"from_status": "status"})
               .groupby([*index, "status"])["agents"].sum())
    expected = inflow.sub(outflow, fill_value=0)
    assert expected.index.isin(actual.index).all(), "events about unknown rows"
    expected = expected.reindex(actual.index, fill_value=0).astype(np.int64)
    pd.testing.assert_series_equal(actual, expected, check_names=False)
    assert ts.groupby("date")["agents"].sum().is_monotonic_increasing

    # channels: locals hide or flee abroad, foreigners go home; foreigners never hide
    escaped = ev[ev["event"] == "escaped"]
    assert set(escaped.loc[escaped["detail"].isin(["hide", "abroad"]), "origin"]) <= {"local"}
    assert set(escaped.loc[escaped["detail"] == "home", "origin"]) <= {"foreign"}
    attempted = ev[ev["event"] == "attempted"]
    assert set(attempted.loc[attempted["detail"].isin(["hide", "abroad"]), "origin"]) \
        <= {"local"}
    assert set(attempted.loc[attempted["detail"] == "home", "origin"]) <= {"foreign"}
    foreign = ts[(ts["origin"] == "foreign") & ts["status"].isin(["hiding", "abroad",
                                                                    "civilian"])]
    assert (foreign["agents"] == 0).all()


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(scenarios())
def test_conservation_on_random_scenarios(data: dict[str, Any]) -> None:
    model, created = run_day_by_day(data)
    check_books(model, created)
    check_frames(model)


# the flows the fixed scenario must produce: (event, detail)
EVERY_FLOW = {
    ("attempted", "hide"), ("attempted", "abroad"), ("attempted", "home"),
    ("attempted", "defect"), ("caught", "hide"), ("caught", "abroad"), ("caught", "home"),
    ("caught", "defect"), ("caught", "shirking"), ("caught", "sweep"), ("escaped", "hide"),
    ("escaped", "abroad"), ("escaped", "home"), ("defected", "rebels"),
    ("joined", "volunteer"), ("joined", "foreign_volunteer"), ("joined", "defector"),
    ("killed", ""), ("shirked", ""), ("returned_to_duty", ""), ("fined", "shirking"),
    ("jailed", "desertion"), ("released", "prison"), ("executed", "desertion"),
    ("executed", "code"), ("dismissed", "code"), ("executed", "mistaken"), ("withdrew", ""),
    ("conscripted", "callup"), ("dragooned", "sweep"), ("went_into_hiding", "callup"),
    ("went_into_hiding", "pressure"), ("fled_abroad", "callup"), ("fled_abroad", "pressure"),
    ("fled_abroad", "hiding"), ("returned_amnesty", ""), ("dismissed", "evasion"),
}


@pytest.fixture(scope="module")
def kitchen_sink_model() -> tuple[Manpower, np.ndarray]:
    return run_day_by_day(kitchen_sink())


def test_kitchen_sink_exercises_every_flow(kitchen_sink_model: tuple[Manpower, np.ndarray]
                                           ) -> None:
    model, _ = kitchen_sink_model
    ev = model.recorder.events()
    seen = set(ev.groupby(["event", "detail"]).groups)
    assert EVERY_FLOW - seen == set()
    # every adaptive rule fired, and the scheduled switch took effect on its day
    causes = {entry["cause"].split(" = ")[0] for entry in model.policy_log}
    assert causes == {"scheduled", "rule: desertion_rate", "rule: strength_ratio",
                      "rule: shirking_share"}
    scheduled = [e for e in model.policy_log if e["cause"] == "scheduled"]
    assert [(e["date"], e["faction"]) for e in scheduled] == [("2014-06-21", "rebels")]
    once = [e for e in model.policy_log if "desertion_rate" in e["cause"]]
    assert len(once) == 1  # a rule that fires once fires once


def test_kitchen_sink_conserves_people(kitchen_sink_model: tuple[Manpower, np.ndarray]
                                       ) -> None:
    model, created = kitchen_sink_model
    check_books(model, created)
    check_frames(model)
    assert created[-1] > created[0]  # volunteers and defectors did join


def test_census_kept_in_the_state_is_a_recount_after_each_day() -> None:
    """A short run with every flow (call-ups, sweeps, defections, newcomers): each day's
    census, kept from the flows, equals a recount of the status column by group."""
    scenario = scenario_from(kitchen_sink())
    model = build(scenario.until(scenario.start + dt.timedelta(days=24)))
    for _ in range(model.compiled.n_days):
        before = model.state.census.yesterday.copy()
        model.step()
        check_census(model)
        assert not np.array_equal(before, model.state.census.yesterday)  # it did move
