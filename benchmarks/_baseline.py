"""Shared helpers for benchmarks that run a baseline revision beside the working tree.

    from _baseline import baseline_python, working_python, run_child

    base_tree, base_py = baseline_python("9e89d1c")   # a worktree and a venv, cached
    new_tree, new_py = working_python()              # this checkout and its .venv
    snap_tree, new_py = working_python(snapshot=True)  # a frozen copy of its src/
    record = run_child(base_py, base_tree, CHILD, ["arg"], core=0)

``baseline_checkout(rev)`` makes (or reuses) a detached ``git worktree`` of ``rev`` of the
repository this file lives in, under ``~/.cache/desertion-bench/<full sha>/src-tree`` (the
cache folder is ``$DESERTION_BENCH_CACHE`` where set). ``baseline_python(rev)`` makes (or
reuses) a virtual environment beside it, ``<full sha>/venv``, with that tree installed
editable (``pip install -e``, so the dependencies are those of that commit's pyproject); the
first time this takes minutes, and says so on stderr. The checkout of this repository, its
index and its branches are never touched: only ``git worktree add/prune`` are used.
``working_python()`` is the working tree (this checkout, its ``.venv``); with
``snapshot=True`` the tree is a copy of its src/ frozen now, under
``<cache>/worktree-snapshots/<sha256 of src/>/src`` (the same ``.venv`` runs it, with
``PYTHONPATH`` at the copy), for comparisons that must not see edits made while they run.

``run_child`` runs a program in a fresh process of a given python, pinned to one core with
``taskset -c N`` where it exists, with OpenMP/OpenBLAS/MKL at one thread and ``PYTHONPATH``
at that tree's ``src``; the program prints one JSON object as its last line, with
``desertion_file`` (``desertion.__file__``), and the parent checks that it lies in that tree.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("DESERTION_BENCH_CACHE",
                            Path.home() / ".cache" / "desertion-bench"))
READY = ".desertion-bench-ready"  # written into a venv once it is installed and imports
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "NUMBA_NUM_THREADS")
IMPORT_CHECK = ("import json, desertion, desertion.manpower.model, desertion.manpower.scenario;"
                "print(json.dumps({'desertion_file': desertion.__file__}))")


def say(message: str) -> None:
    print(f"[baseline] {message}", file=sys.stderr, flush=True)


def git(*args: str, cwd: Path = REPO) -> str:
    out = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {cwd}: {out.stderr.strip()}")
    return out.stdout.strip()


def resolve(rev: str) -> str:
    """The full sha of ``rev`` in this repository."""
    return git("rev-parse", "--verify", f"{rev}^{{commit}}")


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (two scripts never build one venv at once)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _is_checkout_of(tree: Path, sha: str) -> bool:
    if not (tree / "pyproject.toml").is_file() or not (tree / ".git").exists():
        return False
    try:
        return git("rev-parse", "HEAD", cwd=tree) == sha and \
            Path(git("rev-parse", "--show-toplevel", cwd=tree)).resolve() == tree.resolve()
    except RuntimeError:
        return False


def _checkout(sha: str) -> Path:
    tree = CACHE / sha / "src-tree"
    if _is_checkout_of(tree, sha):
        return tree
    git("worktree", "prune")
    if tree.exists():
        say(f"removing a stale checkout at {tree}")
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
                       capture_output=True)
        shutil.rmtree(tree, ignore_errors=True)
        git("worktree", "prune")
    say(f"checking out {sha[:12]} into {tree} (git worktree add --detach)")
    git("worktree", "add", "--detach", str(tree), sha)
    return tree


def baseline_checkout(rev: str) -> Path:
    """A detached worktree of ``rev`` under the cache folder, made once and then reused."""
    sha = resolve(rev)
    with locked(CACHE / sha):
        return _checkout(sha)


def thread_env(tree: Path) -> dict[str, str]:
    """The environment of a child: one BLAS/OpenMP thread, ``tree/src`` first on the path."""
    env = {**os.environ, **dict.fromkeys(THREAD_VARS, "1")}
    extra = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(tree / "src") + (os.pathsep + extra if extra else "")
    return env


def imports_from(python: Path, tree: Path) -> bool:
    """Whether ``python`` imports desertion (and its model) from ``tree/src``."""
    if not python.exists():
        return False
    out = subprocess.run([str(python), "-c", IMPORT_CHECK], env=thread_env(tree),
                         capture_output=True, text=True)
    if out.returncode != 0:
        return False
    try:
        check_origin(json.loads(out.stdout.strip().splitlines()[-1]), tree)
    except (RuntimeError, ValueError, IndexError):
        return False
    return True


def _make_venv(venv: Path, tree: Path) -> Path:
    python = venv / "bin" / "python"
    started = time.perf_counter()
    say(f"creating a virtual environment at {venv} for {tree} (python -m venv, then "
        "pip install -e: this may take several minutes the first time)")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    command = [str(python), "-m", "pip", "install", "--quiet", "--progress-bar", "off",
               "-e", str(tree)]
    out = subprocess.run(command, stdout=sys.stderr)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed (exit {out.returncode})")
    if not imports_from(python, tree):
        raise RuntimeError(f"{python} does not import desertion from {tree / 'src'}")
    elapsed = time.perf_counter() - started
    (venv / READY).write_text(json.dumps({"tree": str(tree), "setup_s": round(elapsed, 1)}))
    say(f"environment ready in {elapsed:.0f} s")
    return python


def baseline_python(rev: str) -> tuple[Path, Path]:
    """``(tree, python)`` for ``rev``: its worktree and a venv with it installed editable.

    Both are reused when they exist and import; otherwise made (stderr says what happens).
    """
    sha = resolve(rev)
    with locked(CACHE / sha):
        tree = _checkout(sha)
        venv = CACHE / sha / "venv"
        python = venv / "bin" / "python"
        if (venv / READY).exists() and imports_from(python, tree):
            return tree, python
        return tree, _make_venv(venv, tree)


def working_python(snapshot: bool = False) -> tuple[Path, Path]:
    """``(tree, python)`` of the working tree: this checkout (or, with ``snapshot``, a frozen
    copy of its src/, see ``working_snapshot``) and this checkout's ``.venv`` (or ours)."""
    venv_python = REPO / ".venv" / "bin" / "python"
    python = venv_python if venv_python.exists() else Path(sys.executable)
    return (working_snapshot()[0] if snapshot else REPO), python


def source_files(tree: Path) -> list[Path]:
    """The source files under ``tree/src`` (no caches, compiled code or egg-info), sorted."""
    skip_suffixes = {".pyc", ".pyo", ".nbi", ".nbc", ".so", ".tmp"}
    return [path for path in sorted((tree / "src").rglob("*"))
            if path.is_file() and path.suffix not in skip_suffixes and not any(
                part == "__pycache__" or part.endswith(".egg-info")
                for part in path.relative_to(tree).parts)]


def src_digest(tree: Path) -> str:
    """A sha256 over the paths and contents of the source files under ``tree/src``."""
    digest = hashlib.sha256()
    for path in source_files(tree):
        digest.update(str(path.relative_to(tree)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def working_snapshot(tree: Path = REPO) -> tuple[Path, str]:
    """``(snapshot, digest)``: a frozen copy of ``tree/src`` under the cache folder, named by
    the sha256 of what was copied, so that edits made meanwhile to the working tree never mix
    two versions of the code in one comparison. Reused when that digest exists."""
    root = CACHE / "worktree-snapshots"
    staging = root / f".copy-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    for path in source_files(tree):
        target = staging / path.relative_to(tree)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    digest = src_digest(staging)  # of the copy: an edit during the copy cannot slip by
    snapshot = root / digest
    with locked(root):
        if (snapshot / "src").is_dir():
            shutil.rmtree(staging)
        else:
            shutil.rmtree(snapshot, ignore_errors=True)  # a half-made one, if any
            staging.rename(snapshot)
    return snapshot, digest


def check_origin(record: dict[str, Any], tree: Path) -> None:
    """Raise unless the child's ``desertion_file`` lies under ``tree/src``."""
    where = Path(str(record.get("desertion_file", ""))).resolve()
    if not where.is_relative_to((tree / "src").resolve()):
        raise RuntimeError(f"the child imported desertion from {where}, not from {tree / 'src'}")


def child_command(python: Path, code: str, args: Sequence[str], core: int | None) -> list[str]:
    command = [str(python), "-c", code, *args]
    if core is not None and shutil.which("taskset"):
        command = ["taskset", "-c", str(core), *command]
    return command


def run_child(python: Path, tree: Path, code: str, args: Sequence[str] = (),
              core: int | None = None, timeout: float | None = None) -> dict[str, Any]:
    """Run ``code`` in a fresh process (pinned to ``core`` unless None) and return its last
    stdout line as JSON, after checking that it imported desertion from ``tree``."""
    command = child_command(python, code, args, core)
    out = subprocess.run(command, env=thread_env(tree), capture_output=True, text=True,
                         timeout=timeout)
    if out.returncode != 0:
        tail = "\n".join(out.stderr.strip().splitlines()[-15:])
        raise RuntimeError(f"child of {python} (tree {tree}) exited {out.returncode}:\n{tail}")
    lines = out.stdout.strip().splitlines()
    if not lines:
        raise RuntimeError(f"child of {python} (tree {tree}) printed nothing")
    record = json.loads(lines[-1])
    check_origin(record, tree)
    return record
