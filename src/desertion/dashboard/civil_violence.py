"""The civil-violence page's run: the grid every few steps (for the animation) and the
counts, from a run stepped here (no Streamlit here)."""

from __future__ import annotations

from typing import Any

import numpy as np

from desertion.civil_violence.model import CivilViolenceRun, World
from desertion.civil_violence.params import load_scenario
from desertion.engine.results import RunResult

LABELS = ("empty", "quiet", "active", "jailed", "cop")
"""What a cell of a frame shows (its value is the index); citizens keep their cell in jail."""


def grid(world: World) -> np.ndarray:
    """The (height, width) grid of ``LABELS`` values, from who occupies each cell."""
    sc = world.scenario
    occ = world.occ[: sc.height * sc.width]
    cells = np.zeros(occ.shape, dtype=np.int8)
    citizen = (occ >= 0) & (occ < world.n_citizens)
    cells[citizen] = 1 + world.agents.state[occ[citizen]]  # quiet, active, jailed: 0, 1, 2
    cells[occ >= world.n_citizens] = len(LABELS) - 1
    return cells.reshape(sc.height, sc.width)


def run_with_frames(overrides: dict[str, Any], seed: int, frames: int = 60
                    ) -> tuple[RunResult, list[np.ndarray], list[int]]:
    """The shipped civil-violence scenario with ``overrides``, run to its end and written
    under runs/dashboard/ like a CLI run; the grid (values of ``LABELS``) at about
    ``frames`` evenly spaced steps, and those steps."""
    from desertion.civil_violence.adapter import MODEL
    from desertion.dashboard.ensemble import save
    from desertion.engine.model import finished

    scenario = load_scenario("civil-violence", **overrides)
    run = CivilViolenceRun(scenario, seed)
    every = max(1, run.n_steps // frames)
    grids, steps = [grid(run.world)], [0]
    while run.steps_done < run.n_steps:
        run.advance(min(every, run.n_steps - run.steps_done))
        grids.append(grid(run.world))
        steps.append(run.steps_done)
    result = finished(MODEL, run, 0.0)
    save(result, MODEL.name, scenario, seed)
    return result, grids, steps
