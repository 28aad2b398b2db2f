"""Nothing lost, no traceback (issue 8): where `desertion run` and `targets` write, and what
they refuse before any simulation starts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from desertion import cli

runner = CliRunner()
SHORT = ["isis-2014", "--scale", "0.01", "--until", "2014-06-05", "--no-progress"]
BAD = Path(__file__).parent / "manpower" / "bad_scenarios"


pytestmark = pytest.mark.usefixtures("wide_consoles")  # tests/conftest.py


@pytest.fixture
def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refusals must come before the simulation: reaching it fails the test."""
    def simulate(*args: object, **kwargs: object) -> None:
        raise AssertionError("the simulation started")
    monkeypatch.setattr(cli, "_simulate", simulate)


def invoke(*args: str | Path):  # type: ignore[no-untyped-def]
    return runner.invoke(cli.app, [str(a) for a in args], catch_exceptions=False)


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"/")
            for p in sorted(folder.rglob("*"))}


def test_a_users_folder_is_refused_and_kept(tmp_path: Path, no_simulation: None) -> None:
    user = tmp_path / "user"
    user.mkdir()
    (user / "notes.txt").write_text("three months of field notes")
    before = tree(tmp_path)
    result = invoke("run", *SHORT, "--out", user)
    assert result.exit_code == 2
    assert f"--out {user}: exists and is not a desertion result; choose another folder or " \
           "remove it" in result.stderr
    assert tree(tmp_path) == before


def test_a_regular_file_is_refused_and_kept(tmp_path: Path, no_simulation: None) -> None:
    (tmp_path / "results").write_text("keep")
    result = invoke("run", *SHORT, "--out", tmp_path / "results")
    assert result.exit_code == 2 and "exists and is not a folder" in result.stderr
    assert tree(tmp_path) == {"results": b"keep"}


@pytest.mark.parametrize(("out", "fragment"), [
    ("", "is the current folder"),
    (".", "is the current folder"),
    ("/proc/x", "cannot write in /proc"),
    ("somefile/sub", "somefile is a file, not a folder"),
    ("n" * 300, "File name too long"),
])
def test_bad_out_is_refused_before_the_run(out: str, fragment: str, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           no_simulation: None) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "somefile").write_text("keep")
    result = invoke("run", *SHORT, "--out", out)
    assert result.exit_code == 2, result.output
    assert fragment in result.stderr and "Traceback" not in result.output
    assert tree(tmp_path) == {"somefile": b"keep"}


def test_rerun_replaces_its_own_result_but_not_another_runs(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert invoke("run", *SHORT, "--no-plot", "--no-report", "--out", out).exit_code == 0
    first = json.loads((out / "run.json").read_text())
    assert first["format"] == "desertion.run/1"
    assert invoke("run", *SHORT, "--no-plot",
                  "--no-report", "--out", out).exit_code == 0  # the same run
    other = invoke("run", *SHORT, "--no-plot", "--no-report", "--seed", "3", "--out", out)
    assert other.exit_code == 2 and "holds the result of a different run" in other.stderr
    assert json.loads((out / "run.json").read_text())["seed"] == first["seed"]
    forced = invoke("run", *SHORT, "--no-plot",
                    "--no-report", "--seed", "3", "--out", out, "--force")
    assert forced.exit_code == 0
    assert json.loads((out / "run.json").read_text())["seed"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_result_holding_a_users_file_is_never_replaced(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert invoke("run", *SHORT, "--no-plot", "--no-report", "--out", out).exit_code == 0
    (out / "analysis.ipynb").write_text("{}")
    result = invoke("run", *SHORT, "--no-plot", "--no-report", "--out", out, "--force")
    assert result.exit_code == 2 and "analysis.ipynb" in result.stderr
    assert (out / "analysis.ipynb").read_text() == "{}"


def test_default_folders_are_safe_and_one_per_distinct_run(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    monkeypatch.chdir(tmp_path)
    variants = [[], ["--set", "factions.isis.pay=0.5"], ["--scale", "0.02"],
                ["--until", "2014-06-04"], ["--set", 'name="../../escaped"'],
                ["--set", f'name="{"x" * 300}"']]
    for extra in variants:
        result = invoke("run", *SHORT, "--no-plot", "--no-report", *extra)
        assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs"]  # nothing escaped
    folders = sorted((tmp_path / "runs").iterdir())
    assert len(folders) == len(variants)
    assert all(len(p.name) < 80 and not p.name.startswith(".") for p in folders)
    assert any(p.name.startswith("escaped-seed20141228-") for p in folders)


def test_result_folders_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        assert invoke("run", *SHORT, "--no-plot",
                      "--no-report", "--out", tmp_path / "run").exit_code == 0
    finally:
        os.umask(old)
    assert ((tmp_path / "run").stat().st_mode & 0o777) == 0o755


@pytest.mark.parametrize(("args", "fragment"), [
    (["--seed", "-1"], "--seed -1: expected a whole number from 0 to"),
    (["--seed", str(2**63)], "expected a whole number from 0 to"),
    (["--until", "2013-01-01"], "--until 2013-01-01: is before the scenario's start"),
])
def test_bad_options_are_refused_in_one_line(args: list[str], fragment: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             no_simulation: None) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("run", "isis-2014", "--no-progress", *args)
    assert result.exit_code == 2
    assert fragment in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_markup_in_user_text_is_printed_literally(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("run", "isis-2014", "--no-progress", "--set", "factions.[/x].pay=1")
    assert result.exit_code == 2
    assert "[/x]" in result.stderr
    shown = invoke("run", BAD / "bad_faction_id.toml", "--no-progress")
    assert shown.exit_code == 2 and "^[a-z][a-z0-9_]*$" in shown.stderr


def test_ctrl_c_writes_nothing_and_says_so(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "run"
    assert invoke("run", *SHORT, "--no-plot", "--no-report", "--out", out).exit_code == 0
    before = tree(tmp_path)

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt
    monkeypatch.setattr(cli, "_simulate", interrupted)
    result = invoke("run", *SHORT, "--no-plot", "--no-report", "--out", out)
    assert result.exit_code == 130
    assert "interrupted: nothing was written" in result.stderr and str(out) in result.stderr
    assert tree(tmp_path) == before


def test_a_failing_plot_costs_the_plot_not_the_run(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_plot(*args: object) -> None:
        raise RuntimeError("no fonts")
    model = cli.model_for("isis-2014")
    monkeypatch.setattr(model, "plot", broken_plot)  # on this instance only, undone after
    result = invoke("run", *SHORT, "--out", tmp_path / "run")
    assert result.exit_code == 0
    assert "plot.png not drawn (RuntimeError: no fonts)" in result.stderr
    assert {p.name for p in (tmp_path / "run").iterdir()} == {
        "run.json", "timeseries.parquet", "events.parquet", "report.html"}


def test_a_failing_report_costs_the_report_not_the_run(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_report(*args: object) -> None:
        raise ValueError("no plotly")
    model = cli.model_for("isis-2014")
    monkeypatch.setattr(model, "report", broken_report)
    result = invoke("run", *SHORT, "--out", tmp_path / "run")
    assert result.exit_code == 0
    assert "report.html not written (ValueError: no plotly)" in result.stderr
    assert {p.name for p in (tmp_path / "run").iterdir()} == {
        "run.json", "timeseries.parquet", "events.parquet", "plot.png"}


# --- targets ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def september_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("targets") / "run"
    result = runner.invoke(cli.app, ["run", "isis-2014", "--scale", "0.01", "--until",
                                     "2014-09-11", "--no-progress", "--no-plot",
                                         "--no-report", "--out",
                                     str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


def copy_run(run: Path, to: Path) -> Path:
    to.mkdir()
    for path in run.iterdir():
        (to / path.name).write_bytes(path.read_bytes())
    return to


@pytest.mark.parametrize(("broken", "content", "fragment"), [
    ("run.json", b"{\"scenario\": ", "run.json: cannot be read as JSON"),
    ("run.json", b"\xff\xfe\x00\x01", "run.json: cannot be read as JSON"),
    ("run.json", b"{\"seed\": 1, \"scenario\": {}}", "does not describe a manpower run"),
    ("events.parquet", b"PAR1 truncated", "events.parquet: cannot be read as Parquet"),
])
def test_targets_on_a_corrupted_run_names_the_file(september_run: Path, tmp_path: Path,
                                                  broken: str, content: bytes,
                                                  fragment: str) -> None:
    run = copy_run(september_run, tmp_path / "run")
    (run / broken).write_bytes(content)
    result = invoke("targets", run)
    assert result.exit_code == 2, result.output
    assert fragment in result.stderr and "Traceback" not in result.output


def test_targets_csv_refuses_what_it_did_not_write(september_run: Path, tmp_path: Path
                                                   ) -> None:
    mine = tmp_path / "mine.csv"
    mine.write_text("my,own,figures\n")
    result = invoke("targets", september_run, "--csv", mine)
    assert result.exit_code == 2 and "was not written by desertion" in result.stderr
    assert mine.read_text() == "my,own,figures\n"
    ours = tmp_path / "ours.csv"
    assert invoke("targets", september_run, "--csv", ours).exit_code == 0
    assert invoke("targets", september_run, "--csv", ours).exit_code == 0  # its own: replaced
    assert "isis_strength" in set(pd.read_csv(ours)["id"])
    for bad, fragment in ((tmp_path, "is a folder"), (Path("/proc/x/t.csv"), "cannot")):
        result = invoke("targets", september_run, "--csv", bad)
        assert result.exit_code == 2 and fragment in result.stderr


def test_targets_says_why_nothing_applies(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert invoke("run", *SHORT, "--no-plot", "--no-report", "--out", out).exit_code == 0
    result = invoke("targets", out)
    assert result.exit_code == 0
    assert "no documented figure of targets.csv applies to this run" in result.stderr
    assert "isis on 2014-09-11" in result.stderr and "2014-06-01 to 2014-06-05" in result.stderr
