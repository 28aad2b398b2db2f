"""The registry of models that run on the engine, so the CLI and experiments treat them alike.

A model is a small adapter: how to load its scenario (validated, a pydantic model), how to
simulate it, how to reduce a run to named scalar outcomes, and how to present a run.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from desertion.engine.results import RunResult

ProgressCallback = Callable[[int, int], None]  # (days or steps done, total)


@dataclass(frozen=True)
class ModelSpec:
    name: str
    description: str
    load: Callable[[str | Path], BaseModel]
    """Load a scenario by shipped name or path, validating it."""
    simulate: Callable[..., RunResult]
    """``simulate(scenario, seed=..., progress=...) -> RunResult``."""
    outcomes: Callable[[RunResult], dict[str, float]]
    """Named scalar summaries of a run, for tables and experiments."""
    shipped: Callable[[], dict[str, str]]
    """Shipped scenario names with a one-line description."""
    plot: Callable[[RunResult, Path], Path]
    summary_tables: Callable[[RunResult], list[Any]]
    """rich renderables summarising a run."""


_REGISTRY: dict[str, ModelSpec] = {}


def register(spec: ModelSpec) -> None:
    _REGISTRY[spec.name] = spec


_BUILTINS_LOADED = False


def _load_builtin() -> None:
    """Import the shipped models once (each registers itself); later plugins add to them."""
    global _BUILTINS_LOADED
    if _BUILTINS_LOADED:
        return
    _BUILTINS_LOADED = True
    import desertion.civil_violence.adapter
    import desertion.manpower.adapter  # noqa: F401


def models() -> dict[str, ModelSpec]:
    _load_builtin()
    return dict(_REGISTRY)


def model_for(source: str | Path) -> ModelSpec:
    """The model a scenario name or file belongs to.

    A shipped name is looked up in every model; a file names its model with a top-level
    ``model = "..."`` key (default: the manpower model).
    """
    _load_builtin()
    path = Path(source)
    if path.suffix == ".toml" and path.exists():
        try:
            name = tomllib.loads(path.read_text()).get("model", "manpower")
        except tomllib.TOMLDecodeError:
            name = "manpower"  # let the model's loader report the syntax error
        if name in _REGISTRY:
            return _REGISTRY[name]
        raise ValueError(f"{path}: model: unknown model {name!r}; expected one of "
                         f"{sorted(_REGISTRY)}")
    for spec in _REGISTRY.values():
        if str(source) in spec.shipped():
            return spec
    return _REGISTRY["manpower"]
