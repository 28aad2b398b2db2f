"""The summary tables of a manpower run, as rich renderables."""

from __future__ import annotations

import pandas as pd
from rich.table import Table

from desertion.engine.results import RunResult
from desertion.manpower.outcomes import strength


def _fmt(x: float) -> str:
    return f"{x:,.0f}"


def strength_table(run: RunResult) -> Table:
    start, end = strength(run, "start"), strength(run, "end")
    table = Table(title="Strength (serving, shirking or jailed)", title_justify="left")
    for col in ("faction", "origin", "start", "end", "change"):
        table.add_column(col, justify="left" if col in ("faction", "origin") else "right")
    for (faction, origin) in sorted(set(start.index) | set(end.index)):
        a, b = float(start.get((faction, origin), 0)), float(end.get((faction, origin), 0))
        if a or b:
            table.add_row(faction, origin, _fmt(a), _fmt(b), f"{b - a:+,.0f}")
    return table


def flows_table(run: RunResult) -> Table:
    """Exits by channel, executions by offence and origin, and the other flows."""
    table = Table(title="Flows over the run", title_justify="left")
    for col in ("faction", "flow", "detail", "local", "foreign", "total"):
        table.add_column(col, justify="right" if col in ("local", "foreign", "total")
                         else "left")
    shown = [("attempted", "attempted to leave"), ("caught", "caught"),
             ("escaped", "escaped"), ("defected", "defected to"), ("executed", "executed"),
             ("acquitted", "acquitted"), ("beaten", "corporal punishment"),
             ("family_punished", "family punished"), ("jailed", "jailed"),
             ("killed", "killed in combat"), ("captured", "captured by the enemy"),
             ("withdrew", "withdrew"), ("joined", "joined"), ("conscripted", "conscripted"),
             ("dragooned", "dragooned"), ("went_into_hiding", "went into hiding"),
             ("fled_abroad", "fled abroad"), ("returned_amnesty", "returned (amnesty)")]
    ev = run.events
    for faction in [f["id"] for f in run.meta["scenario"]["factions"]]:
        for event, label in shown:
            rows = ev[(ev["faction"] == faction) & (ev["event"] == event)]
            if rows.empty:
                continue
            pivot = rows.pivot_table(index="detail", columns="origin", values="count",
                                     aggfunc="sum", observed=True, fill_value=0)
            for detail, row in pivot.iterrows():
                local, foreign = float(row.get("local", 0)), float(row.get("foreign", 0))
                table.add_row(faction, label, str(detail) or "-", _fmt(local), _fmt(foreign),
                              _fmt(local + foreign))
        table.add_section()
    return table


def end_states_table(run: RunResult) -> Table:
    """Where everyone is on the last day: one row per status, one column per faction."""
    ts = run.timeseries
    last = ts[ts["date"] == ts["date"].max()]
    pivot = last.pivot_table(index="status", columns="faction", values="count",
                             aggfunc="sum", observed=True, fill_value=0)
    table = Table(title=f"Status on {pd.Timestamp(ts['date'].max()).date()} (civilians: "
                  "under the faction's conscription)", title_justify="left")
    table.add_column("status")
    for faction in pivot.columns:
        table.add_column(str(faction), justify="right")
    for status, row in pivot.iterrows():
        if row.sum() > 0:
            table.add_row(str(status), *(_fmt(v) for v in row))
    return table


def _num(x: float | None) -> str:
    if x is None or pd.isna(x):
        return ""
    return f"{x:,.0f}" if abs(x) >= 10 else f"{x:.3g}"


def targets_table(comparison: pd.DataFrame, figures: str = "targets.csv") -> Table:
    table = Table(title=f"Model against documented figures ({figures})", title_justify="left")
    table.add_column("target", overflow="fold")
    table.add_column("documented", justify="right")
    table.add_column("range", justify="right")
    table.add_column("model", justify="right")
    table.add_column("inside")
    for row in comparison.itertuples(index=False):
        inside = {True: "yes", False: "NO", None: "(no range)"}[
            None if row.inside is None or pd.isna(row.inside) else bool(row.inside)]
        table.add_row(f"{row.id} ({row.date})\n[dim]{row.quantity}[/]", _num(row.target),
                      f"{_num(row.low)}..{_num(row.high)}", _num(row.model), inside)
    return table
