"""Mechanism 7. Decision: leave if D + contagion - expected cost - exit barrier > threshold,
with an optional logistic noise so that identical agents differ. Milder disaffection gives
shirking (not reporting for duty) before desertion.

Where a man picks one of several options (an exit channel, mechanism 8; report, hide or
flee, mechanism 12) he picks by multinomial logit: ``logit_choice`` is the one chooser.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.extending import register_jitable

SERVE, SHIRK, EXIT = 0, 1, 2


def logistic_noise(rng: np.random.Generator, n: int, scale: float) -> np.ndarray:
    """Today's noise of ``n`` men: logistic with ``scale``, one uniform draw each (none at
    ``scale <= 0``: no noise)."""
    if scale <= 0:
        return np.zeros(n)
    return logistic(rng.random(n), scale)


@register_jitable
def logistic(draw: np.ndarray, scale: float) -> np.ndarray:
    """The logistic variate of a U(0, 1) ``draw`` (0 at ``scale <= 0``)."""
    if scale <= 0:
        return 0.0 * draw
    return scale * np.log(draw / (1.0 - draw))


@register_jitable
def may_exceed(draw: float, scale: float, margin: float) -> bool:
    """False only if the noise ``logistic(draw, scale)`` cannot exceed ``margin``: a bound
    without a logarithm (log x <= x - 1, with room for rounding), so that the many men far
    below the bar are passed over without computing their noise."""
    if scale <= 0:
        return margin < 0.0
    return scale * (draw / (1.0 - draw) - 1.0) + 1e-9 > margin


@register_jitable
def lowest_bar(threshold: np.ndarray, shirk_ratio: float, noise_scale: float,
               n_options: int) -> np.ndarray:
    """The lower of the two bars, shirking at ``shirk_ratio * threshold`` and leaving at
    ``threshold`` less the most the inclusive cost of leaving can fall below zero."""
    lowest_exit_cost = -noise_scale * np.log(n_options)
    return np.minimum(shirk_ratio * threshold, threshold + lowest_exit_cost)


@register_jitable
def weighs_the_ways_out(push: np.ndarray, noise: np.ndarray, threshold: np.ndarray,
                        shirk_ratio: float, noise_scale: float, n_options: int) -> np.ndarray:
    """Who needs to weigh shirking and leaving today: push + noise over one of the bars
    before any cost is counted. The others serve whatever the risks.

    Exact, because the cost of shirking is never negative and the inclusive cost of leaving
    (``logit_choice`` over ``n_options`` channels) never below
    ``-noise_scale * log(n_options)``.
    """
    return push + noise > lowest_bar(threshold, shirk_ratio, noise_scale, n_options)


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


def cheapest(costs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cheapest option of each row (the first on ties) and its cost."""
    choice = np.argmin(costs, axis=1)
    return choice, np.take_along_axis(costs, choice[:, None], axis=1)[:, 0]


def logit_choice(rng: np.random.Generator, costs: np.ndarray, noise: float
                 ) -> tuple[np.ndarray, np.ndarray]:
    """An option for each row of ``costs`` by multinomial logit, and the inclusive cost.

    The option is drawn with probability proportional to ``exp(-cost / noise)`` (one
    uniform draw per row), so men who face the same costs still choose differently; options
    of infinite cost are never taken. The inclusive cost
    ``-noise * log(sum(exp(-cost / noise)))`` (never above the cheapest, never below it by
    more than ``noise * log(options)``) is what the choice as a whole costs him, as in a
    nested logit.

    With ``noise <= 0`` the choice is deterministic: the cheapest option (the first on ties)
    and its cost, and no random number is drawn.
    """
    if noise <= 0:
        return cheapest(costs)
    return _logit_rows(np.ascontiguousarray(costs, dtype=np.float64), rng.random(len(costs)),
                       float(noise))


@njit(cache=True, nogil=True)
def _logit_rows(costs, draws, noise):
    """``logit_choice`` row by row (a few options each): weights relative to the cheapest,
    so no weight overflows; a row whose options all cost inf gets option 0 and a NaN cost."""
    n, k = costs.shape
    choice = np.zeros(n, np.int64)
    inclusive = np.empty(n)
    weights = np.empty(k)
    for i in range(n):
        lowest = costs[i, 0]
        for j in range(1, k):
            lowest = min(lowest, costs[i, j])
        total = 0.0
        for j in range(k):
            weights[j] = np.exp((lowest - costs[i, j]) / noise)  # cost inf: weight 0
            total += weights[j]
        target = draws[i] * total
        cumulative = 0.0
        for j in range(k):
            cumulative += weights[j]
            choice[i] += target > cumulative
        inclusive[i] = lowest - noise * np.log(total)
    return choice, inclusive
