"""Scenario loading (issue 2): shipped scenarios, includes, ``until``, ``scale``, overrides."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from desertion.manpower.compile import compile_scenario
from desertion.manpower.model import build, simulate
from desertion.manpower.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    shipped_scenarios,
    validate_scenario,
)

SHIPPED = ("isis-2014", "saa-2014", "syria-2014")


# -- shipped scenarios ---------------------------------------------------------------------

def test_shipped_list_names_the_three_with_descriptions() -> None:
    shipped = shipped_scenarios()
    assert set(SHIPPED) <= set(shipped)
    for name in SHIPPED:
        assert len(shipped[name]) > 20, name


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenario_loads_and_validates(name: str) -> None:
    scenario = load_scenario(name)
    assert scenario.name == name
    assert (scenario.start, scenario.end) == (dt.date(2014, 6, 1), dt.date(2014, 12, 31))
    assert scenario.n_days == 214
    assert scenario.scale == 1.0
    # its plain dump validates again to the same scenario (what `desertion show` prints)
    assert validate_scenario(scenario.model_dump(mode="json")) == scenario
    # and it compiles: every event date inside the run
    compiled = compile_scenario(scenario)
    assert compiled.calendar.combat.shape == (len(scenario.factions), 214)


def test_shipped_name_with_suffix_and_unknown_name() -> None:
    assert load_scenario("isis-2014.toml") == load_scenario("isis-2014")
    with pytest.raises(ScenarioError) as err:
        load_scenario("isis-2041")
    message = str(err.value)
    assert "isis-2041" in message and "not a shipped scenario" in message
    assert all(name in message for name in SHIPPED)


def test_a_folder_named_like_a_shipped_scenario_does_not_shadow_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "isis-2014").mkdir()
    monkeypatch.chdir(tmp_path)
    assert load_scenario("isis-2014").name == "isis-2014"


def test_syria_has_both_sides_and_merges_isis() -> None:
    syria, isis, saa = (load_scenario(n) for n in ("syria-2014", "isis-2014", "saa-2014"))
    ids = [f.id for f in syria.factions]
    assert sorted(ids) == ["isis", "pro_regime_militias", "saa"]
    assert len(set(ids)) == len(ids)
    assert [c.territory for c in syria.civilians] == ["saa"]
    assert {f.side for f in syria.factions} == {"jihadist", "regime"}
    merged = syria.factions[ids.index("isis")]
    assert merged.recruitment.accepts_defectors_from == ["saa"]
    # the rest of isis-2014's faction is kept, field by field
    original = isis.factions[0]
    assert merged.model_dump(exclude={"recruitment"}) == original.model_dump(
        exclude={"recruitment"})
    assert merged.recruitment.model_dump(exclude={"accepts_defectors_from"}) == \
        original.recruitment.model_dump(exclude={"accepts_defectors_from"})
    assert syria.factions[ids.index("saa")] == saa.factions[0]
    # both calendars, and the file's own top-level values
    assert len(syria.events) == len(isis.events) + len(saa.events)
    assert syria.extension_events == isis.extension_events + saa.extension_events
    assert syria.name == "syria-2014" and syria.seed == 20141231
    # saa's defectors have somewhere to go; nobody else's do
    fp = compile_scenario(syria).factions
    assert fp.defect_target[ids.index("saa")] == ids.index("isis")
    assert fp.defect_target[ids.index("isis")] == -1


# -- includes ------------------------------------------------------------------------------

MINI = """
model = "manpower"
name = "{name}"
start = 2014-06-01
end = 2014-06-30
{include}
[[factions]]
id = "red"
side = "a"
  [[factions.cohorts]]
  origin = "local"
  entry = "volunteer"
  count = {count}
  commitment = {{ mean = 0.5, sd = 0.2 }}
"""


def write(path: Path, name: str, include: str = "", count: int = 100) -> Path:
    path.write_text(MINI.format(name=name, include=include, count=count))
    return path


def test_include_cycle_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "a.toml", "a", 'include = ["b.toml"]')
    write(tmp_path / "b.toml", "b", 'include = ["a.toml"]')
    with pytest.raises(ScenarioError) as err:
        load_scenario(tmp_path / "a.toml")
    assert any(key == "include" and "cycle" in msg for key, msg in err.value.problems)


def test_self_include_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "self.toml", "self", 'include = ["self.toml"]')
    with pytest.raises(ScenarioError, match="include"):
        load_scenario(path)


def test_include_merges_factions_by_id(tmp_path: Path) -> None:
    base = write(tmp_path / "base.toml", "base", count=100)
    top = tmp_path / "top.toml"
    top.write_text('include = ["base.toml"]\nname = "top"\n[[factions]]\nid = "red"\n'
                   'unit_size = 12\n[[factions]]\nid = "blue"\nside = "b"\n')
    scenario = load_scenario(top)
    assert scenario.name == "top"
    assert [f.id for f in scenario.factions] == ["red", "blue"]
    red = scenario.factions[0]
    assert red.unit_size == 12 and red.side == "a" and red.cohorts[0].count == 100
    assert load_scenario(base).factions[0].unit_size == 30  # the base file is untouched


def test_include_must_be_a_list(tmp_path: Path) -> None:
    path = write(tmp_path / "x.toml", "x", 'include = "base.toml"')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.problems[0][0] == "include"
    assert "list" in err.value.problems[0][1]


# -- until -----------------------------------------------------------------------------------

def test_until_stops_early_and_keeps_the_calendar() -> None:
    isis = load_scenario("isis-2014")
    cut = dt.date(2014, 9, 1)
    short = isis.until(cut)
    assert short.stop == cut and short.last_day == cut
    assert short.n_days == (cut - isis.start).days + 1
    assert short.events == isis.events and short.calendar_end == isis.calendar_end
    assert isis.stop is None and isis.last_day == dt.date(2014, 12, 31)  # a copy


def test_until_inside_the_2015_extension_stops_there() -> None:
    extended = load_scenario("isis-2014", extend_through_2015=True)
    assert extended.last_day == dt.date(2015, 12, 31) and extended.n_days == 579
    short = extended.until(dt.date(2014, 7, 1))
    assert short.last_day == dt.date(2014, 7, 1) and short.n_days == 31


def test_until_past_the_calendar_extends_the_run() -> None:
    isis = load_scenario("isis-2014")
    longer = isis.until(dt.date(2015, 2, 28))
    assert longer.last_day == dt.date(2015, 2, 28) and longer.stop is None


def test_stop_after_the_calendar_is_refused() -> None:
    with pytest.raises(ScenarioError, match="stop"):
        load_scenario("isis-2014", stop=dt.date(2015, 1, 5))


def prefix(run: pd.DataFrame, last: dt.date) -> pd.DataFrame:
    return run[run["date"] <= pd.Timestamp(last)].reset_index(drop=True)


@pytest.mark.parametrize(("name", "cut"), [("isis-2014", dt.date(2014, 9, 30)),
                                           ("saa-2014", dt.date(2014, 10, 1))])
def test_a_run_until_a_date_is_the_prefix_of_the_full_run(name: str, cut: dt.date) -> None:
    scenario = load_scenario(name, scale=0.01)
    full, short = simulate(scenario), simulate(scenario.until(cut))
    pd.testing.assert_frame_equal(prefix(full.timeseries, cut), short.timeseries,
                                  check_categorical=False)
    pd.testing.assert_frame_equal(prefix(full.events, cut), short.events)


def test_until_inside_a_callup_window_keeps_the_daily_rate() -> None:
    saa = load_scenario("saa-2014", scale=0.01)
    cut = dt.date(2014, 10, 25)  # inside the reservist call-up (2014-10-15..11-15)
    full, short = compile_scenario(saa), compile_scenario(saa.until(cut))
    n = short.n_days
    np.testing.assert_allclose(short.calendar.callup_quota, full.calendar.callup_quota[:, :n])
    np.testing.assert_allclose(short.calendar.sweep_quota, full.calendar.sweep_quota[:, :n])
    assert simulate(saa.until(cut)).timeseries["agents"].equals(
        prefix(simulate(saa).timeseries, cut)["agents"])


# -- scale -----------------------------------------------------------------------------------

def test_scale_multiplies_the_initial_population() -> None:
    full = load_scenario("saa-2014")
    scaled = load_scenario("saa-2014", scale=0.01)
    expected = sum(round(c.count * 0.01) for f in full.factions for c in f.cohorts) + sum(
        round(b.draft_eligible_men * 0.01) for b in full.civilians)
    model = build(scaled)
    assert len(model.people) == expected == model.recorder.counts[0].sum()
    full_count = sum(c.count for f in full.factions for c in f.cohorts) + sum(
        b.draft_eligible_men for b in full.civilians)
    assert expected == pytest.approx(0.01 * full_count, abs=len(full.factions) * 2)
    # the tables report counts scaled back
    ts = simulate(scaled.until(dt.date(2014, 6, 3))).timeseries
    day0 = ts[ts["date"] == ts["date"].min()]
    assert day0["agents"].sum() == expected
    assert day0["count"].sum() == pytest.approx(full_count, rel=1e-3)
    saa_local = day0[(day0["faction"] == "saa") & (day0["status"] == "serving")]
    assert saa_local["count"].sum() == pytest.approx(170_000)


def test_scale_multiplies_daily_flows() -> None:
    full = compile_scenario(load_scenario("saa-2014"))
    scaled = compile_scenario(load_scenario("saa-2014", scale=0.01))
    for name in ("callup_quota", "sweep_quota"):
        np.testing.assert_allclose(getattr(scaled.calendar, name),
                                   0.01 * getattr(full.calendar, name))
    np.testing.assert_allclose(scaled.factions.local_volunteers_per_day,
                               0.01 * full.factions.local_volunteers_per_day)
    np.testing.assert_allclose(scaled.policy.callups_per_day, 0.01 * full.policy.callups_per_day)
    # rates that are per person do not scale
    np.testing.assert_array_equal(scaled.calendar.withdrawal_hazard,
                                  full.calendar.withdrawal_hazard)


@pytest.mark.parametrize("scale", [0.0, -0.1, 1.5])
def test_scale_outside_0_1_is_refused(scale: float) -> None:
    with pytest.raises(ScenarioError) as err:
        load_scenario("isis-2014", scale=scale)
    assert err.value.problems[0][0] == "scale"


# -- overrides -------------------------------------------------------------------------------

def test_with_overrides_by_faction_id_revalidates() -> None:
    isis = load_scenario("isis-2014")
    changed = isis.with_overrides({"factions.isis.sanctions.desertion": "prison",
                                   "factions.0.pay": 0.5, "mechanisms.capture.k": 1.0})
    assert changed.factions[0].sanctions.desertion == "prison"
    assert changed.factions[0].pay == 0.5 and changed.mechanisms.capture.k == 1.0
    assert isis.factions[0].sanctions.desertion == "execution"
    assert isinstance(changed, Scenario)
    with pytest.raises(ScenarioError, match="desertoin"):
        isis.with_overrides({"factions.isis.sanctions.desertoin": "prison"})
    with pytest.raises(ValueError, match="desertion"):
        isis.with_overrides({"factions.isis.sanctions.desertion": "flogging"})
