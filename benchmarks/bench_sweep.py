"""Sweep throughput: one experiment of scaled syria-2014 runs on 1 and 2 local worker
processes and on a 2-worker Dask LocalCluster.

    .venv/bin/python benchmarks/bench_sweep.py [--runs 200] [--scale 0.015]

Each configuration runs in a fresh Python process (so each pays its own start-up: the fork
server, worker processes), into its own results folder. Elapsed time is the sweep summary's:
from handing the runs to the executor to the last result written, so it includes starting
the local worker pool but not validating and planning the experiment;
a Dask cluster is started before (its start-up is printed apart), as a sweep sent to a
running scheduler would find it.

Reported: elapsed wall time; throughput (runs/s) and its ratio to 1 worker; the mean wall
time of one run, measured inside the worker; the scheduling overhead,
1 - (sum of the runs' wall times) / (elapsed x workers): the share of the workers' time not
spent running the model; and, as a check that nothing else competed for the CPUs, the
1-minute load average when the configuration started and the share of the machine's CPU
time that was busy while it ran (whoever used it: about 1/CPUs per worker when the machine
is otherwise idle). The datasets of all configurations are checked to be identical
(sorted by run id), as the experiment layer guarantees.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXPERIMENT = """\
name = "bench-sweep"
root_seed = 2014
replications = {replications}
outcomes = ["deserted_isis", "deserted_saa", "executed_foreign_share_isis",
            "hiding_end_saa", "abroad_end_saa", "strength_end_isis", "strength_end_saa"]

[base]
scenario = "syria-2014"
[base.set]
scale = {scale}

[design]
kind = "grid"

[parameters]
"factions.isis.barriers.home" = {{ low = 0.1, high = 0.5, steps = 5 }}
"factions.saa.enforcement.checkpoint" = {{ low = 0.05, high = 0.35, steps = 4 }}
"""
POINTS = 5 * 4
CONFIGS = [("local", 1), ("local", 2), ("dask", 2)]


def run_one(kind: str, workers: int, experiment: Path, out: Path) -> dict[str, float]:
    """One configuration, in this process; returns its figures."""
    from desertion.experiments import run_experiment

    cluster_s = 0.0
    if kind == "dask":
        from distributed import Client, LocalCluster

        started = time.perf_counter()
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None)
        client = Client(cluster)
        client.wait_for_workers(workers)
        cluster_s = time.perf_counter() - started
        try:
            summary = run_experiment(experiment, out=out, dask=client)
        finally:
            client.close()
            cluster.close()
    else:
        summary = run_experiment(experiment, out=out, workers=workers)
    assert summary.ok == summary.planned, summary
    return {"elapsed_s": summary.elapsed_s, "run_time_s": summary.run_time_s,
            "ran": summary.ran, "workers": summary.workers, "cluster_s": cluster_s}


def _busy_cpu_s() -> float:
    """CPU seconds the whole machine has spent busy (Linux /proc/stat; 0 elsewhere)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0.0
    ticks = [int(x) for x in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="runs (a multiple of 20)")
    parser.add_argument("--scale", type=float, default=0.015, help="syria-2014 scale")
    parser.add_argument("--one", nargs=4, metavar=("KIND", "WORKERS", "EXPERIMENT", "OUT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        kind, workers, experiment, out = args.one
        print(json.dumps(run_one(kind, int(workers), Path(experiment), Path(out))))
        return

    import pandas as pd

    from desertion.experiments import load_results

    if args.runs % POINTS:
        parser.error(f"--runs must be a multiple of {POINTS}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        experiment = Path(tmp) / "bench-sweep.toml"
        experiment.write_text(EXPERIMENT.format(replications=args.runs // POINTS,
                                                scale=args.scale))
        frames = {}
        for kind, workers in CONFIGS:
            out = Path(tmp) / f"{kind}-{workers}"
            load = os.getloadavg()[0]
            busy_before, wall_before = _busy_cpu_s(), time.perf_counter()
            done = subprocess.run([sys.executable, __file__, "--one", kind, str(workers),
                                   str(experiment), str(out)], check=True,
                                  capture_output=True, text=True)
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            busy = _busy_cpu_s() - busy_before
            rows.append({"executor": kind, **figures, "load": load, "busy_cpu_s": busy,
                         "wall_s": time.perf_counter() - wall_before})
            frames[(kind, workers)] = load_results(out).drop(columns=["wall_time_s",
                                                                      "worker"])
            print(f"  {kind} x{workers}: {figures['elapsed_s']:.1f} s", file=sys.stderr)
        first = frames[CONFIGS[0]]
        for key, frame in frames.items():
            pd.testing.assert_frame_equal(frame, first, obj=f"results of {key}")
    base = rows[0]["ran"] / rows[0]["elapsed_s"]
    print(f"\n{args.runs} runs of syria-2014 at scale {args.scale} on {os.cpu_count()} CPUs; "
          f"datasets identical\n")
    head = (f"{'executor':<10}{'workers':>8}{'elapsed s':>11}{'runs/s':>9}{'vs 1':>7}"
            f"{'run s':>8}{'overhead':>10}{'load':>7}{'CPUs busy':>11}")
    print(head)
    print("-" * len(head))
    for row in rows:
        rate = row["ran"] / row["elapsed_s"]
        overhead = 1 - row["run_time_s"] / (row["elapsed_s"] * row["workers"])
        print(f"{row['executor']:<10}{row['workers']:>8}{row['elapsed_s']:>11.1f}"
              f"{rate:>9.2f}{rate / base:>7.2f}{row['run_time_s'] / row['ran']:>8.3f}"
              f"{overhead:>10.1%}{row['load']:>7.2f}"
              f"{row['busy_cpu_s'] / row['wall_s'] / (os.cpu_count() or 1):>11.0%}")
    for row in rows:
        if row["cluster_s"]:
            print(f"\n(Dask LocalCluster start-up, not timed above: {row['cluster_s']:.1f} s)")


if __name__ == "__main__":
    main()
