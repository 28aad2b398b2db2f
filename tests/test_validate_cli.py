"""``desertion validate`` (fast): tiny scale, two seeds, pattern 9; the files it writes,
its exit codes and the folders it refuses. The patterns themselves are judged at the CI
scales by ``tests/validation/test_patterns.py``."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from desertion import __version__, cli
from desertion.validation import cli as vcli
from desertion.validation import patterns as catalogue
from desertion.validation.design import Check, binomial_interval, holds, t_interval

runner = CliRunner()
TINY = ["--scale", "0.1", "--seeds", "2", "--no-progress"]
COLUMNS = {"pattern", "check", "statistic", "estimate", "low", "high", "threshold",
           "verdict", "seeds", "scale"}


@pytest.fixture(autouse=True)
def wide_consoles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vcli, "console", Console(width=250))
    monkeypatch.setattr(vcli, "errors", Console(width=250, stderr=True))


def invoke(*args: str | Path):  # type: ignore[no-untyped-def]
    return runner.invoke(cli.app, ["validate", *map(str, args)], catch_exceptions=False)


def rigged(threshold: float):  # type: ignore[no-untyped-def]
    """Pattern 9's runs with one check whose verdict the test decides: every seed's value
    is 1, against ``threshold``."""
    real = catalogue.DEFINITIONS[9]()
    check = Check("rigged", "one per seed", ("shipped",), lambda m: 1.0, ">", threshold,
                  method="every")
    return lambda number: replace(real, checks=(check,)) if number == 9 else real


def test_a_validation_writes_its_table_figure_and_record(tmp_path: Path) -> None:
    out = tmp_path / "v"
    result = invoke("--patterns", "9", "--workers", "1", "--out", out, *TINY)
    assert result.exit_code in (0, 1), result.output  # the real checks at a tiny scale
    assert "near-documented-high" in result.stdout
    written = {p.name for p in out.iterdir()}
    assert written == {"validation.csv", "validation.parquet", "per_seed.csv",
                       "pattern-9.png", "validation.json"}
    table = pd.read_csv(out / "validation.csv")
    assert COLUMNS <= set(table.columns)
    assert list(table["check"]) == [c.name for c in catalogue.pattern(9).checks]
    assert set(table["scale"]) == {0.005} and set(table["seeds"]) == {"0,1"}
    assert pd.read_parquet(out / "validation.parquet").equals(table)
    assert len(pd.read_csv(out / "per_seed.csv")) == 2 * len(table)
    meta = json.loads((out / "validation.json").read_text())
    assert meta["seeds"] == [0, 1] and meta["scale"] == 0.1 and meta["patterns"] == [9]
    assert meta["version"] == __version__
    assert meta["passed"] == (result.exit_code == 0)
    assert (out / "pattern-9.png").read_bytes()[:4] == b"\x89PNG"


def test_exit_status_says_whether_every_check_holds(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalogue, "pattern", rigged(0.5))
    held = invoke("--patterns", "9", "--workers", "0", "--out", tmp_path / "a", *TINY)
    assert held.exit_code == 0, held.output
    monkeypatch.setattr(catalogue, "pattern", rigged(2.0))
    failed = invoke("--patterns", "9", "--workers", "0", "--out", tmp_path / "b", *TINY)
    assert failed.exit_code == 1, failed.output
    assert "0 of 1 checks hold" in failed.stdout
    assert pd.read_csv(tmp_path / "b" / "validation.csv")["verdict"].tolist() == ["fail"]


def test_results_do_not_depend_on_the_number_of_workers(tmp_path: Path) -> None:
    for n in (1, 2):
        result = invoke("--patterns", "9", "--workers", n, "--out", tmp_path / f"w{n}",
                        "--no-figures", *TINY)
        assert result.exit_code in (0, 1), result.output
    one, two = (pd.read_csv(tmp_path / f"w{n}" / "validation.csv") for n in (1, 2))
    pd.testing.assert_frame_equal(one, two)


@pytest.mark.parametrize("args", [
    ["--seeds", "1"], ["--seeds", "2", "--seed-list", "0,1"], ["--seed-list", "3"],
    ["--seed-list", "0,x"], ["--seed-list", "1,1"], ["--seed-list", "0,-1"],
    ["--patterns", "10"], ["--patterns", "a"], ["--scale", "0"], ["--scale", "100"],
    ["--workers", "-1"]])
def test_bad_input_is_refused_before_anything_runs(tmp_path: Path, args: list[str]) -> None:
    out = tmp_path / "v"
    result = invoke("--patterns", "9", "--out", out, "--no-progress", *args)
    assert result.exit_code == 2, result.output
    assert "error:" in result.stderr
    assert not out.exists()


def test_a_users_folder_is_never_overwritten(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    result = invoke("--patterns", "9", "--out", mine, *TINY)
    assert result.exit_code == 2
    assert "not a desertion result" in result.stderr
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert invoke("--patterns", "9", "--out", a_file, *TINY).exit_code == 2
    assert a_file.read_text() == "x"


def test_an_earlier_validation_is_replaced_but_not_one_with_a_users_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalogue, "pattern", rigged(0.5))
    out = tmp_path / "v"
    for _ in range(2):
        result = invoke("--patterns", "9", "--workers", "0", "--out", out, "--no-figures",
                        *TINY)
        assert result.exit_code == 0, result.output
    (out / "notes.txt").write_text("mine")
    refused = invoke("--patterns", "9", "--workers", "0", "--out", out, *TINY)
    assert refused.exit_code == 2
    assert "notes.txt" in refused.stderr
    assert (out / "notes.txt").read_text() == "mine"
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no staging left


def test_a_run_folder_is_not_taken_for_a_validation(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    made = runner.invoke(cli.app, ["run", "isis-2014", "--scale", "0.01", "--until",
                                   "2014-06-05", "--out", str(run_dir), "--no-progress",
                                   "--no-plot", "--no-report"], catch_exceptions=False)
    assert made.exit_code == 0, made.output
    result = invoke("--patterns", "9", "--out", run_dir, *TINY)
    assert result.exit_code == 2
    assert "desertion run" in result.stderr


# --- how seeds are combined (design.py) --------------------------------------------------------

def test_t_interval_is_a_one_sided_95_percent_bound_each_way() -> None:
    mean, low, high = t_interval([1.0, 2.0, 3.0])
    assert mean == 2.0
    assert low == pytest.approx(2.0 - 2.919986 / math.sqrt(3))  # t(0.95, 2 df) x sem
    assert high == pytest.approx(4.0 - low)
    geo, low, high = t_interval([2.0, 8.0], log=True)
    assert geo == pytest.approx(4.0) and low * high == pytest.approx(16.0)
    assert all(math.isnan(v) for v in t_interval([1.0, 0.0], log=True))
    assert all(math.isnan(v) for v in t_interval([1.0]))


def test_binomial_interval_matches_the_one_sided_binomial_test() -> None:
    from scipy import stats

    share, low, _ = binomial_interval(99, 147)
    assert share == pytest.approx(99 / 147)
    p_at_low = stats.binomtest(99, 147, low, alternative="greater").pvalue
    assert p_at_low == pytest.approx(0.05, abs=1e-3)


def test_a_check_holds_only_when_its_interval_clears_the_threshold() -> None:
    assert holds(">", 1.2, 1.21, 9.0) and not holds(">", 1.2, 1.19, 9.0)
    assert holds("<", 0.5, -1.0, 0.49) and not holds("<", 0.5, 0.0, 0.5)
    assert holds("<=", 0.0, 0.0, 0.0) and not holds(">", 0.0, math.nan, 1.0)
