"""One scenario loader for every model (``engine/scenario_files.py``): includes, keyword
overrides, the same messages for both models, one error family, frozen scenarios."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from desertion.civil_violence import params as cv
from desertion.engine import errors
from desertion.engine.errors import InputError, ScenarioError
from desertion.engine.scenario_files import MAX_INCLUDE_DEPTH, merge
from desertion.manpower import scenario as mp

MANPOWER_BASE = Path(__file__).parents[1] / "manpower" / "bad_scenarios" / "valid.toml"
CV_BASE = 'model = "civil_violence"\nname = "cv"\nsteps = 20\n'


class Model:
    """One model's loader and the bits of a file that are its own."""

    def __init__(self, name: str, module: Any, base: str, typo: tuple[str, str]) -> None:
        self.name, self.module, self.base = name, module, base
        self.typo, self.fixed = typo  # a misspelt top-level key and the one it stands for
        self.load: Callable[..., Any] = module.load_scenario
        self.error: type[ScenarioError] = module.FILES.error

    def __repr__(self) -> str:
        return self.name

    def shipped_list(self) -> str:
        return str(sorted(self.module.shipped_scenarios()))

    def refused(self, source: str | Path, **overrides: Any) -> ScenarioError:
        with pytest.raises(self.error) as caught:
            self.load(source, **overrides)
        return caught.value


MODELS = [
    Model("manpower", mp, MANPOWER_BASE.read_text(), ("sede", "seed")),
    Model("civil_violence", cv, CV_BASE, ("cop_densty", "cop_density")),
]
both = pytest.mark.parametrize("model", MODELS, ids=repr)


# --- one error family ---------------------------------------------------------------------

def test_one_error_family() -> None:
    assert mp.ScenarioError is errors.ScenarioError
    assert issubclass(cv.CivilViolenceScenarioError, ScenarioError)
    assert issubclass(cv.CivilViolenceScenarioError, InputError)
    assert issubclass(ScenarioError, InputError) and issubclass(ScenarioError, ValueError)
    from desertion.manpower.scenario import ScenarioError as imported

    assert imported is ScenarioError


@both
def test_every_loader_error_is_a_scenario_error(model: Model, tmp_path: Path) -> None:
    error = model.refused(tmp_path / "missing.toml")
    assert isinstance(error, ScenarioError) and isinstance(error, InputError)


# --- includes -----------------------------------------------------------------------------

def test_a_civil_violence_file_includes_a_shipped_one_and_overrides_a_key(
        tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('include = ["civil-violence-punctuated"]\ncop_density = 0.05\n')
    mine = cv.load_scenario(path)
    shipped = cv.load_scenario("civil-violence-punctuated")
    assert mine == shipped.with_overrides({"cop_density": 0.05})
    assert mine.model == "civil_violence" and mine.name == "civil-violence-punctuated"
    assert shipped.cop_density == 0.04  # the shipped scenario is untouched


def test_civil_violence_includes_nest_relative_to_the_including_file(tmp_path: Path) -> None:
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "grid.toml").write_text(
        'model = "civil_violence"\nwidth = 30\nheight = 30\n'
        "[[legitimacy_schedule]]\nstep = 5\nlegitimacy = 0.6\n")
    (tmp_path / "parts" / "mid.toml").write_text('include = ["grid.toml"]\nsteps = 50\n')
    top = tmp_path / "top.toml"
    top.write_text('include = ["parts/mid.toml"]\nname = "top"\nwidth = 31\n'
                   "[[legitimacy_schedule]]\nstep = 9\nlegitimacy = 0.5\n")
    scenario = cv.load_scenario(top)
    assert (scenario.name, scenario.width, scenario.height, scenario.steps) == \
        ("top", 31, 30, 50)
    # lists of tables without ids concatenate, as in the manpower model's calendars
    assert [c.step for c in scenario.legitimacy_schedule] == [5, 9]


def test_a_manpower_file_includes_a_shipped_one_and_overrides_a_faction(
        tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('include = ["isis-2014"]\nname = "mine"\n'
                    '[[factions]]\nid = "isis"\npay = 0.5\n')
    mine = mp.load_scenario(path)
    isis = mp.load_scenario("isis-2014")
    assert mine == isis.with_overrides({"name": "mine", "factions.isis.pay": 0.5})


@both
def test_an_include_cycle_is_refused(model: Model, tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('include = ["b.toml"]\n' + model.base)
    (tmp_path / "b.toml").write_text('include = ["a.toml"]\n')
    error = model.refused(tmp_path / "a.toml")
    assert error.problems == [("include", "includes nest too deep (a cycle?)")]
    assert MAX_INCLUDE_DEPTH == 8


def test_a_shipped_file_includes_shipped_scenarios_only(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """syria-2014 includes "isis-2014": a file of that name here does not shadow it."""
    (tmp_path / "isis-2014").write_text("not = [toml\n")
    (tmp_path / "isis-2014.toml").write_text("not = [toml\n")
    expected = mp.load_scenario("syria-2014")
    monkeypatch.chdir(tmp_path)
    assert mp.load_scenario("syria-2014") == expected


def test_merge_rules() -> None:
    base = {"a": 1, "t": {"x": 1, "y": 2}, "items": [{"id": "p", "v": 1}, {"v": 2}],
            "plain": [1, 2]}
    top = {"a": 3, "t": {"y": 5}, "items": [{"id": "p", "w": 0}, {"id": "q"}], "plain": [3]}
    assert merge(base, top) == {"a": 3, "t": {"x": 1, "y": 5},
                                "items": [{"id": "p", "v": 1, "w": 0}, {"v": 2}, {"id": "q"}],
                                "plain": [1, 2, 3]}
    assert base["t"] == {"x": 1, "y": 2} and len(base["items"]) == 2  # inputs untouched


# --- overrides ----------------------------------------------------------------------------

def test_keyword_overrides_of_both_models() -> None:
    isis = mp.load_scenario("isis-2014", seed=5, scale=0.1, stop=None)
    assert (isis.seed, isis.scale, isis.stop) == (5, 0.1, None)
    assert isis == mp.load_scenario("isis-2014").with_overrides({"seed": 5, "scale": 0.1})
    short = cv.load_scenario("civil-violence", steps=10, seed=3, cop_density=None)
    assert (short.steps, short.seed, short.cop_density) == (10, 3, 0.074)
    assert short == cv.load_scenario("civil-violence").with_overrides({"steps": 10, "seed": 3})


@both
def test_a_bad_keyword_override_names_the_file_and_key(model: Model, tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(model.base)
    error = model.refused(path, seed=-1)
    assert error.problems == [("seed", "Input should be greater than or equal to 0 (got -1)")]
    error = model.refused(path, **{model.typo: 1})
    assert str(error).startswith(f"{path}: {model.typo}: unknown key; did you mean "
                                 f"'{model.fixed}'? expected one of [")


# --- the same messages for both models ----------------------------------------------------

@both
def test_a_missing_file(model: Model, tmp_path: Path) -> None:
    path = tmp_path / "missing.toml"
    assert str(model.refused(path)) == (f"{path}: no such file, and not a shipped scenario; "
                                        f"expected a TOML file or one of "
                                        f"{model.shipped_list()}")


@both
def test_an_unknown_shipped_name(model: Model) -> None:
    label = model.name.replace("_", "-")
    assert str(model.refused("nope-2099")) == (
        f"nope-2099: no such {label} scenario (not a shipped scenario, and no such file); "
        f"expected a TOML file or one of {model.shipped_list()}")


@both
def test_a_folder(model: Model, tmp_path: Path) -> None:
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    assert str(model.refused(folder)) == (f"{folder}: a folder, not a scenario file; expected "
                                          f"a TOML file or one of {model.shipped_list()}")


@both
def test_an_unreadable_file(model: Model, tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(b"name = '\xe9'\n")
    assert str(model.refused(path)) == (f"{path}: not UTF-8 text (byte 0xe9 at line 1, "
                                        "column 9); a scenario file is TOML, in UTF-8")


@both
def test_an_unknown_key_gets_a_suggestion(model: Model, tmp_path: Path) -> None:
    path = tmp_path / "typo.toml"
    path.write_text(f"{model.typo} = 1\n" + model.base)
    error = model.refused(path)
    (key, message), = error.problems
    assert key == model.typo
    assert message.startswith(f"unknown key; did you mean '{model.fixed}'? expected one of [")


@both
def test_a_missing_include(model: Model, tmp_path: Path) -> None:
    path = tmp_path / "top.toml"
    path.write_text('include = ["other.toml"]\n' + model.base)
    assert str(model.refused(path)) == (
        f"{path}: include[0]: other.toml: no such file, and not a shipped scenario; expected "
        f"a TOML file or one of {model.shipped_list()}")


@both
@pytest.mark.parametrize("include", ['"other.toml"', "[1]"])
def test_an_include_that_is_not_a_list_of_names(model: Model, tmp_path: Path,
                                                include: str) -> None:
    path = tmp_path / "top.toml"
    path.write_text(f"include = {include}\n" + model.base)
    assert str(model.refused(path)) == (f"{path}: include: expected a list of scenario names "
                                        "or paths")


@both
def test_an_include_of_a_folder(model: Model, tmp_path: Path) -> None:
    (tmp_path / "parts").mkdir()
    path = tmp_path / "top.toml"
    path.write_text('include = ["parts"]\n' + model.base)
    assert str(model.refused(path)).startswith(f"{path}: include[0]: parts: a folder, not a "
                                               "scenario file; expected a TOML file")


@both
def test_a_file_naming_another_model(model: Model, tmp_path: Path) -> None:
    other = "civil_violence" if model.name == "manpower" else "manpower"
    path = tmp_path / "other.toml"
    path.write_text(f'model = "{other}"\nname = "x"\n')
    assert str(model.refused(path)) == (f"{path}: model: expected '{model.name}' "
                                        f"(got '{other}')")


def test_a_file_of_the_other_model_is_told_apart_by_both() -> None:
    error = cv.CivilViolenceScenarioError  # the manpower base file, loaded as civil violence
    with pytest.raises(error) as caught:
        cv.load_scenario(MANPOWER_BASE)
    assert caught.value.problems[0][1].startswith(
        "this is a manpower scenario (model = 'manpower'), not a civil_violence one")


def test_shipped_lists_come_from_the_one_loader() -> None:
    assert mp.shipped_scenarios() == mp.FILES.shipped()
    assert cv.shipped_scenarios() == cv.FILES.shipped()
    assert set(mp.shipped_scenarios()) == {"isis-2014", "saa-2014", "syria-2014",
                                         "csa-1862"}
    assert {"civil-violence", "civil-violence-punctuated"} <= set(cv.shipped_scenarios())


# --- frozen scenarios ---------------------------------------------------------------------

def test_a_manpower_scenario_is_frozen() -> None:
    isis = mp.load_scenario("isis-2014")
    dump = isis.model_dump(mode="json")
    for obj, field, value in ((isis, "seed", 3), (isis.factions[0], "pay", 0.5),
                              (isis.mechanisms.capture, "k", 1.0),
                              (isis.factions[0].cohorts[0].commitment, "mean", 0.1),
                              (isis.events[0], "start", isis.start)):
        with pytest.raises(ValidationError, match="frozen"):
            setattr(obj, field, value)
    assert isis.model_dump(mode="json") == dump
    changed = isis.model_copy(update={"seed": 3})  # copies are how to change one
    assert changed.seed == 3 and isis.seed == dump["seed"] != 3


def test_a_civil_violence_scenario_is_frozen() -> None:
    scenario = cv.load_scenario("civil-violence-punctuated")
    with pytest.raises(ValidationError, match="frozen"):
        scenario.steps = 3  # type: ignore[misc]
    schedule = cv.CivilViolenceScenario(legitimacy_schedule=[
        cv.LegitimacyChange(step=3, legitimacy=0.5)]).legitimacy_schedule
    with pytest.raises(ValidationError, match="frozen"):
        schedule[0].legitimacy = 0.1  # type: ignore[misc]
