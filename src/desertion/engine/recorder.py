"""The recorder: counts of agents by group and state after every step, and each step's events.

Rows are indexed by step (row 0 is the state before the first step, row *t* the state after
step *t*). A model with a calendar gives the date of its first step, and its tables carry a
``date`` column (the eve of the first day on row 0); without one they carry ``step``.

A *group* is a flat index over a product of labelled axes (for the manpower model:
faction x origin). Counts are taken from the agents' columns (``census``), or given by a
model that keeps them from its flows (``counted``); events are what the mechanisms report.
Because every status change is reported as an event with its ``from`` and ``to`` state, the
census of day *t* equals the census of day *t-1* plus the day's inflows minus its outflows:
the conservation law the tests check.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from desertion.engine.sampling import group_counts

if TYPE_CHECKING:  # pandas and pyarrow load only when tables are made or read
    import pandas as pd

NOWHERE = -1  # ``from``/``to`` of an event that enters or leaves a group's books


class Recorder:
    def __init__(self, n_steps: int, axes: dict[str, Sequence[str]], states: Sequence[str],
                 scale: float = 1.0, start: dt.date | None = None) -> None:
        self.start = start
        """The date of the first step (one step a day), or None: tables are by step."""
        self.n_steps = n_steps
        self.axes = {name: list(labels) for name, labels in axes.items()}
        self.states = list(states)
        self.scale = scale
        self.n_groups = int(np.prod([len(v) for v in self.axes.values()]))
        # row 0 is the census before the first day; row t the census at the end of day t
        self.counts = np.zeros((n_steps + 1, self.n_groups, len(self.states)), dtype=np.int64)
        self._events: dict[tuple[str, str, int, int], np.ndarray] = {}
        self.steps_done = 0

    # -- writing -------------------------------------------------------------------------
    def census(self, day: int, group: np.ndarray, state: np.ndarray) -> None:
        """Count agents by (group, state) after step ``day`` (0: the initial state)."""
        n_states = len(self.states)
        n_keys = self.n_groups * n_states
        # the narrowest integer that holds every key: counting is memory-bound
        dtype = np.uint8 if n_keys <= 256 else np.uint16 if n_keys <= 65536 else np.int64
        key = group.astype(dtype) * dtype(n_states)
        key += state.astype(dtype, copy=False)
        flat = np.bincount(key, minlength=n_keys)
        self.counts[day] = flat[: self.n_groups * n_states].reshape(self.n_groups, n_states)
        self.steps_done = max(self.steps_done, day)

    def counted(self, day: int, counts: np.ndarray) -> None:
        """The (group, state) counts after step ``day``, kept by the model from its flows
        (its tests check them against ``census`` of the columns)."""
        self.counts[day] = counts
        self.steps_done = max(self.steps_done, day)

    def event(self, day: int, name: str, group: np.ndarray, *, detail: str = "",
              from_state: int = NOWHERE, to_state: int = NOWHERE,
              weights: np.ndarray | None = None) -> None:
        """Record one event for each agent whose group index is in ``group``.

        ``from_state``/``to_state`` are state codes when the event moves agents between
        states (``NOWHERE`` when they enter or leave the group's books, or for events that
        change no state, such as a fine).
        """
        if len(group) == 0:
            return
        counts = group_counts(group, self.n_groups, weights)
        self.event_counts(day, name, counts.astype(np.int64), detail=detail,
                          from_state=from_state, to_state=to_state)

    def event_counts(self, day: int, name: str, counts: np.ndarray, *, detail: str = "",
                     from_state: int = NOWHERE, to_state: int = NOWHERE) -> None:
        """Record already aggregated counts (one per group) for an event."""
        self.event_counts_over(day, name, np.asarray(counts)[None, :], detail=detail,
                               from_state=from_state, to_state=to_state)

    def event_counts_over(self, first_day: int, name: str, counts: np.ndarray, *,
                          detail: str = "", from_state: int = NOWHERE,
                          to_state: int = NOWHERE) -> None:
        """Record aggregated counts for consecutive days at once: ``counts[d, g]`` for day
        ``first_day + d`` and group ``g`` (days with no event may hold zeros)."""
        key = (name, detail, from_state, to_state)
        table = self._events.get(key)
        if table is None:
            table = self._events[key] = np.zeros((self.n_steps + 1, self.n_groups), np.int64)
        table[first_day: first_day + len(counts)] += counts

    # -- reading -------------------------------------------------------------------------
    def _group_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(list(itertools.product(*self.axes.values())),
                            columns=list(self.axes))

    @property
    def time_column(self) -> str:
        """``date`` for a model with a calendar, else ``step``."""
        return "step" if self.start is None else "date"

    def times(self) -> pd.DatetimeIndex | np.ndarray:
        """The label of every row: its date (the eve of the first day first), or its step."""
        import pandas as pd

        if self.start is None:
            return np.arange(self.n_steps + 1, dtype=np.int64)
        # nanoseconds, the unit Parquet gives back, so a saved run loads back equal
        return pd.date_range(self.start - dt.timedelta(days=1), periods=self.n_steps + 1,
                             freq="D").as_unit("ns")

    def events_by_kind(self) -> dict[tuple[str, str, int, int], np.ndarray]:
        """Every event's counts, ``counts[step, group]``, keyed by (name, detail, from, to)."""
        return dict(self._events)

    def timeseries(self) -> pd.DataFrame:
        """Long table: one row per (date or step, group, state) with the census count.

        ``agents`` is the number of simulated agents; ``count`` scales it back to the full
        population (``agents / scale``). The first row is the state before the first step.
        """
        import pandas as pd

        n_days = self.steps_done + 1
        groups = self._group_frame()
        n_states = len(self.states)
        frame = pd.DataFrame({
            self.time_column: np.repeat(self.times()[:n_days], self.n_groups * n_states),
            **{col: np.tile(np.repeat(groups[col].to_numpy(), n_states), n_days)
               for col in groups},
            "status": np.tile(self.states, n_days * self.n_groups),
            "agents": self.counts[:n_days].reshape(-1),
        })
        frame["count"] = frame["agents"] / self.scale
        for col in (*groups.columns, "status"):
            frame[col] = frame[col].astype("category")
        return frame

    def events(self) -> pd.DataFrame:
        """Long table: one row per (date or step, event, detail, group, from, to) with a
        non-zero count."""
        import pandas as pd

        n_days = self.steps_done + 1
        groups = self._group_frame()
        dates, when = self.times(), self.time_column
        parts = []
        for (name, detail, src, dst), table in sorted(self._events.items()):
            day, grp = np.nonzero(table[:n_days])
            if len(day) == 0:
                continue
            parts.append(pd.DataFrame({
                when: dates[day], "event": name, "detail": detail,
                **{col: groups[col].to_numpy()[grp] for col in groups},
                "from_status": self.states[src] if src != NOWHERE else "",
                "to_status": self.states[dst] if dst != NOWHERE else "",
                "agents": table[day, grp],
            }))
        columns = [when, "event", "detail", *groups.columns, "from_status", "to_status",
                   "agents"]
        frame = (pd.concat(parts, ignore_index=True) if parts
                 else pd.DataFrame({c: pd.Series(dtype=object) for c in columns}))
        frame = frame.sort_values([when, "event", "detail", *groups.columns],
                                  kind="stable").reset_index(drop=True)
        frame["agents"] = frame["agents"].astype(np.int64)
        frame["count"] = frame["agents"] / self.scale
        return frame
