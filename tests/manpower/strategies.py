"""Hypothesis strategies: random but valid manpower scenarios with small populations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from .helpers import START

IDS = ["red", "blue", "green"]
SANCTIONS = ["none", "fine", "dismissal", "prison", "execution"]
ENTRIES = ["volunteer", "foreign_volunteer", "conscript", "dragooned", "militia"]
NEEDS_END = {"conscription_sweep", "reservist_callup", "amnesty", "militia_withdrawal"}
NEEDS_FACTION = NEEDS_END | {"policy"}
EVENT_KINDS = ["airstrikes", "momentum", "combat", "winter", "pay", "travel_ban",
               "employee_sanctions", "conscription_sweep", "reservist_callup",
               "militia_withdrawal", "amnesty", "policy"]


def unit(lo: float = 0.0, hi: float = 1.0) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


@st.composite
def betas(draw: st.DrawFn, lo: float = 0.05, hi: float = 0.95) -> dict[str, float]:
    mean = draw(unit(lo, hi))
    limit = (mean * (1 - mean)) ** 0.5
    sd = draw(st.sampled_from([0.0, 0.3, 0.6, 0.9])) * limit
    return {"mean": mean, "sd": round(sd, 6)}


policy_changes = st.fixed_dictionaries({}, optional={
    "military_police_share": unit(0, 0.1),
    "checkpoint": unit(),
    "desertion": st.sampled_from(SANCTIONS),
    "shirking": st.sampled_from(SANCTIONS),
    "code": st.sampled_from(SANCTIONS),
    "evasion": st.sampled_from(SANCTIONS),
    "publicity": unit(),
    "callups_per_day": unit(0, 20),
    "sweep_per_day": unit(0, 20),
    "travel_ban": st.booleans(),
})


@st.composite
def rules(draw: st.DrawFn) -> dict[str, Any]:
    metric = draw(st.sampled_from(["desertion_rate", "strength_ratio", "shirking_share"]))
    level = draw(unit(0, 5) if metric == "desertion_rate" else unit(0, 1.2))
    return {"metric": metric, draw(st.sampled_from(["above", "below"])): level,
            "window_days": draw(st.integers(1, 30)), "set": draw(policy_changes),
            "once": draw(st.booleans())}


@st.composite
def cohorts(draw: st.DrawFn) -> dict[str, Any]:
    return {"origin": draw(st.sampled_from(["local", "foreign"])),
            "entry": draw(st.sampled_from(ENTRIES)),
            "count": draw(st.one_of(st.just(0), st.integers(50, 800))),
            "commitment": draw(betas())}


@st.composite
def factions(draw: st.DrawFn, fid: str, others: list[str]) -> dict[str, Any]:
    return {
        "id": fid,
        "side": draw(st.sampled_from(["a", "b"])),
        "cohorts": draw(st.lists(cohorts(), min_size=1, max_size=3)),
        "unit_size": draw(st.integers(2, 40)),
        "ties_per_fighter": draw(st.integers(0, 3)),
        "base_hardship": draw(unit()),
        "pay": draw(unit(0, 1.5)),
        "combat_death_rate": draw(unit(0, 0.01)),
        "enforcement": {
            "watchers_per_unit": draw(unit(0, 3)),
            "military_police_share": draw(unit(0, 0.1)),
            "checkpoint": draw(unit()),
            "foreign_visibility": draw(unit(1, 5)),
            "shirker_detection": draw(unit()),
            "code_violation_rate": draw(unit(0, 0.01)),
            "mistaken_rate": draw(unit(0, 0.5)),
        },
        "sanctions": {
            "desertion": draw(st.sampled_from(SANCTIONS)),
            "shirking": draw(st.sampled_from(SANCTIONS)),
            "code": draw(st.sampled_from(SANCTIONS)),
            "evasion": draw(st.sampled_from(SANCTIONS)),
            "prison_days": draw(st.integers(1, 60)),
            "publicity": draw(unit()),
        },
        "barriers": {name: draw(unit(0, 0.5)) for name in
                     ("hide", "abroad", "home", "defect", "travel_ban")}
        | {"travel_ban_checkpoint": draw(unit())},
        "recruitment": {
            "local_volunteers_per_day": draw(unit(0, 10)),
            "foreign_volunteers_per_month": draw(unit(0, 200)),
            "momentum_elasticity": draw(unit(0, 3)),
            "volunteer_commitment": draw(betas()),
            "foreign_volunteer_commitment": draw(betas()),
            "callups_per_day": draw(unit(0, 20)),
            "gap_response": draw(unit(0, 0.05)),
            "conscript_commitment_factor": draw(unit()),
            "dragooned_commitment_factor": draw(unit()),
            "accepts_defectors_from": draw(st.lists(st.sampled_from(others), unique=True))
            if others else [],
        },
        "rules": draw(st.lists(rules(), max_size=2)),
    }


@st.composite
def events(draw: st.DrawFn, ids: list[str], last: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(EVENT_KINDS))
    first = draw(st.integers(0, last))
    event: dict[str, Any] = {"kind": kind, "start": START + dt.timedelta(days=first)}
    if kind in NEEDS_END or draw(st.booleans()):
        event["end"] = START + dt.timedelta(days=draw(st.integers(first, last)))
    if kind in NEEDS_FACTION or draw(st.booleans()):
        event["faction"] = draw(st.sampled_from(ids))
    match kind:
        case "airstrikes" | "combat":
            event["intensity"] = draw(unit(0, 3))
        case "momentum":
            event["value"] = draw(unit(-1, 1))
        case "winter":
            event["severity"] = draw(unit())
        case "pay":
            event["level"] = draw(unit(0, 1.5))
        case "conscription_sweep" | "reservist_callup":
            event["men"] = draw(st.integers(0, 600))
        case "militia_withdrawal":
            event["share"] = draw(unit())
        case "amnesty":
            event["return_rate"] = draw(unit())
        case "policy":
            event["set"] = draw(policy_changes)
    return event


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A random valid scenario: 1-3 factions, cohorts, civilians, events of every kind."""
    n_factions = draw(st.integers(1, 3))
    ids = IDS[:n_factions]
    n_days = draw(st.integers(20, 60))
    return {
        "name": "random",
        "start": START,
        "end": START + dt.timedelta(days=n_days - 1),
        "seed": draw(st.integers(0, 2**32)),
        "mechanisms": {
            "capture": {"rule": draw(st.sampled_from(["continuous", "floored"]))},
            "decision": {"threshold": draw(betas(0.05, 0.5)),
                         "noise": draw(st.sampled_from([0.0, 0.03, 0.2])),
                         "shirk_ratio": draw(unit())},
            "evasion": {"consider_rate": draw(unit(0, 0.05)),
                        "hide_to_abroad_rate": draw(unit(0, 0.1))},
        },
        "factions": [draw(factions(fid, [o for o in ids if o != fid])) for fid in ids],
        "civilians": draw(st.lists(st.fixed_dictionaries({
            "territory": st.sampled_from(ids),
            "draft_eligible_men": st.one_of(st.just(0), st.integers(200, 3000)),
            "state_employee_share": unit(),
            "commitment": betas(),
        }), max_size=2)),
        "events": draw(st.lists(events(ids, n_days - 1), min_size=3, max_size=12)),
    }
