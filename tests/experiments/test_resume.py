"""Resuming: a sweep killed (SIGKILL) or interrupted (Ctrl-C) mid-way loses at most the runs
in flight, and leaves no process behind; rerunning completes it to the same dataset; a
changed experiment is refused, and so is a second sweep on a folder while one runs."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import desertion
from desertion.experiments import ExperimentError, load_results, run_experiment
from desertion.experiments.store import ResultsFolderError, ResultStore

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
        # one line, no traceback (from the sweep, its fork server or its workers)
        assert output.strip().splitlines() == [
            f"interrupted: finished runs are recorded in {Path('results') / 'experiment'}; "
            "run the same command again to resume"], output
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


def _session_processes(session: int) -> dict[int, str]:
    """The processes of ``session`` that have not exited (a zombie has): pid -> command."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # it has just gone
            continue
        state, _ppid, _group, its_session = stat[stat.rindex(")") + 2:].split()[:4]
        if int(its_session) == session and state not in ("Z", "X"):
            found[int(entry.name)] = command[:100]
    return found


def _wait_for_no_processes(session: int, timeout: float) -> dict[int, str]:
    deadline = time.monotonic() + timeout
    while (left := _session_processes(session)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="lists processes in /proc")
def test_a_killed_sweep_leaves_no_process_behind_and_resumes(write, tmp_path: Path) -> None:
    # only the sweep's own process is killed, as the OOM killer or `kill -9 PID` would:
    # its fork server, resource tracker and workers must notice, and go
    reference = _reference(write, tmp_path, SLOW_TOY)
    path = write(SLOW_TOY, scenario="sleep = 0.2\n")  # the workers are mid-run when killed
    out = tmp_path / "results" / "experiment"
    proc = _start_cli(["sweep", str(path), "--workers", "2", "--no-progress"], tmp_path)
    try:
        _wait_for_runs(out, 4, proc)
        before = _session_processes(proc.pid)
        assert len(before) >= 4, before  # the sweep, fork server, tracker, 2 workers
        # meanwhile, a second sweep on the same folder is refused
        with pytest.raises(ResultsFolderError, match=rf"another sweep \(pid {proc.pid}\) "
                           "is writing into it"):
            run_experiment(path, workers=0, out=out)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        left = _wait_for_no_processes(proc.pid, timeout=5.0)
        assert not left, f"alive 5 s after the sweep was killed: {left}"
    finally:
        for pid in _session_processes(proc.pid):  # what this test started, should it fail
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    recorded = ResultStore(out).finished()
    assert 4 <= len(recorded) < 40, "the kill must land mid-sweep"
    assert (out / ".sweep.lock").exists(), "a killed sweep cannot remove its lock"
    summary = run_experiment(path, workers=2, out=out)  # takes the stale lock over
    assert (summary.skipped, summary.ran, summary.ok) == (len(recorded), 40 - len(recorded),
                                                          40)
    assert not (out / ".sweep.lock").exists()
    # the same outcomes per run as an uninterrupted sweep (whose scenario did not sleep)
    columns = ["run_id", "point", "replication", "seed", "x1", "label", "mean", "final",
               "status"]
    pd.testing.assert_frame_equal(comparable(load_results(out))[columns],
                                  reference[columns])


@pytest.mark.parametrize("how", ["pidfd", "polling"])
def test_a_worker_notices_at_once_that_the_sweep_is_gone(how: str,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    from desertion.experiments import worker

    if how == "polling":  # systems without pidfd_open (or where it is not allowed)
        monkeypatch.delattr(os, "pidfd_open", raising=False)
    elif not hasattr(os, "pidfd_open"):
        pytest.skip("no os.pidfd_open here")
    sweep = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.5)"])
    reaper = threading.Thread(target=sweep.wait)  # as its parent would, so no zombie stays
    reaper.start()
    started = time.monotonic()
    worker.wait_for_exit(sweep.pid)
    waited = time.monotonic() - started
    reaper.join()
    assert sweep.returncode == 0 and 0.2 < waited < 0.5 + 2 * worker.POLL_INTERVAL_S
    started = time.monotonic()
    worker.wait_for_exit(sweep.pid)  # gone already: at once
    assert time.monotonic() - started < 0.1
