"""Priors of the calibrated parameters: uniform, log-uniform, normal and truncated normal.

Each prior is a pydantic model (validated at the edge, from a calibration file) with the two
maps the inference needs: ``ppf`` takes a point of the unit interval to the parameter, and
``cdf`` takes it back. The inference works in the unit cube (every prior there is uniform),
so one neural density estimator serves any mix of priors, and the posterior is mapped back
to the parameters' own scale by ``ppf``.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy import stats


class _Prior(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="after")
    def _ordered(self) -> _Prior:
        """Every prior with bounds (uniform, log-uniform, truncated normal) needs low < high."""
        low, high = getattr(self, "low", None), getattr(self, "high", None)
        if low is not None and high is not None and not high > low:
            raise ValueError(f"high ({high:g}) must be above low ({low:g})")
        return self

    def _dist(self) -> stats.rv_continuous:  # pragma: no cover - every kind overrides it
        raise NotImplementedError

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """The parameter at unit-interval point ``u`` (the prior's quantile function)."""
        return np.asarray(self._dist().ppf(np.asarray(u, dtype=float)), dtype=float)

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """The unit-interval point of parameter value ``x``."""
        return np.asarray(self._dist().cdf(np.asarray(x, dtype=float)), dtype=float)

    def support(self) -> tuple[float, float]:
        """The smallest and largest value the prior gives."""
        low, high = self._dist().support()
        return float(low), float(high)

    def describe(self) -> str:
        fields = ", ".join(f"{k}={v:g}" for k, v in self.model_dump().items()
                           if isinstance(v, float))
        return f"{self.prior}({fields})"  # type: ignore[attr-defined]


class Uniform(_Prior):
    prior: Literal["uniform"]
    low: float
    high: float

    def _dist(self) -> stats.rv_continuous:
        return stats.uniform(self.low, self.high - self.low)


class LogUniform(_Prior):
    prior: Literal["loguniform"]
    low: float = Field(gt=0)
    high: float = Field(gt=0)

    def _dist(self) -> stats.rv_continuous:
        return stats.loguniform(self.low, self.high)


class Normal(_Prior):
    prior: Literal["normal"]
    mean: float
    sd: float = Field(gt=0)

    def _dist(self) -> stats.rv_continuous:
        return stats.norm(self.mean, self.sd)


class TruncatedNormal(_Prior):
    prior: Literal["truncnormal"]
    mean: float
    sd: float = Field(gt=0)
    low: float = -math.inf
    high: float = math.inf

    @model_validator(mode="after")
    def _bounded(self) -> TruncatedNormal:
        if math.isinf(self.low) and math.isinf(self.high):
            raise ValueError("a truncated normal needs low or high (else use normal)")
        return self

    def _dist(self) -> stats.rv_continuous:
        a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
        return stats.truncnorm(a, b, loc=self.mean, scale=self.sd)


Prior = Annotated[Uniform | LogUniform | Normal | TruncatedNormal, Field(discriminator="prior")]
"""One parameter's prior, told apart by its ``prior`` key."""

PRIOR_KINDS = ("uniform", "loguniform", "normal", "truncnormal")


def prior_sd(prior: _Prior) -> float:
    """The prior's standard deviation on the parameter's own scale."""
    return float(prior._dist().std())
