"""The dashboard's levers, and what a run from it is: plain functions over the scenario's
data (no Streamlit here), so that they are tested without a browser.

A lever reads its default from the scenario and writes its value back into a copy of the
scenario's data; the result is validated like a file, and saved as a TOML file beside the
runs, so a run started from the page is reproduced from the command line.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Data = dict[str, Any]

SANCTIONS = ("execution", "prison", "fine", "dismissal", "none")


@dataclass(frozen=True)
class Lever:
    """One control: its label, widget kind, choices or range, and how it reads and writes
    the scenario's data."""

    key: str
    label: str
    kind: str                      # "choice", "share", "number", "factor", "switch", "date"
    read: Callable[[Data], Any]
    write: Callable[[Data, Any], None]
    options: tuple[Any, ...] = ()
    high: float = 1.0


def _faction(data: Data, faction: str) -> Data:
    return next(f for f in data["factions"] if f["id"] == faction)


def _events(data: Data, kind: str, faction: str | None = None) -> list[Data]:
    return [e for e in data.get("events", [])
            if e["kind"] == kind and (faction is None or e.get("faction") == faction)]


def _scale_events(kind: str, field: str) -> Callable[[Data, Any], None]:
    def write(data: Data, factor: float) -> None:
        for e in _events(data, kind):
            e[field] = e[field] * factor
    return write


def _switch_event(kind: str, faction: str) -> Callable[[Data, Any], None]:
    def write(data: Data, on: bool) -> None:
        if not on:
            data["events"] = [e for e in data["events"]
                              if not (e["kind"] == kind and e.get("faction") == faction)]
    return write


def _set(path: tuple[str, ...], faction: str) -> tuple[Callable[[Data], Any],
                                                         Callable[[Data, Any], None]]:
    def read(data: Data) -> Any:
        node = _faction(data, faction)
        for part in path:
            node = node[part]
        return node

    def write(data: Data, value: Any) -> None:
        node = _faction(data, faction)
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
    return read, write


def levers(data: Data) -> list[Lever]:
    """The levers the seed talks about that this scenario has (by its factions and events)."""
    ids = {f["id"] for f in data["factions"]}
    found: list[Lever] = []
    for faction in sorted(ids & {"isis", "saa"}):
        name = "ISIS" if faction == "isis" else "SAA"
        found.append(Lever(f"{faction}.desertion", f"{name}: punishment for desertion",
                           "choice", *_set(("sanctions", "desertion"), faction), SANCTIONS))
        found.append(Lever(f"{faction}.publicity", f"{name}: share of punishments made public",
                           "share", *_set(("sanctions", "publicity"), faction)))
    for policy in _events(data, "policy", "isis"):
        if "military_police_share" in policy.get("set", {}):
            start = policy["start"]
            found.append(Lever(
                "isis.military_police", f"ISIS: military police share of the men (from "
                f"{start})", "share",
                lambda d, t=start: _police_policy(d, t)["military_police_share"],
                lambda d, v, t=start: _police_policy(d, t).update(military_police_share=v),
                high=0.2))
    if "saa" in ids:
        found.append(Lever("saa.smuggling", "SAA areas: price of a smuggler's way out under "
                           "a travel ban", "number", *_set(("barriers", "smuggling"), "saa"),
                           high=1.0))
    for kind, faction, label in (("travel_ban", "saa", "travel ban on draft-age men"),
                                 ("employee_sanctions", "saa", "sanctions on state employees")):
        if _events(data, kind, faction):
            found.append(Lever(f"{faction}.{kind}", f"SAA: {label}", "switch",
                               lambda d, k=kind, f=faction: bool(_events(d, k, f)),
                               _switch_event(kind, faction)))
    if _events(data, "travel_ban", "saa"):
        found.append(Lever("saa.travel_ban_date", "SAA: travel ban from", "date",
                           lambda d: _events(d, "travel_ban", "saa")[0]["start"],
                           lambda d, v: _events(d, "travel_ban", "saa")[0].update(start=v)))
    for kind, field, label in (("conscription_sweep", "men", "conscription sweeps (x)"),
                               ("airstrikes", "intensity", "airstrike intensity (x)")):
        if _events(data, kind):
            found.append(Lever(kind, label, "factor", lambda d: 1.0,
                               _scale_events(kind, field), high=5.0))
    for e in _events(data, "militia_withdrawal"):
        faction = e["faction"]
        found.append(Lever("withdrawal.share", "allied militias: share that withdraws",
                           "share", lambda d, f=faction: _events(d, "militia_withdrawal", f)[
                               0]["share"],
                           lambda d, v, f=faction: _events(d, "militia_withdrawal", f)[
                               0].update(share=v)))
        found.append(Lever("withdrawal.start", "allied militias: withdrawal starts", "date",
                           lambda d, f=faction: _events(d, "militia_withdrawal", f)[0][
                               "start"],
                           lambda d, v, f=faction: _withdraw_from(d, f, v)))
    return found


def _police_policy(data: Data, start: str) -> Data:
    """What ISIS's policy event starting on ``start`` sets (the military police unit)."""
    return next(e for e in _events(data, "policy", "isis") if e["start"] == start)["set"]


def _withdraw_from(data: Data, faction: str, start: str) -> None:
    """Move the withdrawal, keeping its length."""
    e = _events(data, "militia_withdrawal", faction)[0]
    length = dt.date.fromisoformat(e["end"]) - dt.date.fromisoformat(e["start"])
    e["start"], e["end"] = start, (dt.date.fromisoformat(start) + length).isoformat()


def apply(data: Data, values: dict[str, Any]) -> Data:
    """A copy of ``data`` with the levers' ``values`` written in (unknown keys refused)."""
    by_key = {lever.key: lever for lever in levers(data)}
    unknown = set(values) - set(by_key)
    if unknown:
        raise KeyError(f"no such lever in this scenario: {sorted(unknown)}")
    out = copy.deepcopy(data)
    for key, value in values.items():
        by_key[key].write(out, value)
    return out


def scenario_file(data: Data, folder: Path) -> Path:
    """The scenario written as TOML under ``folder``, named by its content: the file the
    page's command line runs."""
    import tomli_w

    text = tomli_w.dumps(_no_none(data))
    digest = hashlib.sha256(text.encode()).hexdigest()[:10]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{data['name']}-{digest}.toml"
    if not path.exists():
        path.write_text(text, encoding="utf-8")
    return path


def command_line(path: Path, seed: int, scale: float, replications: int) -> str:
    """What reproduces the page's first replication from the command line."""
    line = f"desertion run {path} --seed {seed} --scale {scale:g}"
    if replications > 1:
        line += f"   # replication 1 of {replications}; seeds: desertion.engine.streams.spawn_seeds"
    return line


def _no_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _no_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_no_none(v) for v in value]
    return value


def fingerprint(values: dict[str, Any]) -> str:
    return json.dumps(values, sort_keys=True, default=str)
