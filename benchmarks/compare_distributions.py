"""Outcome distributions of the working tree against a baseline revision, over seeds.

    .venv/bin/python benchmarks/compare_distributions.py --baseline 9e89d1c
    .venv/bin/python benchmarks/compare_distributions.py --baseline c0e825c --quick
    .venv/bin/python benchmarks/compare_distributions.py --baseline 9e89d1c --seeds 20 \\
        --scenarios isis-2014:0.1 saa-2014:0.05 --workers 2 --json dist.json

For each scenario (``--scenarios NAME:SCALE ...``; default isis-2014:0.1 saa-2014:0.05
syria-2014:0.02; ``--quick``: five seeds of tiny scales) and each seed 0..N-1 (``--seeds``,
default 50) the scenario runs once on the baseline (a git worktree of ``--baseline`` with its
own virtual environment, see ``_baseline.py``) and once on the working tree (this checkout's
``.venv``), in child processes (``--workers`` at a time, default 2, one BLAS thread each).

Outcomes of a run, for every faction of the scenario: men in the ranks (serving, shirking,
jailed) on the last day, men hiding and men abroad on the last day (by the faction the table
records them under), attempts to leave (event ``attempted``), and executions by origin
(event ``executed``, local and foreign). Counts are the output tables' (scaled back to full
scale). Each outcome gets both sides' mean and sd, the difference of means (new minus
baseline), how many seeds gave exactly the same value, Welch's t p-value and the two-sample
KS p-value; identical samples give KS p = 1 and no t (shown as "identical"). A Markdown
table, then one line: how many outcomes had p < 0.05 on either test, against the number
expected with no difference (0.05 x the tests made, on the samples that are not identical).
``--json FILE`` keeps every run and test.

Every run's outcomes are cached as JSON under ``--cache`` (default
``~/.cache/desertion-bench/dist``), keyed by the tree (the baseline's sha; for the working
tree a sha256 of its src/ files), scenario, scale and seed, so an interrupted comparison
resumes where it stopped. The working tree runs from a frozen copy of its src/ taken at the
start (``<cache folder>/worktree-snapshots/<sha256>/src``), so edits made meanwhile never
mix two versions of the code; ``--live`` runs the checkout itself and gives up (discarding
its new runs) if src/ changed. Exit status 0 unless a run failed (differences are only
reported).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import textwrap
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from _baseline import (
    CACHE,
    REPO,
    baseline_python,
    check_origin,
    resolve,
    run_child,
    src_digest,
    working_python,
)
from scipy import stats

OUTCOMES_VERSION = "v1"  # part of the cache key: bump it when the outcomes change
DEFAULT_SCENARIOS = ("isis-2014:0.1", "saa-2014:0.05", "syria-2014:0.02")
QUICK_SCENARIOS = ("isis-2014:0.01", "saa-2014:0.005", "syria-2014:0.002")
ALPHA = 0.05

CHILD = textwrap.dedent("""
    import json, os, sys
    import desertion
    from desertion.manpower.model import simulate
    from desertion.manpower.scenario import load_scenario
    try:
        from desertion.manpower.codes import IN_RANKS, Status
        RANKS = tuple(s.name.lower() for s in IN_RANKS)
        OUT = (Status.HIDING.name.lower(), Status.ABROAD.name.lower())
    except ImportError:
        RANKS, OUT = ("serving", "shirking", "jailed"), ("hiding", "abroad")

    def outcomes(factions, result):
        ts, ev = result.timeseries, result.events
        last = ts[ts["date"] == ts["date"].max()]
        status, owner = last["status"].astype(str), last["faction"].astype(str)
        ev_faction, ev_origin = ev["faction"].astype(str), ev["origin"].astype(str)
        out = {}
        for f in factions:
            mine = owner == f
            out[f"ranks_end_{f}"] = float(last.loc[mine & status.isin(RANKS), "count"].sum())
            for name in OUT:
                out[f"{name}_end_{f}"] = float(last.loc[mine & (status == name), "count"].sum())
            here = ev_faction == f
            out[f"attempted_{f}"] = float(ev.loc[here & (ev["event"] == "attempted"),
                                                 "count"].sum())
            for origin in ("local", "foreign"):
                sel = here & (ev["event"] == "executed") & (ev_origin == origin)
                out[f"executed_{origin}_{f}"] = float(ev.loc[sel, "count"].sum())
        return out

    spec = json.loads(sys.argv[1])
    scenario = load_scenario(spec["scenario"], scale=spec["scale"])
    factions = [faction.id for faction in scenario.factions]
    for seed, path in spec["runs"]:
        result = simulate(scenario, seed=seed)
        record = {"scenario": spec["scenario"], "scale": spec["scale"], "seed": seed,
                  "agents": int(result.meta["agents"]), "days": int(result.meta["days"]),
                  "factions": factions, "outcomes": outcomes(factions, result),
                  "desertion_file": desertion.__file__}
        with open(path + ".tmp", "w") as handle:
            json.dump(record, handle)
        os.replace(path + ".tmp", path)
    print(json.dumps({"runs": len(spec["runs"]), "desertion_file": desertion.__file__}))
""")


@dataclass(frozen=True)
class Tree:
    side: str  # "baseline" or "new"
    key: str   # the cache key: a commit sha, or "src-" and the digest of src/
    path: Path
    python: Path
    also: tuple[Path, ...] = ()  # other trees a cached run may have imported this code from


@dataclass(frozen=True)
class Spec:
    name: str
    scale: float

    @property
    def label(self) -> str:
        return f"{self.name}@{self.scale:g}"


def parse_spec(text: str) -> Spec:
    name, _, scale = text.partition(":")
    try:
        value = float(scale) if scale else 1.0
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected NAME:SCALE") from None
    if not name or not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected NAME:SCALE with 0 < SCALE <= 1")
    return Spec(name, value)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="baseline revision (a commit)")
    parser.add_argument("--seeds", type=int, default=None, help="seeds 0..N-1 (50)")
    parser.add_argument("--scenarios", nargs="+", type=parse_spec, default=None,
                        metavar="NAME:SCALE", help=f"default {' '.join(DEFAULT_SCENARIOS)}")
    parser.add_argument("--workers", type=int, default=2, help="child processes at once (2)")
    parser.add_argument("--chunk", type=int, default=10, help="seeds per child process (10)")
    parser.add_argument("--cache", type=Path, default=CACHE / "dist", help="outcome cache")
    parser.add_argument("--json", type=Path, default=None, help="write every run and test")
    parser.add_argument("--quick", action="store_true",
                        help=f"5 seeds of {' '.join(QUICK_SCENARIOS)}")
    parser.add_argument("--live", action="store_true", help="run the checkout's src/ itself, "
                        "not a frozen copy (fails if src/ changes during the runs)")
    args = parser.parse_args(argv)
    quick_specs = [parse_spec(s) for s in QUICK_SCENARIOS]
    args.scenarios = args.scenarios or (quick_specs if args.quick else
                                        [parse_spec(s) for s in DEFAULT_SCENARIOS])
    args.seeds = args.seeds or (5 if args.quick else 50)
    return args


def cache_path(cache: Path, tree: Tree, spec: Spec, seed: int) -> Path:
    return (cache / OUTCOMES_VERSION / tree.key / spec.name / f"scale-{spec.scale:g}"
            / f"seed-{seed}.json")


def read_cached(path: Path) -> dict[str, Any] | None:
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and "outcomes" in record else None


def plan(trees: list[Tree], specs: list[Spec], seeds: int, cache: Path, chunk: int
         ) -> list[tuple[Tree, Spec, list[tuple[int, str]]]]:
    """The child processes still to run: (tree, scenario, [(seed, cache file), ...])."""
    tasks = []
    for spec in specs:
        for tree in trees:  # both sides of a scenario before the next scenario
            missing = [(seed, str(cache_path(cache, tree, spec, seed))) for seed in range(seeds)
                       if read_cached(cache_path(cache, tree, spec, seed)) is None]
            tasks += [(tree, spec, missing[i:i + chunk]) for i in range(0, len(missing), chunk)]
    return tasks


def run_task(tree: Tree, spec: Spec, runs: list[tuple[int, str]]) -> int:
    for _, path in runs:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps({"scenario": spec.name, "scale": spec.scale, "runs": runs})
    run_child(tree.python, tree.path, CHILD, [payload])
    return len(runs)


def run_all(tasks: list[tuple[Tree, Spec, list[tuple[int, str]]]], workers: int) -> list[str]:
    """Run the tasks ``workers`` at a time; the failures, as text."""
    failures = []
    total, done = sum(len(runs) for *_, runs in tasks), 0
    if total:
        print(f"{total} runs to make ({len(tasks)} child processes, {workers} at a time)",
              file=sys.stderr, flush=True)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(run_task, *task): task for task in tasks}
        for future in as_completed(futures):
            tree, spec, runs = futures[future]
            try:
                done += future.result()
            except Exception as exc:  # a failed child is reported, the others go on
                failures.append(f"{tree.side} {spec.label} seeds {runs[0][0]}-{runs[-1][0]}: "
                                f"{exc}")
                continue
            print(f"  {done}/{total} runs ({tree.side} {spec.label})", file=sys.stderr,
                  flush=True)
    return failures


def collect(trees: list[Tree], specs: list[Spec], seeds: int, cache: Path
            ) -> dict[tuple[str, str], dict[int, dict[str, Any]]]:
    """Every cached run, by (side, scenario label) and seed, checked for where it ran."""
    runs: dict[tuple[str, str], dict[int, dict[str, Any]]] = {}
    for tree in trees:
        for spec in specs:
            mine = runs.setdefault((tree.side, spec.label), {})
            for seed in range(seeds):
                record = read_cached(cache_path(cache, tree, spec, seed))
                if record is not None:
                    check_origins(record, tree)
                    mine[seed] = record
    return runs


def test_pair(base: np.ndarray, new: np.ndarray) -> dict[str, Any]:
    """Means, sds, the difference, and Welch's t and KS p-values (None where undefined)."""
    row: dict[str, Any] = {
        "baseline_mean": float(base.mean()), "new_mean": float(new.mean()),
        "baseline_sd": float(base.std(ddof=1)) if len(base) > 1 else math.nan,
        "new_sd": float(new.std(ddof=1)) if len(new) > 1 else math.nan,
        "difference": float(new.mean() - base.mean()), "n": len(base)}
    if np.array_equal(np.sort(base), np.sort(new)):
        return {**row, "identical": True, "t_p": None, "ks_p": 1.0}
    with warnings.catch_warnings():  # ties: scipy falls back to the asymptotic p, says so
        warnings.simplefilter("ignore", RuntimeWarning)
        ks_p = float(stats.ks_2samp(base, new).pvalue)
    if np.ptp(base) == 0 and np.ptp(new) == 0:
        t_p = 0.0  # two different constants: no spread, a sure difference
    elif len(base) < 2 or len(new) < 2:
        t_p = None
    else:
        t_p = float(stats.ttest_ind(base, new, equal_var=False).pvalue)
    return {**row, "identical": False, "t_p": t_p, "ks_p": ks_p}


def compare(runs: dict[tuple[str, str], dict[int, dict[str, Any]]], specs: list[Spec]
            ) -> list[dict[str, Any]]:
    rows = []
    for spec in specs:
        base, new = runs[("baseline", spec.label)], runs[("new", spec.label)]
        seeds = sorted(set(base) & set(new))
        if not seeds:
            continue
        names = list(dict.fromkeys([*base[seeds[0]]["outcomes"], *new[seeds[0]]["outcomes"]]))
        for name in names:
            a = np.array([base[s]["outcomes"].get(name, math.nan) for s in seeds], dtype=float)
            b = np.array([new[s]["outcomes"].get(name, math.nan) for s in seeds], dtype=float)
            same = int(np.sum(a == b))
            rows.append({"scenario": spec.label, "outcome": name, "same_seeds": same,
                         **test_pair(a, b)})
    return rows


def _num(value: float) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:,.1f}"


def _p(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| scenario | outcome | baseline mean | baseline sd | new mean | new sd "
             "| new - baseline | same seeds | Welch t p | KS p |", "|" + "---|" * 10]
    for r in rows:
        t_p = "identical" if r["identical"] else _p(r["t_p"])
        lines.append(f"| {r['scenario']} | {r['outcome']} | {_num(r['baseline_mean'])} | "
                     f"{_num(r['baseline_sd'])} | {_num(r['new_mean'])} | {_num(r['new_sd'])} "
                     f"| {_num(r['difference'])} | {r['same_seeds']}/{r['n']} | {t_p} | "
                     f"{_p(r['ks_p'])} |")
    return "\n".join(lines)


def summary(rows: list[dict[str, Any]]) -> str:
    tested = [r for r in rows if not r["identical"]]  # identical samples: nothing to test
    t_tests = [r["t_p"] for r in tested if r["t_p"] is not None]
    ks_tests = [r["ks_p"] for r in tested if r["ks_p"] is not None]
    low = sum(1 for r in rows if (r["t_p"] is not None and r["t_p"] < ALPHA)
              or (r["ks_p"] is not None and r["ks_p"] < ALPHA))
    tests = len(t_tests) + len(ks_tests)
    identical = sum(1 for r in rows if r["identical"])
    return (f"{low} of {len(rows)} outcomes with p < {ALPHA:g} on either test "
            f"(Welch t: {sum(p < ALPHA for p in t_tests)}, KS: "
            f"{sum(p < ALPHA for p in ks_tests)}); expected with no difference: "
            f"{ALPHA:g} x {tests} tests = {ALPHA * tests:.1f}; {identical} of {len(rows)} "
            "outcomes identical (not tested)")


def check_origins(record: dict[str, Any], tree: Tree) -> None:
    """Raise unless the run imported desertion from ``tree`` (or its other copies)."""
    for path in (tree.path, *tree.also):
        try:
            return check_origin(record, path)
        except RuntimeError as exc:
            error = exc
    raise error


def make_trees(baseline: str, live: bool) -> list[Tree]:
    base_path, base_python = baseline_python(baseline)
    new_path, new_python = working_python(snapshot=not live)
    digest = src_digest(new_path)
    # the same code run live or from a snapshot: either may have made a cached run
    also = (REPO, CACHE / "worktree-snapshots" / digest)
    return [Tree("baseline", resolve(baseline), base_path, base_python),
            Tree("new", "src-" + digest, new_path, new_python, also)]


def forget_new_runs(trees: list[Tree], tasks: list[Any]) -> None:
    """Remove the working tree's runs made now: its src/ changed while they ran."""
    for tree, _, runs in tasks:
        if tree.side == "new":
            for _, path in runs:
                Path(path).unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        trees = make_trees(args.baseline, args.live)
    except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    tasks = plan(trees, args.scenarios, args.seeds, args.cache, max(1, args.chunk))
    failures = run_all(tasks, args.workers)
    if "src-" + src_digest(trees[1].path) != trees[1].key:
        forget_new_runs(trees, tasks)
        print("FAILED: the working tree's src/ changed during the runs; its new runs were "
              "discarded, run again", file=sys.stderr)
        return 1
    runs = collect(trees, args.scenarios, args.seeds, args.cache)
    rows = compare(runs, args.scenarios)
    where = "live checkout" if args.live else f"frozen copy at {trees[1].path}"
    print(f"baseline {trees[0].key[:12]} ({args.baseline}) against the working tree "
          f"(src/ sha256 {trees[1].key[4:16]}, {where}), seeds 0-{args.seeds - 1}\n")
    print(table(rows) + "\n")
    print(summary(rows))
    for failure in failures:
        print(f"FAILED: {failure}")
    if args.json:
        args.json.write_text(json.dumps(
            {"baseline": {"rev": args.baseline, "sha": trees[0].key},
             "new": {"tree": str(trees[1].path), "key": trees[1].key, "live": args.live},
             "seeds": args.seeds, "scenarios": [s.label for s in args.scenarios],
             "tests": rows, "failures": failures,
             "runs": {f"{side}|{label}": v for (side, label), v in runs.items()}},
            indent=2, default=str))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
