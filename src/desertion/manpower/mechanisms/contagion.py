"""Mechanism 5. Contagion: recent exits from his unit and his ties raise disaffection and
lower perceived risk (Koehler, Ohl & Albrecht 2016: desertion spreads through close networks).
"""

from __future__ import annotations

import numpy as np
from numba.extending import register_jitable


@register_jitable
def remembered(days_since: np.ndarray, memory_days: float) -> np.ndarray:
    """Whether an exit ``days_since`` days ago still counts (the memory is inclusive)."""
    return days_since <= memory_days


def recent_leavers(exit_day: np.ndarray, today: int, memory_days: float) -> np.ndarray:
    """One bit a row (little-endian within each byte): set for those whose last attempt to
    leave is remembered today. The state keeps the same bits from the day's exits."""
    return np.packbits(remembered(today - exit_day.astype(np.int64), memory_days),
                       bitorder="little")


@register_jitable
def share_of_ties_left(ties: np.ndarray, man: int, recent: np.ndarray) -> float:
    """Share of the ties of ``man`` (his row of ``ties``: other fighters' rows, -1 for none)
    who recently tried to leave (``recent``: the bits of ``recent_leavers``)."""
    held = 0
    left = 0
    for k in range(ties.shape[1]):
        tie = ties[man, k]
        if tie >= 0:
            held += 1
            left += (recent[tie >> 3] >> (tie & 7)) & 1
    return left / max(held, 1)


@register_jitable
def contagion(unit_recent_exits_per_member: np.ndarray, tie_share: np.ndarray,
              unit_weight: float, tie_weight: float, unit_cap: float = np.inf) -> np.ndarray:
    """The push a man feels from recent exits: from his unit (``unit_weight`` per recent
    exit per member at first, saturating at ``unit_cap``) and from his ties."""
    return unit_pull(unit_recent_exits_per_member, unit_weight, unit_cap) + \
        tie_pull(tie_share, tie_weight)


@register_jitable
def tie_pull(tie_share: np.ndarray, weight: float) -> np.ndarray:
    """The push from his ties: ``weight`` times the share of them who recently left."""
    return weight * tie_share


@register_jitable
def unit_pull(exits_per_member: np.ndarray, weight: float, cap: float) -> np.ndarray:
    """``cap * (1 - exp(-weight * x / cap))``: ``weight * x`` while few have left, never
    above ``cap`` however many do (an infinite cap keeps it linear)."""
    if not np.isfinite(cap):
        return weight * exits_per_member
    return cap * -np.expm1(-weight * exits_per_member / cap)


@register_jitable
def emboldened_risk(risk: np.ndarray, contagion: np.ndarray, discount: float) -> np.ndarray:
    """Others getting away makes leaving look safer."""
    return risk * np.maximum(0.0, 1.0 - discount * contagion)


def memory_retention(memory_days: float) -> float:
    """The share of a unit's decaying counts (exits, casualties, mistakes) kept each day."""
    return np.exp(-1.0 / memory_days)
