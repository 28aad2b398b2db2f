"""Mechanism 15: adaptive rules read a metric and fire when it crosses a level."""

from __future__ import annotations

import numpy as np
import pytest

from desertion.manpower.mechanisms.policy import crossed, desertion_rate, metric_value


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


# -- what a rule sees ------------------------------------------------------------------------

HISTORIES = {  # three days, two factions
    "exits": np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 5.0]]),
    "strength": np.array([[1000.0, 10.0], [1000.0, 10.0], [1000.0, 0.0]]),
    "shirking": np.array([[0.0, 0.0], [0.0, 0.0], [100.0, 0.0]]),
    "start_strength": np.array([2000.0, 0.0]),
}


@pytest.mark.parametrize(("metric", "faction", "window", "value"), [
    ("desertion_rate", 0, 2, 1000 * (2 + 3) / 2000),   # days 1 and 2
    ("desertion_rate", 0, 5, 1000 * 6 / 3000),         # a window longer than the run so far
    ("desertion_rate", 1, 1, 1000 * 5 / 1.0),          # an empty faction: strength floored
    ("strength_ratio", 0, 30, 1000 / 2000),
    ("strength_ratio", 1, 30, 0.0),                    # start strength 0 counts as 1
    ("shirking_share", 0, 30, 100 / 1000),
    ("shirking_share", 1, 30, 0.0)])
def test_metric_value_on_the_last_day(metric: str, faction: int, window: int,
                                      value: float) -> None:
    assert metric_value(metric, faction, 2, window, **HISTORIES) == pytest.approx(value)


def test_metric_value_reads_only_the_days_so_far() -> None:
    assert metric_value("desertion_rate", 0, 0, 30, **HISTORIES) == pytest.approx(1.0)
    assert metric_value("shirking_share", 0, 1, 30, **HISTORIES) == 0.0


def test_unknown_metric_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown policy metric"):
        metric_value("morale", 0, 2, 30, **HISTORIES)
