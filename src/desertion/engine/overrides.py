"""Dotted-path overrides of a validated pydantic model, re-validated as a whole.

``factions.isis.sanctions.desertion`` walks into the list ``factions`` by the item whose
``id`` is ``isis`` (or by position: ``factions.0``). Used by experiments and the CLI.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


class OverrideError(KeyError):
    def __str__(self) -> str:  # KeyError quotes its message; this one should read plainly
        return str(self.args[0])


def _child(node: Any, part: str, path: str) -> tuple[Any, Any]:
    """The container key and the child of ``node`` named by ``part``."""
    if isinstance(node, dict):
        if part not in node:
            raise OverrideError(f"{path}: no key {part!r}; expected one of {sorted(node)}")
        return part, node[part]
    if isinstance(node, list):
        ids = [item.get("id") if isinstance(item, dict) else None for item in node]
        if part in ids:
            index = ids.index(part)
        elif part.isdigit() and int(part) < len(node):
            index = int(part)
        else:
            named = [i for i in ids if i is not None]
            raise OverrideError(f"{path}: no item {part!r}; expected an index below "
                                f"{len(node)}" + (f" or one of {named}" if named else ""))
        return index, node[index]
    raise OverrideError(f"{path}: cannot go into a {type(node).__name__}")


def set_path(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``value`` at a dotted path inside plain dicts and lists (in place)."""
    parts = dotted.split(".")
    node: Any = data
    for depth, part in enumerate(parts[:-1]):
        _, node = _child(node, part, ".".join(parts[: depth + 1]))
    last = parts[-1]
    if isinstance(node, dict):
        # dumps of pydantic models hold every field, so the dict's keys are complete
        if last not in node:
            raise OverrideError(f"{dotted}: no key {last!r}; expected one of {sorted(node)}")
        node[last] = value
    else:
        key, _ = _child(node, last, dotted)
        node[key] = value



def apply_overrides(model: M, overrides: dict[str, Any]) -> M:
    """A re-validated copy of ``model`` with each dotted path set to its value."""
    if not overrides:
        return model
    data = model.model_dump(mode="json")
    for dotted, value in overrides.items():
        set_path(data, dotted, value)
    return type(model).model_validate(data)
