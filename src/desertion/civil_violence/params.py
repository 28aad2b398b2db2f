"""The civil-violence scenario: Epstein's Model I parameters, validated, loadable from TOML.

Defaults are those of Mesa 3.3.1's ``epstein_civil_violence`` example, so a default run is
comparable with it (see ``benchmarks/civil_violence_vs_mesa.py``).
"""

from __future__ import annotations

import itertools
import tomllib
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from desertion.engine.overrides import apply_overrides

MAX_VISION = 30
"""Largest vision radius: keeps a diamond's cell counts and a row's mask words small."""

ArrestRule = Literal["round", "floor", "ratio"]
Activation = Literal["sequential", "synchronous"]


class CivilViolenceScenarioError(ValueError):
    """A scenario file that cannot be read or does not validate; the message names the field."""


class LegitimacyChange(BaseModel):
    """From the start of ``step`` on (steps count from 1), legitimacy is ``legitimacy``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    step: int = Field(ge=1)
    legitimacy: float = Field(ge=0.0, le=1.0)


class CivilViolenceScenario(BaseModel):
    """Parameters of one run of Epstein's (2002) civil-violence Model I."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: Literal["civil_violence"] = "civil_violence"
    name: str = "civil-violence"
    description: str = ""

    width: int = Field(40, ge=3, le=20_000)
    height: int = Field(40, ge=3, le=20_000)
    citizen_density: float = Field(0.7, ge=0.0, le=1.0)
    cop_density: float = Field(0.074, ge=0.0, le=1.0)
    citizen_vision: int = Field(7, ge=1, le=MAX_VISION)
    cop_vision: int = Field(7, ge=1, le=MAX_VISION)
    legitimacy: float = Field(0.8, ge=0.0, le=1.0)
    legitimacy_schedule: tuple[LegitimacyChange, ...] = ()
    """Changes of legitimacy during the run, in increasing step order."""
    max_jail_term: int = Field(1000, ge=0, le=1_000_000)
    active_threshold: float = Field(0.1, ge=0.0, le=1.0)
    arrest_prob_constant: float = Field(2.3, gt=0.0, le=100.0)
    arrest_rule: ArrestRule = "round"
    """How the cops-to-actives ratio C/A enters P = 1 - exp(-k x): ``round`` (Mesa: x =
    round(C/A), half to even as Python rounds), ``floor`` (NetLogo's Rebellion: x = floor(C/A)),
    ``ratio`` (the paper's formula as printed: x = C/A)."""
    activation: Activation = "sequential"
    """``sequential``: every step a fresh random order, each agent seeing the moves of those
    before it (Mesa's ``shuffle_do``). ``synchronous``: all citizens decide on the same
    snapshot, then cops arrest, then agents move (see docs/civil_violence.md)."""
    movement: bool = True
    steps: int = Field(1000, ge=1, le=1_000_000)
    seed: int = Field(0, ge=0)
    """The seed a run uses unless it is given another."""

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.citizen_density + self.cop_density > 1.0:
            raise ValueError("citizen_density + cop_density must be at most 1 "
                             f"(got {self.citizen_density + self.cop_density:g})")
        vision = max(self.citizen_vision, self.cop_vision)
        if min(self.width, self.height) < 2 * vision + 1:
            # a vision wider than the torus would see some cells twice
            raise ValueError(f"width and height must be at least 2 * vision + 1 = "
                             f"{2 * vision + 1} (got {self.width} x {self.height})")
        if self.width * self.height > 2**31 - 1:
            raise ValueError("width * height must fit a 32-bit cell index")
        steps = [change.step for change in self.legitimacy_schedule]
        if any(b <= a for a, b in itertools.pairwise(steps)):
            raise ValueError(f"legitimacy_schedule: steps must increase strictly (got {steps})")
        if steps and steps[-1] > self.steps:
            raise ValueError(f"legitimacy_schedule: step {steps[-1]} is after the last step "
                             f"({self.steps})")
        return self

    def with_overrides(self, overrides: dict[str, Any]) -> CivilViolenceScenario:
        """A re-validated copy with dotted-path values replaced, e.g. ``{"cop_density": 0.03}``."""
        return apply_overrides(self, overrides)

    def legitimacy_by_step(self) -> list[float]:
        """Legitimacy in force during each step ``1..steps`` (index 0 is step 1)."""
        values = [self.legitimacy] * self.steps
        for change in self.legitimacy_schedule:
            values[change.step - 1:] = [change.legitimacy] * (self.steps - change.step + 1)
        return values


SCENARIO_PACKAGE = "desertion.civil_violence"
SCENARIO_DIR = "scenarios"


def shipped_scenarios() -> dict[str, str]:
    """Shipped scenario names with their one-line descriptions."""
    folder = resources.files(SCENARIO_PACKAGE) / SCENARIO_DIR
    names = sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))
    return {name: _load_toml(folder / f"{name}.toml", name).description for name in names}


def load_scenario(source: str | Path) -> CivilViolenceScenario:
    """A scenario from a shipped name (``civil-violence``) or a TOML file path."""
    path = Path(source)
    if path.suffix != ".toml":
        folder = resources.files(SCENARIO_PACKAGE) / SCENARIO_DIR
        candidate = folder / f"{source}.toml"
        if not candidate.is_file():
            known = ", ".join(shipped_scenarios())
            raise CivilViolenceScenarioError(
                f"{source}: no such civil-violence scenario (shipped: {known})")
        return _load_toml(candidate, str(source))
    if not path.is_file():
        raise CivilViolenceScenarioError(f"{path}: no such file")
    return _load_toml(path, str(path))


def _load_toml(path: Path | Traversable, label: str) -> CivilViolenceScenario:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CivilViolenceScenarioError(f"{label}: not valid TOML: {exc}") from exc
    if data.get("model") != "civil_violence":
        raise CivilViolenceScenarioError(
            f"{label}: model: expected 'civil_violence' (got {data.get('model')!r})")
    try:
        return CivilViolenceScenario.model_validate(data)
    except ValidationError as exc:
        raise CivilViolenceScenarioError(f"{label}: {_describe(exc)}") from exc


def _describe(exc: ValidationError) -> str:
    """One line per error: the field's dotted path and pydantic's message."""
    lines = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "scenario"
        lines.append(f"{where}: {error['msg']}")
    return "; ".join(lines)
