"""Experiments: ensembles, parameter sweeps and sensitivity analyses of any registered model.

>>> from desertion.experiments import run_experiment, load_results
>>> summary = run_experiment("examples/experiments/isis-policy.toml", workers=2)
>>> frame = load_results(summary.out)          # one row per run: id, parameters, seed, outcomes

An experiment is a TOML file (see docs/experiments.md): a base scenario, the parameters to
vary, a design (grid, latin, sobol, morris), replications, outcomes to keep and a root seed.
Results are written to a Parquet dataset as runs finish; a rerun resumes where the last one
stopped.
"""

from desertion.experiments.design import Plan, PlannedRun, make_plan
from desertion.experiments.runner import SweepSummary, run_experiment
from desertion.experiments.sensitivity import analyze_results
from desertion.experiments.spec import (
    Experiment,
    ExperimentError,
    experiment_from_text,
    load_experiment,
)
from desertion.experiments.store import load_manifest, load_results, load_series

__all__ = [
    "Experiment",
    "ExperimentError",
    "Plan",
    "PlannedRun",
    "SweepSummary",
    "analyze_results",
    "experiment_from_text",
    "load_experiment",
    "load_manifest",
    "load_results",
    "load_series",
    "make_plan",
    "run_experiment",
]
