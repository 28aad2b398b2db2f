"""The run's state: the agents' columns, per-unit and per-faction memories, the policy in
force, the census, and the setup of day 0. Everything a run changes lives here (or in the
recorder it writes); the compiled scenario it reads is never changed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from desertion.engine.columns import Columns
from desertion.manpower.codes import (
    N_ORIGINS,
    N_STATUSES,
    Entry,
    Origin,
    Status,
    group_of,
    in_ranks,
)
from desertion.manpower.compile import Compiled, FactionParams, Policy
from desertion.manpower.mechanisms.recruitment import beta_draw

NEVER = np.iinfo(np.int16).min  # "no such day yet" in day columns


def agent_columns(ties: int) -> dict[str, object]:
    """The agents' columns and their compact dtypes (MODEL.md section 2)."""
    return {
        "status": np.uint8,
        "faction": np.int8,          # served or serves; for civilians, whose draft reaches them
        "origin": np.uint8,
        "entry": np.uint8,
        "group": np.uint8,           # faction x origin, the recorder's group index
        "draft_eligible": np.bool_,
        "state_employee": np.bool_,
        "commitment": np.float32,
        "risk_aversion": np.float32,
        "hardship": np.float32,
        "threshold": np.float32,
        "unit": np.int32,            # -1: in no unit
        "perceived_risk": np.float32,
        "joined_day": np.int16,      # tenure = day - joined_day
        "release_day": np.int16,     # end of a prison term
        "exit_day": np.int16,        # last attempt to leave (for contagion)
        "birth_day": np.int16,       # day of birth (before the start: < 0); NEVER: unknown
        "ties": (np.int32, ties),    # other fighters he talks with; -1: none
    }


DEFAULTS = {"unit": -1, "ties": -1, "joined_day": NEVER, "release_day": NEVER,
            "exit_day": NEVER, "birth_day": NEVER, "faction": -1}
DAYS_PER_YEAR = 365.25


def birth_days(rng: np.random.Generator, ages: object, n: int) -> np.ndarray:
    """Birth days (relative to the start) of ``n`` men of ages uniform in ``ages`` (a
    scenario's ``Ages``), or NEVER for all if ``ages`` is None (then nothing is drawn)."""
    if ages is None:
        return np.full(n, NEVER, dtype=np.int16)
    years = rng.uniform(ages.min, ages.max, n)
    return np.round(-years * DAYS_PER_YEAR).astype(np.int16)


def within_ages(birth_day: np.ndarray, day: int, youngest: float, oldest: float
                ) -> np.ndarray:
    """Who is within the age band [youngest, oldest] on ``day``; men of unknown age are."""
    age = (day - birth_day.astype(np.int32)) / DAYS_PER_YEAR
    return (birth_day == NEVER) | ((age >= youngest) & (age <= oldest))


@dataclass
class Units:
    """Per-unit arrays (index = unit id)."""

    faction: np.ndarray
    recent_exits: np.ndarray       # decaying count of exits (contagion)
    recent_casualties: np.ndarray  # decaying count of deaths (hardship)
    recent_mistaken: np.ndarray    # decaying count of mistaken punishments (hardship)
    fear: np.ndarray               # fear left by private examples (deterrence)
    recent_reprisals: np.ndarray   # decaying count of reprisals on families (hardship)

    @classmethod
    def empty(cls) -> Units:
        z = np.zeros(0)
        return cls(np.zeros(0, dtype=np.int64), z, z.copy(), z.copy(), z.copy(), z.copy())

    def add(self, faction: int, n: int) -> np.ndarray:
        """Create ``n`` units for ``faction``; return their ids."""
        first = len(self.faction)
        self.faction = np.concatenate([self.faction, np.full(n, faction)])
        for name in ("recent_exits", "recent_casualties", "recent_mistaken", "fear",
                     "recent_reprisals"):
            setattr(self, name, np.concatenate([getattr(self, name), np.zeros(n)]))
        return np.arange(first, first + n)


def count_by_group_and_status(group: np.ndarray, status: np.ndarray, n_groups: int
                              ) -> np.ndarray:
    """(groups, statuses) counts of agents: a census taken from the columns themselves."""
    key = group.astype(np.int64) * N_STATUSES + status
    return np.bincount(key, minlength=n_groups * N_STATUSES).reshape(n_groups, N_STATUSES)


@dataclass
class Census:
    """Agents by (group, status), kept from the day's flows.

    ``now`` follows every transition as the step applies it; ``yesterday`` is what ``now``
    was at the end of the previous day (on day 0, the initial population): the census the
    dynamics read, the same numbers as the recorder's row for that day.
    """

    now: np.ndarray        # (groups, statuses)
    yesterday: np.ndarray  # (groups, statuses)

    @classmethod
    def of(cls, group: np.ndarray, status: np.ndarray, n_groups: int) -> Census:
        counts = count_by_group_and_status(group, status, n_groups)
        return cls(now=counts, yesterday=counts.copy())

    def move(self, group: np.ndarray, old: int, new: int) -> None:
        """Agents of ``group`` (one entry each) went from status ``old`` to ``new``."""
        counts = np.bincount(group, minlength=len(self.now))
        self.now[:, old] -= counts
        self.now[:, new] += counts

    def enter(self, group: np.ndarray, status: int) -> None:
        """Agents join group ``group`` (one entry each) in ``status``."""
        self.now[:, status] += np.bincount(group, minlength=len(self.now))

    def leave(self, group: np.ndarray, status: int) -> None:
        """Agents leave group ``group`` (one entry each) from ``status``."""
        self.now[:, status] -= np.bincount(group, minlength=len(self.now))

    def close_day(self) -> None:
        self.yesterday = self.now.copy()


class Ranks:
    """The rows of the men in the ranks (serving, shirking or jailed), in ascending order,
    kept from the transitions: a day's men in the ranks are yesterday's who still are, plus
    the rows that joined since, without a pass over every row (civilians are most of them).
    """

    def __init__(self, status: np.ndarray) -> None:
        self.rows = np.flatnonzero(in_ranks(status))
        self._joined: list[np.ndarray] = []

    def joined(self, rows: np.ndarray) -> None:
        """Rows that have just entered the ranks (from outside, or from another status)."""
        if len(rows):
            self._joined.append(rows)

    def today(self, status: np.ndarray) -> np.ndarray:
        """The rows in the ranks now (the same as ``flatnonzero(in_ranks(status))``)."""
        rows = self.rows
        if self._joined:
            new = np.unique(np.concatenate(self._joined))
            self._joined.clear()
            at = np.searchsorted(rows, new)
            known = np.zeros(len(new), dtype=bool)
            inside = at < len(rows)
            known[inside] = rows[at[inside]] == new[inside]
            rows = np.insert(rows, at[~known], new[~known])
        self.rows = rows[in_ranks(status[rows])]
        return self.rows


@dataclass
class State:
    people: Columns
    units: Units
    policy: Policy                     # the policy in force (a copy of the compiled one)
    factions: FactionParams            # the factions' parameters today (schedules write)
    fired: np.ndarray                  # (rules,) bool: which adaptive rules have fired
    census: Census                     # agents by (group, status), kept from the flows
    ranks: Ranks                       # rows of the men in the ranks, kept from the flows
    public_fear: np.ndarray            # (factions,) fear left by public executions
    start_strength: np.ndarray         # (factions,) in the ranks on day 0
    strength_history: np.ndarray       # (days, factions) in the ranks at the end of each day
    exit_history: np.ndarray           # (days, factions) attempts to leave each day
    shirking_history: np.ndarray       # (days, factions) shirking at the end of each day
    civilian_blocks: list[tuple[int, int, int]]  # (faction, first row, end row), one each


def _units_for(units: Units, faction: int, n_fighters: int, unit_size: int,
               rng: np.random.Generator) -> np.ndarray:
    """Assign ``n_fighters`` to new units of about ``unit_size``, in random order."""
    n_units = max(1, -(-n_fighters // unit_size))
    ids = units.add(faction, n_units)
    return ids[rng.permutation(n_fighters) % n_units]


def draw_ties(rng: np.random.Generator, members: np.ndarray, n: int, k: int, width: int
              ) -> np.ndarray:
    """(n, width) ties to random ``members`` (columns beyond ``k``, or no members: -1)."""
    ties = np.full((n, width), -1, dtype=np.int32)
    if k > 0 and len(members) > 0 and n > 0:
        ties[:, :k] = members[rng.integers(0, len(members), size=(n, k))]
    return ties


def initial_state(compiled: Compiled, rng: Callable[..., np.random.Generator]) -> State:
    """The state on day 0: the factions' fighters, then the civilian blocks (``rng(f)``:
    faction ``f``'s own setup stream, for its fighters and then the civilians of its
    territory; ``rng(f, "ages")`` its stream for ages, drawn only where a scenario gives
    them), the compiled policy in force, no rule fired, the first census."""
    scenario, n_f = compiled.scenario, compiled.factions.n
    width = int(compiled.factions.ties_per_fighter.max(initial=0))
    n_total = sum(round(c.count * compiled.scale) for f in scenario.factions
                  for c in f.cohorts) + sum(round(b.draft_eligible_men * compiled.scale)
                                            for b in scenario.civilians)
    people = Columns(agent_columns(width), DEFAULTS, capacity=int(n_total * 1.1) + 1024)
    units = Units.empty()
    _add_fighters(people, units, compiled, rng, width)
    blocks = _add_civilians(people, compiled, rng)
    in_ranks = np.bincount(people.faction[people.status == Status.SERVING].astype(np.int64),
                           minlength=n_f).astype(float)
    days = compiled.n_days
    census = Census.of(people.group, people.status, n_f * N_ORIGINS)
    return State(people=people, units=units, policy=compiled.policy.copy(),
                 factions=compiled.factions.copy(),
                 fired=np.zeros(len(compiled.rules), dtype=bool), census=census,
                 ranks=Ranks(people.status),
                 public_fear=np.zeros(n_f),
                 start_strength=in_ranks, strength_history=np.zeros((days, n_f)),
                 exit_history=np.zeros((days, n_f)), shirking_history=np.zeros((days, n_f)),
                 civilian_blocks=blocks)


def _add_fighters(people: Columns, units: Units, compiled: Compiled,
                  stream: Callable[[int], np.random.Generator], width: int) -> None:
    """Each faction's cohorts, in new units, tied to men of their faction."""
    fp, decision = compiled.factions, compiled.mechanisms.decision
    for f, faction in enumerate(compiled.scenario.factions):
        counts = [round(c.count * compiled.scale) for c in faction.cohorts]
        n_f = sum(counts)
        if n_f == 0:
            continue
        rng = stream(f)
        commitment = np.concatenate([
            beta_draw(rng, c.commitment.mean, c.commitment.sd, n)
            for c, n in zip(faction.cohorts, counts, strict=True)])
        origin = np.repeat([Origin[c.origin.upper()] for c in faction.cohorts], counts)
        rows = people.append(
            n_f, status=Status.SERVING, faction=f, origin=origin,
            entry=np.repeat([Entry[c.entry.upper()] for c in faction.cohorts], counts),
            group=group_of(f, origin), draft_eligible=origin == Origin.LOCAL,
            commitment=commitment,
            risk_aversion=beta_draw(rng, decision.risk_aversion.mean,
                                    decision.risk_aversion.sd, n_f),
            hardship=fp.base_hardship[f],
            threshold=beta_draw(rng, decision.threshold.mean, decision.threshold.sd, n_f)
            * np.repeat([_threshold_factor(fp, f, c.entry) for c in faction.cohorts], counts),
            unit=_units_for(units, f, n_f, int(fp.unit_size[f]), rng),
            joined_day=0,
            birth_day=np.concatenate([birth_days(stream(f, "ages"), c.ages, n) for c, n
                                      in zip(faction.cohorts, counts, strict=True)]))
        if width:
            members = np.arange(rows.start, rows.stop, dtype=np.int32)
            people.ties[rows] = draw_ties(rng, members, n_f, int(fp.ties_per_fighter[f]),
                                          width)


def _threshold_factor(fp: FactionParams, f: int, entry: str) -> float:
    """A starting cohort's threshold factor by its way of entry (1 for volunteers)."""
    return {"conscript": float(fp.conscript_threshold_factor[f]),
            "dragooned": float(fp.dragooned_threshold_factor[f])}.get(entry, 1.0)


def _add_civilians(people: Columns, compiled: Compiled,
                   stream: Callable[[int], np.random.Generator]) -> list[tuple[int, int, int]]:
    """The civilian blocks; returns (faction, first row, end row) of each territory.

    Civilians of one territory are laid out next to each other, so that each faction's
    draft reaches one contiguous range of rows whatever the number of blocks in the file.
    """
    fp, decision, scenario = compiled.factions, compiled.mechanisms.decision, compiled.scenario
    ids = [x.id for x in scenario.factions]
    ranges: dict[int, tuple[int, int]] = {}
    for block in sorted(scenario.civilians, key=lambda b: ids.index(b.territory)):
        f = ids.index(block.territory)
        rng = stream(f)
        n_c = round(block.draft_eligible_men * compiled.scale)
        rows = people.append(
            n_c, status=Status.CIVILIAN, faction=f, origin=Origin.LOCAL, entry=Entry.NONE,
            group=group_of(f, Origin.LOCAL), draft_eligible=True, hardship=fp.base_hardship[f])
        # drawn one column at a time (in this order), so that millions of civilians never
        # hold more than one column of draws in float64 at once
        people.state_employee[rows] = rng.random(n_c) < block.state_employee_share
        people.commitment[rows] = beta_draw(rng, block.commitment.mean, block.commitment.sd,
                                            n_c)
        people.risk_aversion[rows] = beta_draw(rng, decision.risk_aversion.mean,
                                               decision.risk_aversion.sd, n_c)
        people.threshold[rows] = beta_draw(rng, decision.threshold.mean, decision.threshold.sd,
                                           n_c)
        people.birth_day[rows] = birth_days(stream(f, "ages"), block.ages, n_c)
        first = ranges.get(f, (rows.start, rows.stop))[0]
        ranges[f] = (first, rows.stop)
    return [(f, first, end) for f, (first, end) in ranges.items()]
