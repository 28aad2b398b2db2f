"""Mechanism 3: severity per sanction and expected cost R x P x S."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from desertion.manpower.codes import Sanction
from desertion.manpower.compile import SeverityParams
from desertion.manpower.mechanisms.sanctions import expected_cost, severity, severity_table

WEIGHTS = {"execution": 1.0, "prison_per_year": 0.5, "fine": 0.05, "dismissal": 0.15}


def sev(sanction: Sanction, days: int = 90, **weights: float) -> float:
    return float(severity(np.array([int(sanction)]), np.array([days]),
                          **{**WEIGHTS, **weights})[0])


def test_severity_table() -> None:
    assert sev(Sanction.NONE) == 0.0
    assert sev(Sanction.FINE) == 0.05
    assert sev(Sanction.DISMISSAL) == 0.15
    assert sev(Sanction.EXECUTION) == 1.0
    assert sev(Sanction.PRISON, 365) == pytest.approx(0.5)
    assert sev(Sanction.PRISON, 73) == pytest.approx(0.1)


def test_weights_are_used() -> None:
    assert sev(Sanction.EXECUTION, execution=0.7) == 0.7
    assert sev(Sanction.FINE, fine=0.2) == 0.2
    assert sev(Sanction.PRISON, 365, prison_per_year=0.8) == pytest.approx(0.8)


@given(st.integers(1, 3650), st.integers(1, 3650))
def test_prison_scales_with_days_and_is_capped(d1: int, d2: int) -> None:
    short, long = sorted((d1, d2))
    assert sev(Sanction.PRISON, short) <= sev(Sanction.PRISON, long) <= 1.0
    assert sev(Sanction.PRISON, 3650) == 1.0  # ten years at 0.5 a year, capped


def test_execution_is_the_harshest() -> None:
    others = [sev(s, 365) for s in (Sanction.NONE, Sanction.FINE, Sanction.DISMISSAL,
                                     Sanction.PRISON)]
    assert max(others) < sev(Sanction.EXECUTION)


def test_severity_of_a_faction_by_offence_table() -> None:
    """The 2-D form step.py uses: (factions, offences) codes, prison days per faction."""
    codes = np.array([[4, 3, 0, 1], [3, 3, 2, 0]])
    out = severity(codes, np.array([[365], [730]]), **WEIGHTS)
    np.testing.assert_allclose(out, [[1.0, 0.5, 0.0, 0.05], [1.0, 1.0, 0.15, 0.0]])


def test_zero_severity_means_zero_expected_cost() -> None:
    r, p = np.array([0.0, 0.5, 1.0]), np.array([1.0, 0.7, 1.0])
    np.testing.assert_array_equal(expected_cost(r, p, np.zeros(3)), 0.0)
    none = severity(np.full(3, int(Sanction.NONE)), np.full(3, 90), **WEIGHTS)
    np.testing.assert_array_equal(expected_cost(r, p, none), 0.0)


@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1), st.floats(0, 1))
def test_expected_cost_is_product_and_monotone(r: float, p: float, s: float, p2: float
                                               ) -> None:
    cost = expected_cost(np.array([r]), np.array([p]), np.array([s]))[0]
    assert cost == pytest.approx(r * p * s)
    lo, hi = sorted((p, p2))
    assert expected_cost(np.array([r]), np.array([hi]), np.array([s]))[0] >= \
        expected_cost(np.array([r]), np.array([lo]), np.array([s]))[0]


PARAMS = SeverityParams(execution=1.0, prison_per_year=0.5, fine=0.05, dismissal=0.15,
                        corporal=0.2, reprisal=0.4)


def test_severity_table_of_one_faction() -> None:
    codes = np.array([Sanction.EXECUTION, Sanction.FINE, Sanction.PRISON, Sanction.NONE])
    np.testing.assert_allclose(severity_table(codes, np.int64(73), PARAMS),
                               [1.0, 0.05, 0.5 * 73 / 365, 0.0])


def test_severity_table_one_prison_term_per_row() -> None:
    codes = np.array([[Sanction.PRISON, Sanction.DISMISSAL, Sanction.NONE, Sanction.PRISON],
                      [Sanction.PRISON, Sanction.FINE, Sanction.EXECUTION, Sanction.NONE]])
    np.testing.assert_allclose(severity_table(codes, np.array([365, 730]), PARAMS),
                               [[0.5, 0.15, 0.0, 0.5], [1.0, 0.05, 1.0, 0.0]])
