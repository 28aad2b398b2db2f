"""Mechanism 14. Amnesty: in a window, deserters in hiding may return without sanction;
some do: the less disaffected they are, the likelier."""

from __future__ import annotations

import numpy as np


def return_probability(hardship: np.ndarray, commitment: np.ndarray) -> np.ndarray:
    return 1.0 - hardship * (1.0 - commitment)


def accepts(rng: np.random.Generator, hardship: np.ndarray, commitment: np.ndarray
            ) -> np.ndarray:
    """Whether each man considering the amnesty accepts it. One draw per man."""
    return rng.random(len(hardship)) < return_probability(hardship, commitment)
