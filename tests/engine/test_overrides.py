"""Dotted-path overrides of a pydantic model, re-validated as a whole."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from desertion.engine.overrides import OverrideError, apply_overrides, set_path


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
