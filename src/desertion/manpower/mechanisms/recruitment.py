"""Mechanism 11. Recruitment: volunteers follow momentum; foreign volunteers arrive at a
monthly rate; call-ups and sweeps draft eligible civilians (and men in hiding)."""

from __future__ import annotations

import numpy as np

from desertion.manpower.codes import Status


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
    # the parameters keep their own shape (one number for a whole cohort): no float64
    # temporaries the size of millions of civilians
    mean, sd = np.asarray(mean, dtype=float), np.asarray(sd, dtype=float)
    variance = np.maximum(sd**2, 1e-12)
    concentration = np.maximum(mean * (1 - mean) / variance - 1.0, 1e-6)
    a = np.maximum(mean * concentration, 1e-6)
    b = np.maximum((1 - mean) * concentration, 1e-6)
    draws = rng.beta(a, b, size=n) if n else np.empty(0)
    if sd.ndim == 0 and mean.ndim == 0:
        return draws if sd > 0 else np.full(n, float(mean))
    return np.where(sd > 0, draws, mean)


def called_up(rng: np.random.Generator, status: np.ndarray, first: int, end: int, k: int,
              at_home: int, eligible: np.ndarray | None = None) -> np.ndarray:
    """``k`` distinct random civilians still at home among rows [first, end) of ``status``
    (fewer if too few are found), in random order; with ``eligible`` (a mask over the
    block's rows: within the draft-age band), only eligible ones.

    Draws rows with replacement, enough to find ``k`` at home given that ``at_home`` of the
    block's rows are (and the eligible share of them), and keeps the first ``k`` distinct
    ones at home.
    """
    if k <= 0 or end <= first:
        return np.empty(0, dtype=np.int64)
    share_home = at_home / (end - first)
    if eligible is not None:
        share_home *= eligible.mean()
    draws = first + rng.integers(0, end - first, int(1.2 * k / max(share_home, 1e-3)) + 8)
    _, first_seen = np.unique(draws, return_index=True)
    draws = draws[np.sort(first_seen)]  # distinct, in random order
    home = status[draws] == Status.CIVILIAN
    if eligible is not None:
        home &= eligible[draws - first]
    return draws[home][:k]


def sweep_rate(quota: float, at_home: float, hiding: float, detection: float) -> float:
    """The chance a sweep takes each man at home, such that it takes ``quota`` men in
    expectation: men at home count fully, men in hiding by how easily they are found."""
    return min(1.0, quota / max(at_home + detection * hiding, 1.0))


def swept(rng: np.random.Generator, status: np.ndarray, of_faction: np.ndarray,
          draft_eligible: np.ndarray, detection: float) -> tuple[np.ndarray, np.ndarray]:
    """Of the men a sweep reaches (already drawn at ``sweep_rate``), who is taken.

    Returns two masks: the draft-eligible civilians of the faction at home (all taken) and
    the men of the faction in hiding who are found (each with chance ``detection``: one
    draw per man reached).
    """
    home = of_faction & (status == Status.CIVILIAN) & draft_eligible
    found = of_faction & (status == Status.HIDING) & (rng.random(len(status)) < detection)
    return home, found
