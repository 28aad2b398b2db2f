"""Streams: named, seeded random streams independent of request order; spawned seeds."""

from __future__ import annotations

import numpy as np

from desertion.engine.streams import Streams, spawn_seeds


def test_same_name_same_generator() -> None:
    streams = Streams(42)
    assert streams["a"] is streams["a"]


def test_streams_do_not_depend_on_request_order() -> None:
    first = Streams(42)
    a_then_b = (first["a"].random(5), first["b"].random(5))
    second = Streams(42)
    b = second["b"].random(5)
    second["zzz"].random(100)  # another mechanism's draws shift nothing
    a = second["a"].random(5)
    np.testing.assert_array_equal(a, a_then_b[0])
    np.testing.assert_array_equal(b, a_then_b[1])


def test_reproducible_and_distinct() -> None:
    x = Streams(7)["decision"].random(10)
    np.testing.assert_array_equal(x, Streams(7)["decision"].random(10))
    assert not np.array_equal(x, Streams(8)["decision"].random(10))
    assert not np.array_equal(x, Streams(7)["decisions"].random(10))


def test_named_streams_are_uncorrelated() -> None:
    streams = Streams(0)
    a, b = streams["a"].random(20_000), streams["b"].random(20_000)
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.03


def test_accepts_a_seed_sequence() -> None:
    seq = np.random.SeedSequence(5)
    np.testing.assert_array_equal(Streams(seq)["x"].random(3), Streams(5)["x"].random(3))
    child = np.random.SeedSequence(5).spawn(1)[0]
    assert not np.array_equal(Streams(child)["x"].random(3), Streams(5)["x"].random(3))


def test_spawn_seeds_deterministic_distinct_and_prefix_stable() -> None:
    seeds = spawn_seeds(123, 50)
    assert seeds == spawn_seeds(123, 50)
    assert len(set(seeds)) == 50
    assert all(isinstance(s, int) and 0 <= s < 2**63 for s in seeds)
    assert spawn_seeds(123, 10) == seeds[:10]  # adding runs does not reseed earlier ones
    assert set(spawn_seeds(124, 50)).isdisjoint(seeds)
    assert spawn_seeds(1, 0) == []


def test_spawned_seeds_give_different_streams() -> None:
    s1, s2 = spawn_seeds(9, 2)
    assert not np.array_equal(Streams(s1)["a"].random(4), Streams(s2)["a"].random(4))
