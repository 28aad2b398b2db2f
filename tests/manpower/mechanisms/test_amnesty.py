"""Mechanism 14: deserters in hiding may return; the less disaffected the likelier."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from desertion.manpower.mechanisms.amnesty import return_probability

unit = st.floats(0, 1, allow_nan=False)


@given(unit, unit)
def test_a_probability(hardship: float, commitment: float) -> None:
    p = return_probability(np.array([hardship]), np.array([commitment]))[0]
    assert 0.0 <= p <= 1.0
    assert p == pytest.approx(1 - hardship * (1 - commitment))


@given(unit, unit, unit)
def test_falls_with_hardship_rises_with_commitment(h: float, a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    p = lambda h, c: return_probability(np.array([h]), np.array([c]))[0]  # noqa: E731
    assert p(h, hi) >= p(h, lo)
    assert p(hi, h) <= p(lo, h)


def test_edges() -> None:
    np.testing.assert_allclose(return_probability(np.array([0.0, 1.0, 1.0]),
                                                  np.array([0.3, 0.0, 1.0])), [1.0, 0.0, 1.0])
