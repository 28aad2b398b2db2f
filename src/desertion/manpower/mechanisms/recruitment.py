"""Mechanism 11. Recruitment: volunteers follow momentum; foreign volunteers arrive at a
monthly rate; call-ups and sweeps draft eligible civilians (and men in hiding)."""

from __future__ import annotations

import numpy as np


def volunteer_rate(base_per_day: np.ndarray, momentum: np.ndarray, elasticity: np.ndarray
                   ) -> np.ndarray:
    """Expected volunteers per day: more after victories, fewer after defeats, never < 0."""
    return base_per_day * np.maximum(0.0, 1.0 + elasticity * momentum)


def callups(base_per_day: np.ndarray, quota: np.ndarray, gap: np.ndarray,
            gap_response: np.ndarray) -> np.ndarray:
    """Call-up notices for the day: routine, scheduled (reservists) and gap-filling."""
    return base_per_day + quota + gap_response * np.maximum(0.0, gap)


def beta_draw(rng: np.random.Generator, mean: np.ndarray | float, sd: np.ndarray | float,
              n: int) -> np.ndarray:
    """Beta variates with the given mean and standard deviation (a point mass if sd = 0)."""
    mean = np.broadcast_to(np.asarray(mean, dtype=float), (n,))
    sd = np.broadcast_to(np.asarray(sd, dtype=float), (n,))
    variance = np.maximum(sd**2, 1e-12)
    concentration = np.maximum(mean * (1 - mean) / variance - 1.0, 1e-6)
    a = np.maximum(mean * concentration, 1e-6)
    b = np.maximum((1 - mean) * concentration, 1e-6)
    draws = rng.beta(a, b) if n else np.empty(0)
    return np.where(sd > 0, draws, mean)
