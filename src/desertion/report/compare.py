"""Two runs side by side: every summary figure of each, and their differences."""

from __future__ import annotations

import math

import pandas as pd

from desertion.engine.model import Model
from desertion.engine.results import RunResult


def compare_runs(model: Model, a: RunResult, b: RunResult) -> pd.DataFrame:
    """One row per outcome either run has: its value in A and in B, B - A and B / A."""
    left, right = model.outcomes(a), model.outcomes(b)
    names = list(dict.fromkeys([*left, *right]))
    rows = []
    for name in names:
        x, y = left.get(name, math.nan), right.get(name, math.nan)
        rows.append({"outcome": name, "A": x, "B": y, "B - A": y - x,
                     "B / A": y / x if x not in (0, 0.0) and not math.isnan(x) else math.nan})
    return pd.DataFrame(rows, columns=["outcome", "A", "B", "B - A", "B / A"])
