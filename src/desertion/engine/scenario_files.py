"""Scenario files for every model: one loader, one set of messages.

A model describes its files with a ``ScenarioFiles``: the value of their ``model`` key, the
package folder its shipped scenarios lie in, and the function that validates the parsed
data. The loader finds a scenario by path or shipped name, reads its TOML, merges the
scenarios it ``include``s, applies keyword overrides of top-level values, tells a file of
another model, and validates; every problem is a ``ScenarioError`` (or the model's subclass
of it) saying ``source: key: what was expected``, worded the same for every model.

Includes: ``include = ["other.toml", "isis-2014"]`` names scenarios a file builds on: a path
relative to the including file (then to the working folder), or a shipped name (a shipped
file includes shipped names only). Their tables are merged under the file's own
(``merge``): tables merge key by key, lists of tables with an ``id`` merge by id, other
lists concatenate, and the including file's scalars win.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from desertion.engine.errors import ScenarioError, validation_problems
from desertion.engine.inputs import UnreadableFile, model_mismatch, read_toml

S = TypeVar("S", bound=BaseModel)

MAX_INCLUDE_DEPTH = 8
"""Includes nested deeper than this are refused (a cycle, most likely)."""


def merge(base: Any, top: Any) -> Any:
    """Deep-merge ``top`` over ``base``: tables merge, lists of tables with ids merge by id,
    other lists concatenate, and scalars from ``top`` win."""
    if isinstance(base, dict) and isinstance(top, dict):
        return {**base, **{k: merge(base[k], v) if k in base else v for k, v in top.items()}}
    if isinstance(base, list) and isinstance(top, list):
        merged = list(base)
        ids = [item.get("id") if isinstance(item, dict) else None for item in merged]
        for item in top:
            ident = item.get("id") if isinstance(item, dict) else None
            if ident is not None and ident in ids:
                merged[ids.index(ident)] = merge(merged[ids.index(ident)], item)
            else:
                merged.append(item)
        return merged
    return top


@dataclass(frozen=True)
class _Found:
    """A located scenario file: its display name, the file, and whether it is shipped."""

    name: str
    file: Path | Traversable
    shipped: bool


@dataclass(frozen=True)
class ScenarioFiles(Generic[S]):
    """How one model's scenario files are found, checked and validated.

    ``schema`` (pydantic) turns the merged plain data into the model's scenario;
    ``validated`` raises a ``ScenarioError`` naming ``source``. ``keys_by_model()`` gives
    every model's top-level keys, to tell a file meant for another model. ``default_model``
    is the model a file without a ``model`` key is read as (None: such a file is refused at
    ``model``).
    """

    model: str
    label: str
    """The model as messages name it: ``no such civil-violence scenario``."""
    package: str
    folder: str
    schema: type[S]
    keys_by_model: Callable[[], Mapping[str, Set[str]]]
    error: type[ScenarioError] = ScenarioError
    default_model: str | None = None
    relative_paths: tuple[tuple[str, str], ...] = ()
    """(list of tables, key) pairs whose values are file paths, relative to the file that
    holds them: made absolute when the file is read, so an including file's tables keep
    pointing next to the file they came from."""

    @property
    def shipped_folder(self) -> Traversable:
        return resources.files(self.package) / self.folder

    def shipped(self) -> dict[str, str]:
        """Shipped scenario names with their one-line descriptions (includes merged)."""
        entries = sorted(self.shipped_folder.iterdir(), key=lambda e: e.name)
        found = {}
        for entry in entries:
            if entry.name.endswith(".toml") and entry.is_file():
                name = entry.name.removesuffix(".toml")
                found[name] = str(self.read(name)[1].get("description", "")).strip()
        return found

    def load(self, source: str | Path, **overrides: Any) -> S:
        """The validated scenario of a shipped name or a path, includes merged.

        Keyword overrides replace top-level values (``seed``, ``scale``, ``steps``, ...); a
        None leaves the file's value.
        """
        name, data = self.read(source)
        data.update({k: v for k, v in overrides.items() if v is not None})
        self._check_model(name, data)
        return self.validated(data, name)

    def read(self, source: str | Path) -> tuple[str, dict[str, Any]]:
        """The display name and merged plain data of a scenario, not validated."""
        try:
            return self._read(source, None, False, 0)
        except UnreadableFile as exc:
            raise self.error(str(source), [("", str(exc))]) from None

    def _check_model(self, name: str, data: dict[str, Any]) -> None:
        """Refuse, at ``model``, a file that names another model or is plainly another's."""
        if data.get("model", self.default_model) == self.model:
            return
        mismatch = model_mismatch(data, self.model, self.default_model, self.keys_by_model())
        declared = repr(data["model"]) if "model" in data else "nothing"
        raise self.error(name, [("model", mismatch or
                                 f"expected {self.model!r} (got {declared})")])

    def _read(self, source: str | Path, relative_to: Path | None, shipped_only: bool,
              depth: int) -> tuple[str, dict[str, Any]]:
        """The display name and parsed TOML of a scenario, includes merged.

        Raises ``UnreadableFile`` for a ``source`` that names no file (the caller knows
        whether it came from the caller or an ``include``), the model's error for a bad file.
        """
        if depth > MAX_INCLUDE_DEPTH:
            raise self.error(str(source), [("include", "includes nest too deep (a cycle?)")])
        found = self._locate(source, relative_to, shipped_only)
        try:
            data = read_toml(found.file)
        except UnreadableFile as exc:
            raise self.error(found.name, [("", str(exc))]) from None
        self._anchor_paths(data, found)
        includes = data.pop("include", [])
        if not isinstance(includes, list) or not all(isinstance(i, str) for i in includes):
            raise self.error(found.name, [("include", "expected a list of scenario names or "
                                           "paths")])
        parent = None if found.shipped or not isinstance(found.file, Path) else \
            found.file.parent
        merged: dict[str, Any] = {}
        for i, included in enumerate(includes):
            try:
                _, part = self._read(included, parent, found.shipped, depth + 1)
            except UnreadableFile as exc:
                raise self.error(found.name, [(f"include[{i}]", f"{included}: {exc}")]
                                 ) from None
            merged = merge(merged, part)
        return found.name, merge(merged, data)

    def _anchor_paths(self, data: dict[str, Any], found: _Found) -> None:
        """Make the file's relative paths (``relative_paths``) absolute, from its folder."""
        folder = Path(str(found.file)).parent
        for table, key in self.relative_paths:
            items = data.get(table)
            for item in items if isinstance(items, list) else []:
                value = item.get(key) if isinstance(item, dict) else None
                if isinstance(value, str) and not Path(value).is_absolute():
                    item[key] = str(folder / value)

    def _locate(self, source: str | Path, relative_to: Path | None, shipped_only: bool
                ) -> _Found:
        """The scenario file a path or shipped name names; ``UnreadableFile`` if none.

        A relative path is looked for next to the including file first (``relative_to``),
        then from the working folder; a shipped name comes after both (and alone, for an
        include of a shipped file).
        """
        path = Path(source)
        places: list[Path]
        if shipped_only:
            places = []
        elif relative_to is None or path.is_absolute():
            places = [path]
        else:
            places = [relative_to / path, path]
        for place in places:
            if place.is_file():
                return _Found(str(place), place, False)
        stem = str(source).removesuffix(".toml")
        shipped = self.shipped_folder / f"{stem}.toml"
        if "/" not in stem and "\\" not in stem and shipped.is_file():
            return _Found(f"{stem}.toml", shipped, True)
        raise UnreadableFile(self._not_found(str(source), places))

    def _not_found(self, source: str, places: list[Path]) -> str:
        """Why ``source`` names no scenario: a folder, a missing path, an unknown name."""
        expected = f"expected a TOML file or one of {sorted(self.shipped())}"
        if any(place.is_dir() for place in places):
            return f"a folder, not a scenario file; {expected}"
        if "/" in source or "\\" in source or source.endswith(".toml"):
            return f"no such file, and not a shipped scenario; {expected}"
        return (f"no such {self.label} scenario (not a shipped scenario, and no such file); "
                f"{expected}")

    def validated(self, data: dict[str, Any], source: str = "<scenario>") -> S:
        """The scenario of plain ``data`` (as parsed from TOML), or the model's
        ``ScenarioError`` naming ``source``, each key and what was expected; a file that is
        plainly another model's (unknown top-level keys that are that model's) is said so at
        ``model``."""
        try:
            return self.schema.model_validate(data)
        except ValidationError as exc:
            mismatch = None
            if any(e["type"] == "extra_forbidden" and len(e["loc"]) == 1 for e in exc.errors()):
                mismatch = model_mismatch(data, self.model, self.default_model,
                                          self.keys_by_model())
            problems = [("model", mismatch)] if mismatch else \
                validation_problems(exc, data, self.schema)
            raise self.error(source, problems) from None
