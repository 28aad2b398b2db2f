"""A fitted posterior: a sample of parameter values, and what it was fitted to.

A posterior is saved as a folder of two files: ``draws.parquet`` (one row per posterior
draw, one column per parameter by its dotted path) and ``posterior.json`` (the scenario and
its fixed settings, the seed, the package version, every parameter's prior, the
observations with their error models, the method and its diagnostics). Nothing else is
needed to forecast from it: ``Posterior.load`` reads a folder written by ``calibrate``, or
the name of a fit shipped with the package (``desertion.calibration.shipped_fits()``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

DRAWS = "draws.parquet"
INFO = "posterior.json"
FORMAT = 1
SHIPPED = "fits"
"""The package folder (``desertion/calibration/fits``) holding the shipped fits."""


class PosteriorError(ValueError):
    """A folder or name that holds no posterior."""


@dataclass(frozen=True)
class Posterior:
    """Posterior draws of the calibrated parameters, with their provenance."""

    draws: pd.DataFrame
    """One row per draw; one float column per parameter (dotted scenario path)."""
    info: dict[str, Any] = field(default_factory=dict)
    """scenario, scenario_set, seed, desertion_version, parameters (path, prior),
    observations, method, diagnostics."""

    @property
    def parameters(self) -> list[str]:
        return list(self.draws.columns)

    @property
    def scenario_name(self) -> str:
        return str(self.info.get("scenario", ""))

    @property
    def scenario_set(self) -> dict[str, Any]:
        """The fixed settings the fit was made with (e.g. ``scale``), by dotted path."""
        return dict(self.info.get("scenario_set", {}))

    def priors(self) -> dict[str, Any]:
        """The priors the posterior was fitted from, by parameter path."""
        from pydantic import TypeAdapter

        from desertion.calibration.priors import Prior

        adapter: TypeAdapter[Any] = TypeAdapter(Prior)
        return {p["path"]: adapter.validate_python(p["prior"])
                for p in self.info.get("parameters", [])}

    def sample(self, n: int, seed: int | np.random.SeedSequence) -> pd.DataFrame:
        """``n`` parameter sets drawn from the posterior sample (without replacement when
        it has enough draws), by a Generator seeded from ``seed``."""
        if n < 1:
            raise ValueError("n must be at least 1")
        rng = np.random.default_rng(seed)
        rows = rng.choice(len(self.draws), size=n, replace=n > len(self.draws))
        return self.draws.iloc[rows].reset_index(drop=True)

    def median(self) -> dict[str, float]:
        return {name: float(v) for name, v in self.draws.median().items()}

    def intervals(self, level: float = 0.9) -> pd.DataFrame:
        """Per parameter: median and the central ``level`` credible interval."""
        tail = (1.0 - level) / 2.0
        q = self.draws.quantile([tail, 0.5, 1.0 - tail])
        return pd.DataFrame({"parameter": self.parameters,
                             "median": q.iloc[1].to_numpy(),
                             "low": q.iloc[0].to_numpy(),
                             "high": q.iloc[2].to_numpy()})

    # --- files --------------------------------------------------------------------------

    def save(self, folder: str | Path) -> Path:
        """Write ``draws.parquet`` and ``posterior.json`` into ``folder`` (each file
        replaced whole, so an interrupted save leaves the previous one readable)."""
        from desertion.experiments.store import write_atomic, write_json_atomic

        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        write_atomic(out / DRAWS, lambda tmp: self.draws.to_parquet(tmp, index=False))
        write_json_atomic(out / INFO, {"format": FORMAT, **self.info})
        return out

    @classmethod
    def load(cls, source: str | Path) -> Posterior:
        """A posterior from a folder written by ``save`` or ``calibrate`` (its
        ``posterior`` subfolder is found), or the name of a shipped fit."""
        folder = _locate(source)
        try:
            info = json.loads((folder / INFO).read_text(encoding="utf-8"))
            draws = pd.read_parquet(folder / DRAWS)
        except (OSError, ValueError) as exc:
            raise PosteriorError(f"{source}: cannot read the posterior in {folder} ({exc})"
                                 ) from None
        if info.get("format") != FORMAT:
            raise PosteriorError(f"{folder / INFO}: format {info.get('format')!r}, expected "
                                 f"{FORMAT}")
        info.pop("format")
        return cls(draws=draws.astype(float), info=info)


def shipped_fits() -> list[str]:
    """Names of the fits shipped with the package."""
    root = resources.files("desertion.calibration").joinpath(SHIPPED)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.joinpath(INFO).is_file())


def _locate(source: str | Path) -> Path:
    path = Path(source)
    for candidate in (path, path / "posterior"):
        if (candidate / INFO).is_file():
            return candidate
    if str(source) in shipped_fits():
        return Path(str(resources.files("desertion.calibration").joinpath(SHIPPED,
                                                                          str(source))))
    raise PosteriorError(f"{source}: no posterior here (expected {INFO} and {DRAWS}, as "
                         f"`desertion calibrate` writes, or a shipped fit: "
                         f"{', '.join(shipped_fits()) or 'none'})")
