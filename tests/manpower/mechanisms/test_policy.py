"""Mechanism 15: adaptive rules read a metric and fire when it crosses a level."""

from __future__ import annotations

import numpy as np
import pytest

from desertion.manpower.mechanisms.policy import crossed, desertion_rate


def test_desertion_rate_per_thousand_per_day() -> None:
    exits = np.array([1.0, 2.0, 3.0])
    strength = np.array([1000.0, 1000.0, 1000.0])
    assert desertion_rate(exits, strength) == pytest.approx(2.0)
    assert desertion_rate(np.zeros(3), strength) == 0.0


def test_desertion_rate_of_an_empty_faction_is_finite() -> None:
    assert desertion_rate(np.array([1.0]), np.array([0.0])) == 1000.0
    assert desertion_rate(np.zeros(0), np.zeros(0)) == 0.0


@pytest.mark.parametrize(("value", "above", "below", "fires"), [
    (2.0, 1.0, None, True), (1.0, 1.0, None, False), (0.5, 1.0, None, False),
    (0.5, None, 1.0, True), (1.0, None, 1.0, False), (1.5, None, 1.0, False),
    (float("nan"), 1.0, None, False), (float("nan"), None, 1.0, False)])
def test_crossed_is_strict(value: float, above: float | None, below: float | None,
                           fires: bool) -> None:
    assert crossed(value, above, below) is fires
