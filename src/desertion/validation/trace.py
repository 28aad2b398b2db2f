"""Runs of the validation experiments, and what they keep beyond the recorder's tables.

An :class:`Arm` is one treatment of an experiment: a shipped scenario at a scale, with dotted
overrides, extra calendar events and an optional last day. :func:`run_arm` runs it for one
seed: plain ``simulate``, or, to keep what the recorder's tables cannot show (attempts to
leave by unit and day, and by way of entry), ``build`` and the engine's run loop
(``run_to_end``, which ``simulate`` uses) with a :class:`Tracer` observing each day.
Observers read the run and never change it, so a traced run has the same results as a plain
one.

The readers at the bottom (:func:`total`, :func:`man_days`, :func:`stock`) sum the event and
census tables; counts are scaled back to full size, as the model reports them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from desertion import load_scenario
from desertion.engine.model import run_to_end
from desertion.manpower.codes import Entry, Status
from desertion.manpower.model import build, simulate
from desertion.manpower.scenario import Scenario
from desertion.manpower.step import Manpower

ON_DUTY = ("serving", "shirking")
START = dt.date(2014, 6, 1)
"""Day 0 of the shipped 2014 scenarios."""


def day(date: str) -> int:
    """The model's day index of an ISO date (day 0 is 2014-06-01)."""
    return (dt.date.fromisoformat(date) - START).days


# --- arms -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class TracedRun:
    """What an experiment reads of one finished run."""

    events: pd.DataFrame
    timeseries: pd.DataFrame
    scale: float
    factions: list[str]
    # attempts to leave by (day, unit): parallel arrays, and the unit's men that morning
    unit_day: np.ndarray = field(repr=False)    # (k, 2) day, unit
    unit_exits: np.ndarray = field(repr=False)  # (k,) attempts
    unit_men: np.ndarray = field(repr=False)    # (k,) men on its books that morning
    # per unit, over the run: attempts, and man-days on duty (both in agents, not scaled)
    exits_per_unit: np.ndarray = field(repr=False)
    duty_days_per_unit: np.ndarray = field(repr=False)
    unit_faction: np.ndarray = field(repr=False)
    # attempts and man-days on duty by way of entry, from ``entry_from`` on (agents)
    entry_exits: np.ndarray = field(repr=False)
    entry_duty_days: np.ndarray = field(repr=False)


Measure = Callable[[TracedRun], dict[str, float]]
"""What an arm keeps of a run: named numbers (the runs themselves are not kept)."""


@dataclass(frozen=True)
class Arm:
    """One treatment: a shipped scenario, its changes, and what is measured of its runs.

    ``scale`` is the arm's scale at the validation's scale multiplier 1. ``trace`` keeps
    attempts by unit and day; ``entry_from`` (a date) and ``entry_faction`` also count
    attempts and man-days on duty by way of entry from that day on, for that faction.
    ``measure`` must be a module-level function (it travels to worker processes).
    """

    scenario: str
    scale: float
    measure: Measure
    overrides: Mapping[str, Any] = field(default_factory=dict)
    events: tuple[Mapping[str, Any], ...] = ()
    until: str | None = None
    trace: bool = False
    entry_from: str | None = None
    entry_faction: str | None = None

    def scaled(self, factor: float) -> Arm:
        """The same arm at ``factor`` times its scale."""
        return replace(self, scale=round(self.scale * factor, 12))

    def run_key(self) -> str:
        """What determines the arm's runs (the seed aside): arms with one key share runs."""
        return json.dumps([self.scenario, self.scale, dict(self.overrides),
                           [dict(e) for e in self.events], self.until, self.trace,
                           self.entry_from, self.entry_faction], sort_keys=True, default=str)

    def build_scenario(self) -> Scenario:
        """The validated scenario (raises ``InputError``/``ValueError`` on bad values)."""
        return scenario(self.scenario, self.scale, dict(self.overrides),
                        [_dated(e) for e in self.events], self.until)


def _dated(event: Mapping[str, Any]) -> dict[str, Any]:
    return {**event, **{k: dt.date.fromisoformat(event[k]) for k in ("start", "end")
                        if isinstance(event.get(k), str)}}


def scenario(name: str, scale: float, overrides: dict[str, Any] | None = None,
             events: list[dict[str, Any]] | None = None, until: str | None = None) -> Scenario:
    """A shipped scenario at ``scale`` with dotted overrides and extra calendar events."""
    s = load_scenario(name, scale=scale)
    if overrides:
        s = s.with_overrides(overrides)
    if events:
        data = s.model_dump(mode="python")
        data["events"] = data["events"] + events
        s = Scenario.model_validate(data)
    if until:
        s = s.until(dt.date.fromisoformat(until))
    return s


def event_index(s: Scenario, kind: str, faction: str | None = None) -> int:
    """Index of the first calendar event of ``kind`` (for ``events.N...`` overrides)."""
    for i, e in enumerate(s.events):
        if e.kind == kind and (faction is None or e.faction == faction):
            return i
    raise LookupError(f"no {kind} event for {faction} in {s.name}")


def run_arm(arm: Arm, seed: int) -> TracedRun:
    """One run of an arm: traced if the arm asks for it, else plain ``simulate``."""
    s = arm.build_scenario()
    ids = [f.id for f in s.factions]
    if not arm.trace:
        result = simulate(s, seed)
        empty = np.zeros(0)
        return TracedRun(events=result.events, timeseries=result.timeseries, scale=arm.scale,
                         factions=ids, unit_day=np.zeros((0, 2), int), unit_exits=empty,
                         unit_men=empty, exits_per_unit=empty, duty_days_per_unit=empty,
                         unit_faction=empty, entry_exits=empty, entry_duty_days=empty)
    model = build(s, seed)
    first = (dt.date.fromisoformat(arm.entry_from) - s.start).days if arm.entry_from else 0
    tracer = Tracer(model, first, ids.index(arm.entry_faction) if arm.entry_faction else -1)
    run_to_end(model, observers=[tracer])  # the engine's run loop, as simulate runs it
    return tracer.result(model, arm.scale, ids)


# --- the tracer -----------------------------------------------------------------------------

class Tracer:
    """An observer of the run loop that keeps, day by day, attempts to leave by unit and
    by way of entry, and the men on duty they are measured against.

    It looks at the model each morning (before the first day, then after each day) and,
    after the day, at who tried to leave that day (``exit_day``).
    """

    def __init__(self, model: Manpower, first_entry_day: int, entry_faction: int) -> None:
        self.first_entry_day, self.entry_faction = first_entry_day, entry_faction
        self.n_entries = len(Entry)
        self.entry_exits = np.zeros(self.n_entries)
        self.entry_duty = np.zeros(self.n_entries)
        self.days: list[np.ndarray] = []
        self.units: list[np.ndarray] = []
        self.exits: list[np.ndarray] = []
        self.duty: list[np.ndarray] = []
        self.exits_per_unit = np.zeros(0)
        self.duty_days = np.zeros(0)
        self.morning(model)

    def morning(self, model: Manpower) -> None:
        """What the day's measures compare against, taken before the day runs."""
        p = model.people
        status = p.status
        on_duty = np.flatnonzero((status == Status.SERVING) | (status == Status.SHIRKING))
        self.n_units = n_units = len(model.units.faction)
        self.members = np.bincount(p.unit[on_duty], minlength=n_units)
        # on the books: also the jailed, since men released today may leave today
        self.books = np.bincount(p.unit[status == Status.JAILED], minlength=n_units) \
            + self.members
        mine = on_duty if self.entry_faction < 0 else \
            on_duty[p.faction[on_duty] == self.entry_faction]
        self.duty_entry = np.bincount(p.entry[mine], minlength=self.n_entries)
        self.unit_before, self.faction_before = p.unit.copy(), p.faction.copy()

    def __call__(self, model: Manpower) -> None:
        """After a day: its attempts to leave, then the next morning."""
        d, p, n_units = model.steps_done - 1, model.people, self.n_units
        # where each leaver served this morning (a defector is on his new side's books now)
        leavers = np.flatnonzero(p.exit_day == d)
        per_unit = np.bincount(self.unit_before[leavers], minlength=n_units)[:n_units]
        hit = np.flatnonzero(per_unit)
        self.days.append(np.full(len(hit), d))
        self.units.append(hit)
        self.exits.append(per_unit[hit])
        self.duty.append(self.books[hit])
        grow = n_units - len(self.exits_per_unit)
        self.exits_per_unit = np.concatenate([self.exits_per_unit, np.zeros(grow)]) + per_unit
        self.duty_days = np.concatenate([self.duty_days, np.zeros(grow)]) + self.members
        if d >= self.first_entry_day:
            mine = leavers if self.entry_faction < 0 else \
                leavers[self.faction_before[leavers] == self.entry_faction]
            self.entry_exits += np.bincount(p.entry[mine], minlength=self.n_entries)
            self.entry_duty += self.duty_entry
        self.morning(model)

    def result(self, model: Manpower, scale: float, factions: list[str]) -> TracedRun:
        """The finished run's tables with what was traced."""
        return TracedRun(
            events=model.recorder.events(), timeseries=model.recorder.timeseries(),
            scale=scale, factions=factions,
            unit_day=np.column_stack([np.concatenate(self.days), np.concatenate(self.units)]),
            unit_exits=np.concatenate(self.exits), unit_men=np.concatenate(self.duty),
            exits_per_unit=self.exits_per_unit, duty_days_per_unit=self.duty_days,
            unit_faction=np.asarray(model.units.faction),
            entry_exits=self.entry_exits, entry_duty_days=self.entry_duty)


# --- reading the tables ---------------------------------------------------------------------

def total(r: TracedRun, event: str, faction: str, detail: str | tuple[str, ...] | None = None,
          origin: str | None = None, first: str | None = None, last: str | None = None
          ) -> float:
    """Events of one kind (counts scaled back to full size), optionally in [first, last]."""
    ev = r.events
    sel = (ev["event"] == event) & (ev["faction"] == faction)
    if detail is not None:
        sel &= ev["detail"].isin([detail] if isinstance(detail, str) else list(detail))
    return _count_within(ev, sel, origin, first, last)


def man_days(r: TracedRun, faction: str, statuses: tuple[str, ...] = ON_DUTY,
             origin: str | None = None, first: str | None = None, last: str | None = None
             ) -> float:
    """Man-days spent in ``statuses`` (scaled back), from the daily census."""
    ts = r.timeseries
    sel = (ts["faction"] == faction) & ts["status"].isin(statuses)
    return _count_within(ts, sel, origin, first, last)


def _count_within(table: pd.DataFrame, sel: pd.Series, origin: str | None,
                  first: str | None, last: str | None) -> float:
    """The sum of ``count`` over the rows in ``sel``, of ``origin`` and in [first, last]."""
    if origin is not None:
        sel &= table["origin"] == origin
    if first is not None:
        sel &= table["date"] >= pd.Timestamp(first)
    if last is not None:
        sel &= table["date"] <= pd.Timestamp(last)
    return float(table.loc[sel, "count"].sum())


def stock(r: TracedRun, faction: str, statuses: tuple[str, ...], date: str | None = None
          ) -> float:
    """Men in ``statuses`` on ``date`` (default: the last day), scaled back."""
    ts = r.timeseries
    when = ts["date"].max() if date is None else pd.Timestamp(date)
    sel = (ts["date"] == when) & (ts["faction"] == faction) & ts["status"].isin(statuses)
    return float(ts.loc[sel, "count"].sum())


def unit_losses(r: TracedRun, faction: str) -> tuple[float, float]:
    """Share of attempts made in unit-days where over a fifth of the unit left together,
    and the largest share of a unit's men (serving, shirking or jailed) that left in a day."""
    f = r.factions.index(faction)
    sel = r.unit_faction[r.unit_day[:, 1]] == f
    exits, men = r.unit_exits[sel], np.maximum(r.unit_men[sel], 1)
    if exits.sum() == 0:
        return 0.0, 0.0
    share = exits / men
    return float(exits[share > 0.2].sum() / exits.sum()), float(share.max())


def dispersion(r: TracedRun, faction: str) -> tuple[float, int]:
    """Pearson dispersion index of attempts per unit against independent exits.

    Under independence each unit's attempts are Poisson with mean proportional to its
    man-days on duty, and the index (chi-square over its degrees of freedom) is about 1.
    """
    f = r.factions.index(faction)
    mine = (r.unit_faction == f) & (r.duty_days_per_unit > 0)
    x, exposure = r.exits_per_unit[mine], r.duty_days_per_unit[mine]
    dof = len(x) - 1
    if dof < 1 or x.sum() == 0:
        return float("nan"), max(dof, 0)
    expected = x.sum() / exposure.sum() * exposure
    return float(((x - expected) ** 2 / expected).sum() / dof), dof
