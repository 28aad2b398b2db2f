"""Schedules: any numeric parameter that the daily step reads can change over time.

A scenario's ``[[schedules]]`` entry names a parameter (a faction's, by its path inside the
faction such as ``barriers.hide`` or ``rewards.surrender``, or a mechanism's, such as
``mechanisms.decision.noise``), the faction it applies to (none: every faction), and its
values on dates, held until the next date (``interpolation = "step"``) or joined by straight
lines (``"linear"``: a ramp). The values may come from a CSV file of dated values
(``series``). Before its first date the parameter keeps its value from the rest of the
scenario; after its last date, the last value holds.

Compiled, a schedule becomes the writes of each day: (target, factions, value), applied at
the start of the day before the day's policy switches. A policy switch or an adaptive rule
that sets the same lever holds until the schedule's next change. Parameters the calendar
already carries day by day (``pay``, ``recruitment.foreign_volunteers_per_month``) are
written into the calendar's arrays instead.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
from pydantic import BaseModel, TypeAdapter, ValidationError

if TYPE_CHECKING:
    from desertion.manpower.scenario import Scenario, Schedule

DAYS_PER_MONTH = 365.25 / 12

FACTION_AT = "factions"      # FactionParams: read from the run's own copy
POLICY_AT = "policy"         # Policy: the policy in force
CALENDAR_AT = "calendar"     # Calendar arrays (factions, days)
MECHANISMS_AT = "mechanisms"  # MechanismParams: one frozen dataclass per mechanism


@dataclass(frozen=True)
class Target:
    """Where a schedulable parameter lives in the compiled scenario."""

    at: str            # FACTION_AT, POLICY_AT, CALENDAR_AT or MECHANISMS_AT
    name: str          # the field (for MECHANISMS_AT: "section.field")
    per: str | None    # "day" or "month": a count at full scale, scaled when written

    def scaled(self, value: float, scale: float) -> float:
        if self.per == "day":
            return scale * value
        if self.per == "month":
            return scale / DAYS_PER_MONTH * value
        return value


@dataclass(frozen=True)
class Write:
    """One day's change: ``value`` (scaled) into ``target`` for the factions ``rows``."""

    target: Target
    rows: tuple[int, ...]
    value: float


def schedulable() -> dict[str, Target]:
    """Every parameter a schedule may name, with where it lives once compiled."""
    from desertion.manpower import compile as c  # compile imports this module's users

    targets: dict[str, Target] = {}
    for cls, at in ((c.FactionParams, FACTION_AT), (c.Policy, POLICY_AT)):
        for f in dataclasses.fields(cls):
            if f.metadata.get("daily") and f.metadata["dtype"] is not np.bool_:
                targets[f.metadata["path"]] = Target(at, f.name, f.metadata["per"])
    targets["pay"] = Target(CALENDAR_AT, "pay", None)
    targets["recruitment.foreign_volunteers_per_month"] = Target(CALENDAR_AT, "foreign_inflow",
                                                                 "month")
    for section in dataclasses.fields(c.MechanismParams):
        for f in dataclasses.fields(section.type if isinstance(section.type, type)
                                    else getattr(c, section.type)):
            if f.type in ("float", float):
                targets[f"mechanisms.{section.name}.{f.name}"] = Target(
                    MECHANISMS_AT, f"{section.name}.{f.name}", None)
    return targets


def field_adapter(path: str) -> TypeAdapter[Any]:
    """A validator of one value of the parameter at ``path``, with its own constraints
    (the field's type and bounds in the scenario's schema)."""
    from desertion.manpower.scenario import Faction, Scenario

    model: type[BaseModel] = Scenario if path.startswith("mechanisms.") else Faction
    parts = path.split(".")
    for part in parts[:-1]:
        model = model.model_fields[part].annotation  # type: ignore[assignment]
    info = model.model_fields[parts[-1]]
    annotation = info.annotation
    if getattr(annotation, "__args__", None) and type(None) in annotation.__args__:
        annotation = next(a for a in annotation.__args__ if a is not type(None))
    if not info.metadata:  # no bounds of its own: Annotated needs at least one
        return TypeAdapter(annotation)
    return TypeAdapter(Annotated[annotation, *info.metadata])


def read_series(path: str | Path) -> list[tuple[str, float]]:
    """The (date, value) rows of a CSV with a header ``date,value``; ``ValueError`` saying
    which row is wrong."""
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows or not {"date", "value"} <= set(rows[0]):
        raise ValueError(f"{path}: expected a CSV with the columns date,value")
    out = []
    for i, row in enumerate(rows, start=2):
        try:
            out.append((dt.date.fromisoformat(row["date"].strip()).isoformat(),
                        float(row["value"])))
        except (TypeError, ValueError):
            raise ValueError(f"{path}: line {i}: expected an ISO date and a number (got "
                             f"{row['date']!r}, {row['value']!r})") from None
    return out


def schedule_problems(scenario: Scenario, key: str, schedule: Schedule,
                      known: set[str]) -> list[tuple[str, str]]:
    """A schedule's checks against its scenario: a parameter that can change, a known
    faction, dates within the calendar, values within the parameter's bounds."""
    targets = schedulable()
    problems: list[tuple[str, str]] = []
    if schedule.parameter not in targets:
        return [(f"{key}.parameter", f"{schedule.parameter!r} cannot be scheduled; expected "
                 f"one of {sorted(targets)}")]
    mechanism = targets[schedule.parameter].at == MECHANISMS_AT
    if mechanism and schedule.faction is not None:
        problems.append((f"{key}.faction", "a mechanism's parameter is global: leave out "
                         "faction"))
    if schedule.faction is not None and schedule.faction not in known:
        problems.append((f"{key}.faction", f"unknown faction {schedule.faction!r}; expected "
                         f"one of {sorted(known)}"))
    adapter = field_adapter(schedule.parameter)
    for i, (day, value) in enumerate(schedule.values):
        # a date after the calendar's end is allowed (a run extended by --until reaches
        # it; ``late_warnings`` says so); one before the start can never take effect
        if day < scenario.start:
            problems.append((f"{key}.values[{i}]", f"{day} is outside the calendar: "
                             f"before the run's start {scenario.start}"))
        try:
            adapter.validate_python(value)
        except ValidationError as exc:
            problems.append((f"{key}.values[{i}]", f"{value} for {schedule.parameter}: "
                             f"{exc.errors(include_url=False)[0]['msg'].lower()}"))
    return problems


def late_warnings(scenario: Scenario) -> list[str]:
    """Schedules with dates after the calendar's last day: they change nothing in a run
    of the calendar, only in one extended past it (``--until``)."""
    end = scenario.calendar_end
    return [f"schedules[{i}] ({s.parameter}): {len(late)} of its dates fall after the "
            f"calendar's last day {end} and take effect only in a run extended past it"
            for i, s in enumerate(scenario.schedules)
            if (late := [d for d, _ in s.values if d > end])]


def daily_values(points: list[tuple[dt.date, float]], interpolation: str, start: dt.date,
                 n_days: int) -> np.ndarray:
    """The schedule's value on each day of the run; NaN before its first date."""
    days = np.array([(d - start).days for d, _ in points], dtype=float)
    values = np.array([v for _, v in points], dtype=float)
    order = np.argsort(days, kind="stable")
    days, values = days[order], values[order]
    t = np.arange(n_days, dtype=float)
    if interpolation == "linear":
        out = np.interp(t, days, values)
    else:
        out = values[np.clip(np.searchsorted(days, t, side="right") - 1, 0, None)]
    out[t < days[0]] = np.nan
    return out


def changes(daily: np.ndarray) -> np.ndarray:
    """The days on which a schedule writes: its first day, and each day its value moves."""
    defined = ~np.isnan(daily)
    moved = np.ones(len(daily), dtype=bool)
    moved[1:] = daily[1:] != daily[:-1]
    return np.flatnonzero(defined & moved)


def compile_schedules(scenario: Scenario, n_days: int, calendar: dict[str, np.ndarray]
                      ) -> tuple[tuple[Write, ...], ...]:
    """The writes of every day (in file order within a day); writes the schedules of
    calendar parameters straight into ``calendar`` (arrays of shape (factions, days))."""
    targets, ids = schedulable(), [f.id for f in scenario.factions]
    writes: list[list[Write]] = [[] for _ in range(n_days)]
    for schedule in scenario.schedules:
        if not schedule.values:
            continue
        target = targets[schedule.parameter]
        rows = (ids.index(schedule.faction),) if schedule.faction else tuple(range(len(ids)))
        daily = daily_values(schedule.values, schedule.interpolation, scenario.start, n_days)
        if target.at == CALENDAR_AT:
            on = ~np.isnan(daily)
            for row in rows:
                calendar[target.name][row, on] = target.scaled(1.0, scenario.scale) * daily[on]
            continue
        for day in changes(daily):
            writes[day].append(Write(target, rows, target.scaled(float(daily[day]),
                                                                 scenario.scale)))
    return tuple(tuple(day) for day in writes)
