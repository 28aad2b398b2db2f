"""Figures of a manpower run: per faction, strength, attempts to leave and executions.

One column per faction, each with its own axes (the SAA's 170,000 men would flatten ISIS's
16,000 and the militias' 8,000 on a shared one), one colour per faction in every panel,
local men solid and foreign men dashed, the calendar's events marked where they start, and
documented strengths (targets.csv) drawn as ranges at their dates.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

# a Figure of its own, not pyplot: files only, and a notebook user's backend is left alone
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from desertion.engine.results import RunResult
from desertion.manpower.codes import IN_RANKS_LABELS as IN_RANKS

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
ORIGIN_STYLE = {"local": "-", "foreign": "--"}
# thousands separators; small axes (a few attempts a day) keep their decimals
COUNT = FuncFormatter(lambda x, _: f"{x:,.0f}" if abs(x) >= 10 else f"{x:g}")


def plot_run(run: RunResult, path: str | Path) -> Path:
    """The run's figure (``run_figure``) written to ``path``."""
    path = Path(path)
    run_figure(run).savefig(path, dpi=110)
    return path


def run_figure(run: RunResult) -> Figure:
    """Rows: men in the ranks, attempts to leave (7-day mean), executions of own men
    (cumulative); one column per faction."""
    scenario = run.meta["scenario"]
    factions = [(f["id"], f.get("name") or f["id"]) for f in scenario["factions"]]
    fig = Figure(figsize=(4.2 * len(factions) + 1, 9.5), layout="constrained")
    axes = fig.subplots(3, len(factions), sharex=True, squeeze=False)
    days = _days(run)
    for col, (faction, name) in enumerate(factions):
        colour = COLOURS[col % len(COLOURS)]
        strength, exits, executed = axes[0, col], axes[1, col], axes[2, col]
        strength.set_title(name, color=colour, fontsize="medium")
        _by_origin(strength, _strength(run, faction), colour, total=True)
        _strength_targets(strength, faction, days, str(scenario.get("name", "")))
        _by_origin(exits, _daily(run, "attempted", faction, days).rolling(7, min_periods=1)
                   .mean(), colour)
        _by_origin(executed, _daily(run, "executed", faction, days).cumsum(), colour,
                   empty="no executions")
        for ax in (strength, exits, executed):
            _events(ax, scenario, faction, days[-1])
            ax.yaxis.set_major_formatter(COUNT)
            ax.grid(alpha=0.3)
            ax.set_ylim(bottom=0)
    axes[0, 0].set_ylabel("men in the ranks\n(serving, shirking, jailed)")
    axes[1, 0].set_ylabel("attempts to leave per day\n(7-day mean)")
    axes[2, 0].set_ylabel("executions of own men\n(cumulative, all offences)")
    _legend(fig, str(scenario.get("name", "")))
    # on one line where two or more columns give it room
    fig.suptitle(f"{scenario['name']}: one run (seed {run.meta['seed']}, scale "
                 f"{scenario['scale']:g});{' ' if len(factions) > 1 else chr(10)}"
                 f"replications show the spread (desertion sweep)")
    for ax in axes[-1]:
        ax.tick_params(axis="x", labelrotation=30)
    return fig


def _days(run: RunResult) -> pd.DatetimeIndex:
    """The simulated days: the census's dates but its first, the eve of day one (no events
    happen on it, so counting it as a day of zeros would drag the first week's mean)."""
    return pd.DatetimeIndex(run.timeseries["date"].unique()).sort_values()[1:]


def _strength(run: RunResult, faction: str) -> pd.DataFrame:
    ts = run.timeseries
    ranks = ts[(ts["faction"] == faction) & ts["status"].isin(IN_RANKS)]
    return ranks.pivot_table(index="date", columns="origin", values="count", aggfunc="sum",
                             observed=True)


def _daily(run: RunResult, event: str, faction: str, days: pd.DatetimeIndex) -> pd.DataFrame:
    ev = run.events
    sel = ev[(ev["event"] == event) & (ev["faction"] == faction)]
    return sel.pivot_table(index="date", columns="origin", values="count", aggfunc="sum",
                           observed=True).reindex(days).fillna(0.0)


def _by_origin(ax: Axes, table: pd.DataFrame, colour: str, empty: str = "",
               total: bool = False) -> None:
    """One line per origin with any men, in the faction's colour; with ``total``, also all
    of them together (what a documented strength counts) when there are both."""
    origins = [o for o in ORIGIN_STYLE if o in table and table[o].abs().max() > 0]
    if total and len(origins) > 1:
        ax.plot(table.index, table[origins].sum(axis=1), color=colour, lw=2.5, alpha=0.5,
                label="all")
    for origin in origins:
        ax.plot(table.index, table[origin], ORIGIN_STYLE[origin], color=colour, label=origin)
    if not origins and empty:
        ax.text(0.5, 0.5, empty, transform=ax.transAxes, ha="center", color="grey")
        ax.set_yticks([])


def _strength_targets(ax: Axes, faction: str, days: pd.DatetimeIndex, scenario: str
                      ) -> None:
    """Documented strengths of the faction dated within the run, as ranges: from its
    conflict's own figures where the package has them (csa-1862.csv), else targets.csv."""
    from desertion.manpower.targets import load_targets, shipped_figures

    own = shipped_figures(scenario)
    targets = pd.read_csv(own, parse_dates=["date"]) if own else load_targets()
    rows = targets[(targets["id"] == f"{faction}_strength")
                   & targets["date"].between(days[0], days[-1])]
    for _, t in rows.iterrows():
        ax.errorbar([t["date"]], [t["value"]], yerr=[[t["value"] - t["low"]],
                                                     [t["high"] - t["value"]]],
                    fmt="o", color="black", capsize=4, label="documented")


def _events(ax: Axes, scenario: dict[str, Any], faction: str, last: pd.Timestamp) -> None:
    """A dotted line where each of the faction's (or everyone's) events starts, labelled
    with its kind in the top panel only (the label repeats the x position below)."""
    kinds: dict[pd.Timestamp, list[str]] = {}
    for e in scenario.get("events", []) + scenario.get("extension_events", []):
        start = pd.Timestamp(e["start"])
        if e.get("faction") in (None, faction) and start <= last:
            kind = e["kind"].replace("_", " ")
            if kind not in kinds.setdefault(start, []):
                kinds[start].append(kind)
    top = ax.get_subplotspec().is_first_row()
    for start, names in kinds.items():  # events starting on one day share one label
        ax.axvline(start, color="grey", lw=0.8, ls=":", zorder=0)
        if top:
            ax.annotate(", ".join(names), (start, 1.0), xycoords=("data", "axes fraction"),
                        rotation=90, va="top", ha="right", fontsize="x-small",
                        color="dimgrey")


def _legend(fig: Figure, scenario: str) -> None:
    """One legend for the figure, below the panels, in black: the colour is the faction's
    (its column's title), the line style the origin."""
    labels = {label for ax in fig.axes for label in ax.get_legend_handles_labels()[1]}
    handles = [Line2D([], [], color="black", lw=2.5, alpha=0.5, label="all men")] \
        if "all" in labels else []
    handles += [Line2D([], [], color="black", ls=style, label=f"{origin} men")
                for origin, style in ORIGIN_STYLE.items() if origin in labels]
    if "documented" in labels:
        from desertion.manpower.targets import shipped_figures
        own = shipped_figures(scenario)
        handles.append(Line2D([], [], color="black", marker="o", ls="",
                              label=f"documented strength, with its range "
                                    f"({own.name if own else 'targets.csv'})"))
    handles.append(Line2D([], [], color="grey", ls=":", label="calendar event starts"))
    columns = max(1, len(fig.axes) // 3)  # the figure's panel columns: one per faction
    fig.legend(handles=handles, loc="outside lower center",
               ncols=min(len(handles), 2 * columns),  # a narrow figure takes two rows
               fontsize="small")
