"""Mechanism 13. Allied withdrawal: a faction's allied militia leaves over a window, opening
a manpower gap that its side tries to fill by conscription (``recruitment.callups``)."""

from __future__ import annotations

import numpy as np


def daily_hazard(share: float, days: int) -> float:
    """Daily chance of leaving such that ``share`` of the men have left after ``days``."""
    return 1.0 - (1.0 - share) ** (1.0 / days)


def side_gap(strength: np.ndarray, start_strength: np.ndarray, side: np.ndarray
             ) -> np.ndarray:
    """For each faction, how far its side's strength has fallen below its starting level."""
    n_sides = int(side.max()) + 1
    now = np.bincount(side, weights=strength, minlength=n_sides)
    start = np.bincount(side, weights=start_strength, minlength=n_sides)
    return np.maximum(0.0, start - now)[side]
