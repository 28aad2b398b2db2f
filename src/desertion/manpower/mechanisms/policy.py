"""Mechanism 15. Adaptive policy: a faction reacts to what it sees (its desertion rate, its
strength against the start, the share of its ranks shirking) by rules in the scenario."""

from __future__ import annotations

import numpy as np


def desertion_rate(exits: np.ndarray, strength: np.ndarray) -> float:
    """Exits per 1,000 fighters per day over a window of daily exits and strengths."""
    return float(1000.0 * exits.sum() / max(strength.sum(), 1.0))


def crossed(value: float, above: float | None, below: float | None) -> bool:
    return (above is not None and value > above) or (below is not None and value < below)
