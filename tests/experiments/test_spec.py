"""Experiment files: a bad file fails naming the file and the key, before anything runs."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from desertion.experiments import (
    ExperimentError,
    load_experiment,
    load_results,
    make_plan,
    run_experiment,
)

ROOT = Path(__file__).resolve().parents[2]

MANPOWER = """
    root_seed = 1
    outcomes = ["deserted_isis"]
    [base]
    scenario = "isis-2014"
    [base.set]
    scale = 0.02
    [design]
    {design}
    [parameters]
    {parameters}
"""

TOY = """
    root_seed = 1
    outcomes = ["mean"]
    [base]
    scenario = "toy.toml"
    [design]
    {design}
    [parameters]
    {parameters}
"""


def manpower(parameters: str, design: str = 'kind = "grid"') -> str:
    return MANPOWER.replace("{design}", design).replace("{parameters}", parameters)


def toy(parameters: str = "x1 = [0.1, 0.2]", design: str = 'kind = "grid"') -> str:
    return TOY.replace("{design}", design).replace("{parameters}", parameters)


BAD = {
    "unknown parameter": (
        manpower('"factions.isis.sanctions.desrtion" = ["execution"]'),
        'parameters."factions.isis.sanctions.desrtion"', "no key 'desrtion'"),
    "unknown faction": (
        manpower('"factions.iss.pay" = [0.5, 1.0]'),
        'parameters."factions.iss.pay"', "no item 'iss'"),
    "invalid value": (
        manpower('"factions.isis.sanctions.desertion" = ["execution", "beheading"]'),
        'parameters."factions.isis.sanctions.desertion"', "'beheading' is not valid here"),
    "float range over an integer field": (
        manpower('"factions.isis.sanctions.prison_days" = { low = 10, high = 90.5 }',
                 'kind = "latin"\nsamples = 4'),
        'parameters."factions.isis.sanctions.prison_days"', "integer"),
    "empty range": (
        toy("x1 = { low = 0.5, high = 0.5, steps = 3 }"),
        "parameters.x1", "empty range"),
    "reversed range": (
        toy("x1 = { low = 0.9, high = 0.1, steps = 3 }"),
        "parameters.x1", "empty range"),
    "empty list": (toy("x1 = []"), "parameters.x1", "empty list of values"),
    "no parameters": (toy(""), "parameters", "nothing to vary"),
    "mixed value types": (toy('x1 = [0.1, "high"]'), "parameters.x1", "mix types"),
    "repeated value": (toy("x1 = [0.1, 0.1]"), "parameters.x1", "listed twice"),
    "not a list or range": (toy("x1 = 0.5"), "parameters.x1", "expected a list of values"),
    "grid range without steps": (
        toy("x1 = { low = 0.1, high = 0.5 }"), "parameters.x1", "needs steps"),
    "steps outside a grid": (
        toy("x1 = { low = 0.1, high = 0.5, steps = 3 }", 'kind = "latin"\nsamples = 8'),
        "parameters.x1.steps", "grid designs only"),
    "sample size not a power of two": (
        toy("x1 = { low = 0.1, high = 0.5 }", 'kind = "sobol"\nsamples = 48'),
        "design.samples", "power of 2"),
    "sampling design without samples": (
        toy("x1 = { low = 0.1, high = 0.5 }", 'kind = "latin"'),
        "design.samples", "needs samples"),
    "more optimal trajectories than samples": (
        toy("x1 = { low = 0.1, high = 0.5 }",
            'kind = "morris"\nsamples = 4\noptimal_trajectories = 6'),
        "design.optimal_trajectories", "needs more candidate trajectories"),
    "odd morris levels": (
        toy("x1 = { low = 0.1, high = 0.5 }", 'kind = "morris"\nsamples = 4\nlevels = 5'),
        "design.levels", "even"),
    "samples in a grid": (toy(design='kind = "grid"\nsamples = 8'), "design.samples",
                          "remove samples"),
    "unknown design": (toy(design='kind = "factorial"'), "design.kind", "'grid'"),
    "unknown key": (toy().replace("root_seed = 1", "root_seed = 1\nreplication = 3"),
                    "replication", "unknown key"),
    "missing root seed": (toy().replace("root_seed = 1", ""), "root_seed", "required"),
    "unknown outcome": (manpower('"factions.isis.pay" = [0.5, 1.0]').replace(
        '"deserted_isis"', '"deserted_isiss"'), "outcomes[0]", "did you mean 'deserted_isis'"),
    "outcome pattern matching nothing": (toy().replace('"mean"', '"peak_*"'), "outcomes[0]",
                                         "matches no outcome"),
    "unknown scenario": (toy().replace("toy.toml", "nowhere.toml"), "base.scenario",
                         "no such"),
    "model mismatch": (toy().replace('scenario = "toy.toml"',
                                     'scenario = "toy.toml"\nmodel = "manpower"'),
                       "base.model", "is a toy scenario"),
    "unknown model": (toy().replace('scenario = "toy.toml"', 'model = "nomodel"'),
                      "base.model", "unknown model 'nomodel'"),
    "until without a calendar": (toy().replace('scenario = "toy.toml"',
                                               'scenario = "toy.toml"\nuntil = 2014-07-01'),
                                 "base.until", "does not apply to the toy model"),
    "bad fixed override": (toy().replace("[design]", "[base.set]\nx9 = 1\n[design]"),
                           "base.set.x9", "no key 'x9'"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_experiment_names_file_and_key(case: str, write, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    text, key, message = BAD[case]
    path = write(text)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ExperimentError) as info:
        run_experiment(path, workers=0)
    error = str(info.value)
    assert error.startswith(f"{path}: "), error
    line = next((ln for ln in error.splitlines() if f": {key}: " in ln), None)
    assert line is not None, f"no line names {key!r}:\n{error}"
    assert message in error, error
    assert not (tmp_path / "results").exists(), "nothing may be written for a bad file"


def test_parameter_clashing_with_a_column(write) -> None:
    text = MANPOWER.replace("{design}", 'kind = "grid"').replace("{parameters}",
                                                                   "seed = [1, 2]")
    with pytest.raises(ExperimentError, match=r"parameters.seed: clashes with a column"):
        load_experiment(write(text))


def test_missing_file_and_bad_toml(tmp_path: Path, write) -> None:
    with pytest.raises(ExperimentError, match=r"nope.toml: no such file"):
        load_experiment(tmp_path / "nope.toml")
    with pytest.raises(ExperimentError, match=r"experiment.toml: not valid TOML"):
        load_experiment(write("root_seed = = 1"))


def test_all_problems_of_the_parameters_are_reported_together(write) -> None:
    text = manpower('"factions.isis.nope" = [1.0]\n"factions.isis.pay" = ["lots"]')
    with pytest.raises(ExperimentError) as info:
        load_experiment(write(text))
    assert len(info.value.problems) == 2
    assert {k for k, _ in info.value.problems} == {'parameters."factions.isis.nope"',
                                                   'parameters."factions.isis.pay"'}


def test_unquoted_dotted_keys_mean_the_same_as_quoted(write) -> None:
    quoted = load_experiment(write(manpower(
        '"factions.isis.barriers.home" = { low = 0.1, high = 0.3, steps = 3 }\n'
        '"factions.isis.sanctions.desertion" = ["execution", "prison"]'), "a.toml"))
    bare = load_experiment(write(manpower(
        "factions.isis.barriers.home = { low = 0.1, high = 0.3, steps = 3 }\n"
        'factions.isis.sanctions.desertion = ["execution", "prison"]'), "b.toml"))
    assert list(bare.spec.parameters) == list(quoted.spec.parameters) == [
        "factions.isis.barriers.home", "factions.isis.sanctions.desertion"]
    assert bare.fingerprint() == quoted.fingerprint()


def test_base_is_resolved_with_fixed_values_and_until(write) -> None:
    exp = load_experiment(write(manpower('"factions.isis.pay" = [0.5, 1.0]').replace(
        "[base.set]", 'until = 2014-07-15\n[base.set]\n"factions.isis.barriers.home" = 0.33')))
    assert exp.base.scale == 0.02
    assert str(exp.base.last_day) == "2014-07-15" and exp.base.n_days == 45
    assert exp.base.factions[0].barriers.home == 0.33
    assert exp.model.name == "manpower"


def test_outcome_patterns_expand_in_the_model_order(write) -> None:
    exp = load_experiment(write(toy().replace('["mean"]', '["final", "m*", "final"]')))
    assert exp.outcomes == ("final", "mean")
    # declared by the model for the base scenario (20 steps: long enough for 'late')
    assert set(exp.available_outcomes) == {"mean", "final", "spread", "constant", "late"}


@pytest.mark.parametrize(("name", "runs"), [("isis-policy.toml", 40),
                                            ("isis-sensitivity.toml", 120)])
def test_shipped_examples_are_valid(name: str, runs: int) -> None:
    exp = load_experiment(ROOT / "examples" / "experiments" / name)
    assert make_plan(exp).n_runs == runs
    assert exp.model.name == "manpower"


def test_an_outcome_of_long_runs_only_is_known_and_missing_ones_are_nan(write, tmp_path: Path
                                                                         ) -> None:
    # the model declares 'late' for the base scenario (20 steps); the 5-step runs lack it
    exp = load_experiment(write(toy("steps = [5, 20]").replace('["mean"]',
                                                                '["mean", "late"]')))
    assert exp.outcomes == ("mean", "late")
    summary = run_experiment(exp, out=tmp_path / "out", workers=0)
    assert (summary.ok, summary.failed) == (2, 0)
    frame = load_results(summary.out).set_index("steps")
    assert math.isnan(frame.loc[5, "late"]) and not math.isnan(frame.loc[20, "late"])
