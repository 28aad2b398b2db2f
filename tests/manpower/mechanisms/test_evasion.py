"""Mechanism 12: draft-eligible civilians choose to report, hide or flee (multinomial logit)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from desertion.manpower.compile import EvasionParams
from desertion.manpower.mechanisms import decision
from desertion.manpower.mechanisms.evasion import (
    FLEE,
    HIDE,
    STAY,
    choice_costs,
    draft_chance,
    draft_pressure,
    hiding_costs,
    reconsider_rate,
    service_cost,
    way_out,
)


def logit_choice(rng: np.random.Generator, costs: np.ndarray, noise: float) -> np.ndarray:
    """The civilians' choice: the decision's logit chooser (its option only)."""
    return decision.logit_choice(rng, costs, noise)[0]


def test_service_cost_falls_with_commitment_and_rises_with_danger() -> None:
    out = service_cost(np.array([0.0, 0.5, 1.0, 0.5]), np.array([0.0, 0.0, 0.0, 1.0]), 0.4)
    np.testing.assert_allclose(out, [0.4, 0.2, 0.0, 0.4])


@given(st.floats(0, 1), st.floats(0, 1))
def test_draft_chance_is_a_probability_rising_with_pressure(p1: float, p2: float) -> None:
    lo, hi = sorted((p1, p2))
    a, b = draft_chance(np.array([lo, hi]), 365.0)
    assert 0.0 <= a <= b <= 1.0


def test_draft_chance_values() -> None:
    assert draft_chance(np.array([0.0]), 365.0)[0] == 0.0
    assert draft_chance(np.array([1 / 365]), 365.0)[0] == pytest.approx(1 - np.exp(-1))


def costs(n: int = 1, employee_penalty: float = 0.0, drafted: float = 1.0,
          border: float = 0.1, abroad: float = 0.3) -> np.ndarray:
    one = np.ones(n)
    return choice_costs(0.3 * one, drafted * one, 0.5 * one, 0.2 * one,
                        employee_penalty * one, (abroad * one, border * one), 0.4 * one,
                        hide_barrier=0.1)


def test_choice_costs_formula() -> None:
    c = costs()[0]
    caught = 0.3 + 0.5 * 0.4
    np.testing.assert_allclose(c, [0.3, 0.1 + 0.2 * caught, 0.3 + 0.1 * caught])
    assert costs(drafted=0.0)[0, STAY] == 0.0   # not called: staying costs nothing
    assert costs(employee_penalty=0.2)[0, HIDE] == pytest.approx(c[HIDE] + 0.2)


def test_the_war_at_home_weighs_on_staying_and_hiding_not_on_flight() -> None:
    one = np.ones(1)
    base = costs()[0]
    war = choice_costs(0.3 * one, one, 0.5 * one, 0.2 * one, 0 * one, (0.3 * one, 0.1 * one),
                       0.4 * one, hide_barrier=0.1, war_at_home=0.05 * one)[0]
    np.testing.assert_allclose(war - base, [0.05, 0.05, 0.0])


def test_under_a_ban_a_man_takes_the_cheaper_of_the_official_and_the_smuggled_way() -> None:
    checkpoint, caught = np.array([0.1, 0.1, 0.1]), np.array([0.6, 0.6, 0.6])
    ban = np.array([False, True, True])
    smuggling = np.array([0.1, 0.1, 2.0])  # the third smuggler is too dear
    barrier, stop = way_out(0.22, checkpoint, ban, np.full(3, 0.25), np.full(3, 0.3),
                            smuggling, np.full(3, 0.3), caught)
    # no ban: the open crossing; ban: smuggled 0.32 + 0.3 * 0.4 * 0.6 beats 0.47 + 0.4 * 0.6
    np.testing.assert_allclose(barrier, [0.22, 0.32, 0.47])
    np.testing.assert_allclose(stop, [0.1, 0.3 * 0.4, 0.4])


def test_harsher_checkpoints_raise_the_smuggled_risk_too() -> None:
    low, high = (way_out(0.22, np.array([c]), np.array([True]), np.array([0.25]),
                         np.array([0.3]), np.array([0.1]), np.array([0.3]),
                         np.array([0.6]))[1][0] for c in (0.1, 0.5))
    assert high > low > 0


def test_logit_choice_picks_the_cheapest_as_noise_vanishes() -> None:
    c = np.tile([0.3, 0.2, 0.25], (5000, 1))
    assert (logit_choice(np.random.default_rng(0), c, 1e-4) == HIDE).all()
    c = np.tile([0.1, 0.2, 0.25], (5000, 1))
    assert (logit_choice(np.random.default_rng(0), c, 1e-4) == STAY).all()


def test_logit_choice_probabilities_follow_exp_minus_cost_over_noise() -> None:
    n, noise = 60_000, 0.1
    c = np.array([0.3, 0.2, 0.35])
    choice = logit_choice(np.random.default_rng(1), np.tile(c, (n, 1)), noise)
    expected = np.exp(-c / noise) / np.exp(-c / noise).sum()
    observed = np.bincount(choice, minlength=3) / n
    np.testing.assert_allclose(observed, expected, atol=4 * np.sqrt(0.25 / n))


def test_logit_choice_never_takes_an_infinite_cost() -> None:
    c = np.tile([np.inf, 0.2, 0.21], (10_000, 1))
    choice = logit_choice(np.random.default_rng(2), c, 0.03)
    assert not (choice == STAY).any()
    assert set(np.unique(choice)) == {HIDE, FLEE}


def test_logit_choice_large_costs_do_not_overflow() -> None:
    c = np.tile([500.0, 501.0, 499.5], (100, 1))
    choice = logit_choice(np.random.default_rng(3), c, 0.001)
    assert (choice == FLEE).all()


def shares(c: np.ndarray, seed: int = 4) -> np.ndarray:
    choice = logit_choice(np.random.default_rng(seed), c, 0.05)
    return np.bincount(choice, minlength=3) / len(c)


def test_harsher_employee_penalties_shift_choices_away_from_hiding() -> None:
    n = 20_000
    mild, harsh = shares(costs(n, 0.0)), shares(costs(n, 0.2))
    assert harsh[HIDE] < mild[HIDE] / 2
    assert harsh[STAY] > mild[STAY] and harsh[FLEE] > mild[FLEE]


def test_a_dearer_border_shifts_choices_away_from_flight() -> None:
    n = 20_000
    open_border, closed = shares(costs(n, abroad=0.2)), shares(costs(n, abroad=0.45))
    assert closed[FLEE] < open_border[FLEE]
    assert closed[HIDE] > open_border[HIDE]


# -- draft pressure, reconsideration and the assembly of the costs ---------------------------

def test_draft_pressure_and_reconsider_rate() -> None:
    assert draft_pressure(3, 2, 50) == pytest.approx(0.1)
    assert draft_pressure(0, 0, 1) == 0.0
    assert reconsider_rate(0.0001, 0.001, 100.0) == pytest.approx(0.011)
    assert reconsider_rate(0.1, 0.0005, 200.0) == 1.0  # capped


PARAMS = EvasionParams(consider_rate=0.0005, pressure_weight=200.0, service_cost=0.4,
                       hide_barrier=0.3, abroad_barrier=0.22, horizon_days=365.0,
                       hiding_detection=0.3, noise=0.03, hide_to_abroad_rate=0.002,
                       home_hardship=0.0)
# severity of the faction's sanctions: desertion, shirking, code, evasion
SEVERITY = np.array([[0.9, 0.1, 0.2, 0.4]])


def one_man(deserter: bool = False, pressure: float = 0.0, employee: bool = True,
            ban: bool = True, smuggling: float = 10.0) -> np.ndarray:
    """(``smuggling`` 10: no smuggler worth paying, unless a test sets a price.)"""
    return hiding_costs(
        commitment=np.array([0.5]), risk_aversion=np.array([0.5]),
        deserter=np.array([deserter]), severity=SEVERITY,
        sanctioned_employee=np.array([employee]), employee_severity=0.2,
        danger=np.array([1.0]), travel_ban=np.array([ban]), checkpoint=np.array([0.1]),
        ban_checkpoint=np.array([0.3]), ban_barrier=np.array([0.25]),
        smuggling=np.array([smuggling]), smuggling_interception=np.array([0.3]),
        drafted=np.array([1.0]), pressure=pressure, params=PARAMS)[0]


def test_hiding_costs_by_hand() -> None:
    # service = 0.4 (1 - 0.5)(1 + 1) = 0.4; caught = 0.4 + 0.5 x 0.4 (evasion) = 0.6
    # STAY = 0.4; HIDE = 0.3 + 0 (no pressure) + 0.2 (employee);
    # FLEE = 0.22 + 0.25 (ban) + min(1, 0.1 + 0.3) x 0.6
    np.testing.assert_allclose(one_man(), [0.4, 0.5, 0.22 + 0.25 + 0.4 * 0.6])


def test_hiding_costs_of_a_deserter_use_the_desertion_sanction() -> None:
    caught = 0.4 + 0.5 * 0.9
    np.testing.assert_allclose(one_man(deserter=True), [0.4, 0.5, 0.47 + 0.4 * caught])


def test_hiding_costs_under_pressure_and_without_ban_or_penalty() -> None:
    sweep_chance = 0.3 * (1 - np.exp(-1.0))  # pressure 1/365 over a 365-day horizon
    np.testing.assert_allclose(one_man(pressure=1 / 365, employee=False, ban=False),
                               [0.4, 0.3 + sweep_chance * 0.6, 0.22 + 0.1 * 0.6])
