"""Scenario parameters: Mesa's defaults, validation with readable errors, TOML loading."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from desertion.civil_violence import (
    CivilViolenceScenario,
    CivilViolenceScenarioError,
    LegitimacyChange,
    load_scenario,
    shipped_scenarios,
)
from desertion.civil_violence.params import scenario_warnings, validate_scenario
from desertion.engine.errors import InputError
from desertion.engine.overrides import OverrideError
from desertion.models import model_for

MESA_DEFAULTS = {  # EpsteinCivilViolence.__init__ in Mesa 3.3.1
    "width": 40, "height": 40, "citizen_density": 0.7, "cop_density": 0.074,
    "citizen_vision": 7, "cop_vision": 7, "legitimacy": 0.8, "max_jail_term": 1000,
    "active_threshold": 0.1, "arrest_prob_constant": 2.3, "movement": True, "steps": 1000,
}


def test_defaults_and_shipped_default_scenario_are_mesas() -> None:
    shipped = load_scenario("civil-violence")
    for key, value in MESA_DEFAULTS.items():
        assert getattr(CivilViolenceScenario(), key) == value, key
        assert getattr(shipped, key) == value, key
    assert shipped.arrest_rule == "round" and shipped.activation == "sequential"


def test_every_shipped_scenario_loads_by_name_and_has_a_description() -> None:
    shipped = shipped_scenarios()
    assert {"civil-violence", "civil-violence-punctuated", "civil-violence-large"} <= set(shipped)
    for name, description in shipped.items():
        assert load_scenario(name).name == name
        assert len(description) > 20


def test_load_from_a_path_and_unknown_name(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('model = "civil_violence"\nname = "mine"\ncop_density = 0.03\n'
                    "[[legitimacy_schedule]]\nstep = 10\nlegitimacy = 0.5\n")
    scenario = load_scenario(path)
    assert scenario.cop_density == 0.03 and scenario.citizen_density == 0.7
    assert scenario.legitimacy_schedule == (LegitimacyChange(step=10, legitimacy=0.5),)
    with pytest.raises(CivilViolenceScenarioError, match="no such civil-violence scenario"):
        load_scenario("civil-violence-nope")
    with pytest.raises(CivilViolenceScenarioError, match="no such file"):
        load_scenario(tmp_path / "missing.toml")


@pytest.mark.parametrize(("body", "expected"), [
    ('model = "civil_violence"\ncop_density = -0.1', "cop_density"),
    ('model = "civil_violence"\ncitizen_density = 0.95\ncop_density = 0.1',
     "citizen_density \\+ cop_density must be at most 1"),
    ('model = "civil_violence"\nwidth = 10\ncitizen_vision = 7', "at least 2 \\* vision \\+ 1"),
    ('model = "civil_violence"\ncop_vision = 0', "cop_vision"),
    ('model = "civil_violence"\nmax_jail_term = -1', "max_jail_term"),
    ('model = "civil_violence"\narrest_rule = "ceil"', "arrest_rule"),
    ('model = "civil_violence"\nactivation = "parallel"', "activation"),
    ('model = "civil_violence"\nlegitimacy = 1.5', "legitimacy"),
    ('model = "civil_violence"\narrest_prob_constant = 0', "arrest_prob_constant"),
    ('model = "civil_violence"\nvisoin = 3', "visoin: unknown key"),
    ('model = "civil_violence"\nsteps = 100\n[[legitimacy_schedule]]\nstep = 200\n'
     "legitimacy = 0.5", "after the last step"),
    ('model = "civil_violence"\n[[legitimacy_schedule]]\nstep = 20\nlegitimacy = 0.5\n'
     "[[legitimacy_schedule]]\nstep = 10\nlegitimacy = 0.4", "must increase strictly"),
    ('model = "civil_violence"\n[[legitimacy_schedule]]\nstep = 0\nlegitimacy = 0.5',
     "legitimacy_schedule\\[0\\]\\.step"),
    ('model = "manpower"', "model: expected 'civil_violence'"),
    ('model = "civil_violence"\nwidth = ', "not valid TOML"),
])
def test_bad_files_name_the_problem(tmp_path: Path, body: str, expected: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(body + "\n")
    with pytest.raises(CivilViolenceScenarioError, match=expected) as caught:
        load_scenario(path)
    assert str(path) in str(caught.value)


def test_direct_construction_validates_too() -> None:
    with pytest.raises(ValidationError):
        CivilViolenceScenario(citizen_density=0.9, cop_density=0.2)
    with pytest.raises(ValidationError):
        CivilViolenceScenario(width=20_001)


def test_legitimacy_schedule_applies_from_its_step_on() -> None:
    scenario = CivilViolenceScenario(steps=6, legitimacy=0.8, legitimacy_schedule=[
        LegitimacyChange(step=3, legitimacy=0.6), LegitimacyChange(step=5, legitimacy=0.5)])
    assert scenario.legitimacy_by_step() == [0.8, 0.8, 0.6, 0.6, 0.5, 0.5]


def test_overrides_are_revalidated() -> None:
    scenario = load_scenario("civil-violence")
    changed = scenario.with_overrides({"cop_density": 0.03, "activation": "synchronous"})
    assert (changed.cop_density, changed.activation) == (0.03, "synchronous")
    assert scenario.cop_density == 0.074  # the original is untouched
    with pytest.raises(CivilViolenceScenarioError):  # issue 8: not a raw ValidationError
        scenario.with_overrides({"cop_density": 0.5})


# -- issue 8: validation at the edge, in the manpower model's form ---------------------------

def refused(path: Path, body: str | bytes) -> CivilViolenceScenarioError:
    if isinstance(body, bytes):
        path.write_bytes(body)
    else:
        path.write_text(body)
    with pytest.raises(CivilViolenceScenarioError) as caught:
        load_scenario(path)
    error = caught.value
    assert error.source == str(path)
    lines = str(error).splitlines()
    assert len(lines) == len(error.problems) and all(line.startswith(f"{path}: ")
                                                     for line in lines)
    assert "errors.pydantic.dev" not in str(error)
    return error


def test_the_error_is_an_input_error_and_a_value_error() -> None:
    assert issubclass(CivilViolenceScenarioError, InputError)
    assert issubclass(CivilViolenceScenarioError, ValueError)


@pytest.mark.parametrize(("line", "key"), [
    ("cop_density = nan", "cop_density"),
    ("legitimacy = inf", "legitimacy"),
    ("active_threshold = -inf", "active_threshold"),
    ("arrest_prob_constant = nan", "arrest_prob_constant"),
    ("[[legitimacy_schedule]]\nstep = 3\nlegitimacy = nan", "legitimacy_schedule[0].legitimacy"),
])
def test_inf_and_nan_are_refused_as_such(tmp_path: Path, line: str, key: str) -> None:
    """Today's bounds refused these, but said 'less than or equal to 1' of a nan."""
    error = refused(tmp_path / "bad.toml", f'model = "civil_violence"\n{line}\n')
    assert [k for k, _ in error.problems] == [key]
    assert "Input should be a finite number (got" in error.problems[0][1]


def test_every_problem_is_one_line_naming_its_key(tmp_path: Path) -> None:
    error = refused(tmp_path / "bad.toml", 'model = "civil_violence"\ncop_density = -0.1\n'
                    "width = 2\nsteps = 0\n")
    assert error.problems == [
        ("width", "Input should be greater than or equal to 3 (got 2)"),
        ("cop_density", "Input should be greater than or equal to 0 (got -0.1)"),
        ("steps", "Input should be greater than or equal to 1 (got 0)")]


def test_checks_across_fields_name_a_key(tmp_path: Path) -> None:
    error = refused(tmp_path / "bad.toml", 'model = "civil_violence"\ncitizen_density = 0.95\n'
                    "cop_density = 0.1\nwidth = 10\n[[legitimacy_schedule]]\nstep = 20\n"
                    "legitimacy = 0.5\n[[legitimacy_schedule]]\nstep = 10\nlegitimacy = 0.4\n")
    assert [k for k, _ in error.problems] == ["cop_density", "width",
                                              "legitimacy_schedule[1].step"]


def test_an_unknown_key_gets_a_suggestion(tmp_path: Path) -> None:
    error = refused(tmp_path / "bad.toml", 'model = "civil_violence"\ncop_densty = 0.1\n')
    assert error.problems[0][0] == "cop_densty"
    assert error.problems[0][1].startswith("unknown key; did you mean 'cop_density'? expected "
                                           "one of [")


def test_a_binary_or_utf16_file_or_a_folder_says_so(tmp_path: Path) -> None:
    body = 'model = "civil_violence"\n'
    assert "UTF-16" in str(refused(tmp_path / "a.toml", body.encode("utf-16")))
    assert "binary file" in str(refused(tmp_path / "b.toml", bytes(range(256))))
    assert "not UTF-8" in str(refused(tmp_path / "c.toml", b"name = '\xe9'\n"))
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    with pytest.raises(CivilViolenceScenarioError, match="a folder, not a scenario file"):
        load_scenario(folder)


def test_a_manpower_file_points_at_model(tmp_path: Path) -> None:
    manpower = Path(__file__).parents[1] / "manpower" / "bad_scenarios" / "valid.toml"
    error = refused(tmp_path / "m.toml", manpower.read_text().replace(
        'model = "manpower"', 'model = "civil_violence"'))
    assert error.problems == [("model", "model = 'civil_violence', but its keys ['civilians', "
                               "'end', 'events', 'factions', 'start'] belong to the manpower "
                               'model: set model = "manpower"')]


def test_a_manpower_file_loaded_as_civil_violence_says_which_it_is(tmp_path: Path) -> None:
    manpower = Path(__file__).parents[1] / "manpower" / "bad_scenarios" / "valid.toml"
    error = refused(tmp_path / "m.toml", manpower.read_text())
    assert error.problems[0][0] == "model"
    assert error.problems[0][1].startswith("this is a manpower scenario (model = 'manpower')")


@pytest.mark.parametrize(("overrides", "key", "fragment"), [
    ({"cop_density": 0.5}, "--set cop_density", "citizen_density + cop_density must be at "
     "most 1 (got 1.2)"),
    ({"citizen_density": 0.95}, "cop_density", "must be at most 1 (got 1.024)"),
    ({"cop_density": float("nan")}, "--set cop_density", "finite number (got nan)"),
    ({"cop_densty": 0.1}, "--set cop_densty", "did you mean 'cop_density'?"),
    ({"legitimacy_schedule.0.step": 3}, "--set legitimacy_schedule.0.step", "no item '0'"),
    ({"legitimacy_schedule": [{"step": 0, "legitimacy": 0.5}]},
     "--set legitimacy_schedule[0].step", "greater than or equal to 1"),
])
def test_with_overrides_raises_the_input_error_form(overrides: dict[str, object], key: str,
                                                    fragment: str) -> None:
    scenario = load_scenario("civil-violence")
    with pytest.raises(CivilViolenceScenarioError) as caught:
        scenario.with_overrides(overrides, option="--set")
    error = caught.value
    assert not isinstance(error, ValidationError | OverrideError)
    assert error.source == "civil-violence"
    assert any(k == key and fragment in m for k, m in error.problems), error.problems
    assert str(error).startswith(f"civil-violence: {key}: ")


def test_with_overrides_names_the_source_it_is_given() -> None:
    with pytest.raises(CivilViolenceScenarioError) as caught:
        CivilViolenceScenario().with_overrides({"steps": 0}, source="sweep.toml")
    assert str(caught.value) == ("sweep.toml: steps: Input should be greater than or equal to "
                                 "1 (got 0)")


def test_validate_scenario_names_its_source() -> None:
    with pytest.raises(CivilViolenceScenarioError, match=r"^<x>: width: "):
        validate_scenario({"width": 1}, "<x>")


def test_the_command_line_loader_gets_the_input_error_form(tmp_path: Path) -> None:
    path = tmp_path / "cv.toml"
    path.write_text('model = "civil_violence"\ncop_density = 2\n')
    spec = model_for(path)
    with pytest.raises(InputError, match="cop_density: Input should be less than or equal"):
        spec.load(path)


def test_warnings_for_an_empty_or_a_long_run() -> None:
    assert scenario_warnings(load_scenario("civil-violence")) == []
    empty = CivilViolenceScenario(citizen_density=0.0001, cop_density=0.0)
    assert empty.warnings() == ["citizen_density = 0.0001: about 0.16 citizens on a 40 x 40 "
                                "grid; the run is likely to have none"]
    huge = CivilViolenceScenario(width=2000, height=2000, steps=10_000)
    (warning,) = huge.warnings()
    assert warning.startswith("steps = 10,000: about 3.1e+10 agent-steps (3,096,000 agents on "
                              "a 2000 x 2000 grid)") and warning.endswith("it may take long")
