"""The dashboard page (Streamlit): pick a scenario, move the levers, run an ensemble, see
strength with its bands against a kept baseline. Started by ``desertion dashboard``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from desertion.dashboard.ensemble import RUNS, Cancelled, headline, run_ensemble, strength_bands
from desertion.dashboard.levers import apply, command_line, levers, scenario_file
from desertion.engine.errors import InputError
from desertion.manpower.scenario import load_scenario, shipped_scenarios, validate_scenario

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def scenario_data() -> dict[str, Any] | None:
    """The chosen shipped scenario, or an uploaded file (its errors shown, not raised)."""
    names = sorted(shipped_scenarios())
    choice = st.sidebar.selectbox("scenario", [*names, "upload a file"],
                                  index=names.index("isis-2014"), key="scenario")
    if choice != "upload a file":
        return load_scenario(choice).model_dump(mode="json")
    upload = st.sidebar.file_uploader("scenario file (TOML)", type=["toml"])
    if upload is None:
        return None
    import tomllib

    try:
        return validate_scenario(tomllib.loads(upload.getvalue().decode()),
                                 source=upload.name).model_dump(mode="json")
    except (InputError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        st.error(str(exc))
        return None


def lever_values(data: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    st.sidebar.header("levers")
    for lever in levers(data):
        now = lever.read(data)
        key = f"lever:{lever.key}"
        if lever.kind == "choice":
            values[lever.key] = st.sidebar.selectbox(lever.label, lever.options,
                                                     index=lever.options.index(now), key=key)
        elif lever.kind in ("share", "number", "factor"):
            values[lever.key] = st.sidebar.slider(lever.label, 0.0, float(lever.high),
                                                  float(now), key=key)
        elif lever.kind == "switch":
            values[lever.key] = st.sidebar.toggle(lever.label, value=bool(now), key=key)
        elif lever.kind == "date":
            values[lever.key] = st.sidebar.date_input(
                lever.label, dt.date.fromisoformat(str(now)), key=key).isoformat()
    return values


def strength_figure(bands: Any, baseline: Any | None) -> go.Figure:
    fig = go.Figure()
    for i, (faction, g) in enumerate(bands.groupby("faction", observed=True)):
        colour = COLOURS[i % len(COLOURS)]
        fig.add_trace(go.Scatter(x=list(g["date"]) + list(g["date"][::-1]),
                                 y=list(g["q95"]) + list(g["q05"][::-1]), fill="toself",
                                 fillcolor=colour, opacity=0.15, line={"width": 0},
                                 hoverinfo="skip", name=f"{faction}: 5-95%"))
        fig.add_trace(go.Scatter(x=g["date"], y=g["median"], name=f"{faction}: median",
                                 line={"color": colour}))
        if baseline is not None:
            base = baseline[baseline["faction"] == faction]
            fig.add_trace(go.Scatter(x=base["date"], y=base["median"], name=f"{faction}: "
                                     "baseline", line={"color": colour, "dash": "dot"}))
    fig.update_layout(height=420, yaxis_title="men in the ranks (serving, shirking, jailed)",
                      yaxis_tickformat=",", hovermode="x unified")
    return fig


def main() -> None:
    st.set_page_config(page_title="desertion", layout="wide")
    st.title("desertion: how armed groups keep or lose their fighters")
    data = scenario_data()
    if data is None:
        st.info("choose a scenario, or upload a valid scenario file")
        return
    values = lever_values(data)
    st.sidebar.header("run")
    scale = st.sidebar.select_slider("scale", [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0],
                                     value=0.05, key="scale")
    replications = st.sidebar.number_input("replications", 1, 50, 5, key="replications")
    seed = int(st.sidebar.number_input("seed", 0, 2**53 - 1, int(data["seed"]), key="seed"))
    if st.sidebar.button("run", type="primary", key="run"):
        edited = apply(data, values)
        # any click while it runs (this button included) stops the script run, and with it
        # the ensemble, between two runs: those finished are written and kept
        cancel, running = st.empty(), st.empty()
        cancel.button("cancel", key="cancel")
        bar = running.progress(0.0, text="running")

        def progress(done: int, total: int) -> bool:
            bar.progress(done / total, text=f"{done} of {total} runs")
            return True
        try:
            results = run_ensemble(edited, seed, scale, int(replications), progress)
        except Cancelled:
            st.warning("cancelled: the runs finished before are kept")
            return
        except InputError as exc:
            st.error(str(exc))
            return
        finally:
            cancel.empty()
            running.empty()
        path = scenario_file({**edited, "scale": scale}, Path(RUNS) / "scenarios")
        st.session_state["last"] = {"bands": strength_bands(results),
                                    "headline": headline(results),
                                    "command": command_line(path, seed, scale,
                                                            int(replications))}
    show_results()


def show_results() -> None:
    last = st.session_state.get("last")
    if last is None:
        st.info("set the levers and press run")
        return
    if st.button("keep as baseline", key="keep"):
        st.session_state["baseline"] = last
    baseline = st.session_state.get("baseline")
    st.plotly_chart(strength_figure(last["bands"], baseline["bands"] if baseline else None),
                    key="strength")
    table = last["headline"]
    if baseline is not None:
        table = table.assign(baseline=baseline["headline"]["median"],
                             difference=table["median"] - baseline["headline"]["median"])
    # a plain table: its numbers are text (a screen reader, a test), thousands separated
    st.table(table.map(lambda v: f"{v:,.0f}" if abs(v) >= 10 else f"{v:.3g}"))
    st.code(last["command"], language="bash")


main()
