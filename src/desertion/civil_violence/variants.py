"""Measure what the arrest-probability rule and the activation scheme change.

    python -m desertion.civil_violence.variants [--seeds 20] [--scenario civil-violence-punctuated]

Runs the scenario under each rule (round, floor, ratio) and each activation (sequential,
synchronous) over the same seeds and prints a Markdown table of outburst statistics (mean
over seeds, standard deviation in brackets). The first ``WARM_UP`` steps, when everyone
starts quiet, are left out. docs/civil_violence.md quotes its output.
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np

from desertion.civil_violence.analysis import outbursts, quiet_spells
from desertion.civil_violence.model import run_world
from desertion.civil_violence.params import CivilViolenceScenario, load_scenario

WARM_UP = 50
RULES = ("round", "floor", "ratio")
ACTIVATIONS = ("sequential", "synchronous")
COLUMNS = {
    "outbursts": "outbursts per 1000 steps",
    "in_outburst": "% of steps in outburst",
    "peak": "largest outburst peak (% of citizens)",
    "size": "mean outburst size (active citizen-steps)",
    "mean_active": "mean active (% of citizens)",
    "quiet_spell": "median quiet spell (steps)",
}


def measure(scenario: CivilViolenceScenario, seed: int) -> dict[str, float]:
    world, recorder, _ = run_world(scenario, seed)
    n = world.n_citizens
    active = recorder.counts[WARM_UP:, 0, 1]
    bursts = outbursts(active, n)
    spells = quiet_spells(np.concatenate([[0], active]), n)
    steps = len(active)
    return {
        "outbursts": 1000 * len(bursts) / steps,
        "in_outburst": 100 * sum(b.duration for b in bursts) / steps,
        "peak": 100 * active.max() / n,
        "size": (float(np.mean([active[b.start: b.end + 1].sum() for b in bursts]))
                 if bursts else 0.0),
        "mean_active": 100 * active.mean() / n,
        "quiet_spell": float(np.median(spells)) if len(spells) else float(steps),
    }


def table(scenario: CivilViolenceScenario, seeds: int) -> str:
    lines = ["| P rule | activation | " + " | ".join(COLUMNS.values()) + " |",
             "|---|---|" + "---:|" * len(COLUMNS)]
    for rule, activation in itertools.product(RULES, ACTIVATIONS):
        variant = scenario.with_overrides({"arrest_rule": rule, "activation": activation})
        rows = [measure(variant, seed) for seed in range(seeds)]
        cells = []
        for key in COLUMNS:
            values = np.array([row[key] for row in rows])
            cells.append(f"{values.mean():.1f} ({values.std(ddof=1):.1f})")
        lines.append(f"| {rule} | {activation} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--scenario", default="civil-violence-punctuated")
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    print(f"{scenario.name}: {scenario.steps} steps, steps 1-{WARM_UP - 1} left out, "
          f"seeds 0-{args.seeds - 1}\n")
    print(table(scenario, args.seeds))


if __name__ == "__main__":
    main()
