"""The compiled passes (``desertion.manpower.kernels``) give the NumPy mechanisms' results
bit for bit, and draw the same random numbers."""

from __future__ import annotations

import numpy as np
import pytest

from desertion.manpower import kernels, passes
from desertion.manpower.mechanisms import capture_risk, decision


def _population(rng: np.random.Generator, n_rows: int = 5000, n_units: int = 40,
                width: int = 2):
    """Columns of ``n_rows`` agents and a sorted sample of men on duty among them."""
    men = np.sort(rng.choice(n_rows, size=n_rows // 3, replace=False))
    unit = rng.integers(0, n_units, len(men)).astype(np.int32)
    origin = rng.integers(0, 2, len(men)).astype(np.uint8)
    columns = {
        "hardship": rng.random(n_rows).astype(np.float32),
        "commitment": rng.random(n_rows).astype(np.float32),
        "threshold": (0.2 + 0.6 * rng.random(n_rows)).astype(np.float32),
        "ties": np.where(rng.random((n_rows, width)) < 0.2, -1,
                         rng.integers(0, n_rows, (n_rows, width))).astype(np.int32),
        "exit_day": np.where(rng.random(n_rows) < 0.7, np.int16(-32768),
                             rng.integers(0, 60, n_rows)).astype(np.int16),
    }
    return men, unit, origin, columns


def _mood_args(rng: np.random.Generator, noise_scale: float, shirk_ratio: float,
               tie_weight: float = 0.4) -> dict:
    men, unit, origin, columns = _population(rng)
    return dict(men=men, unit=unit, origin=origin, **columns, drivers=rng.random(40),
                unit_pull=0.3 * rng.random(40), lag_days=30.0, today=50, memory_days=14.0,
                tie_weight=tie_weight, danger=np.float64(0.7), danger_weight=0.5,
                noise_scale=noise_scale, shirk_ratio=shirk_ratio, n_options=4,
                lowest_barrier=np.array([0.4, -0.05]))  # a rewarded channel can be negative


def _run(mood, args: dict):
    """``mood`` on its own copy of the hardship column and a fresh generator (seed 99)."""
    hardship, rng = args["hardship"].copy(), np.random.default_rng(99)
    return mood(**args | {"hardship": hardship, "rng": rng}), hardship, rng


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("shirk_ratio", [0.6, np.float64(0.6)])
@pytest.mark.parametrize("noise_scale", [0.0, 0.03, 0.3])
def test_compiled_mood_is_the_mechanisms_bit_for_bit(seed: int, shirk_ratio: float,
                                                      noise_scale: float) -> None:
    args = _mood_args(np.random.default_rng(seed), noise_scale, shirk_ratio)
    expected, hardship, expected_rng = _run(passes.numpy_mood, args)
    mood, stored, kernel_rng = _run(kernels.mood, args)
    np.testing.assert_array_equal(stored, hardship)  # hardship stored, the same
    others = np.setdiff1d(np.arange(len(stored)), args["men"])
    np.testing.assert_array_equal(stored[others], args["hardship"][others])
    np.testing.assert_array_equal(mood.weighs, expected.weighs)
    np.testing.assert_array_equal(mood.preparing, expected.preparing)
    assert 0 < expected.weighs.sum() < len(args["men"])
    assert expected.preparing.any()
    acting = expected.weighs | expected.preparing  # exact where it counts
    for name in ("push", "spread"):
        got, want = getattr(mood, name), getattr(expected, name)
        np.testing.assert_array_equal(got[acting], want[acting])
        assert (np.isnan(got) | (got == want)).all()
    np.testing.assert_array_equal(mood.noise[expected.weighs], expected.noise[expected.weighs])
    # the same numbers were drawn (none where there is no noise)
    assert kernel_rng.bit_generator.state == expected_rng.bit_generator.state


def test_compiled_mood_skips_the_logarithm_and_the_ties_far_below_the_bars() -> None:
    """With the shipped noise (0.03) and tie weight (0.1), most men who serve need neither."""
    mood, _, _ = _run(kernels.mood, _mood_args(np.random.default_rng(3), 0.03, 0.6, 0.1))
    skipped = np.isnan(mood.noise)
    assert skipped[~mood.weighs].mean() > 0.5
    assert not (skipped & mood.weighs).any()
    assert np.isnan(mood.push[~mood.weighs & ~mood.preparing]).mean() > 0.3


def test_mood_falls_back_to_numpys_logistic_on_a_zero_uniform() -> None:
    """NumPy's logistic draws again on u == 0: the kernel then takes NumPy's noise."""

    class ZeroFirst:
        def __init__(self) -> None:
            self.inner = np.random.default_rng(5)
            self.bit_generator = self.inner.bit_generator

        def random(self, n: int) -> np.ndarray:
            out = self.inner.random(n)
            out[0] = 0.0
            return out

        def logistic(self, loc: float, scale: float, n: int) -> np.ndarray:
            return self.inner.logistic(loc, scale, n)

    uniforms, from_uniforms = kernels._noise_uniforms(ZeroFirst(), 10, 0.2)
    assert not from_uniforms
    np.testing.assert_array_equal(uniforms, np.random.default_rng(5).logistic(0.0, 0.2, 10))


def test_would_be_leavers_among_some_men_are_theirs_of_all() -> None:
    rng = np.random.default_rng(7)
    unit = rng.integers(0, 9, 300)
    preparing = rng.random(300) < 0.3
    among = np.flatnonzero(rng.random(300) < 0.2)
    np.testing.assert_array_equal(
        capture_risk.would_be_leavers(unit, preparing, 9, among),
        capture_risk.would_be_leavers(unit, preparing, 9)[among])


def _numpy_logit(weights: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``decision.logit_choice``'s own running sums (its default ``pick``)."""
    cumulative = np.cumsum(weights, axis=1)
    total = cumulative[:, -1]
    return (u[:, None] * total[:, None] > cumulative).sum(axis=1), total


@pytest.mark.parametrize("options", [1, 2, 3, 5])
def test_logit_pick_is_the_cumulative_sum_rule(options: int) -> None:
    rng = np.random.default_rng(options)
    costs = rng.exponential(1.0, (4000, options))
    costs[rng.random(costs.shape) < 0.2] = np.inf  # closed options weigh 0
    costs[:, 0] = np.minimum(costs[:, 0], 5.0)
    lowest = costs.min(axis=1)
    weights = np.exp((lowest[:, None] - costs) / 0.3)
    weights[:10] = 1.0  # exact ties
    u = rng.random(len(costs))
    choice, total = kernels.logit_pick(weights, u)
    expected_choice, expected_total = _numpy_logit(weights, u)
    np.testing.assert_array_equal(choice, expected_choice)
    np.testing.assert_array_equal(total, expected_total)
    rows = np.arange(10, len(costs))  # past the rows of forced ties
    assert np.isfinite(costs[rows, choice[rows]]).all()


def test_logit_pick_empty() -> None:
    choice, total = kernels.logit_pick(np.empty((0, 3)), np.empty(0))
    assert len(choice) == len(total) == 0


def test_deal_hands_each_group_its_numbers_in_row_order() -> None:
    rng = np.random.default_rng(8)
    group = rng.integers(0, 4, 1000).astype(np.int8)
    group[group == 2] = 3  # a group with no rows
    counts = np.bincount(group, minlength=5)
    draws = rng.random(counts.sum())
    expected = np.empty(len(group))
    start = 0
    for g, n in enumerate(counts):
        expected[group == g] = draws[start:start + n]
        start += n
    for count in (passes.numpy_count, kernels.count):
        np.testing.assert_array_equal(count(group, 5), counts)
    for deal in (passes.numpy_deal, kernels.deal):
        np.testing.assert_array_equal(deal(group, draws, counts), expected)
        assert len(deal(group[:0], draws[:0], counts * 0)) == 0


def test_logit_choice_with_the_compiled_pick_is_the_same() -> None:
    rng = np.random.default_rng(11)
    costs = rng.exponential(1.0, (3000, 4))
    costs[:, 3] = np.inf
    plain = decision.logit_choice(np.random.default_rng(5), costs, 0.2)
    compiled = decision.logit_choice(np.random.default_rng(5), costs, 0.2, kernels.logit_pick)
    for a, b in zip(plain, compiled, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("case", [("isis-2014", 0.05, 1), ("syria-2014", 0.01, 3),
                                  ("csa-1862", 0.005, 2)])
def test_whole_runs_are_the_same_on_both_paths(case, monkeypatch) -> None:
    """Every table of a run, bit for bit, whichever path takes the per-man passes."""
    import pandas as pd

    import desertion

    name, scale, seed = case
    scenario = desertion.load_scenario(name, scale=scale)
    tables = {}
    for path in ("numpy", "compiled"):
        monkeypatch.setenv(passes.PATH_ENV, path)
        tables[path] = desertion.simulate(scenario, seed=seed)
    for table in ("timeseries", "events"):
        pd.testing.assert_frame_equal(getattr(tables["numpy"], table),
                                      getattr(tables["compiled"], table))
    assert len(tables["numpy"].events) > 100


def test_auto_takes_the_compiled_passes_for_large_populations(monkeypatch) -> None:
    monkeypatch.delenv(passes.PATH_ENV, raising=False)
    assert passes.for_run(passes.COMPILED_FROM_AGENTS - 1).name == "numpy"
    assert passes.for_run(passes.COMPILED_FROM_AGENTS).name == "compiled"
    assert passes.for_run(10**7, "numpy").name == "numpy"
    monkeypatch.setenv(passes.PATH_ENV, "compiled")
    assert passes.for_run(10).name == "compiled"
    monkeypatch.setenv(passes.PATH_ENV, "fast")
    with pytest.raises(ValueError, match="DESERTION_MANPOWER_PASSES='fast'"):
        passes.for_run(10)
    with pytest.raises(ValueError, match="unknown manpower passes 'fast'"):
        passes.for_run(10, "fast")
