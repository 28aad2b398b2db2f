"""Mechanism 10. Combat attrition: deaths per day, scaled by intensity and airstrikes."""

from __future__ import annotations

import numpy as np


def death_probability(rate: np.ndarray, combat: np.ndarray, airstrikes: np.ndarray,
                      lethality: float) -> np.ndarray:
    return np.minimum(1.0, rate * combat * (1.0 + lethality * airstrikes))
