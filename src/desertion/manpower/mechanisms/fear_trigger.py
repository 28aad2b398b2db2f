"""Mechanism 6. Fear trigger: combat danger turns disaffection into action
(Albrecht & Koehler 2018)."""

from __future__ import annotations

import numpy as np


def danger(combat: np.ndarray, airstrikes: np.ndarray) -> np.ndarray:
    """Danger above the ordinary: combat intensity beyond its baseline of 1, plus strikes."""
    return np.maximum(0.0, combat - 1.0) + airstrikes


def triggered(disaffection: np.ndarray, danger: np.ndarray, weight: float) -> np.ndarray:
    return disaffection * factor(danger, weight)


def factor(danger: np.ndarray | float, weight: float) -> np.ndarray | float:
    """What danger multiplies disaffection by."""
    return 1.0 + weight * danger
