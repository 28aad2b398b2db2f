"""Mechanism 9: the caught get their faction's sanction; mistakes by the military police."""

from __future__ import annotations

import numpy as np
import pytest

from desertion.manpower.codes import Sanction, Status
from desertion.manpower.mechanisms.enforcement import (
    caught,
    mistaken_rate_per_fighter,
    sanction_outcome,
    violations,
)


def test_sanction_outcome_mapping() -> None:
    codes = np.array([int(s) for s in Sanction])
    outcome = sanction_outcome(codes)
    assert dict(zip(Sanction, outcome.tolist(), strict=True)) == {
        Sanction.NONE: Status.SERVING, Sanction.FINE: Status.SERVING,
        Sanction.DISMISSAL: Status.SERVING, Sanction.PRISON: Status.JAILED,
        Sanction.EXECUTION: Status.EXECUTED, Sanction.CORPORAL: Status.SERVING,
        Sanction.REPRISAL: Status.SERVING}
    assert outcome.dtype == np.uint8


def test_sanction_outcome_empty() -> None:
    assert len(sanction_outcome(np.empty(0, dtype=np.int64))) == 0


def test_caught_edges_and_rate() -> None:
    rng = np.random.default_rng(0)
    assert not caught(rng.random(1000), np.zeros(1000)).any()
    assert caught(rng.random(1000), np.ones(1000)).all()
    assert caught(rng.random(100_000), np.full(100_000, 0.3)).mean() == pytest.approx(
        0.3, abs=0.005)


def test_mistaken_rate_scales_with_the_police() -> None:
    out = mistaken_rate_per_fighter(np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.02, 0.02]))
    np.testing.assert_allclose(out, [0.0, 0.01, 0.0])


def test_violations_and_mistakes_from_one_draw() -> None:
    draw = np.array([0.001, 0.004, 0.0055, 0.5, 0.005])
    code, mistaken = np.full(5, 0.005), np.full(5, 0.001)
    violators, innocents = violations(draw, code, mistaken)
    np.testing.assert_array_equal(violators, [True, True, False, False, False])
    np.testing.assert_array_equal(innocents, [False, False, True, False, True])
    assert not (violators & innocents).any()


def test_no_rates_no_punishment() -> None:
    violators, innocents = violations(np.array([0.0, 0.3]), np.zeros(2), np.zeros(2))
    assert not violators.any() and not innocents.any()
