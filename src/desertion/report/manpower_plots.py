"""Figures of a manpower run: strength, exits and executions over time, per faction."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

# a Figure of its own, not pyplot: files only, and a notebook user's backend is left alone
from matplotlib.figure import Figure

from desertion.engine.results import RunResult
from desertion.manpower.codes import IN_RANKS_LABELS as IN_RANKS


def plot_run(run: RunResult, path: str | Path) -> Path:
    """Three panels: strength; exits (attempts to leave, 7-day mean); cumulative executions."""
    path = Path(path)
    ts, ev = run.timeseries, run.events
    factions = [f["id"] for f in run.meta["scenario"]["factions"]]
    fig = Figure(figsize=(10, 10), layout="constrained")
    axes = fig.subplots(3, 1, sharex=True)

    ranks = ts[ts["status"].isin(IN_RANKS)]
    strength = ranks.pivot_table(index="date", columns="faction", values="count",
                                 aggfunc="sum", observed=True)
    for f in factions:
        if f in strength and strength[f].max() > 0:
            axes[0].plot(strength.index, strength[f], label=f)
    axes[0].set_ylabel("men in the ranks")
    axes[0].set_title("Strength")

    dates = pd.DatetimeIndex(ts["date"].unique()).sort_values()
    exits = ev[ev["event"] == "attempted"].pivot_table(
        index="date", columns="faction", values="count", aggfunc="sum", observed=True
    ).reindex(dates).fillna(0)
    for f in factions:
        if f in exits:
            axes[1].plot(exits.index, exits[f].rolling(7, min_periods=1).mean(), label=f)
    axes[1].set_ylabel("per day (7-day mean)")
    axes[1].set_title("Attempts to leave")

    executed = ev[ev["event"] == "executed"].copy()
    if not executed.empty:
        executed["series"] = executed["faction"].astype(str) + " " + executed["origin"].astype(str)
        cumulative = executed.pivot_table(index="date", columns="series", values="count",
                                          aggfunc="sum", observed=True
                                          ).reindex(dates).fillna(0).cumsum()
        for series in cumulative:
            axes[2].plot(cumulative.index, cumulative[series], label=series)
    axes[2].set_ylabel("cumulative")
    axes[2].set_title("Executions of own men (all offences)")

    for ax in axes:
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="upper left", fontsize="small")
        ax.grid(alpha=0.3)
    scenario = run.meta["scenario"]
    fig.suptitle(f"{scenario['name']} (seed {run.meta['seed']}, scale {scenario['scale']})")
    fig.savefig(path, dpi=110)
    return path
