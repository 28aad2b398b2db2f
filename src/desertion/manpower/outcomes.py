"""Named scalar outcomes of a manpower run: for summary tables and experiments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desertion.engine.results import RunResult
from desertion.manpower.codes import IN_RANKS_LABELS as IN_RANKS
from desertion.manpower.scenario import Scenario

if TYPE_CHECKING:  # pandas and pyarrow load only when tables are made or read
    import pandas as pd

OUT_OF_REACH = ("hiding", "abroad")
ORIGINS = ("local", "foreign")
_STOCKS = ("strength_start_{f}", "strength_end_{f}",
           *(f"strength_end_{{f}}_{origin}" for origin in ORIGINS),
           *(f"{status}_end_{{f}}" for status in OUT_OF_REACH))
_FLOWS = ("attempted_{f}", "deserted_{f}", "defected_{f}", "killed_{f}", "joined_{f}",
          "conscripted_{f}", "dragooned_{f}", "went_into_hiding_{f}", "fled_abroad_{f}",
          "demobilised_{f}", "captured_{f}", "acquitted_{f}",
          *(f"executed_desertion_{{f}}_{origin}" for origin in ORIGINS),
          "executed_{f}", "executed_foreign_share_{f}", "exits_per_death_{f}")


def outcome_names(scenario: Scenario) -> list[str]:
    """The names ``outcomes`` gives for any run of ``scenario``, in its order."""
    ids = [faction.id for faction in scenario.factions]
    return [name.format(f=f) for f in ids for name in _STOCKS] + \
        [name.format(f=f) for f in ids for name in _FLOWS]


def strength(run: RunResult, when: str = "end") -> pd.Series:
    """Men in the ranks (serving, shirking, jailed) by faction and origin, first or last day."""
    ts = run.timeseries
    date = ts["date"].min() if when == "start" else ts["date"].max()
    rows = ts[(ts["date"] == date) & ts["status"].isin(IN_RANKS)]
    return rows.groupby(["faction", "origin"], observed=True)["count"].sum()


def outcomes(run: RunResult) -> dict[str, float]:
    """Scalar summaries, named ``quantity[_faction][_detail][_origin]``."""
    import pandas as pd

    out: dict[str, float] = {}
    factions = [f["id"] for f in run.meta["scenario"]["factions"]]
    start, end = strength(run, "start"), strength(run, "end")
    ts = run.timeseries
    last = ts[ts["date"] == ts["date"].max()]
    for f in factions:
        out[f"strength_start_{f}"] = float(start.get(f, pd.Series(dtype=float)).sum())
        out[f"strength_end_{f}"] = float(end.get(f, pd.Series(dtype=float)).sum())
        for origin in ("local", "foreign"):
            out[f"strength_end_{f}_{origin}"] = float(end.get((f, origin), 0.0))
        for status in OUT_OF_REACH:
            out[f"{status}_end_{f}"] = float(
                last.loc[(last["faction"] == f) & (last["status"] == status), "count"].sum())
    ev = run.events
    for f in factions:
        mine = ev[ev["faction"] == f]

        def total(event: str, detail: str | None = None, origin: str | None = None,
                  rows: pd.DataFrame = mine) -> float:
            sel = rows["event"] == event
            if detail is not None:
                sel &= rows["detail"] == detail
            if origin is not None:
                sel &= rows["origin"] == origin
            return float(rows.loc[sel, "count"].sum())

        out[f"attempted_{f}"] = total("attempted")
        out[f"deserted_{f}"] = total("escaped")
        out[f"defected_{f}"] = total("defected")
        out[f"killed_{f}"] = total("killed")
        out[f"joined_{f}"] = total("joined")
        out[f"conscripted_{f}"] = total("conscripted")
        out[f"dragooned_{f}"] = total("dragooned")
        out[f"went_into_hiding_{f}"] = total("went_into_hiding")
        out[f"fled_abroad_{f}"] = total("fled_abroad")
        out[f"demobilised_{f}"] = total("escaped", "surrender")  # to a state's programme
        out[f"captured_{f}"] = total("captured")
        out[f"acquitted_{f}"] = total("acquitted")
        for origin in ("local", "foreign"):
            out[f"executed_desertion_{f}_{origin}"] = total("executed", "desertion", origin)
        executed = total("executed", "desertion")
        out[f"executed_{f}"] = total("executed")
        out[f"executed_foreign_share_{f}"] = (
            out[f"executed_desertion_{f}_foreign"] / executed if executed else float("nan"))
        deaths = out[f"killed_{f}"]
        exits = out[f"deserted_{f}"] + out[f"defected_{f}"] + total("executed")
        out[f"exits_per_death_{f}"] = exits / deaths if deaths else float("nan")
    return out
