"""The model's newer vocabulary: schedules, rewards and surrender, captures, sanction mixes
with trials, and reprisals (checked through the compiled scenario, the mechanisms and small
runs of isis-2014)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

import desertion
from desertion.engine.errors import ScenarioError
from desertion.engine.results import RunResult
from desertion.manpower.codes import N_SANCTIONS, Channel, Offence, Sanction, Status
from desertion.manpower.compile import compile_scenario, mechanism_params, sanction_mix
from desertion.manpower.mechanisms import decision, disaffection, enforcement, exits
from desertion.manpower.mechanisms.sanctions import expected_severity, severity_table
from desertion.manpower.model import build
from desertion.manpower.scenario import Mechanisms, Scenario, validate_scenario
from desertion.manpower.schedules import FACTION_AT, daily_values

START = dt.date(2014, 6, 1)
JULY = dt.date(2014, 7, 1)    # day 30 of isis-2014
AUGUST = dt.date(2014, 8, 1)  # day 61
MIX = {"execution": 0.2, "prison": 0.3, "corporal": 0.3, "reprisal": 0.2}
DEFAULTS = mechanism_params(Mechanisms())


@pytest.fixture(scope="module")
def isis() -> Scenario:
    return desertion.load_scenario("isis-2014").with_overrides({"scale": 0.02})


def with_schedules(scenario: Scenario, *schedules: dict[str, Any]) -> Scenario:
    return scenario.with_overrides({"schedules": list(schedules)})


def writes_of(scenario: Scenario, name: str) -> dict[int, float]:
    """Day -> value of the compiled writes into the field ``name``."""
    calendar = compile_scenario(scenario).calendar
    return {d: w.value for d, day in enumerate(calendar.schedule_writes) for w in day
            if w.target.name == name}


def agents(run: RunResult, event: str, detail: str | None = None) -> int:
    e = run.events[run.events.event == event]
    return int((e if detail is None else e[e.detail == detail]).agents.sum())


def final(run: RunResult, status: str) -> int:
    ts = run.timeseries
    last = ts[(ts.date == ts.date.max()) & (ts.status == status)]
    return int(last.agents.sum())


def within(count: int, total: int, p: float, sds: float = 4.0) -> bool:
    return abs(count - p * total) <= sds * np.sqrt(total * p * (1 - p)) + 1


# -- 1. schedules -------------------------------------------------------------------------

def test_step_schedule_writes_on_its_dates_only_and_scales_counts(isis: Scenario) -> None:
    scenario = with_schedules(
        isis, {"parameter": "barriers.hide", "faction": "isis",
               "values": [[AUGUST, 0.9], [JULY, 0.5]]},
        {"parameter": "recruitment.local_volunteers_per_day", "values": [[JULY, 100.0]]})
    assert writes_of(scenario, "barrier_hide") == {30: 0.5, 61: 0.9}
    assert writes_of(scenario, "local_volunteers_per_day") == {30: pytest.approx(2.0)}
    first = compile_scenario(scenario).calendar.schedule_writes[30][0]
    assert (first.target.at, first.rows) == (FACTION_AT, (0,))


def test_linear_schedule_ramps_between_dates_and_holds_after(isis: Scenario) -> None:
    scenario = with_schedules(isis, {
        "parameter": "mechanisms.decision.noise", "interpolation": "linear",
        "values": [[START + dt.timedelta(10), 0.1], [START + dt.timedelta(20), 0.2]]})
    writes = writes_of(scenario, "decision.noise")
    assert sorted(writes) == list(range(10, 21))
    assert writes[15] == pytest.approx(0.15)
    assert writes[10] == 0.1 and writes[20] == 0.2


def test_daily_values_are_nan_before_the_first_date() -> None:
    points = [(START + dt.timedelta(5), 1.0), (START + dt.timedelta(9), 3.0)]
    step = daily_values(points, "step", START, 12)
    ramp = daily_values(points, "linear", START, 12)
    assert np.isnan(step[:5]).all() and np.isnan(ramp[:5]).all()
    np.testing.assert_array_equal(step[5:], [1, 1, 1, 1, 3, 3, 3])
    np.testing.assert_allclose(ramp[5:], [1.0, 1.5, 2.0, 2.5, 3.0, 3.0, 3.0])


def test_schedules_change_the_runs_parameters_on_their_date(isis: Scenario) -> None:
    on = START + dt.timedelta(10)
    model = build(with_schedules(
        isis, {"parameter": "mechanisms.decision.noise", "values": [[on, 0.1]]},
        {"parameter": "barriers.hide", "faction": "isis", "values": [[on, 0.5]]},
        {"parameter": "sanctions.acquittal", "values": [[on, 0.4]]}), seed=1)
    for _ in range(10):
        model.step()
    before = (model.params.decision.noise, model.factions.barrier_hide[0],
              model.state.policy.acquittal[0])
    assert before == (DEFAULTS.decision.noise, 0.12, 0.0)
    model.step()
    assert model.params.decision.noise == 0.1
    assert model.factions.barrier_hide[0] == 0.5
    assert model.state.policy.acquittal[0] == 0.4
    assert model.compiled.factions.barrier_hide[0] == 0.12  # the compiled scenario is kept


def test_series_csv_is_read_relative_to_the_scenario_file(tmp_path: Any,
                                                          monkeypatch: Any) -> None:
    folder = tmp_path / "case"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "hide.csv").write_text("date,value\n2014-07-01,0.4\n2014-08-01,0.6\n")
    (folder / "case.toml").write_text(
        'include = ["isis-2014"]\nscale = 0.02\n\n[[schedules]]\n'
        'parameter = "barriers.hide"\nfaction = "isis"\nseries = "data/hide.csv"\n')
    monkeypatch.chdir(tmp_path)  # not the scenario's folder
    scenario = desertion.load_scenario(folder / "case.toml")
    assert list(scenario.schedules[0].values) == [(JULY, 0.4), (AUGUST, 0.6)]
    assert writes_of(scenario, "barrier_hide") == {30: 0.4, 61: 0.6}


def test_missing_series_csv_is_refused_naming_the_schedule(tmp_path: Any) -> None:
    path = tmp_path / "case.toml"
    path.write_text('include = ["isis-2014"]\n\n[[schedules]]\n'
                    'parameter = "barriers.hide"\nseries = "nowhere.csv"\n')
    with pytest.raises(ScenarioError) as err:
        desertion.load_scenario(path)
    assert "schedules[0]" in str(err.value) and "nowhere.csv" in str(err.value)


def test_calendar_schedules_land_in_the_calendar(isis: Scenario) -> None:
    calendar = compile_scenario(with_schedules(
        isis, {"parameter": "pay", "faction": "isis", "values": [[JULY, 0.5]]},
        {"parameter": "recruitment.foreign_volunteers_per_month",
         "values": [[JULY, 3000.0]]})).calendar
    np.testing.assert_array_equal(calendar.pay[0, :30], 1.0)
    np.testing.assert_array_equal(calendar.pay[0, 30:], 0.5)
    np.testing.assert_allclose(calendar.foreign_inflow[0, 30:], 0.02 * 3000 / (365.25 / 12))
    assert not any(calendar.schedule_writes)  # nothing left to write day by day


@pytest.mark.parametrize(("schedule", "key", "says"), [
    ({"parameter": "barriers.moat", "values": [[JULY, 1.0]]},
     "schedules[0].parameter", "cannot be scheduled"),
    ({"parameter": "barriers.hide", "values": [[JULY, -1.0]]},
     "schedules[0].values[0]", "greater than or equal to 0"),
    ({"parameter": "sanctions.acquittal", "values": [[JULY, 0.5], [AUGUST, 1.5]]},
     "schedules[0].values[1]", "less than or equal to 1"),
    ({"parameter": "barriers.hide", "values": [["2014-03-01", 0.1]]},
     "schedules[0].values[0]", "before the run's start"),
    ({"parameter": "mechanisms.decision.noise", "faction": "isis", "values": [[JULY, 0.1]]},
     "schedules[0].faction", "global"),
    ({"parameter": "barriers.hide", "faction": "kurds", "values": [[JULY, 0.1]]},
     "schedules[0].faction", "unknown faction"),
    ({"parameter": "barriers.hide"}, "schedules[0]", "needs values or a series"),
    ({"parameter": "barriers.hide", "series": "/no/such/file.csv"}, "schedules[0]",
     "file.csv"),
])
def test_bad_schedules_are_refused_naming_the_key(isis: Scenario, schedule: dict[str, Any],
                                                  key: str, says: str) -> None:
    with pytest.raises(ScenarioError) as err:
        with_schedules(isis, schedule)
    message = str(err.value)
    assert f"{key}:" in message and says in message


def test_a_schedule_changes_the_run_from_its_date_on_only(isis: Scenario) -> None:
    plain = desertion.simulate(isis, seed=3)
    changed = desertion.simulate(with_schedules(
        isis, {"parameter": "mechanisms.decision.noise", "values": [[JULY, 0.2]]}), seed=3)
    a, b = plain.timeseries, changed.timeseries
    early = a.date < pd.Timestamp(JULY)
    assert (a.date == b.date).all()
    pd.testing.assert_frame_equal(a[early], b[early])
    assert not a[~early].agents.equals(b[~early].agents)
    ea, eb = (r.events[r.events.date < pd.Timestamp(JULY)] for r in (plain, changed))
    pd.testing.assert_frame_equal(ea.reset_index(drop=True), eb.reset_index(drop=True))


# -- 2. rewards and surrender --------------------------------------------------------------

def test_channel_barriers_subtract_rewards_and_keep_closed_channels_closed() -> None:
    rewards = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    out = exits.channel_barriers(np.array([False, True]), np.array(False), 0.3, 0.4, 0.5,
                                 0.6, np.array(True), 0.2, 0.3, rewards)
    np.testing.assert_allclose(out[0, :2], [0.3 - 0.1, 0.4 + 0.2 - 0.2])
    np.testing.assert_allclose(out[1, Channel.HOME], 0.5 - 0.3)
    np.testing.assert_allclose(out[:, Channel.SURRENDER], 0.3 - 0.5)  # it pays
    assert np.isinf(out[0, Channel.HOME]) and np.isinf(out[1, :2]).all()
    assert np.isinf(out[:, Channel.DEFECT]).all()
    closed = exits.channel_barriers(np.array([False]), np.array(True), 0.1, 0.1, 0.1, 0.1,
                                    np.array(False), 0.0, rewards=9.0)
    assert closed[0, Channel.SURRENDER] == np.inf
    assert exits.channels_of(True) == 5 and exits.channels_of(False) == 4


def test_a_surrender_reward_brings_more_men_to_the_programme(isis: Scenario) -> None:
    def runs(reward: float) -> list[RunResult]:
        scenario = isis.with_overrides({"factions.isis.barriers.surrender": 0.3,
                                        "factions.isis.rewards.surrender": reward})
        return [desertion.simulate(scenario, seed=s) for s in (1, 2, 3)]
    low, high = runs(0.0), runs(0.3)
    for a, b in zip(low, high, strict=True):
        assert agents(b, "escaped", "surrender") > agents(a, "escaped", "surrender")
        assert final(b, "demobilised") > final(a, "demobilised")
        assert final(b, "demobilised") == agents(b, "escaped", "surrender")
    assert sum(agents(r, "attempted") for r in high) >= sum(agents(r, "attempted")
                                                            for r in low)


def test_without_a_programme_no_reward_makes_anyone_surrender(isis: Scenario) -> None:
    plain = desertion.simulate(isis, seed=2)
    paid = desertion.simulate(isis.with_overrides({"factions.isis.rewards.surrender": 5.0}),
                              seed=2)
    assert agents(paid, "attempted", "surrender") == 0
    assert agents(paid, "escaped", "surrender") == 0 and final(paid, "demobilised") == 0
    pd.testing.assert_frame_equal(plain.timeseries, paid.timeseries)


@pytest.mark.parametrize("seed", range(5))
def test_weighing_stays_exact_with_negative_net_barriers(seed: int) -> None:
    rng, n, channels = np.random.default_rng(seed), 20_000, 5
    noise_scale, shirk_ratio = rng.uniform(0.01, 0.2), rng.uniform(0.3, 1.0)
    push, threshold = rng.uniform(0, 0.6, n), rng.uniform(0.05, 0.6, n)
    noise = decision.logistic_noise(rng, n, noise_scale)
    barriers = rng.uniform(0, 0.5, (n, channels)) - rng.uniform(0, 1.0, (n, channels))
    barriers[:, 1:][rng.random((n, channels - 1)) < 0.3] = np.inf  # closed channels
    costs = rng.uniform(0, 0.4, (n, channels)) + barriers  # expected sanctions >= 0
    _, exit_cost = decision.logit_choice(rng, costs, noise_scale)
    action = decision.decide(push, exit_cost, rng.uniform(0, 0.3, n), threshold, shirk_ratio,
                             noise)
    marked = decision.weighs_the_ways_out(push, noise, threshold, shirk_ratio, noise_scale,
                                          channels, exits.lowest_barrier(barriers))
    assert not (action != decision.SERVE)[~marked].any()
    unbarred = decision.weighs_the_ways_out(push, noise, threshold, shirk_ratio, noise_scale,
                                            channels)
    assert ((action != decision.SERVE) & ~unbarred).any()  # the barriers matter here


# -- 3. captures --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def captures() -> tuple[Scenario, RunResult]:
    scenario = desertion.load_scenario("isis-2014").with_overrides(
        {"scale": 0.05, "factions.isis.combat_capture_rate": 0.002})
    return scenario, desertion.simulate(scenario, seed=1)


def test_captures_come_at_their_rate(captures: tuple[Scenario, RunResult]) -> None:
    scenario, run = captures
    taken = agents(run, "captured")
    ts = run.timeseries
    serving = ts[ts.status == "serving"].groupby("date").agents.sum().to_numpy()[:-1]
    combat = compile_scenario(scenario).calendar.combat[0]
    expected = float((serving * 0.002 * combat).sum())
    assert taken > 100
    assert 0.7 * expected < taken < 1.3 * expected


def test_captured_men_stay_captured(captures: tuple[Scenario, RunResult]) -> None:
    _, run = captures
    assert run.events[run.events.from_status == "captured"].empty  # nobody leaves captivity
    assert final(run, "captured") == agents(run, "captured")


def test_no_capture_rate_no_captures(isis: Scenario) -> None:
    run = desertion.simulate(isis.with_overrides(
        {"events": [{"kind": "combat", "start": START, "intensity": 5.0}]}), seed=1)
    assert agents(run, "killed") > 0
    assert agents(run, "captured") == 0 and final(run, "captured") == 0


# -- 4. sanction mixes and trials ---------------------------------------------------------

def test_sentences_draw_outcomes_at_their_probabilities() -> None:
    p = np.array([0.1, 0.0, 0.05, 0.3, 0.2, 0.25, 0.1])
    n = 200_000
    drawn = enforcement.sentences(np.tile(p, (n, 1)), np.random.default_rng(0).random(n))
    counts = np.bincount(drawn, minlength=N_SANCTIONS)
    assert counts[Sanction.FINE] == 0
    for code in range(N_SANCTIONS):
        assert within(int(counts[code]), n, float(p[code]))


def test_certain_marks_mixes_of_one_outcome() -> None:
    mixes = np.array([sanction_mix("prison"), sanction_mix(MIX), sanction_mix({"fine": 1.0})])
    np.testing.assert_array_equal(enforcement.certain(mixes), [True, False, True])
    np.testing.assert_array_equal(enforcement.sentences(mixes[[0, 2]], np.array([0.99, 0.0])),
                                  [Sanction.PRISON, Sanction.FINE])


def test_expected_severity_of_mixes_and_acquittals() -> None:
    params, codes = DEFAULTS.severity, np.arange(N_SANCTIONS)
    table = severity_table(codes, np.array(90), params)
    np.testing.assert_array_equal(expected_severity(np.eye(N_SANCTIONS), 90, 0.0, params),
                                  table)
    mix = sanction_mix(MIX)
    assert expected_severity(mix[None, :], 90, 0.25, params)[0] == pytest.approx(
        0.75 * float(mix @ table))
    assert expected_severity(mix[None, :], 90, 1.0, params)[0] == 0.0


def test_a_run_sentences_deserters_in_the_mixs_shares() -> None:
    scenario = desertion.load_scenario("isis-2014").with_overrides(
        {"scale": 0.1, "factions.isis.sanctions.desertion": MIX,
         "factions.isis.sanctions.acquittal": 0.25})
    run = desertion.simulate(scenario, seed=1)
    caught = run.events[run.events.detail == "desertion"]
    by = caught.groupby("event").agents.sum()
    accused = int(by.sum())
    assert accused > 200 and set(by.index) <= {"acquitted", "executed", "jailed", "beaten",
                                               "family_punished"}
    assert within(int(by.get("acquitted", 0)), accused, 0.25)
    convicted = accused - int(by.get("acquitted", 0))
    for event, outcome in (("executed", "execution"), ("jailed", "prison"),
                           ("beaten", "corporal"), ("family_punished", "reprisal")):
        assert within(int(by.get(event, 0)), convicted, MIX[outcome]), event
    assert caught["count"].sum() == pytest.approx(accused / 0.1)


@pytest.mark.parametrize(("mix", "says"), [
    ({"execution": 0.5, "prison": 0.3}, "add up to 1"),
    ({"execution": 0.5, "flogging": 0.5}, "flogging"),
])
def test_bad_mixes_are_refused_naming_the_key(isis: Scenario, mix: dict[str, float],
                                              says: str) -> None:
    with pytest.raises(ScenarioError) as err:
        isis.with_overrides({"factions.isis.sanctions.desertion": mix})
    assert "sanctions.desertion" in str(err.value) and says in str(err.value)


def test_a_policy_event_sets_a_mix_on_its_date(isis: Scenario) -> None:
    cruel = {"corporal": 0.5, "reprisal": 0.5}
    scenario = isis.with_overrides({"scale": 0.05, "events": [
        *[e.model_dump() for e in isis.events],
        {"kind": "policy", "faction": "isis", "start": JULY, "set": {"desertion": cruel}}]})
    model = build(scenario, seed=1)
    for _ in range(31):
        if model.day == 30:
            np.testing.assert_array_equal(model.state.policy.sanction[0, Offence.DESERTION],
                                          sanction_mix("execution"))
        model.step()
    np.testing.assert_array_equal(model.state.policy.sanction[0, Offence.DESERTION],
                                  sanction_mix(cruel))
    events = desertion.simulate(scenario, seed=1).events
    mild = events[events.event.isin(["beaten", "family_punished"])]
    assert len(mild) > 0 and (mild.date >= pd.Timestamp(JULY)).all()


def test_a_rule_compiles_a_mix(isis: Scenario) -> None:
    rule = {"metric": "strength_ratio", "below": 0.5, "set": {"desertion": MIX,
                                                              "acquittal": 0.1}}
    compiled = compile_scenario(isis.with_overrides({"factions.isis.rules": [rule]}))
    update = compiled.rules[0].update
    assert len(update.sanctions) == 1 and update.sanctions[0][0] == Offence.DESERTION
    np.testing.assert_array_equal(update.sanctions[0][1], sanction_mix(MIX))
    assert dict(update.values)["acquittal"] == 0.1


# -- 5. reprisals embitter the unit ---------------------------------------------------------

def test_reprisals_are_a_driver_of_hardship() -> None:
    args = [np.array([0.1, 0.1]), np.zeros(2), 0.0, 0.0, 1.0, 0.0, np.zeros(2),
            DEFAULTS.disaffection]
    without = disaffection.hardship_drivers(*args)
    with_them = disaffection.hardship_drivers(*args, reprisals=np.array([0.0, 0.1]))
    assert with_them[0] == without[0]
    assert with_them[1] == pytest.approx(without[1] + DEFAULTS.disaffection.reprisal_weight
                                         * 0.1)


def test_reprisals_leave_the_ranks_harder_than_equal_corporal_punishment() -> None:
    def hardship(sanction: str) -> tuple[float, int]:
        scenario = desertion.load_scenario("isis-2014").with_overrides(
            {"scale": 0.05, "factions.isis.sanctions.desertion": sanction,
             "mechanisms.severity.corporal": 0.3, "mechanisms.severity.reprisal": 0.3})
        model = build(scenario, seed=1)
        for _ in range(model.n_steps):
            model.step()
        serving = model.people.status == Status.SERVING
        return float(model.people.hardship[serving].mean()), int(model.units.recent_reprisals
                                                                 .sum() > 0)
    corporal, reprisal = hardship("corporal"), hardship("reprisal")
    assert reprisal[1] == 1 and corporal[1] == 0
    assert reprisal[0] > corporal[0] + 0.05


def test_a_schedule_opens_a_surrender_programme_on_its_date() -> None:
    base = desertion.load_scenario("isis-2014").with_overrides(
        {"scale": 0.05, "factions.isis.rewards.surrender": 0.4})
    data = base.model_dump(mode="json")
    data["schedules"] = [{"parameter": "barriers.surrender", "faction": "isis",
                          "values": [["2014-09-01", 0.1]]}]
    run = desertion.simulate(validate_scenario(data, "<test>"), seed=1)
    ev = run.events
    surrendered = ev[(ev["event"] == "escaped") & (ev["detail"] == "surrender")]
    assert surrendered["count"].sum() > 0
    assert surrendered["date"].min() >= pd.Timestamp("2014-09-01")


def test_a_schedule_date_after_the_calendar_is_a_warning_not_an_error() -> None:
    data = desertion.load_scenario("isis-2014").model_dump(mode="json")
    data["schedules"] = [{"parameter": "barriers.hide", "faction": "isis",
                          "values": [["2014-07-01", 0.1], ["2030-01-01", 0.2]]}]
    scenario = validate_scenario(data, "<test>")
    assert any("schedules[0] (barriers.hide): 1 of its dates fall after" in w
               for w in scenario.warnings())
