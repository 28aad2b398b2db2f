"""The one interface every model on the engine implements, and the one loop that runs it.

A model says how to load its scenario (validated, frozen), how to ``build`` a run from a
scenario and a seed, and how to read a finished run (outcomes, plot, tables). A run is a
Mesa-style object: its state can be read between calls of ``step()``. ``simulate`` is only
the loop over it, with observers (progress, early stop) called between steps::

    run = model.build(scenario, seed=1)
    while not run.done:
        run.step()
        print(run.steps_done, run.recorder.counts[run.steps_done].sum())
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel

from desertion.engine.recorder import Recorder
from desertion.engine.results import RunResult

ProgressCallback = Callable[[int, int], None]
"""``progress(steps_done, n_steps)``, called after each step (or chunk of steps)."""

Observer = Callable[["Run"], bool | None]
"""Called with the run after each step; a true return stops the run."""


@runtime_checkable
class Run(Protocol):
    """One simulation in progress: all of its mutable state, readable between steps."""

    scenario: BaseModel
    seed: int
    recorder: Recorder
    steps_per_call: int
    """How many steps ``advance`` prefers to take at once (1 for most models; a compiled
    kernel may run several per call for speed, with the same results)."""

    @property
    def steps_done(self) -> int: ...

    @property
    def n_steps(self) -> int: ...

    def step(self) -> None:
        """Advance one step (one day for a model with a calendar)."""

    def advance(self, n: int) -> None:
        """Advance ``n`` steps; the same as ``n`` calls of ``step``, bit for bit."""

    def meta(self) -> dict[str, Any]:
        """The model's own entries of the result's metadata (agents, policy changes, ...)."""


class Model(ABC):
    """A model the engine can load, run and present: the CLI, experiments and reports use
    nothing else."""

    name: ClassVar[str]
    description: ClassVar[str]
    has_calendar: ClassVar[bool] = False
    """One step a day from a start date: tables carry dates, and a run can be cut at a date
    (``Scenario.until``). Without a calendar, tables carry step numbers."""

    @abstractmethod
    def shipped(self) -> dict[str, str]:
        """Shipped scenario names with a one-line description."""

    @abstractmethod
    def load(self, source: str | Path, **overrides: Any) -> BaseModel:
        """A validated, frozen scenario from a shipped name or a TOML path; keyword
        overrides replace top-level values. Bad input raises ``InputError``."""

    @abstractmethod
    def build(self, scenario: Any, seed: int | None = None) -> Run:
        """The run at step 0 (``seed`` defaults to the scenario's own)."""

    @abstractmethod
    def outcome_names(self, scenario: Any) -> list[str]:
        """The names ``outcomes`` gives for runs of ``scenario``, known without a run."""

    @abstractmethod
    def outcomes(self, result: RunResult) -> dict[str, float]:
        """Named scalar summaries of a finished run, for tables and experiments."""

    @abstractmethod
    def agents(self, result: RunResult) -> int:
        """How many agents the run simulated."""

    @abstractmethod
    def plot(self, result: RunResult, path: Path) -> Path:
        """Draw the run's figure into ``path``."""

    @abstractmethod
    def report(self, result: RunResult) -> str:
        """The run's self-contained HTML report."""

    @abstractmethod
    def summary_tables(self, result: RunResult) -> list[Any]:
        """rich renderables summarising a run."""

    def simulate(self, scenario: Any, seed: int | None = None,
                 progress: ProgressCallback | None = None,
                 observers: Iterable[Observer] = ()) -> RunResult:
        """Build a run and step it to its end (or until an observer stops it)."""
        started = time.perf_counter()
        run = self.build(scenario, seed)
        run_to_end(run, progress, observers)
        meta, recorder = metadata(self, run, time.perf_counter() - started), run.recorder
        del run  # the agents are freed before the tables are made: a lower peak of memory
        return RunResult(timeseries=recorder.timeseries(), events=recorder.events(), meta=meta)


def run_to_end(run: Run, progress: ProgressCallback | None = None,
               observers: Iterable[Observer] = ()) -> None:
    """The run loop: advance until the last step, calling ``progress`` after each call and
    the observers after each step; an observer that returns true stops the run there.

    Without observers a run advances ``steps_per_call`` steps at a time (the same results,
    fewer calls); with observers, one step at a time, so that each sees every step.
    """
    observers = list(observers)
    per_call = 1 if observers else run.steps_per_call
    while run.steps_done < run.n_steps:
        run.advance(min(per_call, run.n_steps - run.steps_done))
        if progress is not None:
            progress(run.steps_done, run.n_steps)
        if any([bool(observe(run)) for observe in observers]):
            break


def metadata(model: Model, run: Run, wall_time_s: float) -> dict[str, Any]:
    """What made a run that has stopped: model, scenario, seed, version and the run's own."""
    from desertion import __version__

    return {"model": model.name, "scenario": run.scenario.model_dump(mode="json"),
            "seed": run.seed, "version": __version__, "wall_time_s": wall_time_s,
            "steps": run.steps_done, **run.meta()}


def finished(model: Model, run: Run, wall_time_s: float) -> RunResult:
    """The result of a run that has stopped: its tables and what made it."""
    return RunResult(timeseries=run.recorder.timeseries(), events=run.recorder.events(),
                     meta=metadata(model, run, wall_time_s))
