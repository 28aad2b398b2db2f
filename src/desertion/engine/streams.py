"""Seeded random streams: one root ``SeedSequence`` per run, one named child stream per use.

A stream is keyed by its name, not by the order in which streams are requested, so adding
a mechanism (and its draws) does not shift the random numbers any other mechanism sees.
"""

from __future__ import annotations

import zlib

import numpy as np


class Streams:
    """Independent ``numpy.random.Generator`` objects derived from one seed.

    >>> streams = Streams(42)
    >>> rng = streams["enforcement"]   # the same Generator object on every call
    """

    def __init__(self, seed: int | np.random.SeedSequence) -> None:
        if not isinstance(seed, np.random.SeedSequence):
            seed = np.random.SeedSequence(seed)
        self.root = seed
        self._generators: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        rng = self._generators.get(name)
        if rng is None:
            rng = self._generators[name] = np.random.Generator(
                np.random.PCG64(self.seed_sequence(name)))
        return rng

    def fresh(self, name: str) -> np.random.Generator:
        """A new Generator on the stream ``name``, not kept: for streams used once (one per
        day, say), so that no draw of one day moves the draws of another."""
        return np.random.Generator(np.random.PCG64(self.seed_sequence(name)))

    def seed_sequence(self, name: str) -> np.random.SeedSequence:
        """The ``SeedSequence`` of the stream ``name`` (the seed of its Generator, or of a
        compiled kernel's own bit generator: see ``engine.kernel_random``)."""
        return np.random.SeedSequence(
            entropy=self.root.entropy,
            spawn_key=(*self.root.spawn_key, zlib.crc32(name.encode("utf-8"))),
        )


def spawn_seeds(root_seed: int, n: int) -> list[int]:
    """``n`` independent 63-bit integer seeds derived from ``root_seed`` by SeedSequence spawning.

    Used to give every run of an ensemble its own seed before any run is submitted, so the
    results do not depend on the order or the place in which runs execute.
    """
    children = np.random.SeedSequence(root_seed).spawn(n)
    return [int(c.generate_state(2, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]
