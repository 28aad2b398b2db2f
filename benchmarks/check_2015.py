"""The 2015 targets of the shipped scenarios run through 2015 (``extend_through_2015``).

    .venv/bin/python benchmarks/check_2015.py                       # the seeds below
    .venv/bin/python benchmarks/check_2015.py --seeds 20141231 1 2 --scale-syria 0.1

Runs isis-2014 (full scale by default) and syria-2014 (scale 0.1 by default) extended to
2015-12-31 for each seed (``shipped`` means the scenario's own) and prints, per scenario
and seed, the targets table (``desertion.manpower.targets.compare``) of the targets dated
2015 or later: the two the 2015 calendar was tuned to (``isis_strength`` 2016-02-04,
``foreign_fighters_cumulative`` 2015-12-01) and the out-of-sample ones
(docs/calibration.md, "2015"). ``--all`` prints the 2014 targets too. Re-run it after a
change to the mechanisms to see whether the 2015 magnitudes still hold.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from desertion import load_scenario, simulate
from desertion.manpower.targets import compare

DEFAULT_SEEDS = ["shipped", "20141231", "1", "2"]
TUNED = {("isis_strength", "2016-02-04"), ("foreign_fighters_cumulative", "2015-12-01")}


def targets_table(name: str, scale: float, seed: int, every: bool) -> pd.DataFrame:
    """The targets table of ``name`` run through 2015 at ``scale`` with ``seed``."""
    scenario = load_scenario(name, extend_through_2015=True, scale=scale)
    started = time.perf_counter()
    table = compare(simulate(scenario, seed=seed))
    seconds = time.perf_counter() - started
    if not every:
        table = table[table["date"] >= "2015-01-01"]
    tuned = [(i, d) in TUNED for i, d in zip(table["id"], table["date"], strict=True)]
    return table.assign(scenario=name, scale=scale, seed=seed, seconds=round(seconds, 1),
                        tuned=tuned)


def seeds_of(name: str, seeds: list[str]) -> list[int]:
    """``seeds`` as numbers, ``shipped`` as the scenario's own, each once."""
    own = load_scenario(name).seed
    return list(dict.fromkeys(own if s == "shipped" else int(s) for s in seeds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", default=DEFAULT_SEEDS,
                        help="seeds, or 'shipped' for the scenario's own (default: %(default)s)")
    parser.add_argument("--scale-isis", type=float, default=1.0)
    parser.add_argument("--scale-syria", type=float, default=0.1)
    parser.add_argument("--all", action="store_true", help="print the 2014 targets too")
    args = parser.parse_args()
    tables = [targets_table(name, scale, seed, args.all)
              for name, scale in (("isis-2014", args.scale_isis),
                                  ("syria-2014", args.scale_syria))
              for seed in seeds_of(name, args.seeds)]
    runs = pd.concat(tables, ignore_index=True)
    pd.set_option("display.width", 160)
    pd.set_option("display.max_rows", 500)
    columns = ["scenario", "scale", "seed", "id", "date", "low", "high", "model", "inside",
               "tuned"]
    print(runs[columns].round({"model": 3}).to_string(index=False))
    print("\nseconds per run:", runs.groupby(["scenario", "seed"])["seconds"].first()
          .to_dict())


if __name__ == "__main__":
    main()
