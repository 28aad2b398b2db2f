"""The calibration report: identifiability verdicts in the prior's unit space, the figures
(marginals, pairs, posterior predictive check) and report.md."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from desertion.calibration.posterior import Posterior
from desertion.calibration.priors import LogUniform, TruncatedNormal, Uniform
from desertion.calibration.report import (
    IDENTIFIED,
    NOT_IDENTIFIED,
    WEAKLY_IDENTIFIED,
    identifiability,
    plot_marginals,
    plot_pairs,
    plot_ppc,
    short_names,
    verdict,
    write_report,
)

PNG = b"\x89PNG\r\n\x1a\n"
N = 4000
UNIT = 1 / math.sqrt(12)

TIGHT = "factions.isis.barriers.home"
LOOSE = "factions.isis.pay"
LOG = "factions.saa.coercion.rate"
PRIORS = {
    TIGHT: Uniform(prior="uniform", low=0, high=1),
    LOOSE: TruncatedNormal(prior="truncnormal", mean=0.3, sd=0.1, low=0, high=1),
    LOG: LogUniform(prior="loguniform", low=1, high=100),
}


@pytest.fixture(scope="module")
def draws() -> pd.DataFrame:
    """TIGHT concentrated near 0.7; LOOSE drawn from its prior; LOG moderately narrowed."""
    rng = np.random.default_rng(20240601)
    return pd.DataFrame({
        TIGHT: np.clip(rng.normal(0.7, 0.02, N), 0, 1),
        LOOSE: PRIORS[LOOSE].ppf(rng.uniform(size=N)),
        # uniform over 0.6 of the unit interval: sd ratio about 0.6, weakly identified
        LOG: PRIORS[LOG].ppf(rng.uniform(0.2, 0.8, size=N)),
    })


def _ppc(inside: list[bool]) -> pd.DataFrame:
    """Synthetic PPC rows; the second observation (when there is one) is a point figure."""
    n = len(inside)
    value = np.array([12_000.0, 350.0, 4.5, 2_000_000.0, 80.0][:n])
    low = value * 0.8
    high = value * 1.3
    if n > 1:
        low[1] = high[1] = np.nan  # a point observation
    median = np.where(inside, value * 1.05, value * 3.0)
    return pd.DataFrame({
        "key": [f"obs{i}" for i in range(n)],
        "id": [f"id-{i}" for i in range(n)],
        "date": pd.to_datetime(["2014-06-01"] * n),
        "quantity": ["deserters"] * n,
        "value": value, "low": low, "high": high,
        "q05": median * 0.7, "q25": median * 0.9, "median": median,
        "q75": median * 1.1, "q95": median * 1.4,
        "inside": inside,
    })


def _is_png(path: Path) -> bool:
    data = path.read_bytes()
    return len(data) > 1000 and data.startswith(PNG)


# --- identifiability ----------------------------------------------------------------------


def test_verdicts_by_thresholds() -> None:
    assert verdict(0.1) == IDENTIFIED
    assert verdict(0.499) == IDENTIFIED
    assert verdict(0.5) == WEAKLY_IDENTIFIED
    assert verdict(0.79) == WEAKLY_IDENTIFIED
    assert verdict(0.8) == NOT_IDENTIFIED
    assert verdict(1.2) == NOT_IDENTIFIED


def test_identifiability_tells_tight_from_prior(draws: pd.DataFrame) -> None:
    table = identifiability(PRIORS, draws).set_index("parameter")
    assert list(table.columns) == ["prior_sd", "posterior_sd", "sd_ratio", "contraction",
                                   "verdict"]
    assert table.loc[TIGHT, "verdict"] == IDENTIFIED
    assert table.loc[TIGHT, "sd_ratio"] < 0.1
    # drawn from its prior: the unit-space spread is that of a uniform
    assert 0.9 < table.loc[LOOSE, "sd_ratio"] < 1.1
    assert table.loc[LOOSE, "verdict"] == NOT_IDENTIFIED
    assert table.loc[LOG, "verdict"] == WEAKLY_IDENTIFIED
    # contraction = 1 - ratio^2, and the sds on the parameters' own scales
    np.testing.assert_allclose(table["contraction"], 1 - table["sd_ratio"] ** 2)
    assert table.loc[TIGHT, "prior_sd"] == pytest.approx(UNIT)
    assert table.loc[TIGHT, "posterior_sd"] == pytest.approx(0.02, rel=0.1)
    assert table.loc[LOOSE, "posterior_sd"] == pytest.approx(table.loc[LOOSE, "prior_sd"],
                                                             rel=0.1)


def test_identifiability_compares_in_unit_space() -> None:
    # a log-uniform over two decades, drawn from its prior, is not identified even though
    # its sd on the parameter's own scale is far from the uniform's
    rng = np.random.default_rng(3)
    prior = PRIORS[LOG]
    sample = pd.DataFrame({LOG: prior.ppf(rng.uniform(size=N))})
    row = identifiability({LOG: prior}, sample).iloc[0]
    assert 0.9 < row["sd_ratio"] < 1.1
    assert row["verdict"] == NOT_IDENTIFIED


def test_identifiability_needs_a_prior_per_parameter(draws: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=LOG):
        identifiability({TIGHT: PRIORS[TIGHT], LOOSE: PRIORS[LOOSE]}, draws)


def test_short_names_use_last_two_parts_unless_they_collide() -> None:
    names = short_names(["a.b.c.home", "x.y.pay", "f.isis.barriers.home",
                         "f.saa.barriers.home"])
    assert names["x.y.pay"] == "y.pay"
    assert names["a.b.c.home"] == "c.home"
    assert names["f.isis.barriers.home"] == "isis.barriers.home"
    assert names["f.saa.barriers.home"] == "saa.barriers.home"


# --- figures ------------------------------------------------------------------------------


def test_marginals_with_truth(tmp_path: Path, draws: pd.DataFrame) -> None:
    path = plot_marginals(PRIORS, draws, tmp_path / "m.png",
                          truth={TIGHT: 0.7, LOOSE: 0.25, LOG: 5.0})
    assert path == tmp_path / "m.png"
    assert _is_png(path)


@pytest.mark.parametrize("columns", [[TIGHT], [TIGHT, LOOSE, LOG]])
def test_pairs_for_one_and_three_parameters(tmp_path: Path, draws: pd.DataFrame,
                                            columns: list[str]) -> None:
    path = plot_pairs(draws[columns], tmp_path / "sub" / "pairs.png")
    assert _is_png(path)


def test_ppc_handles_point_observations(tmp_path: Path) -> None:
    ppc = _ppc([True, False, True])
    assert ppc["low"].isna().any()
    assert _is_png(plot_ppc(ppc, tmp_path / "ppc.png"))


def test_ppc_with_a_zero_model_band(tmp_path: Path) -> None:
    ppc = _ppc([False])
    ppc[["q05", "q25", "median"]] = 0.0  # runs that gave nothing: drawn at the floor
    assert _is_png(plot_ppc(ppc, tmp_path / "ppc.png"))


# --- report.md ----------------------------------------------------------------------------


def test_write_report(tmp_path: Path, draws: pd.DataFrame) -> None:
    ppc = _ppc([True, False, True, True, False])
    baseline = _ppc([False, False, True, False, False])
    out = tmp_path / "report"
    path = write_report(out, title="isis-2014 calibration", priors=PRIORS,
                        posterior=Posterior(draws=draws), ppc=ppc,
                        diagnostics={"method": "npe", "simulations": 20000, "ok_runs": 19876,
                                     "wall_time_s": 1234.5678},
                        command="desertion calibrate isis-2014 --out fit",
                        baseline_ppc=baseline, truth={TIGHT: 0.7})
    assert path == out / "report.md"
    for name in ("marginals.png", "pairs.png", "ppc.png"):
        assert _is_png(out / name), name
    ident = pd.read_csv(out / "identifiability.csv")
    assert list(ident["parameter"]) == [TIGHT, LOOSE, LOG]
    assert len(pd.read_csv(out / "ppc.csv")) == 5

    text = path.read_text(encoding="utf-8")
    assert text.startswith("# isis-2014 calibration")
    assert "desertion calibrate isis-2014 --out fit" in text
    # diagnostics printed generically: ints with separators, floats with 4 significant digits
    assert "| simulations | 20,000 |" in text
    assert "| wall_time_s | 1235 |" in text
    # the sentence names the parameter the data do not pin down, and only it
    sentence = next(line for line in text.splitlines()
                    if line.startswith("The observations do not pin down:"))
    assert f"`{LOOSE}`" in sentence
    assert TIGHT not in sentence and LOG not in sentence
    assert "read their values as the priors', not as findings" in sentence
    # the counts match the inside columns
    assert f"{int(ppc['inside'].sum())} of 5 observations inside the model's 90% band" in text
    assert "Baseline: 1 of 5" in text and "posterior: 3 of 5" in text
    # documented figures with their ranges (or none for the point one); images linked
    assert "12,000 (9,600 – 15,600)" in text
    assert "| obs1 | 2014-06-01 | deserters | 350 | " in text
    for name in ("marginals.png", "pairs.png", "ppc.png"):
        assert f"]({name})" in text
    # one posterior row per parameter with its prior and verdict
    row = next(line for line in text.splitlines() if line.startswith(f"| `{TIGHT}`"))
    assert "uniform(low=0, high=1)" in row and row.rstrip(" |").endswith(IDENTIFIED)
    # the comparison table has one row per observation
    comparison = text.split("## Against the baseline")[1]
    assert len(re.findall(r"^\| obs\d ", comparison, flags=re.M)) == 5


def test_report_when_every_parameter_is_identified(tmp_path: Path,
                                                   draws: pd.DataFrame) -> None:
    path = write_report(tmp_path, title="t", priors=PRIORS,
                        posterior=Posterior(draws=draws[[TIGHT, LOG]]), ppc=_ppc([True]),
                        diagnostics={})
    text = path.read_text(encoding="utf-8")
    assert "do not pin down" not in text
    assert "Every parameter is at least weakly identified" in text
    assert "1 of 1 observations inside" in text
    assert "Against the baseline" not in text
