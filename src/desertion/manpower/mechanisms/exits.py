"""Mechanism 8. Exit channels and barriers.

A local can hide at home or flee abroad; a foreigner must cross a border to go home; anyone
can defect to a faction that accepts him. Travel bans and checkpoints raise the barrier and
the chance of being stopped on the way out. Foreigners stand out at checkpoints, so they try
less often but are caught more often when they try.
"""

from __future__ import annotations

import numpy as np

from desertion.manpower.codes import Channel

N_CHANNELS = len(Channel)


def interception(capture: np.ndarray, exposure: np.ndarray | float,
                 checkpoint: np.ndarray | float) -> np.ndarray:
    """Chance of being stopped: by the unit's watch (scaled by exposure) or at a checkpoint."""
    return 1.0 - (1.0 - exposure * capture) * (1.0 - checkpoint)


def channel_checkpoints(foreign: np.ndarray, checkpoint: np.ndarray, visibility: np.ndarray,
                        travel_ban: np.ndarray, ban_checkpoint: np.ndarray) -> np.ndarray:
    """(n, channels) chance a checkpoint stops him on each channel (none when hiding)."""
    crossing = np.minimum(1.0, checkpoint * np.where(foreign, visibility, 1.0))
    border = np.minimum(1.0, crossing + travel_ban * ban_checkpoint)
    out = np.empty((len(foreign), N_CHANNELS))
    out[:, Channel.HIDE] = 0.0
    out[:, Channel.ABROAD] = border
    out[:, Channel.HOME] = border
    out[:, Channel.DEFECT] = crossing
    return out


def channel_barriers(foreign: np.ndarray, can_defect: np.ndarray, hide: np.ndarray,
                     abroad: np.ndarray, home: np.ndarray, defect: np.ndarray,
                     travel_ban: np.ndarray, ban_barrier: np.ndarray) -> np.ndarray:
    """(n, channels) fixed cost of each channel, ``inf`` where it is closed to him."""
    out = np.empty((len(foreign), N_CHANNELS))
    out[:, Channel.HIDE] = np.where(foreign, np.inf, hide)
    out[:, Channel.ABROAD] = np.where(foreign, np.inf, abroad + travel_ban * ban_barrier)
    out[:, Channel.HOME] = np.where(foreign, home, np.inf)
    out[:, Channel.DEFECT] = np.where(can_defect, defect, np.inf)
    return out


def best_channel(costs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cheapest channel for each agent and its cost."""
    channel = np.argmin(costs, axis=1)
    return channel, np.take_along_axis(costs, channel[:, None], axis=1)[:, 0]


def channel_choice(rng: np.random.Generator, costs: np.ndarray, noise: float
                   ) -> tuple[np.ndarray, np.ndarray]:
    """A channel for each agent by multinomial logit over the costs, and the inclusive cost.

    The channel is drawn with probability proportional to exp(-cost / noise), so men who
    face the same costs still go different ways; the inclusive cost
    ``-noise * log(sum(exp(-cost / noise)))`` (never above the cheapest) is what leaving at
    all costs him, as in a nested logit. With ``noise == 0`` the cheapest channel is taken.
    """
    if noise <= 0:
        return best_channel(costs)
    lowest = costs[:, 0].copy()
    for j in range(1, costs.shape[1]):  # a few channels, each a whole-array pass
        np.minimum(lowest, costs[:, j], out=lowest)
    weights = np.exp((lowest[:, None] - costs) / noise)  # closed channels (inf) weigh 0
    cumulative = np.cumsum(weights, axis=1)
    total = cumulative[:, -1]
    channel = (rng.random(len(costs))[:, None] * total[:, None] > cumulative).sum(axis=1)
    return channel, lowest - noise * np.log(total)
