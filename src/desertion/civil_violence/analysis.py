"""Reducing a civil-violence run to numbers: outbursts, quiet spells, jail populations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from desertion.civil_violence.params import CivilViolenceScenario
from desertion.engine.results import RunResult

STATES = ("quiet", "active", "jailed")
"""A citizen's states, in the order of the recorder's columns."""

OUTBURST_FRACTION = 0.05
"""A step is part of an outburst when at least this share of the citizens is active. At
Epstein's Run 1, under the plain-ratio rule (which forms no outburst) the most citizens
active at once in a run are 2-3 % on average; under the rounded or floored rule the largest
outburst of a run reaches 10-20 % (``python -m desertion.civil_violence.variants``)."""


@dataclass(frozen=True)
class Outburst:
    start: int
    """First step of the outburst."""
    end: int
    """Last step of the outburst."""
    peak: int
    """Most citizens active at once."""

    @property
    def duration(self) -> int:
        return self.end - self.start + 1


def outbursts(active: np.ndarray, n_citizens: int,
              fraction: float = OUTBURST_FRACTION) -> list[Outburst]:
    """The maximal runs of steps with at least ``fraction`` of the citizens active.

    ``active[t]`` is the number active after step ``t`` (``t = 0``: the initial state).
    """
    above = np.asarray(active) >= max(1.0, fraction * n_citizens)
    edges = np.diff(np.concatenate([[0], above.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return [Outburst(int(s), int(e), int(np.max(active[s: e + 1])))
            for s, e in zip(starts, ends, strict=True)]


def quiet_spells(active: np.ndarray, n_citizens: int,
                 fraction: float = OUTBURST_FRACTION) -> np.ndarray:
    """Lengths (in steps) of the runs between outbursts, from step 1 on (the initial state,
    when everyone starts quiet, is left out)."""
    above = np.asarray(active)[1:] >= max(1.0, fraction * n_citizens)
    edges = np.diff(np.concatenate([[1], above.astype(np.int8), [1]]))
    starts, ends = np.flatnonzero(edges == -1), np.flatnonzero(edges == 1)
    return ends - starts


OUTCOMES = ("n_citizens", "n_cops", "steps", "peak_active", "peak_active_step", "mean_active",
            "final_active", "mean_jailed", "jailed_final", "number_of_outbursts",
            "share_of_steps_in_outburst", "longest_quiet_spell")
LONG_RUN_OUTCOMES = ("jailed_200", "mean_jailed_100_200")
"""Outcomes of runs of at least ``LONG_RUN_STEPS`` steps (Epstein's figures at step 200)."""
LONG_RUN_STEPS = 200


def outcome_names(scenario: CivilViolenceScenario) -> list[str]:
    """The names ``outcomes`` gives for a whole run of ``scenario``, in its order."""
    return [*OUTCOMES, *(LONG_RUN_OUTCOMES if scenario.steps >= LONG_RUN_STEPS else ())]


def outcomes(result: RunResult) -> dict[str, float]:
    """Named scalar summaries of a run (steps count from 1; step 0 is the initial state)."""
    counts = counts_by_step(result)
    meta = result.meta
    n_citizens = int(meta["n_citizens"])
    active = counts["active"].to_numpy()
    jailed = counts["jailed"].to_numpy()
    bursts = outbursts(active, n_citizens)
    spells = quiet_spells(active, n_citizens)
    out: dict[str, float] = {
        "n_citizens": n_citizens,
        "n_cops": int(meta["n_cops"]),
        "steps": len(active) - 1,
        "peak_active": int(active.max()),
        "peak_active_step": int(active.argmax()),
        "mean_active": float(active[1:].mean()) if len(active) > 1 else 0.0,
        "final_active": int(active[-1]),
        "mean_jailed": float(jailed[1:].mean()) if len(jailed) > 1 else 0.0,
        "jailed_final": int(jailed[-1]),
        "number_of_outbursts": len(bursts),
        "share_of_steps_in_outburst": (float(sum(b.duration for b in bursts)) /
                                       max(len(active) - 1, 1)),
        "longest_quiet_spell": int(spells.max()) if len(spells) else 0,
    }
    if len(jailed) > LONG_RUN_STEPS:
        out["jailed_200"] = int(jailed[LONG_RUN_STEPS])
        out["mean_jailed_100_200"] = float(jailed[100:LONG_RUN_STEPS + 1].mean())
    return out


def outburst_table(result: RunResult) -> pd.DataFrame:
    """One row per outburst: start, end, duration and peak."""
    counts = counts_by_step(result)
    bursts = outbursts(counts["active"].to_numpy(), int(result.meta["n_citizens"]))
    return pd.DataFrame({"start": [b.start for b in bursts], "end": [b.end for b in bursts],
                         "duration": [b.duration for b in bursts],
                         "peak": [b.peak for b in bursts]})


def counts_by_step(result: RunResult) -> pd.DataFrame:
    """One row per step (index ``step``, 0 the initial state): quiet, active, jailed."""
    frame = result.timeseries.pivot_table(index="step", columns="status", values="agents",
                                          aggfunc="sum", observed=True)
    return frame.reindex(columns=list(STATES)).astype(np.int64)
