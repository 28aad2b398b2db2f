"""Registers the manpower model with the engine's model registry."""

from __future__ import annotations

from desertion.manpower.model import simulate
from desertion.manpower.outcomes import outcomes
from desertion.manpower.scenario import load_scenario, shipped_scenarios
from desertion.models import ModelSpec, register
from desertion.report.plots import plot_run
from desertion.report.tables import end_states_table, flows_table, strength_table

register(ModelSpec(
    name="manpower",
    description="armed groups, their fighters and draft-age civilians (spec/MODEL.md)",
    load=load_scenario,
    simulate=simulate,
    outcomes=outcomes,
    shipped=shipped_scenarios,
    plot=plot_run,
    summary_tables=lambda run: [strength_table(run), flows_table(run), end_states_table(run)],
))
