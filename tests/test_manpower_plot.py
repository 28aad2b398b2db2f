"""The default figure of a manpower run (issue 12, "fix the default PNG"): what it draws,
checked on the figure's artists rather than by eye."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from desertion import load_scenario, simulate
from desertion.report.manpower_plots import ORIGIN_STYLE, plot_run, run_figure


@pytest.fixture(scope="module")
def syria():
    return simulate(load_scenario("syria-2014", scale=0.01))


def data_lines(ax):
    return [line for line in ax.get_lines() if len(line.get_xdata()) > 2]


def test_one_column_per_faction_with_its_own_axes(syria) -> None:
    fig = run_figure(syria)
    factions = syria.meta["scenario"]["factions"]
    assert len(fig.axes) == 3 * len(factions)
    strength_tops = [ax.get_ylim()[1] for ax in fig.axes[: len(factions)]]
    # the militias (8,000) are not flattened beside the SAA (170,000)
    assert max(strength_tops) / min(strength_tops) > 10


def test_one_colour_per_faction_in_every_panel(syria) -> None:
    fig = run_figure(syria)
    n = len(syria.meta["scenario"]["factions"])
    grid = np.array(fig.axes).reshape(3, n)
    colours = [{to_hex(line.get_color()) for ax in grid[:, col] for line in data_lines(ax)}
               for col in range(n)]
    assert all(len(c) == 1 for c in colours)
    assert len(set.union(*colours)) == n  # and no two factions share one


def test_origins_by_line_style_and_all_men_beside_them(syria) -> None:
    fig = run_figure(syria)
    isis_strength = fig.axes[0]
    styles = {line.get_label(): line.get_linestyle() for line in data_lines(isis_strength)}
    assert styles["local"] == ORIGIN_STYLE["local"]
    assert styles["foreign"] == ORIGIN_STYLE["foreign"]
    total, local, foreign = (next(li for li in data_lines(isis_strength)
                                  if li.get_label() == name)
                             for name in ("all", "local", "foreign"))
    np.testing.assert_allclose(total.get_ydata(),
                               np.asarray(local.get_ydata()) + foreign.get_ydata())


def test_no_day_zero_artefact_in_the_weekly_mean(syria) -> None:
    """The eve of day one is a census without events: it is not a day of zero attempts."""
    fig = run_figure(syria)
    n = len(syria.meta["scenario"]["factions"])
    saa_attempts = next(li for li in data_lines(fig.axes[n + 1]) if li.get_label() == "local")
    first_day = pd.Timestamp(syria.meta["scenario"]["start"])
    assert pd.Timestamp(saa_attempts.get_xdata()[0]) == first_day
    ev = syria.events
    day_one = ev[(ev["event"] == "attempted") & (ev["faction"] == "saa")
                 & (ev["date"] == first_day)]["count"].sum()
    assert saa_attempts.get_ydata()[0] == pytest.approx(day_one)


def test_events_and_documented_strengths_are_marked(syria) -> None:
    fig = run_figure(syria)
    n = len(syria.meta["scenario"]["factions"])
    saa_strength = fig.axes[1]
    labels = " ".join(t.get_text() for t in saa_strength.texts)
    assert "travel ban" in labels and "conscription sweep" in labels
    assert "airstrikes" not in labels  # ISIS's events are not the SAA's
    # saa_strength (15 Dec 2014, 110,000-200,000) drawn as a range
    ranges = [c for c in saa_strength.containers if hasattr(c, "has_yerr") and c.has_yerr]
    assert len(ranges) == 1
    assert fig.axes[2 * n].get_ylabel().startswith("executions")


def test_the_png_is_written(syria, tmp_path) -> None:
    path = plot_run(syria, tmp_path / "plot.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
