"""Mechanism 9. Enforcement: military police catch shirkers and leavers with the probability
of mechanism 2; each caught man gets his faction's sanction. Policies may punish code
violations (a base rate) and innocents by mistake (which raises hardship in the unit)."""

from __future__ import annotations

import numpy as np

from desertion.manpower.codes import Sanction, Status


def caught(draw: np.ndarray, probability: np.ndarray) -> np.ndarray:
    """Who is caught, each with his ``probability``, given one U(0, 1) ``draw`` per man."""
    return draw < probability


def sanction_outcome(sanction: np.ndarray) -> np.ndarray:
    """The status a sanction leaves a man in: executed, jailed, or back on duty."""
    status = np.full(len(sanction), Status.SERVING, dtype=np.uint8)
    status[sanction == Sanction.EXECUTION] = Status.EXECUTED
    status[sanction == Sanction.PRISON] = Status.JAILED
    return status


def mistaken_rate_per_fighter(mistaken_rate: np.ndarray, military_police_share: np.ndarray
                              ) -> np.ndarray:
    """Innocents punished per fighter-day: a rate per policeman times policemen per fighter."""
    return mistaken_rate * military_police_share


def violations(draw: np.ndarray, code_rate: np.ndarray, mistaken_rate: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """From one uniform ``draw`` per serving man: who is punished for a code violation
    (``draw < code_rate``) and who, innocent, by mistake (the next ``mistaken_rate``)."""
    violators = draw < code_rate
    innocents = (draw >= code_rate) & (draw < code_rate + mistaken_rate)
    return violators, innocents
