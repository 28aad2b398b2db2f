"""How far the manpower step is from the memory bandwidth of one core (issue 13's roofline).

    taskset -c 0 .venv/bin/python benchmarks/roofline.py            # full-scale syria-2014
    taskset -c 0 .venv/bin/python benchmarks/roofline.py --scale 0.2 --day 150

1. One core's bandwidth: the best of seven ``np.copyto`` of a 256 MiB array (read plus
   write) and of seven ``sum`` (read only).
2. The run (the compiled passes), counting each day's men on duty and the men who weigh
   the ways out, and timing the steps.
3. On one day (``--day``), the bytes the step touches per man on duty: the arrays it streams
   over the men on duty (listed below, phase by phase, in bytes a man), and the cache lines
   of the agents' columns it reads at the men's own rows and at their ties' rows, counted
   from that day's rows (a man's rows are scattered: conscripts keep their civilian rows),
   64 bytes a line.

Prints the bandwidths, the man-days, the bytes per man-day, the time those bytes take at
the copy bandwidth, the measured time of the steps, and where it went: the seconds spent in
each phase of the step (and in a few of their parts), timed around the methods.
"""

from __future__ import annotations

import argparse
import collections
import time

import numpy as np

from desertion.manpower.codes import Status
from desertion.manpower.model import build
from desertion.manpower.scenario import load_scenario
from desertion.manpower.step import Manpower

LINE = 64
# arrays streamed over the men on duty, bytes a man (8: an index or a float64, 1: a mask,
# a uint8 or an int8), by phase of the step as built (step.py; passes/kernels for 4)
STREAMED = {
    "ranks: rows, their status, the men on duty": 8 + 1 + 1 + 8,
    "combat: status, serving rows, faction, draws dealt, risk, deaths": 1 + 8 + 1 + 8 * 3 + 8 + 1,
    "weigh: faction, per-faction rows, unit, origin, members": 1 + 1 + 8 + 4 + 1 + 4,
    "weigh: the mood pass (uniforms, push, noise, spread, two masks)": 8 * 2 + 8 * 3 + 2,
    "weigh: action spread, rows and action joined, shirkers": 1 + 8 + 8 + 1 + 1 + 1,
    "enforce: draws dealt to every man, serving rows, faction, draws, rates": 8 * 3 + 1 + 8
    + 1 + 8 * 3 + 8 * 2 + 2,
    "militias: status of the men on duty": 1,
}
# columns read at each man's row (bytes a row) and where he may look up his ties
OWN_ROWS = {"status": 1, "faction": 1, "unit": 4, "origin": 1, "hardship": 4,
            "commitment": 4, "threshold": 4, "ties": 8}
TIE_ROWS = {"exit_day": 2}


def bandwidth(reps: int = 7) -> tuple[float, float]:
    """GB/s of one core: copy (read + write) and sum (read), best of ``reps``."""
    a = np.ones(2**25)
    b = np.empty_like(a)
    copy = read = 0.0
    for _ in range(reps):
        t = time.perf_counter()
        np.copyto(b, a)
        copy = max(copy, 2 * a.nbytes / (time.perf_counter() - t) / 1e9)
        t = time.perf_counter()
        a.sum()
        read = max(read, a.nbytes / (time.perf_counter() - t) / 1e9)
    return copy, read


PHASES = ("release_from_prison", "combat_attrition", "weigh_and_act", "enforce",
          "withdraw_militias", "recruit_volunteers", "draft_civilians", "reconsider_hiding",
          "store_histories", "adapt_policy", "fade_memories", "take_census")
PARTS = ("perceive", "choose", "attempt_exits", "evade", "uniforms")


def timed_phases() -> collections.Counter:
    """Time every call of the step's phases (and parts) from now on, by name."""
    spent: collections.Counter = collections.Counter()

    def wrap(name: str) -> None:
        method = getattr(Manpower, name)

        def timed(self, *args, **kwargs):
            started = time.perf_counter()
            try:
                return method(self, *args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - started

        setattr(Manpower, name, timed)

    for name in PHASES + PARTS:
        wrap(name)
    return spent


def lines(rows: np.ndarray, itemsize: int) -> int:
    """Distinct cache lines holding ``rows`` of a column of ``itemsize`` bytes a row."""
    return len(np.unique(rows.astype(np.int64) * itemsize // LINE))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--day", type=int, default=150, help="the day whose rows are counted")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    copy, read = bandwidth()
    print(f"one core: copy {copy:.1f} GB/s (read + write), sum {read:.1f} GB/s")

    spent_in = timed_phases()
    model = build(load_scenario("syria-2014", scale=args.scale), seed=args.seed)
    print(f"syria-2014 at scale {args.scale}: {len(model.people):,} agents, "
          f"passes {model.passes.name}")
    on_duty, spent, scattered = [], 0.0, None
    for day in range(model.n_steps):
        started = time.perf_counter()
        model.step()
        spent += time.perf_counter() - started
        on_duty.append(len(model.on_duty))
        if day == args.day:
            men = model.on_duty
            people = model.people
            ties = people.ties[men]
            ties = ties[ties >= 0]
            scattered = {name: lines(men, size) * LINE for name, size in OWN_ROWS.items()}
            scattered |= {f"{name} (ties)": lines(ties, size) * LINE
                          for name, size in TIE_ROWS.items()}
            scattered_per_man = sum(scattered.values()) / len(men)
            jailed = np.count_nonzero(people.status[men] == Status.JAILED)
            print(f"day {day}: {len(men):,} men on duty ({jailed} jailed), "
                  f"{len(ties):,} ties")
    man_days = sum(on_duty)
    streamed = sum(STREAMED.values())
    print(f"man-days on duty: {man_days:,} over {model.n_steps} days")
    for name, size in STREAMED.items():
        print(f"  streamed  {size:4d} B  {name}")
    for name, size in (scattered or {}).items():
        print(f"  rows      {size / len(model.on_duty):6.1f} B  {name} (cache lines a man, "
              f"day {args.day})")
    per_man = streamed + scattered_per_man
    total = per_man * man_days
    print(f"bytes a man-day: {per_man:.0f} ({streamed} streamed, {scattered_per_man:.0f} "
          f"in the lines of scattered rows); {total / 1e9:.2f} GB in all")
    print(f"at the copy bandwidth: {total / (copy * 1e9):.2f} s; the steps took "
          f"{spent:.2f} s ({spent / (total / (copy * 1e9)):.1f} x the bound)")
    print("where the steps' time went (the first day includes starting Numba):")
    for name in PHASES + PARTS:
        print(f"  {'  ' if name in PARTS else ''}{name:22s} {spent_in[name]:6.2f} s "
              f"{100 * spent_in[name] / spent:5.1f}%")


if __name__ == "__main__":
    main()
