"""Print the figures the pattern tests measured, as one table at the end of the session."""

from __future__ import annotations

from .helpers import FIGURES


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not FIGURES:
        return
    tr = terminalreporter
    tr.section("validation: measured figures (MODEL.md section 6)")
    width = max(len(q) for _, q, _ in FIGURES)
    for pattern, quantity, value in FIGURES:
        tr.write_line(f"{pattern:<4} {quantity:<{width}}  {value}")
