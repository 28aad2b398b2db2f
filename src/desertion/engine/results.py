"""A run's results: tables plus the metadata that makes them reproducible, saved atomically."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desertion.engine.errors import InputError
from desertion.engine.output import RUN_FILE, RUN_FORMAT, ResultFolder, run_identity

if TYPE_CHECKING:  # pandas and pyarrow load only when tables are made or read
    import pandas as pd

TABLES = ("timeseries", "events")


class ResultError(InputError):
    """A result folder that cannot be read: names the file and what is wrong with it."""


class MissingResultError(ResultError, FileNotFoundError):
    """A result folder, or one of its files, that is not there."""


@dataclass
class RunResult:
    """The outcome of one run: daily ``timeseries`` and ``events`` tables and ``meta``.

    ``meta`` holds at least the model, the resolved scenario, the seed and the package version.
    """

    timeseries: pd.DataFrame
    events: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def identity(self) -> str:
        """A digest of the model, resolved scenario and seed (see ``output.run_identity``)."""
        return run_identity(str(self.meta.get("model", "manpower")),
                            self.meta.get("scenario", {}), self.meta.get("seed", -1))

    def save(self, out_dir: str | Path, extra_files: dict[str, bytes] | None = None, *,
             replace_other_run: bool = True) -> Path:
        """Write ``timeseries.parquet``, ``events.parquet`` and ``run.json`` into ``out_dir``.

        The files are written into a temporary sibling folder first and swapped in at the
        end, so a run that fails half-way leaves an earlier result in ``out_dir`` intact.
        Only an empty folder or an earlier result of this tool is replaced (see
        ``engine/output.py``); ``replace_other_run=False`` also refuses a result of another
        run. Raises ``OutputError`` otherwise.
        """
        folder = ResultFolder.claim(out_dir, self.identity,
                                    replace_other_run=replace_other_run)
        return self.save_into(folder, extra_files)

    def save_into(self, folder: ResultFolder, extra_files: dict[str, bytes] | None = None
                  ) -> Path:
        """Fill a claimed folder (see ``ResultFolder.claim``) and swap it in."""
        return folder.commit(lambda staging: self._write(staging, extra_files or {}))

    def _write(self, staging: Path, extra_files: dict[str, bytes]) -> list[str]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        files = sorted({*(f"{name}.parquet" for name in TABLES), RUN_FILE, *extra_files})
        # the tables carry the run's metadata as is; run.json adds what proves it ours
        meta_json = json.dumps(self.meta, default=str)
        for name in TABLES:
            table = pa.Table.from_pandas(getattr(self, name), preserve_index=False)
            table = table.replace_schema_metadata(
                {**(table.schema.metadata or {}), b"desertion": meta_json.encode()})
            pq.write_table(table, staging / f"{name}.parquet")
        meta = {"format": RUN_FORMAT, **self.meta, "files": files}
        (staging / RUN_FILE).write_text(json.dumps(meta, indent=2, default=str))
        for name, content in extra_files.items():
            (staging / name).write_bytes(content)
        return files

    @classmethod
    def load(cls, run_dir: str | Path) -> RunResult:
        """Read a folder written by ``save``; ``ResultError`` names a missing or bad file."""
        import pandas as pd
        import pyarrow as pa

        run_dir = Path(run_dir)
        meta_path = run_dir / RUN_FILE
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise MissingResultError(str(run_dir), [("", f"no {RUN_FILE} here; expected a folder "
                                              "written by `desertion run`")]) from None
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ResultError(str(meta_path), [("", f"cannot be read as JSON: {exc}")]
                              ) from None
        if not isinstance(meta, dict) or not {"scenario", "seed"} <= set(meta):
            raise ResultError(str(meta_path), [("", "is not the run.json of a desertion run "
                                                "(expected scenario and seed)")])
        tables = {}
        for name in TABLES:
            path = run_dir / f"{name}.parquet"
            try:
                tables[name] = pd.read_parquet(path)
            except FileNotFoundError:
                raise MissingResultError(str(path), [("", "missing; the run folder is incomplete")]
                                  ) from None
            except (OSError, pa.ArrowException, ValueError) as exc:
                raise ResultError(str(path), [("", f"cannot be read as Parquet: {exc}")]
                                  ) from None
        meta.pop("files", None)
        meta.pop("format", None)
        return cls(meta=meta, **tables)
