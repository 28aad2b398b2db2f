"""The sweep command: checks, runs, resumes, reports; Dask and dask-jobqueue options."""

from __future__ import annotations

import dataclasses
import os
import sys
import types
from pathlib import Path

import pytest
from typer.testing import CliRunner

from desertion.cli import app
from desertion.experiments import load_results

from .conftest import TOY_EXPERIMENT

runner = CliRunner()


def test_check_prints_the_plan_and_writes_nothing(write, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = write(TOY_EXPERIMENT)
    result = runner.invoke(app, ["sweep", str(path), "--check"])
    assert result.exit_code == 0, result.output
    assert "grid: 6 points x 2 replications = 12 runs" in result.output
    assert "'red', 'blue'" in result.output and "no results yet" in result.output
    assert not (tmp_path / "results").exists()


def test_sweep_runs_reports_and_resumes(write, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = write(TOY_EXPERIMENT, scenario="fail_at = 0.3\n")
    result = runner.invoke(app, ["sweep", str(path), "--workers", "0", "--no-progress"])
    assert result.exit_code == 1, result.output  # failed runs: the summary, then status 1
    assert "8 ok, 4 failed of 12 runs in results/experiment" in result.output
    assert "failed: ValueError: boom at x1=0.3" in result.output
    again = runner.invoke(app, ["sweep", str(path), "--no-progress"])
    assert "this call ran 0 (skipped 12 already recorded)" in again.output
    assert again.exit_code == 1, "the failed runs recorded earlier still count"
    check = runner.invoke(app, ["sweep", str(path), "--check"])
    assert "12 of 12 runs recorded (4 failed)" in check.output


def test_sweep_shows_a_progress_bar(write, tmp_path: Path) -> None:
    path = write(TOY_EXPERIMENT)
    result = runner.invoke(app, ["sweep", str(path), "--workers", "0", "--out",
                                 str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    for part in ("experiment", "12/12", "0 failed", "runs/s", "ETA"):
        assert part in result.output


def test_a_bad_file_exits_with_the_file_and_key(write) -> None:
    path = write(TOY_EXPERIMENT.replace("x1 = [0.1, 0.3, 0.5]", "x3 = [0.1]"))
    result = runner.invoke(app, ["sweep", str(path)])
    assert result.exit_code == 2
    assert f"{path}: parameters.x3: not a parameter of the base scenario" in result.output


def test_a_changed_file_exits_with_a_manifest_mismatch(write, tmp_path: Path) -> None:
    path = write(TOY_EXPERIMENT)
    out = str(tmp_path / "out")
    assert runner.invoke(app, ["sweep", str(path), "--workers", "0", "--out", out]
                         ).exit_code == 0
    write(TOY_EXPERIMENT.replace("root_seed = 11", "root_seed = 12"))
    result = runner.invoke(app, ["sweep", str(path), "--workers", "0", "--out", out])
    assert result.exit_code == 2
    assert "manifest mismatch" in result.output and "root_seed" in result.output


def test_sweep_on_a_running_dask_scheduler(write, tmp_path: Path, dask_client) -> None:
    path = write(TOY_EXPERIMENT)
    address = dask_client.scheduler.address
    assert address.startswith("tcp://127.0.0.1:")
    result = runner.invoke(app, ["sweep", str(path), "--dask", address, "--out",
                                 str(tmp_path / "out"), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "12 ok, 0 failed" in result.output and "(dask)" in result.output
    frame = load_results(tmp_path / "out")
    assert len(frame) == 12  # and none of the runs ran in this process
    assert not frame["worker"].str.endswith(f":{os.getpid()}").any()


def test_jobqueue_starts_the_configured_cluster(write, tmp_path: Path, dask_client,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[object] = []

    class SLURMCluster:  # stands for dask_jobqueue's: jobs on the test cluster's workers
        def __init__(self) -> None:
            self.scheduler_address = dask_client.scheduler.address
            self.jobs = 0
            self.closed = False
            made.append(self)

        def scale(self, jobs: int) -> None:
            self.jobs = jobs

        def close(self) -> None:
            self.closed = True

    monkeypatch.setitem(sys.modules, "dask_jobqueue",
                        types.SimpleNamespace(SLURMCluster=SLURMCluster))
    path = write(TOY_EXPERIMENT)
    result = runner.invoke(app, ["sweep", str(path), "--jobqueue", "slurm", "--jobs", "3",
                                 "--out", str(tmp_path / "out"), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "12 ok" in result.output
    assert len(made) == 1 and made[0].jobs == 3 and made[0].closed


def test_jobqueue_without_dask_jobqueue_says_what_to_install(write, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    monkeypatch.setitem(sys.modules, "dask_jobqueue", None)
    path = write(TOY_EXPERIMENT)
    result = runner.invoke(app, ["sweep", str(path), "--jobqueue", "pbs",
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "pip install 'desertion[cluster]'" in result.output


# --- exit statuses, and the options both experiment commands share ---------------------------

MORRIS_FAILING = """
    root_seed = 8
    outcomes = ["mean"]
    [base]
    scenario = "toy.toml"
    [design]
    kind = "morris"
    samples = 4
    levels = 4
    [parameters]
    x1 = { low = 0.0, high = 1.0 }
    x2 = { low = 0.0, high = 1.0 }
"""


def test_sensitivity_with_failed_runs_reports_them_then_exits_with_1(write, tmp_path: Path
                                                                      ) -> None:
    path = write(MORRIS_FAILING, scenario="fail_at = 1.0\n")  # one of the 4 levels of x1
    out = tmp_path / "out"
    result = runner.invoke(app, ["sensitivity", str(path), "--workers", "0", "--out",
                                 str(out), "--no-progress", "--no-plot"])
    assert result.exit_code == 1, result.output
    frame = load_results(out)
    failed = int((frame["status"] == "failed").sum())
    assert 0 < failed < len(frame)
    assert f"{len(frame) - failed} ok, {failed} failed" in result.output
    assert (out / "sensitivity.csv").exists(), "the analysis is still written"
    # --retry-failed, as for sweep: the failed runs (only) are run again, and fail again
    again = runner.invoke(app, ["sensitivity", str(path), "--workers", "0", "--out",
                                str(out), "--no-progress", "--no-plot", "--retry-failed"])
    assert again.exit_code == 1, again.output
    assert f"this call ran {failed} (skipped {len(frame) - failed} already" in again.output


def test_sensitivity_check_prints_the_plan_and_writes_nothing(write, tmp_path: Path) -> None:
    path = write(MORRIS_FAILING)
    out = tmp_path / "out"
    result = runner.invoke(app, ["sensitivity", str(path), "--check", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "morris: 12 points x 1 replications = 12 runs" in result.output
    assert not out.exists()


def test_sweep_and_sensitivity_share_one_definition_of_their_options() -> None:
    from typer.main import get_command

    from desertion.experiments.cli import SweepOptions

    commands = get_command(app).commands  # type: ignore[attr-defined]
    shared = [f.name for f in dataclasses.fields(SweepOptions)]
    for name in ("sweep", "sensitivity"):
        params = {p.name: p for p in commands[name].params}
        assert set(shared) <= set(params), name
        assert "--check" in params["check"].opts and "--retry-failed" in params[
            "retry_failed"].opts
        assert "exits with 1 if any run" in (commands[name].help or "").lower()
    options = {name: [(p.name, p.opts, p.default, p.help) for p in commands[name].params
                      if p.name in shared] for name in ("sweep", "sensitivity")}
    assert options["sweep"] == options["sensitivity"]


@pytest.mark.parametrize("command", ["sweep", "sensitivity"])
def test_ctrl_c_prints_one_line_and_exits_with_130(command: str, write, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from desertion.experiments import cli

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run_experiment", interrupted)
    path = write(MORRIS_FAILING)
    out = tmp_path / "odd[/x]out"  # printed as given, not read as markup
    result = runner.invoke(app, [command, str(path), "--out", str(out)])
    assert result.exit_code == 130, result.output
    assert result.output.strip().splitlines() == [
        f"interrupted: finished runs are recorded in {out}; run the same command again to "
        "resume"]
