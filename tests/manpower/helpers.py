"""Builders of small valid scenarios for the manpower tests."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from desertion.manpower.scenario import Scenario, validate_scenario

START = dt.date(2014, 6, 1)


def day(n: int) -> dt.date:
    """The scenario date ``n`` days after START."""
    return START + dt.timedelta(days=n)


def minimal_scenario(**top: Any) -> dict[str, Any]:
    """The smallest useful valid scenario as plain data (one faction of 300 locals, 30 days)."""
    data: dict[str, Any] = {
        "name": "mini",
        "start": START,
        "end": day(29),
        "seed": 7,
        "factions": [{
            "id": "red",
            "side": "a",
            "cohorts": [{"origin": "local", "entry": "volunteer", "count": 300,
                         "commitment": {"mean": 0.5, "sd": 0.2}}],
        }],
    }
    data.update(copy.deepcopy(top))
    return data


def scenario_from(data: dict[str, Any]) -> Scenario:
    return validate_scenario(data, "<test>")


def kitchen_sink() -> dict[str, Any]:
    """Three factions on two sides, civilians, and every kind of event and rule at once.

    Tuned so that every flow of the model happens in 60 days with a few thousand agents.
    """
    gov = {
        "id": "gov", "side": "regime", "unit_size": 20, "ties_per_fighter": 3,
        "base_hardship": 0.4, "combat_death_rate": 0.002,
        "cohorts": [
            {"origin": "local", "entry": "volunteer", "count": 600,
             "commitment": {"mean": 0.6, "sd": 0.2}},
            {"origin": "local", "entry": "conscript", "count": 900,
             "commitment": {"mean": 0.4, "sd": 0.2}},
        ],
        "enforcement": {"military_police_share": 0.02, "checkpoint": 0.3,
                        "shirker_detection": 0.3, "code_violation_rate": 0.002,
                        "mistaken_rate": 1.0},
        "sanctions": {"desertion": "prison", "shirking": "fine", "code": "dismissal",
                      "evasion": "fine", "prison_days": 10, "publicity": 0.5},
        "barriers": {"hide": 0.1, "abroad": 0.04, "defect": 0.05},
        "recruitment": {"local_volunteers_per_day": 5, "callups_per_day": 2,
                        "gap_response": 0.002},
        "rules": [
            {"metric": "desertion_rate", "above": 0.5, "window_days": 5,
             "set": {"desertion": "execution", "publicity": 1.0}},
            {"metric": "strength_ratio", "below": 0.99, "set": {"sweep_per_day": 1.0}},
            {"metric": "shirking_share", "above": 0.0, "once": False,
             "set": {"checkpoint": 0.35}},
        ],
    }
    ally = {
        "id": "ally", "side": "regime", "base_hardship": 0.2,
        "cohorts": [{"origin": "foreign", "entry": "militia", "count": 500,
                     "commitment": {"mean": 0.5, "sd": 0.2}}],
        "sanctions": {"desertion": "none", "shirking": "none"},
        "recruitment": {"foreign_volunteers_per_month": 60},
    }
    rebels = {
        "id": "rebels", "side": "opposition", "base_hardship": 0.5, "unit_size": 15,
        "cohorts": [
            {"origin": "local", "entry": "volunteer", "count": 500,
             "commitment": {"mean": 0.3, "sd": 0.2}},
            {"origin": "foreign", "entry": "foreign_volunteer", "count": 500,
             "commitment": {"mean": 0.3, "sd": 0.2}},
        ],
        "enforcement": {"checkpoint": 0.3, "code_violation_rate": 0.01},
        "sanctions": {"desertion": "execution", "shirking": "prison", "code": "execution",
                      "prison_days": 5, "publicity": 0.5},
        "barriers": {"hide": 0.05, "home": 0.05},
        "recruitment": {"local_volunteers_per_day": 3, "foreign_volunteers_per_month": 90,
                        "accepts_defectors_from": ["gov"]},
    }
    events = [
        {"kind": "airstrikes", "faction": "rebels", "start": day(5), "intensity": 0.8},
        {"kind": "momentum", "faction": "gov", "start": day(0), "end": day(30), "value": -0.8},
        {"kind": "momentum", "faction": "rebels", "start": day(0), "value": 0.5},
        {"kind": "combat", "start": day(10), "end": day(40), "intensity": 2.0},
        {"kind": "winter", "start": day(40), "severity": 1.0},
        {"kind": "pay", "faction": "gov", "start": day(20), "level": 0.5},
        {"kind": "travel_ban", "faction": "gov", "start": day(15), "end": day(45)},
        {"kind": "employee_sanctions", "faction": "gov", "start": day(0)},
        {"kind": "conscription_sweep", "faction": "gov", "start": day(3), "end": day(50),
         "men": 100},
        {"kind": "reservist_callup", "faction": "gov", "start": day(25), "end": day(35),
         "men": 100},
        {"kind": "militia_withdrawal", "faction": "ally", "start": day(10), "end": day(30),
         "share": 0.5},
        {"kind": "amnesty", "faction": "gov", "start": day(30), "end": day(59),
         "return_rate": 0.2},
        {"kind": "policy", "faction": "rebels", "start": day(20),
         "set": {"military_police_share": 0.05, "shirking": "execution"}},
    ]
    return minimal_scenario(
        name="kitchen-sink", end=day(59), seed=11,
        mechanisms={"evasion": {"consider_rate": 0.01, "hide_to_abroad_rate": 0.05,
                                "noise": 0.2}},
        factions=[gov, ally, rebels],
        civilians=[{"territory": "gov", "draft_eligible_men": 3000,
                    "state_employee_share": 0.3, "commitment": {"mean": 0.3, "sd": 0.2}}],
        events=events)
