"""Mechanism 4. Deterrence by example: punishments that are seen raise perceived risk for a
while, then fade. Public executions reach the whole faction, private ones only the unit.

Fear is a stock that decays with a half-life; perceived risk combines the objective risk
with the fear as independent hazards: 1 - (1 - P) exp(-fear).
"""

from __future__ import annotations

import numpy as np


def decay(fear: np.ndarray, half_life_days: float) -> np.ndarray:
    return fear * 0.5 ** (1.0 / half_life_days)


def public_fear(public_executions: np.ndarray, strength: np.ndarray, weight: float
                ) -> np.ndarray:
    """Fear added across each faction by its public executions, per 1,000 of its fighters.

    Measured per capita, so the effect of a policy does not depend on the simulated scale.
    """
    return weight * public_executions * 1000.0 / np.maximum(strength, 1.0)


def perceived_risk(risk: np.ndarray, fear: np.ndarray) -> np.ndarray:
    return 1.0 - (1.0 - risk) * np.exp(-fear)
