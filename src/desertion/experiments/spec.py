"""The experiment file: what to vary, how to sample it, what to keep; validated before any run.

An experiment is a TOML file (see ``docs/experiments.md``)::

    root_seed = 2014
    replications = 5
    outcomes = ["deserted_isis", "executed_foreign_share_isis"]

    [base]
    scenario = "isis-2014"
    [base.set]
    scale = 0.05

    [design]
    kind = "grid"

    [parameters]
    "factions.isis.sanctions.desertion" = ["execution", "prison"]
    "factions.isis.barriers.home" = { low = 0.05, high = 0.45, steps = 5 }

``load_experiment`` parses and validates it, resolves the base scenario through the model
registry (``desertion.models``; the experiment then uses only the ``Model`` interface),
applies every varied value to the base scenario to check its path and type (through the
scenario's own ``with_overrides``), and checks the outcomes against the names the model
declares (``Model.outcome_names``), so a bad file fails with the file and key named before
anything runs; nothing is simulated. The same experiment can be given in Python, as a dict
(``Experiment.from_dict``) or keywords (``experiment``), validated the same way.
"""

from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
import hashlib
import json
import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Annotated, Any, Literal

import numpy as np
import tomli_w
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from desertion.engine.errors import InputError, validation_problems
from desertion.engine.model import Model
from desertion.engine.overrides import OverrideError, override_checked, set_path
from desertion.models import model_for, model_named
from desertion.models import names as model_names

RESERVED_COLUMNS = ("run_id", "point", "replication", "seed", "status", "error", "wall_time_s",
                    "worker")
"""Columns of the results table that are not parameters or outcomes."""
SERIES_TABLES = ("timeseries", "events")
RANGE_KEYS = frozenset({"low", "high", "steps", "log", "integer"})


class ExperimentError(InputError):
    """An experiment that cannot be run: names the file, the key and what was expected."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


Scalar = StrictBool | StrictInt | StrictFloat | StrictStr


class Range(_Strict):
    """A continuous (or whole-number) range ``[low, high]``."""

    low: float
    high: float
    steps: int | None = Field(None, ge=2, description="grid designs: values from low to "
                              "high, both included")
    log: bool = Field(False, description="spread values evenly on a log scale")
    integer: bool = Field(False, description="whole numbers only (rounded)")

    @model_validator(mode="after")
    def _check(self) -> Range:
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise ValueError("low and high must be finite numbers")
        if not self.high > self.low:
            raise ValueError(f"empty range: low ({self.low:g}) must be below high "
                             f"({self.high:g}); to fix a value, put it in base.set")
        if self.log and self.low <= 0:
            raise ValueError(f"a log range needs low > 0 (got {self.low:g})")
        if self.integer and not (self.low.is_integer() and self.high.is_integer()):
            raise ValueError("an integer range needs whole-number low and high")
        return self


def _values_check(values: list[Any]) -> list[Any]:
    kinds = {"bool" if isinstance(v, bool) else "number" if isinstance(v, int | float)
             else "string" for v in values}
    if len(kinds) > 1:
        raise ValueError(f"values mix types ({', '.join(sorted(kinds))}); give values of "
                         "one type")
    seen: list[Any] = []
    for v in values:
        if v in seen:
            raise ValueError(f"value {v!r} is listed twice")
        seen.append(v)
    return values


Values = Annotated[list[Scalar], Field(min_length=1), AfterValidator(_values_check)]


def _parameter_kind(value: Any) -> str | None:
    if isinstance(value, list):
        return "values"
    if isinstance(value, dict | Range):
        return "range"
    return None


Parameter = Annotated[
    Annotated[Values, Tag("values")] | Annotated[Range, Tag("range")],
    Discriminator(_parameter_kind, custom_error_type="parameter",
                  custom_error_message="expected a list of values, e.g. [0.1, 0.2], or a "
                  "range, e.g. { low = 0.1, high = 0.5 }"),
]


class Design(_Strict):
    """How points are chosen in the parameter space."""

    kind: Literal["grid", "latin", "sobol", "morris"] = Field(
        "grid", description="grid: every combination (full factorial); latin: Latin "
        "hypercube; sobol: Saltelli/Sobol' sample for Sobol indices; morris: Morris "
        "trajectories for elementary effects")
    samples: int | None = Field(None, ge=1, description="latin: points; sobol: base sample "
                                "N (a power of 2; N*(D+2) points, N*(2D+2) with "
                                "second_order); morris: trajectories N ((D+1)*N points)")
    second_order: bool = Field(False, description="sobol: also second-order indices")
    levels: int = Field(4, ge=2, description="morris: grid levels (even)")
    optimal_trajectories: int | None = Field(None, ge=2, description="morris: keep this "
                                             "many best-spread of the samples trajectories")


class Base(_Strict):
    """The scenario every run starts from."""

    scenario: str | None = Field(None, description="a shipped scenario name or a TOML path "
                                 "(relative to the experiment file)")
    model: str | None = Field(None, description="the model, if no scenario is given (its "
                              "only shipped scenario is used) or as a check")
    until: dt.date | None = Field(None, description="stop every run after this day (models "
                                  "with a calendar)")
    set: dict[str, Any] = Field(default_factory=dict, description="fixed dotted-path "
                                "overrides applied to every run")

    @field_validator("set", mode="before")
    @classmethod
    def _flatten_set(cls, value: Any) -> Any:
        return _flatten(value, leaf=lambda v: not isinstance(v, dict))


class ExperimentSpec(_Strict):
    """An experiment file, validated field by field."""

    name: str | None = Field(None, description="default: the file's name")
    description: str = ""
    base: Base
    parameters: dict[str, Parameter] = Field(min_length=1, description="dotted path -> "
                                             "list of values or range")
    design: Design = Design()
    replications: int = Field(1, ge=1, le=100_000, description="runs per point, each with "
                              "its own seed")
    root_seed: int = Field(ge=0, lt=2**63, description="every run's seed derives from it")
    common_random_numbers: bool = Field(False, description="replication r of every point "
                                        "gets the same seed (variance reduction)")
    outcomes: list[str] = Field(min_length=1, description="outcome names to keep; shell "
                                "patterns allowed ('strength_end_*')")
    series: list[Literal["timeseries", "events"]] = Field(
        default_factory=list, description="also keep these tables of every run")
    out: str | None = Field(None, description="results folder (relative to the working "
                            "directory); default results/NAME")

    @field_validator("parameters", mode="before")
    @classmethod
    def _flatten_parameters(cls, value: Any) -> Any:
        # an unquoted dotted key (factions.isis.pay = [...]) is a nested table in TOML
        return _flatten(value, leaf=lambda v: not isinstance(v, dict)
                        or bool(RANGE_KEYS & set(v)) or not v)

    @model_validator(mode="after")
    def _design_fits(self) -> ExperimentSpec:
        problems = design_problems(self)
        if problems:
            raise _DesignProblems(problems)
        return self


class _DesignProblems(ValueError):
    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{k}: {m}" for k, m in problems))


MAX_RUNS = 1_000_000
"""The most runs (points x replications) one experiment plans: its manifest lists them all."""


def design_problems(spec: ExperimentSpec) -> list[tuple[str, str]]:
    """Checks that span the design and the parameters (keys in the file's terms)."""
    if spec.design.kind == "grid":
        out = _grid_problems(spec)
    else:
        out = _sampling_problems(spec)
    out += _option_problems(spec)
    return out or _size_problems(spec)


def _grid_problems(spec: ExperimentSpec) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if spec.design.samples is not None:
        out.append(("design.samples", "a grid has one point per combination of values; "
                    "remove samples (or use kind = \"latin\")"))
    for path, r in spec.parameters.items():
        if isinstance(r, Range) and r.steps is None:
            out.append((f"parameters.{_quote(path)}", "a grid design needs steps in a range "
                        "(e.g. { low = 0.1, high = 0.5, steps = 5 }) or a list of values"))
    return out


def _sampling_problems(spec: ExperimentSpec) -> list[tuple[str, str]]:
    d = spec.design
    out: list[tuple[str, str]] = []
    for path, r in spec.parameters.items():
        if isinstance(r, Range) and r.steps is not None:
            out.append((f"parameters.{_quote(path)}.steps", f"steps applies to grid designs "
                        f"only; a {d.kind} design samples the range"))
    if d.samples is None:
        out.append(("design.samples", f"a {d.kind} design needs samples"))
    elif d.kind == "latin" and d.samples < 2:
        out.append(("design.samples", "a Latin hypercube needs at least 2 samples"))
    elif d.kind == "sobol" and (d.samples < 2 or d.samples & (d.samples - 1)):
        near = 1 << max(1, round(math.log2(max(d.samples, 1))))
        out.append(("design.samples", f"a Sobol' sample needs a power of 2 (got "
                    f"{d.samples}; e.g. {near})"))
    elif d.kind == "morris" and d.samples < 2:
        out.append(("design.samples", "Morris needs at least 2 trajectories (sigma and "
                    "confidence intervals need more than one)"))
    return out


def _option_problems(spec: ExperimentSpec) -> list[tuple[str, str]]:
    """Options of one kind of design given to another, or that do not fit."""
    d = spec.design
    out: list[tuple[str, str]] = []
    if d.kind != "sobol" and "second_order" in d.model_fields_set:
        out.append(("design.second_order", "applies to sobol designs only"))
    if d.kind == "sobol" and d.second_order and len(spec.parameters) < 2:
        out.append(("design.second_order", "second-order indices need at least 2 parameters"))
    if d.kind != "morris":
        out += [(f"design.{key}", "applies to morris designs only")
                for key in ("levels", "optimal_trajectories") if key in d.model_fields_set]
        return out
    if d.levels % 2:
        out.append(("design.levels", f"Morris levels should be even (got {d.levels})"))
    if (d.optimal_trajectories is not None and d.samples is not None
            and d.optimal_trajectories >= d.samples):
        out.append(("design.optimal_trajectories", f"choosing {d.optimal_trajectories} "
                    f"optimal trajectories needs more candidate trajectories than that "
                    f"(design.samples = {d.samples})"))
    return out


def planned_points(spec: ExperimentSpec) -> int:
    """How many points the design has (before replications)."""
    d = spec.design
    n_params = len(spec.parameters)
    if d.kind == "grid":
        return math.prod(len(p) if isinstance(p, list) else p.steps or 1
                         for p in spec.parameters.values())
    samples = d.samples or 0
    if d.kind == "sobol":
        return samples * (2 * n_params + 2 if d.second_order else n_params + 2)
    if d.kind == "morris":
        return (n_params + 1) * (d.optimal_trajectories or samples)
    return samples


def _size_problems(spec: ExperimentSpec) -> list[tuple[str, str]]:
    """A design too big to plan (its manifest lists every run)."""
    points = planned_points(spec)
    runs = points * spec.replications
    if runs <= MAX_RUNS:
        return []
    return [("design", f"{points:,} points x {spec.replications:,} replications = "
             f"{runs:,} runs, more than one experiment plans ({MAX_RUNS:,}); split it into "
             "several, or take fewer values")]


def _flatten(value: Any, leaf: Any, prefix: str = "") -> Any:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}`` down to the values ``leaf`` accepts."""
    if not isinstance(value, dict):
        return value
    flat: dict[str, Any] = {}
    for key, item in value.items():
        path = f"{prefix}{key}"
        if leaf(item):
            flat[path] = item
        else:
            flat.update(_flatten(item, leaf, f"{path}."))
    return flat


def _quote(key: str) -> str:
    return f'"{key}"' if "." in key else key


def _key(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for i, item in enumerate(loc):
        if i == 2 and loc[0] == "parameters" and item in ("values", "range"):
            continue  # the discriminator's tag
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + _quote(str(item)))
    return "".join(parts)


def _pydantic_problems(exc: ValidationError) -> list[tuple[str, str]]:
    problems = []
    for err in exc.errors(include_url=False):
        ctx_error = (err.get("ctx") or {}).get("error")
        if isinstance(ctx_error, _DesignProblems):
            problems.extend(ctx_error.problems)
            continue
        if err["type"] == "extra_forbidden":
            message = "unknown key (check its spelling and place)"
        else:
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] not in ("missing",) and "input" in err \
                    and not isinstance(err["input"], dict | list):
                message += f" (got {repr(err['input'])[:60]})"
        key = _key(err["loc"])
        if err["type"] == "too_short":
            message = {"parameters": "nothing to vary: give at least one parameter",
                       "outcomes": "no outcomes to keep: name at least one"}.get(
                key, "empty list of values")
        problems.append((key, message))
    return problems


# --- the loaded experiment -----------------------------------------------------------------

@dataclass(frozen=True)
class Experiment:
    """A validated experiment, with its model and base scenario resolved.

    From a file (``load_experiment``), TOML text (``experiment_from_text``), or Python: a
    dict (``Experiment.from_dict``) or keywords (``experiment(...)``) holding the same keys
    as a file, validated the same way.
    """

    spec: ExperimentSpec
    source: str
    """The file, as named to the loader, or a label such as ``<experiment>`` (in messages)."""
    text: str
    """The file's content (for an experiment defined in Python, its keys as TOML), recorded
    in the manifest."""
    model: Model
    base: BaseModel
    """The base scenario with ``base.set`` and ``base.until`` applied."""
    outcomes: tuple[str, ...]
    """Outcome names to keep, patterns expanded."""
    available_outcomes: tuple[str, ...]
    """Every outcome the model declares for the base scenario (``Model.outcome_names``)."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "<experiment>",
                  directory: str | Path | None = None) -> Experiment:
        """An experiment defined in Python: ``data`` mirrors an experiment file (the same
        keys, nested dicts for its tables), and is validated as a file is; a problem raises
        ``ExperimentError`` naming ``source`` and the key. Tuples and numpy arrays count as
        lists; relative scenario paths start at ``directory`` (default: the working
        directory)::

            Experiment.from_dict({"root_seed": 1, "outcomes": ["deserted_isis"],
                                  "base": {"scenario": "isis-2014", "set": {"scale": 0.02}},
                                  "parameters": {"factions.isis.pay": [0.5, 1.0]}})
        """
        if not isinstance(data, Mapping):
            raise ExperimentError(source, [("", f"expected a dict of the experiment's keys "
                                            f"(got {type(data).__name__})")])
        plain = _plain(data)
        return _resolved(plain, _as_toml(plain), source,
                         Path(directory) if directory is not None else Path("."))

    @property
    def name(self) -> str:
        if self.spec.name:
            return self.spec.name
        label = self.source
        if label.startswith("<") and label.endswith(">"):  # defined in Python or text
            return label[1:-1] or "experiment"
        return Path(label).stem

    def default_out(self) -> Path:
        return Path(self.spec.out) if self.spec.out else Path("results") / self.name

    def identity(self) -> dict[str, Any]:
        """What the results depend on; a results folder belongs to one identity."""
        return {
            "spec": self.spec.model_dump(mode="json", exclude={"out"}),
            "parameter_order": list(self.spec.parameters),  # it numbers the runs
            "model": self.model.name,
            "base_scenario": self.base.model_dump(mode="json"),
            "outcomes": list(self.outcomes),
        }

    def fingerprint(self) -> str:
        return _sha256(self.identity())


def experiment(*, source: str = "<experiment>", directory: str | Path | None = None,
               **keys: Any) -> Experiment:
    """An experiment from keyword arguments named as the keys of an experiment file::

        experiment(root_seed=1, replications=3, outcomes=["deserted_isis"],
                   base={"scenario": "isis-2014", "until": "2014-07-31"},
                   parameters={"factions.isis.barriers.home": {"low": 0.1, "high": 0.4,
                                                               "steps": 4}})

    The same as ``Experiment.from_dict(keys, source, directory)``.
    """
    return Experiment.from_dict(keys, source=source, directory=directory)


def _sha256(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: Any) -> Any:
    """Python values as TOML would give them: mappings as dicts, tuples and numpy arrays as
    lists, numpy scalars as Python numbers, paths as strings."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, np.ndarray | np.generic):
        return _plain(value.tolist())
    if isinstance(value, PurePath):
        return str(value)
    return value


def _as_toml(data: dict[str, Any]) -> str:
    """The keys of an experiment defined in Python as TOML text, for the manifest (JSON if
    they are not TOML: a value of None, say; validation then says what is wrong)."""
    try:
        return tomli_w.dumps(data)
    except (TypeError, ValueError):
        return json.dumps(data, indent=1, default=str)


def load_experiment(source: str | Path) -> Experiment:
    """Read, validate and resolve an experiment file; raise ``ExperimentError`` if it is bad.

    Nothing is run: the outcome names are those the model declares for the base scenario
    (``Model.outcome_names``).
    """
    path = Path(source)
    name = str(source)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ExperimentError(name, [("", "no such file")]) from None
    except OSError as exc:
        raise ExperimentError(name, [("", f"cannot read: {exc.strerror}")]) from None
    except UnicodeDecodeError as exc:
        raise ExperimentError(name, [("", f"not UTF-8 text (byte {exc.start}); save it as "
                                      "UTF-8")]) from None
    return experiment_from_text(text, name, path.parent)


def experiment_from_text(text: str, source: str = "<experiment>",
                         directory: Path | None = None) -> Experiment:
    """Like ``load_experiment`` for TOML text; relative scenario paths start at ``directory``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ExperimentError(source, [("", f"not valid TOML: {exc}")]) from None
    return _resolved(data, text, source, directory or Path("."))


def _resolved(data: Any, text: str, source: str, directory: Path) -> Experiment:
    """Validate an experiment's keys, resolve its model and base scenario, check its
    parameters and outcomes against them."""
    try:
        spec = ExperimentSpec.model_validate(data)
    except ValidationError as exc:
        raise ExperimentError(source, _pydantic_problems(exc)) from None
    model, scenario = _resolve_base(spec, source, directory)
    _check_parameters(spec, scenario, source)
    available = _outcome_names(model, scenario, source)
    outcomes = _resolve_outcomes(spec, available, source)
    clashes = [(f"parameters.{_quote(p)}", "clashes with a column of the results table; "
                f"reserved: {list(RESERVED_COLUMNS)} and the outcome names")
               for p in spec.parameters if p in RESERVED_COLUMNS or p in outcomes]
    if clashes:
        raise ExperimentError(source, clashes)
    return Experiment(spec=spec, source=source, text=text, model=model, base=scenario,
                      outcomes=tuple(outcomes), available_outcomes=tuple(available))


# --- the base scenario ---------------------------------------------------------------------

def _resolve_base(spec: ExperimentSpec, source: str, directory: Path
                  ) -> tuple[Model, BaseModel]:
    """The model and the base scenario, with ``base.set`` and ``base.until`` applied."""
    base = spec.base
    named = _named_model(base.model, source) if base.model is not None else None
    model: Model | None = None
    if base.scenario is None:
        if named is None:
            raise ExperimentError(source, [("base", "give a scenario (a shipped name or a "
                                            "path) or a model")])
        model, scenario_source = named, _default_scenario(named, source)
    else:
        candidate = directory / base.scenario
        scenario_source = candidate if candidate.is_file() else base.scenario
    try:
        model = model or model_for(scenario_source)
        scenario = model.load(scenario_source)
    except (ValueError, OverrideError) as exc:
        raise ExperimentError(source, [("base.scenario", _indent(str(exc)))]) from None
    if named is not None and model.name != named.name:
        raise ExperimentError(source, [("base.model", f"the scenario {base.scenario!r} is a "
                                        f"{model.name} scenario, not {named.name}")])
    scenario = _with_fixed_values(scenario, base.set, source)
    if base.until is not None:
        scenario = _cut(model, scenario, base.until, source)
    return model, scenario


def _named_model(name: str, source: str) -> Model:
    """The model ``base.model`` names, or ``ExperimentError`` at that key."""
    known = model_names()
    if name not in known:
        raise ExperimentError(source, [("base.model", f"unknown model {name!r}; expected "
                                        f"one of {known}")])
    try:
        return model_named(name)
    except InputError as exc:  # a model that fails to import
        raise ExperimentError(source, [("base.model", "; ".join(
            message for _, message in exc.problems))]) from None


def _default_scenario(model: Model, source: str) -> str:
    """The scenario of ``base.model`` alone: its only one, or the one named after it."""
    shipped = sorted(model.shipped())
    default = [n for n in shipped if n in (model.name, model.name.replace("_", "-"))]
    if len(shipped) == 1:
        default = shipped
    if not default:
        raise ExperimentError(source, [("base.scenario", f"the {model.name} model ships "
                                        f"{len(shipped)} scenarios and none is named after "
                                        f"it; name one of {shipped} (or a path)")])
    return default[0]


def _with_fixed_values(scenario: BaseModel, fixed: dict[str, Any], source: str) -> BaseModel:
    """The scenario with ``base.set``: a path that names nothing is a problem at its key."""
    problems = [(f"base.set.{_quote(path)}", problem) for path, value in fixed.items()
                if (problem := _path_problem(scenario, path, value)) is not None]
    if problems:
        raise ExperimentError(source, problems)
    try:
        return overridden(scenario, fixed, source)
    except InputError as exc:
        raise ExperimentError(source, [("base.set", _problem_text([problem]))
                                       for problem in exc.problems]) from None
    except (ValueError, TypeError) as exc:
        raise ExperimentError(source, [("base.set", _one_line(exc))]) from None


def _cut(model: Model, scenario: Any, last_day: dt.date, source: str) -> BaseModel:
    """The scenario cut after ``base.until``: a model with a calendar has scenarios with a
    ``start`` date and ``until(day)``."""
    if not model.has_calendar:
        raise ExperimentError(source, [("base.until", f"does not apply to the {model.name} "
                                        "model (it has no calendar)")])
    if last_day < scenario.start:
        raise ExperimentError(source, [("base.until", f"{last_day} is before the "
                                        f"scenario's start {scenario.start}")])
    try:
        return scenario.until(last_day)
    except InputError as exc:
        raise ExperimentError(source, [
            ("base.until", message if key in ("", "until") else f"{key}: {message}")
            for key, message in exc.problems]) from None
    except (ValueError, TypeError) as exc:
        raise ExperimentError(source, [("base.until", _one_line(exc))]) from None


def _indent(text: str) -> str:
    return text.replace("\n", "\n    ")


def _one_line(exc: BaseException) -> str:
    return "; ".join(str(exc).splitlines())


# --- overrides -----------------------------------------------------------------------------

INTEGER_HINT = " (a range over a whole-number field needs integer = true)"


def overridden(scenario: BaseModel, overrides: dict[str, Any], source: str | None = None
               ) -> BaseModel:
    """``scenario`` with dotted-path ``overrides``, validated as its model's loader validates
    a file: by the scenario's own ``with_overrides`` (every shipped model's scenarios have
    one), else re-validated here. A bad path or value raises an ``InputError`` naming
    ``source`` (default: the scenario's name) and the key."""
    own = getattr(scenario, "with_overrides", None)
    if callable(own):
        return own(overrides, source)
    label = source or str(getattr(scenario, "name", "<scenario>"))
    schema = type(scenario)

    def validate(data: Any) -> BaseModel:
        try:
            return schema.model_validate(data)
        except ValidationError as exc:
            raise InputError(label, validation_problems(exc, data, schema)) from None

    return override_checked(scenario, overrides, validate, InputError, label)


def _problem_text(problems: list[tuple[str, str]]) -> str:
    """Problems of an override on one line, ``key: message; ...``."""
    parts = []
    for key, message in problems:
        if "fractional part" in message:  # pydantic's int_from_float
            message += INTEGER_HINT
        parts.append(f"{key}: {message}" if key else message)
    return "; ".join(parts)


def _path_problem(scenario: BaseModel, path: str, value: Any) -> str | None:
    """Why ``path`` names nothing in the scenario, or ``None`` (values are not checked)."""
    try:
        set_path(scenario.model_dump(mode="json"), path, value)
    except OverrideError as exc:
        return str(exc)
    return None


def _override_problem(scenario: BaseModel, params: dict[str, Any]) -> str | None:
    """Why the scenario refuses these overrides, or ``None``."""
    try:
        overridden(scenario, params)
    except InputError as exc:
        return _problem_text(exc.problems)
    except (OverrideError, ValueError, TypeError) as exc:
        return _one_line(exc)  # one line, whatever raised it
    return None


def parameter_values(param: list[Any] | Range) -> list[Any]:
    """The values a parameter can take that are worth checking against the scenario."""
    if isinstance(param, list):
        return list(param)
    if param.integer:
        return [int(param.low), int(param.high)]
    return [param.low, param.high]


def _parameter_problem(scenario: BaseModel, path: str, param: list[Any] | Range
                       ) -> str | None:
    values = parameter_values(param)
    missing = _path_problem(scenario, path, values[0])
    if missing is not None:
        return f"not a parameter of the base scenario: {missing}"
    for value in values:
        problem = _override_problem(scenario, {path: value})
        if problem is not None:
            return f"value {value!r} is not valid here: {problem}"
    return None


def _check_parameters(spec: ExperimentSpec, scenario: BaseModel, source: str) -> None:
    """Every varied path names a field of the base scenario, and its values (both ends of a
    range, every listed value) are valid there; all problems at once."""
    problems = [(f"parameters.{_quote(path)}", problem)
                for path, param in spec.parameters.items()
                if (problem := _parameter_problem(scenario, path, param)) is not None]
    if problems:
        raise ExperimentError(source, problems)


def check_points(experiment: Experiment, points: Iterable[dict[str, Any]]) -> None:
    """Apply each planned point's parameters to the base scenario and validate the result,
    as every run will; raise ``ExperimentError`` naming the first point it refuses.

    Both ends of a range can be fine while the points between are not: a grid over a
    whole-number field without ``integer = true`` has 197.5 days among its values. This is
    pydantic validation only, once per distinct point; nothing is simulated.
    """
    seen: set[str] = set()
    for index, params in enumerate(points):
        identity = json.dumps(params, sort_keys=True, default=str)
        if identity in seen:
            continue
        seen.add(identity)
        problem = _override_problem(experiment.base, params)
        if problem is not None:
            raise ExperimentError(experiment.source,
                                  [_blame_point(experiment.base, index, params, problem)])


def _blame_point(scenario: BaseModel, index: int, params: dict[str, Any], problem: str
                 ) -> tuple[str, str]:
    """The parameter at fault at a refused point (or the combination, if no one value is
    refused on its own), as ``(key, message)``."""
    for path, value in params.items():
        alone = _override_problem(scenario, {path: value})
        if alone is not None:
            return (f"parameters.{_quote(path)}", f"value {value!r} (point {index} of the "
                    f"design) is not valid here: {alone}")
    shown = ", ".join(f"{path} = {value!r}" for path, value in params.items())
    return ("parameters", f"point {index} of the design ({shown}) is not valid here: "
            f"{problem}")


# --- outcomes ------------------------------------------------------------------------------

def _outcome_names(model: Model, scenario: BaseModel, source: str) -> list[str]:
    """The outcomes the model declares for runs of the base scenario (nothing is run)."""
    try:
        names = model.outcome_names(scenario)
    except Exception as exc:
        raise ExperimentError(source, [("base", f"the {model.name} model cannot name its "
                                        f"outcomes for the base scenario: "
                                        f"{type(exc).__name__}: {exc}")]) from exc
    return sorted(set(names))


def _resolve_outcomes(spec: ExperimentSpec, available: list[str], source: str) -> list[str]:
    chosen: list[str] = []
    problems: list[tuple[str, str]] = []
    for i, pattern in enumerate(spec.outcomes):
        if any(c in pattern for c in "*?["):
            matched = fnmatch.filter(available, pattern)
            if not matched:
                problems.append((f"outcomes[{i}]", f"pattern {pattern!r} matches no outcome "
                                 f"of the {spec.base.model or 'base'} model"))
        elif pattern in available:
            matched = [pattern]
        else:
            close = difflib.get_close_matches(pattern, available, n=3)
            hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
            problems.append((f"outcomes[{i}]", f"unknown outcome {pattern!r}{hint} "
                             f"(the model's outcomes: {', '.join(available)})"))
            continue
        chosen.extend(m for m in matched if m not in chosen)
    if problems:
        raise ExperimentError(source, problems)
    return chosen
