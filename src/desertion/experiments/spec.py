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
registry, applies every varied value to the base scenario to check its path and type, and
finds the outcome names with a short probe run, so a bad file fails with the file and key
named before anything runs.
"""

from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
import hashlib
import json
import math
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

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

from desertion.engine.errors import InputError
from desertion.engine.overrides import OverrideError, apply_overrides
from desertion.models import ModelSpec, model_for, models

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


def design_problems(spec: ExperimentSpec) -> list[tuple[str, str]]:
    """Checks that span the design and the parameters (keys in the file's terms)."""
    d = spec.design
    out: list[tuple[str, str]] = []
    set_fields = d.model_fields_set
    n_params = len(spec.parameters)
    ranges = {p: v for p, v in spec.parameters.items() if isinstance(v, Range)}
    if d.kind == "grid":
        if d.samples is not None:
            out.append(("design.samples", "a grid has one point per combination of values; "
                        "remove samples (or use kind = \"latin\")"))
        for path, r in ranges.items():
            if r.steps is None:
                out.append((f"parameters.{_quote(path)}", "a grid design needs steps in a "
                            "range (e.g. { low = 0.1, high = 0.5, steps = 5 }) or a list of "
                            "values"))
    else:
        for path, r in ranges.items():
            if r.steps is not None:
                out.append((f"parameters.{_quote(path)}.steps", f"steps applies to grid "
                            f"designs only; a {d.kind} design samples the range"))
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
    if d.kind != "sobol" and "second_order" in set_fields:
        out.append(("design.second_order", "applies to sobol designs only"))
    if d.kind == "sobol" and d.second_order and n_params < 2:
        out.append(("design.second_order", "second-order indices need at least 2 parameters"))
    if d.kind != "morris":
        for key in ("levels", "optimal_trajectories"):
            if key in set_fields:
                out.append((f"design.{key}", "applies to morris designs only"))
    else:
        if d.levels % 2:
            out.append(("design.levels", f"Morris levels should be even (got {d.levels})"))
        if (d.optimal_trajectories is not None and d.samples is not None
                and d.optimal_trajectories >= d.samples):
            out.append(("design.optimal_trajectories", f"choosing {d.optimal_trajectories} "
                        f"optimal trajectories needs more candidate trajectories than that "
                        f"(design.samples = {d.samples})"))
    return out


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
    """A validated experiment, with its model and base scenario resolved."""

    spec: ExperimentSpec
    source: str
    """The file, as named to the loader (used in messages)."""
    text: str
    """The file's content, recorded in the manifest."""
    model: ModelSpec
    base: BaseModel
    """The base scenario with ``base.set`` and ``base.until`` applied."""
    outcomes: tuple[str, ...]
    """Outcome names to keep, patterns expanded."""
    available_outcomes: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.spec.name or Path(self.source).stem

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


def _sha256(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def load_experiment(source: str | Path) -> Experiment:
    """Read, validate and resolve an experiment file; raise ``ExperimentError`` if it is bad.

    Nothing is run except a probe of the base scenario, cut to one day or step where the
    model allows, that lists the model's outcome names (to check ``outcomes``); should an
    outcome be missing from the short probe, a whole run of the base scenario is asked
    before the outcome is called unknown.
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
    try:
        spec = ExperimentSpec.model_validate(data)
    except ValidationError as exc:
        raise ExperimentError(source, _pydantic_problems(exc)) from None
    model, scenario = _resolve_base(spec, source, directory or Path("."))
    _check_parameters(spec, scenario, source)
    available = _probe_outcomes(model, probe_scenario(scenario), source)
    try:
        outcomes = _resolve_outcomes(spec, available, source)
    except ExperimentError:
        # some outcomes exist only in longer runs: ask a whole run before calling them unknown
        available = sorted({*available, *_probe_outcomes(model, scenario, source)})
        outcomes = _resolve_outcomes(spec, available, source)
    clashes = [(f"parameters.{_quote(p)}", "clashes with a column of the results table; "
                f"reserved: {list(RESERVED_COLUMNS)} and the outcome names")
               for p in spec.parameters if p in RESERVED_COLUMNS or p in outcomes]
    if clashes:
        raise ExperimentError(source, clashes)
    return Experiment(spec=spec, source=source, text=text, model=model, base=scenario,
                      outcomes=tuple(outcomes), available_outcomes=tuple(available))


def _resolve_base(spec: ExperimentSpec, source: str, directory: Path
                  ) -> tuple[ModelSpec, BaseModel]:
    base = spec.base
    registry = models()
    if base.model is not None and base.model not in registry:
        raise ExperimentError(source, [("base.model", f"unknown model {base.model!r}; "
                                        f"expected one of {sorted(registry)}")])
    if base.scenario is None:
        if base.model is None:
            raise ExperimentError(source, [("base", "give a scenario (a shipped name or a "
                                            "path) or a model")])
        shipped = sorted(registry[base.model].shipped())
        default = [n for n in shipped if n in (base.model, base.model.replace("_", "-"))]
        if len(shipped) == 1:
            default = shipped
        if not default:
            raise ExperimentError(source, [("base.scenario", f"the {base.model} model ships "
                                            f"{len(shipped)} scenarios and none is named "
                                            f"after it; name one of {shipped} (or a path)")])
        scenario_source: str | Path = default[0]
    else:
        candidate = directory / base.scenario
        scenario_source = candidate if candidate.is_file() else base.scenario
    try:
        model = registry[base.model] if base.scenario is None and base.model else \
            model_for(scenario_source)
        scenario = model.load(scenario_source)
    except (ValueError, OverrideError) as exc:
        raise ExperimentError(source, [("base.scenario", _indent(str(exc)))]) from None
    if base.model is not None and model.name != base.model:
        raise ExperimentError(source, [("base.model", f"the scenario {base.scenario!r} is a "
                                        f"{model.name} scenario, not {base.model}")])
    try:
        scenario = apply_overrides(scenario, base.set)
    except OverrideError as exc:
        key = str(exc).split(":", 1)[0]
        raise ExperimentError(source, [(f"base.set.{_quote(key)}", str(exc))]) from None
    except ValidationError as exc:
        raise ExperimentError(source, [("base.set", _validation_message(exc))]) from None
    if base.until is not None:
        until = getattr(scenario, "until", None)
        if not callable(until):
            raise ExperimentError(source, [("base.until", f"does not apply to the "
                                            f"{model.name} model")])
        first = getattr(scenario, "start", None)
        if isinstance(first, dt.date) and base.until < first:
            raise ExperimentError(source, [("base.until", f"{base.until} is before the "
                                            f"scenario's start {first}")])
        try:
            scenario = until(base.until)
        except (ValueError, ValidationError) as exc:
            raise ExperimentError(source, [("base.until", str(exc))]) from None
    return model, scenario


def _indent(text: str) -> str:
    return text.replace("\n", "\n    ")


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False):
        where = ".".join(str(p) for p in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "int_from_float":
            message += " (a range over a whole-number field needs integer = true)"
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def parameter_values(param: list[Any] | Range) -> list[Any]:
    """The values a parameter can take that are worth checking against the scenario."""
    if isinstance(param, list):
        return list(param)
    if param.integer:
        return [int(param.low), int(param.high)]
    return [param.low, param.high]


def _check_parameters(spec: ExperimentSpec, scenario: BaseModel, source: str) -> None:
    problems: list[tuple[str, str]] = []
    for path, param in spec.parameters.items():
        key = f"parameters.{_quote(path)}"
        for value in parameter_values(param):
            try:
                apply_overrides(scenario, {path: value})
            except OverrideError as exc:
                problems.append((key, f"not a parameter of the base scenario: {exc}"))
                break
            except ValidationError as exc:
                problems.append((key, f"value {value!r} is not valid here: "
                                 f"{_validation_message(exc)}"))
                break
            except (ValueError, TypeError) as exc:
                problems.append((key, f"value {value!r} is not valid here: {exc}"))
                break
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


def _override_problem(scenario: BaseModel, params: dict[str, Any]) -> str | None:
    """Why the scenario refuses these overrides, or ``None``."""
    try:
        apply_overrides(scenario, params)
    except ValidationError as exc:
        return _validation_message(exc)
    except (OverrideError, ValueError, TypeError) as exc:
        return "; ".join(str(exc).splitlines())  # one line, whatever raised it
    return None


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


def probe_scenario(scenario: BaseModel) -> BaseModel:
    """A shortened copy of ``scenario`` (one day or one step) to learn the outcome names."""
    try:
        until, start = getattr(scenario, "until", None), getattr(scenario, "start", None)
        if callable(until) and isinstance(start, dt.date):
            return until(start)
        if "steps" in type(scenario).model_fields:
            return apply_overrides(scenario, {"steps": 1})
    except (ValueError, OverrideError):
        pass
    return scenario


def _probe_outcomes(model: ModelSpec, scenario: BaseModel, source: str) -> list[str]:
    try:
        run = model.simulate(scenario, seed=0, progress=None)
        return sorted(model.outcomes(run))
    except Exception as exc:
        raise ExperimentError(source, [("base", f"a probe run of the base scenario failed: "
                                        f"{type(exc).__name__}: {exc}")]) from exc


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
