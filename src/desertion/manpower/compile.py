"""From a validated scenario to plain arrays: what the daily step reads.

Per-faction parameters become arrays indexed by faction; the calendar becomes arrays of shape
(factions, days); counts are multiplied by the scenario's ``scale``. After this, the core of
the model sees only NumPy arrays and numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from desertion.manpower.codes import Offence, Sanction
from desertion.manpower.mechanisms.withdrawal import daily_hazard
from desertion.manpower.scenario import Faction, PolicyChange, Rule, Scenario

DAYS_PER_MONTH = 365.25 / 12
SANCTION_CODES = {s.name.lower(): int(s) for s in Sanction}
OFFENCES = [o.name.lower() for o in Offence]


@dataclass
class FactionParams:
    """Fixed per-faction parameters, each an array of shape (factions,)."""

    ids: list[str]
    side: np.ndarray
    unit_size: np.ndarray
    ties_per_fighter: np.ndarray
    base_hardship: np.ndarray
    combat_death_rate: np.ndarray
    watchers_per_unit: np.ndarray
    foreign_visibility: np.ndarray
    shirker_detection: np.ndarray
    code_violation_rate: np.ndarray
    mistaken_rate: np.ndarray
    barrier_hide: np.ndarray
    barrier_abroad: np.ndarray
    barrier_home: np.ndarray
    barrier_defect: np.ndarray
    barrier_travel_ban: np.ndarray
    travel_ban_checkpoint: np.ndarray
    local_volunteers_per_day: np.ndarray     # scaled
    foreign_volunteers_per_day: np.ndarray   # scaled
    momentum_elasticity: np.ndarray
    volunteer_commitment: np.ndarray         # (F, 2): mean, sd
    foreign_volunteer_commitment: np.ndarray
    conscript_commitment_factor: np.ndarray
    dragooned_commitment_factor: np.ndarray
    gap_response: np.ndarray
    defect_target: np.ndarray                # faction that takes its defectors, -1 if none

    @property
    def n(self) -> int:
        return len(self.ids)


@dataclass
class Policy:
    """Per-faction policy levers that scheduled switches and adaptive rules may change."""

    military_police_share: np.ndarray
    checkpoint: np.ndarray
    sanction: np.ndarray        # (F, offences) Sanction codes
    prison_days: np.ndarray
    publicity: np.ndarray
    callups_per_day: np.ndarray  # scaled
    sweep_per_day: np.ndarray    # scaled
    travel_ban: np.ndarray       # bool: a ban decided by policy (on top of the calendar's)

    def apply(self, f: int, change: PolicyChange, scale: float) -> None:
        values = change.model_dump(exclude_none=True)
        for offence in OFFENCES:
            if offence in values:
                self.sanction[f, OFFENCES.index(offence)] = SANCTION_CODES[values.pop(offence)]
        for name in ("callups_per_day", "sweep_per_day"):
            if name in values:
                values[name] *= scale
        for name, value in values.items():
            getattr(self, name)[f] = value


@dataclass
class Calendar:
    """The environment day by day: arrays of shape (factions, days)."""

    airstrikes: np.ndarray
    momentum: np.ndarray
    combat: np.ndarray
    winter: np.ndarray
    pay: np.ndarray
    travel_ban: np.ndarray
    employee_sanctions: np.ndarray
    sweep_quota: np.ndarray        # men to take per day (scaled)
    callup_quota: np.ndarray       # call-up notices per day (scaled)
    withdrawal_hazard: np.ndarray  # daily chance a fighter of the faction withdraws
    amnesty_rate: np.ndarray       # daily chance a deserter in hiding considers returning
    policy_switches: dict[int, list[tuple[int, PolicyChange]]] = field(default_factory=dict)


@dataclass
class CompiledRule:
    faction: int
    rule: Rule
    fired: bool = False


@dataclass
class Compiled:
    scenario: Scenario
    n_days: int
    scale: float
    factions: FactionParams
    policy: Policy
    calendar: Calendar
    rules: list[CompiledRule]
    mechanisms: Any  # the scenario's Mechanisms (plain floats read by attribute)


def _per_faction(factions: list[Faction], getter: Any, dtype: Any = np.float64) -> np.ndarray:
    return np.array([getter(f) for f in factions], dtype=dtype)


def _faction_params(scenario: Scenario) -> FactionParams:
    fs = scenario.factions
    ids = [f.id for f in fs]
    sides = sorted({f.side for f in fs})
    scale = scenario.scale
    defect_target = np.full(len(fs), -1, dtype=np.int64)
    for j, taker in enumerate(fs):  # the first faction (in file order) that takes them
        for source in taker.recruitment.accepts_defectors_from:
            i = ids.index(source)
            if defect_target[i] < 0 and i != j:
                defect_target[i] = j
    return FactionParams(
        ids=ids,
        side=np.array([sides.index(f.side) for f in fs]),
        unit_size=_per_faction(fs, lambda f: f.unit_size, np.int64),
        ties_per_fighter=_per_faction(fs, lambda f: f.ties_per_fighter, np.int64),
        base_hardship=_per_faction(fs, lambda f: f.base_hardship),
        combat_death_rate=_per_faction(fs, lambda f: f.combat_death_rate),
        watchers_per_unit=_per_faction(fs, lambda f: f.enforcement.watchers_per_unit),
        foreign_visibility=_per_faction(fs, lambda f: f.enforcement.foreign_visibility),
        shirker_detection=_per_faction(fs, lambda f: f.enforcement.shirker_detection),
        code_violation_rate=_per_faction(fs, lambda f: f.enforcement.code_violation_rate),
        mistaken_rate=_per_faction(fs, lambda f: f.enforcement.mistaken_rate),
        barrier_hide=_per_faction(fs, lambda f: f.barriers.hide),
        barrier_abroad=_per_faction(fs, lambda f: f.barriers.abroad),
        barrier_home=_per_faction(fs, lambda f: f.barriers.home),
        barrier_defect=_per_faction(fs, lambda f: f.barriers.defect),
        barrier_travel_ban=_per_faction(fs, lambda f: f.barriers.travel_ban),
        travel_ban_checkpoint=_per_faction(fs, lambda f: f.barriers.travel_ban_checkpoint),
        local_volunteers_per_day=scale * _per_faction(
            fs, lambda f: f.recruitment.local_volunteers_per_day),
        foreign_volunteers_per_day=scale / DAYS_PER_MONTH * _per_faction(
            fs, lambda f: f.recruitment.foreign_volunteers_per_month),
        momentum_elasticity=_per_faction(fs, lambda f: f.recruitment.momentum_elasticity),
        volunteer_commitment=_per_faction(
            fs, lambda f: (f.recruitment.volunteer_commitment.mean,
                           f.recruitment.volunteer_commitment.sd)),
        foreign_volunteer_commitment=_per_faction(
            fs, lambda f: (f.recruitment.foreign_volunteer_commitment.mean,
                           f.recruitment.foreign_volunteer_commitment.sd)),
        conscript_commitment_factor=_per_faction(
            fs, lambda f: f.recruitment.conscript_commitment_factor),
        dragooned_commitment_factor=_per_faction(
            fs, lambda f: f.recruitment.dragooned_commitment_factor),
        gap_response=_per_faction(fs, lambda f: f.recruitment.gap_response),
        defect_target=defect_target,
    )


def _policy(scenario: Scenario) -> Policy:
    fs = scenario.factions
    return Policy(
        military_police_share=_per_faction(fs, lambda f: f.enforcement.military_police_share),
        checkpoint=_per_faction(fs, lambda f: f.enforcement.checkpoint),
        sanction=np.array([[SANCTION_CODES[getattr(f.sanctions, o)] for o in OFFENCES]
                           for f in fs], dtype=np.int64),
        prison_days=_per_faction(fs, lambda f: f.sanctions.prison_days, np.int64),
        publicity=_per_faction(fs, lambda f: f.sanctions.publicity),
        callups_per_day=scenario.scale * _per_faction(
            fs, lambda f: f.recruitment.callups_per_day),
        sweep_per_day=np.zeros(len(fs)),
        travel_ban=np.zeros(len(fs), dtype=bool),
    )


def _calendar(scenario: Scenario, n_days: int) -> Calendar:
    ids = [f.id for f in scenario.factions]
    n_f = len(ids)

    def full(value: float, dtype: Any = np.float64) -> np.ndarray:
        return np.full((n_f, n_days), value, dtype=dtype)

    cal = Calendar(
        airstrikes=full(0.0), momentum=full(0.0), combat=full(1.0), winter=full(0.0),
        pay=np.repeat([[f.pay] for f in scenario.factions], n_days, axis=1).astype(float),
        travel_ban=full(False, bool), employee_sanctions=full(False, bool),
        sweep_quota=full(0.0), callup_quota=full(0.0), withdrawal_hazard=full(0.0),
        amnesty_rate=full(0.0),
    )
    # events are applied in file order: a later event overrides an earlier one where they
    # overlap; totals spread over a window (sweeps, call-ups) add up instead
    for event in scenario.events:
        rows = [ids.index(event.faction)] if event.faction else list(range(n_f))
        # an event keeps its whole window (totals spread over it) even when the run stops
        # before its end: a run stopped early is the start of the full run
        first = (event.start - scenario.start).days
        if first >= n_days:
            continue
        last = (event.end or scenario.calendar_end) - scenario.start
        length = last.days - first + 1
        days = slice(first, min(last.days, n_days - 1) + 1)
        match event.kind:
            case "airstrikes":
                cal.airstrikes[rows, days] = event.intensity
            case "momentum":
                cal.momentum[rows, days] = event.value
            case "combat":
                cal.combat[rows, days] = event.intensity
            case "winter":
                cal.winter[rows, days] = event.severity
            case "pay":
                cal.pay[rows, days] = event.level
            case "travel_ban":
                cal.travel_ban[rows, days] = True
            case "employee_sanctions":
                cal.employee_sanctions[rows, days] = True
            case "conscription_sweep":
                cal.sweep_quota[rows, days] += scenario.scale * event.men / length
            case "reservist_callup":
                cal.callup_quota[rows, days] += scenario.scale * event.men / length
            case "militia_withdrawal":
                cal.withdrawal_hazard[rows, days] = daily_hazard(event.share, length)
            case "amnesty":
                cal.amnesty_rate[rows, days] = event.return_rate
            case "policy":
                cal.policy_switches.setdefault(first, []).extend(
                    (row, event.set) for row in rows)
    return cal


def compile_scenario(scenario: Scenario) -> Compiled:
    n_days = scenario.n_days
    ids = [f.id for f in scenario.factions]
    rules = [CompiledRule(ids.index(f.id), rule)
             for f in scenario.factions for rule in f.rules]
    return Compiled(scenario=scenario, n_days=n_days, scale=scenario.scale,
                    factions=_faction_params(scenario), policy=_policy(scenario),
                    calendar=_calendar(scenario, n_days), rules=rules,
                    mechanisms=scenario.mechanisms)
