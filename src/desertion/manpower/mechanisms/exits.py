"""Mechanism 8. Exit channels and barriers.

A local can hide at home or flee abroad; a foreigner must cross a border to go home; anyone
can defect to a faction that accepts him, and surrender to a state's demobilisation programme
where there is one. Rewards (cash, amnesty, reintegration) lower a channel's cost; a reward
above the barrier makes the channel pay. Travel bans and checkpoints raise the barrier and
the chance of being stopped on the way out. Foreigners stand out at checkpoints, so they try
less often but are caught more often when they try.

A man's channel is drawn by the decision's logit (``decision.logit_choice``) over the
channels' expected costs.
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
    out[:, Channel.SURRENDER] = crossing  # he must reach the state's lines
    return out


def channel_barriers(foreign: np.ndarray, can_defect: np.ndarray, hide: np.ndarray,
                     abroad: np.ndarray, home: np.ndarray, defect: np.ndarray,
                     travel_ban: np.ndarray, ban_barrier: np.ndarray,
                     surrender: np.ndarray | float = np.inf,
                     rewards: np.ndarray | float = 0.0) -> np.ndarray:
    """(n, channels) net fixed cost of each channel: its barrier less its reward
    (``rewards``: one per channel), ``inf`` where it is closed to him (``surrender``: inf
    where there is no programme)."""
    out = np.empty((len(foreign), N_CHANNELS))
    out[:, Channel.HIDE] = np.where(foreign, np.inf, hide)
    out[:, Channel.ABROAD] = np.where(foreign, np.inf, abroad + travel_ban * ban_barrier)
    out[:, Channel.HOME] = np.where(foreign, home, np.inf)
    out[:, Channel.DEFECT] = np.where(can_defect, defect, np.inf)
    out[:, Channel.SURRENDER] = surrender
    return out - rewards  # inf stays inf: a reward opens no closed channel


def channels_of(has_programme: bool) -> int:
    """How many channels a faction's men weigh: the four every faction has (open or not to
    his origin), and surrender where there is a programme."""
    return N_CHANNELS - (not has_programme)


def lowest_barrier(barriers: np.ndarray) -> np.ndarray:
    """The barrier of the cheapest open channel of each row of ``channel_barriers``."""
    return barriers.min(axis=1)


def channel_exposure(hide_exposure: float) -> np.ndarray:
    """(channels,) share of the unit's watch a man faces on each channel: ``hide_exposure``
    when he slips home, all of it on the others."""
    out = np.ones(N_CHANNELS)
    out[Channel.HIDE] = hide_exposure
    return out
