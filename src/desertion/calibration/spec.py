"""Calibration files: scenario, observations, parameters with priors, method, seed, output.

A calibration file is TOML, validated in full before anything runs (``CalibrationError``
names the file, the key and what was expected)::

    name = "isis-2014"
    seed = 20141228
    observations = "targets"           # the package's targets.csv, or a CSV path
    [base]
    scenario = "isis-2014"
    set = { scale = 0.1 }
    [[observe]]                        # which output each documented figure is compared with
    id = "isis_strength"
    date = 2014-09-11
    measure = "in_ranks"
    faction = "isis"
    on = 2014-09-11
    [parameters."factions.isis.barriers.home"]
    prior = "uniform"
    low = 0.02
    high = 0.3
    [method]
    simulations = 2000

Checked before any run: every key; every parameter path exists in the scenario and takes
every value its prior gives (a prior reaching outside the parameter's domain is refused);
every observation is a row of the observations file, maps onto an output the run has
(faction, event kind, status or outcome name) and falls within the run's dates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from desertion.calibration.observations import Measure, Measures, Observation
from desertion.calibration.priors import Prior
from desertion.engine.errors import InputError
from desertion.engine.model import Model
from desertion.experiments.spec import (
    Base,
    ExperimentError,
    _path_problem,
    _pydantic_problems,
    _resolve_base,
    overridden,
)

TARGET_COLUMNS = ("id", "date", "faction", "quantity", "value", "low", "high", "source",
                  "quality", "note")
PACKAGE_TARGETS = "targets"
"""``observations = "targets"``: the package's own ``manpower/data/targets.csv``."""
PRIOR_EDGE = 1e-9
"""A prior with unbounded support is checked at these quantiles (it must stay inside the
parameter's domain but for a chance of one in a billion)."""


class CalibrationError(InputError):
    """A calibration that cannot be run: names the file, the key and what was expected."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MeasureSpec(_Strict):
    """Which output of a run an observation is compared with."""

    measure: Literal["events", "in_ranks", "status", "outcome", "sum"] | None = Field(
        None, description="observations only: default, the observations file's own "
        "measure columns")
    faction: str | None = None
    event: str | None = Field(None, description="events: the event kind")
    detail: str | None = None
    origin: str | None = None
    status: str | None = Field(None, description="status: the status counted")
    first: dt.date | None = Field(None, description="events: first day counted")
    last: dt.date | None = Field(None, description="events: last day counted")
    on: dt.date | None = Field(None, description="in_ranks, status: the day")
    outcome: str | None = Field(None, description="outcome: the model's outcome name")
    terms: list[MeasureSpec] | None = Field(None, description="sum: the measures added")

    @model_validator(mode="after")
    def _complete(self) -> MeasureSpec:
        if self.measure is None:
            return self  # an observation whose measure is the file's (checked on loading)
        needs = {"events": ("event", "first", "last"), "in_ranks": ("on",),
                 "status": ("status", "on"), "outcome": ("outcome",),
                 "sum": ("terms",)}[self.measure]
        missing = [k for k in needs if getattr(self, k) is None]
        if missing:
            raise ValueError(f"measure {self.measure!r} needs {', '.join(missing)}")
        if self.first and self.last and self.last < self.first:
            raise ValueError(f"last ({self.last}) is before first ({self.first})")
        return self

    def to_measure(self) -> Measure:
        if self.measure is None:
            raise ValueError("no measure: give `measure` (events, in_ranks, status, outcome "
                             "or sum)")
        terms = tuple(t.to_measure() for t in self.terms or ())
        return Measure(kind=self.measure, faction=self.faction, event=self.event,
                       detail=self.detail, origin=self.origin, status=self.status,
                       first=self.first or self.on, last=self.last or self.on,
                       outcome=self.outcome, terms=terms)


class ObserveSpec(MeasureSpec):
    """One observation of the observations file, and the output it is compared with."""

    id: str
    date: dt.date
    error: Literal["interval", "relative", "absolute"] | None = Field(
        None, description="default: interval when the row has low < high")
    sd: float | None = Field(None, gt=0, description="relative/absolute: the error's sd")

    @model_validator(mode="after")
    def _error_model(self) -> ObserveSpec:
        if self.error in ("relative", "absolute") and self.sd is None:
            raise ValueError(f"error {self.error!r} needs sd")
        return self


class Method(_Strict):
    """Neural posterior estimation (sbi's NPE), amortised over the observations."""

    name: Literal["npe"] = "npe"
    simulations: int = Field(1000, ge=20, le=1_000_000, description="training runs, "
                             "parameters drawn from the prior")
    estimator: Literal["maf", "nsf", "mdn"] = "maf"
    hidden_features: int = Field(50, ge=2, le=1024, description="width of the estimator's "
                                 "networks (sbi's default 50; fewer runs want fewer)")
    transforms: int = Field(5, ge=1, le=32, description="flow transforms (sbi's default 5)")
    posterior_draws: int = Field(4000, ge=100, le=1_000_000)
    training_batch_size: int = Field(100, ge=10)
    learning_rate: float = Field(5e-4, gt=0)
    validation_fraction: float = Field(0.1, gt=0, lt=0.5)
    stop_after_epochs: int = Field(20, ge=1)
    max_epochs: int = Field(500, ge=1)
    ppc_draws: int = Field(100, ge=0, description="posterior predictive runs (0: none)")
    baseline: bool = Field(True, description="also run the scenario's own values ppc_draws "
                           "times, to compare the fit with them")
    recovery_tests: int = Field(0, ge=0, description="synthetic tests of the method: "
                                "observations made at known parameters, refitted")


class CalibrationSpec(_Strict):
    name: str | None = None
    description: str = ""
    base: Base
    observations: str = Field(PACKAGE_TARGETS, description="'targets', a shipped "
                              "conflict's figures by name ('csa-1862'), or a CSV path "
                              "(relative to the calibration file)")
    observe: list[ObserveSpec] = Field(min_length=1)
    parameters: dict[str, Prior] = Field(min_length=1)
    method: Method = Method()
    seed: int = Field(ge=0, lt=2**63)
    out: str | None = None


@dataclass(frozen=True)
class Calibration:
    """A validated calibration: its model, base scenario, observations and priors."""

    spec: CalibrationSpec
    source: str
    text: str
    model: Model
    base: BaseModel
    observations: tuple[Observation, ...]

    @property
    def name(self) -> str:
        return self.spec.name or Path(self.source).stem

    @property
    def priors(self) -> dict[str, Any]:
        return dict(self.spec.parameters)

    @property
    def parameters(self) -> list[str]:
        return list(self.spec.parameters)

    @property
    def measures(self) -> Measures:
        return Measures(self.observations)

    def default_out(self) -> Path:
        return Path(self.spec.out) if self.spec.out else Path("results") / \
            f"calibrate-{self.name}"

    def identity(self) -> dict[str, Any]:
        """What the simulations depend on (not how many there are: a rerun with more
        simulations extends the recorded ones)."""
        return {"model": self.model.name,
                "base_scenario": self.base.model_dump(mode="json"),
                "parameters": {k: v.model_dump() for k, v in self.spec.parameters.items()},
                "observations": [o.as_json() for o in self.observations],
                "seed": self.spec.seed, "estimator": self.spec.method.estimator,
                **({} if (self.spec.method.hidden_features, self.spec.method.transforms)
                   == (50, 5) else {"network": [self.spec.method.hidden_features,
                                                self.spec.method.transforms]})}

    def fingerprint(self) -> str:
        text = json.dumps(self.identity(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def shipped_calibrations() -> list[str]:
    """Names of the calibration files shipped with the package."""
    root = resources.files("desertion.calibration").joinpath("files")
    return sorted(p.name.removesuffix(".toml") for p in root.iterdir()
                  if p.name.endswith(".toml"))


def load_calibration(source: str | Path) -> Calibration:
    """Read and check a calibration file (a path, or a shipped calibration's name);
    ``CalibrationError`` if anything is wrong."""
    path = Path(source)
    if not path.exists() and str(source) in shipped_calibrations():
        ref = resources.files("desertion.calibration").joinpath("files", f"{source}.toml")
        return calibration_from_text(ref.read_text(encoding="utf-8"), str(source))
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CalibrationError(str(source), [("", "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CalibrationError(str(source), [("", f"cannot read it ({exc})")]) from None
    return calibration_from_text(text, str(source), path.parent)


def calibration_from_text(text: str, source: str = "<calibration>",
                          directory: Path | None = None) -> Calibration:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CalibrationError(source, [("", f"not valid TOML: {exc}")]) from None
    return calibration_from_dict(data, source, directory or Path("."), text)


def calibration_from_dict(data: dict[str, Any], source: str = "<calibration>",
                          directory: Path | None = None, text: str | None = None
                          ) -> Calibration:
    """A calibration from the keys of a calibration file (Python API)."""
    directory = directory or Path(".")
    try:
        spec = CalibrationSpec.model_validate(data)
    except ValidationError as exc:
        raise CalibrationError(source, _pydantic_problems(exc)) from None
    try:
        model, base = _resolve_base(spec, source, directory)  # type: ignore[arg-type]
    except ExperimentError as exc:
        raise CalibrationError(source, exc.problems) from None
    _check_priors(spec, base, source)
    table = _observations_table(spec.observations, directory, source)
    observations = tuple(_observation(spec, i, table, model, base, source)
                         for i in range(len(spec.observe)))
    keys = [o.key for o in observations]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise CalibrationError(source, [("observe", f"observed twice: {', '.join(dupes)}")])
    return Calibration(spec=spec, source=source, text=text or json.dumps(data, default=str),
                       model=model, base=base, observations=observations)


def _check_priors(spec: CalibrationSpec, base: BaseModel, source: str) -> None:
    problems = []
    for path, prior in spec.parameters.items():
        key = f'parameters."{path}"'
        low, high = prior.support()
        edges = [prior.ppf(np.array([PRIOR_EDGE]))[0] if math.isinf(low) else low,
                 prior.ppf(np.array([1 - PRIOR_EDGE]))[0] if math.isinf(high) else high]
        problem = _path_problem(base, path, float(edges[0]))
        if problem is None:
            for edge in edges:
                try:
                    overridden(base, {path: float(edge)}, source)
                except (InputError, ValueError, TypeError) as exc:
                    detail = exc.problems[0][1] if isinstance(exc, InputError) else str(exc)
                    problem = (f"the prior {prior.describe()} reaches {edge:g}, outside the "
                               f"parameter's domain ({detail}); narrow it or truncate it")
                    break
        if problem is not None:
            problems.append((key, problem))
    if problems:
        raise CalibrationError(source, problems)


def _observations_table(name: str, directory: Path, source: str) -> pd.DataFrame:
    try:
        if name == PACKAGE_TARGETS:
            ref = resources.files("desertion.manpower").joinpath("data/targets.csv")
            with ref.open() as fh:
                table = pd.read_csv(fh)
        else:  # a path relative to the file, or a shipped conflict's figures by name
            from desertion.manpower.targets import resolve_figures
            path = directory / name
            table = pd.read_csv(path if path.is_file() else resolve_figures(name),
                                dtype={c: str for c in MEASURE_COLUMNS})
    except (OSError, ValueError) as exc:
        raise CalibrationError(source, [("observations", f"cannot read {name} ({exc})")]
                               ) from None
    missing = [c for c in ("id", "date", "value", "low", "high") if c not in table.columns]
    if missing:
        raise CalibrationError(source, [("observations", f"{name} lacks the columns "
                                         f"{missing}; expected those of targets.csv: "
                                         f"{', '.join(TARGET_COLUMNS)}")])
    table["date"] = pd.to_datetime(table["date"], errors="coerce").dt.date
    return table


def _observation(spec: CalibrationSpec, i: int, table: pd.DataFrame, model: Model,
                 base: Any, source: str) -> Observation:
    obs = spec.observe[i]
    key = f"observe[{i}]"
    rows = table[(table["id"] == obs.id) & (table["date"] == obs.date)]
    if rows.empty:
        dates = sorted(str(d) for d in table.loc[table["id"] == obs.id, "date"])
        hint = f"its rows are dated {', '.join(dates)}" if dates else "no row has this id"
        raise CalibrationError(source, [(key, f"{obs.id} on {obs.date} is not in the "
                                         f"observations file {spec.observations} ({hint})")])
    row = rows.iloc[0]
    value = float(row["value"])
    low = float(row["low"]) if pd.notna(row["low"]) else None
    high = float(row["high"]) if pd.notna(row["high"]) else None
    error = obs.error or ("interval" if low is not None and high is not None and high > low
                          else None)
    if error is None:
        raise CalibrationError(source, [(f"{key}.error", f"{obs.id} on {obs.date} is a point "
                                         "value (no range low < high): state its error model"
                                         ", e.g. error = \"relative\" with sd = 0.2")])
    if error == "interval" and (low is None or high is None or not high > low):
        raise CalibrationError(source, [(f"{key}.error", f"interval needs the row's low < "
                                         f"high (got {low}, {high})")])
    if error == "relative" and value == 0:
        raise CalibrationError(source, [(f"{key}.error", f"{obs.id} on {obs.date} is 0: a "
                                         "relative error of 0 is none; use absolute")])
    measure = _declared_measure(obs, row, key, spec.observations, source)
    _check_measure(measure, key, model, base, source)
    return Observation(key=f"{obs.id}@{obs.date}", id=obs.id, date=obs.date,
                       quantity=str(row.get("quantity", "")), value=value, low=low,
                       high=high, error=error, sd=obs.sd, measure=measure,
                       source=str(row.get("source", "")))


MEASURE_COLUMNS = ("measure", "event", "detail", "origin", "status", "first", "last", "on",
                   "outcome")
"""Optional columns of an observations file (beside ``faction``) that declare each row's
measure, as an ``[[observe]]`` entry's keys do; an entry without ``measure`` takes them."""


def measure_from_row(row: Mapping[str, Any]) -> MeasureSpec | None:
    """The measure a row of an observations file declares (None if its ``measure`` cell is
    empty); a bad one raises pydantic's ``ValidationError``."""
    cells = {k: row[k] for k in ("faction", *MEASURE_COLUMNS)
             if k in row and isinstance(row[k], str) and row[k].strip()}
    if "measure" not in cells:
        return None
    return MeasureSpec.model_validate({k: v.strip() for k, v in cells.items()})


def _declared_measure(obs: ObserveSpec, row: Any, key: str, file: str, source: str
                      ) -> Measure:
    if obs.measure is not None:
        return obs.to_measure()
    try:
        declared = measure_from_row(row.to_dict())
    except ValidationError as exc:
        problems = "; ".join(f"{_key(e['loc']) or 'measure'}: {e['msg']}"
                             for e in exc.errors(include_url=False))
        raise CalibrationError(source, [(key, f"the measure columns of {obs.id} on "
                                         f"{obs.date} in {file}: {problems}")]) from None
    if declared is None:
        raise CalibrationError(source, [(f"{key}.measure", f"no measure for {obs.id} on "
                                         f"{obs.date}: give one here (events, in_ranks, "
                                         f"status, outcome or sum) or in the measure columns "
                                         f"of {file} ({', '.join(MEASURE_COLUMNS)})")])
    return declared.to_measure()


def _key(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _check_measure(m: Measure, key: str, model: Model, base: Any, source: str) -> None:
    """The observation maps onto an output of this run, within its dates."""
    if m.kind == "sum":
        for i, term in enumerate(m.terms):
            _check_measure(term, f"{key}.terms[{i}]", model, base, source)
        return
    if m.kind == "outcome":
        names = model.outcome_names(base)
        if m.outcome not in names:
            raise CalibrationError(source, [(f"{key}.outcome", f"{m.outcome!r} is no outcome "
                                             f"of this scenario; expected one of "
                                             f"{sorted(names)}")])
        return
    factions = [f.id for f in getattr(base, "factions", [])]
    if m.faction is not None and m.faction not in factions:
        raise CalibrationError(source, [(f"{key}.faction", f"{m.faction!r} is no faction of "
                                         f"the scenario; expected one of {factions}")])
    if m.kind == "events":
        from desertion.manpower.codes import EVENT_NAMES
        if m.event not in EVENT_NAMES:
            raise CalibrationError(source, [(f"{key}.event", f"{m.event!r} is no event kind; "
                                             f"expected one of {sorted(EVENT_NAMES)}")])
    if m.kind == "status":
        from desertion.manpower.codes import STATUS_LABELS
        if m.status not in STATUS_LABELS:
            raise CalibrationError(source, [(f"{key}.status", f"{m.status!r} is no status; "
                                             f"expected one of {list(STATUS_LABELS)}")])
    first, last = m.days()  # type: ignore[misc]
    start = base.start
    end = getattr(base, "last_day", None) or base.end
    if first < start or last > end:
        raise CalibrationError(source, [(key, f"needs the days {first}..{last}, outside the "
                                         f"run's {start}..{end}")])
