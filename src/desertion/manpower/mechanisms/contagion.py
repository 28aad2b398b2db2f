"""Mechanism 5. Contagion: recent exits from his unit and his ties raise disaffection and
lower perceived risk (Koehler, Ohl & Albrecht 2016: desertion spreads through close networks).
"""

from __future__ import annotations

import numpy as np


def tie_exit_share(ties: np.ndarray, tie_exit_day: np.ndarray, today: int, memory_days: float
                   ) -> np.ndarray:
    """Share of each agent's ties (rows of ``ties``, -1 for none) who tried to leave within
    ``memory_days``; ``tie_exit_day`` holds the last exit day of each tie."""
    ties_held = np.zeros(len(ties))
    ties_left = np.zeros(len(ties))
    for k in range(ties.shape[1]):  # a handful of tie columns, each a whole-array pass
        valid = ties[:, k] >= 0
        ties_held += valid
        ties_left += valid & (today - tie_exit_day[:, k].astype(np.int64) <= memory_days)
    return ties_left / np.maximum(ties_held, 1)


def contagion(unit_recent_exits_per_member: np.ndarray, tie_share: np.ndarray, *,
              unit_weight: float, tie_weight: float, unit_cap: float = np.inf) -> np.ndarray:
    """The push a man feels from recent exits: from his unit (``unit_weight`` per recent
    exit per member at first, saturating at ``unit_cap``) and from his ties."""
    return unit_pull(unit_recent_exits_per_member, unit_weight, unit_cap) + \
        tie_pull(tie_share, tie_weight)


def tie_pull(tie_share: np.ndarray, weight: float) -> np.ndarray:
    """The push from his ties: ``weight`` times the share of them who recently left."""
    return weight * tie_share


def unit_pull(exits_per_member: np.ndarray, weight: float, cap: float) -> np.ndarray:
    """``cap * (1 - exp(-weight * x / cap))``: ``weight * x`` while few have left, never
    above ``cap`` however many do (an infinite cap keeps it linear)."""
    if not np.isfinite(cap):
        return weight * exits_per_member
    return cap * -np.expm1(-weight * exits_per_member / cap)


def emboldened_risk(risk: np.ndarray, contagion: np.ndarray, discount: float) -> np.ndarray:
    """Others getting away makes leaving look safer."""
    return risk * np.maximum(0.0, 1.0 - discount * contagion)


def memory_retention(memory_days: float) -> float:
    """The share of a unit's decaying counts (exits, casualties, mistakes) kept each day."""
    return np.exp(-1.0 / memory_days)
