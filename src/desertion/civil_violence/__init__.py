"""Epstein's (2002) civil-violence Model I on the desertion engine.

Citizens and cops on a torus. A citizen rebels when its grievance less its net risk exceeds a
threshold; cops jail active citizens in their vision. See docs/civil_violence.md.

>>> from desertion.civil_violence import load_scenario, simulate
>>> result = simulate(load_scenario("civil-violence"), seed=1)
"""

from typing import Any

from desertion.civil_violence.params import (
    CivilViolenceScenario,
    CivilViolenceScenarioError,
    LegitimacyChange,
    load_scenario,
    shipped_scenarios,
)

__all__ = [
    "CivilViolenceRun",
    "CivilViolenceScenario",
    "CivilViolenceScenarioError",
    "LegitimacyChange",
    "counts_by_step",
    "load_scenario",
    "shipped_scenarios",
    "simulate",
]


def __getattr__(name: str) -> Any:
    # the run and its kernel (Numba), and the tables (pandas), load only when asked for
    if name in ("simulate", "CivilViolenceRun"):
        from desertion.civil_violence import model

        return getattr(model, name)
    if name == "counts_by_step":
        from desertion.civil_violence.analysis import counts_by_step

        return counts_by_step
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
