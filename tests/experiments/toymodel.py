"""A tiny test-only model registered with the model registry, with hooks to fail or crash.

``y = a * x1 + b * x2 + noise`` over ``steps`` steps, so sensitivity indices are known:
with x1, x2 uniform on the same range, S1(x1) = a^2 / (a^2 + b^2) (noise aside).

Hooks, keyed on the value of ``x1`` so that one point of a design triggers them:
``fail_at``: raise (always) on that point; ``crash_at`` with ``crash_marker``: kill the
worker process (``os._exit``) the first time, leaving the marker file so the retry runs.
``limit``: a scenario whose x1 + x2 exceeds it is invalid (validation across fields).
"""

from __future__ import annotations

import math
import os
import time
import tomllib
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from desertion.engine.results import RunResult
from desertion.models import ModelSpec, models, register


class ToyScenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

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


def load(source: str | Path) -> ToyScenario:
    path = Path(source)
    if not path.is_file():
        raise ValueError(f"{source}: no such toy scenario")
    return ToyScenario.model_validate(tomllib.loads(path.read_text()))


def simulate(scenario: ToyScenario, seed: int = 0, progress=None) -> RunResult:
    if scenario.sleep:
        time.sleep(scenario.sleep)
    if scenario.fail_at is not None and math.isclose(scenario.x1, scenario.fail_at):
        raise ValueError(f"boom at x1={scenario.x1}")
    if scenario.crash_at is not None and math.isclose(scenario.x1, scenario.crash_at):
        marker = Path(scenario.crash_marker)
        if scenario.crash_always or not marker.exists():
            marker.write_text(f"crashed in {os.getpid()}\n", encoding="utf-8")
            os._exit(17)
    rng = np.random.default_rng(seed)
    bonus = {"red": 0.0, "blue": 1.0, "green": 2.0}[scenario.label] + 0.1 * scenario.count
    level = scenario.a * scenario.x1 + scenario.b * scenario.x2 + bonus
    values = level + scenario.noise * rng.standard_normal(scenario.steps)
    ts = pd.DataFrame({"step": np.arange(scenario.steps), "value": values})
    events = pd.DataFrame({"step": [0], "event": ["start"], "count": [1]})
    return RunResult(timeseries=ts, events=events,
                     meta={"model": "toy", "seed": seed,
                           "scenario": scenario.model_dump(mode="json")})


def outcomes(run: RunResult) -> dict[str, float]:
    v = run.timeseries["value"]
    out = {"mean": float(v.mean()), "final": float(v.iloc[-1]), "spread": float(v.std()),
           "constant": 1.0}
    if len(v) > 10:  # an outcome only long runs have
        out["late"] = float(v.iloc[10])
    return out


def register_toy() -> None:
    """Add the toy model to the registry (done by conftest; workers that only import this
    module to run it need not load the registry's built-in models)."""
    if "toy" not in models():  # models() first: it loads the built-in models
        register(ModelSpec(name="toy", description="test-only toy model", load=load,
                           simulate=simulate, outcomes=outcomes, shipped=dict,
                           plot=lambda run, path: path, summary_tables=lambda run: []))
