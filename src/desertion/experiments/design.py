"""Designs: the points of an experiment and the planned runs, each with its seed.

A grid is the full factorial of every parameter's values. Latin hypercube, Sobol' (Saltelli
scheme) and Morris samples come from SALib's samplers, drawn in a *sampling space*: a
continuous range is sampled between its bounds (their logarithms for ``log = true``, widened
by half a unit each side for ``integer = true`` so every whole number is equally likely), and
a list of ``k`` values is sampled as an index on ``[0, k)``.

Runs are numbered ``run_id = point * replications + replication``. Every run's seed is derived
from the experiment's root seed by SeedSequence spawning before anything is submitted, so a
run's result depends only on its id, never on where or in which order it ran.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from desertion.engine.streams import spawn_seeds
from desertion.experiments.spec import Experiment, Range


@dataclass(frozen=True)
class Factor:
    """One varied parameter: a list of values or a range."""

    path: str
    values: tuple[Any, ...] | None = None
    low: float = 0.0
    high: float = 1.0
    steps: int | None = None
    log: bool = False
    integer: bool = False

    @classmethod
    def from_spec(cls, path: str, param: list[Any] | Range) -> Factor:
        if isinstance(param, list):
            return cls(path=path, values=tuple(param))
        return cls(path=path, low=param.low, high=param.high, steps=param.steps,
                   log=param.log, integer=param.integer)

    @property
    def discrete(self) -> bool:
        return self.values is not None

    def grid(self) -> list[Any]:
        """The values a grid design takes, in order."""
        if self.values is not None:
            return list(self.values)
        assert self.steps is not None, "validated: grid ranges have steps"
        if self.log:
            raw = np.geomspace(self.low, self.high, self.steps)
        else:
            raw = np.linspace(self.low, self.high, self.steps)
        out: list[Any] = []
        for x in raw:
            value = self._finish(float(x))
            if value not in out:
                out.append(value)
        return out

    def bounds(self) -> list[float]:
        """Bounds of the sampling space (see the module's docstring)."""
        if self.values is not None:
            return [0.0, float(len(self.values))]
        low, high = (math.log(self.low), math.log(self.high)) if self.log \
            else (self.low, self.high)
        if self.integer and not self.log:
            low, high = low - 0.5, high + 0.5
        return [low, high]

    def value(self, x: float) -> Any:
        """The parameter value at sampling-space coordinate ``x``."""
        if self.values is not None:
            return self.values[min(max(math.floor(x), 0), len(self.values) - 1)]
        return self._finish(math.exp(x) if self.log else x)

    def _finish(self, x: float) -> float | int:
        if self.integer:
            return int(min(max(round(x), self.low), self.high))
        return min(max(x, self.low), self.high)

    def arrow_type(self) -> pa.DataType:
        if self.values is None:
            return pa.int64() if self.integer else pa.float64()
        if all(isinstance(v, bool) for v in self.values):
            return pa.bool_()
        if all(isinstance(v, int) and not isinstance(v, bool) for v in self.values):
            return pa.int64()
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in self.values):
            return pa.float64()
        return pa.string()

    def cast(self, value: Any) -> Any:
        """``value`` as stored: lists of mixed ints and floats are stored as floats."""
        if self.arrow_type() == pa.float64():
            return float(value)
        return value


@dataclass(frozen=True)
class PlannedRun:
    """One run of the experiment: which point, which replication, which seed."""

    run_id: int
    point: int
    replication: int
    seed: int
    params: dict[str, Any]


@dataclass
class Plan:
    """The points of an experiment and its runs."""

    kind: str
    factors: tuple[Factor, ...]
    points: list[dict[str, Any]]
    replications: int
    seeds: list[int]
    """One seed per run (by run id), or per replication with common random numbers."""
    common_random_numbers: bool
    sample: np.ndarray | None = None
    """Sampling designs: the (points, parameters) sample matrix in sampling space."""
    problem: dict[str, Any] | None = None
    """Sampling designs: SALib's problem definition."""

    @property
    def n_points(self) -> int:
        return len(self.points)

    @property
    def n_runs(self) -> int:
        return len(self.points) * self.replications

    def run(self, run_id: int) -> PlannedRun:
        if not 0 <= run_id < self.n_runs:
            raise IndexError(f"run id {run_id} is not in this experiment (0 to "
                             f"{self.n_runs - 1})")
        point, replication = divmod(run_id, self.replications)
        seed = self.seeds[replication if self.common_random_numbers else run_id]
        return PlannedRun(run_id=run_id, point=point, replication=replication, seed=seed,
                          params=self.points[point])

    def runs(self) -> Iterator[PlannedRun]:
        for run_id in range(self.n_runs):
            yield self.run(run_id)

    def to_json(self) -> dict[str, Any]:
        """The design and the planned runs, as recorded in the manifest."""
        return {
            "kind": self.kind,
            "parameters": [f.path for f in self.factors],
            "n_points": self.n_points,
            "replications": self.replications,
            "n_runs": self.n_runs,
            "common_random_numbers": self.common_random_numbers,
            "problem": self.problem,
            "sample": None if self.sample is None else self.sample.tolist(),
        }

    def runs_json(self) -> list[dict[str, Any]]:
        return [{"run_id": r.run_id, "point": r.point, "replication": r.replication,
                 "seed": r.seed, "params": r.params} for r in self.runs()]

    def digest(self) -> str:
        """A hash of every planned run (ids, seeds, parameter values)."""
        h = hashlib.sha256()
        for r in self.runs():
            h.update(json.dumps([r.run_id, r.seed, r.params], sort_keys=True,
                                default=str).encode())
        return h.hexdigest()


def sampling_seed(root_seed: int) -> int:
    """The seed given to SALib's samplers, derived from (and independent of) the run seeds."""
    return int(np.random.SeedSequence(root_seed).generate_state(1)[0])


def problem_of(factors: tuple[Factor, ...]) -> dict[str, Any]:
    return {"num_vars": len(factors), "names": [f.path for f in factors],
            "bounds": [f.bounds() for f in factors]}


def make_plan(experiment: Experiment) -> Plan:
    """Every point and run of ``experiment``; deterministic for a given file."""
    spec = experiment.spec
    factors = tuple(Factor.from_spec(path, p) for path, p in spec.parameters.items())
    design = spec.design
    sample: np.ndarray | None = None
    problem: dict[str, Any] | None = None
    if design.kind == "grid":
        points = [{f.path: f.cast(v) for f, v in zip(factors, combo, strict=True)}
                  for combo in itertools.product(*(f.grid() for f in factors))]
    else:
        problem = problem_of(factors)
        sample = draw_sample(design.kind, problem, design.samples or 0, spec.root_seed,
                             second_order=design.second_order, levels=design.levels,
                             optimal_trajectories=design.optimal_trajectories)
        points = [{f.path: f.cast(f.value(float(x))) for f, x in zip(factors, row, strict=True)}
                  for row in sample]
    n_seeds = spec.replications if spec.common_random_numbers else \
        len(points) * spec.replications
    return Plan(kind=design.kind, factors=factors, points=points,
                replications=spec.replications, seeds=spawn_seeds(spec.root_seed, n_seeds),
                common_random_numbers=spec.common_random_numbers, sample=sample,
                problem=problem)


def draw_sample(kind: str, problem: dict[str, Any], samples: int, root_seed: int, *,
                second_order: bool = False, levels: int = 4,
                optimal_trajectories: int | None = None) -> np.ndarray:
    """SALib's sample for ``kind`` (latin, sobol or morris) in sampling space."""
    seed = sampling_seed(root_seed)
    if kind == "latin":
        from SALib.sample import latin

        return np.asarray(latin.sample(problem, samples, seed=seed))
    if kind == "sobol":
        from SALib.sample import sobol

        return np.asarray(sobol.sample(problem, samples, calc_second_order=second_order,
                                       scramble=True, seed=seed))
    if kind == "morris":
        from SALib.sample import morris

        return np.asarray(morris.sample(problem, samples, num_levels=levels,
                                        optimal_trajectories=optimal_trajectories,
                                        seed=seed))
    raise ValueError(f"unknown sampling design {kind!r}")
