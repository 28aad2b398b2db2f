"""Forecasts (calibration/forecast.py and `run --posterior`): ensembles whose parameters are
drawn from a posterior, written as daily bands. Tiny runs: isis-2014 at scale 0.01 to
2014-07-10."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import desertion
from desertion import cli
from desertion.calibration.forecast import (
    BAND_COLUMNS,
    Forecast,
    ForecastError,
    ForecastRunError,
    daily_outputs,
    forecast,
    output_names,
)
from desertion.calibration.posterior import Posterior
from desertion.experiments import runner as experiment_runner
from desertion.models import model_for

UNTIL = dt.date(2014, 7, 10)
HOME = "factions.isis.barriers.home"
VOLUNTEERS = "factions.isis.recruitment.local_volunteers_per_day"
INFO = {"scenario": "isis-2014", "scenario_set": {"scale": 0.01}, "seed": 7}
START_STRENGTH = 15_500  # isis-2014's two cohorts, 10,000 local and 5,500 foreign
ORDERED = ["q05", "q25", "median", "q75", "q95"]


def synthetic(home: np.ndarray, volunteers: np.ndarray) -> Posterior:
    return Posterior(draws=pd.DataFrame({HOME: home, VOLUNTEERS: volunteers}), info=INFO)


@pytest.fixture(scope="module")
def fitted() -> Posterior:
    rng = np.random.default_rng(2024)
    return synthetic(rng.uniform(0.05, 0.3, 200), rng.uniform(20, 60, 200))


@pytest.fixture(scope="module")
def inline(fitted: Posterior) -> Forecast:
    return forecast(fitted, draws=5, seed=11, until=UNTIL, workers=0)


@pytest.fixture
def no_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refusals must come before any run: asking for an executor fails the test."""
    def executor(*args: object, **kwargs: object) -> None:
        raise AssertionError("a run was about to start")
    monkeypatch.setattr(experiment_runner, "_executor", executor)


def strength_on(result: Forecast, day: dt.date | None = None) -> pd.Series:
    band = result.band("strength_isis")
    row = band.iloc[-1] if day is None else band[band["date"] == pd.Timestamp(day)].iloc[0]
    return row


def test_one_runs_daily_outputs_from_its_tables() -> None:
    d = pd.to_datetime(["2014-05-31", "2014-06-01", "2014-06-02"])
    timeseries = pd.DataFrame({
        "date": [d[0], d[0], d[0], d[1], d[1], d[1], d[2]],
        "faction": ["a", "a", "b", "a", "a", "b", "b"],
        "origin": ["local", "foreign", "local", "local", "local", "local", "local"],
        "status": ["serving", "serving", "serving", "shirking", "hiding", "jailed",
                   "abroad"],
        "agents": [1] * 7, "count": [100.0, 50.0, 30.0, 20.0, 10.0, 30.0, 5.0]})
    events = pd.DataFrame({"date": [d[0], d[1], d[1], d[1]],
                           "event": ["escaped", "escaped", "executed", "shirked"],
                           "detail": ["hide", "abroad", "desertion", ""],
                           "faction": ["a", "a", "b", "a"], "count": [2.0, 3.0, 1.0, 9.0]})
    out = daily_outputs(timeseries, events, ["a", "b"])
    assert list(out.columns) == output_names(["a", "b"])
    assert out["strength_a"].tolist() == [150.0, 20.0, 0.0]  # no row on the last day: 0
    assert out["strength_b"].tolist() == [30.0, 30.0, 0.0]
    assert out["hiding_a"].tolist() == [0.0, 10.0, 0.0]
    assert out["abroad_b"].tolist() == [0.0, 0.0, 5.0]
    assert out["cumulative_escaped_a"].tolist() == [2.0, 5.0, 5.0]  # totals carry on
    assert out["cumulative_executed_b"].tolist() == [0.0, 1.0, 1.0]
    assert out["cumulative_escaped_b"].tolist() == [0.0, 0.0, 0.0]


def test_bands_have_the_columns_and_ordered_quantiles(inline: Forecast) -> None:
    bands = inline.bands
    assert list(bands.columns) == BAND_COLUMNS
    assert inline.outputs == output_names(["isis"])
    assert {"strength_isis", "hiding_isis", "abroad_isis", "cumulative_escaped_isis",
            "cumulative_executed_isis", "cumulative_joined_isis"} <= set(inline.outputs)
    assert not bands.duplicated(["date", "output"]).any()
    days = pd.date_range("2014-05-31", UNTIL, freq="D")  # the eve of the first day on
    assert bands.groupby("output")["date"].apply(lambda d: list(d) == list(days)).all()
    values = bands[ORDERED].to_numpy()
    assert np.isfinite(values).all()
    assert (np.diff(values, axis=1) >= 0).all()  # q05 <= q25 <= median <= q75 <= q95
    assert (bands["draws"] == 5).all()
    # the ensemble spreads: strength on the last day is not the same in every run
    assert strength_on(inline)["q95"] > strength_on(inline)["q05"]


def test_strength_starts_at_the_scenarios_strength_at_full_scale(inline: Forecast) -> None:
    first = strength_on(inline, dt.date(2014, 5, 31))
    assert first[ORDERED].tolist() == [START_STRENGTH] * 5
    joined = inline.band("cumulative_joined_isis")
    assert joined[ORDERED].iloc[0].tolist() == [0.0] * 5
    assert (joined[ORDERED].diff().dropna() >= 0).all().all()  # totals only grow
    assert joined["median"].iloc[-1] > 0


def test_the_same_seed_gives_the_same_bands_in_process_and_on_workers(
        fitted: Posterior, inline: Forecast) -> None:
    again = forecast(fitted, draws=5, seed=11, until=UNTIL, workers=2)
    pd.testing.assert_frame_equal(again.bands, inline.bands)
    pd.testing.assert_frame_equal(again.parameters, inline.parameters)
    assert again.info["identity"] == inline.info["identity"]


def test_another_seed_gives_other_bands(fitted: Posterior, inline: Forecast) -> None:
    other = forecast(fitted, draws=5, seed=12, until=UNTIL, workers=0)
    assert not other.bands[ORDERED].equals(inline.bands[ORDERED])
    assert set(other.parameters["seed"]).isdisjoint(inline.parameters["seed"])
    assert other.info["identity"] != inline.info["identity"]


def test_parameters_hold_the_draws_and_their_run_seeds(fitted: Posterior,
                                                       inline: Forecast) -> None:
    params = inline.parameters
    assert list(params.columns) == ["run", "seed", "status", HOME, VOLUNTEERS]
    assert params["run"].tolist() == list(range(5))
    assert params["seed"].nunique() == 5 and (params["status"] == "ok").all()
    known = {tuple(row) for row in fitted.draws[[HOME, VOLUNTEERS]].to_numpy()}
    assert all(tuple(row) in known for row in params[[HOME, VOLUNTEERS]].to_numpy())


def test_a_wider_posterior_gives_a_wider_band_than_one_point() -> None:
    rng = np.random.default_rng(5)
    wide = synthetic(rng.uniform(0.05, 0.3, 100), rng.uniform(0, 200, 100))
    point = synthetic(np.full(100, 0.1), np.full(100, 40.0))
    bands = {name: forecast(post, draws=6, seed=1, until=UNTIL, workers=0)
             for name, post in (("wide", wide), ("point", point))}
    assert bands["point"].parameters[VOLUNTEERS].eq(40.0).all()
    width = {name: strength_on(f)["q95"] - strength_on(f)["q05"]
             for name, f in bands.items()}
    assert width["point"] > 0  # the model's own randomness is still there
    assert width["wide"] > 1.5 * width["point"]


def test_an_unknown_parameter_is_refused_before_any_run(no_runs: None) -> None:
    post = Posterior(draws=pd.DataFrame({"factions.isis.barriers.nope": [0.1, 0.2]}),
                     info=INFO)
    with pytest.raises(ForecastError, match=r"'factions\.isis\.barriers\.nope'") as caught:
        forecast(post, draws=2, seed=1, until=UNTIL, workers=0)
    assert "isis-2014" in str(caught.value) and "no key 'nope'" in str(caught.value)


def test_a_value_the_scenario_refuses_is_named_before_any_run(no_runs: None) -> None:
    post = synthetic(np.full(3, 0.1), np.full(3, -5.0))
    with pytest.raises(ForecastError, match=VOLUNTEERS.replace(".", r"\.")):
        forecast(post, draws=2, seed=1, until=UNTIL, workers=0)


def test_a_setting_of_a_drawn_parameter_is_refused(fitted: Posterior, no_runs: None) -> None:
    with pytest.raises(ForecastError, match="the posterior draws this parameter"):
        forecast(fitted, draws=2, seed=1, until=UNTIL, workers=0, settings={HOME: 0.2})


def test_a_few_failed_runs_are_noted_and_too_many_raise(fitted: Posterior,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    short = dt.date(2014, 6, 10)
    first_seed = int(forecast(fitted, draws=2, seed=3, until=short, workers=0)
                     .parameters["seed"].iloc[0])  # run 0's seed: the same for any draws
    model = model_for("isis-2014")
    simulate = model.simulate

    def flaky(scenario: object, seed: int | None = None, *args: object,
              **kwargs: object) -> object:
        if seed == first_seed:
            raise RuntimeError("boom")
        return simulate(scenario, seed, *args, **kwargs)
    monkeypatch.setattr(model, "simulate", flaky)

    ten = forecast(fitted, draws=10, seed=3, until=short, workers=0)  # 9 of 10: enough
    assert [f["run"] for f in ten.info["failed"]] == [0]
    assert "RuntimeError: boom" in ten.info["failed"][0]["error"]
    assert (ten.bands["draws"] == 9).all() and ten.info["ok"] == 9
    assert ten.parameters["status"].tolist() == ["failed", *["ok"] * 9]
    with pytest.raises(ForecastRunError, match=r"1 of 4 runs failed.*run 0.*boom"):
        forecast(fitted, draws=4, seed=3, until=short, workers=0)  # 3 of 4: too few


def test_save_writes_the_files_and_records_what_made_them(inline: Forecast,
                                                          tmp_path: Path) -> None:
    out = inline.save(tmp_path / "fc")
    assert {p.name for p in out.iterdir()} == {"bands.parquet", "bands.csv",
                                                "parameters.parquet", "forecast.json"}
    meta = json.loads((out / "forecast.json").read_text())
    assert (meta["seed"], meta["draws"], meta["desertion_version"]) == (
        11, 5, desertion.__version__)
    assert meta["scenario"] == "isis-2014" and meta["posterior"]["seed"] == 7
    assert meta["posterior"]["parameters"] == [HOME, VOLUNTEERS]
    csv = pd.read_csv(out / "bands.csv")
    assert list(csv.columns) == BAND_COLUMNS and len(csv) == len(inline.bands)
    assert csv["date"].iloc[0] == "2014-05-31"
    loaded = Forecast.load(out)
    pd.testing.assert_frame_equal(loaded.bands, inline.bands, check_dtype=False)
    pd.testing.assert_frame_equal(loaded.parameters, inline.parameters, check_dtype=False)
    assert loaded.info["identity"] == inline.info["identity"]


def test_plot_draws_the_bands(inline: Forecast, tmp_path: Path) -> None:
    path = inline.plot(tmp_path / "bands.png",
                       outputs=["strength_isis", "cumulative_joined_isis"])
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert inline.plot(tmp_path / "default.png").stat().st_size > 1000
    with pytest.raises(KeyError, match="strength_nobody"):
        inline.plot(tmp_path / "x.png", outputs=["strength_nobody"])


# --- the command line ------------------------------------------------------------------------

runner = CliRunner()


pytestmark = pytest.mark.usefixtures("wide_consoles")  # tests/conftest.py


@pytest.fixture(scope="module")
def posterior_dir(fitted: Posterior, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fitted.save(tmp_path_factory.mktemp("posterior") / "fit")


def invoke(*args: str | Path):  # type: ignore[no-untyped-def]
    return runner.invoke(cli.app, [str(a) for a in args], catch_exceptions=False)


def cli_forecast(posterior: Path, out: Path, *extra: str):  # type: ignore[no-untyped-def]
    return invoke("run", "isis-2014", "--posterior", posterior, "--draws", "4", "--scale",
                  "0.01", "--until", UNTIL.isoformat(), "--out", out, "--workers", "0",
                  "--no-progress", *extra)


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"/")
            for p in sorted(folder.rglob("*"))}


def test_cli_run_with_a_posterior_writes_bands_and_a_figure(posterior_dir: Path,
                                                            tmp_path: Path) -> None:
    out = tmp_path / "x"
    result = cli_forecast(posterior_dir, out)
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"bands.parquet", "bands.csv", "bands.png",
                                                "parameters.parquet", "forecast.json"}
    assert (out / "bands.png").read_bytes()[:4] == b"\x89PNG"
    bands = pd.read_csv(out / "bands.csv")
    assert list(bands.columns) == BAND_COLUMNS and (bands["draws"] == 4).all()
    assert bands["date"].max() == UNTIL.isoformat()
    meta = json.loads((out / "forecast.json").read_text())
    assert (meta["draws"], meta["seed"], meta["posterior"]["source"]) == (
        4, 20141228, str(posterior_dir))  # --seed defaults to the scenario's
    assert "strength_isis" in result.stdout and "90% band" in result.stdout
    last = bands[(bands["output"] == "strength_isis") & (bands["date"] == bands["date"].max())]
    assert f"{last['median'].iloc[0]:,.0f}" in result.stdout
    # the same forecast again replaces its own folder; another one needs --force
    assert cli_forecast(posterior_dir, out).exit_code == 0
    before = tree(tmp_path)
    other = cli_forecast(posterior_dir, out, "--seed", "5")
    assert other.exit_code == 2 and "holds a different forecast" in other.stderr
    assert tree(tmp_path) == before
    assert cli_forecast(posterior_dir, out, "--seed", "5", "--force").exit_code == 0
    assert json.loads((out / "forecast.json").read_text())["seed"] == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x"]  # no staging left


def test_cli_forecast_refuses_a_users_folder_and_keeps_it(posterior_dir: Path,
                                                         tmp_path: Path,
                                                         no_runs: None) -> None:
    user = tmp_path / "user"
    user.mkdir()
    (user / "notes.txt").write_text("three months of field notes")
    before = tree(tmp_path)
    result = cli_forecast(posterior_dir, user)
    assert result.exit_code == 2
    assert "exists and is not a desertion result" in result.stderr
    assert tree(tmp_path) == before


def test_cli_forecast_refusals_write_nothing(posterior_dir: Path, tmp_path: Path,
                                            no_runs: None) -> None:
    bad = Posterior(draws=pd.DataFrame({"factions.isis.barriers.nope": [0.1, 0.2]}),
                    info=INFO).save(tmp_path / "bad")
    before = tree(tmp_path)
    result = cli_forecast(bad, tmp_path / "x")
    assert result.exit_code == 2 and "factions.isis.barriers.nope" in result.stderr
    missing = cli_forecast(tmp_path / "nowhere", tmp_path / "x")
    assert missing.exit_code == 2 and f"--posterior {tmp_path / 'nowhere'}: no posterior " \
        "here" in missing.stderr
    assert tree(tmp_path) == before


@pytest.mark.parametrize(("args", "fragment"), [
    (["--draws", "4"], "--draws applies to a forecast: add --posterior DIR"),
    (["--workers", "2"], "--workers applies to a forecast: add --posterior DIR"),
    (["--draws", "4", "--workers", "0"], "--draws and --workers apply to a forecast"),
])
def test_cli_draws_and_workers_without_a_posterior_are_refused(
        args: list[str], fragment: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    def simulate(*a: object, **k: object) -> None:
        raise AssertionError("the simulation started")
    monkeypatch.setattr(cli, "_simulate", simulate)
    result = invoke("run", "isis-2014", "--no-progress", *args)
    assert result.exit_code == 2
    assert fragment in result.stderr and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_cli_draws_below_two_is_refused(posterior_dir: Path, tmp_path: Path) -> None:
    result = invoke("run", "isis-2014", "--posterior", posterior_dir, "--draws", "1",
                    "--out", tmp_path / "x")
    assert result.exit_code == 2 and "--draws" in result.output
    assert list(tmp_path.iterdir()) == []
