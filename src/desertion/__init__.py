"""desertion: agent-based simulation of how armed groups keep or lose their fighters.

The public API is small:

>>> import desertion
>>> scenario = desertion.load_scenario("isis-2014")
>>> result = desertion.simulate(scenario, seed=1)
>>> result.timeseries.head()          # daily counts by faction, origin and status
>>> result.events.head()              # daily events (joined, deserted, executed, ...)
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("desertion")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

from desertion.engine.results import RunResult
from desertion.manpower.model import simulate
from desertion.manpower.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    shipped_scenarios,
)

__all__ = [
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "shipped_scenarios",
    "simulate",
]
