"""The HTML report of a manpower run (``desertion report``): what was run, strength,
exits by channel, executions with the documented counts, men out of reach, the calendar
and the targets table. Colours and line styles are those of the PNG (manpower_plots)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from desertion.engine.results import RunResult
from desertion.manpower.codes import IN_RANKS_LABELS as IN_RANKS
from desertion.report.html import changes_from_shipped, page
from desertion.report.manpower_plots import COLOURS

DASH = {"local": "solid", "foreign": "dash"}


def report_html(run: RunResult) -> str:
    """The whole page for one run."""
    from desertion.manpower.targets import compare

    scenario = run.meta["scenario"]
    factions = [(f["id"], f.get("name") or f["id"]) for f in scenario["factions"]]
    colour = {fid: COLOURS[i % len(COLOURS)] for i, (fid, _) in enumerate(factions)}
    targets = compare(run)
    sections = [
        ("Strength", _per_faction(run, factions, colour, _strength), "men in the ranks "
         "(serving, shirking, jailed), by origin; documented strengths as ranges"),
        ("Attempts to leave and exits by channel",
         _per_faction(run, factions, colour, _exits), "escaped, per day (7-day mean), by the "
         "way out; dotted: attempts to leave, all channels"),
        ("Executions of own men", _per_faction(run, factions, colour, _executions),
         "cumulative, by offence (thick: desertion, thin: code violations) and origin "
         "(solid: local, dashed: foreign); documented counts as ranges at their dates "
         "(their windows in targets.csv)"),
        ("Men out of reach", _per_faction(run, factions, colour, _out_of_reach),
         "deserters and draft evaders hiding, and men abroad, by the faction whose "
         "territory or ranks they left"),
        ("Calendar", _calendar(scenario, _last(run)), "the events that start within the "
         "run (dotted lines in the charts)"),
        ("Targets (targets.csv)", _targets(targets), "the documented figures that apply to "
         "this run; 'inside' is empty where no range is documented"),
    ]
    return page(f"{scenario['name']}: seed {run.meta['seed']}", _summary(run), sections)


def _summary(run: RunResult) -> list[tuple[str, str]]:
    s = run.meta["scenario"]
    changes = changes_from_shipped(s, _shipped(s["name"]))
    return [("scenario", f"{s['name']}: {s.get('description', '')}"),
            ("seed", str(run.meta["seed"])), ("scale", f"{s['scale']:g}"),
            ("period", f"{s['start']} to {run.meta.get('last_day', s.get('end'))}"),
            ("agents", f"{run.meta.get('agents', 0):,}"),
            ("package version", str(run.meta.get("version"))),
            ("changed from the shipped scenario",
             "; ".join(changes) if changes else "nothing"),
            ("uncertainty", "one run: a single seed; replications (desertion sweep) show "
             "the spread")]


def _shipped(name: str) -> dict[str, Any] | None:
    from desertion.manpower.scenario import load_scenario

    try:
        return load_scenario(name).model_dump(mode="json")
    except Exception:  # a user's own scenario: nothing shipped to compare with
        return None


def _per_faction(run: RunResult, factions: list[tuple[str, str]], colour: dict[str, str],
                 draw: Any) -> go.Figure:
    """One panel per faction, each with its own y axis."""
    fig = make_subplots(rows=1, cols=len(factions), subplot_titles=[n for _, n in factions])
    for col, (fid, _) in enumerate(factions, start=1):
        for trace in draw(run, fid, colour[fid]):
            fig.add_trace(trace, row=1, col=col)
        _event_lines(fig, _events(run.meta["scenario"], _last(run)), fid, col)
    fig.update_yaxes(tickformat=",", rangemode="tozero")
    fig.update_layout(height=380, margin={"t": 40, "b": 30}, hovermode="x unified",
                      legend={"orientation": "h", "y": -0.15})
    return fig


def _days(run: RunResult) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(run.timeseries["date"].unique()).sort_values()[1:]


def _line(x: Any, y: Any, name: str, colour: str, dash: str = "solid",
          width: float = 1.5) -> go.Scatter:
    return go.Scatter(x=x, y=y, name=name, mode="lines",
                      line={"color": colour, "dash": dash, "width": width})


def _strength(run: RunResult, faction: str, colour: str) -> list[go.Scatter]:
    ts = run.timeseries
    ranks = ts[(ts["faction"] == faction) & ts["status"].isin(IN_RANKS)]
    table = ranks.pivot_table(index="date", columns="origin", values="count", aggfunc="sum",
                              observed=True)
    origins = [o for o in DASH if o in table and table[o].max() > 0]
    traces = [_line(table.index, table[origins].sum(axis=1), f"{faction}: all", colour,
                    width=3)] if len(origins) > 1 else []
    traces += [_line(table.index, table[o], f"{faction}: {o}", colour, DASH[o]) for o in origins]
    return traces + _ranges(run, faction, lambda i: i == f"{faction}_strength")


def _exits(run: RunResult, faction: str, colour: str) -> list[go.Scatter]:
    ev, days = run.events, _days(run)
    mine = ev[ev["faction"] == faction]
    escaped = mine[mine["event"] == "escaped"].pivot_table(
        index="date", columns="detail", values="count", aggfunc="sum", observed=True
    ).reindex(days).fillna(0.0).rolling(7, min_periods=1).mean()
    styles = ["solid", "dash", "dashdot", "longdash"]
    traces = [_line(escaped.index, escaped[c], f"{faction}: escaped ({c})", colour,
                    styles[i % len(styles)]) for i, c in enumerate(escaped.columns)]
    attempted = mine[mine["event"] == "attempted"].groupby("date")["count"].sum().reindex(
        days).fillna(0.0).rolling(7, min_periods=1).mean()
    return [*traces, _line(attempted.index, attempted.values, f"{faction}: attempted",
                           colour, "dot", 1)]


def _executions(run: RunResult, faction: str, colour: str) -> list[go.Scatter]:
    ev, days = run.events, _days(run)
    executed = ev[(ev["event"] == "executed") & (ev["faction"] == faction)].copy()
    if executed.empty:
        return []
    executed["series"] = executed["detail"].astype(str) + ", " + executed["origin"].astype(str)
    table = executed.pivot_table(index="date", columns="series", values="count",
                                 aggfunc="sum", observed=True).reindex(days).fillna(0).cumsum()
    # the origin by dash, as everywhere; the offence by width: desertion thick, code thin
    width = {"desertion": 3.0, "code": 1.0}
    traces = [_line(table.index, table[c], f"{faction}: {c}", colour,
                    DASH.get(c.split(", ")[-1], "solid"), width.get(c.split(", ")[0], 1.5))
              for c in table.columns]
    return traces + _ranges(run, faction, lambda i: "executed" in i)


def _out_of_reach(run: RunResult, faction: str, colour: str) -> list[go.Scatter]:
    ts = run.timeseries
    mine = ts[(ts["faction"] == faction) & ts["status"].isin(("hiding", "abroad"))]
    table = mine.pivot_table(index="date", columns="status", values="count", aggfunc="sum",
                             observed=True)
    return [_line(table.index, table[s], f"{faction}: {s}", colour,
                  "solid" if s == "hiding" else "dash")
            for s in ("hiding", "abroad") if s in table and table[s].max() > 0]


def _ranges(run: RunResult, faction: str, wanted: Any) -> list[go.Scatter]:
    """Documented figures of the faction, dated within the run, as ranges."""
    from desertion.manpower.targets import load_targets

    t = load_targets()
    days = _days(run)
    rows = t[(t["faction"] == faction) & t["id"].map(wanted) & t["low"].notna()
             & t["date"].between(days[0], days[-1])]
    return [go.Scatter(x=[r["date"]], y=[r["value"]], mode="markers", name=f"{r['id']} "
                       "(documented)", marker={"color": "black", "size": 8},
                       error_y={"type": "data", "symmetric": False,
                                "array": [(r["high"] if pd.notna(r["high"]) else r["value"])
                                          - r["value"]],
                                "arrayminus": [r["value"] - r["low"]]},
                       hovertext=f"{r['quantity']} ({r['source']})")
            for _, r in rows.iterrows()]


def _events(scenario: dict[str, Any], last: str) -> list[dict[str, Any]]:
    """The calendar's events that start by the run's last day (the 2015 extension's wait
    for a run that reaches them)."""
    return [e for e in scenario.get("events", []) + scenario.get("extension_events", [])
            if str(e["start"]) <= last]


def _last(run: RunResult) -> str:
    return str(_days(run)[-1].date())


def _event_lines(fig: go.Figure, events: list[dict[str, Any]], faction: str, col: int
                 ) -> None:
    for e in events:
        if e.get("faction") in (None, faction):
            fig.add_vline(x=pd.Timestamp(e["start"]).timestamp() * 1000, row=1, col=col,
                          line={"color": "grey", "dash": "dot", "width": 1})


def _calendar(scenario: dict[str, Any], last: str) -> pd.DataFrame:
    rows = [{"start": e["start"], "end": e.get("end") or "", "kind": e["kind"],
             "faction": e.get("faction") or "all", "source": e.get("source") or ""}
            for e in _events(scenario, last)]
    return pd.DataFrame(rows, columns=["start", "end", "kind", "faction", "source"]
                        ).sort_values("start", kind="stable")


def _targets(comparison: pd.DataFrame) -> pd.DataFrame:
    if comparison.empty:
        return pd.DataFrame({"target": ["no documented figure applies to this run"]})
    cols = [c for c in ("id", "date", "quantity", "value", "low", "high", "model", "inside")
            if c in comparison]
    out = comparison[cols].copy()
    out["date"] = out["date"].astype(str)
    out["inside"] = out["inside"].map({True: "yes", False: "NO"}).fillna("")
    return out
