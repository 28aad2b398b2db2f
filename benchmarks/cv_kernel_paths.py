"""Benchmark: the civil-violence kernel's two paths, "tuned" and "plain", ns per agent-step.

    taskset -c 0 .venv/bin/python benchmarks/cv_kernel_paths.py            # ~3.5 min
    taskset -c 0 .venv/bin/python benchmarks/cv_kernel_paths.py --quick    # ~30 s

Both paths run the same worlds from the same seeds (``kernel.kernels(path)``; see the kernel
module's docstring and docs/civil_violence.md, "Kernel paths"). A world is built as
``model.run_world`` builds it and stepped in the chunks ``model`` uses; only the kernel calls
are timed (the recording is the same for both paths and is left out), in CPU time of the
thread (``time.thread_time``), so that time spent descheduled on a busy machine is not
counted. One measurement is
the same fresh runs for both paths (seeds 1, 1001, ...; as many as make ``--min-seconds`` of
the tuned path's kernel time); the paths alternate, in an order that swaps every
repetition, and the figure reported is the median over ``--reps`` repetitions (min and max
beside it). Every run of the
plain path must end in the very world the tuned path ends in (checked).

Pin the process to one core (``taskset -c 0``) and keep the machine otherwise idle: the
script prints the load average before and after.
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")  # before numba is imported

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from desertion.civil_violence import kernel, load_scenario, model  # noqa: E402
from desertion.engine.streams import Streams  # noqa: E402

RULES = {"round": kernel.RULE_ROUND, "floor": kernel.RULE_FLOOR, "ratio": kernel.RULE_RATIO}
# (label, shipped scenario, overrides, steps per run, steps per run with --quick)
CASES = [
    ("40 x 40 (civil-violence)", "civil-violence", {}, 200, 100),
    ("200 x 200", "civil-violence", {"width": 200, "height": 200}, 20, 10),
    ("400 x 400", "civil-violence", {"width": 400, "height": 400}, 5, 3),
    ("1000 x 1000 (civil-violence-large)", "civil-violence-large", {}, 5, 2),
    ("40 x 40 synchronous", "civil-violence", {"activation": "synchronous"}, 200, 100),
    ("1000 x 1000 synchronous", "civil-violence-large", {"activation": "synchronous"}, 5, 2),
]


def run_kernel(scenario, seed: int, path: str) -> tuple[float, int, tuple]:
    """Kernel seconds, agent-steps and the final world (x, y, state, jail) of one run of
    ``scenario`` from ``seed`` with the kernels of ``path``."""
    sc = scenario
    sequential, synchronous = kernel.kernels(path)
    streams = Streams(seed)
    world = model.build_world(sc, streams)
    rng = model.kernel_rng_state(streams)
    a = world.agents
    before = np.bincount(a.state[: world.n_citizens], minlength=3).astype(np.int64)
    legitimacy = np.asarray(sc.legitimacy_by_step(), dtype=np.float64)
    view_cit = kernel.vision(sc.citizen_vision, world.pad, sc.width)
    view_cop = kernel.vision(sc.cop_vision, world.pad, sc.width)
    seen = np.zeros((3, max(view_cit.shape[2], view_cop.shape[2])), dtype=np.uint64)
    ptable = model.arrest_probability_table(sc)
    reciprocal = kernel.reciprocals(2 * world.pad * (world.pad + 1) + 1)
    chunk = int(max(1, min(sc.steps, model.CHUNK_AGENT_STEPS // max(world.n_agents, 1))))
    decided = np.empty(world.n_citizens, dtype=np.int8)
    seconds, done = 0.0, 0
    while done < sc.steps:
        size = min(chunk, sc.steps - done)
        census = np.zeros((size, 3), dtype=np.int64)
        flows = np.zeros((size, len(kernel.FLOWS)), dtype=np.int64)
        args = (world.order, rng, sc.max_jail_term, legitimacy[done: done + size],
                a.x, a.y, a.state, a.jail, a.hardship, a.risk_aversion, world.n_citizens,
                world.code, world.occ, sc.width, sc.height, world.pad, view_cit, view_cop,
                seen, RULES[sc.arrest_rule], sc.arrest_prob_constant, sc.active_threshold,
                ptable, reciprocal, sc.movement, before, census, flows)
        started = time.thread_time()
        if sc.activation == "sequential":
            sequential(*args)
        else:
            synchronous(*args, decided)
        seconds += time.thread_time() - started
        before = census[-1].copy()
        done += size
    final = tuple(np.array(a[c]) for c in ("x", "y", "state", "jail"))
    return seconds, world.n_agents * sc.steps, final


def measure(scenario, path: str, runs: int, finals: dict) -> float:
    """ns per agent-step over ``runs`` fresh runs (seeds 1, 1001, ...); each run's final
    world is checked against (or stored in) ``finals``, keyed by seed."""
    seconds, agent_steps = 0.0, 0
    for seed in range(1, 1000 * runs, 1000):
        s, n, final = run_kernel(scenario, seed, path)
        if seed in finals:
            for got, want in zip(final, finals[seed], strict=True):
                if not np.array_equal(got, want):
                    raise SystemExit(f"seed {seed}: the {path} path ended in another world")
        else:
            finals[seed] = final
        seconds, agent_steps = seconds + s, agent_steps + n
    return seconds / agent_steps * 1e9


def bench(label: str, scenario, reps: int, min_seconds: float) -> dict:
    """Both paths on ``scenario``: the same runs, enough for ``min_seconds`` of the tuned
    path's kernel time per measurement, ``reps`` times, alternating."""
    for path in kernel.PATHS:  # compile (or load the cached kernels)
        run_kernel(scenario.model_copy(update={"steps": 1}), 0, path)
    runs = max(1, math.ceil(min_seconds / run_kernel(scenario, 1, "tuned")[0]))
    times: dict[str, list[float]] = {path: [] for path in kernel.PATHS}
    finals: dict = {}
    for rep in range(reps):
        for path in kernel.PATHS[:: 1 if rep % 2 == 0 else -1]:
            times[path].append(measure(scenario, path, runs, finals))
    row = {"case": label, "agents": _agents(scenario), "steps_per_run": scenario.steps,
           "runs": runs}
    for path, ns in times.items():
        row[path] = {"median": statistics.median(ns), "min": min(ns), "max": max(ns), "all": ns}
    row["tuned_gain"] = 1 - row["tuned"]["median"] / row["plain"]["median"]
    print(f"  {label}: tuned {row['tuned']['median']:.1f} ns, plain "
          f"{row['plain']['median']:.1f} ns, tuned saves {100 * row['tuned_gain']:.0f} %",
          flush=True)
    return row


def _agents(scenario) -> int:
    return model.build_world(scenario, Streams(1)).n_agents


def report(rows: list[dict]) -> str:
    lines = ["| case | agents | steps x runs | tuned ns/agent-step | plain ns/agent-step | "
             "tuned saves |", "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        cells = [f"{r[p]['median']:.1f} ({r[p]['min']:.1f}-{r[p]['max']:.1f})"
                 for p in ("tuned", "plain")]
        lines.append(f"| {r['case']} | {r['agents']:,} | {r['steps_per_run']} x {r['runs']} | "
                     f"{cells[0]} | {cells[1]} | {100 * r['tuned_gain']:.0f} % |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and steps")
    parser.add_argument("--reps", type=int, help="repetitions (default 5; --quick 3)")
    parser.add_argument("--min-seconds", type=float,
                        help="kernel time per measurement (default 1.0; --quick 0.3)")
    parser.add_argument("--cases", type=int, nargs="+",
                        help=f"which cases, by number 0-{len(CASES) - 1} (default all)")
    parser.add_argument("--json", type=Path, help="also write all figures here")
    args = parser.parse_args()
    reps = args.reps or (3 if args.quick else 5)
    min_seconds = args.min_seconds or (0.3 if args.quick else 1.0)
    load_before = os.getloadavg()
    print(f"cores allowed: {sorted(os.sched_getaffinity(0))}; load average {load_before[0]:.2f}"
          f"; {reps} repetitions of >= {min_seconds} s per path and case", flush=True)
    rows = []
    for number, (label, name, overrides, steps, quick_steps) in enumerate(CASES):
        if args.cases is None or number in args.cases:
            scenario = load_scenario(name, steps=quick_steps if args.quick else steps,
                                     **overrides)
            rows.append(bench(label, scenario, reps, min_seconds))
    print("\n" + report(rows))
    print(f"\nload average (1 min) before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}")
    if args.json:
        import numba

        args.json.write_text(json.dumps({
            "rows": rows, "when": time.ctime(), "load_before": load_before,
            "load_after": os.getloadavg(), "python": sys.version, "numpy": np.__version__,
            "numba": numba.__version__, "cpu": _cpu_name(),
            "cores": sorted(os.sched_getaffinity(0))}, indent=2))


def _cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


if __name__ == "__main__":
    main()
