"""Benchmark: this package's civil-violence model against Mesa 3.3.1's own example.

    python benchmarks/civil_violence_vs_mesa.py            # the full benchmark (~20 min)
    python benchmarks/civil_violence_vs_mesa.py --quick    # fewer repetitions and steps (~4 min)

Mesa is a benchmark-only dependency: it is installed (``mesa==3.3.1`` and ``networkx``, which
``mesa.examples`` imports) into a virtual environment of its own, ``benchmarks/.mesa-venv``
by default, created on first use, and its example
(``mesa.examples.advanced.epstein_civil_violence``) runs there in subprocesses.

1. Speed. Both models at the same parameters (Mesa's defaults) and the same semantics
   (random sequential activation, rounded arrest probability), interleaved, several
   repetitions, on 40 x 40, 100 x 100 and 200 x 200 grids: agent-steps per second (agents x
   steps / seconds of stepping) for each and their ratio. Mesa's first steps fill its
   neighbourhood caches, so they are run but not timed; ours are all timed (stepping
   includes drawing the random numbers and recording the census), over fresh runs repeated
   until a second of stepping has accumulated. Then this model alone at 1000 x 1000 and
   3000 x 3000 (~7M agents), each in a fresh process that reports its peak resident memory.
   One core: every timed process is pinned to the same core (the last one this process may
   use), and NUMBA_NUM_THREADS=1 (the kernel is serial anyway).
2. Dynamics. Over many seeds each, at Mesa's defaults and at Epstein's Run 1: the mean and
   spread of the peak number of active citizens (steps 1-200), of the jailed at step 200 and
   of the mean jailed over steps 100-200. Each difference of means is tested with Welch's
   t-test (SE = sqrt(s1^2/n1 + s2^2/n2), Welch-Satterthwaite degrees of freedom); the two
   agree when |difference| < 2 SE (two-sided p > ~0.05). The distributions are skewed (a
   run with an early outburst jails many for long), so a Mann-Whitney U test and a
   two-sample Kolmogorov-Smirnov test of the whole distributions, and their 90th
   percentiles, are reported beside it.
"""

from __future__ import annotations

import os

os.environ["NUMBA_NUM_THREADS"] = "1"  # before numba is imported: one core

import argparse
import json
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MESA_VERSION = "3.3.1"
PY_ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NUMBA_NUM_THREADS": "1"}

# Runs inside the Mesa virtual environment; reads a JSON request on stdin.
MESA_RUNNER = r"""
import json, sys, time
from mesa.examples.advanced.epstein_civil_violence.model import EpsteinCivilViolence

request = json.load(sys.stdin)
params = request["params"]

def model(seed):
    return EpsteinCivilViolence(seed=seed, max_iters=10**9, **params)

if request["mode"] == "speed":
    m = model(request["seed"])
    for _ in range(request["warmup"]):
        m.step()
    started = time.perf_counter()
    for _ in range(request["steps"]):
        m.step()
    seconds = time.perf_counter() - started
    print(json.dumps({"agents": len(m.agents), "steps": request["steps"], "seconds": seconds}))
else:
    runs = []
    for seed in request["seeds"]:
        m = model(seed)
        for _ in range(request["steps"]):
            m.step()
        frame = m.datacollector.get_model_vars_dataframe()
        runs.append({"seed": seed, "active": frame["active"].tolist(),
                     "jailed": frame["arrested"].tolist()})
    print(json.dumps(runs))
"""

# Runs in this package's environment, in a fresh process per size: speed and peak memory.
LARGE_RUNNER = r"""
import json, resource, sys, time
request = json.load(sys.stdin)
from desertion.civil_violence import CivilViolenceScenario, simulate
simulate(CivilViolenceScenario(steps=2), seed=0)   # compile (or load the cached kernel)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
scenario = CivilViolenceScenario(width=request["size"], height=request["size"],
                                 steps=request["steps"])
result = simulate(scenario, seed=1)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
meta = result.meta
print(json.dumps({"agents": meta["n_citizens"] + meta["n_cops"], "steps": scenario.steps,
                  "step_seconds": meta["step_seconds"], "wall_s": meta["wall_time_s"],
                  "rss_before_mib": before / 1024, "rss_peak_mib": peak / 1024}))
"""


# -- Mesa's environment ------------------------------------------------------------------------
def mesa_python(venv: Path) -> Path:
    """The Mesa venv's python, creating the venv and installing Mesa into it if needed."""
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"creating {venv} with mesa=={MESA_VERSION} (benchmark only)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        (venv / ".gitignore").write_text("*\n")  # never commit the environment
        subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                        f"mesa=={MESA_VERSION}", "networkx"], check=True)
    version = subprocess.run([str(python), "-c", "import mesa; print(mesa.__version__)"],
                             check=True, capture_output=True, text=True).stdout.strip()
    if version != MESA_VERSION:
        sys.exit(f"{venv}: mesa {version} installed, {MESA_VERSION} expected; remove the venv")
    return python


def run_mesa(python: Path, request: dict[str, Any]) -> Any:
    done = subprocess.run([str(python), "-c", MESA_RUNNER], input=json.dumps(request),
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def mesa_params(scenario: Any) -> dict[str, Any]:
    """Our scenario's parameters under Mesa's names."""
    return {"width": scenario.width, "height": scenario.height,
            "citizen_density": scenario.citizen_density, "cop_density": scenario.cop_density,
            "citizen_vision": scenario.citizen_vision, "cop_vision": scenario.cop_vision,
            "legitimacy": scenario.legitimacy, "max_jail_term": scenario.max_jail_term,
            "active_threshold": scenario.active_threshold,
            "arrest_prob_constant": scenario.arrest_prob_constant,
            "movement": scenario.movement}


# -- speed -------------------------------------------------------------------------------------
def ours_speed(size: int, steps: int, seed: int, min_seconds: float = 1.0) -> float:
    """Agent-steps per second over fresh runs of ``steps`` steps (seeds ``seed``, ``seed +
    1000``, ...) repeated until ``min_seconds`` of stepping: one short run takes milliseconds
    where Mesa's takes seconds, and a single timer interrupt would weigh on it."""
    from desertion.civil_violence import CivilViolenceScenario, simulate

    scenario = CivilViolenceScenario(width=size, height=size, steps=steps)
    agent_steps, seconds = 0, 0.0
    while seconds < min_seconds:
        meta = simulate(scenario, seed=seed).meta
        agent_steps += meta["agent_steps"]
        seconds += meta["step_seconds"]
        seed += 1000
    return agent_steps / seconds


def speed(python: Path | None, grids: list[tuple[int, int, int]], reps: int
          ) -> list[dict[str, Any]]:
    from desertion.civil_violence import CivilViolenceScenario, simulate

    simulate(CivilViolenceScenario(steps=2), seed=0)  # compile (or load the cached kernel)
    rates: dict[int, dict[str, list[float]]] = {g[0]: {"mesa": [], "ours": []} for g in grids}
    for rep in range(reps):
        for size, warmup, steps in grids:  # interleaved: Mesa then ours, size by size
            if python is not None:
                r = run_mesa(python, {"mode": "speed", "seed": 100 + rep, "warmup": warmup,
                                      "steps": steps,
                                      "params": mesa_params(CivilViolenceScenario(
                                          width=size, height=size))})
                rates[size]["mesa"].append(r["agents"] * r["steps"] / r["seconds"])
            rates[size]["ours"].append(ours_speed(size, warmup + steps, 100 + rep))
            print(f"  rep {rep + 1}/{reps} {size}x{size}: "
                  + ", ".join(f"{k} {v[-1] / 1e6:.3f}M/s" for k, v in rates[size].items() if v),
                  flush=True)
    rows = []
    for size, warmup, steps in grids:
        mesa = rates[size]["mesa"]
        ours = rates[size]["ours"]
        rows.append({"grid": f"{size}x{size}", "steps_timed": steps, "mesa_warmup": warmup,
                     "mesa": statistics.median(mesa) if mesa else None, "mesa_all": mesa,
                     "ours": statistics.median(ours), "ours_all": ours,
                     "ratio": statistics.median(ours) / statistics.median(mesa) if mesa else None})
    return rows


def large(sizes: list[tuple[int, int]]) -> list[dict[str, Any]]:
    rows = []
    for size, steps in sizes:
        done = subprocess.run([sys.executable, "-c", LARGE_RUNNER],
                              input=json.dumps({"size": size, "steps": steps}), env=PY_ENV,
                              check=True, capture_output=True, text=True)
        r = json.loads(done.stdout)
        r.update(grid=f"{size}x{size}", rate=r["agents"] * r["steps"] / r["step_seconds"])
        print(f"  {r['grid']}: {r['agents']:,} agents, {r['rate'] / 1e6:.2f}M agent-steps/s, "
              f"peak RSS {r['rss_peak_mib']:.0f} MiB", flush=True)
        rows.append(r)
    return rows


# -- dynamics ----------------------------------------------------------------------------------
SETTINGS = {"mesa-defaults": ("Mesa defaults", "civil-violence"),
            "run1": ("Epstein Run 1", "civil-violence-punctuated")}
"""The settings the dynamics are compared at: option value -> (label, shipped scenario)."""


def measures(active: np.ndarray, jailed: np.ndarray) -> dict[str, float]:
    """Index t is the state after step t (0: initial)."""
    return {"peak_active": float(active[1:201].max()), "jailed_200": float(jailed[200]),
            "mean_jailed_100_200": float(jailed[100:201].mean())}


def welch(a: list[float], b: list[float]) -> dict[str, float]:
    from scipy import stats

    a_, b_ = np.asarray(a), np.asarray(b)
    se = float(np.sqrt(a_.var(ddof=1) / len(a_) + b_.var(ddof=1) / len(b_)))
    test = stats.ttest_ind(a_, b_, equal_var=False)
    ranks = stats.mannwhitneyu(a_, b_, alternative="two-sided")
    shapes = stats.ks_2samp(a_, b_)
    return {"diff": float(a_.mean() - b_.mean()), "se": se,
            "t": float(test.statistic) if se > 0 else 0.0,
            "p": float(test.pvalue) if se > 0 else 1.0, "p_mwu": float(ranks.pvalue),
            "p_ks": float(shapes.pvalue),
            "ours_q90": float(np.quantile(a_, 0.9)), "mesa_q90": float(np.quantile(b_, 0.9))}


def dynamics(python: Path, settings: dict[str, Any], seeds: int, first_seed: int = 0
             ) -> list[dict[str, Any]]:
    """Ours with seeds ``first_seed`` .. ``first_seed + seeds - 1``, Mesa with the same
    seeds plus 1000 (independent samples)."""
    from desertion.civil_violence import counts_by_step, simulate

    rows = []
    for label, scenario in settings.items():
        scenario = scenario.with_overrides({"steps": 200})
        mesa_seeds = range(first_seed + 1000, first_seed + 1000 + seeds)
        halves = [list(mesa_seeds)[i::2] for i in range(2)]
        with ThreadPoolExecutor(2) as pool:  # two Mesa processes, one per core
            parts = pool.map(lambda part, sc=scenario: run_mesa(python, {
                "mode": "dynamics", "seeds": part, "steps": 200,
                "params": mesa_params(sc)}), halves)
        mesa = [measures(np.array(r["active"]), np.array(r["jailed"]))
                for part in parts for r in part]
        ours = []
        for seed in range(first_seed, first_seed + seeds):
            counts = counts_by_step(simulate(scenario, seed=seed))
            ours.append(measures(counts["active"].to_numpy(), counts["jailed"].to_numpy()))
        for measure in ("peak_active", "jailed_200", "mean_jailed_100_200"):
            m = [r[measure] for r in mesa]
            o = [r[measure] for r in ours]
            test = welch(o, m)
            rows.append({"setting": label, "measure": measure, "n": (len(o), len(m)),
                         "ours_mean": float(np.mean(o)), "ours_sd": float(np.std(o, ddof=1)),
                         "mesa_mean": float(np.mean(m)), "mesa_sd": float(np.std(m, ddof=1)),
                         **test, "agree": abs(test["diff"]) < 2 * test["se"] or test["se"] == 0})
            r = rows[-1]
            print(f"  {label:14s} {measure:20s} ours {r['ours_mean']:8.2f} ± {r['ours_sd']:6.2f}"
                  f"  mesa {r['mesa_mean']:8.2f} ± {r['mesa_sd']:6.2f}  diff/SE "
                  f"{r['diff'] / r['se'] if r['se'] else 0:+.2f}  p {r['p']:.2f}  "
                  f"p(MWU) {r['p_mwu']:.2f}  p(KS) {r['p_ks']:.2f}", flush=True)
    return rows


# -- report ------------------------------------------------------------------------------------
def report(speed_rows: list[dict], large_rows: list[dict], dyn_rows: list[dict]) -> str:
    lines = ["| grid | agents (approx.) | Mesa 3.3.1 agent-steps/s | ours agent-steps/s | ratio |",
             "|---|---:|---:|---:|---:|"]
    agents = {40: 1240, 100: 7740, 200: 30960}
    for r in speed_rows:
        size = int(r["grid"].split("x")[0])
        mesa = f"{r['mesa']:,.0f}" if r["mesa"] else "-"
        ratio = f"{r['ratio']:,.0f}x" if r["ratio"] else "-"
        lines.append(f"| {r['grid']} | {agents.get(size, 0):,} | {mesa} | {r['ours']:,.0f} "
                     f"| {ratio} |")
    for r in large_rows:
        lines.append(f"| {r['grid']} | {r['agents']:,} | - | {r['rate']:,.0f} | - |")
    lines += ["", "| grid | agents | steps | agent-steps/s | peak RSS (MiB) | RSS before (MiB) |",
              "|---|---:|---:|---:|---:|---:|"]
    for r in large_rows:
        lines.append(f"| {r['grid']} | {r['agents']:,} | {r['steps']} | {r['rate']:,.0f} | "
                     f"{r['rss_peak_mib']:,.0f} | {r['rss_before_mib']:,.0f} |")
    if dyn_rows:
        lines += ["", "| setting | measure | ours mean (sd) | Mesa mean (sd) | diff | SE | t "
                  "| p (Welch) | agree (\\|diff\\| < 2 SE) | p (Mann-Whitney) "
                  "| p (Kolmogorov-Smirnov) | 90th percentile, ours / Mesa |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|"]
        for r in dyn_rows:
            lines.append(f"| {r['setting']} | {r['measure']} | {r['ours_mean']:.2f} "
                         f"({r['ours_sd']:.2f}) | {r['mesa_mean']:.2f} ({r['mesa_sd']:.2f}) | "
                         f"{r['diff']:+.2f} | {r['se']:.2f} | {r['t']:+.2f} | {r['p']:.2f} | "
                         f"{'yes' if r['agree'] else 'NO'} | {r['p_mwu']:.2f} | "
                         f"{r['p_ks']:.2f} | {r['ours_q90']:.1f} / {r['mesa_q90']:.1f} |")
        # the measures are correlated, so this is a rough guide, not a correction
        lines += ["", f"{len(dyn_rows)} comparisons: even between identical models about "
                  f"{0.05 * len(dyn_rows):.1f} would fall outside 2 SE by chance (p < 0.05 "
                  "each); the measures are heavy-tailed, so few seeds give unstable means."]
    return "\n".join(lines)


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and steps")
    parser.add_argument("--reps", type=int, help="speed repetitions (default 3, quick 1)")
    parser.add_argument("--seeds", type=int, help="seeds per model and setting for the "
                        "dynamics (default 60, quick 20)")
    parser.add_argument("--first-seed", type=int, default=0, help="dynamics: ours from this "
                        "seed, Mesa from it plus 1000 (to replicate with fresh seeds)")
    parser.add_argument("--mesa-venv", type=Path, default=HERE / ".mesa-venv")
    parser.add_argument("--no-mesa", action="store_true", help="time this model only")
    parser.add_argument("--no-large", action="store_true", help="skip 1000x1000, 3000x3000")
    parser.add_argument("--no-speed", action="store_true", help="skip the side-by-side timing")
    parser.add_argument("--no-dynamics", action="store_true")
    parser.add_argument("--settings", nargs="+", choices=sorted(SETTINGS), default=sorted(SETTINGS),
                        help="scenarios whose dynamics are compared (default: both)")
    parser.add_argument("--json", type=Path, help="also write all figures here")
    args = parser.parse_args()
    reps = args.reps or (1 if args.quick else 3)
    seeds = args.seeds or (20 if args.quick else 60)
    # (size, Mesa's untimed warm-up steps, timed steps)
    grids = ([(40, 2, 50), (100, 2, 10), (200, 2, 4)] if args.quick
             else [(40, 2, 200), (100, 2, 30), (200, 2, 10)])
    sizes = [(1000, 10), (3000, 3)] if args.quick else [(1000, 50), (3000, 10)]

    sys.path.insert(0, str(ROOT / "src"))
    from desertion.civil_violence import load_scenario

    python = None if args.no_mesa else mesa_python(args.mesa_venv)
    load_before = os.getloadavg()
    if load_before[0] > 0.5:
        print(f"warning: load average {load_before[0]:.2f}: other processes compete for the "
              "cores and slow both models", flush=True)
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {max(cores)})  # inherited by the Mesa and large-run processes
    speed_rows: list[dict] = []
    if not args.no_speed:
        print(f"speed ({reps} repetitions, interleaved, on core {max(cores)}):", flush=True)
        speed_rows = speed(python, grids, reps)
    large_rows = [] if args.no_large else large(sizes)
    os.sched_setaffinity(0, cores)
    dyn_rows: list[dict] = []
    if python is not None and not args.no_dynamics:
        print(f"dynamics ({seeds} seeds per model and setting, steps 0-200, ours from seed "
              f"{args.first_seed}, Mesa from {args.first_seed + 1000}):", flush=True)
        settings = {SETTINGS[key][0]: load_scenario(SETTINGS[key][1]) for key in args.settings}
        dyn_rows = dynamics(python, settings, seeds, args.first_seed)
    table = report(speed_rows, large_rows, dyn_rows)
    print("\n" + table)
    print(f"\nload average (1 min) before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}")
    if args.json:
        args.json.write_text(json.dumps({
            "speed": speed_rows, "large": large_rows, "dynamics": dyn_rows,
            "when": time.ctime(), "load_before": load_before, "load_after": os.getloadavg(),
            "python": sys.version, "numpy": np.__version__, "cpu": _cpu_name(),
        }, indent=2, default=str))


if __name__ == "__main__":
    main()
