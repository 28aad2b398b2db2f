"""Runs whose tables are pinned by digest: several scenarios and seeds of both models, small
enough to run in seconds. A digest covers every column of ``timeseries`` and ``events``
(values, dtypes and order) in a text form that does not depend on Parquet or pandas versions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Case:
    id: str
    scenario: str
    seed: int
    overrides: dict[str, Any] = field(default_factory=dict)


CASES = [
    Case("isis-s0.05-seed1", "isis-2014", 1, {"scale": 0.05}),
    Case("isis-s0.05-seed20141231", "isis-2014", 20141231, {"scale": 0.05}),
    Case("saa-s0.01-seed7", "saa-2014", 7, {"scale": 0.01}),
    Case("syria-s0.005-seed3", "syria-2014", 3, {"scale": 0.005}),
    Case("syria-s0.005-seed20141231", "syria-2014", 20141231, {"scale": 0.005}),
    Case("cv-seed1", "civil-violence", 1, {"steps": 60}),
    Case("cv-seed2", "civil-violence", 2, {"steps": 60}),
    Case("cv-punctuated-seed5", "civil-violence-punctuated", 5, {"steps": 40}),
]


def table_digest(frame: pd.DataFrame) -> str:
    h = hashlib.sha256()
    h.update(repr([(c, str(t)) for c, t in frame.dtypes.items()]).encode())
    h.update(frame.to_csv(index=False, float_format=repr).encode())
    return h.hexdigest()


def run_case(case: Case):
    """The run of ``case`` through the package's public API."""
    import desertion

    scenario = desertion.load_scenario(case.scenario).with_overrides(case.overrides)
    return desertion.simulate(scenario, seed=case.seed)


def run_digests(case: Case) -> dict[str, str]:
    run = run_case(case)
    digests = {"timeseries": table_digest(run.timeseries), "events": table_digest(run.events)}
    if "policy_changes" in run.meta:
        digests["policy_changes"] = hashlib.sha256(
            repr(run.meta["policy_changes"]).encode()).hexdigest()
    return digests
