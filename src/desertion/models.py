"""The registry of models that run on the engine, so the CLI, experiments and reports treat
them alike (``desertion.engine.model.Model``).

Shipped models are registered by where they live and imported only when first asked for,
so a command of one model never imports another's code (a civil-violence kernel that fails
to compile cannot break a manpower run). A model that fails to import is reported as
broken (``broken_models``) and the others keep working.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from desertion.engine.errors import InputError
from desertion.engine.inputs import UnreadableFile, read_toml
from desertion.engine.model import Model, ProgressCallback

__all__ = ["Model", "ProgressCallback", "broken_models", "model_for", "model_named",
           "model_of", "models", "register", "scenario_keys"]

DEFAULT_MODEL = "manpower"

# name -> "module:attribute" of the Model instance, imported on first use
_SHIPPED = {
    "manpower": "desertion.manpower.adapter:MODEL",
    "civil_violence": "desertion.civil_violence.adapter:MODEL",
}
# name -> "module" holding only the shipped scenarios' names, importable without the model
_SHIPPED_NAMES = {
    "manpower": "desertion.manpower.scenario:shipped_scenarios",
    "civil_violence": "desertion.civil_violence.params:shipped_scenarios",
}
# name -> "module:class" of the scenario schema: its top-level keys tell a file of that model
_SCENARIO_SCHEMAS = {
    "manpower": "desertion.manpower.scenario:Scenario",
    "civil_violence": "desertion.civil_violence.params:CivilViolenceScenario",
}
_REGISTRY: dict[str, Model] = {}
_BROKEN: dict[str, str] = {}


def register(model: Model) -> None:
    """Add (or replace) a model: plugins and tests register their own."""
    _REGISTRY[model.name] = model
    _BROKEN.pop(model.name, None)


def _import(where: str) -> object:
    module, attribute = where.split(":")
    return getattr(importlib.import_module(module), attribute)


def model_named(name: str) -> Model:
    """The model registered as ``name``, imported if need be; ``InputError`` at the key
    ``model`` for an unknown or broken one."""
    if name not in _REGISTRY and name in _SHIPPED and name not in _BROKEN:
        try:
            register(_import(_SHIPPED[name]))  # type: ignore[arg-type]
        except Exception as exc:
            _BROKEN[name] = f"{type(exc).__name__}: {exc}"
    if name in _REGISTRY:
        return _REGISTRY[name]
    if name in _BROKEN:
        raise InputError("model", [(name, f"the model failed to load ({_BROKEN[name]})")])
    raise InputError("model", [(name, f"unknown model; expected one of {sorted(names())}")])


def names() -> list[str]:
    """Every known model's name, loaded or not."""
    return sorted({*_SHIPPED, *_REGISTRY})


def models() -> dict[str, Model]:
    """Every model that loads (the broken ones are in ``broken_models``)."""
    found = {}
    for name in names():
        try:
            found[name] = model_named(name)
        except InputError:
            continue
    return found


def broken_models() -> dict[str, str]:
    """Models that failed to import, with the error."""
    models()
    return dict(_BROKEN)


def scenario_keys() -> dict[str, set[str]]:
    """Every shipped model's top-level scenario keys: a file with unknown keys that are
    another model's is named as that model's file."""
    return {name: set(_import(where).model_fields)  # type: ignore[attr-defined]
            for name, where in _SCENARIO_SCHEMAS.items()}


def model_of(scenario: object) -> Model:
    """The model a loaded scenario belongs to (its ``model`` field)."""
    return model_named(getattr(scenario, "model", DEFAULT_MODEL))


def _shipped_by(name: str) -> dict[str, str]:
    if name in _REGISTRY:
        return _REGISTRY[name].shipped()
    try:
        return _import(_SHIPPED_NAMES[name])()  # type: ignore[operator]
    except Exception:
        return {}


def model_for(source: str | Path) -> Model:
    """The model a scenario name or file belongs to.

    A shipped name is looked up in every model (without importing their simulation code);
    a file names its model with a top-level ``model = "..."`` key (default: the manpower
    model). An unknown model name raises ``InputError`` at the key ``model``; a file that
    cannot be read or parsed goes to the manpower model, whose loader says what is wrong.
    """
    path = Path(source)
    if path.is_file():
        try:
            name = read_toml(path).get("model", DEFAULT_MODEL)
        except UnreadableFile:
            return model_named(DEFAULT_MODEL)  # its loader reports the file's problem
        if isinstance(name, str) and name in names():
            return model_named(name)
        raise InputError(str(path), [("model", f"unknown model {name!r}; expected one of "
                                      f"{names()}")])
    for name in names():
        if str(source).removesuffix(".toml") in _shipped_by(name):
            return model_named(name)
    return model_named(DEFAULT_MODEL)
