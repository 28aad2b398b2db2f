"""The validation's results folder: claimed before anything runs, written whole or not at all.

It follows the package's output rules (``engine/output.py``): a folder is replaced only when
it is empty or one this command wrote (a ``validation.json`` of this format, and nothing but
the files it lists); a folder with anything of the user's in it, a run's result folder, a
file or the current folder is refused before any run. The results are written into a
staging folder next to the target and swapped in with renames.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from desertion.engine.output import (
    OutputError,
    ResultFolder,
    claim_own_result,
    read_own_meta,
    read_run_json,
)
from desertion.validation.design import CheckResult, Pattern

FORMAT = "desertion.validation/1"
META_FILE = "validation.json"
TABLE = "validation"
PER_SEED = "per_seed.csv"


def read_meta(folder: Path) -> dict[str, Any] | None:
    """The ``validation.json`` of ``folder`` if this command wrote it, else ``None``."""
    return read_own_meta(folder, META_FILE, FORMAT)


def claim(target: str | Path, option: str = "--out") -> ResultFolder:
    """The results folder, checked and staged before anything runs (``OutputError``)."""
    target = Path(target)
    if target.is_dir() and not target.is_symlink():
        meta = read_meta(target)
        if meta is not None:
            return _claim_own(target, meta, option)
        if read_run_json(target) is not None:
            raise OutputError(option, target, "holds the result of a `desertion run`; "
                              "choose another folder for the validation")
    return ResultFolder.claim(target, option=option)


def _claim_own(target: Path, meta: dict[str, Any], option: str) -> ResultFolder:
    """An earlier validation's folder: replaced whole, if it holds only what it wrote."""
    return claim_own_result(target, {*meta["files"], META_FILE}, option,
                            "a validation result")


def table(results: Sequence[CheckResult]) -> pd.DataFrame:
    """One row per check: the validation table."""
    return pd.DataFrame([r.row() for r in results])


def per_seed_table(results: Sequence[CheckResult]) -> pd.DataFrame:
    """The per-seed values behind each check's estimate."""
    return pd.DataFrame([{"pattern": r.pattern, "check": r.check, "seed": seed, "value": v}
                         for r in results for seed, v in zip(r.seeds, r.values, strict=True)],
                        columns=["pattern", "check", "seed", "value"])


def write(folder: ResultFolder, results: Sequence[CheckResult], chosen: Sequence[Pattern],
          meta: dict[str, Any], figures: bool = True) -> list[str]:
    """Write the tables, the figures and ``validation.json``; swap the folder in."""
    from desertion.validation.figures import pattern_figure

    names: list[str] = []

    def fill(staging: Path) -> list[str]:
        frame = table(results)
        frame.to_csv(staging / f"{TABLE}.csv", index=False)
        frame.to_parquet(staging / f"{TABLE}.parquet", index=False)
        per_seed_table(results).to_csv(staging / PER_SEED, index=False)
        names.extend([f"{TABLE}.csv", f"{TABLE}.parquet", PER_SEED])
        for p in chosen if figures else ():
            name = f"pattern-{p.number}.png"
            pattern_figure(p, [r for r in results if r.pattern == p.number], staging / name)
            names.append(name)
        record = {"format": FORMAT, **meta, "files": [*names, META_FILE],
                  "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        (staging / META_FILE).write_text(json.dumps(record, indent=2, default=str) + "\n",
                                         encoding="utf-8")
        return names

    folder.commit(fill)
    return [*names, META_FILE]
