"""The scenario: a validated description of one case (factions, civilians, calendar, parameters).

Scenario files are TOML. They are parsed and validated here, at the edge; the model's core
receives plain arrays and numbers (see ``compile.py``). Every parameter carries its meaning,
unit and source; ``docs/ODD.md`` lists them and ``desertion show`` prints them resolved.
"""

from __future__ import annotations

import datetime as dt
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from desertion.engine.errors import (
    IDENTIFIER_PATTERN,
    FieldProblems,
    Problem,
    ScenarioError,
)
from desertion.engine.overrides import override_checked
from desertion.engine.scenario_files import ScenarioFiles
from desertion.manpower.limits import (
    FIRST_DAY,
    LAST_DAY,
    MAX_COUNT,
    MAX_PRISON_DAYS,
    in_calendar,
    limit_problems,
    scenario_warnings,
)
from desertion.models import scenario_keys

SanctionName = Literal["none", "fine", "dismissal", "prison", "execution", "corporal",
                       "reprisal"]
OffenceName = Literal["desertion", "shirking", "code", "evasion"]
Identifier = Annotated[str, Field(pattern=IDENTIFIER_PATTERN, max_length=40)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
"""Men at full scale (bounded: a count is multiplied into memory, see ``limits.py``)."""
MenPerDay = Annotated[float, Field(ge=0.0, le=MAX_COUNT)]
"""Men per day (or month) at full scale, bounded like a count."""
def _sums_to_one(mix: dict[str, float]) -> dict[str, float]:
    if not mix:
        raise ValueError("a mix of sanctions needs at least one outcome")
    total = sum(mix.values())
    if abs(total - 1.0) > 1e-9:
        raise ValueError(f"the probabilities of a mix of sanctions must add up to 1 (they "
                         f"add up to {total:.6g})")
    return mix


SanctionMix = Annotated[dict[SanctionName, Annotated[float, Field(ge=0.0, le=1.0)]],
                        AfterValidator(_sums_to_one)]
"""Outcomes of a sentence with their probabilities, e.g. {execution = 0.2, prison = 0.8}."""
SANCTION_NAMES = typing.get_args(SanctionName)
_MIX = TypeAdapter(SanctionMix)


def _sentence(value: Any) -> Any:
    """One sanction's name, or a mix; one message for either kind of mistake (pydantic's
    own would report the value against both kinds)."""
    if isinstance(value, dict):
        try:
            return _MIX.validate_python(value)
        except ValidationError as exc:
            error = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in error["loc"])
            raise ValueError(f"a mix of sanctions: {where + ': ' if where else ''}"
                             f"{error['msg']}") from None
    if value in SANCTION_NAMES:
        return value
    names = ", ".join(repr(n) for n in SANCTION_NAMES[:-1])
    raise ValueError(f"Input should be {names} or {SANCTION_NAMES[-1]!r}, or a mix of them "
                     f"with probabilities, e.g. {{execution = 0.2, prison = 0.8}} (got "
                     f"{value!r})")


Sentence = Annotated[SanctionName | SanctionMix, PlainValidator(_sentence)]
CalendarDate = Annotated[dt.date, AfterValidator(in_calendar)]
"""A date from ``limits.FIRST_DAY`` to ``limits.LAST_DAY``."""
EXTENDED_END = dt.date(2015, 12, 31)


def param(default: Any, meaning: str, unit: str = "", source: str = "assumption",
          **constraints: Any) -> Any:
    """A documented parameter: its meaning, unit and source travel with its default."""
    return Field(default, description=meaning,
                 json_schema_extra={"unit": unit, "source": source}, **constraints)


class Strict(BaseModel):
    # no inf or nan anywhere: TOML can write them, and the model would run with them
    # (a Poisson draw of inf volunteers fails mid-run; a rule "above = nan" never fires).
    # Frozen: a loaded scenario is not changed in place (``with_overrides`` and
    # ``model_copy(update=...)`` make new ones), so a run records what it ran.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Beta(Strict):
    """A Beta distribution on [0, 1] given by its mean and standard deviation."""

    mean: float = Field(ge=0.0, le=1.0, description="mean")
    sd: float = Field(ge=0.0, le=0.5, description="standard deviation")

    @model_validator(mode="after")
    def _feasible(self) -> Beta:
        if self.sd > 0 and self.sd**2 >= self.mean * (1 - self.mean):
            raise ValueError(f"sd={self.sd} is too large for mean={self.mean}: a Beta "
                             f"distribution needs sd^2 < mean*(1-mean)")
        return self


# --- mechanisms' global parameters ---------------------------------------------------------

class Disaffection(Strict):
    """Mechanism 1: D = hardship x (1 - commitment); hardship follows its drivers with a lag."""

    lag_days: float = param(30.0, "time for hardship to move most of the way to its drivers",
                            "days", "assumption; gives the lag of MODEL.md pattern 5", gt=0)
    casualty_weight: float = param(3.0, "hardship per unit casualty rate (recent deaths per "
                                   "member)", "1", "calibrated by hand", ge=0)
    airstrike_weight: float = param(0.1, "hardship per unit of airstrike intensity", "1",
                                    "calibrated by hand", ge=0)
    winter_weight: float = param(0.05, "hardship in a full winter", "1",
                                 "calibrated by hand ('the cold winter', seed text)", ge=0)
    pay_weight: float = param(0.5, "hardship per unit of pay cut (1 - pay level)", "1",
                              "assumption", ge=0)
    momentum_weight: float = param(0.1, "hardship per unit of lost momentum", "1",
                                   "calibrated by hand ('lose its momentum', seed text)", ge=0)
    mistaken_weight: float = param(2.0, "hardship per mistaken punishment per unit member",
                                   "1", "assumption", ge=0)
    reprisal_weight: float = param(2.0, "hardship per reprisal against a comrade's family "
                                   "per unit member (as a mistaken punishment)", "1",
                                   "assumption", ge=0)


class CaptureRisk(Strict):
    """Mechanism 2: P = 1 - exp(-k E/A), Epstein (2002)."""

    k: float = param(2.3, "arrest constant", "1", "Epstein 2002 (k = 2.3)", gt=0)
    rule: Literal["continuous", "floored"] = param(
        "floored", "ratio E/A floored to an integer (NetLogo's Rebellion: fewer enforcers "
        "than leavers means no risk) or as is (Mesa)", "", "Epstein 2002; Wilensky 2004; "
        "floored so that a small cut in enforcers below a threshold tips (pattern 2)")
    hide_exposure: Share = param(0.3, "share of the unit's watch a local faces when he "
                                 "slips home to hide (the other channels face all of it)", "1",
                                 "assumption")
    alert_weight: NonNegative = param(
        1.0, "enforcers a unit's watch gains per recent exit from it (arrests and "
        "intimidation where men have just left; decays like contagion)", "1/exit",
        "seed text ('arrests and intimidation to halt desertions')")


class Severity(Strict):
    """Mechanism 3: the perceived severity S of each sanction, on a 0-1 scale."""

    execution: Share = param(1.0, "severity of execution", "1", "scale anchor")
    prison_per_year: NonNegative = param(0.5, "severity of a year in prison", "1/year",
                                         "assumption")
    fine: Share = param(0.05, "severity of a fine", "1", "assumption")
    dismissal: Share = param(0.15, "severity of dismissal from a state job", "1", "assumption")
    corporal: Share = param(0.2, "severity of corporal punishment (flogging, branding, hard "
                            "labour in the unit)", "1", "assumption")
    reprisal: Share = param(0.4, "severity of a reprisal against his family", "1",
                            "assumption")


class Deterrence(Strict):
    """Mechanism 4: punishments that are seen raise perceived risk for a while, then fade."""

    public_weight: NonNegative = param(
        0.1, "fear added by one public execution per 1,000 fighters of the faction", "1",
        "assumption ('a powerful message', seed text)")
    private_weight: NonNegative = param(
        0.2, "fear added in his unit by one private execution there", "1", "assumption")
    prison_weight: NonNegative = param(0.1, "fear added in his unit by one man jailed there",
                                       "1", "assumption")
    half_life_days: float = param(30.0, "half-life of the fear an example leaves", "days",
                                  "assumption", gt=0)


class Contagion(Strict):
    """Mechanism 5: recent exits among his unit and ties (Koehler, Ohl & Albrecht 2016)."""

    unit_weight: NonNegative = param(1.4, "disaffection added per recent exit per unit member",
                                     "1", "calibrated by hand: exits cluster by unit (pattern "
                                     "6) without whole units leaving in a day (pattern 7)")
    tie_weight: NonNegative = param(0.1, "disaffection added when all his ties left recently",
                                    "1", "assumption")
    risk_discount: NonNegative = param(2.0, "proportional cut in perceived risk per unit of "
                                       "contagion", "1", "assumption")
    memory_days: float = param(14.0, "how long an exit keeps counting as recent", "days",
                               "assumption", gt=0)
    unit_cap: float = param(0.18, "most disaffection a unit's recent exits can add: their "
                            "pull saturates (unit_cap * (1 - exp(-unit_weight * exits per "
                            "member / unit_cap))), so a unit bleeds rather than empties",
                            "1", "calibrated by hand with unit_weight (patterns 6, 7; "
                            "docs/validation.md)", gt=0)


class FearTrigger(Strict):
    """Mechanism 6: combat danger turns disaffection into action (Albrecht & Koehler 2018)."""

    danger_weight: NonNegative = param(0.5, "proportional increase of disaffection per unit "
                                       "of danger (combat plus airstrikes)", "1",
                                       "calibrated by hand")


class Decision(Strict):
    """Mechanism 7: leave if D + contagion - expected cost - barrier > threshold (+ noise)."""

    threshold: Beta = param(Beta(mean=0.28, sd=0.07), "personal activation threshold", "1",
                            "Epstein 2002's T made heterogeneous; level calibrated by hand to "
                            "targets.csv: isis_own_executed_fleeing")
    risk_aversion: Beta = param(Beta(mean=0.5, sd=0.28), "risk aversion R", "1",
                                "Epstein 2002 (U(0,1): mean 0.5, sd 0.29)")
    noise: NonNegative = param(0.03, "scale of the logistic noise added to each day's "
                               "decision (0: deterministic)", "1", "calibrated by hand")
    shirk_ratio: Share = param(1.0, "shirking needs this share of the threshold (he shirks "
                               "when disaffected past it but leaving costs too much)", "1",
                               "assumption (milder disaffection gives shirking)")


class Attrition(Strict):
    """Mechanism 10: combat deaths."""

    airstrike_lethality: NonNegative = param(1.0, "proportional increase in the death rate "
                                             "per unit of airstrike intensity", "1",
                                             "assumption")


class Evasion(Strict):
    """Mechanism 12: draft-eligible civilians weigh service against hiding and flight."""

    consider_rate: Share = param(0.0005, "daily chance an eligible civilian reconsiders "
                                 "without pressure", "1/day", "assumption")
    pressure_weight: NonNegative = param(200.0, "extra reconsideration per unit of draft "
                                         "pressure (men called or taken per eligible man per "
                                         "day)", "1", "assumption")
    service_cost: NonNegative = param(0.4, "cost of serving for an uncommitted man, before "
                                      "danger", "1", "assumption")
    hide_barrier: NonNegative = param(0.3, "cost of living in hiding (no work, no movement)",
                                      "1", "calibrated by hand")
    abroad_barrier: NonNegative = param(0.22, "cost of leaving the country", "1",
                                        "calibrated by hand (smugglers, loss of home)")
    home_hardship: NonNegative = param(0.04, "cost of staying in a country at war (danger, "
                                       "no work), at home or in hiding, per unit of (1 + "
                                       "danger): the push behind flight that is not the draft",
                                       "1", "calibrated by hand to targets.csv: "
                                       "saa_draft_age_fled_abroad (2014)")
    horizon_days: float = param(1095.0, "how far ahead a man weighs the chance of being "
                                "drafted at today's pressure", "days", "calibrated: sweeps "
                                "must weigh on evasion (pattern 3; docs/validation.md 10.2)",
                                gt=0)
    hiding_detection: Share = param(0.3, "how likely a sweep finds a man in hiding, relative "
                                    "to a man at home", "1", "assumption")
    noise: float = param(0.03, "scale of the logit choice among report, hide and flee", "1",
                         "calibrated by hand", gt=0)
    hide_to_abroad_rate: Share = param(0.002, "daily chance a man in hiding reconsiders "
                                       "fleeing abroad", "1/day", "assumption")


class Mechanisms(Strict):
    disaffection: Disaffection = Disaffection()
    capture: CaptureRisk = CaptureRisk()
    severity: Severity = Severity()
    deterrence: Deterrence = Deterrence()
    contagion: Contagion = Contagion()
    fear: FearTrigger = FearTrigger()
    decision: Decision = Decision()
    attrition: Attrition = Attrition()
    evasion: Evasion = Evasion()


# --- factions ------------------------------------------------------------------------------

MAX_AGE = 89.0
"""The oldest age at the start a scenario may give: birth days are kept in a 16-bit column
(``state.py``), days before the start down to -32,767 (89.7 years)."""


class Ages(Strict):
    """Ages at the start, uniform between ``min`` and ``max`` years (men age as the run goes
    on: a man of 17 at the start is 18 a year later)."""

    min: float = Field(ge=0.0, le=MAX_AGE, description="youngest, in years")
    max: float = Field(ge=0.0, le=MAX_AGE, description="oldest, in years")

    @model_validator(mode="after")
    def _ordered(self) -> Ages:
        if self.max < self.min:
            raise ValueError(f"max={self.max} is below min={self.min}")
        return self


class Cohort(Strict):
    """Fighters present at the start, by origin and way of entry."""

    origin: Literal["local", "foreign"]
    entry: Literal["volunteer", "foreign_volunteer", "conscript", "dragooned", "militia"]
    count: Count = Field(description="fighters at the start (full scale)")
    commitment: Beta
    ages: Ages | None = Field(None, description="ages at the start (none: not modelled)")
    source: str = ""


class Enforcement(Strict):
    watchers_per_unit: NonNegative = param(0.3, "officers and commissars watching each unit "
                                           "(enforcers without a military police)", "men",
                                           "assumption")
    military_police_share: Share = param(0.0, "share of fighters serving as military police, "
                                         "spread over the units", "1", "assumption")
    checkpoint: Share = param(0.1, "chance a checkpoint stops a man crossing the faction's "
                              "lines", "1", "assumption")
    foreign_visibility: float = param(3.0, "how much more likely checkpoints stop a "
                                      "foreigner (language, looks, no local shelter)", "1",
                                      "assumption (MODEL.md mechanism 8)", ge=1.0)
    shirker_detection: Share = param(0.1, "daily share of the capture probability that "
                                     "applies to a shirker (he is absent, not crossing "
                                     "lines)", "1/day", "assumption")
    code_violation_rate: NonNegative = param(0.0, "code violations punished per fighter-day",
                                             "1/day", "assumption")
    mistaken_rate: NonNegative = param(0.0, "innocents punished by mistake per military "
                                       "policeman per day", "1/day", "assumption")


class Sanctions(Strict):
    """Mechanism 9: what a caught man gets, per offence: one sanction, or a mix of outcomes
    with their probabilities (``{execution = 0.2, prison = 0.5, corporal = 0.3}``), after a
    trial that acquits with chance ``acquittal``."""

    desertion: Sentence = param("prison", "sanction for a caught deserter", "")
    shirking: Sentence = param("prison", "sanction for a caught shirker", "")
    code: Sentence = param("prison", "sanction for a code violation", "")
    evasion: Sentence = param("fine", "sanction for a caught draft evader", "")
    acquittal: Share = param(0.0, "chance a trial acquits the accused (he goes back to duty "
                             "unpunished); 0: no trial, or one that always convicts", "1",
                             "assumption")
    prison_days: int = param(90, "length of a prison term", "days", "assumption", ge=1,
                             le=MAX_PRISON_DAYS)
    publicity: Share = param(0.5, "share of executions made public across the faction "
                             "(the rest are seen only in the unit)", "1", "assumption")


class Barriers(Strict):
    """Mechanism 8: the fixed cost of each exit channel (on the scale of disaffection)."""

    hide: NonNegative = param(0.05, "barrier to slipping home and hiding (locals)", "1")
    abroad: NonNegative = param(0.2, "barrier to fleeing abroad (locals)", "1")
    home: NonNegative = param(0.3, "barrier to a foreigner's journey home", "1")
    defect: NonNegative = param(0.4, "barrier to defecting to an accepting faction", "1")
    travel_ban: NonNegative = param(0.25, "barrier added to leaving the country under a "
                                    "travel ban", "1")
    travel_ban_checkpoint: Share = param(0.3, "chance of being stopped added at the border "
                                         "under a travel ban", "1")
    smuggling: NonNegative = param(0.1, "price of a smuggler's route out under a travel ban "
                                   "(bribes, forged papers), on top of the barrier abroad", "1")
    smuggling_interception: Share = param(0.3, "share of the border's chance of being "
                                          "stopped that a smuggled man still faces", "1")
    surrender: NonNegative | None = param(
        None, "barrier to surrendering to a state's demobilisation programme (reaching its "
        "lines, handing in his weapon, the stigma); none: the faction's men have no such "
        "programme (a schedule that sets it opens one on its date)", "1",
        "MODEL.md mechanism 8 (exit channels), issue 14")


class Rewards(Strict):
    """Incentives on the exit channels: the value to him of what he is offered for taking
    the channel (cash, amnesty, land, a job, reintegration), subtracted from its barrier.
    A reward larger than the barrier makes the channel pay: its net cost is negative."""

    hide: NonNegative = param(0.0, "reward for slipping home (e.g. a pardon for deserters "
                              "who stay quietly at home)", "1")
    abroad: NonNegative = param(0.0, "reward for leaving the country (e.g. resettlement)",
                                "1")
    home: NonNegative = param(0.0, "reward for a foreigner's journey home (e.g. a home "
                              "country's amnesty for returnees)", "1")
    defect: NonNegative = param(0.0, "reward for defecting to the accepting faction (pay, "
                                "a bounty for arms)", "1")
    surrender: NonNegative = param(0.0, "reward for surrendering to the state's programme "
                                   "(cash, amnesty, reintegration)", "1")


class Recruitment(Strict):
    local_volunteers_per_day: MenPerDay = param(0.0, "local volunteers joining per day at "
                                                "zero momentum", "men/day")
    foreign_volunteers_per_month: MenPerDay = param(0.0, "foreign volunteers arriving per "
                                                    "month at zero momentum", "men/month")
    momentum_elasticity: NonNegative = param(1.0, "proportional change in volunteering per "
                                             "unit of momentum", "1", "assumption")
    volunteer_commitment: Beta = param(Beta(mean=0.75, sd=0.12), "commitment of new local "
                                       "volunteers", "1", "assumption")
    foreign_volunteer_commitment: Beta = param(Beta(mean=0.8, sd=0.1), "commitment of new "
                                               "foreign volunteers", "1", "assumption")
    callups_per_day: MenPerDay = param(0.0, "call-up notices sent to eligible civilians per "
                                       "day", "men/day")
    gap_response: Share = param(0.0, "share of the side's manpower gap (below its strength at "
                                "the start) turned into call-ups per day", "1/day",
                                "assumption (MODEL.md mechanism 13)")
    conscript_commitment_factor: Share = param(0.8, "commitment of a conscript relative to "
                                               "his commitment as a civilian", "1")
    dragooned_commitment_factor: Share = param(0.5, "commitment of a man taken in a sweep "
                                               "relative to his commitment as a civilian", "1",
                                               "assumption (seed text: dragooned men desert "
                                               "more)")
    conscript_threshold_factor: NonNegative = param(
        1.0, "a conscript's activation threshold relative to his own (below 1 he acts on "
        "less disaffection: a higher desertion hazard); applies to starting cohorts of entry "
        "conscript too", "1", "assumption (1: the entry route acts through commitment only)")
    dragooned_threshold_factor: NonNegative = param(
        1.0, "the same for a man taken by force (a sweep, or a starting cohort of entry "
        "dragooned)", "1", "assumption (1: the entry route acts through commitment only)")
    draft_age_min: float = param(0.0, "youngest age call-ups and sweeps take (men of unknown "
                                 "age are always within the band)", "years", "", ge=0.0,
                                 le=MAX_AGE)
    draft_age_max: float = param(MAX_AGE, "oldest age call-ups and sweeps take", "years", "",
                                 ge=0.0, le=MAX_AGE)
    accepts_defectors_from: list[Identifier] = param([], "factions whose fighters this one "
                                                     "takes in", "")


class PolicyChange(Strict):
    """Values a scheduled policy event or an adaptive rule sets (unset ones are kept)."""

    military_police_share: Share | None = None
    checkpoint: Share | None = None
    desertion: Sentence | None = None
    shirking: Sentence | None = None
    code: Sentence | None = None
    evasion: Sentence | None = None
    acquittal: Share | None = None
    publicity: Share | None = None
    callups_per_day: MenPerDay | None = None
    sweep_per_day: MenPerDay | None = None
    travel_ban: bool | None = None


class Rule(Strict):
    """Mechanism 15: if a metric crosses a level, change policy."""

    metric: Literal["desertion_rate", "strength_ratio", "shirking_share"] = Field(
        description="desertion_rate: attempts to leave (caught or not) per 1,000 fighters per "
        "day over the window; "
        "strength_ratio: strength now over strength at the start; shirking_share: share of "
        "the ranks shirking")
    above: float | None = None
    below: float | None = None
    window_days: int = Field(30, ge=1, le=365)
    set: PolicyChange
    once: bool = True

    @model_validator(mode="after")
    def _one_side(self) -> Rule:
        if (self.above is None) == (self.below is None):
            raise ValueError("give exactly one of 'above' or 'below'")
        return self


class Faction(Strict):
    id: Identifier
    name: str = ""
    side: Identifier
    cohorts: list[Cohort] = Field(default_factory=list)
    unit_size: int = param(30, "men per unit (the group he serves and talks with)", "men",
                           "assumption (platoon)", ge=2, le=1000)
    ties_per_fighter: int = param(2, "ties to other fighters of his faction, drawn at random "
                                  "(his own unit included)", "ties", "assumption", ge=0,
                                  le=16)
    base_hardship: Share = param(0.2, "hardship with no casualties, strikes, winter or cuts",
                                 "1", "assumption")
    pay: NonNegative = param(1.0, "pay level (1 = normal)", "1")
    combat_death_rate: Share = param(0.0002, "deaths per fighter-day at combat intensity 1 "
                                     "(a daily chance)", "1/day")
    combat_capture_rate: Share = param(0.0, "men taken prisoner by the enemy per "
                                       "fighter-day at combat intensity 1 (a daily chance)",
                                       "1/day", "assumption (0: captures are not modelled)")
    duty_rosters: bool = param(True, "whether the faction keeps duty rosters, so that a man "
                               "can shirk (stay on its books without reporting) and be "
                               "caught shirking; false for a group without them: its men "
                               "serve or try to leave", "", "MODEL.md mechanism 7 (shirking "
                               "presumes a state army's rosters)")
    enforcement: Enforcement = Enforcement()
    sanctions: Sanctions = Sanctions()
    barriers: Barriers = Barriers()
    rewards: Rewards = Rewards()
    recruitment: Recruitment = Recruitment()
    rules: list[Rule] = Field(default_factory=list)


class Civilians(Strict):
    """Draft-age civilian men under a faction's conscription."""

    territory: Identifier = Field(description="the faction whose conscription reaches them")
    draft_eligible_men: Count = Field(description="men of draft age (full scale)")
    state_employee_share: Share = Field(0.0, description="share employed by the state")
    commitment: Beta = Field(Beta(mean=0.4, sd=0.2), description="support for the faction")
    ages: Ages | None = Field(None, description="ages at the start (none: not modelled, every "
                              "man is within any draft-age band)")
    source: str = ""


# --- the calendar --------------------------------------------------------------------------

def _not_before_start(day: dt.date | None, info: ValidationInfo, whose: str
                      ) -> dt.date | None:
    """Field validator body: ``day`` must not come before the (already validated) start."""
    start = info.data.get("start")
    if day is not None and start is not None and day < start:
        raise ValueError(f"{day} is before {whose} start {start}")
    return day


class EventBase(Strict):
    faction: Identifier | None = Field(None, description="the faction concerned (none: all)")
    start: CalendarDate
    end: CalendarDate | None = Field(None, description="last day (inclusive); none: to the "
                                     "end")
    source: str = ""

    @field_validator("end")
    @classmethod
    def _ordered(cls, end: dt.date | None, info: ValidationInfo) -> dt.date | None:
        return _not_before_start(end, info, "the event's")


class Airstrikes(EventBase):
    kind: Literal["airstrikes"]
    intensity: NonNegative


class Momentum(EventBase):
    kind: Literal["momentum"]
    value: float = Field(ge=-1.0, le=1.0)


class Combat(EventBase):
    kind: Literal["combat"]
    intensity: NonNegative


class Winter(EventBase):
    kind: Literal["winter"]
    severity: Share


class Pay(EventBase):
    kind: Literal["pay"]
    level: NonNegative


class TravelBan(EventBase):
    kind: Literal["travel_ban"]


class EmployeeSanctions(EventBase):
    kind: Literal["employee_sanctions"]


class ConscriptionSweep(EventBase):
    kind: Literal["conscription_sweep"]
    men: Count = Field(description="men to take over the window (full scale)")


class ReservistCallup(EventBase):
    kind: Literal["reservist_callup"]
    men: Count = Field(description="call-up notices over the window (full scale)")


class MilitiaWithdrawal(EventBase):
    kind: Literal["militia_withdrawal"]
    share: Share = Field(description="share of the faction's fighters who leave")


class Amnesty(EventBase):
    kind: Literal["amnesty"]
    return_rate: Share = Field(description="daily chance a deserter in hiding considers "
                               "returning")


class PolicySwitch(EventBase):
    kind: Literal["policy"]
    set: PolicyChange


class ForeignInflow(EventBase):
    """Foreign volunteers arriving per month over the window, in place of the faction's
    `recruitment.foreign_volunteers_per_month` (momentum still scales it, as in 7.11)."""

    kind: Literal["foreign_inflow"]
    per_month: MenPerDay = Field(description="foreign volunteers arriving per month over the "
                                 "window (full scale), before momentum",
                                 json_schema_extra={"unit": "men/month"})


Event = Annotated[
    Airstrikes | Momentum | Combat | Winter | Pay | TravelBan | EmployeeSanctions
    | ConscriptionSweep | ReservistCallup | MilitiaWithdrawal | Amnesty | PolicySwitch
    | ForeignInflow,
    Field(discriminator="kind"),
]


class Schedule(Strict):
    """A parameter that changes over time (``desertion.manpower.schedules``): its values on
    dates, held until the next (``step``) or joined by straight lines (``linear``)."""

    parameter: str = Field(description="the parameter: a path inside a faction (e.g. "
                           "`barriers.hide`, `rewards.surrender`) or `mechanisms.<section>."
                           "<field>`")
    faction: Identifier | None = Field(None, description="the faction it applies to (none: "
                                       "every faction; none for a mechanism's parameter)")
    values: list[tuple[CalendarDate, float]] = Field(
        default_factory=list, description="[date, value] pairs, in the parameter's unit at "
        "full scale")
    series: str | None = Field(None, description="a CSV file with the columns date,value "
                               "(a path relative to the scenario file), read into `values`")
    interpolation: Literal["step", "linear"] = Field(
        "step", description="step: each value holds until the next date; linear: values "
        "between dates lie on the line joining them (a ramp)")
    source: str = Field("", description="where the values come from")

    @model_validator(mode="before")
    @classmethod
    def _read_series(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("series") and not data.get("values"):
            from desertion.manpower.schedules import read_series
            try:
                data = {**data, "values": read_series(data["series"])}
            except OSError as exc:
                raise ValueError(f"series {data['series']!r}: {exc.strerror or exc}") from None
        return data

    @model_validator(mode="after")
    def _has_values(self) -> Schedule:
        if not self.values:
            raise ValueError("a schedule needs values or a series")
        return self


class Scenario(Strict):
    """One case to simulate. See ``docs/ODD.md`` for every parameter."""

    model: Literal["manpower"] = "manpower"
    name: str = "scenario"
    description: str = ""
    start: CalendarDate = dt.date(2014, 6, 1)
    end: CalendarDate = dt.date(2014, 12, 31)
    extend_through_2015: bool = Field(False, description="run on to 2015-12-31")
    seed: int = Field(0, ge=0)
    scale: float = Field(1.0, gt=0.0, le=1.0, description="fraction of the population "
                         "simulated; counts are reported scaled back")
    stop: CalendarDate | None = Field(None, description="stop the run early, after this "
                                      "day; the calendar stays that of the whole scenario")
    mechanisms: Mechanisms = Mechanisms()
    factions: list[Faction] = Field(min_length=1)
    civilians: list[Civilians] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    extension_events: list[Event] = Field(
        default_factory=list, description="the calendar of the extension: events that may "
        "start after `end` (up to 2015-12-31) and take effect only in a run that reaches them "
        "(extend_through_2015, --until, a later end); applied after `events`")
    schedules: list[Schedule] = Field(
        default_factory=list, description="parameters that change over time (steps, ramps, "
        "CSV series); see docs/ODD.md 7.16")

    @property
    def calendar_end(self) -> dt.date:
        """The last day of the scenario's calendar (``events`` must lie within it)."""
        return max(self.end, EXTENDED_END) if self.extend_through_2015 else self.end

    @property
    def extension_end(self) -> dt.date:
        """The last day ``extension_events`` may use: the extension's last day, 2015-12-31,
        or the calendar's end if that is later."""
        return max(self.calendar_end, EXTENDED_END)

    @property
    def calendar_events(self) -> list[Any]:
        """The events of this run's calendar, in the order they are applied: ``events``,
        then the ``extension_events`` that start by ``calendar_end`` (the others wait for
        a longer run and do nothing in this one)."""
        return self.events + [e for e in self.extension_events
                              if e.start <= self.calendar_end]

    @property
    def last_day(self) -> dt.date:
        """The last day simulated."""
        return min(self.stop, self.calendar_end) if self.stop else self.calendar_end

    @property
    def n_days(self) -> int:
        return (self.last_day - self.start).days + 1

    @field_validator("end", "stop")
    @classmethod
    def _after_start(cls, day: dt.date | None, info: ValidationInfo) -> dt.date | None:
        return _not_before_start(day, info, "the run's")

    @model_validator(mode="after")
    def _runnable(self) -> Scenario:
        # cross-field checks live here, not only in the loader, so that every way of making
        # a scenario (files, with_overrides, the experiments' apply_overrides) passes them
        problems = _check_references(self) + limit_problems(self)
        if problems:
            raise FieldProblems(problems)
        return self

    def with_overrides(self, overrides: dict[str, Any], source: str | None = None, *,
                       option: str = "") -> Scenario:
        """A copy with dotted-path values replaced, e.g. ``{"factions.isis.pay": 0.8}``.

        The result is validated like a file: a bad value raises ``ScenarioError`` naming
        ``source`` (default: the scenario's name), the key and what was expected. ``option``
        (e.g. ``"--set"``) prefixes the keys of problems with the values it set.
        """
        source = source or self.name
        return override_checked(self, overrides, lambda data: validate_scenario(data, source),
                                ScenarioError, source, option)

    def until(self, last_day: dt.date) -> Scenario:
        """A copy that stops after ``last_day``.

        Within the calendar the run simply stops early (``stop``): every event keeps its
        window, so the days simulated are exactly the first days of the full run. Past the
        calendar's end the run is extended (open-ended events go on). A day outside the
        calendar a run can use, before the start, or too far on raises ``ScenarioError`` at
        the key ``until``.
        """
        if not FIRST_DAY <= last_day <= LAST_DAY or last_day < self.start:
            reason = f"is before the run's start {self.start}" if last_day < self.start else \
                f"is outside the calendar a run can use ({FIRST_DAY} to {LAST_DAY})"
            raise ScenarioError(self.name, [("until", f"{last_day} {reason}")])
        if last_day <= self.calendar_end:
            short = self.model_copy(update={"stop": last_day})
        else:
            short = self.model_copy(update={"end": last_day, "extend_through_2015": False,
                                            "stop": None})
        problems = limit_problems(short, last_day_key="until")
        if problems:
            raise ScenarioError(self.name, problems)
        return short

    def warnings(self) -> list[str]:
        """One-line warnings: a run that simulates nothing, or may take long (``limits``)."""
        return scenario_warnings(self)


# --- loading -------------------------------------------------------------------------------
# ``ScenarioError`` is the engine's (``desertion.engine.errors``), re-exported from here.


def _check_references(scenario: Scenario) -> list[Problem]:
    """Cross-field checks pydantic cannot express field by field."""
    problems: list[Problem] = []
    ids = [f.id for f in scenario.factions]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        problems.append(("factions", f"duplicate faction ids {sorted(duplicates)}"))
    known = set(ids)
    for i, faction in enumerate(scenario.factions):
        for j, other in enumerate(faction.recruitment.accepts_defectors_from):
            if other not in known:
                problems.append((f"factions[{i}]({faction.id}).recruitment."
                                 f"accepts_defectors_from[{j}]",
                                 f"unknown faction {other!r}; expected one of {sorted(known)}"))
    for i, block in enumerate(scenario.civilians):
        if block.territory not in known:
            problems.append((f"civilians[{i}].territory", f"unknown faction "
                             f"{block.territory!r}; expected one of {sorted(known)}"))
    last = scenario.calendar_end
    if scenario.stop is not None and scenario.stop > last:
        problems.append(("stop", f"{scenario.stop} is after the calendar's last day {last}"))
    for i, event in enumerate(scenario.events):
        problems += _event_problems(scenario, f"events[{i}]({event.kind})", event, known)
    for i, event in enumerate(scenario.extension_events):
        problems += _event_problems(scenario, f"extension_events[{i}]({event.kind})", event,
                                    known, extension=True)
    if scenario.schedules:
        from desertion.manpower.schedules import schedule_problems
        for i, schedule in enumerate(scenario.schedules):
            problems += schedule_problems(scenario, f"schedules[{i}]", schedule, known)
    return problems


_NEED_END = ("conscription_sweep", "reservist_callup", "amnesty", "militia_withdrawal")
_NEED_FACTION = ("militia_withdrawal", "conscription_sweep", "reservist_callup", "amnesty",
                 "policy", "foreign_inflow")


def _event_problems(scenario: Scenario, key: str, event: Any, known: set[str],
                    extension: bool = False) -> list[Problem]:
    """One event's checks. An event of ``events`` lies within the run's calendar (start to
    ``calendar_end``); one of ``extension_events`` may start after it, up to
    ``extension_end`` (the rule of ODD 2.6)."""
    problems: list[Problem] = []
    first = scenario.start
    last = scenario.extension_end if extension else scenario.calendar_end
    if event.faction is not None and event.faction not in known:
        problems.append((f"{key}.faction", f"unknown faction {event.faction!r}; expected "
                         f"one of {sorted(known)}"))
    if not first <= event.start <= last:
        where = "the extension's calendar" if extension else "the run"
        hint = "; an event for the run's extension past end goes in extension_events" \
            if not extension and scenario.calendar_end < event.start <= EXTENDED_END else ""
        problems.append((f"{key}.start", f"{event.start} is outside {where} "
                         f"({first} to {last}){hint}"))
    if event.end is not None and event.end > last:
        problems.append((f"{key}.end", f"{event.end} is after the "
                         f"{'extension' if extension else 'run'}'s last day {last}"))
    if event.kind in _NEED_END and event.end is None:
        problems.append((f"{key}.end", "this kind of event needs an end date"))
    if event.kind in _NEED_FACTION and event.faction is None:
        problems.append((f"{key}.faction", "this kind of event needs a faction"))
    return problems


def validate_scenario(data: dict[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate a scenario given as a dict (as parsed from TOML); raise ``ScenarioError``."""
    return FILES.validated(data, source)


FILES = ScenarioFiles(model="manpower", label="manpower", package="desertion.manpower",
                      folder="scenarios", schema=Scenario, keys_by_model=scenario_keys,
                      error=ScenarioError, default_model="manpower",
                      relative_paths=(("schedules", "series"),))
"""Where the manpower model's scenario files are, and how they are checked."""
SHIPPED = FILES.shipped_folder


def shipped_scenarios() -> dict[str, str]:
    """Shipped scenario names with their one-line descriptions."""
    return FILES.shipped()


def load_scenario(source: str | Path, **overrides: Any) -> Scenario:
    """Load a scenario by shipped name (``"isis-2014"``) or path, validated.

    A file may ``include = ["other.toml", ...]`` scenarios it builds on (paths relative to
    it, or shipped names): their tables are merged under its own, factions by id.
    Keyword overrides replace top-level values (``seed``, ``scale``, ``end``, ...).
    See ``desertion.engine.scenario_files``.
    """
    return FILES.load(source, **overrides)
