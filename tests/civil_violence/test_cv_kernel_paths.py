"""The kernel's two paths: the plain njit path against the plain-Python reference, cell for
cell, and against the tuned path; choosing a path."""

from __future__ import annotations

import types

import numpy as np
import pytest
from numba.core.dispatcher import Dispatcher as CPUDispatcher

from desertion.civil_violence import CivilViolenceScenario, LegitimacyChange, model
from desertion.civil_violence import kernel as K
from desertion.engine import kernel_random as KR
from desertion.engine.streams import Streams

from .cv_reference import Reference

RULES = {"round": K.RULE_ROUND, "floor": K.RULE_FLOOR, "ratio": K.RULE_RATIO}
# small worlds with a lot going on: low legitimacy, short jail terms
BUSY = {"width": 12, "height": 13, "citizen_vision": 3, "cop_vision": 2, "legitimacy": 0.3,
        "cop_density": 0.06, "max_jail_term": 4, "steps": 40}


def run_path(scenario: CivilViolenceScenario, seed: int, path: str,
             steps_per_call: int = 7) -> dict[str, np.ndarray]:
    """Build the world as ``model`` does and step it with ``kernel.kernels(path)``, a few
    steps per call: the final agents, grid, order and random state, and the per-step census."""
    sc = scenario
    sequential, synchronous = K.kernels(path)
    streams = Streams(seed)
    world = model.build_world(sc, streams)
    rng = model.kernel_rng_state(streams)
    a = world.agents
    legitimacy = np.asarray(sc.legitimacy_by_step(), dtype=np.float64)
    view_cit = K.vision(sc.citizen_vision, world.pad, sc.width)
    view_cop = K.vision(sc.cop_vision, world.pad, sc.width)
    seen = np.zeros((3, max(view_cit.shape[2], view_cop.shape[2])), dtype=np.uint64)
    ptable = model.arrest_probability_table(sc)
    reciprocal = K.reciprocals(2 * world.pad * (world.pad + 1) + 1)
    before = np.array([world.n_citizens, 0, 0], dtype=np.int64)
    censuses = []
    for done in range(0, sc.steps, steps_per_call):
        size = min(steps_per_call, sc.steps - done)
        census = np.zeros((size, 3), dtype=np.int64)
        flows = np.zeros((size, len(K.FLOWS)), dtype=np.int64)
        args = (world.order, rng, sc.max_jail_term, legitimacy[done: done + size],
                a.x, a.y, a.state, a.jail, a.hardship, a.risk_aversion, world.n_citizens,
                world.code, world.occ, sc.width, sc.height, world.pad, view_cit, view_cop,
                seen, RULES[sc.arrest_rule], sc.arrest_prob_constant, sc.active_threshold,
                ptable, reciprocal, sc.movement, before, census, flows)
        if sc.activation == "sequential":
            sequential(*args)
        else:
            synchronous(*args, np.empty(world.n_citizens, dtype=np.int8))
        censuses.append(census)
        before = census[-1].copy()
    out = {column: np.array(a[column]) for column in ("x", "y", "state", "jail")}
    out.update(census=np.concatenate(censuses), rng=rng, order=world.order, occ=world.occ,
               code=world.code)
    return out


@pytest.mark.parametrize(("activation", "rule", "seed", "changes"), [
    ("sequential", "round", 11, {}),
    ("sequential", "floor", 12, {}),
    ("sequential", "ratio", 13,
     {"width": 15, "height": 16, "citizen_vision": 7, "cop_vision": 7}),
    # rows of 19 cells span two segments of the kernel's words
    ("sequential", "round", 14,
     {"width": 21, "height": 20, "citizen_vision": 9, "cop_vision": 4, "steps": 15}),
    ("sequential", "floor", 15, {"movement": False}),
    ("sequential", "round", 16,
     {"max_jail_term": 0, "legitimacy_schedule": [LegitimacyChange(step=20, legitimacy=0.9)]}),
    ("synchronous", "round", 11, {}),
    ("synchronous", "floor", 12, {"movement": False}),
    ("synchronous", "ratio", 13,
     {"width": 15, "height": 16, "citizen_vision": 7, "cop_vision": 5}),
    ("synchronous", "round", 17,
     {"width": 21, "height": 20, "citizen_vision": 4, "cop_vision": 9, "steps": 15}),
])
def test_plain_path_matches_the_plain_rules_exactly(activation: str, rule: str, seed: int,
                                                    changes: dict) -> None:
    scenario = CivilViolenceScenario(**{**BUSY, "activation": activation, "arrest_rule": rule,
                                        **changes})
    reference = Reference(scenario, seed=seed)
    reference.run()
    got = run_path(scenario, seed, "plain")
    np.testing.assert_array_equal(got["census"], np.array(reference.census))
    for column, expected in (("x", reference.x), ("y", reference.y),
                             ("state", reference.state), ("jail", reference.jail)):
        np.testing.assert_array_equal(got[column], expected, err_msg=column)
    # the same random numbers, no more and no fewer
    np.testing.assert_array_equal(got["rng"], reference.rng.bit_generator.state["state"]["state"])
    # the run exercised what it is meant to check
    assert np.array(reference.census)[:, 1].max() > 0
    assert np.array(reference.census)[:, 2].max() > 0


@pytest.mark.parametrize("changes", [
    # 300 x 300: above PREFETCH_MIN_AGENTS, where the tuned path prefetches
    {"width": 300, "height": 300, "legitimacy": 0.6, "steps": 3},
    {"width": 61, "height": 47, "citizen_vision": 5, "cop_vision": 11, "legitimacy": 0.5,
     "max_jail_term": 15, "steps": 30},
    {"width": 61, "height": 47, "citizen_vision": 5, "cop_vision": 11, "legitimacy": 0.5,
     "max_jail_term": 15, "steps": 30, "activation": "synchronous", "arrest_rule": "ratio"},
    # the widest vision: rows of 61 cells, four segments
    {"width": 64, "height": 61, "citizen_vision": 30, "cop_vision": 1, "legitimacy": 0.5,
     "steps": 10, "arrest_rule": "floor"},
])
def test_plain_and_tuned_paths_agree_cell_for_cell(changes: dict) -> None:
    scenario = CivilViolenceScenario(**changes)
    tuned = run_path(scenario, 5, "tuned", steps_per_call=1)
    plain = run_path(scenario, 5, "plain", steps_per_call=4)
    assert tuned.keys() == plain.keys()
    for name in tuned:
        np.testing.assert_array_equal(plain[name], tuned[name], err_msg=name)
    assert tuned["census"][:, 1].max() > 0


def test_plain_bounded_draws_are_the_tuned_ones_for_any_bound() -> None:
    """Including bounds of 2**32 and more: the products of 32-bit halves carry exactly."""
    bounds = np.random.default_rng(0).integers(1, 2**62, size=500)
    bounds[:100] = np.arange(1, 101)
    bounds[100:105] = [2**32 - 1, 2**32, 2**32 + 1, 2**62, 2**63 - 1]
    ours, theirs = KR.sfc64_state(np.random.SeedSequence(9)), KR.sfc64_state(
        np.random.SeedSequence(9))
    for n in bounds.tolist():
        assert K._plain_below(ours, n) == KR.below(theirs, n), n
    np.testing.assert_array_equal(ours, theirs)


def _compiled_callees(function: CPUDispatcher, seen: dict[str, object]) -> None:
    """Every global ``function`` (a Numba dispatcher) refers to, recursively, by name."""
    code_objects = [function.py_func.__code__]
    while code_objects:
        code = code_objects.pop()
        code_objects += [c for c in code.co_consts if isinstance(c, types.CodeType)]
        for name in code.co_names:
            value = function.py_func.__globals__.get(name)
            if name not in seen and value is not None:
                seen[name] = value
                if isinstance(value, CPUDispatcher):
                    _compiled_callees(value, seen)


def test_the_plain_path_is_ordinary_njit_code() -> None:
    """No intrinsic (hand-written LLVM IR) and no private compiler flag anywhere below the
    plain kernels."""
    callees: dict[str, object] = {}
    for function in K.kernels("plain"):
        _compiled_callees(function, callees)
    dispatchers = {n: v for n, v in callees.items() if isinstance(v, CPUDispatcher)}
    assert {"_plain_count", "_plain_pick", "_plain_below", "_put"} <= set(dispatchers)
    for name, value in callees.items():
        assert type(value).__name__ != "_Intrinsic", name
    for name, dispatcher in [*dispatchers.items(), *((f.__name__, f) for f in K.kernels("plain"))]:
        assert not any(option.startswith("_") for option in dispatcher.targetoptions), name
    # ... while the tuned path is the hand-written one
    assert "_nrt" in K.run_sequential.targetoptions


def test_kernels_returns_the_path_asked_for() -> None:
    assert K.kernels() == (K.run_sequential, K.run_synchronous)
    assert K.kernels("tuned") == (K.run_sequential, K.run_synchronous)
    assert K.kernels("plain") == (K.plain_sequential, K.plain_synchronous)
    with pytest.raises(ValueError, match="'tuned', 'plain'"):
        K.kernels("fast")


def test_default_path_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(K.PATH_ENV, raising=False)
    assert K.default_path() == "tuned"
    monkeypatch.setenv(K.PATH_ENV, "plain")
    assert K.default_path() == "plain"
    monkeypatch.setenv(K.PATH_ENV, " tuned ")
    assert K.default_path() == "tuned"
    monkeypatch.setenv(K.PATH_ENV, "")
    assert K.default_path() == "tuned"
    monkeypatch.setenv(K.PATH_ENV, "vector")
    with pytest.raises(ValueError, match=r"DESERTION_CV_KERNEL.*'tuned', 'plain'"):
        K.default_path()


@pytest.mark.slow
def test_plain_path_compiled_for_a_generic_cpu_runs_the_same(tmp_path) -> None:
    """Without ``popcnt`` and ``tzcnt`` (a generic x86 CPU), the bit loops stay loops: a run
    is the same, bit for bit."""
    import json
    import os
    import subprocess
    import sys

    script = (
        "import json, sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from civil_violence.test_cv_kernel_paths import BUSY, run_path\n"
        "from desertion.civil_violence import CivilViolenceScenario\n"
        "got = run_path(CivilViolenceScenario(**BUSY), 3, 'plain')\n"
        "print(json.dumps({k: v.tolist() for k, v in got.items()}))\n")
    env = {**os.environ, "NUMBA_CPU_NAME": "generic", "NUMBA_CACHE_DIR": str(tmp_path)}
    tests = os.path.dirname(os.path.dirname(__file__))
    done = subprocess.run([sys.executable, "-c", script, tests], env=env, capture_output=True,
                          text=True, check=True)
    got = json.loads(done.stdout)
    expected = run_path(CivilViolenceScenario(**BUSY), 3, "tuned")
    assert got.keys() == expected.keys()
    for name, value in expected.items():
        assert got[name] == value.tolist(), name
