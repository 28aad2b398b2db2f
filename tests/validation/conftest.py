"""The validation suite is ``slow`` (two to three minutes): ``make test`` and CI run it, and
``pytest -m "not slow"`` leaves it out while iterating.

Each test names its checks with ``@pytest.mark.checks(pattern, *names, seeds=...)``; once
collection is done, the runs all selected tests need are planned together and run once,
on worker processes (``helpers.WORKERS``), before the first test. The checks judged are
printed as one table at the end of the session."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import helpers

HERE = Path(__file__).parent
REQUESTS = pytest.StashKey[list]()


def pytest_configure(config):
    config.addinivalue_line("markers", "checks(pattern, *names, seeds=SEEDS): the checks "
                            "of a pattern (desertion.validation) a validation test judges")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(item.fspath).parents:
            item.add_marker(pytest.mark.slow)


def pytest_collection_finish(session):
    session.config.stash[REQUESTS] = [
        helpers.request_of(m) for item in session.items
        if (m := item.get_closest_marker("checks")) is not None]


@pytest.fixture(scope="session")
def prefetched(pytestconfig):
    helpers.prefetch(pytestconfig.stash.get(REQUESTS, []))


@pytest.fixture
def judged(request, prefetched):
    """The checks named by the test's ``checks`` marker, judged."""
    return helpers.judge(helpers.request_of(request.node.get_closest_marker("checks")))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not helpers.RESULTS:
        return
    tr = terminalreporter
    tr.section("validation: checks judged (MODEL.md section 6; see docs/validation.md)")
    width = max(len(r.check) for r in helpers.RESULTS)
    for r in helpers.RESULTS:
        tr.write_line(f"P{r.pattern} {r.check:<{width}}  {r.estimate:>10.4g} "
                      f"[{r.low:.4g}, {r.high:.4g}]  {r.op} {r.threshold:g}  {r.verdict}"
                      f"  (seeds {','.join(map(str, r.seeds))}; {r.scenario} {r.scale:g})")
