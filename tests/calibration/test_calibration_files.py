"""Calibration files: priors, observations and every refusal, before anything runs."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from desertion.calibration import CalibrationError, calibration_from_dict, load_calibration
from desertion.calibration.observations import transform
from desertion.calibration.priors import LogUniform, Normal, TruncatedNormal, Uniform
from desertion.calibration.spec import shipped_calibrations

BASE: dict[str, Any] = {
    "name": "tiny", "seed": 1,
    "base": {"scenario": "isis-2014", "set": {"scale": 0.01}},
    "observe": [{"id": "isis_strength", "date": "2014-09-11", "measure": "in_ranks",
                 "faction": "isis", "on": "2014-09-11"}],
    "parameters": {"factions.isis.barriers.home": {"prior": "uniform", "low": 0.05,
                                                    "high": 0.3}},
}


def variant(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data.update(changes)
    return data


def refused(data: dict[str, Any]) -> CalibrationError:
    with pytest.raises(CalibrationError) as info:
        calibration_from_dict(data, source="tiny.toml")
    return info.value


# --- priors -------------------------------------------------------------------------------

@pytest.mark.parametrize("prior", [
    Uniform(prior="uniform", low=2, high=5),
    LogUniform(prior="loguniform", low=1e-6, high=1e-3),
    Normal(prior="normal", mean=3, sd=2),
    TruncatedNormal(prior="truncnormal", mean=0.3, sd=0.2, low=0, high=1),
])
def test_prior_quantiles_round_trip_and_give_the_prior(prior: Any) -> None:
    u = np.random.default_rng(0).random(20_000)
    x = prior.ppf(u)
    np.testing.assert_allclose(prior.cdf(x), u, atol=1e-9)
    low, high = prior.support()
    assert x.min() >= low and x.max() <= high
    # the unit cube mapped by ppf is the prior itself: its mean (scipy's) is recovered
    assert abs(x.mean() - prior._dist().mean()) < 4 * prior._dist().std() / np.sqrt(len(u))


def test_prior_with_empty_range_is_refused() -> None:
    error = refused(variant(parameters={"factions.isis.barriers.home": {
        "prior": "uniform", "low": 0.3, "high": 0.1}}))
    assert 'parameters."factions.isis.barriers.home"' in str(error) or \
        "factions.isis.barriers.home" in str(error)
    assert "must be above low" in str(error)


# --- the shipped files and a good one ---------------------------------------------------

def test_shipped_calibrations_load() -> None:
    assert {"isis-2014", "isis-2014-quick", "saa-2014", "csa-1862-quick"} <= set(
        shipped_calibrations())
    for name in shipped_calibrations():
        cal = load_calibration(name)
        assert len(cal.parameters) >= 1 and cal.observations
        if cal.base.start.year == 2014:  # the Syrian fits
            # no 2015 figure is fitted: the forecast through 2015 is checked out of sample
            assert all(o.date.year == 2014 for o in cal.observations), name
    # the Confederate fit reads its conflict's own figures, and leaves 1864-65 out
    csa = load_calibration("csa-1862-quick")
    assert {o.id for o in csa.observations} == {"csa_deserters_total", "csa_executions_all",
                                                "csa_strength"}
    assert all(o.date.year < 1864 for o in csa.observations if o.id == "csa_strength")
    assert len(load_calibration("isis-2014").parameters) >= 5
    assert len(load_calibration("saa-2014").parameters) >= 5


def test_interval_observation_is_its_midpoint_with_uniform_error() -> None:
    cal = calibration_from_dict(BASE)
    (obs,) = cal.observations
    assert (obs.low, obs.high, obs.error) == (20000.0, 31500.0, "interval")
    assert obs.observed == 25750.0
    noise = obs.noise(np.random.default_rng(1), 50_000)
    assert -5750 <= noise.min() and noise.max() <= 5750
    assert abs(noise.std() - 11500 / np.sqrt(12)) < 50
    assert obs.consistent(31000, 40000) and not obs.consistent(31600, 40000)


def test_point_observation_needs_an_error_model(tmp_path: Path) -> None:
    figures = tmp_path / "figures.csv"
    figures.write_text("id,date,faction,quantity,value,low,high,source,quality,note\n"
                       "strength,2014-09-11,isis,fighters,25000,,,a report,rough,\n")
    observe = [{"id": "strength", "date": "2014-09-11", "measure": "in_ranks",
                "faction": "isis", "on": "2014-09-11"}]
    data = variant(observations=str(figures), observe=observe)
    error = refused(data)
    assert "observe[0].error" in str(error) and "point value" in str(error)
    data["observe"][0].update(error="relative", sd=0.2)
    (obs,) = calibration_from_dict(data).observations
    assert obs.observed == 25000 and obs.error == "relative"
    assert abs(obs.noise(np.random.default_rng(2), 40_000).std() - 5000) < 100


def test_signed_log_transform_is_one_to_one() -> None:
    x = np.array([-1000.0, -1.0, 0.0, 1.0, 25_750.0])
    y = transform(x)
    assert np.all(np.diff(y) > 0) and y[2] == 0.0


# --- refusals: each names the file, the key and what was expected ------------------------

def test_unknown_parameter_is_refused() -> None:
    error = refused(variant(parameters={"factions.isis.barriers.hom": {
        "prior": "uniform", "low": 0.1, "high": 0.2}}))
    assert str(error).startswith("tiny.toml: ")
    assert "factions.isis.barriers.hom" in str(error)


def test_prior_outside_the_parameters_domain_is_refused() -> None:
    path = "factions.isis.enforcement.checkpoint"  # a share: 0 to 1
    error = refused(variant(parameters={path: {"prior": "uniform", "low": 0.5, "high": 1.5}}))
    text = str(error)
    assert path in text and "outside the parameter's domain" in text
    # an unbounded prior on a share is refused too (its tails leave [0, 1])
    error = refused(variant(parameters={path: {"prior": "normal", "mean": 0.2, "sd": 0.05}}))
    assert "truncate" in str(error)
    # a barrier is only bounded below
    error = refused(variant(parameters={"factions.isis.barriers.home": {
        "prior": "normal", "mean": 0.2, "sd": 0.1}}))
    assert "factions.isis.barriers.home" in str(error)
    calibration_from_dict(variant(parameters={path: {
        "prior": "truncnormal", "mean": 0.2, "sd": 0.05, "low": 0, "high": 1}}))


@pytest.mark.parametrize(("change", "key", "expected"), [
    ({"faction": "hamas"}, "observe[0].faction", "no faction of the scenario"),
    ({"measure": "events", "event": "mutinied", "first": "2014-07-01", "last": "2014-07-31"},
     "observe[0].event", "no event kind"),
    ({"measure": "outcome", "outcome": "strength_end_hamas"}, "observe[0].outcome",
     "no outcome of this scenario"),
    ({"measure": "status", "status": "resting"}, "observe[0].status", "no status"),
    ({"id": "isis_strength", "date": "2014-09-12"}, "observe[0]", "not in the observations"),
    ({"measure": "events"}, "observe[0]", "needs event, first, last"),
])
def test_observation_that_maps_onto_no_output_is_refused(change: dict[str, Any], key: str,
                                                         expected: str) -> None:
    data = variant()
    data["observe"][0].update(change)
    text = str(refused(data))
    assert f"tiny.toml: {key}" in text and expected in text


def test_observation_outside_the_runs_dates_is_refused() -> None:
    data = variant(base={"scenario": "isis-2014", "set": {"scale": 0.01},
                         "until": "2014-08-31"})
    text = str(refused(data))
    assert "observe[0]" in text and "outside the run's 2014-06-01..2014-08-31" in text


def test_unknown_key_and_bad_toml_are_refused(tmp_path: Path) -> None:
    assert "unknown key" in str(refused(variant(methd={"simulations": 10})))
    path = tmp_path / "bad.toml"
    path.write_text("seed = [")
    with pytest.raises(CalibrationError, match=r"bad\.toml: not valid TOML"):
        load_calibration(path)
    with pytest.raises(CalibrationError, match="no such file"):
        load_calibration(tmp_path / "missing.toml")


def test_observations_file_in_the_wrong_shape_is_refused(tmp_path: Path) -> None:
    figures = tmp_path / "figures.csv"
    figures.write_text("name,value\nx,1\n")
    text = str(refused(variant(observations=str(figures))))
    assert "observations" in text and "lacks the columns" in text


def test_runs_record_only_the_event_kinds_a_measure_may_name() -> None:
    import desertion
    from desertion.manpower.codes import EVENT_NAMES

    run = desertion.simulate(desertion.load_scenario("syria-2014", scale=0.005,
                                                     extend_through_2015=True), seed=3)
    recorded = set(run.events["event"].unique())
    assert recorded <= set(EVENT_NAMES)
    assert len(recorded) >= 12  # the run exercises most of them
