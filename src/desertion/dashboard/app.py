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


def difference_figure(bands: Any, baseline: Any) -> go.Figure:
    """This ensemble's median strength minus the baseline's, by faction and day."""
    fig = go.Figure()
    keys = ["faction", "date"]
    both = bands.merge(baseline, on=keys, suffixes=("", "_base"))
    for i, (faction, g) in enumerate(both.groupby("faction", observed=True)):
        fig.add_trace(go.Scatter(x=g["date"], y=g["median"] - g["median_base"],
                                 name=f"{faction}: this - baseline",
                                 line={"color": COLOURS[i % len(COLOURS)]}))
    fig.add_hline(y=0, line={"color": "grey", "width": 1})
    fig.update_layout(height=300, yaxis_title="this - baseline (median)",
                      yaxis_tickformat=",", hovermode="x unified")
    return fig


def main() -> None:
    st.set_page_config(page_title="desertion", layout="wide")
    model = st.sidebar.radio("model", ["armed groups (manpower)", "civil violence (Epstein)"],
                             key="model")
    if model.startswith("civil"):
        civil_violence_page()
        return
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
    if baseline is not None:
        st.plotly_chart(difference_figure(last["bands"], baseline["bands"]), key="difference")
    table = last["headline"]
    if baseline is not None:
        table = table.assign(baseline=baseline["headline"]["median"],
                             difference=table["median"] - baseline["headline"]["median"])
    # a plain table: its numbers are text (a screen reader, a test), thousands separated
    st.table(table.map(lambda v: f"{v:,.0f}" if abs(v) >= 10 else f"{v:.3g}"))
    st.code(last["command"], language="bash")


def civil_violence_page() -> None:
    """Epstein's Model I: the grid animated (quiet, active, jailed, cops), and the counts."""
    from desertion.civil_violence.analysis import STATES, counts_by_step
    from desertion.dashboard.civil_violence import LABELS, run_with_frames

    st.title("civil violence (Epstein 2002, Model I)")
    legitimacy = st.sidebar.slider("legitimacy", 0.0, 1.0, 0.8, key="cv:legitimacy")
    cops = st.sidebar.slider("cop density", 0.0, 0.2, 0.074, step=0.002, key="cv:cops")
    steps = st.sidebar.slider("steps", 50, 1000, 200, step=50, key="cv:steps")
    seed = int(st.sidebar.number_input("seed", 0, 2**53 - 1, 0, key="cv:seed"))
    if st.sidebar.button("run", type="primary", key="cv:run"):
        with st.spinner("running"):
            result, grids, at = run_with_frames(
                {"legitimacy": legitimacy, "cop_density": cops, "steps": steps}, seed)
        st.session_state["cv"] = (counts_by_step(result), grids, at)
    if "cv" not in st.session_state:
        st.info("set the levers and press run")
        return
    counts, grids, at = st.session_state["cv"]
    colours = ["#ffffff", "#6baed6", "#d62728", "#555555", "#1f1f7a"]  # as LABELS
    scale = [[i / 4, c] for i, c in enumerate(colours)]
    heat = dict(zmin=0, zmax=4, colorscale=scale, showscale=False)
    fig = go.Figure(go.Heatmap(z=grids[0], **heat),
                    frames=[go.Frame(data=[go.Heatmap(z=g, **heat)], name=str(s))
                            for g, s in zip(grids, at, strict=True)])
    fig.update_layout(height=560, width=560, yaxis={"scaleanchor": "x"},
                      title="white empty, blue quiet, red active, grey jailed, navy cop",
                      updatemenus=[{"type": "buttons", "buttons": [
                          {"label": "play", "method": "animate",
                           "args": [None, {"frame": {"duration": 150}, "fromcurrent": True}]}]}],
                      sliders=[{"steps": [{"label": str(s), "method": "animate",
                                           "args": [[str(s)], {"mode": "immediate"}]}
                                          for s in at], "currentvalue": {"prefix": "step "}}])
    left, right = st.columns(2)
    left.plotly_chart(fig, key="cv:grid")
    series = go.Figure([go.Scatter(x=counts.index, y=counts[s], name=s,  # the grid's colours
                                   line={"color": colours[LABELS.index(s)]}) for s in STATES])
    series.update_layout(height=420, xaxis_title="step", yaxis_title="citizens")
    right.plotly_chart(series, key="cv:counts")
    right.write("last step: " + ", ".join(f"{s} {int(counts[s].iloc[-1]):,}" for s in STATES))


main()
