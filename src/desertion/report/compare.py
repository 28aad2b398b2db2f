"""Two runs side by side: every summary figure of each, and their differences."""

from __future__ import annotations

import math

import pandas as pd

from desertion.engine.model import Model
from desertion.engine.results import RunResult


def compare_runs(model: Model, a: RunResult, b: RunResult) -> pd.DataFrame:
    """One row per outcome either run has: its value in A and in B, B - A and B / A."""
    left, right = model.outcomes(a), model.outcomes(b)
    names = list(dict.fromkeys([*left, *right]))
    rows = []
    for name in names:
        x, y = left.get(name, math.nan), right.get(name, math.nan)
        rows.append({"outcome": name, "A": x, "B": y, "B - A": y - x,
                     "B / A": y / x if x not in (0, 0.0) and not math.isnan(x) else math.nan})
    return pd.DataFrame(rows, columns=["outcome", "A", "B", "B - A", "B / A"])


def compare_html(a: RunResult, b: RunResult, table: pd.DataFrame, names: tuple[str, str]
                 ) -> str:
    """Two manpower runs overlaid (A solid, B dashed, one colour per faction) on their own
    axes per faction, then the table of differences."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from desertion.manpower.codes import IN_RANKS_LABELS
    from desertion.report.html import page
    from desertion.report.manpower_plots import COLOURS

    factions = [f["id"] for f in a.meta["scenario"]["factions"]]
    fig = make_subplots(rows=2, cols=len(factions), subplot_titles=factions * 2,
                        shared_xaxes=True)
    for col, faction in enumerate(factions, start=1):
        colour = COLOURS[(col - 1) % len(COLOURS)]
        for run, name, dash in ((a, names[0], "solid"), (b, names[1], "dash")):
            ts, ev = run.timeseries, run.events
            ranks = ts[(ts["faction"] == faction) & ts["status"].isin(IN_RANKS_LABELS)]
            strength = ranks.groupby("date")["count"].sum()
            tried = ev[(ev["faction"] == faction) & (ev["event"] == "attempted")].groupby(
                "date")["count"].sum().reindex(strength.index[1:]).fillna(0.0)
            line = {"color": colour, "dash": dash}
            fig.add_trace(go.Scatter(x=strength.index, y=strength, name=f"{name}: {faction}",
                                     line=line), row=1, col=col)
            fig.add_trace(go.Scatter(x=tried.index, y=tried.rolling(7, min_periods=1).mean(),
                                     name=f"{name}: {faction} attempts", line=line,
                                     showlegend=False), row=2, col=col)
    fig.update_yaxes(tickformat=",", rangemode="tozero")
    fig.update_layout(height=650, hovermode="x unified")
    return page(f"{names[0]} (A) against {names[1]} (B)", [
        ("A", f"{names[0]}: seed {a.meta['seed']}"), ("B", f"{names[1]}: seed {b.meta['seed']}")],
        [("Men in the ranks (top) and attempts to leave per day, 7-day mean (bottom)", fig,
          "A solid, B dashed; each faction on its own axes"),
         ("Every summary figure", table, "")])
