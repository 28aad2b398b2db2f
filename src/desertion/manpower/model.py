"""The Python API of the manpower model: ``simulate(scenario, seed=...)``."""

from __future__ import annotations

import time

from desertion.engine.results import RunResult
from desertion.manpower.compile import compile_scenario
from desertion.manpower.scenario import Scenario
from desertion.manpower.step import Manpower
from desertion.models import ProgressCallback


def build(scenario: Scenario, seed: int | None = None) -> Manpower:
    """The model at day 0, ready to ``step()``; for those who want to drive it themselves."""
    return Manpower(compile_scenario(scenario), scenario.seed if seed is None else seed)


def simulate(scenario: Scenario, seed: int | None = None,
             progress: ProgressCallback | None = None) -> RunResult:
    """Run ``scenario`` from its first to its last day.

    ``seed`` defaults to the scenario's own. The same scenario and seed give bit-identical
    results. ``progress(days_done, n_days)`` is called after every day.
    """
    from desertion import __version__

    seed = scenario.seed if seed is None else seed
    started = time.perf_counter()
    model = build(scenario, seed)
    n_days = model.c.n_days
    for day in range(n_days):
        model.step()
        if progress is not None:
            progress(day + 1, n_days)
    wall = time.perf_counter() - started
    meta = {
        "model": "manpower",
        "scenario": scenario.model_dump(mode="json"),
        "seed": seed,
        "version": __version__,
        "wall_time_s": round(wall, 3),
        "agents": len(model.people),
        "days": n_days,
        "last_day": scenario.last_day.isoformat(),
        "policy_changes": model.policy_log,
    }
    return RunResult(timeseries=model.recorder.timeseries(), events=model.recorder.events(),
                     meta=meta)
