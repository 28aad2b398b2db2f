"""Fuzzing the edge (issue 8): mutated scenario and experiment files never end in a traceback.

Each example takes a small valid file, breaks it the ways users and typos do (wrong types,
out-of-range and non-finite numbers, unknown keys, odd unicode, markup characters, reversed
and extreme dates, broken encodings, missing includes) and runs the real command on it. The
rule: exit 2 with one line per problem, each naming the file; or a successful run. Never a
traceback, never a file written outside the chosen output folder, never an earlier result
changed. On CI the examples are derandomised (the same every run, so CI cannot turn red by
chance); locally each run explores new ones (``pytest tests/test_fuzz_inputs.py``).
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import math
import os
import shutil
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from desertion import cli

pytestmark = pytest.mark.filterwarnings("ignore")
runner = CliRunner()
VALID = Path(__file__).parent / "manpower" / "bad_scenarios" / "valid.toml"
FUZZ = settings(max_examples=300, deadline=None, derandomize=bool(os.environ.get("CI")),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

HOSTILE: list[Any] = [
    -1, 0, -0.5, 1.5, 10**12, 2**63, 10**30, math.inf, -math.inf, math.nan, 1e308, 1e-320,
    "", "text", "[/x]", "[bold]x[/bold]", "\u00e9\u202e\u00fc\U0001f600", "a\u0000b", True,
    [], [1, "a"], {}, {"a": 1}, dt.date(1, 1, 1), dt.date(9999, 12, 31),
    dt.date(1999, 1, 1), dt.date(2014, 6, 2), dt.date(2014, 5, 31),
]
ODD_KEYS = ["unknwon", "[/x]", "\u043a\u043b\u044e\u0447", "a.b", "", "\u202e"]


def leaves(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path into the parsed TOML, tables and lists included."""
    if path:
        yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from leaves(value, (*path, i))


def parent_of(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


def hostile(draw: st.DrawFn) -> Any:
    """A hostile value, copied: a later mutation of this example must not change HOSTILE's
    lists and tables (data generation would then differ between runs)."""
    return copy.deepcopy(draw(st.sampled_from(HOSTILE)))


@st.composite
def mutated_toml(draw: st.DrawFn, base: dict[str, Any]) -> bytes:
    """A file that starts as ``base`` and has one to three things wrong with it."""
    data = tomllib.loads(tomli_w.dumps(base))  # a deep copy
    for _ in range(draw(st.integers(1, 2))):
        paths = list(leaves(data))
        path = draw(st.sampled_from(paths))
        holder = parent_of(data, path)
        action = draw(st.sampled_from(["nudge"] * 4 + ["replace"] * 2 + ["delete", "add"]))
        value = holder[path[-1]]
        if action == "nudge" and isinstance(value, int | float) and not isinstance(value, bool):
            # a plausible value: runs that succeed with odd but legal numbers
            holder[path[-1]] = type(value)(value * draw(st.sampled_from([0, 0.5, 2, 10])))
        elif action in ("nudge", "replace"):
            holder[path[-1]] = hostile(draw)
        elif action == "delete":
            del holder[path[-1]]
        elif isinstance(holder, dict):
            holder[draw(st.sampled_from(ODD_KEYS))] = hostile(draw)
    if draw(st.integers(0, 3)) == 0:
        data["include"] = draw(st.sampled_from([["missing.toml"], ["[/x].toml"], "x", [1]]))
    text = tomli_w.dumps(data)
    encoding = draw(st.sampled_from(["utf-8"] * 12 + ["utf-16", "latin-1", "binary", "cut"]))
    if encoding == "binary":
        return b"\x00\xff\xfe" + text.encode()
    if encoding == "cut":
        return text.encode()[: draw(st.integers(0, len(text)))]
    return text.encode(encoding, errors="replace")


def snapshot(folder: Path, skip: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"/")
            for p in sorted(folder.rglob("*")) if skip not in (p, *p.parents)}


@pytest.fixture(scope="module")
def earlier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A result of the valid scenario, which no later command may change."""
    out = tmp_path_factory.mktemp("fuzz") / "earlier"
    result = runner.invoke(cli.app, ["run", str(VALID), "--no-progress", "--no-plot", "--no-report",
                                     "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


def check_refusal_or_success(result: Any, source: Path, out: Path) -> None:
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert result.exit_code in (0, 2), result.output
    event(f"exit {result.exit_code}")
    if result.exit_code == 2:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert lines and lines[0].startswith("error: "), result.stderr
        assert all(source.name in line for line in lines), result.stderr
        assert not out.exists()
    else:
        assert (out / "run.json").is_file() or (out / "manifest.json").is_file()


@contextlib.contextmanager
def fresh_folder(earlier: Path) -> Iterator[tuple[Path, Path]]:
    """A scratch folder holding a copy of the earlier result, made the current folder so
    that a default ``runs/`` would show up in the snapshot; removed afterwards."""
    scratch = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        shutil.copytree(earlier, scratch / "earlier")
        with contextlib.chdir(scratch):
            yield scratch, scratch / "out"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


BASE_SCENARIO = tomllib.loads(VALID.read_text())


@FUZZ
@given(content=mutated_toml(BASE_SCENARIO))
def test_run_refuses_or_runs(content: bytes, earlier: Path) -> None:
    with fresh_folder(earlier) as (scratch, out):
        source = scratch / "scenario [bold]x[red].toml"
        source.write_bytes(content)
        before = snapshot(scratch, out)
        result = runner.invoke(cli.app, ["run", str(source), "--no-progress", "--no-plot",
                                                    "--no-report",
                                         "--out", str(out)])
        check_refusal_or_success(result, source, out)
        assert snapshot(scratch, out) == before
        assert snapshot(scratch / "earlier", out) == snapshot(earlier, out)


BASE_EXPERIMENT = {
    "name": "fuzz", "root_seed": 3, "replications": 1,
    "outcomes": ["strength_end_red"],
    "base": {"scenario": "valid.toml", "until": "2014-06-10", "set": {"scale": 1.0}},
    "design": {"kind": "grid"},
    "parameters": {"factions.red.barriers.home": [0.1, 0.3],
                   "mechanisms.decision.noise": {"low": 0.01, "high": 0.05, "steps": 2}},
}


@settings(FUZZ, max_examples=150)
@given(content=mutated_toml(BASE_EXPERIMENT))
def test_sweep_refuses_or_runs(content: bytes, earlier: Path) -> None:
    with fresh_folder(earlier) as (scratch, out):
        shutil.copy(VALID, scratch / "valid.toml")
        source = scratch / "experiment [bold]x[red].toml"
        source.write_bytes(content)
        before = snapshot(scratch, out)
        result = runner.invoke(cli.app, ["sweep", str(source), "--workers", "0",
                                         "--no-progress", "--out", str(out)])
        check_refusal_or_success(result, source, out)
        assert snapshot(scratch, out) == before
