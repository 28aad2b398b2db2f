"""A user's own figures: `desertion targets RUN --targets FILE.csv`, and the same file
feeding a calibration (issue 14: users' own figures)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

import desertion
from desertion.calibration import calibration_from_dict
from desertion.cli import app
from desertion.engine.errors import InputError
from desertion.engine.results import RunResult
from desertion.manpower.targets import compare_figures, in_ranks

HEADER = ("id,date,faction,quantity,value,low,high,source,quality,note,measure,event,detail,"
          "origin,status,first,last,on,outcome\n")
FIGURES = HEADER + (
    "strength,2014-09-11,isis,fighters,25750,20000,31500,CIA,solid,,in_ranks,,,,,,,"
    "2014-09-11,\n"
    "foreign_august,2014-08-31,isis,foreign volunteers in August,1750,1500,2000,US,rough,,"
    "events,joined,foreign_volunteer,,,2014-08-01,2014-08-31,,\n"
    "end_strength,2014-09-15,isis,strength at the end,26000,,,mine,rough,,outcome,,,,,,,,"
    "strength_end_isis\n"
    "hiding,2014-09-15,isis,men in hiding,100,0,1000,mine,rough,,status,,,,hiding,,,"
    "2014-09-15,\n"
    "army,2014-09-11,saa,soldiers,150000,110000,200000,ISW,rough,,in_ranks,,,,,,,"
    "2014-09-11,\n"
    "later,2014-12-15,isis,fighters,30000,25000,35000,mine,rough,,in_ranks,,,,,,,"
    "2014-12-15,\n"
    "context,2014-09-11,isis,all executions,1878,,,SOHR,rough,,,,,,,,,,\n")


@pytest.fixture(scope="module")
def short_run() -> RunResult:
    scenario = desertion.load_scenario("isis-2014", scale=0.01).until(dt.date(2014, 9, 15))
    return desertion.simulate(scenario, seed=3)


def write(tmp_path: Path, text: str = FIGURES) -> Path:
    path = tmp_path / "figures.csv"
    path.write_text(text)
    return path


def test_user_figures_are_measured_as_declared(tmp_path: Path, short_run: RunResult) -> None:
    table, skipped = compare_figures(short_run, write(tmp_path))
    by_id = table.set_index("id")
    assert list(by_id.index) == ["strength", "foreign_august", "end_strength", "hiding"]
    assert by_id.at["strength", "model"] == in_ranks(short_run, "isis", "2014-09-11")
    ev = short_run.events
    august = ev[(ev["event"] == "joined") & (ev["detail"] == "foreign_volunteer")
                & (ev["date"] >= "2014-08-01") & (ev["date"] <= "2014-08-31")]
    assert by_id.at["foreign_august", "model"] == august["count"].sum() > 0
    assert by_id.at["end_strength", "model"] == desertion.models.model_named(
        "manpower").outcomes(short_run)["strength_end_isis"]
    assert by_id.at["strength", "inside"] in (True, False)
    assert by_id.at["end_strength", "inside"] is None  # a point value has no range
    reasons = "\n".join(skipped)
    assert "army (2014-09-11): faction 'saa' is not in this run (isis)" in reasons
    assert "later (2014-12-15): needs 2014-12-15..2014-12-15; the run covers " \
           "2014-06-01..2014-09-15" in reasons
    assert "context (2014-09-11): no measure declared" in reasons


def test_a_bad_measure_names_the_file_and_row(tmp_path: Path, short_run: RunResult) -> None:
    bad = HEADER + "x,2014-08-31,isis,q,1,0,2,s,rough,,events,,,,,,,,\n"
    with pytest.raises(InputError) as info:
        compare_figures(short_run, write(tmp_path, bad))
    assert "figures.csv: row 2:" in str(info.value) and "needs event, first, last" in str(
        info.value)
    with pytest.raises(InputError, match="lacks the columns"):
        compare_figures(short_run, write(tmp_path, "id,value\nx,1\n"))


def test_cli_targets_with_a_users_file(tmp_path: Path, short_run: RunResult) -> None:
    run_dir = tmp_path / "run"
    short_run.save(run_dir)
    runner = CliRunner()
    result = runner.invoke(app, ["targets", str(run_dir), "--targets",
                                 str(write(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "foreign_august" in result.output and "left out" in result.output
    nothing = HEADER + FIGURES.splitlines()[5] + "\n"   # only the saa row
    result = runner.invoke(app, ["targets", str(run_dir), "--targets",
                                 str(write(tmp_path, nothing))])
    assert result.exit_code == 0
    assert "none of the 1 figures" in result.output and "'saa' is not in this run" in \
        result.output


def test_the_same_file_feeds_a_calibration(tmp_path: Path) -> None:
    path = write(tmp_path)
    cal = calibration_from_dict({
        "seed": 1, "observations": str(path),
        "base": {"scenario": "isis-2014", "set": {"scale": 0.01}, "until": "2014-09-15"},
        "observe": [{"id": "strength", "date": "2014-09-11"},
                    {"id": "foreign_august", "date": "2014-08-31"}],
        "parameters": {"factions.isis.barriers.home": {"prior": "uniform", "low": 0.05,
                                                        "high": 0.3}}})
    kinds = [o.measure.kind for o in cal.observations]
    assert kinds == ["in_ranks", "events"]
    assert cal.observations[1].measure.detail == "foreign_volunteer"
    with pytest.raises(desertion.calibration.CalibrationError, match="no measure for context"):
        calibration_from_dict({**cal.spec.model_dump(mode="json", exclude_none=True),
                               "observe": [{"id": "context", "date": "2014-09-11",
                                            "error": "relative", "sd": 0.2}]})
