"""Mechanism 9: the caught get their faction's sanction; mistakes by the military police."""

from __future__ import annotations

import numpy as np
import pytest

from desertion.manpower.codes import Sanction, Status
from desertion.manpower.mechanisms.enforcement import (
    caught,
    mistaken_rate_per_fighter,
    sanction_outcome,
)


def test_sanction_outcome_mapping() -> None:
    codes = np.array([int(s) for s in Sanction])
    outcome = sanction_outcome(codes)
    assert dict(zip(Sanction, outcome.tolist(), strict=True)) == {
        Sanction.NONE: Status.SERVING, Sanction.FINE: Status.SERVING,
        Sanction.DISMISSAL: Status.SERVING, Sanction.PRISON: Status.JAILED,
        Sanction.EXECUTION: Status.EXECUTED}
    assert outcome.dtype == np.uint8


def test_sanction_outcome_empty() -> None:
    assert len(sanction_outcome(np.empty(0, dtype=np.int64))) == 0


def test_caught_edges_and_rate() -> None:
    rng = np.random.default_rng(0)
    assert not caught(rng, np.zeros(1000)).any()
    assert caught(rng, np.ones(1000)).all()
    assert caught(rng, np.full(100_000, 0.3)).mean() == pytest.approx(0.3, abs=0.005)


def test_mistaken_rate_scales_with_the_police() -> None:
    out = mistaken_rate_per_fighter(np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.02, 0.02]))
    np.testing.assert_allclose(out, [0.0, 0.01, 0.0])
