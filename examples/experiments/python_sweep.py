"""An experiment defined in Python rather than in a TOML file (docs/experiments.md, § 5).

    python examples/experiments/python_sweep.py      # 8 runs of four months on 2 processes

The keywords of ``experiment`` are the keys of an experiment file; they are validated the
same way, and a bad one raises ``ExperimentError`` naming ``<experiment>`` and the key.
"""

from desertion.experiments import ExperimentError, experiment, load_results, run_experiment

if __name__ == "__main__":
    exp = experiment(
        name="python-sweep",
        root_seed=7,
        replications=2,
        outcomes=["deserted_isis", "strength_end_isis"],
        base={"scenario": "isis-2014", "until": "2014-09-30", "set": {"scale": 0.02}},
        parameters={"factions.isis.sanctions.desertion": ["execution", "prison"],
                    "factions.isis.barriers.home": {"low": 0.1, "high": 0.3, "steps": 2}},
    )
    summary = run_experiment(exp, workers=2)          # or run_experiment({...}, ...)
    print(summary)
    frame = load_results(summary.out)                 # results/python-sweep
    print(frame.groupby("factions.isis.sanctions.desertion")["deserted_isis"].mean())

    try:                                              # validated like a file
        experiment(root_seed=7, outcomes=["deserted_isis"], base={"scenario": "isis-2014"},
                   parameters={"factions.isis.sanctions.desrtion": ["prison"]})
    except ExperimentError as exc:
        print(exc)  # <experiment>: parameters."factions.isis.sanctions.desrtion": not a
                    # parameter of the base scenario: ... no key 'desrtion'; did you mean ...
