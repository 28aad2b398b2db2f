"""Calibration end to end: reproducible across workers and executors, resumable, and
honest about what its figures cannot pin down (the recovery coverage is tested on the
shipped quick calibration, tests/calibration/test_calibrate_cli.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from desertion.calibration import CalibrationError, Posterior, calibration_from_dict
from desertion.calibration.calibrate import calibrate
from desertion.calibration.report import NOT_IDENTIFIED, identifiability

FIGURES = ("id,date,faction,quantity,value,low,high,source,quality,note\n"
           "isis_strength,2014-09-11,isis,fighters,25750,20000,31500,CIA,solid,\n"
           "foreign_joined_august,2014-08-31,isis,foreign volunteers in August,1750,1500,"
           "2000,test figure,rough,\n")
VOLUNTEERS = "factions.isis.recruitment.local_volunteers_per_day"
FOREIGN = "factions.isis.recruitment.foreign_volunteers_per_month"
CODE = "factions.isis.enforcement.code_violation_rate"


def tiny(folder: Path, simulations: int = 40, **method: Any) -> Any:
    """isis-2014 at scale 0.01 to mid-September: two observations, two strong parameters
    and one (code violations) that they cannot see."""
    figures = folder / "figures.csv"
    figures.write_text(FIGURES)
    return calibration_from_dict({
        "name": "tiny", "seed": 7, "observations": str(figures),
        "base": {"scenario": "isis-2014", "set": {"scale": 0.01}, "until": "2014-09-15"},
        "observe": [
            {"id": "isis_strength", "date": "2014-09-11", "measure": "in_ranks",
             "faction": "isis", "on": "2014-09-11"},
            {"id": "foreign_joined_august", "date": "2014-08-31", "measure": "events",
             "event": "joined", "faction": "isis", "detail": "foreign_volunteer",
             "first": "2014-08-01", "last": "2014-08-31"}],
        "parameters": {VOLUNTEERS: {"prior": "uniform", "low": 10, "high": 80},
                       FOREIGN: {"prior": "uniform", "low": 1000, "high": 3000},
                       CODE: {"prior": "loguniform", "low": 3e-7, "high": 6e-6}},
        "method": {"simulations": simulations, "posterior_draws": 500, "ppc_draws": 0,
                   "max_epochs": 200, **method},
    }, source="tiny", directory=folder)


@pytest.fixture(scope="module")
def on_two_workers(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("two")
    return calibrate(tiny(folder), out=folder / "out", workers=2)


def test_a_calibration_resumes_and_extends_to_the_same_posterior(tmp_path: Path,
                                                                 on_two_workers: Any) -> None:
    first = calibrate(tiny(tmp_path, simulations=20, ppc_draws=4), out=tmp_path / "out",
                      workers=2)
    assert len(pd.read_parquet(next((tmp_path / "out" / "simulations" / "runs").glob(
        "*.parquet")))) > 0
    assert first.diagnostics["simulations"] == 20
    more = calibrate(tiny(tmp_path, simulations=40, ppc_draws=4), out=tmp_path / "out",
                     workers=2)
    assert more.diagnostics["simulations"] == 40
    pd.testing.assert_frame_equal(more.posterior.draws, on_two_workers.posterior.draws)
    # the predictive runs are those of the refitted posterior, not the first one's
    from desertion.experiments import load_results
    ppc = load_results(tmp_path / "out" / "ppc")[[VOLUNTEERS, FOREIGN, CODE]]
    final = {tuple(row) for row in more.posterior.draws[[VOLUNTEERS, FOREIGN, CODE]].to_numpy()}
    assert len(ppc) == 4 and all(tuple(row) in final for row in ppc.to_numpy())


def test_written_posterior_loads_and_samples(on_two_workers: Any) -> None:
    loaded = Posterior.load(on_two_workers.out)
    pd.testing.assert_frame_equal(loaded.draws, on_two_workers.posterior.draws)
    assert loaded.info["seed"] == 7 and loaded.info["desertion_version"]
    assert loaded.scenario_set == {"scale": 0.01}
    assert set(loaded.priors()) == {VOLUNTEERS, FOREIGN, CODE}
    a, b = loaded.sample(50, seed=3), loaded.sample(50, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(loaded.sample(50, seed=4))


def test_another_calibrations_folder_is_refused(tmp_path: Path, on_two_workers: Any) -> None:
    other = tiny(tmp_path)
    other = calibration_from_dict({**other.spec.model_dump(mode="json", exclude_none=True),
                                   "seed": 8}, source="tiny", directory=tmp_path)
    with pytest.raises(CalibrationError, match="different calibration"):
        calibrate(other, out=on_two_workers.out, workers=0)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(CalibrationError, match="not empty"):
        calibrate(other, out=mine, workers=0)
    assert (mine / "notes.txt").read_text() == "keep me"


def test_shipped_fits_report_what_their_figures_cannot_pin_down() -> None:
    """saa-2014's two documented figures leave its five parameters at their priors: the
    fit says so (873 of its 1,000 prior runs fall inside both ranges)."""
    saa = Posterior.load("saa-2014")
    verdicts = identifiability(saa.priors(), saa.draws)
    assert (verdicts["verdict"] == NOT_IDENTIFIED).all()
    assert (verdicts["sd_ratio"] > 0.8).all()
    isis = identifiability(*(lambda p: (p.priors(), p.draws))(Posterior.load("isis-2014")))
    assert isis.set_index("parameter").at[FOREIGN, "verdict"] == "identified"
    # the Confederacy's executions pin down how closely its units were watched
    csa = Posterior.load("csa-1862")
    watch = identifiability(csa.priors(), csa.draws).set_index("parameter")
    assert watch.at["factions.csa.enforcement.watchers_per_unit", "verdict"] == "identified"


@pytest.mark.slow
def test_posterior_is_the_same_on_dask(tmp_path: Path, on_two_workers: Any) -> None:
    on_dask = calibrate(tiny(tmp_path), out=tmp_path / "out", dask="local", workers=2)
    pd.testing.assert_frame_equal(on_dask.posterior.draws, on_two_workers.posterior.draws)


def test_in_process_with_failed_runs_retried_gives_the_two_workers_posterior(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, on_two_workers: Any) -> None:
    """In this process, half the runs failing and run again on resume: the posterior is
    the one two worker processes gave without failures."""
    import desertion.experiments.executors as executors
    from desertion.experiments.worker import RunRecord

    real = executors.execute_run
    calls = {"n": 0}

    def flaky(context: Any, run: Any) -> Any:
        calls["n"] += 1
        if run.run_id % 2:  # every odd run's worker "dies"
            return RunRecord.failed(run, "WorkerDied: test")
        return real(context, run)

    monkeypatch.setattr(executors, "execute_run", flaky)
    cal = tiny(tmp_path, simulations=40)
    first = calibrate(cal, out=tmp_path / "out", workers=0)
    assert first.diagnostics["usable runs"] == 20
    monkeypatch.setattr(executors, "execute_run", real)
    again = calibrate(cal, out=tmp_path / "out", workers=0)
    assert again.diagnostics["usable runs"] == 40
    assert calls["n"] == 40  # the second pass ran only the 20 failed runs, unpatched
    pd.testing.assert_frame_equal(again.posterior.draws, on_two_workers.posterior.draws)
    assert again.posterior.draws.shape == (500, 3)
    assert again.posterior.draws[VOLUNTEERS].std() > 0  # the draws spread
