"""The validation suite is ``slow`` (about two minutes): ``make test`` and CI run it, and
``pytest -m "not slow"`` leaves it out while iterating. The figures the pattern tests
measured are printed as one table at the end of the session."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import FIGURES

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(item.fspath).parents:
            item.add_marker(pytest.mark.slow)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not FIGURES:
        return
    tr = terminalreporter
    tr.section("validation: measured figures (MODEL.md section 6)")
    width = max(len(q) for _, q, _ in FIGURES)
    for pattern, quantity, value in FIGURES:
        tr.write_line(f"{pattern:<4} {quantity:<{width}}  {value}")
