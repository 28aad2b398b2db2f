"""Mechanism 15. Adaptive policy: a faction reacts to what it sees (its desertion rate, its
strength against the start, the share of its ranks shirking) by rules in the scenario."""

from __future__ import annotations

import numpy as np


def desertion_rate(exits: np.ndarray, strength: np.ndarray) -> float:
    """Exits per 1,000 fighters per day over a window of daily exits and strengths."""
    return float(1000.0 * exits.sum() / max(strength.sum(), 1.0))


def crossed(value: float, above: float | None, below: float | None) -> bool:
    return (above is not None and value > above) or (below is not None and value < below)


def metric_value(metric: str, faction: int, day: int, window_days: int, *,
                 exits: np.ndarray, strength: np.ndarray, shirking: np.ndarray,
                 start_strength: np.ndarray) -> float:
    """What a rule on ``metric`` sees of ``faction`` at the end of ``day``.

    ``exits``, ``strength`` and ``shirking`` are the (days, factions) histories (attempts to
    leave, men in the ranks, shirkers); ``start_strength`` the men in the ranks on day 0.
    ``desertion_rate`` is taken over the last ``window_days`` days, today included.
    """
    match metric:
        case "desertion_rate":
            window = slice(max(0, day + 1 - window_days), day + 1)
            return desertion_rate(exits[window, faction], strength[window, faction])
        case "strength_ratio":
            return strength[day, faction] / max(start_strength[faction], 1.0)
        case "shirking_share":
            return shirking[day, faction] / max(strength[day, faction], 1.0)
    raise ValueError(f"unknown policy metric {metric!r}")
