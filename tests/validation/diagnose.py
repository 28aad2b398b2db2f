"""Diagnostic experiments behind the expected failures of test_patterns.py.

Not a test: it prints the figures docs/validation.md quotes for the xfail diagnoses.
Run from the tests folder (about a minute on two cores)::

    cd tests && ../.venv/bin/python -m validation.diagnose
"""

from __future__ import annotations

import numpy as np

from desertion import load_scenario
from desertion.validation.patterns import IN_RANKS

from .helpers import dispersion, event_index, run, stock, total, unit_losses

SAA, SCALE = "saa-2014", 0.05
SEEDS = (0, 1, 2)
SEEDS2 = SEEDS[:2]


def withdrawal_arms(share: float, seeds) -> list:
    """saa-2014 (scale 0.2, 1 Jun-31 Aug, before the travel ban) with the militia withdrawal
    (15 Jun-15 Jul) set to ``share`` of the allied militias."""
    index = event_index(load_scenario(SAA), "militia_withdrawal")
    shipped = load_scenario(SAA).events[index].share
    overrides = None if share == shipped else {f"events.{index}.share": share}
    return [run(SAA, 0.2, s, overrides, until="2014-08-31") for s in seeds]


def callups(r, **window) -> float:
    """Call-up notices served: men who reported, hid or fled on receiving one."""
    return (total(r, "conscripted", "saa", **window)
            + total(r, "went_into_hiding", "saa", "callup", **window)
            + total(r, "fled_abroad", "saa", "callup", **window))


def exits_per_death(r, faction: str = "saa") -> float:
    exits = sum(total(r, e, faction) for e in ("escaped", "defected", "executed"))
    return exits / total(r, "killed", faction)


def unit_table() -> None:
    """P7 (and P6, P9): SAA unit collapses against contagion weight and enforcement."""
    print("P7  saa-2014 scale 0.05, seeds 0-1: mass-exit share | max daily unit loss | "
          "dispersion | exits per death | strength 31 Dec")
    arms = {"shipped (unit_weight 1.0)": None}
    arms |= {f"unit_weight {w}": {"mechanisms.contagion.unit_weight": w}
             for w in (0.8, 0.6, 0.5, 0.4)}
    arms |= {"watchers_per_unit 2.0": {"factions.saa.enforcement.watchers_per_unit": 2.0},
             "military_police_share 0.05": {
                 "factions.saa.enforcement.military_police_share": 0.05}}
    for name, overrides in arms.items():
        runs = [run(SAA, SCALE, s, overrides, trace=True) for s in SEEDS2]
        losses = [unit_losses(r, "saa") for r in runs]
        print(f"    {name:<28} {np.mean([m for m, _ in losses]):.3f} | "
              f"{max(x for _, x in losses):.2f} | "
              f"{np.mean([dispersion(r, 'saa')[0] for r in runs]):.1f} | "
              f"{np.mean([exits_per_death(r) for r in runs]):.2f} | "
              f"{np.mean([stock(r, 'saa', IN_RANKS) for r in runs]):.0f}")


def flight_table() -> None:
    """P3: flight abroad under a crackdown, with the travel ban as shipped and lifted."""
    shipped = load_scenario(SAA)
    sweep = event_index(shipped, "conscription_sweep")
    ban = event_index(shipped, "travel_ban")
    crackdown = {f"events.{sweep}.men": 5 * shipped.events[sweep].men}
    print("P3  saa-2014 scale 0.05, seeds 0-1: civilians fled abroad from 20 Oct | "
          "deserters escaped abroad | abroad on 31 Dec")
    for ban_name, ban_override in (("ban from 1 Sep (shipped)", {}),
                                   ("ban lifted after 1 Sep", {f"events.{ban}.end":
                                                               "2014-09-01"})):
        for arm, extra in (("base", {}), ("crackdown x5", crackdown)):
            runs = [run(SAA, SCALE, s, {**ban_override, **extra} or None, trace=True)
                    for s in SEEDS2]
            fled = np.mean([total(r, "fled_abroad", "saa", first="2014-10-20") for r in runs])
            escaped = np.mean([total(r, "escaped", "saa", "abroad", first="2014-10-20")
                               for r in runs])
            abroad = np.mean([stock(r, "saa", ("abroad",)) for r in runs])
            print(f"    {ban_name:<26} {arm:<13} {fled:8.0f} | {escaped:6.0f} | {abroad:8.0f}")


def evasion_table() -> None:
    """P3: draft evaders under the crackdown, shipped and with evasion made more sensitive."""
    shipped = load_scenario(SAA)
    sweep = event_index(shipped, "conscription_sweep")
    crackdown = {f"events.{sweep}.men": 5 * shipped.events[sweep].men}
    print("P3  saa-2014 scale 0.05, seeds 0-1: evaders into hiding from 20 Oct (pressure | "
          "callup), base -> crackdown x5 | strength 31 Dec base -> crackdown")
    for name, extra in (("shipped", {}),
                        ("evasion.horizon_days 1095", {"mechanisms.evasion.horizon_days":
                                                       1095.0}),
                        ("evasion.hide_barrier 0.2", {"mechanisms.evasion.hide_barrier": 0.2})):
        cells = []
        for arm in ({}, crackdown):
            runs = [run(SAA, SCALE, s, {**extra, **arm} or None, trace=True) for s in SEEDS2]
            cells.append((np.mean([total(r, "went_into_hiding", "saa", "pressure",
                                         first="2014-10-20") for r in runs]),
                          np.mean([total(r, "went_into_hiding", "saa", "callup",
                                         first="2014-10-20") for r in runs]),
                          np.mean([stock(r, "saa", IN_RANKS) for r in runs])))
        (p0, c0, s0), (p1, c1, s1) = cells
        print(f"    {name:<26} pressure {p0:6.0f} -> {p1:6.0f} | callup {c0:6.0f} -> "
              f"{c1:6.0f} | strength {s0:6.0f} -> {s1:6.0f}")


def rule_table() -> None:
    """P2: the capture rule near one enforcer per leaver; and the floored rule in the SAA."""
    print("P2  isis-2014 scale 0.2, seeds 0-2: attempts at watch 1.0 / 0.9 per unit")
    for rule in ("continuous", "floored"):
        at, below = (np.mean([total(run("isis-2014", 0.2, s, {
            "mechanisms.capture.rule": rule,
            "factions.isis.enforcement.watchers_per_unit": w}), "attempted", "isis")
            for s in SEEDS]) for w in (1.0, 0.9))
        print(f"    {rule:<11} {at:6.0f} / {below:6.0f}  (change {below / at - 1:+.0%})")
    print("P2  saa-2014 scale 0.05, seeds 0-1: SAA attempts | exits per death, by rule")
    for rule in ("continuous", "floored"):
        runs = [run(SAA, SCALE, s, {"mechanisms.capture.rule": rule}, trace=True)
                for s in SEEDS2]
        print(f"    {rule:<11} {np.mean([total(r, 'attempted', 'saa') for r in runs]):8.0f} | "
              f"{np.mean([exits_per_death(r) for r in runs]):.2f}")


def withdrawal_table() -> None:
    """P8 at the shipped size (3,000 of 8,000 leave) against none, two sets of five seeds."""
    from scipy import stats

    shipped = load_scenario(SAA).events[event_index(load_scenario(SAA), "militia_withdrawal")]
    print(f"P8  saa-2014 scale 0.2, 1 Jun-31 Aug: shipped withdrawal (share {shipped.share}) "
          "against none; mean with / without (one-sided paired t-test p)")
    measures = {"call-ups": callups,
                "conscripted": lambda r: total(r, "conscripted", "saa"),
                "went into hiding": lambda r: total(r, "went_into_hiding", "saa"),
                "fled abroad": lambda r: total(r, "fled_abroad", "saa")}
    for seeds in (range(5), range(5, 10)):
        with_, without = withdrawal_arms(shipped.share, seeds), withdrawal_arms(0.0, seeds)
        for name, measure in measures.items():
            w = np.array([measure(r) for r in with_])
            wo = np.array([measure(r) for r in without])
            p = stats.ttest_rel(w, wo, alternative="greater").pvalue
            print(f"    seeds {seeds.start}-{seeds.stop - 1}  {name:<17} {w.mean():6.0f} / "
                  f"{wo.mean():6.0f}  (p={p:.2g})")


if __name__ == "__main__":
    unit_table()
    flight_table()
    evasion_table()
    rule_table()
    withdrawal_table()
