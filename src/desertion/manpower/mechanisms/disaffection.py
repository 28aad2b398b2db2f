"""Mechanism 1. Disaffection D = hardship x (1 - commitment) (Epstein 2002's grievance,
with commitment in the place of legitimacy). Hardship follows its drivers with a lag."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from desertion.manpower.compile import DisaffectionParams


def hardship_drivers(base: np.ndarray, casualties: np.ndarray, airstrikes: np.ndarray,
                     winter: np.ndarray, pay: np.ndarray, momentum: np.ndarray,
                     mistaken: np.ndarray, weights: DisaffectionParams,
                     reprisals: np.ndarray | float = 0.0) -> np.ndarray:
    """The level hardship is drawn towards, in [0, 1].

    ``casualties``, ``mistaken`` and ``reprisals`` are recent deaths, mistaken punishments
    and reprisals against comrades' families per member of his unit; ``pay`` is the pay
    level (1 = normal); ``momentum`` is in [-1, 1] and only its losses add hardship.
    ``weights`` are the mechanism's parameters.
    """
    level = (base + weights.casualty_weight * casualties
             + weights.airstrike_weight * airstrikes + weights.winter_weight * winter
             + weights.pay_weight * np.maximum(0.0, 1.0 - pay)
             + weights.momentum_weight * np.maximum(0.0, -momentum)
             + weights.mistaken_weight * mistaken + weights.reprisal_weight * reprisals)
    return np.clip(level, 0.0, 1.0)


def update_hardship(hardship: np.ndarray, drivers: np.ndarray, lag_days: float) -> np.ndarray:
    """One day of exponential adjustment towards ``drivers`` (the lag of pattern 5)."""
    return hardship + (drivers - hardship) * hardship_adjustment(lag_days)


def hardship_adjustment(lag_days: float) -> float:
    """The share of the gap to its drivers that hardship closes in a day."""
    return 1.0 - np.exp(-1.0 / lag_days)


def disaffection(hardship: np.ndarray, commitment: np.ndarray) -> np.ndarray:
    return hardship * (1.0 - commitment)
