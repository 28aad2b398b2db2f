"""The recorder: census counts by (group, state) per day, events, and their long tables."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from desertion.engine.recorder import NOWHERE, Recorder

START = dt.date(2014, 6, 1)
STATES = ["idle", "busy", "gone"]


def make(n_days: int = 3, scale: float = 1.0) -> Recorder:
    return Recorder(n_days, {"faction": ["a", "b"], "origin": ["x", "y"]}, STATES,
                    scale=scale, start=START)


def test_groups_are_the_product_of_the_axes() -> None:
    rec = make()
    assert rec.n_groups == 4
    assert rec.counts.shape == (4, 4, 3)


def test_census_counts_by_group_and_state() -> None:
    rec = make()
    group = np.array([0, 0, 3, 3, 3, 1], dtype=np.uint8)
    state = np.array([0, 1, 2, 2, 0, 1], dtype=np.uint8)
    rec.census(0, group, state)
    expected = np.zeros((4, 3), dtype=np.int64)
    for g, s in zip(group, state, strict=True):
        expected[g, s] += 1
    np.testing.assert_array_equal(rec.counts[0], expected)
    assert rec.steps_done == 0
    rec.census(2, group, state)
    assert rec.steps_done == 2
    rec.census(1, group[:0], state[:0])  # an earlier row does not move steps_done back
    assert rec.steps_done == 2 and rec.counts[1].sum() == 0


def test_census_of_many_agents_matches_a_plain_count() -> None:
    rng = np.random.default_rng(0)
    group, state = rng.integers(0, 4, 100_000), rng.integers(0, 3, 100_000)
    rec = make()
    rec.census(1, group.astype(np.uint8), state.astype(np.uint8))
    plain = pd.crosstab(group, state).to_numpy()
    np.testing.assert_array_equal(rec.counts[1], plain)


def test_event_counts_and_weights_accumulate() -> None:
    rec = make()
    rec.event(1, "moved", np.array([0, 0, 2]), from_state=0, to_state=1)
    rec.event(1, "moved", np.array([2]), from_state=0, to_state=1)
    rec.event(2, "paid", np.array([1, 3]), weights=np.array([2.0, 5.0]))
    rec.event(2, "nothing", np.array([], dtype=np.int64))
    rec.event_counts(3, "moved", np.array([0, 0, 0, 4]), from_state=0, to_state=1)
    moved = rec.events_by_kind()[("moved", "", 0, 1)]
    np.testing.assert_array_equal(moved[1], [2, 0, 2, 0])
    np.testing.assert_array_equal(moved[3], [0, 0, 0, 4])
    paid = rec.events_by_kind()[("paid", "", NOWHERE, NOWHERE)]
    np.testing.assert_array_equal(paid[2], [0, 2, 0, 5])
    assert ("nothing", "", NOWHERE, NOWHERE) not in rec.events_by_kind()


def filled() -> Recorder:
    rec = make(n_days=3, scale=0.5)
    group = np.array([0, 1, 2, 3], dtype=np.uint8)
    rec.census(0, group, np.array([0, 0, 0, 0], dtype=np.uint8))
    rec.census(1, group, np.array([1, 0, 0, 2], dtype=np.uint8))
    rec.event(1, "started", np.array([0]), detail="x", from_state=0, to_state=1)
    rec.event(1, "left", np.array([3]), from_state=0, to_state=2)
    rec.event(1, "joined", np.array([1, 1]), to_state=0)
    return rec


def test_timeseries_frame() -> None:
    ts = filled().timeseries()
    # only the days done: the eve and day 1
    assert len(ts) == 2 * 4 * 3
    assert list(ts.columns) == ["date", "faction", "origin", "status", "agents", "count"]
    assert ts["date"].min() == pd.Timestamp("2014-05-31")  # the eve of the first day
    assert ts["date"].max() == pd.Timestamp("2014-06-01")
    for col in ("faction", "origin", "status"):
        assert isinstance(ts[col].dtype, pd.CategoricalDtype)
    row = ts[(ts["date"] == pd.Timestamp("2014-06-01")) & (ts["faction"] == "b")
             & (ts["origin"] == "y") & (ts["status"] == "gone")]
    assert row["agents"].tolist() == [1] and row["count"].tolist() == [2.0]
    assert (ts["count"] == ts["agents"] / 0.5).all()
    assert ts.groupby("date")["agents"].sum().tolist() == [4, 4]


def test_events_frame() -> None:
    ev = filled().events()
    assert list(ev.columns) == ["date", "event", "detail", "faction", "origin", "from_status",
                                "to_status", "agents", "count"]
    assert len(ev) == 3  # zero counts are left out
    rows = {r.event: r for r in ev.itertuples()}
    assert (rows["started"].from_status, rows["started"].to_status) == ("idle", "busy")
    assert rows["started"].detail == "x" and rows["started"].faction == "a"
    assert (rows["left"].faction, rows["left"].origin) == ("b", "y")
    assert (rows["joined"].from_status, rows["joined"].to_status) == ("", "idle")
    assert rows["joined"].agents == 2 and rows["joined"].count == 4.0
    assert (ev["date"] == pd.Timestamp("2014-06-01")).all()
    assert ev["agents"].dtype == np.int64


def test_events_frame_is_sorted() -> None:
    rec = make()
    rec.census(2, np.zeros(0, np.uint8), np.zeros(0, np.uint8))
    rec.event(2, "b", np.array([0]))
    rec.event(1, "z", np.array([0]))
    rec.event(1, "a", np.array([3, 1]))
    ev = rec.events()
    keys = list(zip(ev["date"], ev["event"], ev["faction"], ev["origin"], strict=True))
    assert keys == sorted(keys)


def test_empty_events_frame_has_the_columns() -> None:
    ev = make().events()
    assert ev.empty
    assert {"date", "event", "detail", "faction", "origin", "from_status", "to_status",
            "agents", "count"} <= set(ev.columns)


def test_scale_is_applied_to_counts_only() -> None:
    rec = make(scale=0.01)
    rec.census(0, np.array([0], np.uint8), np.array([0], np.uint8))
    assert rec.timeseries()["count"].max() == pytest.approx(100.0)


def test_counts_over_several_days_equal_day_by_day_counts() -> None:
    block = np.array([[1, 0, 0, 2], [0, 0, 0, 0], [3, 1, 0, 0]], dtype=np.int64)
    day_by_day, at_once = make(5), make(5)
    for d, counts in enumerate(block):
        day_by_day.census(1 + d, np.array([], dtype=np.uint8), np.array([], dtype=np.uint8))
        at_once.census(1 + d, np.array([], dtype=np.uint8), np.array([], dtype=np.uint8))
        day_by_day.event_counts(1 + d, "moved", counts, from_state=0, to_state=1)
    at_once.event_counts_over(1, "moved", block, from_state=0, to_state=1)
    at_once.event_counts_over(1, "moved", np.zeros((2, 4), dtype=np.int64),
                              from_state=0, to_state=1)  # zeros add no rows
    pd.testing.assert_frame_equal(at_once.events(), day_by_day.events())
    assert at_once.events()["agents"].sum() == block.sum()
    assert len(at_once.events()) == np.count_nonzero(block)
