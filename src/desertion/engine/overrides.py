"""Dotted-path overrides of a validated pydantic model, re-validated as a whole.

``factions.isis.sanctions.desertion`` walks into the list ``factions`` by the item whose
``id`` is ``isis`` (or by position: ``factions.0``). Used by experiments and the CLI.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

from desertion.engine.errors import InputError, Problem, key_path

M = TypeVar("M", bound=BaseModel)


class OverrideError(KeyError):
    """A dotted path that names nothing: ``path`` is as far as it got, ``reason`` says why."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    def __str__(self) -> str:  # KeyError quotes its message; this one should read plainly
        return str(self.args[0])


def _no_key(path: str, part: str, keys: list[str]) -> OverrideError:
    close = difflib.get_close_matches(part, keys, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return OverrideError(path, f"no key {part!r}; {hint}expected one of {keys}")


def _child(node: Any, part: str, path: str) -> tuple[Any, Any]:
    """The container key and the child of ``node`` named by ``part``."""
    if isinstance(node, dict):
        if part not in node:
            raise _no_key(path, part, sorted(node))
        return part, node[part]
    if isinstance(node, list):
        ids = [item.get("id") if isinstance(item, dict) else None for item in node]
        if part in ids:
            index = ids.index(part)
        elif part.isdigit() and int(part) < len(node):
            index = int(part)
        else:
            named = [i for i in ids if i is not None]
            raise OverrideError(path, f"no item {part!r}; expected an index below "
                                f"{len(node)}" + (f" or one of {named}" if named else ""))
        return index, node[index]
    raise OverrideError(path, f"cannot go into a {type(node).__name__}")


def set_path(data: dict[str, Any], dotted: str, value: Any) -> tuple[str | int, ...]:
    """Set ``value`` at a dotted path inside plain dicts and lists (in place).

    Returns the place it set, as pydantic locates it: ``("factions", 0, "pay")``.
    """
    parts = dotted.split(".")
    node: Any = data
    loc: list[str | int] = []
    for depth, part in enumerate(parts[:-1]):
        key, node = _child(node, part, ".".join(parts[: depth + 1]))
        loc.append(key)
    last = parts[-1]
    if isinstance(node, dict):
        # dumps of pydantic models hold every field, so the dict's keys are complete
        if last not in node:
            raise _no_key(dotted, last, sorted(node))
        node[last] = value
        loc.append(last)
    else:
        key, _ = _child(node, last, dotted)
        node[key] = value
        loc.append(key)
    return tuple(loc)


def apply_overrides(model: M, overrides: dict[str, Any]) -> M:
    """A re-validated copy of ``model`` with each dotted path set to its value."""
    if not overrides:
        return model
    data = model.model_dump(mode="json")
    for dotted, value in overrides.items():
        set_path(data, dotted, value)
    return type(model).model_validate(data)


def _under(key: str, place: str) -> bool:
    return key == place or key.startswith((place + ".", place + "["))


def override_checked(model: M, overrides: dict[str, Any], validate: Callable[[Any], M],
                     error: type[InputError], source: str, option: str = "") -> M:
    """``model`` with dotted-path overrides, validated by ``validate``; problems as ``error``.

    ``validate(data)`` validates the changed plain data as the model's loader does (raising
    an ``InputError``); its problems are raised again as ``error(source, ...)``. A path
    that names nothing is a problem at ``option path`` (e.g. ``--set factions.isis.pya``);
    a problem at or below a key an override set is prefixed with ``option`` too, so the
    message says where the bad value came from.
    """
    if not overrides:
        return model
    data = model.model_dump(mode="json")
    locs = []
    for dotted, value in overrides.items():
        try:
            locs.append(set_path(data, dotted, value))
        except OverrideError as exc:
            raise error(source, [(f"{option} {dotted}".strip(), exc.reason)]) from None
    places = [key_path(loc, data) for loc in locs]  # once all are set: ids may have changed
    try:
        return validate(data)
    except InputError as exc:
        problems: list[Problem] = [
            (f"{option} {key}" if option and any(_under(key, p) for p in places) else key,
             message) for key, message in exc.problems]
        raise error(source, problems) from None
