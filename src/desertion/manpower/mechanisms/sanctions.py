"""Mechanism 3. Sanction severity S per offence and faction; expected cost R x P x S."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from desertion.manpower.codes import Sanction

if TYPE_CHECKING:
    from desertion.manpower.compile import SeverityParams


def severity(sanction: np.ndarray, prison_days: np.ndarray, *, execution: float,
             prison_per_year: float, fine: float, dismissal: float) -> np.ndarray:
    """Severity in [0, 1] of each sanction code (a prison term scales with its length)."""
    table = np.array([0.0, fine, dismissal, 0.0, execution])
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
                    dismissal=params.dismissal)


def expected_cost(risk_aversion: np.ndarray, risk: np.ndarray, severity: np.ndarray
                  ) -> np.ndarray:
    return risk_aversion * risk * severity
