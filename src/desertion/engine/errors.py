"""The error every input file raises: it names the file, the key and what was expected.

Every model's loader reports its problems the same way, one line each,
``source: key: what was expected (got ...)``. This module holds the error classes and the
translation of pydantic's validation errors into that form (``validation_problems``), so
that each model reuses it rather than formatting pydantic's dumps itself.
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

Problem = tuple[str, str]
"""A problem: the key path (``""`` for the file as a whole) and what was expected."""

IDENTIFIER_PATTERN = r"^[a-z][a-z0-9_]*$"
IDENTIFIER_MEANING = "an identifier: a lower-case letter, then lower-case letters, digits or _"

_SHOWN_CHARS = 60  # of a rejected value, in "(got ...)"


class InputError(ValueError):
    """Bad input, found before anything runs: one ``(key, message)`` per problem."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        lines = [f"{source}: {key}: {message}" if key else f"{source}: {message}"
                 for key, message in problems]
        super().__init__("\n".join(lines))


class ScenarioError(InputError):
    """A scenario that cannot be run, of any model: names the file, the key and what was
    expected. Each model's loader raises it (or its own subclass of it)."""


class FieldProblems(ValueError):
    """Raised by a model validator that checks several fields together, one problem per key.

    Pydantic reports a model validator's error at the model's own place, without a key; it
    keeps the exception in the error's context, where ``validation_problems`` finds these
    keys again (relative to the model that raised it).
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{key}: {message}" if key else message
                                   for key, message in problems))


def join_key(prefix: str, key: str) -> str:
    """A key below ``prefix``: ``a[0]`` and ``b`` give ``a[0].b``; ``a`` and ``[1]``, ``a[1]``."""
    if not prefix or not key:
        return prefix or key
    return prefix + key if key.startswith("[") else f"{prefix}.{key}"


def key_path(loc: tuple[Any, ...], data: Any) -> str:
    """A readable key path for a pydantic location inside ``data``.

    List items show their position and, where they have one, their ``id`` or ``kind``:
    ``factions[0](isis).cohorts[1].count``.
    """
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            entry = node[item] if isinstance(node, list | tuple) and item < len(node) else None
            label = entry.get("id") or entry.get("kind") if isinstance(entry, dict) else None
            parts.append(f"[{item}]" + (f"({label})" if label else ""))
            node = entry
        elif isinstance(node, dict) and node.get("kind") == item and item not in node:
            continue  # pydantic's tag of a union member, already shown as (kind)
        else:
            parts.append(("." if parts else "") + str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts)


def _model_classes(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [cls for arg in get_args(annotation) for cls in _model_classes(arg)]


def expected_keys(schema: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys ``schema`` allows at the place of ``loc``'s last item."""
    candidates: list[type[BaseModel]] = [schema]
    for item in loc[:-1]:
        if isinstance(item, int):
            continue
        found: list[type[BaseModel]] = []
        for cls in candidates:
            if item in cls.model_fields:
                found += _model_classes(cls.model_fields[item].annotation)
            elif "kind" in cls.model_fields and item in get_args(
                    cls.model_fields["kind"].annotation):
                found.append(cls)  # the member of a union named by its tag
        candidates = found
    return sorted({name for cls in candidates for name in cls.model_fields})


def unknown_key_message(key: str, expected: list[str]) -> str:
    """What to say about an unknown key: the closest known one, and all of them."""
    close = difflib.get_close_matches(key, expected, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown key; {hint}expected one of {expected}"


def shown(value: Any) -> str:
    """A rejected value as the user wrote it: dates in ISO form, text quoted, cut short."""
    text = value.isoformat() if isinstance(value, dt.date) else repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "..."


def _describe(error: dict[str, Any], schema: type[BaseModel]) -> str:
    message = error["msg"]
    kind = error["type"]
    if kind == "extra_forbidden":
        return unknown_key_message(str(error["loc"][-1]), expected_keys(schema, error["loc"]))
    if kind == "string_pattern_mismatch" and \
            (error.get("ctx") or {}).get("pattern") == IDENTIFIER_PATTERN:
        message = f"expected {IDENTIFIER_MEANING} (pattern {IDENTIFIER_PATTERN})"
    if kind.startswith("value_error"):
        message = message.removeprefix("Value error, ")
    if "input" in error and kind not in ("missing", "union_tag_invalid", "value_error"):
        message += f" (got {shown(error['input'])})"
    return message


def validation_problems(exc: ValidationError, data: Any, schema: type[BaseModel]
                        ) -> list[Problem]:
    """One ``(key, message)`` per error of ``schema.model_validate(data)``."""
    problems: list[Problem] = []
    for error in exc.errors(include_url=False):
        key = key_path(error["loc"], data)
        raised = (error.get("ctx") or {}).get("error")
        if isinstance(raised, FieldProblems):
            problems += [(join_key(key, k), m) for k, m in raised.problems]
            continue
        if error["type"] == "union_tag_invalid":
            key = join_key(key, "kind")
        problems.append((key, _describe(error, schema)))
    return problems
