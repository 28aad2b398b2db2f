"""What a manpower scenario may ask for, and warnings about runs that would do little or last.

Limits are checked with the rest of the scenario, before anything runs; each is one named
constant here:

- ``MAX_COUNT``: any count or daily number of men at full scale (a cohort, a civilian block,
  a call-up or sweep total, volunteers or call-ups per day): a billion, more than any army
  or draft pool on Earth.
- ``MAX_AGENTS``: agents simulated, that is counts times ``scale`` at the start plus the
  volunteers expected over the run: 50 million. Each agent's state takes ``bytes_per_agent``
  bytes (47 with the default two ties, from ``state.py``'s columns), and a run's peak memory
  was measured at about 110 bytes per agent (peak resident memory of runs of 2, 4, 8 and 20
  million agents for 30 days; 20 million took 2.35 GB and 24 s), so the cap keeps a run
  within about 6 GB, and about 12 minutes per simulated year. It also bounds the men one
  call-up or sweep may draw in a day (at ``scale``): each day's draw is an array of them.
- ``FIRST_DAY`` to ``LAST_DAY`` (1700-01-01 to 2200-12-31): the dates a scenario may use; the
  output tables' nanosecond timestamps cover 1677 to 2262 only.
- ``MAX_RUN_DAYS``: days simulated, 29,117 (about 79 years). Day numbers are kept in 16-bit
  columns (``joined_day``, ``exit_day``, ``release_day``), and a prison term ends up to
  ``MAX_PRISON_DAYS`` after the last day, so this is the longest run they can count.

``scenario_warnings`` lists what is allowed but probably unintended: a scale at which a
faction or civilian block gets no agent, a faction that starts empty and can never gain a
member, a run over ``LONG_RUN_DAYS`` or ``LARGE_POPULATION`` agents, a calendar whose end
falls among its ``extension_events`` (the later ones never take effect).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from desertion.engine.errors import Problem

if TYPE_CHECKING:  # scenario.py imports this module for its constants
    from desertion.manpower.scenario import Faction, Scenario

MAX_COUNT = 1_000_000_000
MAX_AGENTS = 50_000_000
FIRST_DAY = dt.date(1700, 1, 1)
LAST_DAY = dt.date(2200, 12, 31)
MAX_PRISON_DAYS = 3650
MAX_RUN_DAYS = int(np.iinfo(np.int16).max) - MAX_PRISON_DAYS
LONG_RUN_DAYS = 3653  # ten years
LARGE_POPULATION = 10_000_000
_GROWING_EVENTS = ("conscription_sweep", "reservist_callup")


def in_calendar(day: dt.date) -> dt.date:
    """Field validator: ``day`` must lie within ``FIRST_DAY`` to ``LAST_DAY``."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{day} is outside the calendar a run can use: expected a date from "
                         f"{FIRST_DAY} to {LAST_DAY} (the output's timestamps cover 1677 "
                         f"to 2262)")
    return day


def bytes_per_agent(ties: int) -> int:
    """Bytes of one agent's state columns (``state.agent_columns``) with ``ties`` ties."""
    # imported here: state.py imports compile.py, which imports scenario.py, which imports us
    from desertion.manpower.state import agent_columns

    total = 0
    for dtype in agent_columns(ties).values():
        kind, width = dtype if isinstance(dtype, tuple) else (dtype, 1)
        total += np.dtype(kind).itemsize * width
    return total


def _scaled(count: float, scale: float) -> int:
    return round(count * scale)  # as state.initial_state rounds each cohort and block


def _faction_key(i: int, faction: Faction) -> str:
    return f"factions[{i}]({faction.id})"


def keyed_events(scenario: Scenario) -> list[tuple[str, Any]]:
    """The events of the run's calendar (``Scenario.calendar_events``), each with its key:
    ``events[i](kind)`` or ``extension_events[j](kind)``."""
    found = [(f"events[{i}]({e.kind})", e) for i, e in enumerate(scenario.events)]
    return found + [(f"extension_events[{j}]({e.kind})", e)
                    for j, e in enumerate(scenario.extension_events)
                    if e.start <= scenario.calendar_end]


def _top_momentum(scenario: Scenario, faction_id: str) -> float:
    values = [e.value for e in scenario.calendar_events
              if e.kind == "momentum" and e.faction in (None, faction_id)]
    return max([0.0, *values])


def _top_foreign_inflow(scenario: Scenario, i: int) -> tuple[str, float]:
    """The highest foreign inflow of faction ``i`` (per month), with the key that sets it."""
    faction = scenario.factions[i]
    top = (f"{_faction_key(i, faction)}.recruitment.foreign_volunteers_per_month",
           faction.recruitment.foreign_volunteers_per_month)
    for key, e in keyed_events(scenario):
        if e.kind == "foreign_inflow" and e.faction == faction.id and e.per_month > top[1]:
            top = (f"{key}.per_month", e.per_month)
    return top


def recruit_estimates(scenario: Scenario, i: int) -> list[tuple[str, float]]:
    """Volunteers faction ``i`` may gain over the run (agents), by the rate that brings them.

    An upper estimate: each daily rate at the highest momentum (and foreign inflow) of the
    calendar, every day.
    """
    from desertion.manpower.compile import DAYS_PER_MONTH  # as above: an import cycle

    faction = scenario.factions[i]
    r = faction.recruitment
    boost = 1.0 + r.momentum_elasticity * _top_momentum(scenario, faction.id)
    days = scenario.scale * boost * scenario.n_days
    key = f"{_faction_key(i, faction)}.recruitment"
    foreign_key, per_month = _top_foreign_inflow(scenario, i)
    return [(f"{key}.local_volunteers_per_day", r.local_volunteers_per_day * days),
            (foreign_key, per_month / DAYS_PER_MONTH * days)]


def _contributions(scenario: Scenario) -> list[tuple[str, float]]:
    """Agents simulated, by the key that asks for them."""
    found: list[tuple[str, float]] = []
    for i, faction in enumerate(scenario.factions):
        found += [(f"{_faction_key(i, faction)}.cohorts[{j}].count",
                   _scaled(c.count, scenario.scale)) for j, c in enumerate(faction.cohorts)]
        found += recruit_estimates(scenario, i)
    found += [(f"civilians[{i}].draft_eligible_men", _scaled(b.draft_eligible_men,
                                                             scenario.scale))
              for i, b in enumerate(scenario.civilians)]
    return found


def initial_agents(scenario: Scenario) -> int:
    """Agents on the first day: every cohort and civilian block, scaled and rounded."""
    return sum(_scaled(c.count, scenario.scale) for f in scenario.factions
               for c in f.cohorts) + sum(_scaled(b.draft_eligible_men, scenario.scale)
                                         for b in scenario.civilians)


def memory_text(n_bytes: float) -> str:
    """``n_bytes`` in decimal units: ``45 TB``."""
    if n_bytes < 1000:
        return f"{n_bytes:.0f} bytes"
    for unit in ("kB", "MB", "GB", "TB"):
        n_bytes /= 1000
        if n_bytes < 1000:
            return f"{n_bytes:.3g} {unit}"
    return f"{n_bytes / 1000:.3g} PB"


def _round_down(x: float) -> float:
    """``x`` rounded down to two significant figures."""
    step = 10.0 ** (math.floor(math.log10(x)) - 1)
    return math.floor(x / step) * step


def _ties_width(scenario: Scenario) -> int:
    return max(f.ties_per_fighter for f in scenario.factions)


def population_problem(scenario: Scenario) -> Problem | None:
    """The population over ``MAX_AGENTS``, at the key that asks for the most of it."""
    contributions = _contributions(scenario)
    total = sum(n for _, n in contributions)
    if total <= MAX_AGENTS:
        return None
    key = max(contributions, key=lambda c: c[1])[0]
    if not math.isfinite(total):  # finite rates can multiply past any float
        return key, (f"the scenario would simulate more agents than can be counted; the "
                     f"maximum is {MAX_AGENTS:,}")
    initial = initial_agents(scenario)
    recruited = total - initial
    detail = f" ({initial:,} at the start, about {recruited:,.0f} recruited)" \
        if recruited >= 1 else ""
    memory = memory_text(total * bytes_per_agent(_ties_width(scenario)))
    fit = scenario.scale * MAX_AGENTS / total
    advice = f"lower the counts, or scale to {_round_down(fit):.2g} or less" \
        if fit >= 1e-300 else "lower the counts"
    return key, (f"the scenario would simulate {total:,.0f} agents{detail}, about {memory} "
                 f"of memory for their state alone; the maximum is {MAX_AGENTS:,}: {advice}")


def _daily_drafts(scenario: Scenario) -> list[tuple[str, float]]:
    """Men a day each key asks to call up or sweep (scaled: what a day's draws hold)."""
    found: list[tuple[str, float]] = []
    for i, faction in enumerate(scenario.factions):
        key = _faction_key(i, faction)
        found.append((f"{key}.recruitment.callups_per_day", faction.recruitment.callups_per_day))
        for j, rule in enumerate(faction.rules):
            found += [(f"{key}.rules[{j}].set.{name}", getattr(rule.set, name) or 0.0)
                      for name in ("callups_per_day", "sweep_per_day")]
    for key, event in keyed_events(scenario):
        if event.kind == "policy":
            found += [(f"{key}.set.{name}", getattr(event.set, name) or 0.0)
                      for name in ("callups_per_day", "sweep_per_day")]
        elif event.kind in _GROWING_EVENTS and event.end is not None:
            found.append((f"{key}.men", event.men / ((event.end - event.start).days + 1)))
    return [(key, per_day * scenario.scale) for key, per_day in found]


def draft_problems(scenario: Scenario) -> list[Problem]:
    """Daily call-ups or sweeps over ``MAX_AGENTS``: the day's draw of men would not fit."""
    return [(key, f"would call up or sweep {per_day:,.0f} men a day (at scale "
             f"{scenario.scale:g}), each drawn at random like an agent; the maximum is "
             f"{MAX_AGENTS:,} a day") for key, per_day in _daily_drafts(scenario)
            if per_day > MAX_AGENTS]


def last_day_key(scenario: Scenario) -> str:
    """The key that sets the run's last day."""
    if scenario.stop is not None and scenario.stop <= scenario.calendar_end:
        return "stop"
    return "extend_through_2015" if scenario.calendar_end > scenario.end else "end"


def run_length_problem(scenario: Scenario, key: str | None = None) -> Problem | None:
    """A run over ``MAX_RUN_DAYS``, at ``key`` (default: the key that sets its last day)."""
    if scenario.n_days <= MAX_RUN_DAYS:
        return None
    return (key or last_day_key(scenario),
            f"{scenario.last_day} would make the run {scenario.n_days:,} days long (from "
            f"{scenario.start}); the maximum is {MAX_RUN_DAYS:,} days (about "
            f"{MAX_RUN_DAYS // 365} years), what the model's 16-bit day counters can hold")


def limit_problems(scenario: Scenario, last_day_key: str | None = None) -> list[Problem]:
    """The limits a valid scenario must keep (the fields' own bounds apart).

    ``last_day_key`` names the key that set the last day, where it is not the scenario's
    own (``until``).
    """
    too_long = run_length_problem(scenario, last_day_key)
    if too_long:  # the population estimate counts recruits over the days of the run
        return [too_long]
    too_many = population_problem(scenario)
    return ([too_many] if too_many else []) + draft_problems(scenario)


# --- warnings ------------------------------------------------------------------------------

def _can_gain_members(scenario: Scenario, i: int) -> bool:
    """Whether faction ``i`` has any way to gain a member during the run."""
    faction = scenario.factions[i]
    r = faction.recruitment
    events = scenario.calendar_events
    if r.local_volunteers_per_day > 0 or r.foreign_volunteers_per_month > 0 \
            or r.accepts_defectors_from or any(
            e.kind == "foreign_inflow" and e.faction == faction.id and e.per_month > 0
            for e in events):
        return True
    drafts = r.callups_per_day > 0 or r.gap_response > 0 or any(
        e.kind in _GROWING_EVENTS and e.faction == faction.id for e in events) or any(
        e.kind == "policy" and e.faction == faction.id
        and ((e.set.callups_per_day or 0) > 0 or (e.set.sweep_per_day or 0) > 0)
        for e in events) or any(
        (rule.set.callups_per_day or 0) > 0 or (rule.set.sweep_per_day or 0) > 0
        for rule in faction.rules)
    has_civilians = any(b.territory == faction.id and b.draft_eligible_men > 0
                        for b in scenario.civilians)
    return drafts and has_civilians


def _scale_warnings(scenario: Scenario) -> list[str]:
    scale = scenario.scale
    people = sum(c.count for f in scenario.factions for c in f.cohorts) + sum(
        b.draft_eligible_men for b in scenario.civilians)
    if people and not initial_agents(scenario):
        return [f"scale: at scale {scale:g} no agent is simulated: every cohort and civilian "
                f"block rounds to 0 agents"]
    found = []
    for i, faction in enumerate(scenario.factions):
        men = sum(c.count for c in faction.cohorts)
        if men and not sum(_scaled(c.count, scale) for c in faction.cohorts):
            found.append(f"scale: at scale {scale:g} {_faction_key(i, faction)} gets no agent "
                         f"(its {men:,} fighters round to 0)")
    for i, block in enumerate(scenario.civilians):
        if block.draft_eligible_men and not _scaled(block.draft_eligible_men, scale):
            found.append(f"scale: at scale {scale:g} civilians[{i}] ({block.territory}) get "
                         f"no agent (their {block.draft_eligible_men:,} men round to 0)")
    return found


def _empty_faction_warnings(scenario: Scenario) -> list[str]:
    return [f"{_faction_key(i, faction)}: no fighters at the start and no way to gain any "
            f"(no volunteers, accepted defectors, or call-ups and sweeps of civilians in its "
            f"territory): it stays empty"
            for i, faction in enumerate(scenario.factions)
            if not sum(c.count for c in faction.cohorts) and not _can_gain_members(scenario, i)]


def _size_warnings(scenario: Scenario) -> list[str]:
    found = []
    if scenario.n_days > LONG_RUN_DAYS:
        found.append(f"{last_day_key(scenario)} = {scenario.last_day}: the run covers "
                     f"{scenario.n_days:,} days (about {scenario.n_days / 365.25:.0f} years); "
                     f"it may take long")
    total = sum(n for _, n in _contributions(scenario))
    if total > LARGE_POPULATION:
        memory = memory_text(total * bytes_per_agent(_ties_width(scenario)))
        found.append(f"scale = {scenario.scale:g}: the run simulates about {round(total):,} "
                     f"agents ({memory} for their state alone); it may take long")
    return found


def extension_warnings(scenario: Scenario) -> list[str]:
    """A calendar that ends partway through ``extension_events``: some of them take effect,
    the later ones never do (an ``end`` set inside the 2015 calendar, by mistake or not).

    None when the calendar reaches all of them (``extend_through_2015``) or none (a run
    that ends on ``end`` before the extension: they wait for a longer run, by design).
    """
    last = scenario.calendar_end
    waiting = [(j, e) for j, e in enumerate(scenario.extension_events) if e.start > last]
    if not waiting or len(waiting) == len(scenario.extension_events):
        return []
    j, first = min(waiting, key=lambda item: item[1].start)
    return [f"end = {last} (or --until past end): the calendar ends inside its extension: "
            f"{len(waiting)} of the {len(scenario.extension_events)} extension_events start "
            f"after it and do not take effect (the first: extension_events[{j}]({first.kind}) "
            f"on {first.start}); extend_through_2015 = true runs them all"]


def scenario_warnings(scenario: Scenario) -> list[str]:
    """One-line warnings about a valid scenario that would simulate nothing, take long, or
    leave part of its extension's calendar out."""
    from desertion.manpower.schedules import late_warnings

    return _scale_warnings(scenario) + _empty_faction_warnings(scenario) + \
        _size_warnings(scenario) + extension_warnings(scenario) + late_warnings(scenario)
