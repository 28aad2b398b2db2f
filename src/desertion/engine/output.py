"""Where results go: the tool writes only where it can prove nothing of the user's is lost.

The rules, for every writer of the package (run folders, single files such as a CSV):

- A folder is replaced only when it is one of this tool's results: it holds a ``run.json``
  of a recognised format and nothing but the files that run wrote. Anything else (a folder
  with the user's notes, a regular file, the current folder) is refused before any work.
- A result of a *different* run (another scenario, seed or model) is replaced only when the
  caller says so (``replace_other_run=True``, the CLI's ``--force``).
- Every path is checked for writability before the work starts, by creating the folder the
  results will be staged in. Parents created for it are removed again if the work fails.
- Folders are created with the user's umask (``tempfile.mkdtemp`` would make them 0700).
- A default folder derived from user text (a scenario's name) is a safe slug under a fixed
  root, with a short hash of the resolved scenario, so distinct runs never share one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from desertion.engine.errors import InputError

RUN_FORMAT = "desertion.run/1"
"""The ``format`` key of every ``run.json`` this version writes."""
RUN_FILE = "run.json"
LEGACY_RUN_FILES = frozenset({"run.json", "timeseries.parquet", "events.parquet", "plot.png"})
"""What a result written before ``format`` was recorded may hold (0.1.0 wrote no list)."""
SLUG_LENGTH = 48


class OutputError(InputError):
    """An output path that would lose the user's data or cannot be written."""

    def __init__(self, option: str, path: Path | str, message: str) -> None:
        super().__init__(f"{option} {path}", [("", message)])


# --- identity and default folders ------------------------------------------------------------

def run_identity(model: str, scenario: dict[str, Any], seed: int) -> str:
    """A digest of what determines a run's results: the model, resolved scenario and seed."""
    text = json.dumps({"model": model, "scenario": scenario, "seed": seed}, sort_keys=True,
                      default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def slug(text: str, fallback: str = "scenario") -> str:
    """``text`` as a safe file name: lower case, ``[a-z0-9._-]``, no leading dot, bounded."""
    cleaned = re.sub(r"[^a-z0-9._-]+", "-", text.lower())
    cleaned = re.sub(r"-{2,}", "-", cleaned).strip("-._")[:SLUG_LENGTH].strip("-._")
    return cleaned or fallback


def default_run_folder(root: Path, name: str, seed: int, identity: str) -> Path:
    """``root/NAME-seedN-HASH``: one folder per distinct resolved scenario and seed."""
    return root / f"{slug(name)}-seed{seed}-{identity[:8]}"


# --- what a folder holds ---------------------------------------------------------------------

def read_run_json(folder: Path) -> dict[str, Any] | None:
    """The ``run.json`` of ``folder`` if it is one this tool wrote, else ``None``."""
    path = folder / RUN_FILE
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(meta, dict):
        return None
    if meta.get("format") == RUN_FORMAT:
        return meta
    if "format" not in meta and {"scenario", "seed", "version"} <= set(meta):
        return meta  # written before the format was recorded
    return None


REPORT_FILE = "report.html"
"""A run's report, written with the run or later by ``desertion report``: the tool's own."""
EXPORT_FILES = frozenset({"timeseries.csv", "events.csv", "plot.svg"})
"""The tables as CSV, written later by ``desertion export``: the tool's own too."""


def _own_files(meta: dict[str, Any]) -> frozenset[str]:
    files = meta.get("files")
    if isinstance(files, list) and all(isinstance(f, str) for f in files):
        return frozenset(files) | {RUN_FILE, REPORT_FILE} | EXPORT_FILES
    return LEGACY_RUN_FILES | {REPORT_FILE} | EXPORT_FILES


def foreign_entries(folder: Path, meta: dict[str, Any]) -> list[str]:
    """Entries of a result folder that its run did not write (the user's, say)."""
    own = _own_files(meta)
    return sorted(entry.name for entry in folder.iterdir() if entry.name not in own)


# --- claiming a folder -----------------------------------------------------------------------

def umask() -> int:
    """The process's umask, read without changing it where Linux allows."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def make_dirs(path: Path) -> list[Path]:
    """Create ``path`` and its missing parents; return those created, outermost first."""
    missing = []
    for folder in [path, *path.parents]:
        if folder.is_dir():
            break
        missing.append(folder)
    for folder in reversed(missing):
        folder.mkdir()
    return list(reversed(missing))


def remove_empty(folders: Iterable[Path]) -> None:
    """Remove folders created for a write that did not happen (innermost first)."""
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            folder.rmdir()


def _is_current_folder_or_above(path: Path) -> bool:
    here = Path.cwd().resolve()
    target = path.resolve()
    return target == here or target in here.parents


class ResultFolder:
    """A folder claimed for one run's results: checked, staged, swapped in whole or not at all.

    ``claim`` refuses (``OutputError``) anything that is not safe to write or replace, and
    creates the staging folder next to the target, so an unwritable path fails before any
    work. ``commit(write)`` fills the staging folder and swaps it in with renames; ``abandon``
    leaves the target as it was and removes what the claim created.
    """

    def __init__(self, target: Path, staging: Path, created: list[Path]) -> None:
        self.target = target
        self.staging = staging
        self._created = created

    @classmethod
    def claim(cls, target: str | Path, identity: str | None = None, *,
              replace_other_run: bool = False, option: str = "--out") -> ResultFolder:
        target = Path(target)
        check_replaceable(target, identity, replace_other_run=replace_other_run,
                          option=option)
        created = _make_parent(target, option)
        try:
            staging = Path(tempfile.mkdtemp(prefix=f".{target.name[:64]}.", dir=target.parent))
        except OSError as exc:
            remove_empty(created)
            raise OutputError(option, target, f"cannot write in {target.parent}: "
                              f"{exc.strerror or exc}") from None
        staging.chmod(0o777 & ~umask())
        return cls(target, staging, created)

    def commit(self, write: Callable[[Path], list[str]]) -> Path:
        """``write(staging) -> names written``; then swap the staging folder in."""
        try:
            write(self.staging)
            _swap_in(self.staging, self.target)
        except BaseException:
            self.abandon()
            raise
        return self.target

    def abandon(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        remove_empty(self._created)


def read_own_meta(folder: Path, name: str, format: Any) -> dict[str, Any] | None:
    """The metadata file ``name`` of ``folder`` if this tool wrote it (its ``format`` and a
    list of the ``files`` it wrote), else ``None``."""
    try:
        meta = json.loads((Path(folder) / name).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("format") != format:
        return None
    files = meta.get("files")
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return meta


def claim_own_result(target: Path, own_files: Iterable[str], option: str, what: str
                     ) -> ResultFolder:
    """A folder an earlier command of this tool wrote (``what``: "a validation result",
    say), staged to be replaced whole: refused if it is the current folder (or above it), or
    if it also holds files other than ``own_files``."""
    if _is_current_folder_or_above(target):
        raise OutputError(option, target, "is the current folder (or holds it); choose a "
                          "folder for the results")
    own = set(own_files)
    extra = sorted(e.name for e in target.iterdir() if e.name not in own)
    if extra:
        shown = ", ".join(extra[:5]) + (", ..." if len(extra) > 5 else "")
        raise OutputError(option, target, f"is {what} but also holds files it did not write "
                          f"({shown}); choose another folder or move them")
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name[:64]}.", dir=target.parent))
    except OSError as exc:
        raise OutputError(option, target, f"cannot write in {target.parent}: "
                          f"{exc.strerror or exc}") from None
    staging.chmod(0o777 & ~umask())
    return ResultFolder(target, staging, [])


def _present(path: Path, option: str, target: Path | None = None) -> bool:
    """Whether anything (a link included) is at ``path``; a path the system cannot even look
    up (a name too long, a forbidden folder) is refused."""
    try:
        path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return False  # a parent that is a file is named by the parents' check
    except OSError as exc:
        raise OutputError(option, target or path, f"cannot be used: {exc.strerror}") from None
    return True


def check_replaceable(target: Path, identity: str | None, *, replace_other_run: bool,
                      option: str = "--out") -> None:
    """Refuse a target whose replacement could lose anything the user owns."""
    if not _present(target, option):
        return
    if target.is_symlink() or not target.is_dir():
        raise OutputError(option, target, "exists and is not a folder; choose another "
                          "folder or remove it")
    if _is_current_folder_or_above(target):
        raise OutputError(option, target, "is the current folder (or holds it); choose a "
                          "folder for the results")
    try:
        empty = not any(target.iterdir())
    except OSError as exc:
        raise OutputError(option, target, f"cannot be read: {exc.strerror}") from None
    if empty:
        return
    meta = read_run_json(target)
    if meta is None:
        raise OutputError(option, target, "exists and is not a desertion result; choose "
                          "another folder or remove it")
    extra = foreign_entries(target, meta)
    if extra:
        shown = ", ".join(extra[:5]) + (", ..." if len(extra) > 5 else "")
        raise OutputError(option, target, f"is a desertion result but also holds files it "
                          f"did not write ({shown}); choose another folder or move them")
    if identity is not None and not replace_other_run:
        theirs = run_identity(str(meta.get("model", "manpower")), meta.get("scenario", {}),
                              meta.get("seed", -1)) if "scenario" in meta else None
        if theirs != identity:
            scenario = meta.get("scenario") if isinstance(meta.get("scenario"), dict) else {}
            raise OutputError(option, target, f"holds the result of a different run "
                              f"({scenario.get('name', '?')}, seed {meta.get('seed')}); "
                              "add --force to replace it, or choose another folder")


def _make_parent(target: Path, option: str) -> list[Path]:
    parent = target.parent
    for folder in [parent, *parent.parents]:
        if _present(folder, option, target):
            if not folder.is_dir():
                raise OutputError(option, target, f"{folder} is a file, not a folder")
            break
    try:
        return make_dirs(parent)
    except OSError as exc:
        raise OutputError(option, target, f"cannot create {parent}: "
                          f"{exc.strerror or exc}") from None


def _swap_in(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging`` with renames only (the old copy is removed last)."""
    if target.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{target.name[:64]}.old.", dir=target.parent))
        os.replace(target, retired / "result")
        os.replace(staging, target)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.replace(staging, target)


# --- single files ----------------------------------------------------------------------------

def write_file_safely(path: str | Path, write: Callable[[Path], None], *, option: str,
                      ours: Callable[[Path], bool]) -> Path:
    """Write one file atomically; replace an existing file only if ``ours(path)`` says it is
    one this tool wrote (e.g. a CSV with the header it writes)."""
    path = Path(path)
    if _present(path, option):
        if path.is_dir():
            raise OutputError(option, path, "is a folder; expected a file name")
        if not ours(path):
            raise OutputError(option, path, "exists and was not written by desertion; "
                              "choose another name or remove it")
    created = _make_parent(path, option)
    tmp = path.with_name(f".{path.name[:64]}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        remove_empty(created)
        if isinstance(exc, OSError):
            raise OutputError(option, path, f"cannot be written: {exc.strerror or exc}"
                              ) from None
        raise
    return path
