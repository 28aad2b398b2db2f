"""Who the men are: ages that advance with the calendar, draft-age bands, forced entry."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest

from desertion.engine.errors import ScenarioError
from desertion.manpower.codes import Entry, Status
from desertion.manpower.model import build
from desertion.manpower.state import DAYS_PER_YEAR, NEVER, birth_days, within_ages

from .helpers import START, minimal_scenario, scenario_from


def drafted_scenario(**recruitment: Any) -> dict[str, Any]:
    """A faction that calls up 40 men a day from 20,000 civilians aged 14 to 50."""
    data = minimal_scenario()
    data["end"] = START + dt.timedelta(days=59)
    data["factions"][0]["recruitment"] = {"callups_per_day": 40.0, **recruitment}
    data["civilians"] = [{"territory": "red", "draft_eligible_men": 20_000,
                          "ages": {"min": 14, "max": 50}}]
    return data


def ages_today(model: Any, rows: np.ndarray) -> np.ndarray:
    return (model.day - model.people.birth_day[rows].astype(np.int32)) / DAYS_PER_YEAR


def test_birth_days_are_uniform_over_the_band_and_unknown_without_one() -> None:
    days = birth_days(np.random.default_rng(0), type("A", (), {"min": 18, "max": 40})(),
                      100_000)
    years = -days / DAYS_PER_YEAR
    assert years.min() >= 18 - 1e-3 and years.max() <= 40 + 1e-3
    assert years.mean() == pytest.approx(29.0, abs=0.1)
    assert (birth_days(np.random.default_rng(0), None, 5) == NEVER).all()


def test_men_age_with_the_calendar_and_unknown_ages_are_always_within() -> None:
    born = np.array([-int(17.9 * DAYS_PER_YEAR), -int(30 * DAYS_PER_YEAR), NEVER],
                    dtype=np.int16)
    assert within_ages(born, 0, 18, 35).tolist() == [False, True, True]
    assert within_ages(born, 60, 18, 35).tolist() == [True, True, True]  # he turned 18
    assert within_ages(born, 60, 18, 29.5).tolist() == [True, False, True]


def test_call_ups_take_only_men_within_the_band() -> None:
    model = build(scenario_from(drafted_scenario(draft_age_min=18, draft_age_max=35)))
    for _ in range(30):
        model.step()
    conscripts = np.flatnonzero(model.people.entry == Entry.CONSCRIPT)
    assert len(conscripts) > 150
    ages = ages_today(model, conscripts)
    # taken on some day of the month within the band: at most 30 days older now
    assert ages.min() >= 18 and ages.max() <= 35 + 30 / DAYS_PER_YEAR
    open_band = build(scenario_from(drafted_scenario()))
    for _ in range(30):
        open_band.step()
    anyone = ages_today(open_band, np.flatnonzero(open_band.people.entry == Entry.CONSCRIPT))
    assert anyone.min() < 17 and anyone.max() > 40  # no band: every age is called


def test_a_scheduled_band_widens_on_its_date() -> None:
    data = drafted_scenario(draft_age_min=18, draft_age_max=25)
    widened = START + dt.timedelta(days=30)
    data["schedules"] = [{"parameter": "recruitment.draft_age_max", "faction": "red",
                          "values": [[widened.isoformat(), 50]]}]
    model = build(scenario_from(data))
    for _ in range(60):
        model.step()
    people = model.people
    conscripts = np.flatnonzero(people.entry == Entry.CONSCRIPT)
    early = conscripts[people.joined_day[conscripts] < 30]
    late = conscripts[people.joined_day[conscripts] >= 30]
    assert len(early) > 100 and len(late) > 100
    assert ages_today(model, early).max() <= 25 + 60 / DAYS_PER_YEAR
    assert ages_today(model, late).max() > 30


def test_forced_entry_thresholds_apply_to_starting_cohorts_and_conscripts() -> None:
    data = drafted_scenario(conscript_threshold_factor=0.5)
    data["factions"][0]["cohorts"].append({"origin": "local", "entry": "conscript",
                                           "count": 3000, "commitment": {"mean": 0.5,
                                                                         "sd": 0.2}})
    model = build(scenario_from(data))
    people = model.people
    start = people.threshold[: len(people)].copy()
    entry = people.entry[: len(people)]
    fighters = people.status[: len(people)] == Status.SERVING
    ratio = start[fighters & (entry == Entry.CONSCRIPT)].mean() / \
        start[fighters & (entry == Entry.VOLUNTEER)].mean()
    assert ratio == pytest.approx(0.5, abs=0.03)
    civilians = np.flatnonzero(people.status == Status.CIVILIAN)
    before = people.threshold[civilians].copy()
    for _ in range(10):
        model.step()
    called = people.entry[civilians] == Entry.CONSCRIPT
    assert called.sum() > 50
    np.testing.assert_allclose(people.threshold[civilians][called], 0.5 * before[called],
                               rtol=1e-6)


def test_ages_are_validated() -> None:
    data = drafted_scenario()
    data["civilians"][0]["ages"] = {"min": 40, "max": 20}
    with pytest.raises(ScenarioError, match=r"civilians\[0\]\.ages.*below min"):
        scenario_from(data)
    data["civilians"][0]["ages"] = {"min": 18, "max": 95}
    with pytest.raises(ScenarioError, match=r"civilians\[0\]\.ages\.max"):
        scenario_from(data)
