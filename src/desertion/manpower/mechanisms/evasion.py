"""Mechanism 12. Draft evasion: an eligible civilian weighs the cost of being conscripted
against hiding (fines, dismissal, capture in sweeps) and fleeing abroad (barrier, travel
ban). Harsher crackdowns can push more men out of reach: the backfire the seed text
describes. The choice is a multinomial logit over the three costs."""

from __future__ import annotations

import numpy as np

STAY, HIDE, FLEE = 0, 1, 2


def service_cost(commitment: np.ndarray, danger: np.ndarray, base: float) -> np.ndarray:
    """What serving costs a man: more the less committed he is and the more dangerous."""
    return base * (1.0 - commitment) * (1.0 + danger)


def draft_chance(daily_pressure: np.ndarray, horizon_days: float) -> np.ndarray:
    """Chance of being called or taken within the horizon at today's pressure."""
    return 1.0 - np.exp(-daily_pressure * horizon_days)


def choice_costs(service: np.ndarray, drafted: np.ndarray, risk_aversion: np.ndarray,
                 sweep_chance: np.ndarray, employee_penalty: np.ndarray,
                 border_stop: np.ndarray, evasion_severity: np.ndarray, *,
                 hide_barrier: float, abroad_barrier: np.ndarray) -> np.ndarray:
    """(n, 3) costs of staying (and reporting if called), hiding and fleeing abroad.

    ``drafted`` is the chance of serving if he stays (1 for a man holding a call-up);
    ``sweep_chance`` the chance a sweep finds him in hiding; ``employee_penalty`` the
    severity of dismissal and fines he faces as a state employee while in hiding.
    """
    caught_cost = service + risk_aversion * evasion_severity
    costs = np.empty((len(service), 3))
    costs[:, STAY] = drafted * service
    costs[:, HIDE] = hide_barrier + sweep_chance * caught_cost + employee_penalty
    costs[:, FLEE] = abroad_barrier + border_stop * caught_cost
    return costs


def logit_choice(rng: np.random.Generator, costs: np.ndarray, noise: float) -> np.ndarray:
    """Pick an option per row with probability proportional to exp(-cost / noise)."""
    lowest = costs[:, 0].copy()
    for j in range(1, costs.shape[1]):  # a few options, each a whole-array pass
        np.minimum(lowest, costs[:, j], out=lowest)
    cumulative = np.cumsum(np.exp((lowest[:, None] - costs) / noise), axis=1)
    u = rng.random(len(costs)) * cumulative[:, -1]
    return (u[:, None] > cumulative).sum(axis=1)
