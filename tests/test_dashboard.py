"""The dashboard (issue 12, part): its levers as plain functions, and the page driven by
Streamlit's AppTest (no browser)."""

from __future__ import annotations

from pathlib import Path

import pytest

from desertion.dashboard.ensemble import run_ensemble, seeds_of, strength_bands
from desertion.dashboard.levers import apply, levers, scenario_file
from desertion.manpower.scenario import load_scenario, validate_scenario

APP = Path(__file__).parents[1] / "src" / "desertion" / "dashboard" / "app.py"


def syria() -> dict:
    return load_scenario("syria-2014").model_dump(mode="json")


def test_the_levers_of_the_seed_are_found_where_the_scenario_has_them() -> None:
    keys = {lever.key for lever in levers(syria())}
    assert {"isis.desertion", "isis.publicity", "isis.military_police", "saa.desertion",
            "saa.smuggling", "saa.travel_ban", "saa.travel_ban_date",
            "saa.employee_sanctions", "conscription_sweep", "airstrikes",
            "withdrawal.share", "withdrawal.start"} <= keys
    isis_only = {lever.key for lever in levers(load_scenario("isis-2014").model_dump(
        mode="json"))}
    assert "saa.travel_ban" not in isis_only and "isis.military_police" in isis_only


def test_levers_write_a_valid_scenario() -> None:
    data = syria()
    edited = apply(data, {"saa.travel_ban": False, "isis.desertion": "prison",
                          "conscription_sweep": 2.0, "withdrawal.start": "2014-07-01",
                          "isis.military_police": 0.05})
    scenario = validate_scenario(edited)
    kinds = [e.kind for e in scenario.events]
    assert "travel_ban" not in kinds and "travel_ban" in [e["kind"] for e in data["events"]]
    sweep = next(e for e in scenario.events if e.kind == "conscription_sweep")
    assert sweep.men == 2 * next(e["men"] for e in data["events"]
                                 if e["kind"] == "conscription_sweep")
    withdrawal = next(e for e in scenario.events if e.kind == "militia_withdrawal")
    assert str(withdrawal.start) == "2014-07-01" and str(withdrawal.end) == "2014-07-31"
    with pytest.raises(KeyError):
        apply(data, {"no.such.lever": 1})


def test_a_page_run_is_a_cli_run(tmp_path: Path) -> None:
    data = apply(load_scenario("isis-2014").model_dump(mode="json"),
                 {"isis.desertion": "prison"})
    results = run_ensemble(data, seed=7, scale=0.02, replications=3, out=tmp_path / "runs")
    assert [r.meta["seed"] for r in results] == seeds_of(7, 3) and seeds_of(7, 3)[0] == 7
    assert len(list((tmp_path / "runs").glob("*/run.json"))) == 3
    path = scenario_file({**data, "scale": 0.02}, tmp_path / "scenarios")
    from desertion import simulate

    again = simulate(load_scenario(str(path)), seed=7)
    assert again.timeseries.equals(results[0].timeseries)  # the page's command reproduces it
    bands = strength_bands(results)
    assert (bands["q05"] <= bands["median"]).all() and (bands["median"] <= bands["q95"]).all()


@pytest.fixture()
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from streamlit.testing.v1 import AppTest

    monkeypatch.chdir(tmp_path)  # runs/dashboard/ goes here
    return AppTest.from_file(str(APP), default_timeout=120)


def test_the_page_runs_and_a_lever_changes_the_numbers(app) -> None:  # type: ignore[no-untyped-def]
    app.run()
    assert not app.exception
    app.sidebar.select_slider(key="scale").set_value(0.02)
    app.sidebar.number_input(key="replications").set_value(2)
    app.sidebar.button(key="run").click().run()
    assert not app.exception
    first = app.session_state["last"]["headline"]
    assert "desertion run" in app.code[0].value
    app.button(key="keep").click().run()
    app.sidebar.selectbox(key="lever:isis.desertion").set_value("prison")
    app.sidebar.button(key="run").click().run()
    assert not app.exception
    second = app.session_state["last"]["headline"]
    attempts = "attempted_isis"
    assert second.loc[attempts, "median"] > 3 * first.loc[attempts, "median"]
    assert "difference" in app.table[0].value.columns
    assert len(app.get("plotly_chart")) == 2  # strength against the baseline, and the difference
    assert len(list(Path("runs/dashboard").glob("*/run.json"))) == 4


def test_a_bad_upload_is_an_error_on_the_page_not_a_traceback(app) -> None:  # type: ignore[no-untyped-def]
    app.run()
    app.sidebar.selectbox(key="scenario").set_value("upload a file").run()
    assert not app.exception
    assert any("upload" in i.value for i in app.info)


def test_civil_violence_frames_agree_with_the_counts(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from desertion.civil_violence.analysis import counts_by_step
    from desertion.dashboard.civil_violence import LABELS, run_with_frames

    monkeypatch.chdir(tmp_path)
    result, grids, steps = run_with_frames({"steps": 120, "legitimacy": 0.6}, seed=2,
                                           frames=12)
    counts = counts_by_step(result)
    assert steps[0] == 0 and steps[-1] == 120 and len(grids) == len(steps)
    for g, s in zip(grids, steps, strict=True):
        shown = np.bincount(g.ravel(), minlength=len(LABELS))
        assert [shown[1], shown[2], shown[3]] == [counts.loc[s, k] for k in
                                                  ("quiet", "active", "jailed")]
    assert len(list(Path("runs/dashboard").glob("*/run.json"))) == 1  # written as a CLI run


def test_the_civil_violence_page_runs(app) -> None:  # type: ignore[no-untyped-def]
    app.run()
    app.sidebar.radio(key="model").set_value("civil violence (Epstein)").run()
    assert not app.exception
    app.sidebar.slider(key="cv:steps").set_value(100)
    app.sidebar.button(key="cv:run").click().run()
    assert not app.exception
    _, _, steps = app.session_state["cv"]
    assert steps[-1] == 100 and len(app.get("plotly_chart")) == 2
