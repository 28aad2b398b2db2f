"""A pattern as a designed experiment: its arms, its checks, and how a check is judged.

Every check is fixed before anything runs: the statistic computed on the runs of one seed
(arms run with the same seed are paired), how the seeds are combined into an estimate with
an interval, and a threshold the interval must lie beyond. Intervals are two-sided 90%
intervals, so that each end is a one-sided 95% confidence bound: a check judges the end on
its threshold's side, which makes it a one-sided test at the 5% level (as the paired t-test
and the binomial test of the pytest suite were):

``t``
    mean of the per-seed values with a Student-t interval; with ``log`` (ratios), the mean
    and interval are taken of the logarithms and shown back as ratios (a geometric mean).
``binomial``
    per-seed ``(successes, trials)`` pooled over seeds; the share with its exact
    (Clopper-Pearson) interval.
``pooled``
    per-seed counts summed over seeds: a count with no sampling interval (a sample size, or
    whether a channel is used at all).
``every``
    the criterion must hold in every seed: the estimate is the worst seed, the interval the
    range over seeds.

A check passes when its interval lies beyond its threshold (``low > threshold`` for ``>``,
``high < threshold`` for ``<``; ``>=`` and ``<=`` admit equality); an undefined interval
(a ratio with a zero, say) fails.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from desertion.validation.trace import Arm

LEVEL = 0.90
"""Two-sided level of the intervals: each end is a one-sided 95% confidence bound."""
METHODS = ("t", "binomial", "pooled", "every")
OPS = (">", ">=", "<", "<=")

SeedMeasures = Mapping[str, Mapping[str, float]]
"""One seed's measures, by arm name."""


@dataclass(frozen=True)
class Check:
    """One pre-declared criterion of a pattern."""

    name: str
    statistic: str
    arms: tuple[str, ...]
    value: Callable[[SeedMeasures], Any]
    op: str
    threshold: float
    method: str = "t"
    log: bool = False

    def __post_init__(self) -> None:
        if self.op not in OPS or self.method not in METHODS:
            raise ValueError(f"check {self.name}: op {self.op!r} or method {self.method!r}")


@dataclass(frozen=True)
class Pattern:
    """A pattern of MODEL.md section 6 as an experiment."""

    number: int
    title: str
    arms: Mapping[str, Arm]
    checks: tuple[Check, ...]
    design: str = ""

    def check(self, name: str) -> Check:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(f"pattern {self.number} has no check {name!r}")


@dataclass(frozen=True)
class CheckResult:
    """A check judged on the runs of its seeds."""

    pattern: int
    check: str
    statistic: str
    method: str
    op: str
    threshold: float
    estimate: float
    low: float
    high: float
    passed: bool
    seeds: tuple[int, ...]
    scale: float
    scenario: str
    values: tuple[float, ...] = field(default=())
    log: bool = False

    @property
    def verdict(self) -> str:
        return "pass" if self.passed else "fail"

    def row(self) -> dict[str, Any]:
        """The result as a row of the validation table."""
        return {"pattern": self.pattern, "check": self.check, "statistic": self.statistic,
                "estimate": self.estimate, "low": self.low, "high": self.high,
                "op": self.op, "threshold": self.threshold, "verdict": self.verdict,
                "method": self.method, "seeds": ",".join(map(str, self.seeds)),
                "n_seeds": len(self.seeds), "scale": self.scale, "scenario": self.scenario}


# --- combining seeds ------------------------------------------------------------------------

def t_interval(values: Sequence[float], log: bool = False) -> tuple[float, float, float]:
    """Mean and two-sided 90% t-interval (of the logarithms when ``log``, shown back as
    ratios); NaN where undefined (fewer than two seeds, a non-positive ratio)."""
    x = np.asarray(values, dtype=float)
    if log:
        if len(x) == 0 or not np.all(np.isfinite(x)) or np.any(x <= 0):
            return math.nan, math.nan, math.nan
        x = np.log(x)
    if len(x) < 2 or not np.all(np.isfinite(x)):
        return math.nan, math.nan, math.nan
    mean, sem = float(x.mean()), float(x.std(ddof=1) / math.sqrt(len(x)))
    half = float(stats.t.ppf(0.5 + LEVEL / 2, len(x) - 1)) * sem
    out = (mean, mean - half, mean + half)
    return tuple(math.exp(v) for v in out) if log else out  # type: ignore[return-value]


def binomial_interval(k: int, n: int) -> tuple[float, float, float]:
    """Share ``k / n`` with its exact two-sided 90% (Clopper-Pearson) interval."""
    if n <= 0:
        return math.nan, math.nan, math.nan
    ci = stats.binomtest(k, n).proportion_ci(LEVEL, method="exact")
    return k / n, float(ci.low), float(ci.high)


def combine(check: Check, per_seed: Sequence[Any]) -> tuple[float, float, float]:
    """Estimate, low and high of a check from its per-seed values."""
    if check.method == "t":
        return t_interval(per_seed, check.log)
    if check.method == "binomial":
        k, n = (round(float(sum(v[i] for v in per_seed))) for i in (0, 1))
        return binomial_interval(k, n)
    values = np.asarray(per_seed, dtype=float)
    if check.method == "pooled":
        total = float(values.sum())
        return total, total, total
    worst = values.min() if check.op.startswith(">") else values.max()
    return float(worst), float(values.min()), float(values.max())


def holds(op: str, threshold: float, low: float, high: float) -> bool:
    """Whether the interval [low, high] lies beyond the threshold."""
    if math.isnan(low) or math.isnan(high):
        return False
    return {">": low > threshold, ">=": low >= threshold, "<": high < threshold,
            "<=": high <= threshold}[op]


def judge(pattern: Pattern, check: Check, by_seed: Mapping[int, SeedMeasures],
          scale: float) -> CheckResult:
    """Evaluate ``check`` on the measures of each seed (seed order as given)."""
    seeds = tuple(by_seed)
    per_seed = [check.value(by_seed[s]) for s in seeds]
    estimate, low, high = combine(check, per_seed)
    arm = pattern.arms[check.arms[0]]
    shown = tuple(float(v[0] / v[1]) if check.method == "binomial" and v[1] else
                  float(v) if check.method != "binomial" else math.nan for v in per_seed)
    return CheckResult(pattern=pattern.number, check=check.name, statistic=check.statistic,
                       method=check.method + (" (log)" if check.log else ""), op=check.op,
                       threshold=check.threshold, estimate=estimate, low=low, high=high,
                       passed=holds(check.op, check.threshold, low, high), seeds=seeds,
                       scale=arm.scaled(scale).scale, scenario=arm.scenario, values=shown,
                       log=check.log)
