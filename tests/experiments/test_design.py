"""Designs: grid order and values, SALib samples mapped to parameter values, run seeds."""

from __future__ import annotations

import numpy as np
import pytest

from desertion.engine.streams import spawn_seeds
from desertion.experiments import load_experiment, make_plan
from desertion.experiments.design import Factor

BASE = """
    root_seed = {seed}
    replications = {reps}
    common_random_numbers = {crn}
    outcomes = ["mean"]
    [base]
    scenario = "toy.toml"
    [design]
    {design}
    [parameters]
    {parameters}
"""


def plan_of(write, parameters: str, design: str = 'kind = "grid"', seed: int = 1,
            reps: int = 1, crn: bool = False, name: str = "experiment.toml"):
    text = (BASE.replace("{seed}", str(seed)).replace("{reps}", str(reps))
            .replace("{crn}", str(crn).lower()).replace("{design}", design)
            .replace("{parameters}", parameters))
    return make_plan(load_experiment(write(text, name=name)))


def test_grid_is_the_full_factorial_first_parameter_slowest(write) -> None:
    plan = plan_of(write, 'label = ["red", "blue"]\n'
                   "x1 = { low = 0.1, high = 0.3, steps = 3 }", reps=2)
    assert plan.n_points == 6 and plan.n_runs == 12
    assert [p["label"] for p in plan.points] == ["red"] * 3 + ["blue"] * 3
    assert [p["x1"] for p in plan.points] == pytest.approx([0.1, 0.2, 0.3] * 2)
    run = plan.run(7)
    assert (run.point, run.replication, run.params["label"]) == (3, 1, "blue")
    with pytest.raises(IndexError):
        plan.run(12)


def test_log_and_integer_ranges() -> None:
    log = Factor(path="k", low=1.0, high=100.0, steps=3, log=True)
    assert log.grid() == pytest.approx([1.0, 10.0, 100.0])
    assert log.value(np.log(10.0)) == pytest.approx(10.0)
    whole = Factor(path="n", low=1, high=3, integer=True, steps=5)
    assert whole.grid() == [1, 2, 3]  # 1, 1.5, 2, 2.5, 3 rounded, repeats dropped
    assert whole.bounds() == [0.5, 3.5]
    assert [whole.value(x) for x in (0.5, 1.49, 1.51, 3.49)] == [1, 1, 2, 3]
    values = Factor(path="c", values=("a", "b", "c"))
    assert values.bounds() == [0.0, 3.0]
    assert [values.value(x) for x in (0.0, 0.99, 1.0, 2.999, 3.0)] == ["a", "a", "b", "c", "c"]


@pytest.mark.parametrize(("design", "points"), [
    ('kind = "latin"\nsamples = 10', 10),
    ('kind = "sobol"\nsamples = 16', 16 * (3 + 2)),
    ('kind = "sobol"\nsamples = 16\nsecond_order = true', 16 * (2 * 3 + 2)),
    ('kind = "morris"\nsamples = 6', 6 * (3 + 1)),
    ('kind = "morris"\nsamples = 8\noptimal_trajectories = 4', 4 * (3 + 1)),
])
def test_sampling_designs_stay_in_their_ranges(write, design: str, points: int) -> None:
    plan = plan_of(write, "x1 = { low = 0.2, high = 0.4 }\n"
                   "count = { low = 1, high = 5, integer = true }\n"
                   'label = ["red", "green"]', design=design)
    assert plan.n_points == points
    assert plan.sample is not None and plan.sample.shape == (points, 3)
    x1 = np.array([p["x1"] for p in plan.points])
    assert ((x1 >= 0.2) & (x1 <= 0.4)).all()
    counts = {p["count"] for p in plan.points}
    assert counts <= {1, 2, 3, 4, 5} and all(isinstance(c, int) for c in counts)
    assert {p["label"] for p in plan.points} == {"red", "green"}
    assert plan.problem["names"] == ["x1", "count", "label"]


def test_samples_and_seeds_are_fixed_by_the_root_seed(write) -> None:
    design = 'kind = "latin"\nsamples = 8'
    a = plan_of(write, "x1 = { low = 0.0, high = 1.0 }", design, seed=3, reps=2, name="a.toml")
    b = plan_of(write, "x1 = { low = 0.0, high = 1.0 }", design, seed=3, reps=2, name="b.toml")
    c = plan_of(write, "x1 = { low = 0.0, high = 1.0 }", design, seed=4, reps=2, name="c.toml")
    assert a.points == b.points and a.digest() == b.digest()
    assert a.points != c.points
    seeds = [r.seed for r in a.runs()]
    assert seeds == spawn_seeds(3, 16)
    assert len(set(seeds)) == 16


def test_common_random_numbers_share_seeds_across_points(write) -> None:
    plan = plan_of(write, "x1 = [0.1, 0.2, 0.3]", reps=2, crn=True)
    seeds = [(r.point, r.replication, r.seed) for r in plan.runs()]
    by_replication = {rep: {s for _, r, s in seeds if r == rep} for rep in (0, 1)}
    assert by_replication[0] == {spawn_seeds(1, 2)[0]}
    assert by_replication[1] == {spawn_seeds(1, 2)[1]}
