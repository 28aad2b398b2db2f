"""Mechanism 9. Enforcement: military police catch shirkers and leavers with the probability
of mechanism 2; each caught man gets his faction's sanction. Policies may punish code
violations (a base rate) and innocents by mistake (which raises hardship in the unit).

A faction's sanction for an offence may be a mix of outcomes with their probabilities, after
a trial that acquits with some chance: ``sentences`` draws them."""

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


def sentences(mix: np.ndarray, draw: np.ndarray) -> np.ndarray:
    """The sanction code of each man from his faction's ``mix`` (n, sanctions) of
    probabilities, given one U(0, 1) ``draw`` per man: the first outcome whose cumulative
    probability exceeds it."""
    cumulative = np.cumsum(mix, axis=1)
    chosen = (draw[:, None] >= cumulative[:, :-1]).sum(axis=1)
    return chosen.astype(np.int64)


def certain(mix: np.ndarray) -> np.ndarray:
    """Rows of ``mix`` that give one outcome for sure (no draw is needed for them)."""
    return mix.max(axis=1) >= 1.0


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
