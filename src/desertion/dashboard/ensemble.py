"""Running the page's ensemble and summarising it for the charts (no Streamlit here)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from desertion.engine.output import ResultFolder, default_run_folder, run_identity
from desertion.engine.results import RunResult
from desertion.engine.streams import spawn_seeds
from desertion.manpower.codes import IN_RANKS_LABELS
from desertion.manpower.model import simulate
from desertion.manpower.scenario import validate_scenario

RUNS = Path("runs") / "dashboard"


class Cancelled(Exception):
    """The user stopped the ensemble; the runs finished before it are kept."""


def seeds_of(seed: int, replications: int) -> list[int]:
    """Replication 1 runs ``seed`` itself; an ensemble spawns the others from it."""
    return [seed] if replications == 1 else [seed, *spawn_seeds(seed, replications - 1)]


def run_ensemble(data: dict[str, Any], seed: int, scale: float, replications: int,
                 progress: Callable[[int, int], bool] | None = None,
                 out: Path = RUNS) -> list[RunResult]:
    """Each replication simulated and written as a CLI run (run.json and Parquet) under
    ``out``. ``progress(done, total)`` returning False cancels before the next run."""
    scenario = validate_scenario({**data, "scale": scale}, source="dashboard")
    results = []
    for i, s in enumerate(seeds_of(seed, replications)):
        if progress is not None and progress(i, replications) is False:
            raise Cancelled
        result = simulate(scenario, seed=s)
        save(result, "manpower", scenario, s, out)
        results.append(result)
    if progress is not None:
        progress(replications, replications)
    return results


def save(result: RunResult, model: str, scenario: Any, seed: int, out: Path = RUNS) -> Path:
    """The run written under ``out`` as ``desertion run`` writes it (its own folder)."""
    identity = run_identity(model, scenario.model_dump(mode="json"), seed)
    folder = ResultFolder.claim(default_run_folder(out, scenario.name, seed, identity),
                                identity)
    return result.save_into(folder)


def strength_bands(results: list[RunResult]) -> pd.DataFrame:
    """Men in the ranks by faction and date over the replications: the median and the
    5/25/75/95% quantiles (one column each)."""
    per_run = []
    for i, r in enumerate(results):
        ts = r.timeseries
        ranks = ts[ts["status"].isin(IN_RANKS_LABELS)]
        total = ranks.groupby(["faction", "date"], observed=True)["count"].sum()
        per_run.append(total.rename(i))
    wide = pd.concat(per_run, axis=1)
    q = wide.quantile([0.05, 0.25, 0.5, 0.75, 0.95], axis=1).T
    q.columns = ["q05", "q25", "median", "q75", "q95"]
    return q.reset_index()


def headline(results: list[RunResult]) -> pd.DataFrame:
    """The summary figures, median over the replications."""
    from desertion.manpower.outcomes import outcomes

    frame = pd.DataFrame([outcomes(r) for r in results])
    return frame.median().rename("median").to_frame()
