"""Experiments: ensembles, parameter sweeps and sensitivity analyses of any registered model.

>>> from desertion.experiments import run_experiment, load_results
>>> summary = run_experiment("examples/experiments/isis-policy.toml", workers=2)
>>> frame = load_results(summary.out)          # one row per run: id, parameters, seed, outcomes

An experiment is a TOML file (see docs/experiments.md), or the same keys in Python (a dict
for ``run_experiment``, ``Experiment.from_dict`` or keywords of ``experiment``)::

    summary = run_experiment(experiment(
        root_seed=1, outcomes=["deserted_isis"],
        base={"scenario": "isis-2014", "until": "2014-07-01", "set": {"scale": 0.02}},
        parameters={"factions.isis.sanctions.desertion": ["execution", "prison"]}),
        workers=0)

It names a base scenario, the parameters to vary, a design (grid, latin, sobol, morris),
replications, outcomes to keep and a root seed; it is validated in full (``ExperimentError``
names the file, or ``<experiment>``, and the key) before anything runs. Results are
written to a Parquet dataset as runs finish; a rerun resumes where the last one stopped.
"""

from desertion.experiments.design import Plan, PlannedRun, make_plan
from desertion.experiments.runner import SweepSummary, as_experiment, run_experiment
from desertion.experiments.sensitivity import analyze_results
from desertion.experiments.spec import (
    Experiment,
    ExperimentError,
    experiment,
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
    "as_experiment",
    "experiment",
    "experiment_from_text",
    "load_experiment",
    "load_manifest",
    "load_results",
    "load_series",
    "make_plan",
    "run_experiment",
]
