"""Agents as columns: a growable struct of NumPy arrays, one row per person."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


class Columns:
    """A table of agents stored column by column, with room to grow.

    ``cols.status`` is a view of the first ``len(cols)`` rows of the ``status`` column; writing
    through it writes the table. ``append`` adds rows (amortised doubling, as a list does).
    """

    def __init__(self, dtypes: Mapping[str, np.dtype | type | tuple[type, int]],
                 defaults: Mapping[str, object], capacity: int = 1024) -> None:
        capacity = max(int(capacity), 16)
        # a column is 1-D, or 2-D with a fixed width (e.g. each agent's k ties)
        self._shapes = {name: (dt[1],) if isinstance(dt, tuple) else ()
                        for name, dt in dtypes.items()}
        self._dtypes = {name: np.dtype(dt[0] if isinstance(dt, tuple) else dt)
                        for name, dt in dtypes.items()}
        self._defaults = dict(defaults)
        self._data = {name: self._empty(name, capacity) for name in self._dtypes}
        self._n = 0

    def _empty(self, name: str, capacity: int) -> np.ndarray:
        return np.full((capacity, *self._shapes[name]), self._defaults.get(name, 0),
                       dtype=self._dtypes[name])

    def __len__(self) -> int:
        return self._n

    @property
    def names(self) -> list[str]:
        return list(self._dtypes)

    def __getattr__(self, name: str) -> np.ndarray:
        data = self.__dict__.get("_data")
        if data is not None and name in data:
            return data[name][: self._n]
        raise AttributeError(name)

    def __getitem__(self, name: str) -> np.ndarray:
        return self._data[name][: self._n]

    def _reserve(self, needed: int) -> None:
        capacity = len(next(iter(self._data.values())))
        if needed <= capacity:
            return
        new_capacity = max(needed, 2 * capacity)
        for name, old in self._data.items():
            grown = self._empty(name, new_capacity)
            grown[: self._n] = old[: self._n]
            self._data[name] = grown

    def append(self, k: int, **values: np.ndarray | float | int) -> slice:
        """Add ``k`` rows; unnamed columns take their defaults. Returns the new rows' slice."""
        unknown = set(values) - set(self._data)
        if unknown:
            raise KeyError(f"unknown columns: {sorted(unknown)}")
        start = self._n
        self._reserve(start + k)
        new = slice(start, start + k)
        for name, value in values.items():
            self._data[name][new] = value
        self._n = start + k
        return new

    def nbytes(self) -> int:
        return sum(col.nbytes for col in self._data.values())
