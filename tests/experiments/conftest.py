"""Fixtures: experiment files for the toy and manpower models, and a Dask LocalCluster."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from . import toymodel

toymodel.register_toy()

VOLATILE = ["wall_time_s", "worker"]
"""Columns that legitimately differ between two runs of the same experiment."""

TOY_EXPERIMENT = """
    root_seed = 11
    replications = 2
    outcomes = ["mean", "final"]
    [base]
    scenario = "toy.toml"
    [design]
    kind = "grid"
    [parameters]
    x1 = [0.1, 0.3, 0.5]
    label = ["red", "blue"]
"""

MANPOWER_EXPERIMENT = """
    root_seed = 5
    replications = 2
    outcomes = ["deserted_isis", "executed_desertion_isis_foreign", "strength_end_isis"]
    series = ["timeseries"]
    [base]
    scenario = "isis-2014"
    until = "2014-07-10"
    [base.set]
    scale = 0.02
    [design]
    kind = "grid"
    [parameters]
    "factions.isis.sanctions.desertion" = ["execution", "prison"]
    "factions.isis.barriers.home" = { low = 0.1, high = 0.3, steps = 2 }
"""


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write a (dedented) file into the test's folder; a toy scenario sits beside it."""
    (tmp_path / "toy.toml").write_text('model = "toy"\nname = "toy"\n')

    def _write(text: str, name: str = "experiment.toml", scenario: str | None = None
               ) -> Path:
        if scenario is not None:
            (tmp_path / "toy.toml").write_text('model = "toy"\nname = "toy"\n'
                                               + textwrap.dedent(scenario))
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return path

    return _write


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """A results table without the columns that vary between executions, by run id."""
    return frame.drop(columns=VOLATILE).sort_values("run_id").reset_index(drop=True)


@pytest.fixture(scope="session")
def dask_client() -> Iterator[object]:
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None)
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()
