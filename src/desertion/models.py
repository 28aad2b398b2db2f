"""The registry of models that run on the engine, so the CLI and experiments treat them alike.

A model is a small adapter: how to load its scenario (validated, a pydantic model), how to
simulate it, how to reduce a run to named scalar outcomes, and how to present a run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from desertion.engine.errors import InputError
from desertion.engine.inputs import UnreadableFile, read_toml
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
    ``model = "..."`` key (default: the manpower model). An unknown model name raises
    ``InputError`` at the key ``model``; a file that cannot be read or parsed goes to the
    manpower model, whose loader says what is wrong with it.
    """
    _load_builtin()
    path = Path(source)
    if path.is_file():
        try:
            name = read_toml(path).get("model", "manpower")
        except UnreadableFile:
            return _REGISTRY["manpower"]  # its loader reports the file's problem
        if isinstance(name, str) and name in _REGISTRY:
            return _REGISTRY[name]
        raise InputError(str(path), [("model", f"unknown model {name!r}; expected one of "
                                      f"{sorted(_REGISTRY)}")])
    for spec in _REGISTRY.values():
        if str(source) in spec.shipped():
            return spec
    return _REGISTRY["manpower"]
