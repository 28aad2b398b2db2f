"""The second shipped conflict: the Confederate army 1862-1865 (issue 14), run from the
command line with its own documented figures compared."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from desertion import cli
from desertion.manpower.scenario import load_scenario
from desertion.manpower.targets import load_figures, shipped_figures

runner = CliRunner()


pytestmark = pytest.mark.usefixtures("wide_consoles")  # tests/conftest.py


@pytest.fixture(scope="module")
def csa_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("csa") / "run"
    result = runner.invoke(cli.app, ["run", "csa-1862", "--scale", "0.01", "--out", str(out),
                                     "--no-progress"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


def test_the_scenario_uses_the_new_vocabulary() -> None:
    scenario = load_scenario("csa-1862")
    csa = scenario.factions[0]
    assert scenario.start == dt.date(1862, 4, 16) and scenario.end == dt.date(1865, 4, 8)
    assert isinstance(csa.sanctions.desertion, dict) and csa.barriers.surrender is not None
    assert {s.parameter for s in scenario.schedules} >= {
        "recruitment.draft_age_max", "recruitment.draft_age_min", "rewards.surrender"}
    assert scenario.civilians[0].ages is not None


def test_every_figure_has_a_source_and_lies_in_its_range() -> None:
    figures = load_figures(shipped_figures("csa-1862"))
    assert figures["source"].notna().all() and (figures["source"].str.len() > 10).all()
    ranged = figures.dropna(subset=["low", "high"])
    assert ((ranged["low"] <= ranged["value"]) & (ranged["value"] <= ranged["high"])).all()
    assert figures["measure"].notna().sum() >= 10


def test_targets_of_a_csa_run_compare_its_own_figures(csa_run: Path, tmp_path: Path) -> None:
    table = tmp_path / "targets.csv"
    result = runner.invoke(cli.app, ["targets", str(csa_run), "--csv", str(table)],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "csa-1862.csv" in result.output
    compared = pd.read_csv(table)
    assert {"csa_deserters_total", "csa_strength", "csa_executions_all",
            "csa_captured_held"} <= set(compared["id"])
    assert len(compared) == 11 and compared["model"].gt(0).all()
    by_name = runner.invoke(cli.app, ["targets", str(csa_run), "--targets", "csa-1862"],
                            catch_exceptions=False)
    assert by_name.exit_code == 0 and "csa_deserters_total" in by_name.output


def test_a_csa_run_records_the_new_statuses_and_events(csa_run: Path) -> None:
    events = pd.read_parquet(csa_run / "events.parquet")
    kinds = set(events["event"])
    assert {"captured", "acquitted", "beaten", "conscripted", "returned_amnesty"} <= kinds
    surrendered = events[(events["event"] == "escaped") & (events["detail"] == "surrender")]
    assert surrendered["count"].sum() > 0
