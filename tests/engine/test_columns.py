"""Columns: a growable struct of arrays, one row per agent."""

from __future__ import annotations

import numpy as np
import pytest

from desertion.engine.columns import Columns

DTYPES = {"status": np.uint8, "score": np.float32, "ties": (np.int32, 3)}
DEFAULTS = {"ties": -1, "score": 0.5}


def make(capacity: int = 16) -> Columns:
    return Columns(DTYPES, DEFAULTS, capacity=capacity)


def test_empty_table() -> None:
    cols = make()
    assert len(cols) == 0
    assert cols.names == ["status", "score", "ties"]
    assert cols.status.shape == (0,) and cols.ties.shape == (0, 3)


def test_append_sets_values_and_defaults() -> None:
    cols = make()
    rows = cols.append(4, status=np.array([1, 2, 3, 4]))
    assert rows == slice(0, 4)
    assert len(cols) == 4
    np.testing.assert_array_equal(cols.status, [1, 2, 3, 4])
    np.testing.assert_array_equal(cols.score, 0.5)
    np.testing.assert_array_equal(cols.ties, -1)
    assert cols.status.dtype == np.uint8 and cols.score.dtype == np.float32
    rows = cols.append(2, status=7, score=np.array([0.1, 0.2]))
    assert rows == slice(4, 6)
    np.testing.assert_array_equal(cols.status, [1, 2, 3, 4, 7, 7])
    np.testing.assert_allclose(cols["score"][4:], [0.1, 0.2])


def test_growth_keeps_earlier_rows_and_defaults_new_ones() -> None:
    cols = make(capacity=16)
    cols.append(10, status=np.arange(10), ties=np.arange(30).reshape(10, 3))
    before = cols.nbytes()
    for k in range(5):  # past the capacity several times
        cols.append(37, status=k)
    assert len(cols) == 10 + 5 * 37
    assert cols.nbytes() > before
    np.testing.assert_array_equal(cols.status[:10], np.arange(10))
    np.testing.assert_array_equal(cols.ties[:10], np.arange(30).reshape(10, 3))
    np.testing.assert_array_equal(cols.ties[10:], -1)
    np.testing.assert_array_equal(cols.score[10:], 0.5)
    np.testing.assert_array_equal(cols.status[-37:], 4)


def test_one_large_append_beyond_double_capacity() -> None:
    cols = make(capacity=16)
    cols.append(1000, status=3)
    assert len(cols) == 1000 and (cols.status == 3).all()


def test_views_write_through() -> None:
    cols = make()
    cols.append(5)
    cols.status[[1, 3]] = 9
    cols.ties[2, 1] = 42
    cols["score"][0] = 2.0
    np.testing.assert_array_equal(cols["status"], [0, 9, 0, 9, 0])
    assert cols["ties"][2, 1] == 42 and cols.score[0] == 2.0


def test_two_dimensional_column_assignment() -> None:
    cols = make()
    cols.append(2, ties=np.array([[1, 2, 3], [4, 5, 6]]))
    cols.append(1, ties=np.array([7, 8, 9]))  # broadcast over the new row
    np.testing.assert_array_equal(cols.ties, [[1, 2, 3], [4, 5, 6], [7, 8, 9]])


def test_zero_row_append() -> None:
    cols = make()
    assert cols.append(0) == slice(0, 0)
    assert len(cols) == 0


def test_unknown_columns() -> None:
    cols = make()
    with pytest.raises(KeyError, match="nope"):
        cols.append(1, nope=1)
    assert len(cols) == 0  # nothing half-added
    with pytest.raises(AttributeError):
        _ = cols.nope
    with pytest.raises(KeyError):
        _ = cols["nope"]
