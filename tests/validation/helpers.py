"""Helpers for the pattern tests and ``diagnose.py``, over ``desertion.validation``.

The patterns, their runs and their criteria live in the package (``desertion validate``
runs the same definitions). Each test names the checks it judges with a ``checks`` marker;
``conftest.py`` runs everything the selected tests need once, on worker processes, into
:data:`CACHE` (measures by run, so tests sharing an arm pay for it once), and the
``judged`` fixture judges a test's checks from there. The results are kept in
:data:`RESULTS` and printed as a table at the end of the session.

:func:`run` is the cached single run ``diagnose.py`` uses for its own arms.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from desertion.validation.cli import DEFAULT_SEEDS
from desertion.validation.design import CheckResult
from desertion.validation.runner import Cache, Request, evaluate
from desertion.validation.trace import (  # noqa: F401  (re-exported for diagnose.py)
    Arm,
    TracedRun,
    day,
    dispersion,
    event_index,
    man_days,
    run_arm,
    scenario,
    stock,
    total,
    unit_losses,
)

SEEDS = (0, 1, 2, 3, 4)
"""The CI's seeds: every pattern, every arm."""
ALL_SEEDS = DEFAULT_SEEDS
"""The command's default seeds (0-9), for a check that five seeds cannot settle."""
WORKERS = int(os.environ.get("DESERTION_VALIDATION_WORKERS", min(os.cpu_count() or 1, 4)))
"""Worker processes for the session's runs (``DESERTION_VALIDATION_WORKERS``; 1: here)."""
CACHE: Cache = {}
RESULTS: list[CheckResult] = []


def request_of(marker: Any) -> Request:
    """The request of a ``checks(pattern, *names, seeds=...)`` marker."""
    pattern, *names = marker.args
    return Request(pattern, tuple(marker.kwargs.get("seeds", SEEDS)), tuple(names))


def prefetch(requests: Sequence[Request]) -> None:
    """Run what the requests need (on ``WORKERS`` processes) into the cache."""
    evaluate(list(requests), workers=WORKERS, cache=CACHE)


def judge(request: Request) -> dict[str, CheckResult]:
    """The request's checks, judged through the package (runs not cached are run here)."""
    results = evaluate([request], cache=CACHE)
    assert [r.check for r in results] == list(request.checks or ()), "unknown check name"
    RESULTS.extend(results)
    return {r.check: r for r in results}


def describe(r: CheckResult) -> str:
    return (f"P{r.pattern} {r.check}: {r.estimate:.4g} [{r.low:.4g}, {r.high:.4g}] "
            f"({r.method}), needs {r.op} {r.threshold:g}")


def assert_holds(judged: Mapping[str, CheckResult]) -> None:
    """Every check judged holds (its interval beyond its threshold)."""
    failed = [describe(r) for r in judged.values() if not r.passed]
    assert not failed, "; ".join(failed)


def _nothing(r: TracedRun) -> dict[str, float]:
    return {}


def run(name: str, scale: float, seed: int, overrides: dict[str, Any] | None = None,
        events: list[dict[str, Any]] | None = None, until: str | None = None,
        trace: bool = False, entry_from: str | None = None, entry_faction: str | None = None
        ) -> TracedRun:
    """One run of a shipped scenario (cached for the session); see ``trace.Arm``."""
    arm = Arm(name, scale, _nothing, overrides or {}, tuple(events or ()), until, trace,
              entry_from, entry_faction)
    key = (arm.run_key(), seed)
    if key not in _RUNS:
        _RUNS[key] = run_arm(arm, seed)
    return _RUNS[key]


_RUNS: dict[tuple[str, int], TracedRun] = {}
