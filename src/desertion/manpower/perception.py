"""The morning's perception of one faction's men on duty, in one compiled pass.

Mechanisms 1 (disaffection), 5 (contagion), 6 (fear trigger), the first part of 7 (who
weighs the ways out) and the count of would-be leavers of mechanism 2 run man by man in one
Numba loop, calling the mechanisms' own formulas (``register_jitable`` functions of
``desertion.manpower.mechanisms``): each man's columns and his unit's memories are read once,
and no whole-array temporary is made per formula. The rest of the day's decision (the risks
and costs of the few who weigh the ways out) stays in NumPy over those few.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from desertion.manpower.mechanisms import (
    capture_risk,
    contagion,
    decision,
    disaffection,
    fear_trigger,
)


class Morning(NamedTuple):
    """What the pass returns: per unit, and over the men in the order given."""

    members: np.ndarray    # (units,) men on duty in each unit
    weighing: np.ndarray   # positions (in the men) of those who weigh the ways out
    push: np.ndarray       # (weighing,) disaffection after the fear trigger, plus contagion
    spread: np.ndarray     # (weighing,) contagion
    noise: np.ndarray      # (weighing,) today's noise
    leaving: np.ndarray    # (weighing,) would-be leavers of his unit, himself included


class Conditions(NamedTuple):
    """The day's numbers for one faction (scalars: the kernel's plain inputs)."""

    base_hardship: float
    airstrikes: float
    winter: float
    pay: float
    momentum: float
    danger: float


class Weights(NamedTuple):
    """The mechanisms' parameters the pass needs (a record Numba can read)."""

    casualty_weight: float
    airstrike_weight: float
    winter_weight: float
    pay_weight: float
    momentum_weight: float
    mistaken_weight: float
    lag_days: float
    unit_weight: float
    tie_weight: float
    unit_cap: float
    danger_weight: float
    shirk_ratio: float
    noise_scale: float
    n_channels: int


def weights_of(params: object, n_channels: int) -> Weights:
    """The pass's weights from the compiled mechanism parameters."""
    d, c = params.disaffection, params.contagion  # type: ignore[attr-defined]
    return Weights(d.casualty_weight, d.airstrike_weight, d.winter_weight, d.pay_weight,
                   d.momentum_weight, d.mistaken_weight, float(d.lag_days),
                   c.unit_weight, c.tie_weight, float(c.unit_cap),
                   params.fear.danger_weight, params.decision.shirk_ratio,  # type: ignore
                   float(params.decision.noise), n_channels)  # type: ignore[attr-defined]


def perceive(men: np.ndarray, people: object, units: object, recent: np.ndarray,
             draws: np.ndarray, lowest_barrier: np.ndarray, day: Conditions, weights: Weights
             ) -> Morning:
    """Mechanisms 1, 5, 6, 7 (the bar) and 2 (would-be leavers) for ``men`` of one faction;
    stores their new hardship. ``draws`` are the men's U(0, 1) draws for today's noise
    (``decision.logistic``); ``recent`` holds a bit for each row that recently tried to
    leave (``contagion.recent_leavers``); ``lowest_barrier`` is the lowest open barrier by
    origin."""
    members, weighing, push, spread, noise, leaving = _perceive(
        men, people.unit, people.hardship, people.commitment,  # type: ignore[attr-defined]
        people.threshold, people.origin, people.ties,  # type: ignore[attr-defined]
        recent, units.recent_casualties, units.recent_mistaken,  # type: ignore
        units.recent_exits, draws, lowest_barrier, day, weights)  # type: ignore
    return Morning(members, weighing, push, spread, noise, leaving)


@njit(cache=True, nogil=True)
def _perceive(men, unit_of, hardship, commitment, threshold, origin, ties, recent,
              unit_casualties, unit_mistaken, unit_exits, draws, lowest_barrier, day, w):
    n, n_units = len(men), len(unit_casualties)
    unit = np.empty(n, np.int64)
    for i in range(n):
        unit[i] = unit_of[men[i]]
    members = np.bincount(unit, minlength=n_units)
    # his ties first gathered, then looked up: two simple loops keep more loads in flight
    # than one that waits on each tie before looking it up (twice as fast, measured)
    tie_rows = np.empty((n, ties.shape[1]), ties.dtype)
    for i in range(n):
        for k in range(ties.shape[1]):
            tie_rows[i, k] = ties[men[i], k]
    tie_share = np.empty(n)
    for i in range(n):
        tie_share[i] = contagion.share_of_ties_left(tie_rows, i, recent)
    # what depends on his unit only, once a unit: hardship's drivers (1), the unit's pull (5)
    drivers = np.empty(n_units)
    pull = np.empty(n_units)
    for u in range(n_units):
        per_member = 1.0 / max(members[u], 1)
        drivers[u] = disaffection.hardship_drivers(
            day.base_hardship, unit_casualties[u] * per_member, day.airstrikes, day.winter,
            day.pay, day.momentum, unit_mistaken[u] * per_member, w)
        pull[u] = contagion.unit_pull(unit_exits[u] * per_member, w.unit_weight, w.unit_cap)
    push = np.empty(n)
    spread = np.empty(n)
    noise = np.empty(n)
    prepares = np.empty(n, np.bool_)
    weighs = np.empty(n, np.bool_)
    for i in range(n):
        r = men[i]
        u = unit[i]
        # 1: hardship follows its drivers; disaffection
        h = disaffection.update_hardship(hardship[r], drivers[u], w.lag_days)
        hardship[r] = h
        grievance = disaffection.disaffection(h, commitment[r])
        # 5: contagion from his unit's recent exits and his ties'
        s = pull[u] + contagion.tie_pull(tie_share[i], w.tie_weight)
        # 6: the fear trigger
        p = fear_trigger.triggered(grievance, day.danger, w.danger_weight) + s
        push[i] = p
        spread[i] = s
        # 7: his mood (noise) and the bar; most are far below it and need no noise
        bar = decision.lowest_bar(threshold[r], w.shirk_ratio, w.noise_scale, w.n_channels)
        if decision.may_exceed(draws[i], w.noise_scale, bar - p):
            noise[i] = decision.logistic(draws[i], w.noise_scale)
            weighs[i] = decision.weighs_the_ways_out(p, noise[i], threshold[r], w.shirk_ratio,
                                                     w.noise_scale, w.n_channels)
        else:
            weighs[i] = False
        # 2: preparing to leave, counted by unit
        prepares[i] = capture_risk.preparing_to_leave(p, lowest_barrier[origin[r]],
                                                      threshold[r])
    weighing = np.flatnonzero(weighs)
    leaving = capture_risk.would_be_leavers(unit[weighing], prepares[weighing],
                                            np.bincount(unit[prepares], minlength=n_units))
    return members, weighing, push[weighing], spread[weighing], noise[weighing], leaving
