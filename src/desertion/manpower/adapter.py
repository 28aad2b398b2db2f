"""The manpower model as the engine sees it (``desertion.engine.model.Model``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from desertion.engine.model import Model
from desertion.engine.results import RunResult
from desertion.manpower import outcomes as _outcomes
from desertion.manpower.model import build
from desertion.manpower.scenario import Scenario, load_scenario, shipped_scenarios
from desertion.manpower.step import Manpower


class ManpowerModel(Model):
    name = "manpower"
    description = "armed groups, their fighters and draft-age civilians (spec/MODEL.md)"
    has_calendar = True

    def shipped(self) -> dict[str, str]:
        return shipped_scenarios()

    def load(self, source: str | Path, **overrides: Any) -> Scenario:
        return load_scenario(source, **overrides)

    def build(self, scenario: Scenario, seed: int | None = None) -> Manpower:
        return build(scenario, seed)

    def outcome_names(self, scenario: Scenario) -> list[str]:
        return _outcomes.outcome_names(scenario)

    def outcomes(self, result: RunResult) -> dict[str, float]:
        return _outcomes.outcomes(result)

    def agents(self, result: RunResult) -> int:
        return int(result.meta["agents"])

    def plot(self, result: RunResult, path: Path) -> Path:
        from desertion.report.manpower_plots import plot_run  # matplotlib only when drawing

        return plot_run(result, path)

    def report(self, result: RunResult) -> str:
        from desertion.report.manpower_report import report_html  # plotly only when reporting

        return report_html(result)

    def summary_tables(self, result: RunResult) -> list[Any]:
        from desertion.report.manpower_tables import end_states_table, flows_table, strength_table

        return [strength_table(result), flows_table(result), end_states_table(result)]


MODEL = ManpowerModel()
