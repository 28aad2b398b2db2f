"""The csa-1862 scenario against its documented figures over several seeds.

    python benchmarks/csa_targets.py [--seeds 5] [--scale 0.05]

Prints, per figure, the documented value and range, the model's median and range over the
seeds, and how many seeds fall inside the range (docs/conflicts/csa-1862.md quotes it).
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

import desertion
from desertion.manpower.targets import compare_figures, shipped_figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--scale", type=float, default=0.05)
    args = parser.parse_args()
    scenario = desertion.load_scenario("csa-1862").with_overrides({"scale": args.scale})
    figures = shipped_figures("csa-1862")
    rows, started = [], time.perf_counter()
    for seed in range(1, args.seeds + 1):
        table, _ = compare_figures(desertion.simulate(scenario, seed=seed), figures)
        rows.append(table.assign(seed=seed))
    both = pd.concat(rows)
    summary = both.groupby(["id", "date"], sort=False).agg(
        documented=("target", "first"), low=("low", "first"), high=("high", "first"),
        median=("model", "median"), min=("model", "min"), max=("model", "max"),
        inside=("inside", "sum"))
    pd.set_option("display.width", 200)
    print(summary.round(0).to_string())
    print(f"{args.seeds} seeds at scale {args.scale}: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
