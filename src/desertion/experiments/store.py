"""The results folder: a manifest, and Parquet files written as runs finish.

    OUT/manifest.json                   the experiment file, version, design, planned runs
    OUT/runs/part-00000012.parquet      one row per finished run (written as runs finish)
    OUT/runs/part-00000001-00000011.parquet   earlier parts, merged
    OUT/series/timeseries/part-*.parquet      kept series, with a run_id column

Every file is written under a temporary name and moved into place with ``os.replace``, so a
reader (or a resumed sweep) sees whole files only. Finished runs are written as soon as they
come back, so a killed sweep loses only the runs in flight; the run ids in the files tell a
resumed sweep what to skip. Small parts are merged from time to time so that the folder
does not fill with tiny files; a run found twice (after a crash between a merge and the
removal of its inputs, or after ``retry_failed``) counts once, an ``ok`` row winning.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from desertion.experiments.design import Factor
from desertion.experiments.spec import ExperimentError
from desertion.experiments.worker import RunRecord

MANIFEST = "manifest.json"
FORMAT = 1
_PART = re.compile(r"^part-(\d{8})(?:-(\d{8}))?\.parquet$")
SMALL_PART_ROWS = 4096
MERGE_EVERY = 64
"""Merge small run parts once this many have accumulated."""


def runs_schema(factors: Iterable[Factor], outcomes: Iterable[str]) -> pa.Schema:
    fields = [pa.field("run_id", pa.int64(), nullable=False),
              pa.field("point", pa.int64(), nullable=False),
              pa.field("replication", pa.int64(), nullable=False),
              pa.field("seed", pa.int64(), nullable=False)]
    fields += [pa.field(f.path, f.arrow_type()) for f in factors]
    fields += [pa.field(name, pa.float64()) for name in outcomes]
    fields += [pa.field("status", pa.string(), nullable=False),
               pa.field("error", pa.string()),
               pa.field("wall_time_s", pa.float64()),
               pa.field("worker", pa.string())]
    return pa.schema(fields)


def write_atomic(path: Path, write: Any) -> None:
    """Call ``write(tmp_path)``, then move the file into place."""
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex}-{path.name}")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, data: Any) -> None:
    write_atomic(path, lambda tmp: tmp.write_text(json.dumps(data, indent=1, default=str)
                                                  + "\n"))


def _parts(folder: Path) -> list[tuple[int, int, Path]]:
    """(first, last, path) of the part files in ``folder``, in order."""
    found = []
    if folder.is_dir():
        for entry in folder.iterdir():
            m = _PART.match(entry.name)
            if m:
                first = int(m.group(1))
                found.append((first, int(m.group(2) or first), entry))
    return sorted(found)


def _dedupe_runs(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per run id: an ``ok`` row if there is one, else the last written."""
    if frame.empty or not frame["run_id"].duplicated().any():
        return frame
    ok = (frame["status"] == "ok").to_numpy()
    order = frame.assign(_ok=ok, _i=range(len(frame))).sort_values(["run_id", "_ok", "_i"])
    return frame.loc[order.drop_duplicates("run_id", keep="last").index].sort_index()


class ResultStore:
    """Reads and writes one results folder."""

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)
        self.runs_dir = self.out / "runs"
        self.series_dir = self.out / "series"
        self._schema: pa.Schema | None = None
        self._next = 0
        self._small: list[tuple[int, int, Path, int]] = []

    # --- manifest ---------------------------------------------------------------------------

    @property
    def manifest_path(self) -> Path:
        return self.out / MANIFEST

    def manifest(self) -> dict[str, Any] | None:
        if not self.manifest_path.exists():
            return None
        return json.loads(self.manifest_path.read_text())

    def open(self, manifest: dict[str, Any], schema: pa.Schema, source: str) -> None:
        """Start or resume: write the manifest, or check that it matches ``manifest``."""
        existing = self.manifest()
        if existing is not None:
            check_manifest(existing, manifest, self.manifest_path, source)
        elif self.runs_dir.exists() and any(_parts(self.runs_dir)):
            raise ExperimentError(source, [("out", f"{self.out} holds results but no "
                                            f"{MANIFEST}; use another output folder")])
        self.out.mkdir(parents=True, exist_ok=True)
        self.runs_dir.mkdir(exist_ok=True)
        if existing is None:
            write_json_atomic(self.manifest_path, {**manifest, "created": _now()})
        self._schema = schema
        self._clean_temporary()
        parts = _parts(self.runs_dir)
        self._next = max((last for _, last, _ in parts), default=0) + 1
        self._small = [(first, last, path, pq.ParquetFile(path).metadata.num_rows)
                       for first, last, path in parts]
        self._small = [p for p in self._small if p[3] < SMALL_PART_ROWS]

    def _clean_temporary(self) -> None:
        for folder in [self.runs_dir, *self._series_dirs()]:
            for entry in folder.glob(".tmp-*"):
                entry.unlink(missing_ok=True)

    def _series_dirs(self) -> list[Path]:
        if not self.series_dir.is_dir():
            return []
        return [d for d in self.series_dir.iterdir() if d.is_dir()]

    # --- writing ----------------------------------------------------------------------------

    def write(self, records: list[RunRecord]) -> None:
        """Record finished runs: their series first, then their rows (which mark them done)."""
        if not records:
            return
        assert self._schema is not None, "open() the store first"
        seq = self._next
        self._next += 1
        name = f"part-{seq:08d}.parquet"
        tables: dict[str, list[pd.DataFrame]] = {}
        for rec in records:
            for table, frame in rec.series.items():
                tables.setdefault(table, []).append(frame)
        for table, frames in tables.items():
            folder = self.series_dir / table
            folder.mkdir(parents=True, exist_ok=True)
            frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
            arrow = pa.Table.from_pandas(frame, preserve_index=False)
            write_atomic(folder / name, lambda tmp, t=arrow: pq.write_table(t, tmp))
        rows = [self._row(rec) for rec in records]
        arrow = pa.Table.from_pylist(rows, schema=self._schema)
        write_atomic(self.runs_dir / name, lambda tmp: pq.write_table(arrow, tmp))
        self._small.append((seq, seq, self.runs_dir / name, len(rows)))
        if len(self._small) >= MERGE_EVERY:
            self.merge()

    def _row(self, rec: RunRecord) -> dict[str, Any]:
        row: dict[str, Any] = {"run_id": rec.run_id, "point": rec.point,
                               "replication": rec.replication, "seed": rec.seed}
        row.update(rec.params)
        row.update(rec.outcomes)
        row.update(status=rec.status, error=rec.error, wall_time_s=rec.wall_time_s,
                   worker=rec.worker)
        return row

    def merge(self) -> None:
        """Merge the small run parts into one file (then remove them)."""
        if len(self._small) < 2:
            return
        small = sorted(self._small)
        tables = [pq.read_table(path, schema=self._schema) for _, _, path, _ in small]
        merged = pa.Table.from_pandas(_dedupe_runs(pa.concat_tables(tables).to_pandas()),
                                      schema=self._schema, preserve_index=False)
        first, last = small[0][0], max(p[1] for p in small)
        target = self.runs_dir / f"part-{first:08d}-{last:08d}.parquet"
        write_atomic(target, lambda tmp: pq.write_table(merged, tmp))
        for _, _, path, _ in small:
            if path != target:
                path.unlink(missing_ok=True)
        self._small = [(first, last, target, merged.num_rows)] \
            if merged.num_rows < SMALL_PART_ROWS else []

    # --- reading ----------------------------------------------------------------------------

    def finished(self) -> dict[int, str]:
        """Status (``ok``/``failed``) of every run recorded in the files."""
        status: dict[int, str] = {}
        for _, _, path in _parts(self.runs_dir):
            table = pq.read_table(path, columns=["run_id", "status"])
            for run_id, state in zip(table.column("run_id").to_pylist(),
                                     table.column("status").to_pylist(), strict=True):
                if status.get(run_id) != "ok":
                    status[run_id] = state
        return status

    def results(self) -> pd.DataFrame:
        tables = [pq.read_table(path) for _, _, path in _parts(self.runs_dir)]
        if not tables:
            manifest = self.manifest()
            if manifest is None:
                raise FileNotFoundError(f"{self.out}: no {MANIFEST} here; expected a folder "
                                        "written by an experiment")
            return pd.DataFrame(columns=manifest.get("columns", []))
        frame = pa.concat_tables(tables, promote_options="default").to_pandas()
        frame = _dedupe_runs(frame)
        return frame.sort_values("run_id", kind="stable").reset_index(drop=True)

    def series(self, table: str, run_ids: Iterable[int] | None = None) -> pd.DataFrame:
        folder = self.series_dir / table
        wanted = None if run_ids is None else sorted(set(run_ids))
        frames = []
        for i, (_, _, path) in enumerate(_parts(folder)):
            filters = None if wanted is None else [("run_id", "in", wanted)]
            frame = pq.read_table(path, filters=filters).to_pandas()
            frames.append(frame.assign(_file=i))
        if not frames:
            raise FileNotFoundError(f"{folder}: no {table} series here (list it in the "
                                    f"experiment's series to keep it)")
        frame = pd.concat(frames, ignore_index=True)
        # a run's rows come from one file only, should it have been written twice
        first = frame.groupby("run_id")["_file"].transform("min")
        frame = frame[frame["_file"] == first].drop(columns="_file")
        return frame.sort_values("run_id", kind="stable").reset_index(drop=True)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def check_manifest(existing: dict[str, Any], new: dict[str, Any], path: Path,
                   source: str) -> None:
    """Refuse to mix results of different experiments (or versions) in one folder."""
    def refuse(key: str, detail: str) -> ExperimentError:
        return ExperimentError(source, [(key, f"manifest mismatch: {detail}")])

    if existing.get("format") != FORMAT:
        raise refuse("out", f"{path} has format {existing.get('format')}, expected {FORMAT}")
    if existing.get("fingerprint") != new["fingerprint"]:
        old, now = existing.get("identity", {}), new["identity"]
        differ = []
        old_spec, new_spec = old.get("spec", {}), now["spec"]
        differ += [k for k in sorted(set(old_spec) | set(new_spec))
                   if old_spec.get(k) != new_spec.get(k)]
        differ += [k for k in ("parameter_order", "model", "base_scenario", "outcomes")
                   if old.get(k) != now.get(k) and k not in differ]
        what = ", ".join(differ) or "its content"
        raise refuse("", f"the results in {path.parent} were written for a different "
                         f"experiment (it differs in: {what}); refusing to mix results. Use "
                         f"another output folder (out, or --out) or delete {path.parent}")
    if existing.get("desertion_version") != new["desertion_version"]:
        raise refuse("", f"the results in {path.parent} were written by desertion "
                         f"{existing.get('desertion_version')}, this is "
                         f"{new['desertion_version']}; results could differ. Use another "
                         f"output folder")
    if existing.get("plan_digest") != new["plan_digest"]:
        raise refuse("", f"the same experiment plans different runs than {path} records "
                         f"(another SALib or numpy version?); use another output folder")


def load_manifest(out: str | Path) -> dict[str, Any]:
    """The manifest of a results folder."""
    manifest = ResultStore(out).manifest()
    if manifest is None:
        raise FileNotFoundError(f"{out}: no {MANIFEST} here; expected a folder written by "
                                "an experiment")
    return manifest


def load_results(out: str | Path, status: str | None = None) -> pd.DataFrame:
    """The results of an experiment as one DataFrame, one row per finished run by run id.

    Columns: ``run_id, point, replication, seed``, the parameters (by dotted path), the
    outcomes, ``status`` (``ok``/``failed``), ``error``, ``wall_time_s`` and ``worker``.
    ``status="ok"`` keeps only the runs that succeeded.
    """
    frame = ResultStore(out).results()
    if status is not None:
        frame = frame[frame["status"] == status].reset_index(drop=True)
    return frame


def load_series(out: str | Path, table: str = "timeseries",
                run_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """A kept series table (``timeseries`` or ``events``) of every run, with ``run_id``."""
    return ResultStore(out).series(table, run_ids)
