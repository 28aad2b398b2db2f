"""The sweep command: checks, runs, resumes, reports; Dask and dask-jobqueue options."""

from __future__ import annotations

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
    assert result.exit_code == 0, result.output
    assert "8 ok, 4 failed of 12 runs in results/experiment" in result.output
    assert "failed: ValueError: boom at x1=0.3" in result.output
    again = runner.invoke(app, ["sweep", str(path), "--no-progress"])
    assert "this call ran 0 (skipped 12 already recorded)" in again.output
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
