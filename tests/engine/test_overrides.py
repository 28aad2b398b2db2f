"""Dotted-path overrides of a pydantic model, re-validated as a whole."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from desertion.engine.errors import FieldProblems, InputError, validation_problems
from desertion.engine.overrides import OverrideError, apply_overrides, override_checked, set_path


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Item(Strict):
    id: str
    size: int = Field(1, ge=0)
    tags: list[str] = []


class Inner(Strict):
    rate: float = 0.5


class Model(Strict):
    name: str = "m"
    inner: Inner = Inner()
    items: list[Item] = []


@pytest.fixture
def model() -> Model:
    return Model(items=[Item(id="alpha", size=2), Item(id="beta", size=3)])


def test_by_id_by_index_and_nested(model: Model) -> None:
    new = apply_overrides(model, {"items.beta.size": 30, "items.0.size": 20,
                                  "inner.rate": 0.9, "name": "n"})
    assert [i.size for i in new.items] == [20, 30]
    assert new.inner.rate == 0.9 and new.name == "n"
    assert isinstance(new, Model) and isinstance(new.items[0], Item)
    assert [i.size for i in model.items] == [2, 3]  # the original is untouched


def test_an_id_wins_over_an_index() -> None:
    model = Model(items=[Item(id="1"), Item(id="0")])
    new = apply_overrides(model, {"items.0.size": 7})
    assert [(i.id, i.size) for i in new.items] == [("1", 1), ("0", 7)]


def test_replace_a_whole_list_item_and_a_list(model: Model) -> None:
    new = apply_overrides(model, {"items.alpha": {"id": "gamma", "size": 5},
                                  "items.beta.tags": ["x", "y"]})
    assert [i.id for i in new.items] == ["gamma", "beta"]
    assert new.items[1].tags == ["x", "y"]


def test_empty_overrides_return_the_model(model: Model) -> None:
    assert apply_overrides(model, {}) is model


@pytest.mark.parametrize(("dotted", "fragments"), [
    ("inner.rat", ["inner.rat", "no key 'rat'", "['rate']"]),
    ("nme", ["no key 'nme'", "inner", "items", "name"]),
    ("items.delta.size", ["items.delta", "no item 'delta'", "below 2", "alpha", "beta"]),
    ("items.5.size", ["no item '5'", "below 2"]),
    ("name.first", ["name", "cannot go into a str"]),
    ("items.alpha.colour", ["no key 'colour'", "size"]),
])
def test_unknown_keys_are_errors_that_say_what_exists(model: Model, dotted: str,
                                                       fragments: list[str]) -> None:
    with pytest.raises(OverrideError) as err:
        apply_overrides(model, {dotted: 1})
    message = str(err.value)
    assert not message.startswith(("'", '"'))  # reads plainly, unlike a KeyError
    for fragment in fragments:
        assert fragment in message
    assert isinstance(err.value, KeyError)


def test_values_are_revalidated(model: Model) -> None:
    with pytest.raises(ValidationError):
        apply_overrides(model, {"items.alpha.size": -1})
    with pytest.raises(ValidationError):
        apply_overrides(model, {"inner.rate": "fast"})


def test_set_path_on_plain_data() -> None:
    data = {"a": {"b": [{"id": "x", "v": 1}, {"v": 2}]}}
    set_path(data, "a.b.x.v", 10)
    set_path(data, "a.b.1.v", 20)
    assert data == {"a": {"b": [{"id": "x", "v": 10}, {"v": 20}]}}


# -- issue 8: overrides raise the input-error form ------------------------------------------

class ToyError(InputError):
    pass


class Checked(Strict):
    """A model with a check across fields, as the scenario schemas have."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    low: float = 0.0
    high: float = 1.0
    items: list[Item] = []

    @model_validator(mode="after")
    def _ordered(self) -> Checked:
        if self.low > self.high:
            raise FieldProblems([("low", f"must not exceed high ({self.high:g})")])
        return self


def validate_toy(data: Any) -> Checked:
    try:
        return Checked.model_validate(data)
    except ValidationError as exc:
        raise ToyError("toy.toml", validation_problems(exc, data, Checked)) from None


def checked(overrides: dict[str, Any], option: str = "--set") -> Checked:
    model = Checked(items=[Item(id="alpha"), Item(id="beta")])
    return override_checked(model, overrides, validate_toy, ToyError, "toy", option)


def test_set_path_returns_the_place_it_set() -> None:
    data = {"a": {"b": [{"id": "x", "v": 1}, {"v": 2}]}}
    assert set_path(data, "a.b.x.v", 10) == ("a", "b", 0, "v")
    assert set_path(data, "a.b.1", {"v": 3}) == ("a", "b", 1)


def test_an_override_error_keeps_its_path_and_reason(model: Model) -> None:
    with pytest.raises(OverrideError) as err:
        apply_overrides(model, {"inner.rat": 1})
    assert (err.value.path, str(err.value)) == ("inner.rat", f"inner.rat: {err.value.reason}")
    assert err.value.reason == "no key 'rat'; did you mean 'rate'? expected one of ['rate']"


def test_override_checked_applies_and_validates() -> None:
    new = checked({"low": 0.5, "items.beta.size": 4})
    assert new.low == 0.5 and [i.size for i in new.items] == [1, 4]
    assert checked({}) == Checked(items=[Item(id="alpha"), Item(id="beta")])


@pytest.mark.parametrize(("overrides", "problems"), [
    ({"items.gamma.size": 1}, [("--set items.gamma.size", "no item 'gamma'; expected an index "
                                "below 2 or one of ['alpha', 'beta']")]),
    ({"items.beta.size": -1}, [("--set items[1](beta).size", "Input should be greater than or "
                                "equal to 0 (got -1)")]),
    ({"high": float("inf")}, [("--set high", "Input should be a finite number (got inf)")]),
    ({"items.alpha": {"id": "alpha", "sise": 2}},
     [("--set items[0](alpha).sise", "unknown key; did you mean 'size'? expected one of "
       "['id', 'size', 'tags']")]),
    # a check across fields is reported at its own key, which no override set
    ({"high": -1.0}, [("low", "must not exceed high (-1)")]),
])
def test_override_checked_raises_the_models_error(overrides: dict[str, Any],
                                                  problems: list[tuple[str, str]]) -> None:
    with pytest.raises(ToyError) as err:
        checked(overrides)
    assert err.value.problems == problems
    assert err.value.source == "toy"


def test_override_checked_without_an_option_keeps_the_keys() -> None:
    with pytest.raises(ToyError) as err:
        checked({"items.beta.size": -1}, option="")
    assert err.value.problems[0][0] == "items[1](beta).size"
