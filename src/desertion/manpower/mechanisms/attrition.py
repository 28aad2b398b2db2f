"""Mechanism 10. Combat attrition: deaths per day, scaled by intensity and airstrikes, and
men taken prisoner by the enemy."""

from __future__ import annotations

import numpy as np


def death_probability(rate: np.ndarray, combat: np.ndarray, airstrikes: np.ndarray,
                      lethality: float) -> np.ndarray:
    return np.minimum(1.0, rate * combat * (1.0 + lethality * airstrikes))


def capture_probability(rate: np.ndarray, combat: np.ndarray) -> np.ndarray:
    """Daily chance a man on duty is taken prisoner by the enemy: his faction's rate at
    combat intensity 1, in proportion to the day's intensity (airstrikes kill, they do not
    take prisoners)."""
    return np.minimum(1.0, rate * combat)
