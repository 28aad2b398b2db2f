"""`desertion calibrate` on a shipped file end to end, then a forecast from its posterior."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from desertion.calibration import Posterior
from desertion.cli import app

runner = CliRunner()


@pytest.mark.slow
def test_shipped_quick_calibration_runs_end_to_end_and_forecasts(tmp_path: Path) -> None:
    out = tmp_path / "fit"
    result = runner.invoke(app, ["calibrate", "isis-2014-quick", "--out", str(out),
                                 "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "posterior: median and 90% interval" in result.output
    assert "observations inside the model's 90% band" in result.output
    assert "recovery:" in result.output
    posterior = Posterior.load(out)
    assert posterior.draws.shape == (1000, 5)
    for name in ("report.md", "marginals.png", "pairs.png", "ppc.png", "ppc.csv"):
        assert (out / "report" / name).stat().st_size > 0, name
    ppc = pd.read_csv(out / "report" / "ppc.csv")
    assert len(ppc) == 4 and ppc["runs"].eq(20).all()
    assert (ppc["q05"] <= ppc["q95"]).all()
    # recovery: 20 synthetic tests, 5 parameters each, refitted by the same estimator; the
    # 90% intervals must hold the true values near 90% of the time (100 checks: below 0.75
    # has a chance under 0.01% for a calibrated estimator; measured 0.82 with its 80 runs)
    recovery = pd.read_csv(out / "recovery.csv")
    assert recovery["test"].nunique() == 20 and len(recovery) == 100
    assert 0.75 <= recovery["covered"].mean() <= 1.0
    assert (recovery["low"] <= recovery["high"]).all()
    # a rerun finds every run recorded and gives the same posterior
    again = runner.invoke(app, ["calibrate", "isis-2014-quick", "--out", str(out),
                                "--workers", "0"])
    assert again.exit_code == 0, again.output
    pd.testing.assert_frame_equal(Posterior.load(out).draws, posterior.draws)

    bands = tmp_path / "bands"
    forecast = runner.invoke(app, ["run", "isis-2014", "--posterior", str(out), "--draws",
                                   "4", "--until", "2014-07-15", "--out", str(bands),
                                   "--workers", "0"])
    assert forecast.exit_code == 0, forecast.output
    table = pd.read_csv(bands / "bands.csv")
    assert {"strength_isis", "cumulative_executed_isis"} <= set(table["output"])
    assert table["draws"].eq(4).all()


def test_bad_calibration_file_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('seed = 1\nobserve = []\n[base]\nscenario = "isis-2014"\n'
                   '[parameters."factions.isis.barriers.hom"]\nprior = "uniform"\n'
                   'low = 0\nhigh = 1\n')
    out = tmp_path / "out"
    result = runner.invoke(app, ["calibrate", str(bad), "--out", str(out)])
    assert result.exit_code == 2
    assert f"{bad}: observe:" in result.output
    assert not out.exists()


def test_check_validates_and_plans_without_running(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    from desertion.calibration import cli as calibration_cli

    monkeypatch.setattr(calibration_cli, "console", Console(width=250))  # no folded keys
    out = tmp_path / "never"
    result = runner.invoke(app, ["calibrate", "csa-1862-quick", "--check", "--out", str(out),
                                 "--simulations", "50"])
    assert result.exit_code == 0, result.output
    assert "csa_executions_all@1865-04-30" in result.output
    assert "factions.csa.enforcement.watchers_per_unit" in result.output
    assert "50 training, 20 posterior predictive, 20 baseline, 20 recovery: 110 in all" in \
        result.output.replace("\n", " ")
    assert not out.exists()
    bad = tmp_path / "bad.toml"
    bad.write_text('seed = 1\n[base]\nscenario = "csa-1862"\n[[observe]]\nid = "nope"\n'
                   'date = 1865-04-30\n[parameters."factions.csa.barriers.hide"]\n'
                   'prior = "uniform"\nlow = 0.1\nhigh = 0.3\n')
    refused = runner.invoke(app, ["calibrate", str(bad), "--check"])
    assert refused.exit_code == 2
