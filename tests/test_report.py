"""The HTML report (issue 12, part): written with a run or by `desertion report`, opens with
no network, holds every chart, replaces only its own file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from desertion import cli

runner = CliRunner()
# what a browser would fetch: a script or stylesheet by URL, a CSS import or url(), a font
EXTERNAL = re.compile(r"""<(?:script|link|img|iframe)[^>]+(?:src|href)\s*=\s*["']?(?:https?:)?//"""
                      r"""|@import|url\(\s*["']?(?:https?:)?//""", re.I)


def invoke(*args: str | Path):  # type: ignore[no-untyped-def]
    return runner.invoke(cli.app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def manpower_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "syria"
    result = invoke("run", "syria-2014", "--scale", "0.01", "--until", "2014-10-31",
                    "--set", "factions.saa.pay=0.8", "--out", out, "--no-progress")
    assert result.exit_code == 0, result.output
    return out


def test_a_run_writes_its_report_listed_as_its_own(manpower_run: Path) -> None:
    page = (manpower_run / "report.html").read_text(encoding="utf-8")
    assert "report.html" in (manpower_run / "run.json").read_text()
    assert page.startswith("<!DOCTYPE html>")
    # every chart, with plotly's JavaScript embedded once
    assert page.count('class="plotly-graph-div"') == 4
    assert page.count("* plotly.js v") == 1
    for heading in ("Strength", "Attempts to leave", "Executions of own men",
                    "Men out of reach", "Calendar", "Targets (targets.csv)"):
        assert f"<h2>{heading}" in page


def test_the_report_opens_with_no_network(manpower_run: Path) -> None:
    page = (manpower_run / "report.html").read_text(encoding="utf-8")
    assert not EXTERNAL.search(page)
    assert EXTERNAL.search('<script src="https://cdn.plot.ly/plotly.js">')  # the probe works


def test_the_report_says_what_was_run_and_changed(manpower_run: Path) -> None:
    page = (manpower_run / "report.html").read_text(encoding="utf-8")
    assert "factions[1].pay: 1.0 -&gt; 0.8" in page
    assert "stop: None -&gt; 2014-10-31" in page
    assert "one run: a single seed" in page
    assert "isis_strength" in page  # the targets table (11 September: inside the run)


def test_report_command_replaces_its_own_but_not_a_users_file(manpower_run: Path,
                                                              tmp_path: Path) -> None:
    (manpower_run / "report.html").write_text("<!DOCTYPE html><html>"
                                              "<meta name='generator' content='desertion'>")
    assert invoke("report", manpower_run).exit_code == 0
    assert (manpower_run / "report.html").stat().st_size > 1_000_000
    mine = tmp_path / "notes.html"
    mine.write_text("my notes")
    result = invoke("report", manpower_run, "--out", mine)
    assert result.exit_code == 2 and mine.read_text() == "my notes"
    # and the run folder, report included, is still this run's: running it again replaces it
    again = invoke("run", "syria-2014", "--scale", "0.01", "--until", "2014-10-31", "--set",
                   "factions.saa.pay=0.8", "--out", manpower_run, "--no-progress",
                   "--no-report")
    assert again.exit_code == 0, again.output
    assert not (manpower_run / "report.html").exists()


def test_civil_violence_has_a_report_too(tmp_path: Path) -> None:
    out = tmp_path / "cv"
    assert invoke("run", "civil-violence", "--out", out, "--no-progress").exit_code == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count('class="plotly-graph-div"') == 1 and not EXTERNAL.search(page)


def test_report_of_a_folder_that_is_not_a_run_is_refused(tmp_path: Path) -> None:
    result = invoke("report", tmp_path)
    assert result.exit_code == 2
    assert not (tmp_path / "report.html").exists()


# --- compare and export ----------------------------------------------------------------------

def test_compare_lists_every_figure_with_differences(manpower_run: Path, tmp_path: Path
                                                     ) -> None:
    other = tmp_path / "base"
    assert invoke("run", "syria-2014", "--scale", "0.01", "--until", "2014-10-31", "--out",
                  other, "--no-progress", "--no-plot", "--no-report").exit_code == 0
    table = tmp_path / "diff.csv"
    result = invoke("compare", other, manpower_run, "--csv", table)
    assert result.exit_code == 0, result.output
    import pandas as pd

    from desertion.engine.results import RunResult
    from desertion.manpower.outcomes import outcomes

    diff = pd.read_csv(table).set_index("outcome")
    a, b = (outcomes(RunResult.load(d)) for d in (other, manpower_run))
    assert list(diff.index) == list(a)
    name = "strength_end_saa"
    assert diff.loc[name, "B - A"] == pytest.approx(b[name] - a[name])
    assert diff.loc[name, "B / A"] == pytest.approx(b[name] / a[name])
    assert b[name] != a[name]  # the pay cut of the fixture's run shows


def test_compare_refuses_runs_of_two_models(manpower_run: Path, tmp_path: Path) -> None:
    cv = tmp_path / "cv"
    assert invoke("run", "civil-violence", "--out", cv, "--no-progress", "--no-plot",
                  "--no-report").exit_code == 0
    result = invoke("compare", manpower_run, cv)
    assert result.exit_code == 2 and "compare runs of one model" in result.output


def test_export_writes_the_tables_as_csv_inside_the_run(manpower_run: Path) -> None:
    import pandas as pd

    from desertion.engine.results import RunResult

    assert invoke("export", manpower_run, "--csv").exit_code == 0
    run = RunResult.load(manpower_run)
    events = pd.read_csv(manpower_run / "events.csv")
    assert len(events) == len(run.events)
    assert events["count"].sum() == pytest.approx(run.events["count"].sum())
    assert invoke("export", manpower_run).exit_code == 2  # no format chosen


# --- the report of an experiment's results folder ---------------------------------------------

SWEEP = """
name = "policy"
description = "execution or prison"
root_seed = 5
replications = 3
out = "{out}"
outcomes = ["deserted_isis", "strength_end_isis"]
series = ["timeseries"]
[base]
scenario = "isis-2014"
until = "2014-07-31"
[base.set]
scale = 0.02
[design]
kind = "grid"
[parameters]
"factions.isis.sanctions.desertion" = ["execution", "prison"]
"""


def test_report_of_a_sweep(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    spec = tmp_path / "policy.toml"
    spec.write_text(SWEEP.format(out=out.as_posix()))
    assert invoke("sweep", spec, "--no-progress", "--workers", "0").exit_code == 0
    result = invoke("report", out)
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert not EXTERNAL.search(page)
    for heading in ("Outcome distributions", "Outcomes against each varied parameter",
                    "Strength over time, by design point", "Failed runs"):
        assert f"<h2>{heading}" in page
    assert "6 finished, 0 failed, 6 planned (2 points x 3 replications)" in page
    assert "policy: execution or prison" in page
    assert page.count('class="plotly-graph-div"') == 3
    # the folder is still the sweep's: running it again resumes (nothing to do)
    again = invoke("sweep", spec, "--no-progress", "--workers", "0")
    assert again.exit_code == 0 and "skipped 6" in again.output


def test_sensitivity_error_bars_never_cross_zero_and_thin_samples_are_named() -> None:
    import pandas as pd

    from desertion.report.sweep_report import _sensitivity

    table = pd.DataFrame({"outcome": ["y", "y"], "parameter": ["a", "b"],
                          "mu_star": [0.1, 2.0], "mu_star_conf": [0.5, 0.3]})
    _, fig, note = _sensitivity(table, n_runs=12)
    bars = fig.data[0].error_y
    assert list(bars.arrayminus) == [0.1, 0.3]  # down to zero at most, not to -0.4
    assert list(bars.array) == [0.5, 0.3]
    assert "too thin a sample" in note
    assert "too thin" not in _sensitivity(table, n_runs=200)[2]


def test_compare_overlays_the_charts_and_export_writes_svg(manpower_run: Path,
                                                           tmp_path: Path) -> None:
    other = tmp_path / "base"
    assert invoke("run", "syria-2014", "--scale", "0.01", "--until", "2014-10-31", "--out",
                  other, "--no-progress", "--no-plot", "--no-report").exit_code == 0
    page = tmp_path / "compare.html"
    assert invoke("compare", other, manpower_run, "--html", page).exit_code == 0
    text = page.read_text(encoding="utf-8")
    assert text.count('class="plotly-graph-div"') == 1 and not EXTERNAL.search(text)
    assert "strength_end_saa" in text  # the table of differences below the charts
    assert invoke("export", manpower_run, "--svg").exit_code == 0
    assert "<svg" in (manpower_run / "plot.svg").read_text(encoding="utf-8")[:400]
