"""What a sweep would refuse is refused before anything runs or is written, in one line
naming what is wrong, with exit status 2: a planned point the base scenario does not accept,
a results folder that is not the tool's own (or cannot be written), a Dask scheduler that
does not answer."""

from __future__ import annotations

import inspect
import json
import os
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from desertion.cli import app
from desertion.experiments import (
    ExperimentError,
    load_experiment,
    load_results,
    run_experiment,
)
from desertion.experiments.runner import plan_experiment
from desertion.experiments.store import ResultsFolderError

from . import toymodel
from .conftest import TOY_EXPERIMENT

runner = CliRunner()
NOT_OURS = "exists and is not a desertion result; choose another folder or remove it"

PRISON_DAYS_GRID = """
    root_seed = 1
    outcomes = ["deserted_isis"]
    [base]
    scenario = "isis-2014"
    until = "2014-06-05"
    [base.set]
    scale = 0.02
    [design]
    kind = "grid"
    [parameters]
    "factions.isis.sanctions.prison_days" = { low = 30, high = 365, steps = 4 }
"""


def _error_line(output: str) -> str:
    """The one line the command printed (an error)."""
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert "Traceback" not in output
    return lines[0]


WIDE = {"COLUMNS": "500"}  # tables print long paths on one line
# --- every planned point is validated against the base scenario ---------------------------

def test_check_refuses_a_grid_with_fractional_days_over_a_whole_number_field(
        write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 30 and 365 are whole numbers, so the ends pass; 141.67 and 253.33 between do not
    monkeypatch.chdir(tmp_path)
    path = write(PRISON_DAYS_GRID)
    for args in (["--check"], ["--workers", "0", "--no-progress"]):
        result = runner.invoke(app, ["sweep", str(path), *args])
        assert result.exit_code == 2, result.output
        line = _error_line(result.output)
        assert line.startswith(f'error: {path}: parameters."factions.isis.sanctions.'
                               'prison_days": value 141.666'), line
        assert "point 1 of the design" in line and "integer = true" in line
        assert not (tmp_path / "results").exists(), "nothing may be written"
    # with integer = true the same grid is fine
    write(PRISON_DAYS_GRID.replace("steps = 4", "steps = 4, integer = true"))
    result = runner.invoke(app, ["sweep", str(path), "--check"])
    assert result.exit_code == 0, result.output


def test_a_sampled_design_is_checked_point_by_point(write) -> None:
    path = write(PRISON_DAYS_GRID.replace('kind = "grid"', 'kind = "latin"\nsamples = 8')
                 .replace(", steps = 4", ""))
    exp = load_experiment(path)  # both ends are whole numbers: the file itself is fine
    with pytest.raises(ExperimentError, match=r'prison_days": value \d+\.\d+ \(point 0 of '
                       r"the design\) is not valid here.*integer = true"):
        plan_experiment(exp)


def test_a_combination_the_scenario_refuses_names_the_point(write, tmp_path: Path) -> None:
    path = write(TOY_EXPERIMENT.replace('label = ["red", "blue"]', "x2 = [0.1, 0.9]"),
                 scenario="limit = 1.3\nx1 = 0.1\nx2 = 0.1\n")
    # every value is fine with the base scenario's other value; x1 = 0.5 with x2 = 0.9 not
    with pytest.raises(ExperimentError) as caught:
        run_experiment(path, out=tmp_path / "out", workers=0)
    assert str(caught.value) == (
        f"{path}: parameters: point 5 of the design (x1 = 0.5, x2 = 0.9) is not valid "
        "here: x1 + x2 must not exceed limit (1.3)")
    assert not (tmp_path / "out").exists()


def test_each_distinct_point_is_validated_once(write, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    path = write(TOY_EXPERIMENT.replace('[design]\n    kind = "grid"',
                                        '[design]\n    kind = "latin"\n    samples = 60')
                 .replace('x1 = [0.1, 0.3, 0.5]', "count = { low = 1, high = 3, "
                          "integer = true }"))
    exp = load_experiment(path)
    calls: list[dict[str, object]] = []
    real = toymodel.ToyScenario.with_overrides

    def counted(scenario, overrides, *args, **kwargs):
        calls.append(dict(overrides))
        return real(scenario, overrides, *args, **kwargs)

    monkeypatch.setattr(toymodel.ToyScenario, "with_overrides", counted)
    _, plan = plan_experiment(exp)
    distinct = {json.dumps(p, sort_keys=True) for p in plan.points}
    assert plan.n_points == 60 and len(distinct) == 6  # 3 counts x 2 labels
    assert len(calls) == len(distinct)


def test_validating_a_big_grid_is_cheap(write) -> None:
    values = ", ".join(f"{i / 1000:.3f}" for i in range(100))
    path = write(TOY_EXPERIMENT.replace("x1 = [0.1, 0.3, 0.5]", f"x1 = [{values}]")
                 .replace('label = ["red", "blue"]', f"x2 = [{values}]"))
    exp = load_experiment(path)
    started = time.perf_counter()
    _, plan = plan_experiment(exp)
    assert plan.n_points == 10_000
    assert time.perf_counter() - started < 10  # about 0.6 s here (planning included)


# --- the results folder must be the tool's own --------------------------------------------

def _sweep(path: Path, out: Path, *extra: str) -> object:
    return runner.invoke(app, ["sweep", str(path), "--workers", "0", "--no-progress",
                               "--out", str(out), *extra])


def test_an_out_that_is_a_file_is_refused(write, tmp_path: Path) -> None:
    path = write(TOY_EXPERIMENT)
    out = tmp_path / "results.csv"
    out.write_text("a,b\n1,2\n")
    for extra in ([], ["--check"]):
        result = _sweep(path, out, *extra)
        assert result.exit_code == 2
        assert _error_line(result.output) == f"error: --out {out}: {NOT_OURS}"
    assert out.read_text() == "a,b\n1,2\n"


def test_a_folder_of_the_users_is_refused_and_left_untouched(write, tmp_path: Path) -> None:
    path = write(TOY_EXPERIMENT)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes\n")
    for extra in ([], ["--check"]):
        result = _sweep(path, out, *extra)
        assert result.exit_code == 2
        assert _error_line(result.output) == f"error: --out {out}: {NOT_OURS}"
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    with pytest.raises(ResultsFolderError, match="not a desertion result"):
        run_experiment(path, out=out, workers=0)


def test_the_default_folder_is_named_as_such(write, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = write(TOY_EXPERIMENT)
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "experiment").write_text("not a folder\n")
    result = runner.invoke(app, ["sweep", str(path), "--workers", "0"])
    assert result.exit_code == 2
    assert _error_line(result.output) == (f"error: results folder results/experiment: "
                                          f"{NOT_OURS}")


def test_an_empty_folder_is_fine(write, tmp_path: Path) -> None:
    path = write(TOY_EXPERIMENT)
    out = tmp_path / "empty"
    out.mkdir()
    result = _sweep(path, out)
    assert result.exit_code == 0, result.output
    assert len(load_results(out)) == 12
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "runs"]


@pytest.mark.parametrize("manifest", ["{not json", '{"name": "my notes"}', "[1, 2]"])
def test_a_manifest_that_is_not_ours_is_a_clear_error(manifest: str, write,
                                                      tmp_path: Path) -> None:
    path = write(TOY_EXPERIMENT)
    out = tmp_path / "other"
    out.mkdir()
    (out / "manifest.json").write_text(manifest)
    for extra in ([], ["--check"]):
        result = _sweep(path, out, *extra)
        assert result.exit_code == 2
        line = _error_line(result.output)
        assert line.startswith(f"error: --out {out}: its manifest.json ")
        assert line.endswith("so this is not a desertion result; choose another folder or "
                             "remove it")
    with pytest.raises(ResultsFolderError, match=r"manifest\.json"):
        load_results(out)
    assert [p.name for p in out.iterdir()] == ["manifest.json"]


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs /proc")
def test_an_out_that_cannot_be_created_is_refused(write, tmp_path: Path) -> None:
    path = write(TOY_EXPERIMENT)
    result = _sweep(path, Path("/proc/x"))
    assert result.exit_code == 2
    assert _error_line(result.output).startswith("error: --out /proc/x: cannot be created")
    notes = tmp_path / "notes.txt"
    notes.write_text("")
    result = _sweep(path, notes / "out", "--check")
    assert result.exit_code == 2
    assert _error_line(result.output) == (f"error: --out {notes / 'out'}: cannot be "
                                          f"created: {notes} is not a folder")


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_folders_are_created_with_the_users_umask(umask: int, write, tmp_path: Path) -> None:
    path = write(TOY_EXPERIMENT.replace("root_seed", 'series = ["timeseries"]\n    root_seed'))
    old = os.umask(umask)
    try:
        summary = run_experiment(path, out=tmp_path / "new" / "out", workers=0)
    finally:
        os.umask(old)
    for folder in (tmp_path / "new", summary.out, summary.out / "runs",
                   summary.out / "series" / "timeseries"):
        assert folder.stat().st_mode & 0o777 == 0o777 & ~umask, folder
    for file in (summary.out / "manifest.json", *(summary.out / "runs").iterdir()):
        assert file.stat().st_mode & 0o777 == 0o666 & ~umask, file


# --- user text printed through rich is printed as given -------------------------------------

def test_paths_and_keys_with_markup_are_printed_literally(write, tmp_path: Path) -> None:
    path = tmp_path / "odd[/x]dir" / "exp[/x].toml"  # [/x] would close a rich tag
    path.parent.mkdir(parents=True)
    (path.parent / "toy.toml").write_text('model = "toy"\nname = "toy"\n')
    path.write_text(Path(write(TOY_EXPERIMENT)).read_text())
    out = tmp_path / "odd[/x]dir" / "out[/x]"
    check = runner.invoke(app, ["sweep", str(path), "--check", "--out", str(out)], env=WIDE)
    assert check.exit_code == 0, check.output
    assert f"({path})" in check.output and f"{out}: no results yet" in check.output
    result = _sweep(path, out)
    assert result.exit_code == 0, result.output
    assert f"12 ok, 0 failed of 12 runs in {out}" in result.output
    bad = path.with_name("bad.toml")
    bad.write_text(path.read_text().replace("x1 = [", '"x1[/x]" = ['))
    result = _sweep(bad, out)
    assert result.exit_code == 2
    assert f"{bad}: parameters.x1[/x]: not a parameter" in _error_line(result.output)


# --- a Dask scheduler that does not answer ---------------------------------------------------

def test_an_unreachable_dask_scheduler_fails_fast_and_leaves_nothing(write, tmp_path: Path
                                                                     ) -> None:
    path = write(TOY_EXPERIMENT)
    out = tmp_path / "out"
    started = time.monotonic()
    result = runner.invoke(app, ["sweep", str(path), "--dask", "tcp://127.0.0.1:1",
                                 "--connect-timeout", "1", "--out", str(out)])
    assert time.monotonic() - started < 10
    assert result.exit_code == 2
    assert _error_line(result.output) == (
        "error: no Dask scheduler answered at tcp://127.0.0.1:1 within 1 s; is it running, "
        "and is the address right?")
    assert not out.exists(), "no manifest, no runs/ folder"
    # Dask's own default is 30 s; the sweep's is 5 s
    default = inspect.signature(run_experiment).parameters["connect_timeout"].default
    assert default == 5.0


def test_the_lock_of_a_running_sweep_refuses_a_second_one(write, tmp_path: Path) -> None:
    fcntl = pytest.importorskip("fcntl")
    path = write(TOY_EXPERIMENT)
    out = tmp_path / "out"
    assert run_experiment(path, out=out, workers=0, run_ids=[0]).ran == 1
    assert not (out / ".sweep.lock").exists(), "a sweep that ends removes its lock"
    # another process's sweep holds the lock: a lock is per open file, so this stands in
    lock = out / ".sweep.lock"
    lock.write_text("4242\n")
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = _sweep(path, out)
        assert result.exit_code == 2
        assert _error_line(result.output) == (f"error: --out {out}: another sweep (pid "
                                              "4242) is writing into it; wait for it to "
                                              "end, or stop it")
        check = runner.invoke(app, ["sweep", str(path), "--check", "--out", str(out)],
                              env=WIDE)
        assert "a sweep is writing into it now (pid 4242)" in check.output
    finally:
        os.close(fd)
    # the lock left by a sweep that was killed is free: the next sweep takes it over
    assert lock.exists()
    summary = run_experiment(path, out=out, workers=0)
    assert (summary.skipped, summary.ran) == (1, 11)
    assert not lock.exists()

