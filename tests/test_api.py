"""The one model interface: ``desertion.load_scenario``, ``build`` and ``simulate`` work for
every registered model, a run stepped by hand is the run ``simulate`` gives, observers can
stop a run, and a model that fails to import breaks nothing else."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pandas as pd
import pytest

import desertion
import desertion.models as registry
from desertion.engine.errors import InputError
from desertion.engine.model import Model, Run

SMALL = {
    "manpower": ("isis-2014", {"scale": 0.02}),
    "civil_violence": ("civil-violence", {"steps": 12}),
}


def small(model: str):
    name, overrides = SMALL[model]
    return desertion.load_scenario(name, **overrides)


@pytest.mark.parametrize("model", sorted(SMALL))
def test_load_build_and_simulate_work_for_every_model(model: str) -> None:
    scenario = small(model)
    assert scenario.model == model
    run = desertion.build(scenario, seed=3)
    assert isinstance(run, Run) and run.steps_done == 0 and run.n_steps > 0
    result = desertion.simulate(scenario, seed=3)
    assert result.meta["model"] == model and result.meta["seed"] == 3
    assert result.meta["steps"] == run.n_steps
    assert not result.timeseries.empty


@pytest.mark.parametrize("model", sorted(SMALL))
def test_stepping_by_hand_gives_the_tables_simulate_gives(model: str) -> None:
    scenario = small(model)
    run = desertion.build(scenario, seed=5)
    totals = []
    while run.steps_done < run.n_steps:
        run.step()
        totals.append(int(run.recorder.counts[run.steps_done].sum()))  # readable between steps
    assert len(totals) == run.n_steps and min(totals) > 0
    result = desertion.simulate(scenario, seed=5)
    pd.testing.assert_frame_equal(run.recorder.timeseries(), result.timeseries)
    pd.testing.assert_frame_equal(run.recorder.events(), result.events)


@pytest.mark.parametrize("model", sorted(SMALL))
def test_an_observer_stops_a_run_early(model: str) -> None:
    scenario = small(model)
    seen: list[int] = []

    def stop_after_three(run: Run) -> bool:
        seen.append(run.steps_done)
        return run.steps_done >= 3

    result = desertion.simulate(scenario, seed=1, observers=[stop_after_three])
    assert seen[-1] == result.meta["steps"] == 3
    time = "date" if desertion.get_model(model).has_calendar else "step"
    assert result.timeseries[time].nunique() == 4  # the initial state and three steps


def test_progress_counts_every_step_of_a_manpower_run() -> None:
    scenario = desertion.load_scenario("isis-2014", scale=0.01).until(dt.date(2014, 6, 7))
    calls: list[tuple[int, int]] = []
    desertion.simulate(scenario, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(day, 7) for day in range(1, 8)]


def test_every_model_declares_the_outcomes_its_runs_give() -> None:
    for model in sorted(SMALL):
        scenario = small(model)
        spec = desertion.get_model(model)
        result = spec.simulate(scenario, seed=2)
        assert spec.outcome_names(scenario) == list(spec.outcomes(result))


def test_long_civil_violence_runs_declare_epsteins_step_200_outcomes() -> None:
    spec = desertion.get_model("civil_violence")
    scenario = desertion.load_scenario("civil-violence", steps=200, width=20, height=20,
                                       citizen_vision=3, cop_vision=3)
    names = spec.outcome_names(scenario)
    assert "jailed_200" in names
    assert names == list(spec.outcomes(spec.simulate(scenario, seed=1)))


def test_shipped_scenarios_of_every_model_are_listed() -> None:
    shipped = desertion.shipped_scenarios()
    assert {"isis-2014", "syria-2014", "civil-violence"} <= set(shipped)


def test_an_unknown_model_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown model"):
        registry.model_named("no-such-model")


def test_a_model_that_fails_to_import_breaks_no_other(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry._SHIPPED, "broken", "desertion.no_such_module:MODEL")
    monkeypatch.setitem(registry._SHIPPED_NAMES, "broken", "desertion.no_such_module:names")
    monkeypatch.setattr(registry, "_BROKEN", {})
    assert "manpower" in registry.models() and "broken" not in registry.models()
    assert "ModuleNotFoundError" in registry.broken_models()["broken"]
    with pytest.raises(InputError, match="failed to load"):
        registry.model_named("broken")
    assert desertion.load_scenario("isis-2014").model == "manpower"


def test_a_manpower_run_never_imports_the_civil_violence_kernel() -> None:
    code = ("import sys, datetime as dt, desertion\n"
            "s = desertion.load_scenario('isis-2014', scale=0.01).until(dt.date(2014, 6, 3))\n"
            "desertion.simulate(s)\n"
            "desertion.shipped_scenarios()\n"
            "print(any(m.startswith('numba') or m.endswith('.kernel') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


def test_every_shipped_model_implements_the_model_base() -> None:
    assert {"manpower", "civil_violence"} <= set(desertion.model_names())
    for name in ("manpower", "civil_violence"):
        model = desertion.get_model(name)
        assert isinstance(model, Model) and model.name == name


def test_both_civil_violence_kernel_paths_give_the_same_tables() -> None:
    from desertion.civil_violence.model import simulate

    scenario = small("civil_violence")
    tuned, plain = (simulate(scenario, seed=4, kernel_path=path) for path in ("tuned", "plain"))
    pd.testing.assert_frame_equal(tuned.timeseries, plain.timeseries)
    pd.testing.assert_frame_equal(tuned.events, plain.events)
