"""Mechanism 6: combat danger turns disaffection into action."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from desertion.manpower.mechanisms.fear_trigger import danger, triggered

levels = st.floats(0, 5, allow_nan=False)


def test_danger_above_the_ordinary() -> None:
    np.testing.assert_allclose(danger(np.array([0.5, 1.0, 2.0, 1.0]),
                                      np.array([0.0, 0.0, 0.0, 0.6])), [0, 0, 1.0, 0.6])


@given(levels, levels, levels, levels)
def test_danger_monotone_in_combat_and_strikes(c1: float, c2: float, a1: float, a2: float
                                               ) -> None:
    (clo, chi), (alo, ahi) = sorted((c1, c2)), sorted((a1, a2))
    d = lambda c, a: danger(np.array([c]), np.array([a]))[0]  # noqa: E731
    assert d(chi, alo) >= d(clo, alo) >= 0
    assert d(clo, ahi) >= d(clo, alo)


@given(st.floats(0, 1), levels, levels, st.floats(0, 3))
def test_trigger_monotone_in_danger(grievance: float, d1: float, d2: float, w: float
                                    ) -> None:
    lo, hi = sorted((d1, d2))
    t = lambda d: triggered(np.array([grievance]), np.array([d]), w)[0]  # noqa: E731
    assert t(hi) >= t(lo) >= grievance


def test_no_danger_or_no_weight_leaves_disaffection() -> None:
    g = np.array([0.0, 0.2, 0.7])
    np.testing.assert_array_equal(triggered(g, np.zeros(3), 0.5), g)
    np.testing.assert_array_equal(triggered(g, np.full(3, 2.0), 0.0), g)
    np.testing.assert_allclose(triggered(g, np.full(3, 2.0), 0.5), 2 * g)
