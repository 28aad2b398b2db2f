"""Experiments defined in Python: a dict or keywords mirroring the TOML file, validated the
same way (the same ``ExperimentError`` messages, naming ``<experiment>``), planned and run
the same way."""

from __future__ import annotations

import textwrap
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from desertion.experiments import (
    Experiment,
    ExperimentError,
    experiment,
    experiment_from_text,
    load_experiment,
    load_manifest,
    load_results,
    make_plan,
    run_experiment,
)

from .conftest import MANPOWER_EXPERIMENT, TOY_EXPERIMENT, comparable
from .test_spec import BAD

TOY_KEYS = {
    "root_seed": 11,
    "replications": 2,
    "outcomes": ["mean", "final"],
    "base": {"scenario": "toy.toml"},
    "design": {"kind": "grid"},
    "parameters": {"x1": [0.1, 0.3, 0.5], "label": ["red", "blue"]},
}
"""TOY_EXPERIMENT's keys, written by hand."""


def _same_plan(a: Experiment, b: Experiment) -> None:
    assert a.fingerprint() == b.fingerprint()
    plan_a, plan_b = make_plan(a), make_plan(b)
    assert plan_a.digest() == plan_b.digest()
    assert plan_a.runs_json() == plan_b.runs_json()


def test_a_dict_plans_what_the_toml_file_plans(write, tmp_path: Path) -> None:
    from_file = load_experiment(write(TOY_EXPERIMENT))
    from_dict = Experiment.from_dict(TOY_KEYS, directory=tmp_path)
    _same_plan(from_dict, from_file)
    assert from_dict.source == "<experiment>" and from_dict.name == "experiment"
    assert from_dict.model.name == "toy" and from_dict.outcomes == ("mean", "final")


def test_a_dict_of_a_manpower_experiment_with_nested_tables(write, tmp_path: Path) -> None:
    text = textwrap.dedent(MANPOWER_EXPERIMENT)
    keys = {
        "root_seed": 5, "replications": 2,
        "outcomes": ["deserted_isis", "executed_desertion_isis_foreign", "strength_end_isis"],
        "series": ["timeseries"],
        "base": {"scenario": "isis-2014", "until": "2014-07-10", "set": {"scale": 0.02}},
        "design": {"kind": "grid"},
        # nested dicts, as unquoted dotted keys are in TOML; a tuple and an array as lists
        "parameters": {"factions": {"isis": {
            "sanctions": {"desertion": ("execution", "prison")},
            "barriers": {"home": {"low": np.float64(0.1), "high": 0.3, "steps": 2}}}}},
    }
    _same_plan(experiment(**keys), experiment_from_text(text))
    _same_plan(Experiment.from_dict(tomllib.loads(text)), load_experiment(write(text)))


def test_keywords_and_numpy_values(tmp_path: Path) -> None:
    exp = experiment(root_seed=11, replications=2, outcomes=("mean", "final"),
                     base={"scenario": Path("toy.toml")}, directory=tmp_path,
                     parameters={"x1": np.array([0.1, 0.3, 0.5]), "label": ("red", "blue")})
    _same_plan(exp, Experiment.from_dict(TOY_KEYS, directory=tmp_path))
    named = experiment(name="toy-grid", **{**TOY_KEYS, "base": {
        "scenario": tmp_path / "toy.toml"}})
    assert named.name == "toy-grid" and named.default_out() == Path("results") / "toy-grid"
    assert make_plan(named).runs_json() == make_plan(exp).runs_json()


def test_run_experiment_takes_a_dict_and_gives_the_files_results(
        write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(TOY_EXPERIMENT)
    reference = run_experiment(path, out=tmp_path / "file", workers=0)
    monkeypatch.chdir(tmp_path)  # a dict's relative paths start at the working directory
    summary = run_experiment(TOY_KEYS, workers=2)
    assert summary.out == Path("results") / "experiment"
    assert (summary.ran, summary.ok, summary.failed) == (12, 12, 0)
    pd.testing.assert_frame_equal(comparable(load_results(summary.out)),
                                  comparable(load_results(reference.out)))
    manifest = load_manifest(summary.out)
    assert manifest["experiment"]["source"] == "<experiment>"
    assert tomllib.loads(manifest["experiment"]["content"]) == TOY_KEYS
    assert manifest["fingerprint"] == load_manifest(reference.out)["fingerprint"]
    assert run_experiment(TOY_KEYS, workers=0).skipped == 12  # and it resumes


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_dict_says_what_the_bad_file_says(case: str, write, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    text, key, _ = BAD[case]
    path = write(text)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ExperimentError) as from_file:
        run_experiment(path, workers=0)
    with pytest.raises(ExperimentError) as from_dict:
        run_experiment(tomllib.loads(textwrap.dedent(text)), workers=0)
    expected = str(from_file.value).replace(str(path), "<experiment>")
    assert str(from_dict.value) == expected
    assert f"<experiment>: {key}: " in str(from_dict.value)
    assert not (tmp_path / "results").exists()


def test_a_bad_key_or_value_in_python_is_an_experiment_error(tmp_path: Path) -> None:
    keys = {**TOY_KEYS, "replication": 3}
    with pytest.raises(ExperimentError, match=r"^<experiment>: replication: unknown key"):
        Experiment.from_dict(keys, directory=tmp_path)
    with pytest.raises(ExperimentError, match=r"^<my sweep>: base\.set: x1: Input should be "
                       r"a valid number"):
        experiment(source="<my sweep>", directory=tmp_path,
                   **{**TOY_KEYS, "base": {"scenario": "toy.toml", "set": {"x1": "high"}}})
    with pytest.raises(ExperimentError, match=r"^<experiment>: base\.set: x1 \+ x2 must not "
                       r"exceed limit \(1\)"):
        experiment(directory=tmp_path, **{**TOY_KEYS, "base": {
            "scenario": "toy.toml", "set": {"limit": 1.0, "x2": 0.9}}})
    with pytest.raises(ExperimentError, match=r"^<experiment>: parameters\.x1: value 'a' is "
                       r"not valid here: x1: Input should be a valid number"):
        experiment(directory=tmp_path, **{**TOY_KEYS, "parameters": {"x1": ["a", "b"]}})
    with pytest.raises(ExperimentError, match=r"^<experiment>: expected a dict"):
        Experiment.from_dict([("root_seed", 1)])  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _toy_scenario(tmp_path: Path) -> None:
    (tmp_path / "toy.toml").write_text('model = "toy"\nname = "toy"\n')
