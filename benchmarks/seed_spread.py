"""How the targets of a shipped scenario vary across seeds (the calibration's robustness).

    .venv/bin/python benchmarks/seed_spread.py isis-2014 --seeds 10 [--scale 1.0]

Prints, for each target that applies, the documented range and the model's mean, minimum,
maximum and the share of seeds inside the range.
"""

from __future__ import annotations

import argparse

import pandas as pd

from desertion import load_scenario, simulate
from desertion.manpower.targets import compare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--scale", type=float, default=None)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario, scale=args.scale)
    rows = []
    for seed in range(1, args.seeds + 1):
        table = compare(simulate(scenario, seed=seed))
        table["seed"] = seed
        rows.append(table)
    runs = pd.concat(rows)
    summary = runs.groupby("id", sort=False).agg(
        low=("low", "first"), high=("high", "first"), mean=("model", "mean"),
        min=("model", "min"), max=("model", "max"),
        inside=("inside", lambda s: f"{int(s.sum())}/{len(s)}"))
    pd.set_option("display.width", 120)
    print(f"{args.scenario}, scale {scenario.scale}, seeds 1..{args.seeds}")
    print(summary.round(1).to_string())


if __name__ == "__main__":
    main()
