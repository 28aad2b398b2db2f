"""Mechanism 4. Deterrence by example: punishments that are seen raise perceived risk for a
while, then fade. Public executions reach the whole faction, private ones only the unit.

Fear is a stock that decays with a half-life; perceived risk combines the objective risk
with the fear as independent hazards: 1 - (1 - P) exp(-fear).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from desertion.manpower.compile import DeterrenceParams


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


def made_public(draw: np.ndarray, executed: np.ndarray, publicity: np.ndarray
                ) -> np.ndarray:
    """Which punished men are executed in public: each execution with chance ``publicity``
    (his faction's); ``draw`` holds one U(0, 1) number per punished man, executed or not."""
    return executed & (draw < publicity)


def examples(public: np.ndarray, executed: np.ndarray, jailed: np.ndarray,
             faction: np.ndarray, unit: np.ndarray, strength: np.ndarray, n_units: int,
             params: DeterrenceParams) -> tuple[np.ndarray, np.ndarray]:
    """Who sees which punishment: the fear added to each faction and to each unit.

    Public executions reach the punished man's whole faction (``public_fear``, per 1,000 of
    its ``strength``); private executions and prison terms only his unit. Fines, dismissals
    and releases frighten nobody. ``faction`` and ``unit`` are each punished man's.
    """
    n_public = np.bincount(faction[public], minlength=len(strength))
    faction_fear = public_fear(n_public, strength, params.public_weight)
    unit_fear = (params.private_weight
                 * np.bincount(unit[executed & ~public], minlength=n_units)
                 + params.prison_weight * np.bincount(unit[jailed], minlength=n_units))
    return faction_fear, unit_fear
