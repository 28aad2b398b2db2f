"""RunResult: Parquet tables and run.json, saved atomically and loaded back."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from desertion.engine.results import RunResult
from desertion.manpower.model import simulate
from desertion.manpower.scenario import load_scenario


@pytest.fixture(scope="module")
def run() -> RunResult:
    return simulate(load_scenario("isis-2014", scale=0.02).until(dt.date(2014, 7, 15)))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_save_writes_the_files(run: RunResult, tmp_path: Path) -> None:
    out = run.save(tmp_path / "out", extra_files={"notes.txt": b"hello"})
    assert out == tmp_path / "out"
    assert {p.name for p in out.iterdir()} == {"timeseries.parquet", "events.parquet",
                                               "run.json", "notes.txt"}
    meta = json.loads((out / "run.json").read_text())
    assert meta["seed"] == run.meta["seed"] and meta["version"] == run.meta["version"]
    for name in ("timeseries", "events"):
        stored = json.loads(pq.read_schema(out / f"{name}.parquet").metadata[b"desertion"])
        assert stored == json.loads(json.dumps(run.meta))
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left


def test_round_trip(run: RunResult, tmp_path: Path) -> None:
    loaded = RunResult.load(run.save(tmp_path / "out"))
    assert loaded.meta == run.meta
    # Parquet stores dates in milliseconds at the finest here; values must survive
    for name in ("timeseries", "events"):
        original, back = getattr(run, name), getattr(loaded, name)
        pd.testing.assert_frame_equal(back.drop(columns="date"),
                                      original.drop(columns="date"), check_exact=True)
        assert (back["date"] == original["date"]).all()


def test_round_trip_is_exact(run: RunResult, tmp_path: Path) -> None:
    loaded = RunResult.load(run.save(tmp_path / "out"))
    pd.testing.assert_frame_equal(loaded.timeseries, run.timeseries)
    pd.testing.assert_frame_equal(loaded.events, run.events)


def test_save_replaces_an_earlier_result(run: RunResult, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run.save(out, extra_files={"old.txt": b"old"})
    other = RunResult(run.timeseries.head(10), run.events.head(3), {**run.meta, "seed": 1})
    other.save(out)
    assert not (out / "old.txt").exists()
    assert json.loads((out / "run.json").read_text())["seed"] == 1
    assert len(pd.read_parquet(out / "timeseries.parquet")) == 10
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_failed_save_leaves_the_earlier_result_intact(run: RunResult, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch
                                                      ) -> None:
    out = tmp_path / "out"
    run.save(out)
    before = snapshot(out)
    real_write = pq.write_table
    calls = []

    def failing_write(table, where, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(where)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_write(table, where, *args, **kwargs)

    monkeypatch.setattr(pq, "write_table", failing_write)
    other = RunResult(run.timeseries.head(5), run.events.head(5), {**run.meta, "seed": 9})
    with pytest.raises(OSError, match="disk full"):
        other.save(out)
    assert len(calls) == 2  # the first table was written (somewhere) before the failure
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # staging cleaned up


def test_failed_first_save_leaves_nothing(run: RunResult, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_write(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", failing_write)
    with pytest.raises(OSError):
        run.save(tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_save_creates_parent_folders(run: RunResult, tmp_path: Path) -> None:
    out = run.save(tmp_path / "a" / "b" / "run")
    assert (out / "run.json").exists()


def test_load_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        RunResult.load(tmp_path / "nothing")
