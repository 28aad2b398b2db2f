"""Epstein's (2002) civil-violence Model I on the desertion engine.

Citizens and cops on a torus. A citizen rebels when its grievance less its net risk exceeds a
threshold; cops jail active citizens in their vision. See docs/civil_violence.md.

>>> from desertion.civil_violence import load_scenario, simulate
>>> result = simulate(load_scenario("civil-violence"), seed=1)
"""

from desertion.civil_violence.model import counts_by_step, simulate
from desertion.civil_violence.params import (
    CivilViolenceScenario,
    CivilViolenceScenarioError,
    LegitimacyChange,
    load_scenario,
    shipped_scenarios,
)

__all__ = [
    "CivilViolenceScenario",
    "CivilViolenceScenarioError",
    "LegitimacyChange",
    "counts_by_step",
    "load_scenario",
    "shipped_scenarios",
    "simulate",
]
