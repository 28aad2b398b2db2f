"""A tiny test-only model registered with the model registry, with hooks to fail or crash.

``y = a * x1 + b * x2 + noise`` over ``steps`` steps, so sensitivity indices are known:
with x1, x2 uniform on the same range, S1(x1) = a^2 / (a^2 + b^2) (noise aside).

Hooks, keyed on the value of ``x1`` so that one point of a design triggers them, act in the
run's first step: ``sleep`` first; ``fail_at``: raise (always) on that point; ``crash_at``
with ``crash_marker``: kill the worker process (``os._exit``) the first time, leaving the
marker file so the retry runs (every time with ``crash_always``). ``limit``: a scenario
whose x1 + x2 exceeds it is invalid (validation across fields).

It is a ``Model`` like the shipped ones: ``build`` gives a Mesa-style run whose state (the
values drawn so far) can be read between calls of ``step()``. Its values are real numbers,
not counts of agents, so its ``timeseries`` table (``step``, ``value``) is its own rather
than the ``Recorder``'s: ``simulate`` is the engine's loop with that table swapped in.
"""

from __future__ import annotations

import math
import os
import time
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from desertion.engine.errors import InputError, validation_problems
from desertion.engine.model import (
    Model,
    Observer,
    ProgressCallback,
    finished,
    run_to_end,
)
from desertion.engine.overrides import override_checked
from desertion.engine.recorder import Recorder
from desertion.engine.results import RunResult
from desertion.models import register

LATE_STEP = 10
"""``late`` is the value after this many steps: only runs longer than that have it."""


class ToyScenarioError(InputError):
    """A toy scenario that does not validate."""


class ToyScenario(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    model: Literal["toy"] = "toy"
    name: str = "toy"
    x1: float = 0.5
    x2: float = 0.5
    a: float = 4.0
    b: float = 1.0
    noise: float = Field(0.01, ge=0)
    steps: int = Field(20, ge=1)
    label: Literal["red", "blue", "green"] = "red"
    count: int = 3
    sleep: float = Field(0.0, ge=0)
    fail_at: float | None = None
    crash_at: float | None = None
    crash_marker: str = ""
    crash_always: bool = False
    limit: float | None = None
    """If set, x1 + x2 must not exceed it: a check that only a combination can fail."""

    @model_validator(mode="after")
    def _within_limit(self) -> ToyScenario:
        if self.limit is not None and self.x1 + self.x2 > self.limit:
            raise ValueError(f"x1 + x2 must not exceed limit ({self.limit:g})")
        return self

    def with_overrides(self, overrides: dict[str, Any], source: str | None = None, *,
                       option: str = "") -> ToyScenario:
        """A re-validated copy with dotted-path values replaced (as the shipped models')."""
        source = source or self.name
        return override_checked(self, overrides, lambda data: validate(data, source),
                                ToyScenarioError, source, option)


def validate(data: Any, source: str) -> ToyScenario:
    try:
        return ToyScenario.model_validate(data)
    except ValidationError as exc:
        raise ToyScenarioError(source, validation_problems(exc, data, ToyScenario)) from None


class ToyRun:
    """One toy run in progress: ``values`` holds one value per step taken."""

    steps_per_call = 1

    def __init__(self, scenario: ToyScenario, seed: int) -> None:
        self.scenario = scenario
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        bonus = {"red": 0.0, "blue": 1.0, "green": 2.0}[scenario.label] + 0.1 * scenario.count
        self.level = scenario.a * scenario.x1 + scenario.b * scenario.x2 + bonus
        self.values: list[float] = []
        # one "agent", the series y, counted in the state "value" after every step
        self.recorder = Recorder(scenario.steps, {"series": ["y"]}, ["value"])
        self._count(0)

    @property
    def steps_done(self) -> int:
        return len(self.values)

    @property
    def n_steps(self) -> int:
        return self.scenario.steps

    def step(self) -> None:
        if not self.values:
            self._hooks()
            self.recorder.event_counts(1, "start", np.ones(1, np.int64))
        self.values.append(float(self.level + self.scenario.noise * self.rng.standard_normal()))
        self._count(self.steps_done)

    def advance(self, n: int) -> None:
        for _ in range(n):
            self.step()

    def meta(self) -> dict[str, Any]:
        return {"agents": 1}

    def table(self) -> pd.DataFrame:
        """The toy's timeseries: ``value`` after each step taken (``step`` from 0)."""
        return pd.DataFrame({"step": np.arange(self.steps_done), "value": self.values})

    def _count(self, day: int) -> None:
        self.recorder.census(day, np.zeros(1, np.int64), np.zeros(1, np.int64))

    def _hooks(self) -> None:
        scenario = self.scenario
        if scenario.sleep:
            time.sleep(scenario.sleep)
        if scenario.fail_at is not None and math.isclose(scenario.x1, scenario.fail_at):
            raise ValueError(f"boom at x1={scenario.x1}")
        if scenario.crash_at is not None and math.isclose(scenario.x1, scenario.crash_at):
            marker = Path(scenario.crash_marker)
            if scenario.crash_always or not marker.exists():
                marker.write_text(f"crashed in {os.getpid()}\n", encoding="utf-8")
                os._exit(17)


class ToyModel(Model):
    name = "toy"
    description = "test-only toy model"
    has_calendar = False

    def shipped(self) -> dict[str, str]:
        return {}

    def load(self, source: str | Path, **overrides: Any) -> ToyScenario:
        path = Path(source)
        if not path.is_file():
            raise ToyScenarioError(str(source), [("", "no such toy scenario")])
        scenario = validate(tomllib.loads(path.read_text()), str(path))
        return scenario.with_overrides(overrides) if overrides else scenario

    def build(self, scenario: ToyScenario, seed: int | None = None) -> ToyRun:
        return ToyRun(scenario, 0 if seed is None else seed)

    def simulate(self, scenario: ToyScenario, seed: int | None = None,
                 progress: ProgressCallback | None = None,
                 observers: Iterable[Observer] = ()) -> RunResult:
        started = time.perf_counter()
        run = self.build(scenario, seed)
        run_to_end(run, progress, observers)
        result = finished(self, run, time.perf_counter() - started)
        return RunResult(timeseries=run.table(), events=result.events, meta=result.meta)

    def outcome_names(self, scenario: ToyScenario) -> list[str]:
        return ["mean", "final", "spread", "constant",
                *(["late"] if scenario.steps > LATE_STEP else [])]

    def outcomes(self, result: RunResult) -> dict[str, float]:
        v = result.timeseries["value"]
        out = {"mean": float(v.mean()), "final": float(v.iloc[-1]), "spread": float(v.std()),
               "constant": 1.0}
        if len(v) > LATE_STEP:  # an outcome only long runs have
            out["late"] = float(v.iloc[LATE_STEP])
        return out

    def agents(self, result: RunResult) -> int:
        return int(result.meta["agents"])

    def plot(self, result: RunResult, path: Path) -> Path:
        return path

    def report(self, result: RunResult) -> str:
        return "<!DOCTYPE html><html><body>toy</body></html>"

    def summary_tables(self, result: RunResult) -> list[Any]:
        return []


MODEL = ToyModel()


def register_toy() -> None:
    """Add the toy model to the registry (done by conftest; workers that only import this
    module to run it need not register it: the model travels with the runs)."""
    register(MODEL)
