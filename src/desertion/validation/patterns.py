"""The nine patterns of MODEL.md section 6, each defined once as a designed experiment.

Each pattern runs controlled arms of the shipped scenarios with their shipped parameters
(one parameter set), varying only the factor under study; arms run with the same seed are
paired. Each check states its statistic, how seeds are combined (``design.py``) and its
threshold before anything runs. ``docs/validation.md`` states every criterion in words.

Scales are those of the CI tests: isis-2014 at 0.2, saa-2014 and syria-2014 at 0.05,
pattern 2's pay paths on saa-2014 at 0.02 and pattern 8 on saa-2014 at 0.2 (to 31
August); ``desertion validate --scale F`` multiplies them all by F.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from typing import Any

from scipy import stats

from desertion.validation.design import Check, Pattern
from desertion.validation.trace import (
    Arm,
    TracedRun,
    day,
    dispersion,
    event_index,
    man_days,
    stock,
    total,
    unit_losses,
)

ISIS, ISIS_SCALE = "isis-2014", 0.2
SAA, SAA_SCALE = "saa-2014", 0.05
SYRIA, SYRIA_SCALE = "syria-2014", 0.05
PAY_SCALE = 0.02
WITHDRAWAL_SCALE, WITHDRAWAL_UNTIL = 0.2, "2014-08-31"
SWEEP_START = "2014-10-20"
AFTER_SWEEP = "2015-03-31"
"""Pattern 3's horizon for the men a crackdown keeps: a quarter after the sweep ends."""
OUT_OF_REACH = ("hiding", "abroad")
IN_RANKS = ("serving", "shirking", "jailed")
NO_CONTAGION = {"mechanisms.contagion.unit_weight": 0.0,
                "mechanisms.contagion.tie_weight": 0.0}
ENTRIES = ("volunteer", "conscript", "dragooned")


@functools.cache
def shipped(name: str) -> Any:
    """A shipped scenario as it ships (for the values the arms change)."""
    from desertion import load_scenario

    return load_scenario(name)


def isis_watch() -> float:
    return shipped(ISIS).factions[0].enforcement.watchers_per_unit


def saa_event(kind: str) -> int:
    return event_index(shipped(SAA), kind)


# --- measures: module-level functions, so that they travel to worker processes -----------

def attempts(r: TracedRun) -> dict[str, float]:
    """ISIS attempts to leave over the run."""
    return {"attempts": total(r, "attempted", "isis")}


def pay_peak(r: TracedRun) -> dict[str, float]:
    """SAA attempts: the largest 7-day sum, and the total."""
    ev = r.events
    daily = ev[(ev["event"] == "attempted") & (ev["faction"] == "saa")].groupby(
        "date")["count"].sum().asfreq("D", fill_value=0.0)
    return {"peak": float(daily.rolling(7).sum().max()), "total": float(daily.sum())}


def _rate(r: TracedRun, faction: str, first: str, last: str) -> float:
    """Attempts to leave per 1,000 man-days on duty in [first, last]."""
    return 1e3 * total(r, "attempted", faction, first=first, last=last) / max(
        man_days(r, faction, first=first, last=last), 1.0)


def crackdown(r: TracedRun) -> dict[str, float]:
    """saa-2014 under a sweep: intake, men out of reach, evasion, flight, entry hazards."""
    first4 = {"first": SWEEP_START, "last": "2014-11-16"}
    since = {"first": SWEEP_START}
    out = {"intake": total(r, "dragooned", "saa", **first4)
           + total(r, "conscripted", "saa", **first4),
           "out_of_reach": stock(r, "saa", OUT_OF_REACH),
           "taken": total(r, "dragooned", "saa"),
           "kept": stock(r, "saa", IN_RANKS),
           "kept_16nov": stock(r, "saa", IN_RANKS, "2014-11-16"),
           "evaders": sum(total(r, event, "saa", ("callup", "pressure"), **since)
                          for event in ("went_into_hiding", "fled_abroad")),
           "flight": total(r, "fled_abroad", "saa", **since)
           + total(r, "escaped", "saa", "abroad", **since)}
    from desertion.manpower.codes import Entry

    for name in ENTRIES:
        e = Entry[name.upper()]
        out[f"exits_{name}"] = float(r.entry_exits[e])
        out[f"duty_{name}"] = float(r.entry_duty_days[e])
    return out


def kept_after(r: TracedRun) -> dict[str, float]:
    """saa-2014 run on into 2015: men taken by 31 Dec, men in the ranks then and at
    ``AFTER_SWEEP``."""
    return {"taken": total(r, "dragooned", "saa", last="2014-12-31"),
            "kept_31dec": stock(r, "saa", IN_RANKS, "2014-12-31"),
            "kept_after": stock(r, "saa", IN_RANKS, AFTER_SWEEP)}


def origins(r: TracedRun) -> dict[str, float]:
    """isis-2014 by origin: attempts, man-days on duty, caught, executed (and agents)."""
    channels = ("hide", "abroad", "home", "defect")
    out = {}
    for o in ("local", "foreign"):
        out[f"attempts_{o}"] = total(r, "attempted", "isis", origin=o)
        out[f"days_{o}"] = man_days(r, "isis", origin=o)
        out[f"caught_{o}"] = total(r, "caught", "isis", channels, origin=o)
        out[f"executed_{o}"] = total(r, "executed", "isis", "desertion", origin=o)
        out[f"executed_agents_{o}"] = float(round(out[f"executed_{o}"] * r.scale))
    return out


ISIS_WINDOWS = (("2014-08-16", "2014-09-14"), ("2014-09-15", "2014-10-14"),
                ("2014-10-15", "2014-11-13"))
SAA_WINDOWS = (("2014-06-24", "2014-07-23"), ("2014-07-24", "2014-08-22"),
               ("2014-08-23", "2014-09-21"))
GAINING, STALLED = ("2014-06-10", "2014-08-31"), ("2014-09-15", "2014-12-31")
DECEMBER = (("2014-12-01", "2014-12-15"), ("2014-12-16", "2014-12-31"))


def isis_momentum(r: TracedRun) -> dict[str, float]:
    """isis-2014: volunteers per day gaining and stalled; attempt rates around Kobani."""
    out = {}
    for name, (first, last) in (("gaining", GAINING), ("stalled", STALLED)):
        n_days = day(last) - day(first) + 1
        out[name] = total(r, "joined", "isis", ("volunteer", "foreign_volunteer"),
                          first=first, last=last) / n_days
    out |= {f"rate{i}": _rate(r, "isis", a, b) for i, (a, b) in enumerate(ISIS_WINDOWS)}
    return out


def saa_momentum(r: TracedRun) -> dict[str, float]:
    """saa-2014: attempt rates around the July losses; attempts in December's halves."""
    out = {f"rate{i}": _rate(r, "saa", a, b) for i, (a, b) in enumerate(SAA_WINDOWS)}
    out |= {f"december{i}": total(r, "attempted", "saa", first=a, last=b)
            for i, (a, b) in enumerate(DECEMBER)}
    return out


def saa_units(r: TracedRun) -> dict[str, float]:
    """saa-2014: dispersion of attempts per unit; exits per combat death."""
    index, dof = dispersion(r, "saa")
    exits = sum(total(r, e, "saa") for e in ("escaped", "defected", "executed"))
    killed = total(r, "killed", "saa")
    return {"dispersion": index, "dof": float(dof),
            "critical": float(stats.chi2.isf(1e-3, dof) / dof) if dof > 0 else math.nan,
            "exits_per_death": exits / killed if killed else math.nan}


def isis_units(r: TracedRun) -> dict[str, float]:
    """isis-2014: share of attempts in mass exits, and the largest daily unit loss."""
    mass, largest = unit_losses(r, "isis")
    return {"mass": mass, "largest": largest}


def syria(r: TracedRun) -> dict[str, float]:
    """syria-2014: SAA defections and desertions; the SAA's mass exits."""
    mass, largest = unit_losses(r, "saa")
    return {"defected": total(r, "defected", "saa"), "deserted": total(r, "escaped", "saa"),
            "mass": mass, "largest": largest}


def withdrawal(r: TracedRun) -> dict[str, float]:
    """saa-2014 to 31 August: call-ups (before the withdrawal and in all), evasion, flight."""
    def callups(**window: str) -> float:
        return (total(r, "conscripted", "saa", **window)
                + total(r, "went_into_hiding", "saa", "callup", **window)
                + total(r, "fled_abroad", "saa", "callup", **window))

    return {"callups_before": callups(last="2014-06-14"), "callups": callups(),
            "conscripted": total(r, "conscripted", "saa"),
            "hiding": total(r, "went_into_hiding", "saa"),
            "flight": total(r, "fled_abroad", "saa")}


# --- the shared arms ------------------------------------------------------------------------

def isis_arm(overrides: dict[str, Any] | None = None, measure: Any = attempts) -> Arm:
    """isis-2014 at 0.2; the shipped arm is traced (attempts by unit), and shared."""
    return Arm(ISIS, ISIS_SCALE, measure, overrides or {}, trace=not overrides)


def saa_arm(overrides: dict[str, Any] | None = None, measure: Any = crackdown,
            trace: bool = True) -> Arm:
    """saa-2014 at 0.05, traced by entry from the sweep's start (the shipped arm is shared)."""
    return Arm(SAA, SAA_SCALE, measure, overrides or {}, trace=trace,
               entry_from=SWEEP_START if trace else None, entry_faction="saa" if trace
               else None)


def watch(w: float, hardship: float | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {} if w == isis_watch() else {
        "factions.isis.enforcement.watchers_per_unit": w}
    if hardship is not None:
        out["factions.isis.base_hardship"] = hardship
    return out


def ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


def share(part: float, whole: float) -> float:
    return part / whole if whole else math.nan


def arc(at_high: float, at_low: float, e_high: float, e_low: float) -> float:
    """Arc elasticity of attempts to the watch between two watch levels."""
    return ratio((at_low - at_high) / ((at_low + at_high) / 2),
                 (e_high - e_low) / ((e_high + e_low) / 2))


def _a(m: Any, arm: str, key: str = "attempts") -> float:
    return m[arm][key]


# --- the patterns ---------------------------------------------------------------------------

def p1() -> Pattern:
    w = isis_watch()
    arms = {"watch 0": isis_arm(watch(0.0)), "shipped": isis_arm(),
            "watch 2x": isis_arm(watch(2 * w)), "shock, watch 0": isis_arm(watch(0.0, 0.5)),
            "shock, watch 2x": isis_arm(watch(2 * w, 0.5))}
    calm = ("watch 0", "shipped", "watch 2x")
    checks = (
        Check("shipped-watch-cuts", "ISIS attempts, shipped watch / no watch",
              ("shipped", "watch 0"), lambda m: ratio(_a(m, "shipped"), _a(m, "watch 0")),
              "<", 0.9, log=True),
        Check("second-step-cuts", "ISIS attempts, twice the watch / shipped",
              ("watch 2x", "shipped"), lambda m: ratio(_a(m, "watch 2x"), _a(m, "shipped")),
              "<", 0.95, log=True),
        Check("diminishing-returns", "share of the cut from no watch to twice the watch "
              "bought by the first step", calm,
              lambda m: share(_a(m, "watch 0") - _a(m, "shipped"),
                              _a(m, "watch 0") - _a(m, "watch 2x")), ">", 2 / 3),
        Check("collapses-under-shock", "relative cut bought by twice the watch, shock "
              "(base hardship 0.5) / calm", ("watch 0", "watch 2x", "shock, watch 0",
                                             "shock, watch 2x"),
              lambda m: ratio(1 - ratio(_a(m, "shock, watch 2x"), _a(m, "shock, watch 0")),
                              1 - ratio(_a(m, "watch 2x"), _a(m, "watch 0"))), "<", 0.4))
    return Pattern(1, "Deterrence saturates", arms, checks,
                   f"isis-2014: watchers per unit 0, {w:g} (shipped), {2 * w:g}; the same "
                   "without and with a shock (base hardship 0.5); attempts to leave")


def pay_path(level: float, shock_day: int | None, drift_days: int = 120, steps: int = 12
             ) -> tuple[dict[str, Any], ...]:
    """Pay events for the saa: a single cut to ``level`` on ``shock_day``, or (None) the same
    cut in ``steps`` equal steps over ``drift_days`` from the first day, centred on day 60."""
    start = dt.date(2014, 6, 1)
    if shock_day is not None:
        return ({"kind": "pay", "faction": "saa", "level": level,
                 "start": (start + dt.timedelta(shock_day)).isoformat()},)
    width = drift_days // steps
    return tuple({"kind": "pay", "faction": "saa", "level": 1 - (1 - level) * (i + 1) / steps,
                  "start": (start + dt.timedelta(i * width)).isoformat(),
                  "end": None if i == steps - 1 else
                  (start + dt.timedelta((i + 1) * width - 1)).isoformat()}
                 for i in range(steps))


def _pay_arm(shock_day: int | None, overrides: dict[str, Any] | None = None) -> Arm:
    return Arm(SAA, PAY_SCALE, pay_peak, overrides or {}, events=pay_path(0.7, shock_day))


def _peak_ratio(m: Any, suffix: str = "") -> float:
    return ratio(m["shock" + suffix]["peak"], m["drift" + suffix]["peak"])


def p2() -> Pattern:
    w = isis_watch()
    arms = {"shock": _pay_arm(60), "drift": _pay_arm(None),
            "shock, no contagion": _pay_arm(60, NO_CONTAGION),
            "drift, no contagion": _pay_arm(None, NO_CONTAGION),
            "shipped": isis_arm(), "watch -10%": isis_arm(watch(0.9 * w))}
    cut = ("watch -10%", "shipped")
    checks = (
        Check("shock-peak", "SAA peak weekly attempts, sudden 30% pay cut / slow drift",
              ("shock", "drift"), _peak_ratio, ">", 1.2, log=True),
        Check("cascade", "peak ratio sudden/drift with contagion minus without",
              ("shock", "drift", "shock, no contagion", "drift, no contagion"),
              lambda m: _peak_ratio(m) - _peak_ratio(m, ", no contagion"), ">", 0.2),
        Check("enforcer-cut-jump", "ISIS attempts, shipped capture rule, watch cut by 10% / "
              "shipped", cut, lambda m: ratio(_a(m, cut[0]), _a(m, cut[1])), ">", 1.5,
              log=True),
        Check("enforcer-cut-elasticity", "elasticity of attempts to the 10% cut (shipped "
              "rule)", cut, lambda m: (ratio(_a(m, cut[0]), _a(m, cut[1])) - 1) / 0.1, ">", 2))
    return Pattern(2, "Tipping comes from shocks, not drift", arms, checks,
                   "saa-2014 (scale 0.02): a 30% pay cut on 31 July or in 12 steps over "
                   "June-September, with and without contagion; isis-2014: the watch cut by "
                   f"10% ({w:g} to {0.9 * w:g} per unit) under the shipped (floored) "
                   "capture rule")


def _diff(m: Any, key: str, a: str = "crackdown", b: str = "shipped sweep") -> float:
    return m[a][key] - m[b][key]


def _hazard(m: Any, entry: str) -> float:
    s = m["shipped sweep"]
    return ratio(s[f"exits_{entry}"], s[f"duty_{entry}"])


def p3() -> Pattern:
    sweep = saa_event("conscription_sweep")
    men = shipped(SAA).events[sweep].men
    on = {"extend_through_2015": True}
    arms = {"shipped sweep": saa_arm(), "crackdown": saa_arm({f"events.{sweep}.men": 5 * men}),
            "shipped sweep, on": Arm(SAA, SAA_SCALE, kept_after, on, until=AFTER_SWEEP),
            "crackdown, on": Arm(SAA, SAA_SCALE, kept_after,
                                 {**on, f"events.{sweep}.men": 5 * men}, until=AFTER_SWEEP)}
    on_both = ("crackdown, on", "shipped sweep, on")
    both = ("crackdown", "shipped sweep")
    base = ("shipped sweep",)

    def grows(key: str) -> Any:
        return lambda m: ratio(m["crackdown"][key], m["shipped sweep"][key])

    checks = (
        Check("intake-rises", "intake in the sweep's first 4 weeks, crackdown / shipped",
              both, grows("intake"), ">", 1.3, log=True),
        Check("early-gain", "extra men in the ranks on 16 Nov, crackdown - shipped", both,
              lambda m: _diff(m, "kept_16nov"), ">", 0),
        Check("out-of-reach-grows", "men hiding or abroad on 31 Dec, crackdown / shipped",
              both, grows("out_of_reach"), ">", 1.2, log=True),
        Check("extra-men-lost", f"extra men in the ranks on {AFTER_SWEEP} (a quarter after "
              "the sweep) / extra men taken", on_both,
              lambda m: ratio(_diff(m, "kept_after", *on_both), _diff(m, "taken", *on_both)),
              "<", 0.5),
        Check("draft-evasion-grows", "draft evaders from 20 Oct, crackdown / shipped", both,
              grows("evaders"), ">", 1.1, log=True),
        Check("flight-grows", "flight abroad from 20 Oct, crackdown - 1.2 x shipped", both,
              lambda m: m["crackdown"]["flight"] - 1.2 * m["shipped sweep"]["flight"],
              ">", 0),
        Check("flight-vs-taken", "extra flight abroad / extra men taken", both,
              lambda m: ratio(_diff(m, "flight"), _diff(m, "taken")), ">", 0.01),
        Check("dragooned-sample", "dragooned men's attempts from 20 Oct (agents, pooled)",
              base, lambda m: m["shipped sweep"]["exits_dragooned"], ">=", 30,
              method="pooled"),
        Check("dragooned-vs-volunteers", "attempts per man-day on duty from 20 Oct, "
              "dragooned / volunteers", base,
              lambda m: ratio(_hazard(m, "dragooned"), _hazard(m, "volunteer")), ">", 2,
              log=True),
        Check("dragooned-vs-conscripts", "attempts per man-day on duty from 20 Oct, "
              "dragooned / conscripts", base,
              lambda m: ratio(_hazard(m, "dragooned"), _hazard(m, "conscript")), ">", 1,
              log=True))
    return Pattern(3, "Crackdowns on draft evasion backfire", arms, checks,
                   f"saa-2014: the shipped sweep ({men:,} men, 20 Oct-31 Dec) against five "
                   f"times it; the men kept, in runs carried on to {AFTER_SWEEP}")


def _per(m: Any, num: str, den: str, origin: str) -> float:
    s = m["shipped"]
    return ratio(s[f"{num}_{origin}"], s[f"{den}_{origin}"])


def p4() -> Pattern:
    arms = {"shipped": isis_arm(measure=origins)}
    one = ("shipped",)

    def foreign_vs_local(num: str, den: str) -> Any:
        return lambda m: ratio(_per(m, num, den, "foreign"), _per(m, num, den, "local"))

    def executed(m: Any) -> tuple[float, float]:
        s = m["shipped"]
        return (s["executed_agents_foreign"],
                s["executed_agents_foreign"] + s["executed_agents_local"])

    checks = (
        Check("foreigners-try-less", "ISIS attempts per man-day on duty, foreign / local",
              one, foreign_vs_local("attempts", "days"), "<", 0.75, log=True),
        Check("foreigners-caught-more", "caught per attempt, foreign / local", one,
              foreign_vs_local("caught", "attempts"), ">", 2, log=True),
        Check("foreigners-executed-more", "executed for desertion per attempt, foreign / "
              "local", one, foreign_vs_local("executed", "attempts"), ">", 2, log=True),
        Check("executed-mostly-foreign", "foreign share of executed deserters (agents, "
              "pooled over seeds)", one, executed, ">", 0.5, method="binomial"))
    return Pattern(4, "Foreign fighters try less, are caught and executed more", arms,
                   checks, "isis-2014 as shipped: local against foreign fighters")


def _rates(m: Any, arm: str) -> tuple[float, float, float]:
    return m[arm]["rate0"], m[arm]["rate1"], m[arm]["rate2"]


def _winter(m: Any, half: int) -> float:
    return m["saa"][f"december{half}"] - m["saa, no winter"][f"december{half}"]


def p5() -> Pattern:
    no_winter = {f"events.{saa_event('winter')}.severity": 0.0}
    arms = {"isis": isis_arm(measure=isis_momentum), "saa": saa_arm(measure=saa_momentum),
            "saa, no winter": saa_arm(no_winter, saa_momentum, trace=False)}
    winter = ("saa", "saa, no winter")
    checks = (
        Check("recruitment-follows-victories", "ISIS volunteers per day, gaining (10 Jun-31 "
              "Aug) / stalled (15 Sep-31 Dec)", ("isis",),
              lambda m: ratio(m["isis"]["gaining"], m["isis"]["stalled"]), ">", 1.2,
              log=True),
        Check("isis-rise", "ISIS attempts per 1,000 man-days, 0-30 d after 15 Sep - 30 d "
              "before", ("isis",), lambda m: _rates(m, "isis")[1] - _rates(m, "isis")[0],
              ">", 0),
        Check("isis-lag", "ISIS attempt rate, 30-60 d / 0-30 d after 15 Sep", ("isis",),
              lambda m: ratio(_rates(m, "isis")[2], _rates(m, "isis")[1]), ">", 1.3,
              log=True),
        Check("saa-rise", "SAA attempts per 1,000 man-days, 0-30 d after 24 Jul - 30 d "
              "before", ("saa",), lambda m: _rates(m, "saa")[1] - _rates(m, "saa")[0],
              ">", 0),
        Check("saa-lag", "SAA attempt rate, 30-60 d / 0-30 d after 24 Jul", ("saa",),
              lambda m: ratio(_rates(m, "saa")[2], _rates(m, "saa")[1]), ">", 1.3,
              log=True),
        Check("winter-raises", "SAA extra attempts from winter, 16-31 Dec (winter - none)",
              winter, lambda m: _winter(m, 1), ">", 0),
        Check("winter-lags", "SAA extra attempts from winter, 16-31 Dec - 2 x 1-15 Dec",
              winter, lambda m: _winter(m, 1) - 2 * _winter(m, 0), ">", 0))
    return Pattern(5, "Momentum drives inflow and outflow", arms, checks,
                   "isis-2014 and saa-2014 as shipped (windows around the Kobani stall and "
                   "the SAA's July losses); saa-2014 with the winter's severity 0")


def p6() -> Pattern:
    arms = {"shipped": saa_arm(measure=saa_units),
            "no contagion": saa_arm(NO_CONTAGION, saa_units)}
    checks = (
        Check("clustered", "SAA dispersion index of attempts per unit / its p = 0.001 "
              "critical value under independent exits", ("shipped",),
              lambda m: ratio(m["shipped"]["dispersion"], m["shipped"]["critical"]), ">", 1),
        Check("contagion-clusters", "dispersion index, shipped / contagion off",
              ("shipped", "no contagion"),
              lambda m: ratio(m["shipped"]["dispersion"], m["no contagion"]["dispersion"]),
              ">", 3, log=True))
    return Pattern(6, "Exits cluster by unit", arms, checks,
                   "saa-2014: attempts per unit against independent (Poisson) exits in "
                   "man-days on duty, shipped and with contagion's unit and tie weights 0")


def p7() -> Pattern:
    arms = {"syria": Arm(SYRIA, SYRIA_SCALE, syria, trace=True),
            "isis": isis_arm(measure=isis_units)}
    checks = (
        Check("defection-open", "SAA defections, syria-2014 (pooled over seeds)", ("syria",),
              lambda m: m["syria"]["defected"], ">", 0, method="pooled"),
        Check("defection-rare", "SAA defected / deserted, syria-2014", ("syria",),
              lambda m: ratio(m["syria"]["defected"], m["syria"]["deserted"]), "<", 0.05),
        Check("isis-individual", "ISIS share of attempts in unit-days losing over a fifth "
              "of the unit (every seed)", ("isis",), lambda m: m["isis"]["mass"], "<", 0.05,
              method="every"),
        Check("isis-no-collapse", "ISIS largest share of a unit lost in a day (every seed)",
              ("isis",), lambda m: m["isis"]["largest"], "<", 0.25, method="every"),
        Check("saa-individual", "SAA (syria-2014) share of attempts in unit-days losing over "
              "a fifth of the unit (every seed)", ("syria",), lambda m: m["syria"]["mass"],
              "<", 0.05, method="every"),
        Check("saa-no-collapse", "SAA (syria-2014) largest share of a unit lost in a day "
              "(every seed)", ("syria",), lambda m: m["syria"]["largest"], "<", 0.25,
              method="every"))
    return Pattern(7, "Bleeding without mutiny", arms, checks,
                   "syria-2014 (ISIS takes in SAA defectors) and isis-2014 as shipped: "
                   "defections against desertions; unit-days of mass exit")


def militia_share() -> float:
    """The documented high end of the withdrawal (targets.csv) as a share of the militias."""
    from desertion.manpower.targets import load_targets

    high = load_targets().set_index("id").loc["allied_militia_withdrawal", "high"]
    militia = sum(c.count for f in shipped(SAA).factions if f.id == "pro_regime_militias"
                  for c in f.cohorts)
    return float(high) / militia


def p8() -> Pattern:
    index = saa_event("militia_withdrawal")

    def arm(s: float) -> Arm:
        return Arm(SAA, WITHDRAWAL_SCALE, withdrawal, {f"events.{index}.share": s},
                   until=WITHDRAWAL_UNTIL)

    arms = {"withdrawal": arm(militia_share()), "none": arm(0.0)}
    both = ("withdrawal", "none")

    def more(key: str) -> Any:
        return lambda m: m["withdrawal"][key] - m["none"][key]

    checks = (
        Check("same-until-withdrawal", "call-ups to 14 June, |withdrawal - none| (every "
              "seed)", both, lambda m: abs(more("callups_before")(m)), "<=", 0,
              method="every"),
        *(Check(f"more-{key}", f"{what} 1 Jun-31 Aug, withdrawal - none", both, more(key),
                ">", 0)
          for key, what in (("callups", "call-ups served"), ("conscripted", "conscripted"),
                            ("hiding", "went into hiding"), ("flight", "fled abroad"))))
    return Pattern(8, "Allied militia withdrawal brings conscription, then evasion and "
                   "flight", arms, checks,
                   f"saa-2014 (scale {WITHDRAWAL_SCALE}, to {WITHDRAWAL_UNTIL}): the documented "
                   "high end of the withdrawal (5,000 militiamen, 15 Jun-15 Jul) against none")


def p9() -> Pattern:
    arms = {"shipped": saa_arm(measure=saa_units)}

    def per_death(m: Any) -> float:
        return m["shipped"]["exits_per_death"]

    checks = (
        Check("exits-exceed-deaths", "SAA exits per combat death (every seed)", ("shipped",),
              per_death, ">", 1.5, method="every"),
        Check("near-documented-low", "SAA exits per combat death (documented ~3)",
              ("shipped",), per_death, ">", 2),
        Check("near-documented-high", "SAA exits per combat death (documented ~3)",
              ("shipped",), per_death, "<", 4))
    return Pattern(9, "Attrition is mostly non-combat", arms, checks,
                   "saa-2014 as shipped: escaped + defected + executed against killed, "
                   "June-December 2014")


DEFINITIONS = {1: p1, 2: p2, 3: p3, 4: p4, 5: p5, 6: p6, 7: p7, 8: p8, 9: p9}


@functools.cache
def pattern(number: int) -> Pattern:
    """Pattern ``number`` (1-9) of MODEL.md section 6."""
    return DEFINITIONS[number]()


def patterns(numbers: tuple[int, ...] | None = None) -> list[Pattern]:
    """The patterns chosen (default: all nine), in order."""
    return [pattern(n) for n in sorted(numbers or DEFINITIONS)]
