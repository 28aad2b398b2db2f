"""The HTML report of an experiment's results folder (``desertion report SWEEP_DIR``):
outcome distributions, each outcome against each varied parameter, medians with 50% and 90%
bands over replications where the series were kept, sensitivity indices with their
intervals where computed, and the failed runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from desertion.report.html import page

SENSITIVITY_FILE = "sensitivity.parquet"
THIN = 10
"""Fewer runs than this per interval: say that the intervals mean little."""


def sweep_report_html(out: Path) -> str:
    from desertion.experiments.store import load_manifest, load_results

    manifest, results = load_manifest(out), load_results(out)
    design = manifest["design"]
    params = list(design["parameters"])
    outcomes = [o for o in manifest["outcomes"] if o in results]
    ok, failed = results[results["status"] == "ok"], results[results["status"] != "ok"]
    sections: list[tuple[str, Any, str]] = [
        ("Outcome distributions", _histograms(ok, outcomes), f"{len(ok)} runs that finished"),
        ("Outcomes against each varied parameter", _against(ok, outcomes, params),
         "one point per run"),
    ]
    if "timeseries" in manifest.get("series", []):
        sections.append(("Strength over time, by design point", _bands(out, ok),
                         "median of the replications, with 50% and 90% bands"))
    if (out / SENSITIVITY_FILE).exists():
        sections.append(_sensitivity(pd.read_parquet(out / SENSITIVITY_FILE), len(ok)))
    sections.append(("Failed runs", failed[["run_id", "point", "replication", "seed",
                                            "error"]] if len(failed) else
                     "<p>none</p>", ""))
    experiment = manifest["experiment"]
    if "description" not in experiment:  # the manifest keeps the experiment file's text
        import tomllib

        try:
            experiment = {**experiment, "description": tomllib.loads(
                experiment.get("content", "")).get("description", "")}
        except tomllib.TOMLDecodeError:
            pass
    summary = [("experiment", f"{experiment.get('name', out.name)}: "
                f"{experiment.get('description') or ''}"),
               ("model", str(manifest.get("model"))), ("design", str(design["kind"])),
               ("parameters", ", ".join(params)),
               ("runs", f"{len(ok)} finished, {len(failed)} failed, {design['n_runs']} "
                f"planned ({design['n_points']} points x {design['replications']} "
                "replications)"),
               ("package version", str(manifest.get("desertion_version")))]
    return page(f"{experiment.get('name', out.name)}: results", summary, sections)


def _grid(rows: int, cols: int, titles: list[str]) -> go.Figure:
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles)
    fig.update_layout(height=260 * rows + 60, showlegend=False, margin={"t": 40})
    return fig


def _histograms(ok: pd.DataFrame, outcomes: list[str]) -> go.Figure:
    cols = min(3, max(1, len(outcomes)))
    rows = -(-len(outcomes) // cols)
    fig = _grid(rows, cols, outcomes)
    for i, name in enumerate(outcomes):
        fig.add_trace(go.Histogram(x=ok[name], name=name, marker_color="#1f77b4"),
                      row=i // cols + 1, col=i % cols + 1)
    return fig


def _against(ok: pd.DataFrame, outcomes: list[str], params: list[str]) -> go.Figure:
    fig = _grid(len(outcomes), len(params), [f"{o} / {p}" for o in outcomes for p in params])
    for i, name in enumerate(outcomes):
        for j, p in enumerate(params):
            fig.add_trace(go.Scatter(x=ok[p].astype(str) if ok[p].dtype == object else ok[p],
                                     y=ok[name], mode="markers", name=name,
                                     marker={"size": 6, "opacity": 0.6, "color": "#1f77b4"}),
                          row=i + 1, col=j + 1)
    return fig


def _bands(out: Path, ok: pd.DataFrame) -> go.Figure:
    """Men in the ranks by faction, per design point: median and 50%/90% bands."""
    from desertion.experiments.store import load_series
    from desertion.manpower.codes import IN_RANKS_LABELS

    series = load_series(out, "timeseries", ok["run_id"])
    ranks = series[series["status"].isin(IN_RANKS_LABELS)]
    total = ranks.groupby(["run_id", "faction", "date"], observed=True)["count"].sum()
    total = total.reset_index().merge(ok[["run_id", "point"]], on="run_id")
    fig = go.Figure()
    palette = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
    for k, ((point, faction), g) in enumerate(total.groupby(["point", "faction"],
                                                            observed=True)):
        q = g.groupby("date")["count"].quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
        colour, name = palette[k % len(palette)], f"point {point}, {faction}"
        for low, high, alpha in ((0.05, 0.95, 0.12), (0.25, 0.75, 0.25)):
            fig.add_trace(go.Scatter(x=list(q.index) + list(q.index[::-1]),
                                     y=list(q[high]) + list(q[low][::-1]), fill="toself",
                                     line={"width": 0}, fillcolor=colour, opacity=alpha,
                                     name=f"{name}: {int(low * 100)}-{int(high * 100)}%",
                                     hoverinfo="skip", showlegend=False))
        fig.add_trace(go.Scatter(x=q.index, y=q[0.5], mode="lines", name=f"{name}: median",
                                 line={"color": colour}))
    fig.update_layout(height=450, yaxis_title="men in the ranks", yaxis_tickformat=",")
    return fig


def _sensitivity(table: pd.DataFrame, n_runs: int) -> tuple[str, Any, str]:
    """Indices as bars with their intervals; mu* and the Sobol' indices cannot be negative,
    so the lower error bar stops at zero instead of crossing it."""
    morris = "mu_star" in table
    value, conf = ("mu_star", "mu_star_conf") if morris else ("ST", "ST_conf")
    fig = go.Figure()
    for outcome, g in table.groupby("outcome"):
        lower = g[[value, conf]].min(axis=1).clip(lower=0)  # never below zero
        fig.add_trace(go.Bar(x=g["parameter"], y=g[value], name=str(outcome),
                             error_y={"type": "data", "symmetric": False, "array": g[conf],
                                      "arrayminus": lower}))
    fig.update_layout(barmode="group", height=420, yaxis_title=value, yaxis_rangemode="tozero")
    note = f"{value} with its {'bootstrap ' if not morris else ''}confidence interval"
    if n_runs < THIN * max(1, table["parameter"].nunique()):
        note += (f"; only {n_runs} runs for {table['parameter'].nunique()} parameters: "
                 "the intervals are too thin a sample to mean much")
    return ("Sensitivity", fig, note)
