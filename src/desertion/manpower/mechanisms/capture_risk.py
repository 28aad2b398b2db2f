"""Mechanism 2. Perceived capture risk P = 1 - exp(-k E/A) (Epstein 2002).

E is the enforcers watching a unit, A those preparing to leave there, himself included.
Enforcement saturates: when many leave at once, each is less likely to be caught.
"""

from __future__ import annotations

from typing import Literal

import numpy as np


def capture_probability(enforcers: np.ndarray, leaving: np.ndarray, k: float,
                        rule: Literal["continuous", "floored"] = "continuous") -> np.ndarray:
    """P for each unit (or agent) given its enforcers E and would-be leavers A (A >= 1).

    ``rule="continuous"`` uses E/A as is (as Mesa does); ``"floored"`` floors it to an
    integer (as NetLogo's Rebellion does), so fewer enforcers than leavers means no risk.
    """
    ratio = enforcers / np.maximum(leaving, 1)
    if rule == "floored":
        ratio = np.floor(ratio)
    return 1.0 - np.exp(-k * ratio)


def enforcers_per_unit(members: np.ndarray, watchers: np.ndarray,
                       military_police_share: np.ndarray, recent_exits: np.ndarray | float = 0.0,
                       alert_weight: float = 0.0) -> np.ndarray:
    """Officers and commissars, the unit's share of the military police, and the extra watch
    a unit draws after men leave it (``alert_weight`` per recent exit): the watch goes where
    the leavers are, so a unit bleeds instead of emptying in a day."""
    return watchers + military_police_share * members + alert_weight * recent_exits


def preparing_to_leave(push: np.ndarray, lowest_barrier: np.ndarray, threshold: np.ndarray
                       ) -> np.ndarray:
    """Who is preparing to leave: push past his threshold by more than his lowest open
    barrier, before sanctions and noise are counted."""
    return push - lowest_barrier > threshold


def would_be_leavers(unit: np.ndarray, preparing: np.ndarray, n_units: int,
                     among: np.ndarray | None = None) -> np.ndarray:
    """A for each man: the men of his unit preparing to leave, himself included.

    ``unit`` is each man's unit, ``preparing`` whether he prepares to leave; everyone in a
    unit is among the men given, so the count is the unit's. ``among`` (positions in the
    men) gives A for those men only.
    """
    counts = np.bincount(unit[preparing], minlength=n_units)
    if among is None:
        return counts[unit] + ~preparing
    return counts[unit[among]] + ~preparing[among]
