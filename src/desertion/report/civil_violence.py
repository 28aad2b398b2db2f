"""The civil-violence model's presentation: quiet, active and jailed citizens over the
steps, with the outburst threshold, and summary tables (outcomes, outbursts)."""

from __future__ import annotations

from pathlib import Path

# a Figure of its own, not pyplot: files only, and a notebook user's backend is left alone
from matplotlib.figure import Figure
from rich.table import Table

from desertion.civil_violence.analysis import (
    OUTBURST_FRACTION,
    STATES,
    counts_by_step,
    outburst_table,
    outcomes,
)
from desertion.engine.results import RunResult

_COLOURS = {"quiet": "tab:blue", "active": "tab:red", "jailed": "tab:grey"}
_MAX_OUTBURST_ROWS = 12


def plot_run(run: RunResult, path: str | Path) -> Path:
    """Quiet, active and jailed citizens per step, with the outburst threshold marked."""
    path = Path(path)
    counts = counts_by_step(run)
    n_citizens = int(run.meta["n_citizens"])
    fig = Figure(figsize=(10, 5), layout="constrained")
    ax = fig.subplots()
    for state in STATES:
        ax.plot(counts.index, counts[state], label=state, color=_COLOURS[state], linewidth=1)
    ax.axhline(OUTBURST_FRACTION * n_citizens, color=_COLOURS["active"], linestyle=":",
               linewidth=0.8, label=f"outburst threshold ({OUTBURST_FRACTION:.0%} active)")
    ax.set_xlabel("step")
    ax.set_ylabel("citizens")
    ax.set_xlim(counts.index.min(), counts.index.max())
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize="small")
    sc = run.meta["scenario"]
    ax.set_title(f"{sc['name']} (seed {run.meta['seed']}; {sc['width']} x {sc['height']}, "
                 f"legitimacy {sc['legitimacy']}, cops {sc['cop_density']}, "
                 f"P rule {sc['arrest_rule']}, {sc['activation']})")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path


def outcomes_table(run: RunResult) -> Table:
    table = Table(title=f"{run.meta['scenario']['name']} (seed {run.meta['seed']})")
    table.add_column("outcome")
    table.add_column("value", justify="right")
    for name, value in outcomes(run).items():
        text = f"{value:,.2f}" if isinstance(value, float) else f"{value:,}"
        table.add_row(name.replace("_", " "), text)
    return table


def outbursts_table(run: RunResult) -> Table:
    bursts = outburst_table(run)
    shown = bursts.nlargest(_MAX_OUTBURST_ROWS, "peak").sort_values("start")
    title = f"Outbursts (>= {OUTBURST_FRACTION:.0%} of citizens active): {len(bursts)}"
    if len(bursts) > len(shown):
        title += f", the {len(shown)} largest shown"
    table = Table(title=title)
    for column in ("start", "end", "duration", "peak"):
        table.add_column(column, justify="right")
    for row in shown.itertuples(index=False):
        table.add_row(*(f"{value:,}" for value in row))
    if bursts.empty:
        table.caption = "no step with that many active"
    return table


def summary_tables(run: RunResult) -> list[Table]:
    return [outcomes_table(run), outbursts_table(run)]


def report_html(run: RunResult) -> str:
    """The HTML report: the parameters, quiet/active/jailed over the steps (interactive),
    outcomes and outbursts."""
    import pandas as pd
    import plotly.graph_objects as go

    from desertion.report.html import page

    counts = counts_by_step(run)
    fig = go.Figure([go.Scatter(x=counts.index, y=counts[s], name=s, mode="lines",
                                line={"color": _PLOTLY_COLOURS[s], "width": 1})
                     for s in STATES])
    fig.add_hline(y=OUTBURST_FRACTION * int(run.meta["n_citizens"]),
                  line={"color": _PLOTLY_COLOURS["active"], "dash": "dot"},
                  annotation_text=f"outburst threshold ({OUTBURST_FRACTION:.0%} active)")
    fig.update_layout(height=420, xaxis_title="step", yaxis_title="citizens",
                      yaxis_tickformat=",", hovermode="x unified")
    sc = run.meta["scenario"]
    summary = [("scenario", sc["name"]), ("seed", str(run.meta["seed"])),
               ("grid", f"{sc['width']} x {sc['height']}"),
               ("legitimacy", str(sc["legitimacy"])), ("cop density", str(sc["cop_density"])),
               ("arrest rule", str(sc["arrest_rule"])), ("activation", str(sc["activation"])),
               ("package version", str(run.meta.get("version")))]
    values = pd.DataFrame({"outcome": list(outcomes(run)),
                           "value": [float(v) for v in outcomes(run).values()]})
    bursts = outburst_table(run)
    return page(f"{sc['name']}: seed {run.meta['seed']}", summary, [
        ("Citizens by state", fig, "one run, one seed"),
        ("Outcomes", values, ""),
        (f"Outbursts (>= {OUTBURST_FRACTION:.0%} of citizens active): {len(bursts)}",
         bursts.nlargest(_MAX_OUTBURST_ROWS, "peak").sort_values("start"), "")])


_PLOTLY_COLOURS = {"quiet": "#1f77b4", "active": "#d62728", "jailed": "#7f7f7f"}  # = _COLOURS
