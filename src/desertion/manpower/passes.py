"""The per-man passes of the daily step, by two paths that give the same results bit for bit.

* ``"numpy"``: the mechanisms' own NumPy functions, one whole-array operation after another
  (the reference; what a small run uses, since it never imports Numba);
* ``"compiled"``: the same arithmetic fused into Numba loops (``desertion.manpower.kernels``),
  for large populations, where NumPy's temporaries and passes over the men on duty dominate.

``"auto"`` (the default) takes the compiled path from ``COMPILED_FROM_AGENTS`` agents on:
below it a run is too short to repay Numba's start in a fresh process (about 0.8 s to
import it, start it and load the cached kernels, and 110 MiB, once per process;
docs/performance.md). A process that runs many mid-sized runs (a calibration worker) gains
from ``"compiled"`` from about 100,000 agents. The environment variable
``DESERTION_MANPOWER_PASSES`` names the default (``default_path``);
``tests/manpower/test_kernels.py`` checks each pass and whole runs of both paths.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from desertion.manpower.mechanisms import (
    capture_risk,
    contagion,
    decision,
    disaffection,
    evasion,
    fear_trigger,
)

PATHS = ("auto", "numpy", "compiled")
PATH_ENV = "DESERTION_MANPOWER_PASSES"
COMPILED_FROM_AGENTS = 500_000


class Mood(NamedTuple):
    """Today's mood of a faction's men on duty (``Passes.mood``): over all the men given.

    The compiled path computes a man's noise, contagion and push only where they can
    matter; elsewhere they may be NaN. All are exact wherever ``weighs`` (and ``push`` and
    ``spread`` wherever ``preparing``)."""

    push: np.ndarray       # float64: disaffection after the fear trigger, plus contagion
    noise: np.ndarray      # float64: today's logistic noise
    spread: np.ndarray     # float64: contagion (mechanism 5)
    weighs: np.ndarray     # bool: past a bar before costs: he weighs shirking and leaving
    preparing: np.ndarray  # bool: past his threshold by more than his lowest barrier


def numpy_mood(men: np.ndarray, unit: np.ndarray, origin: np.ndarray, hardship: np.ndarray,
               commitment: np.ndarray, threshold: np.ndarray, ties: np.ndarray,
               exit_day: np.ndarray, drivers: np.ndarray, unit_pull: np.ndarray,
               lag_days: float, today: int, memory_days: float, tie_weight: float,
               danger: float, danger_weight: float, rng: np.random.Generator,
               noise_scale: float, shirk_ratio: float, n_options: int,
               lowest_barrier: np.ndarray) -> Mood:
    """Mechanisms 1, 5, 6, 7's bars and 2's preparing for rows ``men``, by their functions.

    ``unit`` and ``origin`` are each man's; ``hardship`` (updated in place), ``commitment``,
    ``threshold``, ``ties`` (rows x width, -1 for none) and ``exit_day`` the whole columns;
    ``drivers`` (``disaffection.hardship_drivers``) and ``unit_pull``
    (``contagion.unit_pull``) are by unit, ``lowest_barrier`` by origin; ``n_options`` is
    the number of exit channels (``weighs_the_ways_out``)."""
    level = disaffection.update_hardship(hardship[men], drivers[unit], lag_days)
    hardship[men] = level
    grievance = disaffection.disaffection(level, commitment[men])
    if ties.shape[1]:
        held = ties[men]
        share = contagion.tie_exit_share(held, exit_day[np.maximum(held, 0)], today,
                                         memory_days)
    else:
        share = np.zeros(len(men))
    spread = unit_pull[unit] + contagion.tie_pull(share, tie_weight)
    push = fear_trigger.triggered(grievance, danger, danger_weight) + spread
    own = threshold[men]
    noise = decision.logistic_noise(rng, len(men), noise_scale)
    lowest = lowest_barrier[origin]
    weighs = decision.weighs_the_ways_out(push, noise, own, shirk_ratio, noise_scale,
                                          n_options, lowest)
    return Mood(push, noise, spread, weighs,
                capture_risk.preparing_to_leave(push, lowest, own))


def numpy_count(group: np.ndarray, n_groups: int) -> np.ndarray:
    """Rows of each group in ``[0, n_groups)``."""
    return np.bincount(group, minlength=n_groups)


def numpy_deal(group: np.ndarray, draws: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Hand out ``draws`` (each group's ``counts[g]`` numbers, group after group) to rows by
    their ``group``, each group's in row order."""
    out = np.empty(len(group))
    start = 0
    for g, n in enumerate(counts):
        if n:
            out[group == g] = draws[start:start + n]
            start += n
    return out


class Passes(NamedTuple):
    """One path's passes; each takes the same arguments on both paths."""

    name: str
    mood: Callable[..., Mood]
    logit_pick: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]] | None
    count: Callable[[np.ndarray, int], np.ndarray]
    deal: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    hiding_costs: Callable[..., np.ndarray]  # evasion.hiding_costs' keywords


# the logit pick None: decision.logit_choice's own running sums
NUMPY = Passes("numpy", numpy_mood, None, numpy_count, numpy_deal, evasion.hiding_costs)


def compiled() -> Passes:
    """The compiled path (imports Numba the first time)."""
    from desertion.manpower import kernels

    return Passes("compiled", kernels.mood, kernels.logit_pick, kernels.count, kernels.deal,
                  kernels.hiding_costs)


def default_path() -> str:
    """The path ``DESERTION_MANPOWER_PASSES`` names ("auto" when unset or empty); any other
    value than those of ``PATHS`` is a ValueError naming the variable."""
    path = os.environ.get(PATH_ENV, "").strip() or "auto"
    if path not in PATHS:
        raise ValueError(f"{PATH_ENV}={path!r}: expected one of {', '.join(map(repr, PATHS))}")
    return path


def for_run(n_agents: int, path: str | None = None) -> Passes:
    """The passes of a run of ``n_agents`` agents by ``path`` (default ``default_path()``):
    "auto" is compiled from ``COMPILED_FROM_AGENTS`` agents on, NumPy below."""
    path = default_path() if path is None else path
    if path not in PATHS:
        raise ValueError(f"unknown manpower passes {path!r}: expected one of "
                         f"{', '.join(map(repr, PATHS))}")
    if path == "compiled" or (path == "auto" and n_agents >= COMPILED_FROM_AGENTS):
        return compiled()
    return NUMPY
