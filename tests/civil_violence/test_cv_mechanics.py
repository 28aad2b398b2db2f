"""The kernels against a plain statement of the rules, and the world's invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest

from desertion.civil_violence import CivilViolenceScenario, LegitimacyChange
from desertion.civil_violence import kernel as K
from desertion.civil_violence.analysis import counts_by_step
from desertion.civil_violence.model import (
    World,
    arrest_probability_table,
    run_world,
    simulate,
)

from .cv_reference import Reference

# small worlds with a lot going on: low legitimacy, short jail terms
BUSY = {"width": 12, "height": 13, "citizen_vision": 3, "cop_vision": 2, "legitimacy": 0.3,
        "cop_density": 0.06, "max_jail_term": 4, "steps": 40}


@pytest.mark.parametrize("changes", [
    {},
    {"arrest_rule": "floor"},
    {"arrest_rule": "ratio", "width": 15, "height": 16, "citizen_vision": 7, "cop_vision": 7},
    # rows of 19 cells span two segments of the kernel's words
    {"width": 21, "height": 20, "citizen_vision": 9, "cop_vision": 4, "steps": 15},
    {"activation": "synchronous"},
    {"activation": "synchronous", "arrest_rule": "floor", "movement": False},
    {"max_jail_term": 0, "legitimacy_schedule": [LegitimacyChange(step=20, legitimacy=0.9)]},
])
def test_kernel_matches_the_plain_rules_exactly(changes: dict) -> None:
    scenario = CivilViolenceScenario(**{**BUSY, **changes})
    reference = Reference(scenario, seed=11)
    reference.run()
    world, recorder, _ = run_world(scenario, seed=11)
    np.testing.assert_array_equal(recorder.counts[1:, 0], np.array(reference.census))
    a = world.agents
    for column, expected in (("x", reference.x), ("y", reference.y),
                             ("state", reference.state), ("jail", reference.jail)):
        np.testing.assert_array_equal(a[column], expected, err_msg=column)
    # the run exercised what it is meant to check
    assert np.array(reference.census)[:, 1].max() > 0
    assert np.array(reference.census)[:, 2].max() > 0


def test_vision_table_covers_the_von_neumann_diamond() -> None:
    width = 50
    for radius in (1, 3, 7, 9, 17):
        view = K.vision(radius, pad=radius, width=width)
        stride = K.grid_stride(width, radius)
        assert view.shape[0] == 4 and view.shape[2] % K.LANES == 0
        for alignment in range(4):
            seen = []
            table = view[alignment]
            for m in range(view.shape[2]):
                for half in ((K.BYTE_A, K.SHIFT_A, K.MASK_A, K.DX_A, K.DY_A),
                             (K.BYTE_B, K.SHIFT_B, K.MASK_B, K.DX_B, K.DY_B)):
                    byte, shift, mask, dx, dy = (int(table[f, m]) for f in half)
                    cells = int(mask).bit_length() // 2
                    seen.extend((dx + c, dy) for c in range(cells))
                    if cells:  # the segment starts at its first cell's bits
                        assert 4 * byte + shift // 2 == alignment + dy * stride + dx
            diamond = {(dx, dy) for dx in range(-radius, radius + 1)
                       for dy in range(-radius, radius + 1) if abs(dx) + abs(dy) <= radius}
            assert len(seen) == len(set(seen)) and set(seen) == diamond
        assert len(diamond) - 1 == 2 * radius * (radius + 1)  # Mesa's neighbourhood size


def test_division_by_reciprocals_is_exact_over_every_count_a_vision_can_hold() -> None:
    largest = 2 * 30 * 31 + 1  # the widest vision (radius 30), the citizen himself included
    reciprocal = K.reciprocals(largest)
    num = np.arange(largest + 1)[:, None]
    den = np.arange(1, largest + 1)[None, :]
    np.testing.assert_array_equal((num * reciprocal[den]) >> 32, num // den)


def test_round_half_even_is_pythons_round() -> None:
    reciprocal = K.reciprocals(200)
    for cops in range(0, 200):
        for actives in range(1, 200):
            assert K._round_half_even(cops, actives, reciprocal) == round(cops / actives), (
                cops, actives)


@pytest.mark.parametrize(("rule", "cops", "actives", "x"), [
    ("round", 3, 2, 2), ("round", 5, 2, 2), ("round", 1, 2, 0), ("round", 7, 5, 1),
    ("floor", 3, 2, 1), ("floor", 1, 2, 0), ("floor", 9, 4, 2),
    ("ratio", 3, 2, 1.5), ("ratio", 1, 3, 1 / 3),
])
def test_arrest_probability_rules(rule: str, cops: int, actives: int, x: float) -> None:
    scenario = CivilViolenceScenario(arrest_rule=rule)
    code = {"round": K.RULE_ROUND, "floor": K.RULE_FLOOR, "ratio": K.RULE_RATIO}[rule]
    p = K._arrest_probability(cops, actives, code, 2.3, arrest_probability_table(scenario),
                              K.reciprocals(10))
    assert p == pytest.approx(1 - math.exp(-2.3 * x), rel=1e-15)


def test_probability_table_is_mesas_expression() -> None:
    table = arrest_probability_table(CivilViolenceScenario(citizen_vision=7))
    assert len(table) == 2 * 7 * 8 + 2  # every cops count a vision can hold
    assert table[0] == 0.0
    assert all(table[x] == 1 - math.exp(-1 * 2.3 * x) for x in range(len(table)))


def _check_world(world: World) -> None:
    """Agents on distinct cells, the occupancy grid, the cell codes and their halo agree."""
    sc, a = world.scenario, world.agents
    cells = a.y.astype(np.int64) * sc.width + a.x
    assert len(np.unique(cells)) == world.n_agents  # no two agents share a cell
    assert ((a.x >= 0) & (a.x < sc.width) & (a.y >= 0) & (a.y < sc.height)).all()
    np.testing.assert_array_equal(world.occ[cells], np.arange(world.n_agents))
    assert (world.occ >= 0).sum() == world.n_agents
    expected = np.full(sc.width * sc.height, K.EMPTY_CODE)
    expected[cells[: world.n_citizens]] = K.CODE_OF_STATE[a.state[: world.n_citizens]]
    expected[cells[world.n_citizens:]] = K.COP_CODE
    np.testing.assert_array_equal(world.grid_codes().ravel(), expected)
    np.testing.assert_array_equal(world.padded_codes(),
                                  np.pad(world.grid_codes(), world.pad, mode="wrap"))
    citizens = slice(0, world.n_citizens)
    assert set(np.unique(a.state[citizens])) <= {K.QUIET, K.ACTIVE, K.JAILED}
    assert (a.state[world.n_citizens:] == K.NOT_A_CITIZEN).all()
    assert ((a.jail >= 0) & (a.jail <= sc.max_jail_term)).all()
    assert (a.jail[a.state != K.JAILED] == 0).all()  # a term is served before release


@pytest.mark.parametrize("changes", [
    {"width": 23, "height": 17, "legitimacy": 0.4, "max_jail_term": 9, "steps": 60},
    {"width": 23, "height": 17, "legitimacy": 0.4, "max_jail_term": 9, "steps": 60,
     "activation": "synchronous"},
    {"width": 64, "height": 41, "cop_density": 0.02, "legitimacy": 0.6, "steps": 30},
])
def test_world_invariants_hold_after_runs(changes: dict) -> None:
    scenario = CivilViolenceScenario(**changes)
    world, recorder, _ = run_world(scenario, seed=4)
    _check_world(world)
    totals = recorder.counts[:, 0].sum(axis=1)
    assert (totals == world.n_citizens).all()  # citizens neither appear nor vanish
    assert recorder.counts[:, 0, K.ACTIVE].max() > 0


def test_with_no_jail_time_the_jailed_are_out_at_their_next_turn() -> None:
    scenario = CivilViolenceScenario(**{**BUSY, "max_jail_term": 0, "steps": 80})
    result = simulate(scenario, seed=2)
    jailed = counts_by_step(result)["jailed"]
    events = result.events
    arrested = (events[events["event"] == "arrested"].groupby("step")["agents"].sum()
                .reindex(jailed.index, fill_value=0))
    # whoever is jailed at the end of step t was arrested during step t, after its own turn
    assert (jailed <= arrested).all() and arrested.sum() > 50


def test_without_movement_nobody_moves() -> None:
    scenario = CivilViolenceScenario(**{**BUSY, "movement": False})
    from desertion.civil_violence import model
    from desertion.engine.streams import Streams

    start = model.build_world(scenario, Streams(8))
    world, recorder, _ = run_world(scenario, seed=8)
    np.testing.assert_array_equal(world.agents.x, start.agents.x)
    np.testing.assert_array_equal(world.agents.y, start.agents.y)
    assert recorder.counts[:, 0, K.JAILED].max() > 0


def test_portable_build_without_pdep_runs_the_same(tmp_path) -> None:
    """Compiled for a generic CPU (no PDEP: the bit-by-bit fallback picks cells), a run is the
    same, bit for bit."""
    import json
    import os
    import subprocess
    import sys

    script = (
        "import json\n"
        "from desertion.civil_violence import CivilViolenceScenario, kernel\n"
        "from desertion.civil_violence.model import run_world\n"
        f"scenario = CivilViolenceScenario(**{BUSY!r})\n"
        "world, recorder, _ = run_world(scenario, seed=3)\n"
        "print(json.dumps([kernel.HAS_PDEP, recorder.counts[:, 0].tolist(),"
        " world.agents.x.tolist()]))\n")
    env = {**os.environ, "NUMBA_CPU_NAME": "generic", "NUMBA_CACHE_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, check=True)
    has_pdep, counts, xs = json.loads(done.stdout)
    world, recorder, _ = run_world(CivilViolenceScenario(**BUSY), seed=3)
    assert has_pdep is False
    assert counts == recorder.counts[:, 0].tolist() and xs == world.agents.x.tolist()
