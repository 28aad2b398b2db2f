"""The civil-violence model as the engine sees it (``desertion.engine.model.Model``).

The kernel (Numba) is imported only when a run is built, and matplotlib only when a plot is
drawn, so listing or loading scenarios, and every manpower command, work even where the
kernel cannot compile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from desertion.civil_violence.params import (
    CivilViolenceScenario,
    load_scenario,
    shipped_scenarios,
)
from desertion.engine.model import Model, Run
from desertion.engine.results import RunResult


class CivilViolenceModel(Model):
    name = "civil_violence"
    description = "Epstein's (2002) civil violence Model I: citizens, cops, rebellion and jail"
    has_calendar = False

    def shipped(self) -> dict[str, str]:
        return shipped_scenarios()

    def load(self, source: str | Path, **overrides: object) -> CivilViolenceScenario:
        return load_scenario(source, **overrides)

    def build(self, scenario: CivilViolenceScenario, seed: int | None = None) -> Run:
        from desertion.civil_violence.model import CivilViolenceRun

        return CivilViolenceRun(scenario, seed)

    def outcome_names(self, scenario: CivilViolenceScenario) -> list[str]:
        from desertion.civil_violence import analysis  # pandas, when asked for

        return analysis.outcome_names(scenario)

    def outcomes(self, result: RunResult) -> dict[str, float]:
        from desertion.civil_violence import analysis

        return analysis.outcomes(result)

    def agents(self, result: RunResult) -> int:
        return int(result.meta["n_citizens"]) + int(result.meta["n_cops"])

    def plot(self, result: RunResult, path: Path) -> Path:
        from desertion.report.civil_violence import plot_run

        return plot_run(result, path)

    def report(self, result: RunResult) -> str:
        from desertion.report.civil_violence import report_html  # plotly only when reporting

        return report_html(result)

    def summary_tables(self, result: RunResult) -> list[Any]:
        from desertion.report.civil_violence import summary_tables

        return summary_tables(result)


MODEL = CivilViolenceModel()
