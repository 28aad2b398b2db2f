"""The Python API of the manpower model: ``build`` a run and step it, or ``simulate`` it.

>>> run = build(load_scenario("isis-2014"), seed=1)
>>> run.step()                      # one day; run.people, run.units, run.state are readable
>>> result = simulate(load_scenario("isis-2014"), seed=1)
"""

from __future__ import annotations

from collections.abc import Iterable

from desertion.engine.model import Observer, ProgressCallback
from desertion.engine.results import RunResult
from desertion.manpower.compile import compile_scenario
from desertion.manpower.scenario import Scenario
from desertion.manpower.step import Manpower


def build(scenario: Scenario, seed: int | None = None) -> Manpower:
    """The model at day 0, ready to ``step()`` (``seed`` defaults to the scenario's)."""
    return Manpower(compile_scenario(scenario), scenario.seed if seed is None else seed)


def simulate(scenario: Scenario, seed: int | None = None,
             progress: ProgressCallback | None = None,
             observers: Iterable[Observer] = ()) -> RunResult:
    """Run ``scenario`` from its first to its last day.

    ``seed`` defaults to the scenario's own. The same scenario and seed give bit-identical
    results. ``progress(days_done, n_days)`` is called after every day.
    """
    from desertion.manpower.adapter import MODEL

    return MODEL.simulate(scenario, seed, progress, observers)
