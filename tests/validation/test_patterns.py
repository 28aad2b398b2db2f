"""Pattern-oriented validation (Grimm et al. 2005): MODEL.md section 6, patterns 1-9.

Each test is a controlled computational experiment on the shipped scenarios with their
shipped parameters (one parameter set); a test varies only the factor under study and
compares arms run with the same seeds. Effects are judged on means over seeds (or pooled
counts) with margins set well inside the measured effects, or by one-sided tests.
Patterns the model does not reproduce are written as they should hold and marked
``xfail(strict=True)``; docs/validation.md says what the model does instead.

Figures are kept with ``record`` and printed as a table at the end of the session:
``pytest tests/validation -q`` (see docs/validation.md).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy import stats

from desertion import load_scenario
from desertion.manpower.targets import load_targets

from .helpers import SEEDS, day, event_index, man_days, record, run, stock, total

ISIS, ISIS_SCALE = "isis-2014", 0.2
SAA, SAA_SCALE = "saa-2014", 0.05
SYRIA, SYRIA_SCALE = "syria-2014", 0.05
SWEEP_START = "2014-10-20"
OUT_OF_REACH = ("hiding", "abroad")
IN_RANKS = ("serving", "shirking", "jailed")
NO_CONTAGION = {"mechanisms.contagion.unit_weight": 0.0,
                "mechanisms.contagion.tie_weight": 0.0}

_isis_shipped = load_scenario(ISIS)
_saa_shipped = load_scenario(SAA)
ISIS_WATCH = _isis_shipped.factions[0].enforcement.watchers_per_unit
SAA_EVENTS = {kind: event_index(_saa_shipped, kind) for kind in
              ("militia_withdrawal", "conscription_sweep", "winter", "travel_ban")}


def isis(seed: int, overrides: dict | None = None):
    """isis-2014 at scale 0.2; the shipped arm also keeps attempts by unit."""
    return run(ISIS, ISIS_SCALE, seed, overrides, trace=overrides is None)


def saa(seed: int, overrides: dict | None = None):
    """saa-2014 at scale 0.05, also counting attempts by entry from the sweep's start."""
    return run(SAA, SAA_SCALE, seed, overrides, trace=True, entry_from=SWEEP_START,
               entry_faction="saa")


def mean(values) -> float:
    return float(np.mean(list(values)))


def attempt_rate(r, faction: str, first: str, last: str) -> float:
    """Attempts to leave per 1,000 man-days on duty in [first, last]."""
    return 1e3 * total(r, "attempted", faction, first=first, last=last) / max(
        man_days(r, faction, first=first, last=last), 1.0)


def unit_losses(r, faction: str) -> tuple[float, float]:
    """Share of attempts made in unit-days where over a fifth of the unit left together,
    and the largest share of a unit's men (serving, shirking or jailed) that left in a day."""
    f = r.factions.index(faction)
    sel = r.unit_faction[r.unit_day[:, 1]] == f
    exits, men = r.unit_exits[sel], np.maximum(r.unit_men[sel], 1)
    share = exits / men
    if exits.sum() == 0:
        return 0.0, 0.0
    return float(exits[share > 0.2].sum() / exits.sum()), float(share.max())


def dispersion(r, faction: str) -> tuple[float, int]:
    """Pearson dispersion index of attempts per unit against independent exits.

    Under independence each unit's attempts are Poisson with mean proportional to its
    man-days on duty, and the index (chi-square over its degrees of freedom) is about 1.
    """
    f = r.factions.index(faction)
    mine = (r.unit_faction == f) & (r.duty_days_per_unit > 0)
    x, exposure = r.exits_per_unit[mine], r.duty_days_per_unit[mine]
    expected = x.sum() / exposure.sum() * exposure
    dof = len(x) - 1
    return float(((x - expected) ** 2 / expected).sum() / dof), dof


# --- 1. deterrence saturates ---------------------------------------------------------------

def _isis_attempts(watchers: float, hardship: float | None = None) -> float:
    overrides = {}
    if watchers != ISIS_WATCH:
        overrides["factions.isis.enforcement.watchers_per_unit"] = watchers
    if hardship is not None:
        overrides["factions.isis.base_hardship"] = hardship
    return mean(total(isis(s, overrides or None), "attempted", "isis") for s in SEEDS)


def test_p1_deterrence_has_diminishing_returns():
    """isis-2014: watchers per unit 0, shipped (0.3), twice shipped; attempts to leave."""
    none, shipped, double = (_isis_attempts(w) for w in (0.0, ISIS_WATCH, 2 * ISIS_WATCH))
    record("P1", "ISIS attempts, watchers 0 / shipped / 2x (calm)",
           f"{none:.0f} / {shipped:.0f} / {double:.0f}")
    assert shipped < 0.9 * none
    assert double < 0.95 * shipped
    first_step, second_step = none - shipped, shipped - double
    record("P1", "reduction bought by 1st / 2nd equal step", f"{first_step:.0f} / "
           f"{second_step:.0f}")
    assert first_step > 2 * second_step  # the same added watch buys much less the 2nd time


def test_p1_deterrence_collapses_when_leavers_outnumber_enforcers():
    """The same watch buys a much smaller relative cut when a shock sends many at once
    (base hardship 0.5 instead of the shipped 0.12)."""
    calm = 1 - _isis_attempts(2 * ISIS_WATCH) / _isis_attempts(0.0)
    shock_none, shock_double = (_isis_attempts(w, 0.5) for w in (0.0, 2 * ISIS_WATCH))
    shocked = 1 - shock_double / shock_none
    record("P1", "ISIS attempts under shock, watchers 0 / 2x", f"{shock_none:.0f} / "
           f"{shock_double:.0f}")
    record("P1", "relative cut bought by 2x watch: calm / shock", f"{calm:.2f} / "
           f"{shocked:.2f}")
    assert shocked < 0.4 * calm


# --- 2. tipping from shocks, not drift ------------------------------------------------------

def _pay_path(level: float, shock_day: int | None, drift_days: int = 120, steps: int = 12
              ) -> list[dict]:
    """Pay events for the saa: a single cut to ``level`` on ``shock_day``, or (None) the same
    cut in ``steps`` equal steps over ``drift_days`` from the first day, centred on day 60."""
    start = dt.date(2014, 6, 1)
    if shock_day is not None:
        return [{"kind": "pay", "faction": "saa", "level": level,
                 "start": (start + dt.timedelta(shock_day)).isoformat()}]
    width = drift_days // steps
    return [{"kind": "pay", "faction": "saa", "level": 1 - (1 - level) * (i + 1) / steps,
             "start": (start + dt.timedelta(i * width)).isoformat(),
             "end": None if i == steps - 1 else
             (start + dt.timedelta((i + 1) * width - 1)).isoformat()}
            for i in range(steps)]


def _peak_and_total(events: list[dict], overrides: dict | None) -> tuple[float, float]:
    peaks, totals = [], []
    for s in SEEDS:
        r = run(SAA, 0.02, s, overrides, events)
        ev = r.events
        daily = ev[(ev["event"] == "attempted") & (ev["faction"] == "saa")].groupby(
            "date")["count"].sum().asfreq("D", fill_value=0.0)
        peaks.append(daily.rolling(7).sum().max())
        totals.append(daily.sum())
    return mean(peaks), mean(totals)


def test_p2_sudden_shock_cascades_where_slow_drift_does_not():
    """saa-2014 (scale 0.02): a 30% pay cut all at once on 31 July, or in 12 steps over
    June-September (same mean exposure); peak weekly attempts, with and without contagion."""
    shock, drift = _pay_path(0.7, 60), _pay_path(0.7, None)
    (shock_peak, shock_total), (drift_peak, drift_total) = (
        _peak_and_total(e, None) for e in (shock, drift))
    (shock_peak0, _), (drift_peak0, _) = (_peak_and_total(e, NO_CONTAGION)
                                          for e in (shock, drift))
    with_contagion, without = shock_peak / drift_peak, shock_peak0 / drift_peak0
    record("P2", "SAA peak weekly attempts shock / drift", f"{shock_peak:.0f} / "
           f"{drift_peak:.0f} (x{with_contagion:.2f})")
    record("P2", "SAA total attempts shock / drift", f"{shock_total:.0f} / {drift_total:.0f}")
    record("P2", "peak ratio shock/drift without contagion", f"{without:.2f}")
    assert with_contagion > 1.2
    assert with_contagion > without + 0.2  # the burst is a cascade through the units


def test_p2_small_cut_in_enforcers_below_threshold_floored_rule():
    """isis-2014 with the floored capture rule (MODEL.md mechanism 2): cutting the watch
    from 1.0 to 0.9 per unit (10%) drops it below a lone leaver (E < A)."""
    rule = {"mechanisms.capture.rule": "floored"}
    at, below = (mean(total(isis(s, {**rule, "factions.isis.enforcement.watchers_per_unit":
                                     w}), "attempted", "isis") for s in SEEDS)
                 for w in (1.0, 0.9))
    jump = below / at - 1
    record("P2", "ISIS attempts, floored rule, watch 1.0 / 0.9", f"{at:.0f} / {below:.0f}")
    record("P2", "elasticity of attempts to a 10% cut (floored)", jump / 0.1)
    assert jump > 0.5
    assert jump / 0.1 > 2  # disproportionate: far more than the 10% cut


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason="shipped continuous capture rule: attempts respond to "
                   "enforcer cuts smoothly (elasticity < 1); no threshold")
def test_p2_enforcer_cut_gives_disproportionate_jump_shipped_rule():
    """The same question with the shipped (continuous) rule, on pattern 1's arms."""
    none, shipped, double = (_isis_attempts(w) for w in (0.0, ISIS_WATCH, 2 * ISIS_WATCH))

    def arc(high: float, low: float, e_high: float, e_low: float) -> float:
        return ((low - high) / ((low + high) / 2)) / ((e_high - e_low) / ((e_high + e_low) / 2))

    elasticities = [arc(double, shipped, 2 * ISIS_WATCH, ISIS_WATCH),
                    arc(shipped, none, ISIS_WATCH, 0.0)]
    record("P2", "arc elasticities, continuous rule (2x->1x, 1x->0)",
           " / ".join(f"{e:.2f}" for e in elasticities))
    assert max(elasticities) > 1


# --- 3. crackdowns on draft evasion backfire ------------------------------------------------

SWEEP = SAA_EVENTS["conscription_sweep"]
CRACKDOWN = {f"events.{SWEEP}.men": 5 * _saa_shipped.events[SWEEP].men}


def _crackdown_arms():
    return [saa(s) for s in SEEDS], [saa(s, CRACKDOWN) for s in SEEDS]


def test_p3_crackdown_raises_intake_then_pushes_men_out_of_reach():
    """saa-2014: the shipped sweep (8,000 men, 20 Oct-31 Dec) against five times it."""
    base, crack = _crackdown_arms()
    first4 = {"first": SWEEP_START, "last": "2014-11-16"}

    def intake(r):
        return total(r, "dragooned", "saa", **first4) + total(r, "conscripted", "saa", **first4)

    intake_base, intake_crack = mean(map(intake, base)), mean(map(intake, crack))
    out_base = mean(stock(r, "saa", OUT_OF_REACH) for r in base)
    out_crack = mean(stock(r, "saa", OUT_OF_REACH) for r in crack)
    extra_taken = mean(total(r, "dragooned", "saa") for r in crack) - mean(
        total(r, "dragooned", "saa") for r in base)
    extra_kept = mean(stock(r, "saa", IN_RANKS) for r in crack) - mean(
        stock(r, "saa", IN_RANKS) for r in base)
    early_kept = mean(stock(r, "saa", IN_RANKS, "2014-11-16") for r in crack) - mean(
        stock(r, "saa", IN_RANKS, "2014-11-16") for r in base)
    record("P3", "intake in the sweep's first 4 weeks, base / crackdown",
           f"{intake_base:.0f} / {intake_crack:.0f}")
    record("P3", "men hiding or abroad on 31 Dec, base / crackdown",
           f"{out_base:.0f} / {out_crack:.0f}")
    record("P3", "extra men taken / extra in ranks 16 Nov / 31 Dec",
           f"{extra_taken:.0f} / {early_kept:.0f} / {extra_kept:.0f}")
    record("P3", "deserters into hiding from 20 Oct, base / crackdown", " / ".join(
        f"{mean(total(r, 'escaped', 'saa', 'hide', first=SWEEP_START) for r in arm):.0f}"
        for arm in (base, crack)))
    assert intake_crack > 1.3 * intake_base
    assert early_kept > 0
    assert out_crack > 1.2 * out_base
    assert extra_kept < 0.5 * extra_taken  # most of the extra men are lost again by 31 Dec


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason="sweeps barely move draft evasion: the one-year draft "
                   "chance they imply stays small against the hiding barrier, and they deter "
                   "called men from hiding as much as they push others into it")
def test_p3_crackdown_drives_more_draft_evasion():
    """Draft evaders (civilians going into hiding or abroad) from the sweep's start."""
    base, crack = _crackdown_arms()
    window = {"first": SWEEP_START}
    evaders = {}
    for detail in ("callup", "pressure"):
        evaders[detail] = [mean(total(r, "went_into_hiding", "saa", detail, **window)
                                + total(r, "fled_abroad", "saa", detail, **window)
                                for r in arm) for arm in (base, crack)]
        record("P3", f"draft evaders ({detail}) from 20 Oct, base / crackdown",
               f"{evaders[detail][0]:.0f} / {evaders[detail][1]:.0f}")
    all_base, all_crack = (evaders["callup"][i] + evaders["pressure"][i] for i in (0, 1))
    assert all_crack > 1.1 * all_base


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason="under the travel ban (from 1 Sep) flight abroad is "
                   "all but closed: the crackdown drives men into hiding only")
def test_p3_crackdown_also_drives_flight_abroad():
    base, crack = _crackdown_arms()
    window = {"first": SWEEP_START}

    def flight(r):
        return total(r, "fled_abroad", "saa", **window) + total(r, "escaped", "saa", "abroad",
                                                                **window)

    flight_base, flight_crack = mean(map(flight, base)), mean(map(flight, crack))
    extra_taken = mean(total(r, "dragooned", "saa") for r in crack) - mean(
        total(r, "dragooned", "saa") for r in base)
    record("P3", "flight abroad from 20 Oct, base / crackdown",
           f"{flight_base:.0f} / {flight_crack:.0f}")
    assert flight_crack > 1.2 * flight_base
    assert flight_crack - flight_base > 0.01 * extra_taken


def test_p3_dragooned_men_desert_more_than_volunteers():
    """saa-2014 (shipped): attempts per 1,000 man-days on duty from 20 October, by entry."""
    from desertion.manpower.codes import Entry

    runs = [saa(s) for s in SEEDS]
    exits = sum(r.entry_exits for r in runs)
    duty = sum(r.entry_duty_days for r in runs)
    hazard = 1e3 * exits / np.maximum(duty, 1)
    dragooned, conscript, volunteer = (hazard[e] for e in (Entry.DRAGOONED, Entry.CONSCRIPT,
                                                            Entry.VOLUNTEER))
    record("P3", "attempts /1000 man-days: dragooned / conscript / volunteer",
           f"{dragooned:.2f} / {conscript:.2f} / {volunteer:.2f}")
    assert exits[Entry.DRAGOONED] >= 30
    assert dragooned > 2 * volunteer
    assert dragooned > conscript


# --- 4. foreign fighters -----------------------------------------------------------------------

def test_p4_foreigners_try_less_but_are_caught_and_executed_more():
    """isis-2014 (shipped), pooled over seeds."""
    runs = [isis(s) for s in SEEDS]
    channels = ("hide", "abroad", "home", "defect")
    figures = {}
    for origin in ("local", "foreign"):
        attempts = sum(total(r, "attempted", "isis", origin=origin) for r in runs)
        days = sum(man_days(r, "isis", origin=origin) for r in runs)
        caught = sum(total(r, "caught", "isis", channels, origin=origin) for r in runs)
        executed = sum(total(r, "executed", "isis", "desertion", origin=origin) for r in runs)
        figures[origin] = (1e3 * attempts / days, caught / attempts, executed / attempts,
                           executed)
    (rate_l, caught_l, exec_l, n_l), (rate_f, caught_f, exec_f, n_f) = (
        figures["local"], figures["foreign"])
    record("P4", "attempts /1000 man-days local / foreign", f"{rate_l:.3f} / {rate_f:.3f}")
    record("P4", "caught per attempt local / foreign", f"{caught_l:.2f} / {caught_f:.2f}")
    record("P4", "executed per attempt local / foreign", f"{exec_l:.2f} / {exec_f:.2f}")
    assert rate_f < 0.75 * rate_l
    assert caught_f > 2 * caught_l
    assert exec_f > 2 * exec_l
    # most executed deserters are foreign: one-sided binomial test on the agents themselves
    k, n = round(n_f * ISIS_SCALE), round((n_f + n_l) * ISIS_SCALE)
    share = n_f / (n_f + n_l)
    p = stats.binomtest(k, n, 0.5, alternative="greater").pvalue
    record("P4", "foreign share of executed deserters (agents, p vs 0.5)",
           f"{share:.2f} ({k}/{n}, p={p:.1g})")
    assert share > 0.5
    assert p < 0.05


# --- 5. momentum drives inflow and outflow --------------------------------------------------

def test_p5_recruitment_follows_victories():
    """isis-2014: volunteers joining per day while gaining (10 Jun-31 Aug, momentum +0.6)
    and while stalled at Kobani (15 Sep-31 Dec, momentum -0.5)."""
    entries = ("volunteer", "foreign_volunteer")
    windows = {"gaining": ("2014-06-10", "2014-08-31"), "stalled": ("2014-09-15", "2014-12-31")}
    per_day = {}
    for name, (first, last) in windows.items():
        days = day(last) - day(first) + 1
        per_day[name] = mean(total(isis(s), "joined", "isis", entries, first=first,
                                   last=last) / days for s in SEEDS)
    record("P5", "ISIS volunteers per day gaining / stalled",
           f"{per_day['gaining']:.1f} / {per_day['stalled']:.1f}")
    assert per_day["gaining"] > 1.2 * per_day["stalled"]


def test_p5_desertion_rises_with_a_lag_after_stall_and_airstrikes():
    """Attempts per 1,000 man-days on duty in the 30 days after a shock and 30-60 days after:
    ISIS after Kobani and the Syria strikes (15 Sep), the SAA after its July losses (24 Jul)."""
    isis_rates = [mean(attempt_rate(isis(s), "isis", a, b) for s in SEEDS)
                  for a, b in (("2014-08-16", "2014-09-14"), ("2014-09-15", "2014-10-14"),
                               ("2014-10-15", "2014-11-13"))]
    saa_rates = [mean(attempt_rate(saa(s), "saa", a, b) for s in SEEDS)
                 for a, b in (("2014-06-24", "2014-07-23"), ("2014-07-24", "2014-08-22"),
                              ("2014-08-23", "2014-09-21"))]
    record("P5", "ISIS attempts /1000 man-days: 30d before / 0-30d / 30-60d after Kobani",
           " / ".join(f"{x:.3f}" for x in isis_rates))
    record("P5", "SAA attempts /1000 man-days: 30d before / 0-30d / 30-60d after 24 Jul",
           " / ".join(f"{x:.3f}" for x in saa_rates))
    for before, first, second in (isis_rates, saa_rates):
        assert first > before
        assert second > 1.3 * first  # most of the rise comes after the first month


def test_p5_winter_raises_desertion_with_a_lag():
    """saa-2014 with and without the December winter event: extra attempts in the first
    and second half of December."""
    no_winter = {f"events.{SAA_EVENTS['winter']}.severity": 0.0}
    halves = (("2014-12-01", "2014-12-15"), ("2014-12-16", "2014-12-31"))
    excess = [mean(total(saa(s), "attempted", "saa", first=a, last=b)
                   - total(saa(s, no_winter), "attempted", "saa", first=a, last=b)
                   for s in SEEDS) for a, b in halves]
    record("P5", "SAA extra attempts from winter, 1-15 / 16-31 Dec",
           f"{excess[0]:.0f} / {excess[1]:.0f}")
    assert excess[1] > 0
    assert excess[1] > 2 * excess[0]


# --- 6. exits cluster by unit --------------------------------------------------------------

def test_p6_exits_cluster_by_unit():
    """saa-2014: attempts per unit against independent exits (Poisson in man-days on duty),
    shipped and with contagion switched off."""
    shipped = [dispersion(saa(s), "saa") for s in SEEDS]
    off = [dispersion(saa(s, NO_CONTAGION), "saa") for s in SEEDS]
    record("P6", "SAA dispersion index of attempts per unit, shipped",
           " / ".join(f"{d:.1f}" for d, _ in shipped))
    record("P6", "SAA dispersion index, contagion off", " / ".join(f"{d:.2f}" for d, _ in off))
    for index, dof in shipped:
        assert stats.chi2.sf(index * dof, dof) < 1e-3  # far beyond independent exits
    assert mean(d for d, _ in shipped) > 3 * mean(d for d, _ in off)


# --- 7. bleeding without mutiny ---------------------------------------------------------------

def test_p7_defection_much_rarer_than_desertion():
    """syria-2014 (ISIS takes in SAA defectors): SAA defections against desertions."""
    runs = [run(SYRIA, SYRIA_SCALE, s, trace=True) for s in SEEDS[:2]]
    defected = sum(total(r, "defected", "saa") for r in runs)
    deserted = sum(total(r, "escaped", "saa") for r in runs)
    record("P7", "SAA defected / deserted (syria-2014, 2 seeds)",
           f"{defected:.0f} / {deserted:.0f} ({defected / deserted:.3f})")
    assert defected > 0  # the channel is open
    assert defected < 0.05 * deserted


def test_p7_exits_are_individual_under_executions():
    """isis-2014 (deserters executed): no unit loses a large share of its men in a day."""
    losses = [unit_losses(isis(s), "isis") for s in SEEDS]
    record("P7", "ISIS share of attempts in unit-days losing >20% / max daily unit loss",
           f"{max(m for m, _ in losses):.3f} / {max(x for _, x in losses):.2f}")
    assert max(m for m, _ in losses) < 0.05
    assert max(x for _, x in losses) < 0.25


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason="SAA units collapse whole in a day once contagion "
                   "takes hold (unit contagion and capture saturation reinforce each other)")
def test_p7_exits_are_individual_in_the_syrian_army():
    """syria-2014: the SAA's exits should be individual too (bleeding, not mutiny)."""
    losses = [unit_losses(run(SYRIA, SYRIA_SCALE, s, trace=True), "saa") for s in SEEDS[:2]]
    record("P7", "SAA share of attempts in unit-days losing >20% / max daily unit loss",
           f"{max(m for m, _ in losses):.3f} / {max(x for _, x in losses):.2f}")
    assert max(m for m, _ in losses) < 0.05
    assert max(x for _, x in losses) < 0.25


# --- 8. allied militia withdrawal --------------------------------------------------------------

def withdrawal_arms(share: float, seeds) -> list:
    """saa-2014 (scale 0.2, 1 Jun-31 Aug, before the travel ban) with the militia withdrawal
    (15 Jun-15 Jul) set to ``share`` of the allied militias."""
    index = SAA_EVENTS["militia_withdrawal"]
    shipped = _saa_shipped.events[index].share
    overrides = None if share == shipped else {f"events.{index}.share": share}
    return [run(SAA, 0.2, s, overrides, until="2014-08-31") for s in seeds]


def callups(r, **window) -> float:
    """Call-up notices served: men who reported, hid or fled on receiving one."""
    return (total(r, "conscripted", "saa", **window)
            + total(r, "went_into_hiding", "saa", "callup", **window)
            + total(r, "fled_abroad", "saa", "callup", **window))


def test_p8_militia_withdrawal_brings_conscription_then_evasion_and_flight():
    """saa-2014: 5,000 allied militiamen leave (the high end of targets.csv:
    allied_militia_withdrawal; the shipped 3,000 is in docs/validation.md) against none;
    the same seeds, so the arms are the same run until the withdrawal starts."""
    target = load_targets().set_index("id").loc["allied_militia_withdrawal"]
    militia = sum(c.count for f in _saa_shipped.factions if f.id == "pro_regime_militias"
                  for c in f.cohorts)
    seeds = range(5)
    with_, without = withdrawal_arms(target["high"] / militia, seeds), withdrawal_arms(0.0,
                                                                                      seeds)
    before = {"last": "2014-06-14"}
    for a, b in zip(with_, without, strict=True):
        assert callups(a, **before) == callups(b, **before)
    measures = {"call-ups": callups,
                "conscripted": lambda r: total(r, "conscripted", "saa"),
                "went into hiding": lambda r: total(r, "went_into_hiding", "saa"),
                "fled abroad": lambda r: total(r, "fled_abroad", "saa")}
    pvalues = {}
    for name, measure in measures.items():
        w = np.array([measure(r) for r in with_])
        wo = np.array([measure(r) for r in without])
        pvalues[name] = stats.ttest_rel(w, wo, alternative="greater").pvalue
        record("P8", f"{name} 1 Jun-31 Aug, 5,000 leave / none (p)",
               f"{w.mean():.0f} / {wo.mean():.0f} (p={pvalues[name]:.2g})")
    for name, p in pvalues.items():
        assert p < 0.05, name


# --- 9. attrition is mostly non-combat --------------------------------------------------------

def test_p9_exits_exceed_combat_deaths():
    """saa-2014 (shipped): escaped + defected + executed against killed; ISW's figures
    for 2011-2014 imply about 3 exits per death (targets.csv: saa_combat_deaths_cumulative)."""
    ratios = []
    for s in SEEDS:
        r = saa(s)
        exits = sum(total(r, e, "saa") for e in ("escaped", "defected", "executed"))
        ratios.append(exits / total(r, "killed", "saa"))
    record("P9", "SAA exits per combat death (per seed; documented ~3)",
           " / ".join(f"{x:.2f}" for x in ratios))
    assert min(ratios) > 1.5
    assert 1.5 < mean(ratios) < 6  # within a factor of 2 of the documented ratio
