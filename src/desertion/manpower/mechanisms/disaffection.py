"""Mechanism 1. Disaffection D = hardship x (1 - commitment) (Epstein 2002's grievance,
with commitment in the place of legitimacy). Hardship follows its drivers with a lag."""

from __future__ import annotations

import numpy as np


def hardship_drivers(base: np.ndarray, casualties: np.ndarray, airstrikes: np.ndarray,
                     winter: np.ndarray, pay: np.ndarray, momentum: np.ndarray,
                     mistaken: np.ndarray, *, casualty_weight: float, airstrike_weight: float,
                     winter_weight: float, pay_weight: float, momentum_weight: float,
                     mistaken_weight: float) -> np.ndarray:
    """The level hardship is drawn towards, in [0, 1].

    ``casualties`` and ``mistaken`` are recent deaths and mistaken punishments per member of
    his unit; ``pay`` is the pay level (1 = normal); ``momentum`` is in [-1, 1] and only its
    losses add hardship.
    """
    level = (base + casualty_weight * casualties + airstrike_weight * airstrikes
             + winter_weight * winter + pay_weight * np.maximum(0.0, 1.0 - pay)
             + momentum_weight * np.maximum(0.0, -momentum) + mistaken_weight * mistaken)
    return np.clip(level, 0.0, 1.0)


def update_hardship(hardship: np.ndarray, drivers: np.ndarray, lag_days: float) -> np.ndarray:
    """One day of exponential adjustment towards ``drivers`` (the lag of pattern 5)."""
    return hardship + (drivers - hardship) * (1.0 - np.exp(-1.0 / lag_days))


def disaffection(hardship: np.ndarray, commitment: np.ndarray) -> np.ndarray:
    return hardship * (1.0 - commitment)
