"""The command line (issue 2): scenarios, show, run, targets, and refusals of bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from desertion import cli
from desertion.manpower.scenario import load_scenario, validate_scenario

BAD = Path(__file__).parent / "manpower" / "bad_scenarios"
runner = CliRunner()


pytestmark = pytest.mark.usefixtures("wide_consoles")  # tests/conftest.py


def invoke(*args: str | Path):  # type: ignore[no-untyped-def]
    return runner.invoke(cli.app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def short_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("cli") / "short"
    result = runner.invoke(cli.app, ["run", "isis-2014", "--scale", "0.05", "--until",
                                     "2014-07-15", "--out", str(out), "--no-progress"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out, result.stdout


@pytest.fixture(scope="module")
def full_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """isis-2014 at scale 0.2 over the whole period, as shipped and with prison for deserters."""
    base = tmp_path_factory.mktemp("cli-full")
    outs = {"shipped": base / "shipped", "prison": base / "prison"}
    for name, extra in (("shipped", []),
                        ("prison", ["--set", "factions.isis.sanctions.desertion=prison"])):
        result = runner.invoke(cli.app, ["run", "isis-2014", "--scale", "0.2", "--out",
                                         str(outs[name]), "--no-progress", "--no-plot",
                                                  "--no-report",
                                         *extra], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return outs


def test_scenarios_lists_the_shipped_three() -> None:
    result = invoke("scenarios")
    assert result.exit_code == 0
    for name in ("isis-2014", "saa-2014", "syria-2014"):
        assert name in result.stdout


def test_show_prints_toml_that_revalidates() -> None:
    result = invoke("show", "isis-2014")
    assert result.exit_code == 0
    data = tomllib.loads(result.stdout)
    assert validate_scenario(data, "<shown>") == load_scenario("isis-2014")


def test_show_applies_settings() -> None:
    result = invoke("show", "isis-2014", "--set", "factions.isis.pay=0.5")
    assert tomllib.loads(result.stdout)["factions"][0]["pay"] == 0.5


def test_run_writes_tables_metadata_and_plot(short_run: tuple[Path, str]) -> None:
    out, stdout = short_run
    assert {p.name for p in out.iterdir()} == {"timeseries.parquet", "events.parquet",
                                               "run.json", "plot.png", "report.html"}
    meta = json.loads((out / "run.json").read_text())
    assert {"scenario", "seed", "version", "wall_time_s"} <= set(meta)
    assert meta["seed"] == 20141228 and meta["scenario"]["scale"] == 0.05
    assert meta["scenario"]["stop"] == "2014-07-15" and meta["last_day"] == "2014-07-15"
    assert (out / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for name in ("timeseries", "events"):
        stored = json.loads(pq.read_schema(out / f"{name}.parquet").metadata[b"desertion"])
        assert stored["seed"] == meta["seed"] and stored["version"] == meta["version"]
        assert stored["scenario"] == meta["scenario"]
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert ts["date"].max() == pd.Timestamp("2014-07-15")
    # the summary: the strength table with the faction's rows
    assert "Strength" in stdout and "isis" in stdout and "foreign" in stdout
    assert str(out) in stdout


def test_run_seed_option(tmp_path: Path) -> None:
    out = tmp_path / "seeded"
    result = invoke("run", "isis-2014", "--scale", "0.02", "--until", "2014-06-10",
                    "--seed", "5", "--out", out, "--no-progress", "--no-plot", "--no-report")
    assert result.exit_code == 0
    assert json.loads((out / "run.json").read_text())["seed"] == 5
    assert not (out / "plot.png").exists()


def test_set_changes_the_run(full_runs: dict[str, Path]) -> None:
    metas = {k: json.loads((v / "run.json").read_text()) for k, v in full_runs.items()}
    assert metas["shipped"]["scenario"]["factions"][0]["sanctions"]["desertion"] == \
        "execution"
    assert metas["prison"]["scenario"]["factions"][0]["sanctions"]["desertion"] == "prison"
    ev = {k: pd.read_parquet(v / "events.parquet") for k, v in full_runs.items()}

    def total(name: str, event: str, detail: str) -> int:
        e = ev[name]
        return int(e.loc[(e["event"] == event) & (e["detail"] == detail), "agents"].sum())

    assert total("shipped", "executed", "desertion") > 0
    assert total("prison", "executed", "desertion") == 0
    assert total("prison", "jailed", "desertion") > 0


def test_targets_prints_the_comparison(full_runs: dict[str, Path]) -> None:
    result = invoke("targets", full_runs["shipped"])
    assert result.exit_code == 0
    for target in ("isis_own_executed_fleeing", "isis_own_executed_code", "isis_strength"):
        assert target in result.stdout
    assert "saa_strength" not in result.stdout


def test_targets_csv(full_runs: dict[str, Path], tmp_path: Path) -> None:
    csv = tmp_path / "cmp.csv"
    assert invoke("targets", full_runs["shipped"], "--csv", csv).exit_code == 0
    table = pd.read_csv(csv)
    assert "isis_own_executed_fleeing" in set(table["id"])


def test_targets_refuses_a_folder_without_a_run(tmp_path: Path) -> None:
    result = invoke("targets", tmp_path)
    assert result.exit_code == 2
    assert "run.json" in result.stderr


@pytest.mark.parametrize(("name", "key"), [
    ("typo_key.toml", "factions[0](red).unit_sise"),
    ("negative_count.toml", "factions[0](red).cohorts[0].count"),
    ("unknown_event_faction.toml", "events[0](airstrikes).faction"),
    ("invalid_toml.toml", "not valid TOML"),
])
def test_run_bad_scenario_exits_2_and_writes_nothing(name: str, key: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    result = invoke("run", BAD / name, "--out", out, "--no-progress")
    assert result.exit_code == 2
    assert str(BAD / name) in result.stderr and key in result.stderr
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []  # neither --out nor runs/


def refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    monkeypatch.chdir(tmp_path)
    result = invoke("run", "isis-2014", "--no-progress", *args)
    assert result.exit_code == 2
    assert list(tmp_path.iterdir()) == []
    assert "Traceback" not in result.output
    return result.stderr


@pytest.mark.parametrize(("args", "fragments"), [
    (["--set", "factions.isis.sanctions.desertoin=prison"],
     ["factions.isis.sanctions.desertoin", "no key 'desertoin'", "desertion"]),
    (["--set", "factions.daesh.pay=0.5"], ["no item 'daesh'", "isis"]),
    (["--set", "noequals"], ["noequals", "KEY=VALUE"]),
    (["--scale", "2"], ["scale", "less than or equal to 1"]),
])
def test_run_bad_options_exit_2(args: list[str], fragments: list[str], tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    stderr = refused(tmp_path, monkeypatch, *args)
    for fragment in fragments:
        assert fragment in stderr


def test_run_bad_set_value_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stderr = refused(tmp_path, monkeypatch, "--set",
                     "factions.isis.sanctions.desertion=flogging")
    assert "sanctions.desertion" in stderr and "'execution'" in stderr


def test_run_bad_set_value_is_reported_like_a_bad_file(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    stderr = refused(tmp_path, monkeypatch, "--set",
                     "factions.isis.sanctions.desertion=flogging")
    assert "factions[0](isis).sanctions.desertion" in stderr and "flogging" in stderr
    assert "errors.pydantic.dev" not in stderr


def test_run_bad_until_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stderr = refused(tmp_path, monkeypatch, "--until", "2014-13-01")
    assert "month" in stderr


def test_run_bad_until_names_the_option(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    stderr = refused(tmp_path, monkeypatch, "--until", "2014-13-01")
    assert "--until" in stderr and "2014-13-01" in stderr


def test_entry_point_refuses_a_bad_file_on_stderr(tmp_path: Path) -> None:
    """The installed ``desertion`` command, as a user runs it."""
    exe = Path(sys.executable).parent / "desertion"
    bad = BAD / "share_above_one.toml"
    proc = subprocess.run([str(exe), "run", str(bad), "--no-progress"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "250"})
    assert proc.returncode == 2
    assert str(bad) in proc.stderr and "civilians[0].state_employee_share" in proc.stderr
    assert "less than or equal to 1" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []
