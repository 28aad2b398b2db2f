"""Whole runs: determinism, conservation, results and their metadata, the model registry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import desertion
from desertion.civil_violence import CivilViolenceScenario, counts_by_step, simulate
from desertion.civil_violence.model import run_world
from desertion.engine.results import RunResult
from desertion.models import model_for, models

SMALL = CivilViolenceScenario(width=30, height=30, cop_density=0.04, legitimacy=0.82,
                              max_jail_term=30, steps=220)


@pytest.fixture(scope="module")
def small_run() -> RunResult:
    return simulate(SMALL, seed=7)


@pytest.mark.parametrize("activation", ["sequential", "synchronous"])
def test_same_seed_same_run_bit_for_bit(activation: str) -> None:
    scenario = SMALL.with_overrides({"activation": activation})
    first, _, _ = run_world(scenario, seed=3)
    # another chunking of the steps: the random streams must be consumed the same way
    second, _, _ = run_world(scenario, seed=3, chunk_agent_steps=1)
    for column in first.agents.names:
        np.testing.assert_array_equal(first.agents[column], second.agents[column])
    np.testing.assert_array_equal(first.code, second.code)
    np.testing.assert_array_equal(first.order, second.order)
    a, b = simulate(scenario, seed=3), simulate(scenario, seed=3)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    pd.testing.assert_frame_equal(a.events, b.events)


def test_different_seeds_differ(small_run: RunResult) -> None:
    other = simulate(SMALL, seed=8)
    assert not np.array_equal(counts_by_step(small_run)["active"], counts_by_step(other)["active"])
    one_step = SMALL.with_overrides({"steps": 1})
    first, second = run_world(one_step, seed=7)[0], run_world(one_step, seed=8)[0]
    assert not np.array_equal(first.occ, second.occ)  # other placements, other moves


def test_census_changes_equal_the_recorded_flows(small_run: RunResult) -> None:
    counts = counts_by_step(small_run)
    n = small_run.meta["n_citizens"]
    assert (counts.sum(axis=1) == n).all()
    assert counts.loc[0].tolist() == [n, 0, 0]  # everyone starts quiet
    events = small_run.events
    net = pd.DataFrame(0, index=counts.index, columns=counts.columns)
    for row in events.itertuples(index=False):
        net.loc[row.step, row.from_status] -= row.agents
        net.loc[row.step, row.to_status] += row.agents
    pd.testing.assert_frame_equal(counts.diff().iloc[1:], net.iloc[1:].astype(float),
                                  check_dtype=False)
    assert set(events["event"]) == {"activated", "calmed", "arrested", "released"}


def test_result_tables_meta_and_files(small_run: RunResult, tmp_path: Path) -> None:
    ts = small_run.timeseries
    assert list(ts.columns) == ["step", "agent", "status", "agents", "count"]
    assert ts["step"].min() == 0 and ts["step"].max() == SMALL.steps
    assert len(ts) == (SMALL.steps + 1) * 3
    meta = small_run.meta
    assert meta["model"] == "civil_violence" and meta["seed"] == 7
    assert meta["version"] == desertion.__version__
    assert CivilViolenceScenario.model_validate(meta["scenario"]) == SMALL
    assert meta["agent_steps"] == (meta["n_citizens"] + meta["n_cops"]) * SMALL.steps
    assert 0 < meta["step_seconds"] <= meta["wall_time_s"]
    loaded = RunResult.load(small_run.save(tmp_path / "run"))
    pd.testing.assert_frame_equal(loaded.timeseries, small_run.timeseries, check_categorical=False)
    assert loaded.meta["scenario"] == meta["scenario"]


def test_progress_is_reported_up_to_the_last_step() -> None:
    calls: list[tuple[int, int]] = []
    simulate(SMALL, seed=1, progress=lambda done, total: calls.append((done, total)),
             chunk_agent_steps=20_000)
    done = [d for d, _ in calls]
    assert len(calls) > 3 and done == sorted(done) and calls[-1] == (SMALL.steps, SMALL.steps)
    assert {t for _, t in calls} == {SMALL.steps}


def test_default_seed_is_the_scenarios() -> None:
    scenario = SMALL.with_overrides({"seed": 7, "steps": 20})
    a, b = simulate(scenario), simulate(scenario, seed=7)
    assert a.meta["seed"] == 7
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)


def test_registered_with_the_engine(small_run: RunResult, tmp_path: Path) -> None:
    spec = models()["civil_violence"]
    assert model_for("civil-violence") is spec
    path = tmp_path / "cv.toml"
    path.write_text('model = "civil_violence"\nsteps = 10\n')
    assert model_for(path) is spec and spec.load(path).steps == 10
    outcomes = spec.outcomes(small_run)
    counts = counts_by_step(small_run)
    assert outcomes["peak_active"] == counts["active"].max()
    assert outcomes["jailed_final"] == counts["jailed"].iloc[-1]
    assert outcomes["mean_jailed_100_200"] == pytest.approx(counts["jailed"].loc[100:200].mean())
    assert outcomes["jailed_200"] == counts["jailed"].loc[200]
    assert outcomes["number_of_outbursts"] >= 1
    png = spec.plot(small_run, tmp_path / "plot.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    tables = spec.summary_tables(small_run)
    assert tables[0].row_count == len(outcomes)
    assert tables[1].row_count == min(outcomes["number_of_outbursts"], 12)


def test_cli_runs_a_shipped_scenario(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from desertion.cli import app

    out = tmp_path / "cv"
    result = CliRunner().invoke(app, ["run", "civil-violence", "--seed", "5", "--out", str(out),
                                      "--set", "steps=60", "--no-progress"])
    assert result.exit_code == 0, result.output
    saved = RunResult.load(out)
    assert saved.meta["seed"] == 5 and saved.meta["scenario"]["steps"] == 60
    assert (out / "plot.png").exists()
