"""Pattern-oriented validation (Grimm et al. 2005): MODEL.md section 6, patterns 1-9.

The CI-sized version of ``desertion validate``: each test judges checks of one pattern as
the package defines them (``desertion.validation.patterns``: the arms, the statistic per
seed, the interval over seeds and the threshold, all fixed in advance), at the command's
default scales, on the seeds 0-4 (one check on the command's default seeds 0-9). A check
holds when its interval (a one-sided 95% confidence bound on the threshold's side) lies
beyond its threshold. Patterns the model does not reproduce are written as they should
hold and marked ``xfail(strict=True)``; docs/validation.md says what the model does
instead.

The checks judged are printed as a table at the end of the session:
``pytest tests/validation -q`` (see docs/validation.md).
"""

from __future__ import annotations

import pytest

from .helpers import ALL_SEEDS, assert_holds

checks = pytest.mark.checks

# --- 1. deterrence saturates ---------------------------------------------------------------

@checks(1, "shipped-watch-cuts", "second-step-cuts", "diminishing-returns")
def test_p1_deterrence_has_diminishing_returns(judged):
    """isis-2014: watchers per unit 0, shipped (0.3), twice shipped; attempts to leave."""
    assert_holds(judged)


@checks(1, "collapses-under-shock", seeds=ALL_SEEDS)
def test_p1_deterrence_collapses_when_leavers_outnumber_enforcers(judged):
    """The same watch buys a much smaller relative cut when a shock sends many at once
    (base hardship 0.5 instead of the shipped 0.12). The cut under the shock is small and
    noisy (per-seed ratios from below 0 to 0.35): judged on the command's ten seeds."""
    assert_holds(judged)


# --- 2. tipping from shocks, not drift ------------------------------------------------------

@checks(2, "shock-peak", "cascade")
def test_p2_sudden_shock_cascades_where_slow_drift_does_not(judged):
    """saa-2014 (scale 0.02): a 30% pay cut all at once on 31 July, or in 12 steps over
    June-September (same mean exposure); peak weekly attempts, with and without contagion."""
    assert_holds(judged)


@checks(2, "enforcer-cut-jump", "enforcer-cut-elasticity")
def test_p2_small_cut_in_enforcers_below_threshold(judged):
    """isis-2014 with the shipped (floored) capture rule, MODEL.md mechanism 2: cutting the
    watch by 10% (1.0 to 0.9 per unit) drops it below a lone leaver (E < A)."""
    assert_holds(judged)


# --- 3. crackdowns on draft evasion backfire ------------------------------------------------

@checks(3, "intake-rises", "early-gain", "out-of-reach-grows", "extra-men-lost")
def test_p3_crackdown_raises_intake_then_pushes_men_out_of_reach(judged):
    """saa-2014: the shipped sweep (8,000 men, 20 Oct-31 Dec) against five times it; the
    men kept are counted a quarter after the sweep ends (runs carried on to 31 March 2015)."""
    assert_holds(judged)


@checks(3, "draft-evasion-grows")
def test_p3_crackdown_drives_more_draft_evasion(judged):
    """Draft evaders (civilians going into hiding or abroad) from the sweep's start."""
    assert_holds(judged)


@checks(3, "flight-grows", "flight-vs-taken")
def test_p3_crackdown_also_drives_flight_abroad(judged):
    assert_holds(judged)


@checks(3, "dragooned-sample", "dragooned-vs-volunteers", "dragooned-vs-conscripts")
def test_p3_dragooned_men_desert_more_than_volunteers(judged):
    """saa-2014 (shipped): attempts per man-day on duty from 20 October, by entry."""
    assert_holds(judged)


# --- 4. foreign fighters -----------------------------------------------------------------------

@checks(4, "foreigners-try-less", "foreigners-caught-more",
                "foreigners-executed-more", "executed-mostly-foreign")
def test_p4_foreigners_try_less_but_are_caught_and_executed_more(judged):
    """isis-2014 (shipped): rates per seed, and executed deserters pooled over seeds."""
    assert_holds(judged)


# --- 5. momentum drives inflow and outflow --------------------------------------------------

@checks(5, "recruitment-follows-victories")
def test_p5_recruitment_follows_victories(judged):
    """isis-2014: volunteers joining per day while gaining (10 Jun-31 Aug, momentum +0.6)
    and while stalled at Kobani (15 Sep-31 Dec, momentum -0.5)."""
    assert_holds(judged)


@checks(5, "isis-rise", "isis-lag", "saa-rise")
def test_p5_desertion_rises_with_a_lag_after_stall_and_airstrikes(judged):
    """Attempts per 1,000 man-days on duty in the 30 days after a shock and 30-60 days after:
    ISIS after Kobani and the Syria strikes (15 Sep), the SAA after its July losses (24 Jul)."""
    assert_holds(judged)


@checks(5, "saa-lag", seeds=ALL_SEEDS)
def test_p5_saa_desertion_rises_mostly_in_the_second_month(judged):
    """The SAA's lag: 30-60 days after 24 July against the first 30 days. The SAA's exits
    come in bursts (pattern 7), so the per-seed ratio varies a lot (1.1 to 2.4): this check
    is judged on the command's ten seeds, not five (five extra saa-2014 runs)."""
    assert_holds(judged)


@checks(5, "winter-raises", "winter-lags", seeds=ALL_SEEDS)
def test_p5_winter_raises_desertion_with_a_lag(judged):
    """saa-2014 with and without the December winter event: extra attempts in the first
    and second half of December. The second half's excess scatters widely by seed (-1,220
    to 2,380 on seeds 0-4): judged on the command's ten seeds (five extra runs without
    winter)."""
    assert_holds(judged)


# --- 6. exits cluster by unit --------------------------------------------------------------

@checks(6, "clustered", "contagion-clusters")
def test_p6_exits_cluster_by_unit(judged):
    """saa-2014: attempts per unit against independent exits (Poisson in man-days on duty),
    shipped and with contagion switched off."""
    assert_holds(judged)


# --- 7. bleeding without mutiny ---------------------------------------------------------------

@checks(7, "defection-open", "defection-rare")
def test_p7_defection_much_rarer_than_desertion(judged):
    """syria-2014 (ISIS takes in SAA defectors): SAA defections against desertions."""
    assert_holds(judged)


@checks(7, "isis-individual", "isis-no-collapse")
def test_p7_exits_are_individual_under_executions(judged):
    """isis-2014 (deserters executed): no unit loses a large share of its men in a day."""
    assert_holds(judged)


@checks(7, "saa-individual", "saa-no-collapse")
def test_p7_exits_are_individual_in_the_syrian_army(judged):
    """syria-2014: the SAA's exits are individual too (bleeding, not mutiny)."""
    assert_holds(judged)


# --- 8. allied militia withdrawal --------------------------------------------------------------

@checks(8, "same-until-withdrawal", "more-callups", "more-conscripted",
                "more-hiding", "more-flight")
def test_p8_militia_withdrawal_brings_conscription_then_evasion_and_flight(judged):
    """saa-2014 (scale 0.2, to 31 August): 5,000 allied militiamen leave (the high end of
    targets.csv: allied_militia_withdrawal) against none; the same seeds, so the arms are
    the same run until the withdrawal starts."""
    assert_holds(judged)


# --- 9. attrition is mostly non-combat --------------------------------------------------------

@checks(9, "exits-exceed-deaths", "near-documented-low", "near-documented-high")
def test_p9_exits_exceed_combat_deaths(judged):
    """saa-2014 (shipped): escaped + defected + executed against killed; ISW's figures
    for 2011-2014 imply about 3 exits per death (targets.csv: saa_combat_deaths_cumulative)."""
    assert_holds(judged)
