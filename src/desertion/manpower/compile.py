"""From a validated scenario to plain arrays and numbers: what the daily step reads.

Per-faction parameters become arrays indexed by faction; the calendar becomes arrays of shape
(factions, days); counts are multiplied by the scenario's ``scale``; the mechanisms'
parameters become one small frozen dataclass of plain numbers per mechanism. After this,
the core of the model sees only NumPy arrays and numbers, never the pydantic scenario.

Everything compiled is frozen and its arrays are read-only, so one ``Compiled`` can serve
any number of runs: what a run changes (the policy in force, the rules that have fired)
lives in its own ``State``.
"""

from __future__ import annotations

import dataclasses
import operator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from desertion.manpower.codes import N_SANCTIONS, Offence, Sanction
from desertion.manpower.mechanisms.withdrawal import daily_hazard
from desertion.manpower.scenario import (
    Beta,
    Faction,
    Mechanisms,
    PolicyChange,
    Rule,
    Scenario,
)
from desertion.manpower.schedules import Write, compile_schedules

Array = np.ndarray
DAYS_PER_MONTH = 365.25 / 12
SANCTION_CODES = {s.name.lower(): int(s) for s in Sanction}
OFFENCES = [o.name.lower() for o in Offence]


# -- the mechanisms' parameters ---------------------------------------------------------------

@dataclass(frozen=True)
class BetaParams:
    mean: float
    sd: float


@dataclass(frozen=True)
class DisaffectionParams:
    lag_days: float
    casualty_weight: float
    airstrike_weight: float
    winter_weight: float
    pay_weight: float
    momentum_weight: float
    mistaken_weight: float
    reprisal_weight: float


@dataclass(frozen=True)
class CaptureParams:
    k: float
    rule: str
    hide_exposure: float
    alert_weight: float


@dataclass(frozen=True)
class SeverityParams:
    execution: float
    prison_per_year: float
    fine: float
    dismissal: float
    corporal: float
    reprisal: float


@dataclass(frozen=True)
class DeterrenceParams:
    public_weight: float
    private_weight: float
    prison_weight: float
    half_life_days: float


@dataclass(frozen=True)
class ContagionParams:
    unit_weight: float
    tie_weight: float
    risk_discount: float
    memory_days: float
    unit_cap: float


@dataclass(frozen=True)
class FearParams:
    danger_weight: float


@dataclass(frozen=True)
class DecisionParams:
    threshold: BetaParams
    risk_aversion: BetaParams
    noise: float
    shirk_ratio: float


@dataclass(frozen=True)
class AttritionParams:
    airstrike_lethality: float


@dataclass(frozen=True)
class EvasionParams:
    consider_rate: float
    pressure_weight: float
    service_cost: float
    hide_barrier: float
    abroad_barrier: float
    horizon_days: float
    hiding_detection: float
    noise: float
    hide_to_abroad_rate: float
    home_hardship: float


@dataclass(frozen=True)
class MechanismParams:
    """The parameters of every mechanism, as plain numbers."""

    disaffection: DisaffectionParams
    capture: CaptureParams
    severity: SeverityParams
    deterrence: DeterrenceParams
    contagion: ContagionParams
    fear: FearParams
    decision: DecisionParams
    attrition: AttritionParams
    evasion: EvasionParams


def _beta(b: Beta) -> BetaParams:
    return BetaParams(mean=float(b.mean), sd=float(b.sd))


def mechanism_params(m: Mechanisms) -> MechanismParams:
    """The scenario's ``mechanisms`` section, copied field by field.

    Explicit on purpose: a field added to the schema changes nothing here until a mechanism
    reads it, and a field renamed there fails here, at compile time.
    """
    d, c, s, dt, g, ev = (m.disaffection, m.capture, m.severity, m.deterrence, m.contagion,
                          m.evasion)
    return MechanismParams(
        disaffection=DisaffectionParams(
            lag_days=float(d.lag_days), casualty_weight=float(d.casualty_weight),
            airstrike_weight=float(d.airstrike_weight), winter_weight=float(d.winter_weight),
            pay_weight=float(d.pay_weight), momentum_weight=float(d.momentum_weight),
            mistaken_weight=float(d.mistaken_weight),
            reprisal_weight=float(d.reprisal_weight)),
        capture=CaptureParams(k=float(c.k), rule=str(c.rule),
                              hide_exposure=float(c.hide_exposure),
                              alert_weight=float(c.alert_weight)),
        severity=SeverityParams(execution=float(s.execution),
                                prison_per_year=float(s.prison_per_year), fine=float(s.fine),
                                dismissal=float(s.dismissal), corporal=float(s.corporal),
                                reprisal=float(s.reprisal)),
        deterrence=DeterrenceParams(
            public_weight=float(dt.public_weight), private_weight=float(dt.private_weight),
            prison_weight=float(dt.prison_weight), half_life_days=float(dt.half_life_days)),
        contagion=ContagionParams(unit_weight=float(g.unit_weight),
                                  tie_weight=float(g.tie_weight),
                                  risk_discount=float(g.risk_discount),
                                  memory_days=float(g.memory_days),
                                  unit_cap=float(g.unit_cap)),
        fear=FearParams(danger_weight=float(m.fear.danger_weight)),
        decision=DecisionParams(threshold=_beta(m.decision.threshold),
                                risk_aversion=_beta(m.decision.risk_aversion),
                                noise=float(m.decision.noise),
                                shirk_ratio=float(m.decision.shirk_ratio)),
        attrition=AttritionParams(airstrike_lethality=float(m.attrition.airstrike_lethality)),
        evasion=EvasionParams(
            consider_rate=float(ev.consider_rate), pressure_weight=float(ev.pressure_weight),
            service_cost=float(ev.service_cost), hide_barrier=float(ev.hide_barrier),
            abroad_barrier=float(ev.abroad_barrier), horizon_days=float(ev.horizon_days),
            hiding_detection=float(ev.hiding_detection), noise=float(ev.noise),
            hide_to_abroad_rate=float(ev.hide_to_abroad_rate),
            home_hardship=float(ev.home_hardship)),
    )


# -- per-faction parameters: each field says where in a Faction it is read from --------------

def _source(path: str, dtype: Any = np.float64, per: str | None = None,
            daily: bool = True) -> dict[str, Any]:
    """Field metadata: the field is read from ``path`` of each faction, as ``dtype``;
    ``per``: "day" (a count, multiplied by the scale) or "month" (a count per month, made a
    count per day and scaled); ``daily``: read by the daily step (so a schedule may change
    it), not only at setup."""
    return {"path": path, "dtype": dtype, "per": per, "daily": daily}


def _read_fields(cls: type, scenario: Scenario) -> dict[str, np.ndarray]:
    """The values of ``cls``'s fields declared with ``_source``, as arrays over factions."""
    values = {}
    for f in dataclasses.fields(cls):
        if "path" not in f.metadata:
            continue
        get = operator.attrgetter(f.metadata["path"])
        per = f.metadata["per"]
        # an optional number left unset (a channel the faction lacks) is infinitely dear
        values[f.name] = _per_faction(scenario.factions, lambda x, get=get: _or_inf(get(x)),
                                      f.metadata["dtype"])
        if per == "day":
            values[f.name] = scenario.scale * values[f.name]
        elif per == "month":
            values[f.name] = scenario.scale / DAYS_PER_MONTH * values[f.name]
    return values


def _or_inf(value: Any) -> Any:
    return np.inf if value is None else value


def _per_faction(factions: list[Faction], getter: Any, dtype: Any = np.float64) -> np.ndarray:
    return np.array([getter(f) for f in factions], dtype=dtype)


def _mean_sd(path: str) -> Any:
    beta = operator.attrgetter(path)
    return lambda f: (beta(f).mean, beta(f).sd)


@dataclass(frozen=True)
class FactionParams:
    """Fixed per-faction parameters, each an array of shape (factions,)."""

    ids: tuple[str, ...]
    side: Array                    # index of its side (sides sorted by name)
    defect_target: Array           # faction that takes its defectors, -1 if none
    unit_size: Array = field(metadata=_source("unit_size", np.int64, daily=False))
    ties_per_fighter: Array = field(metadata=_source("ties_per_fighter", np.int64,
                                                     daily=False))
    base_hardship: Array = field(metadata=_source("base_hardship"))
    combat_death_rate: Array = field(metadata=_source("combat_death_rate"))
    combat_capture_rate: Array = field(metadata=_source("combat_capture_rate"))
    duty_rosters: Array = field(metadata=_source("duty_rosters", np.bool_))
    watchers_per_unit: Array = field(metadata=_source("enforcement.watchers_per_unit"))
    foreign_visibility: Array = field(metadata=_source("enforcement.foreign_visibility"))
    shirker_detection: Array = field(metadata=_source("enforcement.shirker_detection"))
    code_violation_rate: Array = field(metadata=_source("enforcement.code_violation_rate"))
    mistaken_rate: Array = field(metadata=_source("enforcement.mistaken_rate"))
    barrier_hide: Array = field(metadata=_source("barriers.hide"))
    barrier_abroad: Array = field(metadata=_source("barriers.abroad"))
    barrier_home: Array = field(metadata=_source("barriers.home"))
    barrier_defect: Array = field(metadata=_source("barriers.defect"))
    barrier_travel_ban: Array = field(metadata=_source("barriers.travel_ban"))
    barrier_surrender: Array = field(metadata=_source("barriers.surrender"))  # inf: none
    reward_hide: Array = field(metadata=_source("rewards.hide"))
    reward_abroad: Array = field(metadata=_source("rewards.abroad"))
    reward_home: Array = field(metadata=_source("rewards.home"))
    reward_defect: Array = field(metadata=_source("rewards.defect"))
    reward_surrender: Array = field(metadata=_source("rewards.surrender"))
    travel_ban_checkpoint: Array = field(metadata=_source("barriers.travel_ban_checkpoint"))
    barrier_smuggling: Array = field(metadata=_source("barriers.smuggling"))
    smuggling_interception: Array = field(metadata=_source("barriers.smuggling_interception"))
    local_volunteers_per_day: Array = field(  # scaled
        metadata=_source("recruitment.local_volunteers_per_day", per="day"))
    foreign_volunteers_per_day: Array = field(  # scaled
        metadata=_source("recruitment.foreign_volunteers_per_month", per="month"))
    momentum_elasticity: Array = field(metadata=_source("recruitment.momentum_elasticity"))
    conscript_commitment_factor: Array = field(
        metadata=_source("recruitment.conscript_commitment_factor"))
    dragooned_commitment_factor: Array = field(
        metadata=_source("recruitment.dragooned_commitment_factor"))
    gap_response: Array = field(metadata=_source("recruitment.gap_response"))
    conscript_threshold_factor: Array = field(
        metadata=_source("recruitment.conscript_threshold_factor"))
    dragooned_threshold_factor: Array = field(
        metadata=_source("recruitment.dragooned_threshold_factor"))
    draft_age_min: Array = field(metadata=_source("recruitment.draft_age_min"))
    draft_age_max: Array = field(metadata=_source("recruitment.draft_age_max"))
    volunteer_commitment: Array           # (F, 2): mean, sd
    foreign_volunteer_commitment: Array   # (F, 2): mean, sd

    @property
    def n(self) -> int:
        return len(self.ids)

    def copy(self) -> FactionParams:
        """A copy with writable arrays of its own (a run's, for its schedules to write)."""
        return dataclasses.replace(self, **{
            f.name: getattr(self, f.name).copy() for f in dataclasses.fields(self)
            if isinstance(getattr(self, f.name), np.ndarray)})


def _faction_params(scenario: Scenario) -> FactionParams:
    fs = scenario.factions
    ids = tuple(f.id for f in fs)
    sides = sorted({f.side for f in fs})
    defect_target = np.full(len(fs), -1, dtype=np.int64)
    for j, taker in enumerate(fs):  # the first faction (in file order) that takes them
        for source in taker.recruitment.accepts_defectors_from:
            i = ids.index(source)
            if defect_target[i] < 0 and i != j:
                defect_target[i] = j
    return FactionParams(
        ids=ids, side=np.array([sides.index(f.side) for f in fs]),
        defect_target=defect_target, **_read_fields(FactionParams, scenario),
        volunteer_commitment=_per_faction(fs, _mean_sd("recruitment.volunteer_commitment")),
        foreign_volunteer_commitment=_per_faction(
            fs, _mean_sd("recruitment.foreign_volunteer_commitment")))


# -- policy ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class PolicyUpdate:
    """A compiled ``PolicyChange``: the values it sets, ready to write, and its log entry."""

    values: tuple[tuple[str, Any], ...]      # (Policy field, value), counts already scaled
    sanctions: tuple[tuple[int, tuple[float, ...]], ...]  # (Offence, mix over the codes)
    logged: tuple[tuple[str, Any], ...]      # the change as run.json records it

    @classmethod
    def of(cls, change: PolicyChange, scale: float) -> PolicyUpdate:
        values = change.model_dump(exclude_none=True)
        sanctions = tuple((OFFENCES.index(o), tuple(sanction_mix(values.pop(o))))
                          for o in OFFENCES if o in values)
        for name in ("callups_per_day", "sweep_per_day"):
            if name in values:
                values[name] *= scale
        logged = change.model_dump(mode="json", exclude_none=True)
        return cls(values=tuple(values.items()), sanctions=sanctions,
                   logged=tuple(logged.items()))


@dataclass(frozen=True)
class Policy:
    """Per-faction policy levers that scheduled switches and adaptive rules may change.

    ``Compiled.policy`` is the policy at the start, read-only; the policy in force is the
    run's (``State.policy``), replaced by ``changed`` when a switch or a rule applies.
    """

    sanction: Array        # (F, offences, sanctions): each offence's mix of outcomes
    sweep_per_day: Array   # scaled
    travel_ban: Array      # bool: a ban decided by policy (on top of the calendar's)
    military_police_share: Array = field(metadata=_source("enforcement.military_police_share"))
    checkpoint: Array = field(metadata=_source("enforcement.checkpoint"))
    prison_days: Array = field(metadata=_source("sanctions.prison_days", np.int64))
    publicity: Array = field(metadata=_source("sanctions.publicity"))
    acquittal: Array = field(metadata=_source("sanctions.acquittal"))
    callups_per_day: Array = field(  # scaled
        metadata=_source("recruitment.callups_per_day", per="day"))

    def copy(self) -> Policy:
        """A copy with writable arrays of its own."""
        return Policy(**{f.name: getattr(self, f.name).copy()
                         for f in dataclasses.fields(self)})

    def changed(self, faction: int, update: PolicyUpdate) -> Policy:
        """This policy with ``update`` applied to ``faction`` (a new Policy)."""
        new = self.copy()
        for offence, mix in update.sanctions:
            new.sanction[faction, offence] = mix
        for name, value in update.values:
            getattr(new, name)[faction] = value
        return new


def sanction_mix(sentence: str | dict[str, float]) -> np.ndarray:
    """(sanctions,) probabilities of a scenario's sentence: one sanction, or a mix."""
    mix = np.zeros(N_SANCTIONS)
    for name, p in ({sentence: 1.0} if isinstance(sentence, str) else sentence).items():
        mix[SANCTION_CODES[name]] = p
    return mix


def _policy(scenario: Scenario) -> Policy:
    fs = scenario.factions
    return Policy(sanction=np.array([[sanction_mix(getattr(f.sanctions, o)) for o in OFFENCES]
                                     for f in fs]).reshape(len(fs), len(OFFENCES), N_SANCTIONS),
                  sweep_per_day=np.zeros(len(fs)), travel_ban=np.zeros(len(fs), dtype=bool),
                  **_read_fields(Policy, scenario))


# -- the calendar ---------------------------------------------------------------------------

@dataclass(frozen=True)
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
    foreign_inflow: np.ndarray     # foreign volunteers per day before momentum (scaled)
    # for each day, the scheduled policy switches that take effect: (faction, update)
    policy_switches: tuple[tuple[tuple[int, PolicyUpdate], ...], ...] = ()
    # for each day, the schedules' writes (``schedules.Write``), before the switches
    schedule_writes: tuple[tuple[Write, ...], ...] = ()


def _by_faction(values: list[float], n_days: int) -> np.ndarray:
    """Each faction's value on every day: shape (factions, days)."""
    return np.repeat(np.array(values, dtype=float)[:, None], n_days, axis=1)


def _calendar(scenario: Scenario, n_days: int) -> Calendar:
    ids = [f.id for f in scenario.factions]
    n_f = len(ids)

    def full(value: float, dtype: Any = np.float64) -> np.ndarray:
        return np.full((n_f, n_days), value, dtype=dtype)

    arrays = dict(
        airstrikes=full(0.0), momentum=full(0.0), combat=full(1.0), winter=full(0.0),
        pay=np.repeat([[f.pay] for f in scenario.factions], n_days, axis=1).astype(float),
        travel_ban=full(False, bool), employee_sanctions=full(False, bool),
        sweep_quota=full(0.0), callup_quota=full(0.0), withdrawal_hazard=full(0.0),
        amnesty_rate=full(0.0),
        # as FactionParams.foreign_volunteers_per_day, day by day (the same numbers)
        foreign_inflow=scenario.scale / DAYS_PER_MONTH * _by_faction(
            [f.recruitment.foreign_volunteers_per_month for f in scenario.factions], n_days))
    switches: list[list[tuple[int, PolicyUpdate]]] = [[] for _ in range(n_days)]
    # events are applied in file order, ``events`` then the ``extension_events`` the
    # calendar reaches (Scenario.calendar_events; the others start after it and do nothing
    # here): a later event overrides an earlier one where they overlap; totals spread over a
    # window (sweeps, call-ups) add up instead
    for event in scenario.calendar_events:
        rows = [ids.index(event.faction)] if event.faction else list(range(n_f))
        # an event keeps its whole window (totals spread over it) even when the run stops
        # before its end: a run stopped early is the start of the full run
        first = (event.start - scenario.start).days
        if first >= n_days:
            continue
        last = (event.end or scenario.calendar_end) - scenario.start
        length = last.days - first + 1
        days = slice(first, min(last.days, n_days - 1) + 1)
        if event.kind == "policy":
            update = PolicyUpdate.of(event.set, scenario.scale)
            switches[first].extend((row, update) for row in rows)
        else:
            _apply_event(arrays, event, rows, days, length, scenario.scale)
    writes = compile_schedules(scenario, n_days, arrays)
    return Calendar(**arrays, policy_switches=tuple(tuple(day) for day in switches),
                    schedule_writes=writes)


def _apply_event(cal: dict[str, np.ndarray], event: Any, rows: list[int], days: slice,
                 length: int, scale: float) -> None:
    """Write one calendar event into the calendar's arrays."""
    match event.kind:
        case "airstrikes":
            cal["airstrikes"][rows, days] = event.intensity
        case "momentum":
            cal["momentum"][rows, days] = event.value
        case "combat":
            cal["combat"][rows, days] = event.intensity
        case "winter":
            cal["winter"][rows, days] = event.severity
        case "pay":
            cal["pay"][rows, days] = event.level
        case "travel_ban":
            cal["travel_ban"][rows, days] = True
        case "employee_sanctions":
            cal["employee_sanctions"][rows, days] = True
        case "conscription_sweep":
            cal["sweep_quota"][rows, days] += scale * event.men / length
        case "reservist_callup":
            cal["callup_quota"][rows, days] += scale * event.men / length
        case "militia_withdrawal":
            cal["withdrawal_hazard"][rows, days] = daily_hazard(event.share, length)
        case "amnesty":
            cal["amnesty_rate"][rows, days] = event.return_rate
        case "foreign_inflow":
            cal["foreign_inflow"][rows, days] = scale / DAYS_PER_MONTH * event.per_month


# -- the whole ------------------------------------------------------------------------------

@dataclass(frozen=True)
class CompiledRule:
    """An adaptive rule of one faction (mechanism 15)."""

    faction: int
    metric: str
    above: float | None
    below: float | None
    window_days: int
    once: bool
    update: PolicyUpdate

    @classmethod
    def of(cls, faction: int, rule: Rule, scale: float) -> CompiledRule:
        return cls(faction=faction, metric=rule.metric, above=rule.above, below=rule.below,
                   window_days=rule.window_days, once=rule.once,
                   update=PolicyUpdate.of(rule.set, scale))


@dataclass(frozen=True)
class Compiled:
    scenario: Scenario
    n_days: int
    scale: float
    factions: FactionParams
    policy: Policy              # the policy at the start (each run keeps its own copy)
    calendar: Calendar
    rules: tuple[CompiledRule, ...]
    mechanisms: MechanismParams


def _read_only(params: Any) -> Any:
    """Mark every array field of a compiled dataclass read-only; return it."""
    for f in dataclasses.fields(params):
        value = getattr(params, f.name)
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    return params


def compile_scenario(scenario: Scenario) -> Compiled:
    n_days = scenario.n_days
    ids = [f.id for f in scenario.factions]
    rules = tuple(CompiledRule.of(ids.index(f.id), rule, scenario.scale)
                  for f in scenario.factions for rule in f.rules)
    return Compiled(scenario=scenario, n_days=n_days, scale=scenario.scale,
                    factions=_read_only(_faction_params(scenario)),
                    policy=_read_only(_policy(scenario)),
                    calendar=_read_only(_calendar(scenario, n_days)), rules=rules,
                    mechanisms=mechanism_params(scenario.mechanisms))
