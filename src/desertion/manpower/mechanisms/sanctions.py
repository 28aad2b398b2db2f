"""Mechanism 3. Sanction severity S per offence and faction; expected cost R x P x S.

Where a faction's sanction is a mix of outcomes (``Policy.sanction``: probabilities over the
sanction codes) after a trial that acquits with some chance, S is the expected severity:
(1 - acquittal) x the mix's probabilities times each outcome's severity."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from desertion.manpower.codes import Sanction

if TYPE_CHECKING:
    from desertion.manpower.compile import SeverityParams


def severity(sanction: np.ndarray, prison_days: np.ndarray, *, execution: float,
             prison_per_year: float, fine: float, dismissal: float, corporal: float = 0.0,
             reprisal: float = 0.0) -> np.ndarray:
    """Severity in [0, 1] of each sanction code (a prison term scales with its length)."""
    table = np.array([0.0, fine, dismissal, 0.0, execution, corporal, reprisal])
    s = table[sanction]
    return np.where(sanction == Sanction.PRISON,
                    np.minimum(1.0, prison_per_year * prison_days / 365.0), s)


def severity_table(sanction: np.ndarray, prison_days: np.ndarray, params: SeverityParams
                   ) -> np.ndarray:
    """Severity of the sanction for each offence: ``sanction`` (offences,) with one prison
    term, or (n, offences) with one prison term per row; same shape as ``sanction``."""
    days = prison_days[..., None] if sanction.ndim == 2 else prison_days
    return severity(sanction, days, execution=params.execution,
                    prison_per_year=params.prison_per_year, fine=params.fine,
                    dismissal=params.dismissal, corporal=params.corporal,
                    reprisal=params.reprisal)


def expected_severity(mix: np.ndarray, prison_days: np.ndarray | int, acquittal: float,
                      params: SeverityParams) -> np.ndarray:
    """Expected severity of each offence's sanction: ``mix`` (offences, sanctions) of one
    faction's probabilities, one prison term, the chance a trial acquits."""
    codes = np.arange(mix.shape[-1])
    per_outcome = severity_table(codes, np.asarray(prison_days), params)
    return (1.0 - acquittal) * (mix * per_outcome).sum(axis=-1)


def expected_cost(risk_aversion: np.ndarray, risk: np.ndarray, severity: np.ndarray
                  ) -> np.ndarray:
    return risk_aversion * risk * severity
