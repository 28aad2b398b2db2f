"""desertion: agent-based simulation of how armed groups keep or lose their fighters.

One API for every model on the engine (the manpower model, the civil-violence model):

>>> import desertion
>>> scenario = desertion.load_scenario("isis-2014")       # validated and frozen
>>> run = desertion.build(scenario, seed=1)               # day 0; step it by hand ...
>>> run.step()
>>> result = desertion.simulate(scenario, seed=1)         # ... or run it to the end
>>> result.timeseries.head()          # counts by faction, origin and status, day by day
>>> result.events.head()              # daily events (joined, deserted, executed, ...)
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

try:
    __version__ = version("desertion")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

from desertion.engine.errors import InputError
from desertion.engine.model import Model, Observer, ProgressCallback, Run
from desertion.engine.results import RunResult
from desertion.manpower.scenario import Scenario, ScenarioError
from desertion.models import model_for, model_of
from desertion.models import model_named as get_model
from desertion.models import models as _registered


def model_names() -> list[str]:
    """The models that load (``desertion.models.broken_models()`` has those that do not)."""
    return sorted(_registered())


def load_scenario(source: str | Path, **overrides: Any) -> Any:
    """A validated scenario of any model, from a shipped name or a TOML file (its ``model``
    key names the model); keyword overrides replace top-level values (``seed``, ``scale``).
    Bad input raises ``InputError`` naming the file, the key and what was expected."""
    return model_for(source).load(source, **overrides)


def build(scenario: Any, seed: int | None = None) -> Run:
    """A run of ``scenario`` at step 0 (``seed`` defaults to the scenario's): call
    ``step()`` and read its state between steps, as in Mesa."""
    return model_of(scenario).build(scenario, seed)


def simulate(scenario: Any, seed: int | None = None, progress: ProgressCallback | None = None,
             observers: Iterable[Observer] = ()) -> RunResult:
    """Run ``scenario`` to its end: the same scenario and seed give bit-identical results.
    ``progress(steps_done, n_steps)`` and each observer (given the run; a true return stops
    it early) are called between steps."""
    return model_of(scenario).simulate(scenario, seed, progress, observers)


def shipped_scenarios() -> dict[str, str]:
    """Every model's shipped scenario names with their one-line descriptions."""
    return {name: text for model in _registered().values()
            for name, text in model.shipped().items()}


__all__ = [
    "InputError",
    "Model",
    "Run",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "build",
    "get_model",
    "load_scenario",
    "model_names",
    "shipped_scenarios",
    "simulate",
]
