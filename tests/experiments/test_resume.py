"""Resuming: a sweep killed (SIGKILL) or interrupted (Ctrl-C) mid-way loses at most the runs
in flight; rerunning completes it to the same dataset; a changed experiment is refused."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import desertion
from desertion.experiments import ExperimentError, load_results, run_experiment
from desertion.experiments.store import ResultStore

from .conftest import TOY_EXPERIMENT, comparable

TESTS = Path(__file__).resolve().parents[1]
SLOW_TOY = TOY_EXPERIMENT.replace("x1 = [0.1, 0.3, 0.5]",
                                  "x1 = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]")
CLI = ("from experiments.toymodel import register_toy; register_toy(); "
       "from desertion.cli import app; app()")


def _start_cli(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(TESTS), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, "-c", CLI, *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def _wait_for_runs(out: Path, n: int, proc: subprocess.Popen[str], timeout: float = 60.0
                   ) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (out / "manifest.json").exists() and len(ResultStore(out).finished()) >= n:
            return
        if proc.poll() is not None:
            raise AssertionError(f"the sweep ended early:\n{proc.communicate()[0]}")
        time.sleep(0.02)
    raise AssertionError(f"fewer than {n} runs recorded after {timeout} s")


def _reference(write, tmp_path: Path, text: str) -> pd.DataFrame:
    path = write(text, name="reference.toml")
    return comparable(load_results(run_experiment(path, out=tmp_path / "ref",
                                                  workers=0).out))


@pytest.mark.parametrize("how", ["SIGKILL", "Ctrl-C"])
def test_an_interrupted_sweep_resumes_to_the_same_dataset(how: str, write, tmp_path: Path
                                                          ) -> None:
    path = write(SLOW_TOY, scenario="sleep = 0.05\n")
    reference = _reference(write, tmp_path, SLOW_TOY)
    out = tmp_path / "results" / "experiment"
    proc = _start_cli(["sweep", str(path), "--workers", "2", "--no-progress"], tmp_path)
    try:
        _wait_for_runs(out, 6, proc)
        if how == "SIGKILL":  # the whole session: the sweep, its fork server and workers
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # what a terminal sends to the foreground process group
            os.killpg(proc.pid, signal.SIGINT)
        output = proc.communicate(timeout=30)[0]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    if how == "SIGKILL":
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == 130, output
        assert "interrupted" in output and "run the same command again" in output
    recorded = ResultStore(out).finished()
    assert 6 <= len(recorded) < 40, "the kill must land mid-sweep"
    partial = comparable(load_results(out))
    # what was recorded before the kill is exactly what an uninterrupted sweep records
    pd.testing.assert_frame_equal(
        partial, reference[reference["run_id"].isin(partial["run_id"])].reset_index(drop=True))
    summary = run_experiment(path, workers=2, out=out)
    assert summary.skipped == len(recorded)
    assert summary.ran == 40 - len(recorded)
    assert (summary.ok, summary.failed) == (40, 0)
    pd.testing.assert_frame_equal(comparable(load_results(out)), reference)


def test_a_changed_experiment_is_refused_in_the_same_folder(write, tmp_path: Path) -> None:
    path = write(TOY_EXPERIMENT)
    out = tmp_path / "out"
    first = run_experiment(path, out=out, workers=0)
    assert first.ran == 12
    # a comment, or the out key, changes nothing the results depend on
    write('# a note\nout = "elsewhere"\n' + TOY_EXPERIMENT)
    assert run_experiment(path, out=out, workers=0).ran == 0
    write(TOY_EXPERIMENT.replace("replications = 2", "replications = 3"))
    with pytest.raises(ExperimentError, match=r"manifest mismatch.*differs in: "
                       r"replications.*refusing to mix"):
        run_experiment(path, out=out, workers=0)
    write(TOY_EXPERIMENT, scenario="a = 5.0\n")  # the base scenario changed under it
    with pytest.raises(ExperimentError, match=r"manifest mismatch.*differs in: "
                       r"base_scenario"):
        run_experiment(path, out=out, workers=0)
    write(TOY_EXPERIMENT, scenario="")
    assert len(load_results(out)) == 12, "the refused runs wrote nothing"
    assert run_experiment(path, out=out, workers=0).ran == 0


def test_results_of_another_version_are_refused(write, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(TOY_EXPERIMENT)
    run_experiment(path, out=tmp_path / "out", workers=0, run_ids=[0, 1])
    monkeypatch.setattr(desertion, "__version__", "99.0")
    with pytest.raises(ExperimentError, match=r"written by desertion .*this is 99.0"):
        run_experiment(path, out=tmp_path / "out", workers=0)


def test_runs_can_be_done_in_parts(write, tmp_path: Path) -> None:
    path = write(TOY_EXPERIMENT)
    out = tmp_path / "out"
    assert run_experiment(path, out=out, workers=0, run_ids=[11, 3, 5]).ran == 3
    assert sorted(ResultStore(out).finished()) == [3, 5, 11]
    rest = run_experiment(path, out=out, workers=2)
    assert (rest.skipped, rest.ran, rest.ok) == (3, 9, 12)
    assert rest.complete
    pd.testing.assert_frame_equal(comparable(load_results(out)),
                                  _reference(write, tmp_path, TOY_EXPERIMENT))


def test_reordered_parameters_are_a_different_experiment(write, tmp_path: Path) -> None:
    path = write(TOY_EXPERIMENT)
    run_experiment(path, out=tmp_path / "out", workers=0, run_ids=[0])
    swapped = TOY_EXPERIMENT.replace('x1 = [0.1, 0.3, 0.5]\n    label = ["red", "blue"]',
                                     'label = ["red", "blue"]\n    x1 = [0.1, 0.3, 0.5]')
    assert swapped != TOY_EXPERIMENT
    write(swapped)  # the same points, numbered differently: results would be mislabelled
    with pytest.raises(ExperimentError, match=r"differs in: parameter_order"):
        run_experiment(path, out=tmp_path / "out", workers=0)
