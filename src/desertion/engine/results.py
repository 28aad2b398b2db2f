"""A run's results: tables plus the metadata that makes them reproducible, saved atomically."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

TABLES = ("timeseries", "events")


@dataclass
class RunResult:
    """The outcome of one run: daily ``timeseries`` and ``events`` tables and ``meta``.

    ``meta`` holds at least the resolved scenario, the seed and the package version.
    """

    timeseries: pd.DataFrame
    events: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    def save(self, out_dir: str | Path, extra_files: dict[str, bytes] | None = None) -> Path:
        """Write ``timeseries.parquet``, ``events.parquet`` and ``run.json`` into ``out_dir``.

        The files are written into a temporary sibling folder first and swapped in at the
        end, so a run that fails half-way leaves an earlier result in ``out_dir`` intact.
        """
        out_dir = Path(out_dir)
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
        try:
            meta_json = json.dumps(self.meta, default=str)
            for name in TABLES:
                table = pa.Table.from_pandas(getattr(self, name), preserve_index=False)
                table = table.replace_schema_metadata(
                    {**(table.schema.metadata or {}), b"desertion": meta_json.encode()})
                pq.write_table(table, staging / f"{name}.parquet")
            (staging / "run.json").write_text(json.dumps(self.meta, indent=2, default=str))
            for name, content in (extra_files or {}).items():
                (staging / name).write_bytes(content)
            _swap_in(staging, out_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return out_dir

    @classmethod
    def load(cls, run_dir: str | Path) -> RunResult:
        run_dir = Path(run_dir)
        meta = json.loads((run_dir / "run.json").read_text())
        tables = {name: pd.read_parquet(run_dir / f"{name}.parquet") for name in TABLES}
        return cls(meta=meta, **tables)


def _swap_in(staging: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` by ``staging`` with renames only (the old copy is removed last)."""
    if out_dir.exists():
        retired = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        os.replace(out_dir, retired)
        os.replace(staging, out_dir)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.replace(staging, out_dir)
