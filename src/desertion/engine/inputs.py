"""Reading scenario files, and telling a file meant for another model, for every model's loader.

The messages here are reasons, without the file's name: each loader raises its own
``InputError`` naming the file (and, for an included file, the key that includes it).
"""

from __future__ import annotations

import codecs
import tomllib
from collections.abc import Mapping, Set
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class UnreadableFile(ValueError):
    """A file that is not there, not a file, or not UTF-8 text; the message says which."""


def decode(raw: bytes) -> str:
    """The text of a TOML file's bytes (UTF-8, a BOM allowed); else ``UnreadableFile``."""
    if raw.startswith(_UTF16_BOMS):
        raise UnreadableFile("UTF-16 text; a scenario file is TOML, in UTF-8 (save it as "
                             "UTF-8)")
    if b"\x00" in raw:  # UTF-8 text never holds a NUL byte; binaries and UTF-16 do
        raise UnreadableFile("a binary file (it holds NUL bytes), not TOML text in UTF-8")
    try:
        return raw.decode("utf-8-sig")  # editors on Windows may start UTF-8 with a BOM
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - raw.rfind(b"\n", 0, exc.start)
        raise UnreadableFile(f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at line {line}, "
                             f"column {column}); a scenario file is TOML, in UTF-8") from None


def read_text(path: Path | Traversable) -> str:
    """The UTF-8 text of a file; ``UnreadableFile`` says why not (missing, a folder, binary)."""
    if isinstance(path, Path) and path.is_dir():
        raise UnreadableFile("a folder, not a scenario file")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UnreadableFile("no such file") from None
    except OSError as exc:
        raise UnreadableFile(f"cannot read: {exc.strerror or exc}") from None
    return decode(raw)


def read_toml(path: Path | Traversable) -> dict[str, Any]:
    """A file's TOML table; ``UnreadableFile`` for a file that is not UTF-8 TOML."""
    try:
        return tomllib.loads(read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise UnreadableFile(f"not valid TOML: {exc}") from None


def model_mismatch(data: Mapping[str, Any], model: str, default: str | None,
                   keys_by_model: Mapping[str, Set[str]]) -> str | None:
    """What to say at ``model`` when ``data`` is plainly a scenario of another model.

    ``model`` is the model whose loader read ``data`` (``default``: the model a file without
    a ``model`` key belongs to). A file is another model's when more of its top-level keys
    belong to that model alone than to this one alone; None when it is not.
    """
    own = keys_by_model[model]
    given = set(data)
    for other, theirs in keys_by_model.items():
        if other == model:
            continue
        foreign = sorted(given & (theirs - own))
        if len(foreign) <= len(given & (own - theirs)):
            continue
        declared = data.get("model", default)
        if declared == other:
            return (f"this is a {other} scenario (model = {other!r}), not a {model} one; load "
                    f"it as a {other} scenario (the command line picks the model by this key)")
        said = f"model = {declared!r}" if "model" in data else \
            f"model is not given, so the file is read as a {model} scenario"
        return (f"{said}, but its keys {foreign} belong to the {other} model: set "
                f"model = \"{other}\"")
    return None
