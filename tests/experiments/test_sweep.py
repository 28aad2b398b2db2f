"""Sweeps: reproducible wherever and in whatever order runs execute; failures and dead
workers never lose or stop anything."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from desertion.engine.streams import spawn_seeds
from desertion.experiments import (
    load_experiment,
    load_manifest,
    load_results,
    load_series,
    make_plan,
    run_experiment,
)
from desertion.experiments import store as store_module
from desertion.models import models

from .conftest import MANPOWER_EXPERIMENT, TOY_EXPERIMENT, comparable


def test_same_results_on_1_or_2_processes_in_any_order_and_on_dask(write, tmp_path: Path,
                                                                   dask_client) -> None:
    path = write(MANPOWER_EXPERIMENT)
    exp = load_experiment(path)
    n = make_plan(exp).n_runs
    assert n == 8
    inline = run_experiment(exp, out=tmp_path / "inline", workers=0)
    one = run_experiment(exp, out=tmp_path / "one", workers=1)
    two = run_experiment(exp, out=tmp_path / "two", workers=2, run_ids=reversed(range(n)))
    on_dask = run_experiment(exp, out=tmp_path / "dask", dask=dask_client)
    for summary in (inline, one, two, on_dask):
        assert (summary.ran, summary.ok, summary.failed) == (8, 8, 0)
    assert on_dask.executor == "dask" and on_dask.workers == 2
    reference = comparable(load_results(inline.out))
    assert reference["seed"].tolist() == spawn_seeds(5, 8)
    assert reference["status"].eq("ok").all()
    # the policies differ, so the outcomes must too: the comparison below is not vacuous
    assert reference["deserted_isis"].nunique() > 1
    for summary in (one, two, on_dask):
        pd.testing.assert_frame_equal(comparable(load_results(summary.out)), reference)
        pd.testing.assert_frame_equal(load_series(summary.out), load_series(inline.out))


def test_a_recorded_run_is_reproduced_from_its_seed_and_parameters(write, tmp_path: Path
                                                                    ) -> None:
    exp = load_experiment(write(MANPOWER_EXPERIMENT))
    summary = run_experiment(exp, out=tmp_path / "out", workers=0)
    row = load_results(summary.out).iloc[5]
    params = {p: row[p] for p in exp.spec.parameters}
    params = {k: (float(v) if isinstance(v, np.floating) else v) for k, v in params.items()}
    run = exp.model.simulate(exp.base.with_overrides(params), seed=int(row["seed"]))
    values = exp.model.outcomes(run)
    for name in exp.outcomes:
        assert values[name] == row[name]
    series = load_series(summary.out, run_ids=[5]).drop(columns="run_id")
    pd.testing.assert_frame_equal(series.reset_index(drop=True),
                                  run.timeseries.reset_index(drop=True), check_dtype=False,
                                  check_categorical=False)
    manifest = load_manifest(summary.out)
    assert manifest["runs"][5]["seed"] == int(row["seed"])
    assert manifest["experiment"]["content"] == Path(exp.source).read_text()


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(write, tmp_path: Path) -> None:
    path = write(TOY_EXPERIMENT, scenario="fail_at = 0.3\n")
    summary = run_experiment(path, out=tmp_path / "out", workers=2)
    assert (summary.planned, summary.ok, summary.failed) == (12, 8, 4)
    assert "4 failed" in str(summary)
    frame = load_results(summary.out)
    failed = frame[frame["status"] == "failed"]
    assert sorted(failed["x1"].unique()) == [0.3]
    assert sorted(failed["label"].unique()) == ["blue", "red"]
    assert failed["error"].str.contains("ValueError: boom at x1=0.3").all()
    assert failed["mean"].isna().all()
    assert frame.loc[frame["status"] == "ok", "error"].isna().all()
    # resuming skips every recorded run, failed ones included...
    again = run_experiment(path, out=tmp_path / "out", workers=2)
    assert (again.ran, again.skipped, again.failed) == (0, 12, 4)
    # ...unless asked to retry them
    retry = run_experiment(path, out=tmp_path / "out", workers=0, retry_failed=True)
    assert (retry.ran, retry.ok, retry.failed) == (4, 8, 4)
    assert len(load_results(summary.out)) == 12


def _crash_scenario(marker: Path, always: bool = False) -> str:
    return f'crash_at = 0.3\ncrash_marker = "{marker}"\ncrash_always = {str(always).lower()}\n'


def _toy_reference(write, tmp_path: Path) -> pd.DataFrame:
    path = write(TOY_EXPERIMENT, name="reference.toml")
    summary = run_experiment(path, out=tmp_path / "reference", workers=0)
    return comparable(load_results(summary.out))


def test_a_worker_that_dies_mid_run_is_replaced_and_its_run_retried(write, tmp_path: Path
                                                                     ) -> None:
    reference = _toy_reference(write, tmp_path)
    marker = tmp_path / "crashed"
    path = write(TOY_EXPERIMENT, scenario=_crash_scenario(marker))
    summary = run_experiment(path, out=tmp_path / "out", workers=2)
    assert marker.read_text().startswith("crashed in"), "the hook never killed a worker"
    assert (summary.ok, summary.failed) == (12, 0)
    frame = comparable(load_results(summary.out))
    pd.testing.assert_frame_equal(frame[["run_id", "seed", "mean", "final"]],
                                  reference[["run_id", "seed", "mean", "final"]])


def test_a_run_that_always_kills_its_worker_fails_after_its_retries(write, tmp_path: Path
                                                                     ) -> None:
    reference = _toy_reference(write, tmp_path)
    marker = tmp_path / "crashed"
    path = write(TOY_EXPERIMENT, scenario=_crash_scenario(marker, always=True))
    summary = run_experiment(path, out=tmp_path / "out", workers=2, retries=1)
    assert (summary.ok, summary.failed) == (8, 4)
    frame = load_results(summary.out)
    failed = frame[frame["status"] == "failed"]
    assert (failed["x1"] == 0.3).all()
    assert failed["error"].str.contains("worker process died during this run 2 times").all()
    ok = comparable(frame[frame["status"] == "ok"])
    expected = reference[reference["x1"] != 0.3].reset_index(drop=True)
    pd.testing.assert_frame_equal(ok[["run_id", "mean"]], expected[["run_id", "mean"]])


def test_a_dask_worker_that_dies_loses_nothing(write, tmp_path: Path, dask_client) -> None:
    reference = _toy_reference(write, tmp_path)
    marker = tmp_path / "crashed"
    path = write(TOY_EXPERIMENT, scenario=_crash_scenario(marker))
    summary = run_experiment(path, out=tmp_path / "out", dask=dask_client)
    assert marker.exists(), "the hook never killed a worker"
    assert (summary.ok, summary.failed) == (12, 0)
    frame = comparable(load_results(summary.out))
    pd.testing.assert_frame_equal(frame[["run_id", "seed", "mean", "final"]],
                                  reference[["run_id", "seed", "mean", "final"]])


def test_small_parts_are_merged_and_duplicates_count_once(write, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.setattr(store_module, "MERGE_EVERY", 4)
    path = write(TOY_EXPERIMENT)
    summary = run_experiment(path, out=tmp_path / "out", workers=0)
    parts = sorted((summary.out / "runs").glob("part-*.parquet"))
    assert len(parts) == 1, parts  # 12 one-run parts, merged as they came and at the end
    before = load_results(summary.out)
    assert before["run_id"].tolist() == list(range(12))
    # a merge interrupted before removing its inputs leaves runs recorded twice
    (summary.out / "runs" / "part-00000099.parquet").write_bytes(parts[0].read_bytes())
    (summary.out / "runs" / ".tmp-1234-part-00000100.parquet").write_bytes(b"half a file")
    pd.testing.assert_frame_equal(load_results(summary.out), before)
    again = run_experiment(path, out=tmp_path / "out", workers=0)
    assert again.ran == 0
    assert not list((summary.out / "runs").glob(".tmp-*")), "temporary files are cleaned"
    pd.testing.assert_frame_equal(load_results(summary.out), before)


def test_grid_values_and_types_are_recorded(write, tmp_path: Path) -> None:
    path = write(TOY_EXPERIMENT.replace('label = ["red", "blue"]',
                                        "count = { low = 2, high = 4, steps = 3, "
                                        "integer = true }"))
    summary = run_experiment(path, out=tmp_path / "out", workers=0)
    frame = load_results(summary.out)
    assert len(frame) == 3 * 3 * 2
    assert frame["count"].dtype == np.int64
    assert sorted(frame["count"].unique()) == [2, 3, 4]
    # the toy's outcome depends on count: 4 x1 + x2 + 0.1 count (+ noise 0.01)
    expected = 4 * frame["x1"] + 0.5 + 0.1 * frame["count"]
    assert np.allclose(frame["mean"], expected, atol=0.02)


@pytest.mark.skipif("civil_violence" not in models(), reason="civil_violence not registered")
def test_a_sweep_of_the_civil_violence_model(write, tmp_path: Path) -> None:
    path = write("""
        root_seed = 3
        replications = 2
        outcomes = ["*"]
        [base]
        model = "civil_violence"
        [base.set]
        width = 15
        height = 15
        steps = 15
        [design]
        kind = "grid"
        [parameters]
        legitimacy = [0.5, 0.9]
    """)
    exp = load_experiment(path)
    summary = run_experiment(exp, out=tmp_path / "out", workers=0)
    assert (summary.ok, summary.failed) == (4, 0)
    frame = load_results(summary.out)
    assert set(exp.outcomes) <= set(frame.columns)
    assert all(math.isfinite(v) or math.isnan(v) for v in frame[list(exp.outcomes)].stack())


def test_a_local_dask_cluster_started_for_the_sweep(write, tmp_path: Path) -> None:
    reference = _toy_reference(write, tmp_path)
    summary = run_experiment(write(TOY_EXPERIMENT), out=tmp_path / "out", dask="local",
                             workers=1)
    assert (summary.executor, summary.workers, summary.ok) == ("dask", 1, 12)
    pd.testing.assert_frame_equal(comparable(load_results(summary.out)), reference)
