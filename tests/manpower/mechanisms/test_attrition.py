"""Mechanism 10: combat deaths scale with intensity and airstrikes; a probability."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from desertion.manpower.mechanisms.attrition import death_probability

levels = st.floats(0, 10, allow_nan=False)


def death(rate: float, combat: float, strikes: float, lethality: float = 1.0) -> float:
    return float(death_probability(np.array([rate]), np.array([combat]), np.array([strikes]),
                                   lethality)[0])


def test_values() -> None:
    assert death(0.001, 1.0, 0.0) == pytest.approx(0.001)
    assert death(0.001, 2.0, 0.5) == pytest.approx(0.003)
    assert death(0.001, 0.0, 5.0) == 0.0  # no combat, no deaths
    assert death(0.0, 5.0, 5.0) == 0.0


@given(st.floats(0, 0.1), levels, levels, levels, levels)
def test_monotone_in_combat_and_airstrikes(rate: float, c1: float, c2: float, a1: float,
                                           a2: float) -> None:
    (clo, chi), (alo, ahi) = sorted((c1, c2)), sorted((a1, a2))
    assert death(rate, chi, alo) >= death(rate, clo, alo)
    assert death(rate, clo, ahi) >= death(rate, clo, alo)


@given(st.floats(0, 1), levels, levels, levels)
def test_capped_at_one(rate: float, combat: float, strikes: float, lethality: float) -> None:
    assert 0.0 <= death(rate, combat, strikes, lethality) <= 1.0


def test_capped_exactly() -> None:
    assert death(0.5, 10.0, 10.0) == 1.0
