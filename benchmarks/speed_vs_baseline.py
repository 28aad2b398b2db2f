"""Speed of the working tree's manpower model against a baseline commit (issue 13).

    .venv/bin/python benchmarks/speed_vs_baseline.py                  # all six cases, 3 reps
    .venv/bin/python benchmarks/speed_vs_baseline.py --quick          # 1e5, full, calibration
    .venv/bin/python benchmarks/speed_vs_baseline.py --sizes 1e5 full --reps 5 --json t.json
    .venv/bin/python benchmarks/speed_vs_baseline.py --baseline c0e825c --core 1

The baseline (``--baseline REV``, default 9e89d1c) is run from a detached git worktree with
its own virtual environment under ``~/.cache/desertion-bench/<sha>/`` (made the first time,
which takes minutes; see ``_baseline.py``); the working tree runs with this checkout's
``.venv`` from a copy of its src/ frozen at the start (so that edits made while it is being
timed never mix; ``--live`` times the checkout itself). Every timing is a fresh process
pinned to one core (``--core``, default 0, with ``taskset``), BLAS/OpenMP at one thread,
``PYTHONPATH`` at that tree's ``src`` (the child reports ``desertion.__file__`` and the
parent checks it). Runs alternate: baseline, new,
baseline, new, ... ``--reps`` times per case (default 3); the median is reported with the
min-max range. Before the timings each side makes one small untimed run (it fills any
compiled-code cache; ``--no-warmup`` skips it).

Cases (``--sizes``): ``1e5``, ``1e6``, ``full`` and ``1e7`` are syria-2014 with every count
multiplied by one factor (as in ``bench_manpower.py``; ``full`` is factor 1); ``isis-0.1``
and ``syria-0.05`` are those scenarios at ``scale`` 0.1 and 0.05 (the calibration sizes).
The timed region is the whole ``simulate`` call (setup, the days, the output tables) plus a
touch of ``result.timeseries`` and ``result.events``; loading the scenario is not timed.
The calibration cases time the second ``simulate`` of their process (the first, another
seed, untimed), as in a calibration, where each worker runs many: what a run costs once
the process has loaded its libraries and compiled kernels. The other cases time the
process's only run, loading included.

Reported per case: agents, days, both medians, agent-days per second of each, the ratio
(baseline time / new time) and the peak RSS of each child (``ru_maxrss``). A Markdown table
goes to stdout, ``--json FILE`` keeps every raw timing, and a final line per case says
whether the ratio is at least 3 (and, for full scale, whether the new time is at most 5 s).
The exit status is 0 unless a run failed: this is a report, not a gate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import textwrap
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from _baseline import REPO, baseline_python, resolve, run_child, src_digest, working_python
from bench_manpower import FULL_AGENTS, SCALED

CHILD = SCALED + textwrap.dedent("""
    import json, resource, sys, time
    import desertion
    from desertion.manpower.model import simulate
    from desertion.manpower.scenario import load_scenario

    spec = json.loads(sys.argv[1])
    overrides = {} if spec["scale"] is None else {"scale": spec["scale"]}
    scenario = load_scenario(spec["scenario"], **overrides)
    if spec["factor"] != 1.0:
        scenario = scaled(scenario, spec["factor"])
    if spec["warm"]:  # a calibration worker's earlier run: imports done, kernels loaded
        simulate(scenario, seed=spec["seed"] + 1)
    started = time.perf_counter()
    result = simulate(scenario, seed=spec["seed"])
    rows = len(result.timeseries) + len(result.events)
    wall = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"agents": int(result.meta["agents"]), "days": int(result.meta["days"]),
                      "wall_s": wall, "peak_mib": peak_mib, "table_rows": rows,
                      "desertion_file": desertion.__file__}))
""")


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    scenario: str
    factor: float = 1.0
    scale: float | None = None
    warm: bool = False  # time a second run in the process, as a calibration worker does


CASES = {case.key: case for case in (
    Case("1e5", "syria-2014, 1e5 agents", "syria-2014", 1e5 / FULL_AGENTS),
    Case("1e6", "syria-2014, 1e6 agents", "syria-2014", 1e6 / FULL_AGENTS),
    Case("full", "syria-2014, full scale", "syria-2014", 1.0),
    Case("1e7", "syria-2014, 1e7 agents", "syria-2014", 1e7 / FULL_AGENTS),
    Case("isis-0.1", "isis-2014, scale 0.1", "isis-2014", scale=0.1, warm=True),
    Case("syria-0.05", "syria-2014, scale 0.05", "syria-2014", scale=0.05, warm=True),
)}
QUICK = ("1e5", "full", "isis-0.1", "syria-0.05")
WARMUP = Case("warmup", "warm-up", "isis-2014", scale=0.01)
RATIO_GOAL, FULL_GOAL_S = 3.0, 5.0


@dataclass(frozen=True)
class Side:
    name: str  # "baseline" or "new"
    tree: Path
    python: Path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="9e89d1c", help="baseline revision (9e89d1c)")
    parser.add_argument("--reps", type=int, default=None, help="timings per case and side (3)")
    parser.add_argument("--core", type=int, default=0, help="core to pin every child to (0)")
    parser.add_argument("--sizes", nargs="+", choices=list(CASES), default=None,
                        help="cases to run (default all; --quick: 1e5 full isis-0.1 syria-0.05)")
    parser.add_argument("--quick", action="store_true", help="four cases, one repetition")
    parser.add_argument("--seed", type=int, default=1, help="seed of every run (1)")
    parser.add_argument("--json", type=Path, default=None, help="write raw timings here")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per child")
    parser.add_argument("--no-warmup", action="store_true", help="skip the untimed warm-up")
    parser.add_argument("--live", action="store_true", help="time the checkout's src/ itself, "
                        "not a copy frozen at the start")
    args = parser.parse_args(argv)
    args.sizes = args.sizes or list(QUICK if args.quick else CASES)
    args.reps = args.reps or (1 if args.quick else 3)
    return args


def measure(side: Side, case: Case, seed: int, core: int, timeout: float) -> dict[str, Any]:
    spec = {"scenario": case.scenario, "factor": case.factor, "scale": case.scale,
            "warm": case.warm,
            "seed": seed}
    record = run_child(side.python, side.tree, CHILD, [json.dumps(spec)], core=core,
                       timeout=timeout)
    record["agent_days_per_s"] = record["agents"] * record["days"] / record["wall_s"]
    return record


def time_case(case: Case, sides: list[Side], args: argparse.Namespace
              ) -> tuple[list[dict[str, Any]], str | None]:
    """Interleaved timings of one case; stops at the first failure (returned as text)."""
    records: list[dict[str, Any]] = []
    for rep in range(args.reps):
        for side in sides:
            try:
                record = measure(side, case, args.seed, args.core, args.timeout)
            except (RuntimeError, subprocess.TimeoutExpired, ValueError) as exc:
                return records, f"{case.key} ({side.name}, rep {rep + 1}): {exc}"
            records.append({"case": case.key, "side": side.name, "rep": rep + 1, **record})
            print(f"  {case.key:<11}{side.name:<9}rep {rep + 1}: {record['wall_s']:8.2f} s  "
                  f"{record['peak_mib']:8.0f} MiB", file=sys.stderr, flush=True)
    return records, None


def side_summary(records: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not records:
        return None
    walls = [r["wall_s"] for r in records]
    median = statistics.median(walls)
    agents, days = records[0]["agents"], records[0]["days"]
    return {"agents": agents, "days": days, "median_s": median, "min_s": min(walls),
            "max_s": max(walls), "n": len(walls),
            "agent_days_per_s": agents * days / median,
            "peak_mib": max(r["peak_mib"] for r in records)}


def summarise(case: Case, records: list[dict[str, Any]]) -> dict[str, Any]:
    base = side_summary([r for r in records if r["side"] == "baseline"])
    new = side_summary([r for r in records if r["side"] == "new"])
    ratio = base["median_s"] / new["median_s"] if base and new else None
    return {"case": case.key, "label": case.label, "baseline": base, "new": new,
            "ratio": ratio}


def _seconds(s: dict[str, Any] | None) -> str:
    if s is None:
        return "-"
    return f"{s['median_s']:.2f} ({s['min_s']:.2f}-{s['max_s']:.2f})"


def _agents(row: dict[str, Any]) -> tuple[str, str]:
    base, new = row["baseline"], row["new"]
    known = [s for s in (base, new) if s]
    if not known:
        return "-", "-"
    agents = [s["agents"] for s in known]  # baseline's, then new's where they differ
    text = " / ".join(f"{a:,}" for a in dict.fromkeys(agents))
    return text, str(known[0]["days"])


def table(rows: list[dict[str, Any]]) -> str:
    head = ("| case | agents (baseline / new if they differ) | days "
            "| baseline s, median (min-max) | new s, median (min-max) | baseline agent-days/s "
            "| new agent-days/s | ratio (baseline/new) | baseline peak MiB | new peak MiB |")
    lines = [head, "|" + "---|" * 10]
    for row in rows:
        base, new = row["baseline"], row["new"]
        agents, days = _agents(row)
        rate = [f"{s['agent_days_per_s']:,.0f}" if s else "-" for s in (base, new)]
        peak = [f"{s['peak_mib']:,.0f}" if s else "-" for s in (base, new)]
        ratio = f"{row['ratio']:.2f}" if row["ratio"] else "-"
        lines.append(f"| {row['label']} | {agents} | {days} | {_seconds(base)} | "
                     f"{_seconds(new)} | {rate[0]} | {rate[1]} | {ratio} | {peak[0]} | "
                     f"{peak[1]} |")
    return "\n".join(lines)


def verdicts(rows: list[dict[str, Any]]) -> list[str]:
    lines = []
    for row in rows:
        if row["ratio"] is None:
            lines.append(f"{row['label']}: not measured on both sides")
            continue
        text = (f"{row['label']}: ratio {row['ratio']:.2f}, at least {RATIO_GOAL:g}: "
                f"{'yes' if row['ratio'] >= RATIO_GOAL else 'no'}")
        if row["case"] == "full":
            new_s = row["new"]["median_s"]
            text += (f"; new median {new_s:.2f} s, at most {FULL_GOAL_S:g} s: "
                     f"{'yes' if new_s <= FULL_GOAL_S else 'no'}")
        lines.append(text)
    return lines


def warm_up(sides: list[Side], args: argparse.Namespace) -> list[str]:
    failures = []
    for side in sides:
        try:
            measure(side, WARMUP, args.seed, args.core, args.timeout)
        except (RuntimeError, subprocess.TimeoutExpired, ValueError) as exc:
            failures.append(f"warm-up ({side.name}): {exc}")
    return failures


def describe(sides: list[Side], args: argparse.Namespace) -> dict[str, Any]:
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True,
                          text=True).stdout.strip()
    return {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "baseline": {"rev": args.baseline, "sha": resolve(args.baseline),
                         "tree": str(sides[0].tree), "python": str(sides[0].python)},
            "new": {"tree": str(sides[1].tree), "python": str(sides[1].python),
                    "head": head, "live": args.live, "src_digest": src_digest(sides[1].tree)},
            "core": args.core, "reps": args.reps, "seed": args.seed,
            "cases": [asdict(CASES[key]) for key in args.sizes]}


def run_cases(sides: list[Side], args: argparse.Namespace
              ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    records: list[dict[str, Any]] = []
    rows, failures = [], []
    for key in args.sizes:
        case = CASES[key]
        print(f"{case.label}: {args.reps} x (baseline, new) on core {args.core}",
              file=sys.stderr, flush=True)
        mine, failure = time_case(case, sides, args)
        records += mine
        rows.append(summarise(case, mine))
        if failure:
            failures.append(failure)
            print(f"FAILED {failure}", file=sys.stderr, flush=True)
    return records, rows, failures


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        base_tree, base_python = baseline_python(args.baseline)
    except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    new_tree, new_python = working_python(snapshot=not args.live)
    sides = [Side("baseline", base_tree, base_python), Side("new", new_tree, new_python)]
    info = describe(sides, args)
    failures = [] if args.no_warmup else warm_up(sides, args)
    records, rows, failed = run_cases(sides, args) if not failures else ([], [], [])
    failures += failed
    digest_after = src_digest(new_tree)
    if digest_after != info["new"]["src_digest"]:
        print("WARNING: the working tree's src/ changed while it was being timed",
              file=sys.stderr)
    info["new"]["src_digest_after"] = digest_after
    where = "live checkout" if args.live else f"src/ frozen at the start in {new_tree}"
    print(f"baseline {info['baseline']['sha'][:12]} ({args.baseline}) against the working "
          f"tree (HEAD {info['new']['head'][:12]}, src/ sha256 {digest_after[:12]}, {where}), "
          f"core {args.core}, {args.reps} rep(s), seed {args.seed}\n")
    print(table(rows) + "\n")
    print("\n".join(verdicts(rows)))
    for failure in failures:
        print(f"FAILED: {failure}")
    if args.json:
        args.json.write_text(json.dumps({**info, "measurements": records, "summary": rows,
                                         "failures": failures}, indent=2))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
