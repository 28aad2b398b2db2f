"""The civil-violence scenario: Epstein's Model I parameters, validated, loadable from TOML.

Defaults are those of Mesa 3.3.1's ``epstein_civil_violence`` example, so a default run is
comparable with it (see ``benchmarks/civil_violence_vs_mesa.py``).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from desertion.engine.errors import FieldProblems, Problem, ScenarioError
from desertion.engine.overrides import override_checked
from desertion.engine.scenario_files import ScenarioFiles
from desertion.models import scenario_keys

MAX_VISION = 30
"""Largest vision radius: keeps a diamond's cell counts and a row's mask words small."""
LONG_AGENT_STEPS = 10_000_000_000
"""Agents x steps past which a run is said to take long: about 11 minutes at the 15 million
agent-steps a second one core does on a 1000 x 1000 grid (docs/civil_violence.md)."""
AGENT_STEPS_PER_SECOND = 15_000_000

ArrestRule = Literal["round", "floor", "ratio"]
Activation = Literal["sequential", "synchronous"]
# no inf or nan: TOML can write them, and a run would go on with them
_CONFIG = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class CivilViolenceScenarioError(ScenarioError):
    """A civil-violence scenario that cannot be read or does not validate: one line per
    problem, ``source: key: what was expected``, as for the manpower model (it is the
    engine's ``ScenarioError``, of the civil-violence model)."""


class LegitimacyChange(BaseModel):
    """From the start of ``step`` on (steps count from 1), legitimacy is ``legitimacy``."""

    model_config = _CONFIG

    step: int = Field(ge=1)
    legitimacy: float = Field(ge=0.0, le=1.0)


class CivilViolenceScenario(BaseModel):
    """Parameters of one run of Epstein's (2002) civil-violence Model I."""

    model_config = _CONFIG

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
        problems = self._cross_field_problems()
        if problems:
            raise FieldProblems(problems)
        return self

    def _cross_field_problems(self) -> list[Problem]:
        problems: list[Problem] = []
        if self.citizen_density + self.cop_density > 1.0:
            # at cop_density, the lever experiments vary (Epstein's deterrence runs)
            problems.append(("cop_density", "citizen_density + cop_density must be at most 1 "
                             f"(got {self.citizen_density + self.cop_density:g})"))
        vision = max(self.citizen_vision, self.cop_vision)
        if min(self.width, self.height) < 2 * vision + 1:
            # a vision wider than the torus would see some cells twice
            problems.append(("width" if self.width <= self.height else "height",
                             f"width and height must be at least 2 * vision + 1 = "
                             f"{2 * vision + 1} (got {self.width} x {self.height})"))
        if self.width * self.height > 2**31 - 1:
            problems.append(("width", "width * height must fit a 32-bit cell index (got "
                             f"{self.width} x {self.height})"))
        steps = [change.step for change in self.legitimacy_schedule]
        for i, (a, b) in enumerate(itertools.pairwise(steps)):
            if b <= a:
                problems.append((f"legitimacy_schedule[{i + 1}].step",
                                 f"steps must increase strictly (got {steps})"))
                break
        if steps and steps[-1] > self.steps:
            problems.append((f"legitimacy_schedule[{len(steps) - 1}].step",
                             f"step {steps[-1]} is after the last step ({self.steps})"))
        return problems

    def with_overrides(self, overrides: dict[str, Any], source: str | None = None, *,
                       option: str = "") -> CivilViolenceScenario:
        """A re-validated copy with dotted-path values replaced, e.g. ``{"cop_density": 0.03}``.

        A bad path or value raises ``CivilViolenceScenarioError`` naming ``source`` (default:
        the scenario's name) and the key; ``option`` (e.g. ``"--set"``) prefixes the keys of
        problems with the values it set.
        """
        source = source or self.name
        return override_checked(self, overrides, lambda data: validate_scenario(data, source),
                                CivilViolenceScenarioError, source, option)

    def warnings(self) -> list[str]:
        """One-line warnings: a run with nobody in it, or one that may take long."""
        return scenario_warnings(self)

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
    return FILES.shipped()


def scenario_warnings(scenario: CivilViolenceScenario) -> list[str]:
    """One-line warnings about a valid scenario that would simulate nobody or take long."""
    found = []
    cells = scenario.width * scenario.height
    grid = f"{scenario.width} x {scenario.height} grid"
    citizens = scenario.citizen_density * cells
    if citizens < 1:  # each cell holds a citizen with probability citizen_density
        found.append(f"citizen_density = {scenario.citizen_density:g}: about {citizens:.2g} "
                     f"citizens on a {grid}; the run is likely to have none")
    agents = (scenario.citizen_density + scenario.cop_density) * cells
    agent_steps = agents * scenario.steps
    if agent_steps > LONG_AGENT_STEPS:
        minutes = agent_steps / AGENT_STEPS_PER_SECOND / 60
        found.append(f"steps = {scenario.steps:,}: about {agent_steps:.2g} agent-steps "
                     f"({round(agents):,} agents on a {grid}), some {minutes:,.0f} minutes "
                     f"on one core; it may take long")
    return found


def validate_scenario(data: dict[str, Any], source: str = "<scenario>"
                      ) -> CivilViolenceScenario:
    """Validate a scenario given as plain data; raise ``CivilViolenceScenarioError``."""
    return FILES.validated(data, source)


FILES = ScenarioFiles(model="civil_violence", label="civil-violence",
                      package=SCENARIO_PACKAGE, folder=SCENARIO_DIR,
                      schema=CivilViolenceScenario, keys_by_model=scenario_keys,
                      error=CivilViolenceScenarioError, default_model=None)
"""Where the civil-violence model's scenario files are, and how they are checked: a file
must say ``model = "civil_violence"``."""


def load_scenario(source: str | Path, **overrides: Any) -> CivilViolenceScenario:
    """A scenario from a shipped name (``civil-violence``) or a TOML file path, validated.

    As for the manpower model, a file may ``include = [...]`` scenarios it builds on (paths
    relative to it, or shipped names; its own values win), and keyword overrides replace
    top-level values (``steps``, ``seed``, ...). See ``desertion.engine.scenario_files``.
    """
    return FILES.load(source, **overrides)
