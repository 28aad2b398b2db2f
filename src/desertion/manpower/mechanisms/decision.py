"""Mechanism 7. Decision: leave if D + contagion - expected cost - exit barrier > threshold,
with an optional logistic noise so that identical agents differ. Milder disaffection gives
shirking (not reporting for duty) before desertion."""

from __future__ import annotations

import numpy as np

SERVE, SHIRK, EXIT = 0, 1, 2


def logistic_noise(rng: np.random.Generator, n: int, scale: float) -> np.ndarray:
    if scale <= 0:
        return np.zeros(n)
    return rng.logistic(0.0, scale, n)


def decide(push: np.ndarray, exit_cost: np.ndarray, shirk_cost: np.ndarray,
           threshold: np.ndarray, shirk_ratio: float, noise: np.ndarray) -> np.ndarray:
    """SERVE, SHIRK or EXIT for each agent.

    ``push`` is disaffection after the fear trigger plus contagion; ``exit_cost`` the expected
    sanction plus barrier of his best exit channel; ``shirk_cost`` the expected sanction for
    shirking. Exit is checked first: a man who would leave does not merely shirk.
    """
    action = np.full(len(push), SERVE, dtype=np.int8)
    action[push - shirk_cost + noise > shirk_ratio * threshold] = SHIRK
    action[push - exit_cost + noise > threshold] = EXIT
    return action
