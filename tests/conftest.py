"""Shared fixtures: shipped runs computed once per session (the expensive ones)."""

from __future__ import annotations

import pytest

from desertion.engine.results import RunResult
from desertion.manpower.model import simulate
from desertion.manpower.scenario import load_scenario


@pytest.fixture(scope="session")
def isis_full() -> RunResult:
    """isis-2014 at full scale with its own seed (about 3 s)."""
    return simulate(load_scenario("isis-2014"))


@pytest.fixture(scope="session")
def saa_tenth() -> RunResult:
    """saa-2014 at scale 0.1 with its own seed (about 3 s); counts are scaled back."""
    return simulate(load_scenario("saa-2014", scale=0.1))


@pytest.fixture
def wide_consoles(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich wraps at 80 columns off a terminal; the command line's tables and paths should
    not be cut in a test's captured output."""
    from rich.console import Console

    from desertion import cli

    monkeypatch.setattr(cli, "console", Console(width=250))
    monkeypatch.setattr(cli, "errors", Console(width=250, stderr=True))
