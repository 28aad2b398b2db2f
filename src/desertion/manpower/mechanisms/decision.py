"""Mechanism 7. Decision: leave if D + contagion - expected cost - exit barrier > threshold,
with an optional logistic noise so that identical agents differ. Milder disaffection gives
shirking (not reporting for duty) before desertion.

Where a man picks one of several options (an exit channel, mechanism 8; report, hide or
flee, mechanism 12) he picks by multinomial logit: ``logit_choice`` is the one chooser.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

SERVE, SHIRK, EXIT = 0, 1, 2


def logistic_noise(rng: np.random.Generator, n: int, scale: float) -> np.ndarray:
    if scale <= 0:
        return np.zeros(n)
    return rng.logistic(0.0, scale, n)


def weighs_the_ways_out(push: np.ndarray, noise: np.ndarray, threshold: np.ndarray,
                        shirk_ratio: float, noise_scale: float, n_options: int,
                        lowest_barrier: np.ndarray | float = 0.0) -> np.ndarray:
    """Who needs to weigh shirking and leaving today: push + noise over one of the bars
    before any cost is counted. The others serve whatever the risks.

    Exact, because the cost of shirking is never negative and the inclusive cost of leaving
    (``logit_choice`` over ``n_options`` channels) never below
    ``min(0, lowest_barrier) - noise_scale * log(n_options)``: expected sanctions are never
    negative, and a channel's net barrier (``lowest_barrier``: the least of his, less any
    reward) may be.
    """
    lowest_exit_cost = least_exit_cost(noise_scale, n_options, lowest_barrier)
    return push + noise > np.minimum(shirk_ratio * threshold, threshold + lowest_exit_cost)


def least_exit_cost(noise_scale: float, n_options: int, lowest_barrier: np.ndarray | float
                    ) -> np.ndarray | float:
    """The least inclusive cost of leaving a man can face (``weighs_the_ways_out``)."""
    return np.minimum(0.0, lowest_barrier) - noise_scale * np.log(n_options)


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


def logit_choice(rng: np.random.Generator, costs: np.ndarray, noise: float,
                 pick: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
                 | None = None) -> tuple[np.ndarray, np.ndarray]:
    """An option for each row of ``costs`` by multinomial logit, and the inclusive cost.

    The option is drawn with probability proportional to ``exp(-cost / noise)`` (one
    uniform draw per row), so men who face the same costs still choose differently; options
    of infinite cost are never taken. The inclusive cost
    ``-noise * log(sum(exp(-cost / noise)))`` (never above the cheapest, never below it by
    more than ``noise * log(options)``) is what the choice as a whole costs him, as in a
    nested logit.

    With ``noise <= 0`` the choice is deterministic: the cheapest option (the first on ties)
    and its cost, and no random number is drawn.

    ``pick(weights, u)`` gives each row's option and total weight (default the running sums
    below; ``desertion.manpower.passes`` has a compiled one with the same results).
    """
    if noise <= 0:
        return cheapest(costs)
    lowest = costs[:, 0].copy()
    for j in range(1, costs.shape[1]):  # a few options, each a whole-array pass
        np.minimum(lowest, costs[:, j], out=lowest)
    with np.errstate(over="ignore"):  # a tiny noise sends far dearer options to -inf: weight 0
        weights = np.exp((lowest[:, None] - costs) / noise)  # options of cost inf weigh 0
    u = rng.random(len(costs))
    if pick is None:  # the option whose running sum of weights first reaches u * total
        cumulative = np.cumsum(weights, axis=1)
        total = cumulative[:, -1]
        choice = (u[:, None] * total[:, None] > cumulative).sum(axis=1)
    else:
        choice, total = pick(weights, u)
    return choice, lowest - noise * np.log(total)
