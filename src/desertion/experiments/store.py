"""The results folder: a manifest, and Parquet files written as runs finish.

    OUT/manifest.json                   the experiment file, version, design, planned runs
    OUT/runs/part-00000012.parquet      one row per finished run (written as runs finish)
    OUT/runs/part-00000001-00000011.parquet   earlier parts, merged
    OUT/series/timeseries/part-*.parquet      kept series, with a run_id column
    OUT/.sweep.lock                     while a sweep writes: its pid, locked (flock)

The tool writes only into a folder it can prove is its own: one it creates, an empty one, or
one whose manifest it wrote; anything else is refused before anything is written. One sweep
at a time writes into a folder: it holds the lock file's lock, which the kernel drops when
the sweep ends, however it ends, so a sweep killed with SIGKILL leaves a lock the next one
takes over.

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

try:
    import fcntl
except ImportError:  # Windows: no lock; one sweep per folder is then the user's business
    fcntl = None  # type: ignore[assignment]

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from desertion.experiments.design import Factor
from desertion.experiments.spec import ExperimentError
from desertion.experiments.worker import RunRecord

MANIFEST = "manifest.json"
LOCK = ".sweep.lock"
FORMAT = 1
CHOOSE_ANOTHER = "choose another folder or remove it"
NOT_OURS = f"exists and is not a desertion result; {CHOOSE_ANOTHER}"
_OUR_LEFTOVERS = re.compile(r"^(\.sweep\.lock|\.tmp-[0-9a-f]{32}-manifest\.json)$")
"""What a sweep killed before it wrote its manifest may leave in the folder it created."""
_MANIFEST_KEYS = frozenset({"format", "desertion_version", "fingerprint", "plan_digest"})
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


class ResultsFolderError(ExperimentError):
    """A results folder that is not this tool's, cannot be written, or that another sweep
    is writing into: ``OUT: what is wrong``."""

    def __init__(self, out: Path, problem: str) -> None:
        self.out = out
        self.problem = problem
        super().__init__(str(out), [("", problem)])


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
        self._lock_fd: int | None = None

    # --- manifest ---------------------------------------------------------------------------

    @property
    def manifest_path(self) -> Path:
        return self.out / MANIFEST

    def manifest(self) -> dict[str, Any] | None:
        """The folder's manifest; ``None`` if it has none. A ``manifest.json`` that this
        tool did not write raises ``ResultsFolderError``."""
        try:
            text = self.manifest_path.read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError):
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise ResultsFolderError(self.out, f"cannot read its {MANIFEST} ({exc})"
                                     ) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ResultsFolderError(self.out, f"its {MANIFEST} is not valid JSON ({exc}), "
                                     f"so this is not a desertion result; {CHOOSE_ANOTHER}"
                                     ) from None
        if not isinstance(data, dict) or not _MANIFEST_KEYS <= set(data):
            raise ResultsFolderError(self.out, f"its {MANIFEST} was not written by "
                                     f"desertion, so this is not a desertion result; "
                                     f"{CHOOSE_ANOTHER}")
        return data

    def check(self, manifest: dict[str, Any], source: str) -> dict[str, Any] | None:
        """Refuse, without writing anything, a folder this experiment may not write into;
        return its manifest (``None``: a folder to create, or an empty one).

        Refused: a path that is not a folder, a folder holding anything but this tool's
        results, a folder whose results are another experiment's (``check_manifest``),
        and a folder that cannot be created or written.
        """
        if not os.path.lexists(self.out):
            self._check_creatable()
            return None
        if not self.out.is_dir():
            raise ResultsFolderError(self.out, NOT_OURS)
        existing = self.manifest()
        if existing is not None:
            check_manifest(existing, manifest, self.manifest_path, source)
            return existing
        try:
            foreign = [e for e in self.out.iterdir() if not _OUR_LEFTOVERS.match(e.name)]
        except OSError as exc:
            raise ResultsFolderError(self.out, f"cannot be read ({exc.strerror})") from None
        if foreign:
            raise ResultsFolderError(self.out, NOT_OURS)
        if not os.access(self.out, os.W_OK | os.X_OK):
            raise ResultsFolderError(self.out, "is not writable; choose another folder")
        return None

    def _check_creatable(self) -> None:
        """The nearest existing folder above ``out`` must be a writable folder."""
        above = self.out.absolute().parent
        while not os.path.lexists(above) and above != above.parent:
            above = above.parent
        if not above.is_dir():
            raise ResultsFolderError(self.out, f"cannot be created: {above} is not a folder")
        if not os.access(above, os.W_OK | os.X_OK):
            raise ResultsFolderError(self.out, f"cannot be created: {above} is not "
                                     "writable; choose another folder")

    def open(self, manifest: dict[str, Any], schema: pa.Schema, source: str) -> None:
        """Start or resume, as the folder's only writer: create the folder and write the
        manifest, or check that it matches ``manifest``. Release it with ``close()``."""
        self.check(manifest, source)  # before the folder is created or the lock written
        self._create_folder()
        self._lock()
        try:
            # again, now that no other sweep can write here: one may have meanwhile
            existing = self.check(manifest, source)
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
        except BaseException:
            self.close()
            raise

    def _create_folder(self) -> None:
        try:
            self.out.mkdir(parents=True, exist_ok=True)  # the user's umask applies
        except OSError as exc:
            raise ResultsFolderError(self.out, f"cannot be created ({exc.strerror}); "
                                     "choose another folder") from None

    # --- one sweep at a time ----------------------------------------------------------------

    @property
    def lock_path(self) -> Path:
        return self.out / LOCK

    def _lock(self) -> None:
        """Take the folder's lock, or refuse: another sweep is writing into it."""
        if fcntl is None:
            return
        while True:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise ResultsFolderError(self.out, f"another sweep ({self._holder()}) is "
                                         "writing into it; wait for it to end, or stop "
                                         "it") from None
            if _same_file(fd, self.lock_path):
                break
            os.close(fd)  # its last holder removed it as we opened it: lock the new one
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock_fd = fd

    def _holder(self) -> str:
        try:
            pid = self.lock_path.read_text().strip()
        except OSError:
            pid = ""
        return f"pid {pid}" if pid.isdigit() else "pid unknown"

    def running_sweep(self) -> str | None:
        """Who holds the folder's lock (``pid N``), if a sweep is writing into it now."""
        if fcntl is None:
            return None
        try:
            fd = os.open(self.lock_path, os.O_RDONLY)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return self._holder()
        finally:
            os.close(fd)  # and with it the shared lock, if it was taken
        return None

    def close(self) -> None:
        """Release the folder's lock: remove the lock file while still holding it, so that
        a sweep waiting on the old file sees that it is gone."""
        if self._lock_fd is None:
            return
        self.lock_path.unlink(missing_ok=True)
        os.close(self._lock_fd)
        self._lock_fd = None

    def _clean_temporary(self) -> None:
        for folder in [self.out, self.runs_dir, *self._series_dirs()]:
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


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        return False


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
