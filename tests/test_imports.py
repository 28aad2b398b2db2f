"""Importing the package has no side effects on the user's session (issue 9)."""

from __future__ import annotations

import subprocess
import sys


def test_importing_leaves_the_matplotlib_backend_alone() -> None:
    code = ("import matplotlib; matplotlib.use('pdf'); import desertion.cli, "
            "desertion.report.manpower_plots, desertion.civil_violence.adapter, "
            "desertion.experiments.sensitivity; print(matplotlib.get_backend())")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, timeout=120).stdout.strip()
    assert shown == "pdf"
