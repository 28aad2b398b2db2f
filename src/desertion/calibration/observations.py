"""Observations and how each is measured in a run.

An observation is a row of a CSV in the shape of ``targets.csv`` (id, date, faction,
quantity, value, low, high, source, quality, note). Which model output it is compared with
is declared, not hard-coded: a *measure* (``events`` counted between two dates, men
``in_ranks`` or in a ``status`` on a date, or one of the model's named ``outcome`` values).

Error models (what the documented figure says about the true value):

- ``interval``: the true value lies in [low, high], every value there equally plausible.
  The observation is the interval's midpoint *m* with uniform error of the interval's width
  *w*: p(m | y) = 1/w exactly when y is in [low, high], the interval's own likelihood.
- ``relative`` / ``absolute``: a point value with normal error, sd = ``sd`` x value, or
  ``sd`` in the observation's units.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from desertion.engine.results import RunResult

MeasureKind = Literal["events", "in_ranks", "status", "outcome", "sum"]


@dataclass(frozen=True)
class Measure:
    """How a run gives one observation's value (full-scale counts)."""

    kind: MeasureKind
    faction: str | None = None
    event: str | None = None
    detail: str | None = None
    origin: str | None = None
    status: str | None = None
    first: dt.date | None = None   # events: [first, last]; in_ranks/status: first = the day
    last: dt.date | None = None
    outcome: str | None = None
    terms: tuple[Measure, ...] = ()
    """sum: the measures added."""

    def days(self) -> tuple[dt.date, dt.date] | None:
        """The days the run must cover (None for a named outcome)."""
        if self.terms:
            spans = [d for t in self.terms if (d := t.days()) is not None]
            return (min(a for a, _ in spans), max(b for _, b in spans)) if spans else None
        if self.first is None:
            return None
        return self.first, self.last or self.first

    def describe(self) -> str:
        where = " ".join(f"{k}={v}" for k, v in (("faction", self.faction),
                                                  ("detail", self.detail),
                                                  ("origin", self.origin)) if v)
        if self.kind == "events":
            return f"{self.event} events ({where}) {self.first}..{self.last}"
        if self.kind == "in_ranks":
            return f"men in the ranks ({where}) on {self.first}"
        if self.kind == "status":
            return f"men {self.status} ({where}) on {self.first}"
        if self.kind == "sum":
            return " + ".join(t.describe() for t in self.terms)
        return f"outcome {self.outcome}"


@dataclass(frozen=True)
class Observation:
    """One documented figure, its error model and its measure."""

    key: str
    """``id@date``: unique within a calibration."""
    id: str
    date: dt.date
    quantity: str
    value: float
    low: float | None
    high: float | None
    error: Literal["interval", "relative", "absolute"]
    sd: float | None
    measure: Measure
    source: str = ""

    @property
    def observed(self) -> float:
        """The value the inference conditions on: the interval's midpoint, else the value."""
        if self.error == "interval":
            assert self.low is not None and self.high is not None
            return 0.5 * (self.low + self.high)
        return self.value

    def noise(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws of the error between the observation and the true value."""
        if self.error == "interval":
            assert self.low is not None and self.high is not None
            half = 0.5 * (self.high - self.low)
            return rng.uniform(-half, half, size=n)
        assert self.sd is not None
        scale = self.sd * abs(self.value) if self.error == "relative" else self.sd
        return rng.normal(0.0, scale, size=n)

    @property
    def spread(self) -> float:
        """The error's scale: half the interval, or the point value's sd."""
        if self.error == "interval":
            assert self.low is not None and self.high is not None
            return 0.5 * (self.high - self.low)
        assert self.sd is not None
        return self.sd * abs(self.value) if self.error == "relative" else self.sd

    def consistent(self, low: float, high: float) -> bool:
        """Whether a model band [low, high] meets the documented range (or holds the
        value of a point observation)."""
        if self.error == "interval":
            assert self.low is not None and self.high is not None
            return high >= self.low and low <= self.high
        return low <= self.value <= high

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "id": self.id, "date": self.date.isoformat(),
                "quantity": self.quantity, "value": self.value, "low": self.low,
                "high": self.high, "error": self.error, "sd": self.sd,
                "measure": self.measure.describe(), "source": self.source}


@dataclass(frozen=True)
class Measures:
    """Measures every observation in a finished run: sent to the workers (it pickles)."""

    observations: tuple[Observation, ...]

    @property
    def keys(self) -> list[str]:
        return [o.key for o in self.observations]

    def __call__(self, result: RunResult, model: Any) -> dict[str, float]:
        outcomes: dict[str, float] = {}

        def value(m: Measure) -> float:
            if m.kind == "sum":
                return sum(value(t) for t in m.terms)
            if m.kind != "outcome":
                return measure_tables(result, m)
            if not outcomes:
                outcomes.update(model.outcomes(result))
            found = outcomes.get(m.outcome or "")
            return math.nan if found is None else float(found)

        return {obs.key: value(obs.measure) for obs in self.observations}


def measure_tables(result: RunResult, m: Measure) -> float:
    """An ``events``, ``in_ranks`` or ``status`` measure from a run's tables."""
    import pandas as pd

    from desertion.manpower.codes import IN_RANKS_LABELS

    if m.kind == "events":
        ev = result.events
        sel = ((ev["event"] == m.event) & (ev["date"] >= pd.Timestamp(m.first))
               & (ev["date"] <= pd.Timestamp(m.last)))
        frame = ev
    else:
        ts = result.timeseries
        statuses = list(IN_RANKS_LABELS) if m.kind == "in_ranks" else [m.status]
        sel = (ts["date"] == pd.Timestamp(m.first)) & ts["status"].isin(statuses)
        frame = ts
    for column in ("faction", "detail", "origin"):
        wanted = getattr(m, column)
        if wanted is not None:
            sel &= frame[column] == wanted
    return float(frame.loc[sel, "count"].sum())


def transform(x: np.ndarray) -> np.ndarray:
    """Signed log: counts spread over orders of magnitude become comparable inputs to the
    density estimator (any one-to-one map of the data leaves the posterior unchanged)."""
    return np.sign(x) * np.log1p(np.abs(x))
