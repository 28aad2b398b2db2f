"""The same scenario and seed give the tables they gave when the digests were made.

A failure here means results changed. If that was the point of the change, regenerate the
digests (``python tests/golden/make_digests.py``) and say so in the commit message.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .cases import CASES, run_digests

SAVED = json.loads((Path(__file__).parent / "digests.json").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_tables_are_bit_identical_to_the_saved_ones(case):
    assert run_digests(case) == SAVED["runs"][case.id]


def test_every_case_has_a_saved_digest():
    assert sorted(SAVED["runs"]) == sorted(c.id for c in CASES)
