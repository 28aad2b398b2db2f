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
    ('model = "civil_violence"\nvisoin = 3', "visoin: Extra inputs are not permitted"),
    ('model = "civil_violence"\nsteps = 100\n[[legitimacy_schedule]]\nstep = 200\n'
     "legitimacy = 0.5", "after the last step"),
    ('model = "civil_violence"\n[[legitimacy_schedule]]\nstep = 20\nlegitimacy = 0.5\n'
     "[[legitimacy_schedule]]\nstep = 10\nlegitimacy = 0.4", "must increase strictly"),
    ('model = "civil_violence"\n[[legitimacy_schedule]]\nstep = 0\nlegitimacy = 0.5',
     "legitimacy_schedule.0.step"),
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
    with pytest.raises(ValidationError):
        scenario.with_overrides({"cop_density": 0.5})
