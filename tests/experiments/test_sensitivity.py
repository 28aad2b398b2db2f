"""Sensitivity analysis: Sobol' indices and Morris effects of the toy model, whose answers
are known: y = 4 x1 + x2 + bonus(label) + 0.1 count + small noise."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from desertion.cli import app
from desertion.experiments import analyze_results, load_results, run_experiment
from desertion.experiments.sensitivity import SensitivityError, write_sensitivity

SOBOL = """
    root_seed = 21
    outcomes = ["mean", "constant", "late"]
    [base]
    scenario = "toy.toml"
    [design]
    kind = "sobol"
    samples = 128
    [parameters]
    x1 = { low = 0.0, high = 1.0 }
    x2 = { low = 0.0, high = 1.0 }
    label = ["red", "blue", "green"]
"""

MORRIS = """
    root_seed = 8
    replications = 2
    outcomes = ["mean", "final"]
    [base]
    scenario = "toy.toml"
    [design]
    kind = "morris"
    samples = 10
    levels = 4
    [parameters]
    x1 = { low = 0.0, high = 1.0 }
    x2 = { low = 0.0, high = 1.0 }
"""


def _by_parameter(frame: pd.DataFrame, outcome: str) -> pd.DataFrame:
    return frame[frame["outcome"] == outcome].set_index("parameter")


def test_sobol_indices_match_the_known_variance_shares(write, tmp_path: Path) -> None:
    # the late outcome needs more than 10 steps: give it 30
    path = write(SOBOL, scenario="steps = 30\n")
    summary = run_experiment(path, out=tmp_path / "out", workers=2)
    assert summary.planned == 128 * (3 + 2)
    frame = analyze_results(summary.out, num_resamples=200)
    mean = _by_parameter(frame, "mean")
    # variances: x1 16/12, label (0, 1, 2) 2/3, x2 1/12: S1 about 0.64, 0.32 and 0.04
    assert mean.loc["x1", "S1"] == pytest.approx(0.64, abs=0.1)
    assert mean.loc["label", "S1"] == pytest.approx(0.32, abs=0.1)
    assert mean.loc["x2", "S1"] == pytest.approx(0.04, abs=0.05)
    assert mean.loc["x1", "ST"] == pytest.approx(0.64, abs=0.1)  # additive: ST = S1
    assert (mean[["S1_conf", "ST_conf"]] > 0).all().all()
    assert (mean["S1_conf"] < 0.2).all()
    constant = _by_parameter(frame, "constant")
    assert constant["S1"].isna().all() and (constant["note"] == "constant over the sample").all()
    assert not _by_parameter(frame, "late")["S1"].isna().any()
    written = write_sensitivity(frame, summary.out)
    assert [p.name for p in written] == ["sensitivity.csv", "sensitivity.parquet",
                                         "sensitivity.png"]
    assert written[2].stat().st_size > 10_000


def test_morris_effects_match_the_slopes(write, tmp_path: Path) -> None:
    path = write(MORRIS)
    summary = run_experiment(path, out=tmp_path / "out", workers=0)
    assert summary.planned == 10 * 3 * 2
    frame = analyze_results(summary.out, num_resamples=100)
    mean = _by_parameter(frame, "mean")
    assert mean.loc["x1", "mu_star"] == pytest.approx(4.0, abs=0.05)
    assert mean.loc["x2", "mu_star"] == pytest.approx(1.0, abs=0.05)
    assert mean.loc["x1", "sigma"] < 0.05  # linear: the same effect everywhere
    assert (frame["method"] == "morris").all()


def test_points_without_a_value_are_reported_not_analysed(write, tmp_path: Path) -> None:
    path = write(MORRIS, scenario="fail_at = 1.0\n")
    summary = run_experiment(path, out=tmp_path / "out", workers=0)
    assert summary.failed > 0
    frame = analyze_results(summary.out)
    assert frame["mu_star"].isna().all()
    assert frame["note"].str.contains("points have no value").all()


def test_sensitivity_command_completes_the_sweep_then_writes_table_and_chart(
        write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(MORRIS)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "results" / "experiment"
    run_experiment(path, workers=0, run_ids=range(20))  # an earlier, partial sweep
    result = CliRunner().invoke(app, ["sensitivity", str(path), "--workers", "2",
                                      "--no-progress", "--resamples", "100"])
    assert result.exit_code == 0, result.output
    assert "skipped 20 already recorded" in result.output
    assert "Morris" in result.output and "mu*" in result.output
    assert len(load_results(out)) == 60
    table = pd.read_csv(out / "sensitivity.csv")
    assert len(table) == 2 * 2 and set(table["parameter"]) == {"x1", "x2"}
    pd.testing.assert_frame_equal(  # (the CSV reads an empty note back as missing)
        pd.read_parquet(out / "sensitivity.parquet").drop(columns="note"),
        table.drop(columns="note"), check_dtype=False)
    assert (out / "sensitivity.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    again = CliRunner().invoke(app, ["sensitivity", str(path), "--no-plot",
                                     "--resamples", "100"])
    assert again.exit_code == 0 and "this call ran" not in again.output
    assert np.allclose(pd.read_csv(out / "sensitivity.csv")["mu_star"], table["mu_star"])


def test_a_grid_has_no_sensitivity_analysis(write, tmp_path: Path) -> None:
    from .conftest import TOY_EXPERIMENT

    path = write(TOY_EXPERIMENT)
    result = CliRunner().invoke(app, ["sensitivity", str(path)])
    assert result.exit_code == 2
    assert "design.kind: a sensitivity analysis needs a sobol or morris design" in \
        result.output
    summary = run_experiment(path, out=tmp_path / "out", workers=0)
    with pytest.raises(SensitivityError, match="grid design"):
        analyze_results(summary.out)
