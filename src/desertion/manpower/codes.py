"""Integer codes of the agents' categorical columns, and their labels in outputs."""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Status(IntEnum):
    CIVILIAN = 0   # never served, or not now: lives under a faction's conscription
    SERVING = 1
    SHIRKING = 2   # still in the ranks, not reporting for duty
    JAILED = 3
    HIDING = 4     # at home out of reach: deserters and draft evaders
    ABROAD = 5     # refugee
    RETURNED = 6   # a foreign fighter (or militiaman) back in his home country
    EXECUTED = 7
    KILLED = 8
    DEMOBILISED = 9  # left through a state's programme (surrender, amnesty, reintegration)
    CAPTURED = 10    # taken prisoner by the enemy in combat


class Origin(IntEnum):
    LOCAL = 0
    FOREIGN = 1


class Entry(IntEnum):
    NONE = 0               # a civilian who has never served
    VOLUNTEER = 1
    FOREIGN_VOLUNTEER = 2
    CONSCRIPT = 3          # answered a call-up
    DRAGOONED = 4          # taken in a sweep
    MILITIA = 5


class Channel(IntEnum):
    """Ways out of a faction (mechanism 8)."""

    HIDE = 0       # a local slips home and hides
    ABROAD = 1     # a local crosses a border as a refugee
    HOME = 2       # a foreigner crosses a border back to his own country
    DEFECT = 3     # anyone, to a faction that accepts him
    SURRENDER = 4  # anyone, to a state's demobilisation programme, where it has one


class Offence(IntEnum):
    DESERTION = 0  # caught leaving, or found in hiding after leaving
    SHIRKING = 1   # caught not reporting for duty
    CODE = 2       # violating the group's code
    EVASION = 3    # a draft evader caught


class Sanction(IntEnum):
    NONE = 0
    FINE = 1
    DISMISSAL = 2
    PRISON = 3
    EXECUTION = 4
    CORPORAL = 5   # flogging, branding, hard labour in the unit: back to duty
    REPRISAL = 6   # punishment of his family: back to duty, his unit embittered


IN_RANKS = (Status.SERVING, Status.SHIRKING, Status.JAILED)  # on a faction's books: strength
FIRST_IN_RANKS, LAST_IN_RANKS = np.uint8(Status.SERVING), np.uint8(Status.JAILED)
N_STATUSES = len(Status)
N_ORIGINS = len(Origin)
N_SANCTIONS = len(Sanction)


def in_ranks(status: np.ndarray) -> np.ndarray:
    """Which of ``status`` are in the ranks (serving, shirking or jailed: codes 1-3)."""
    return (status >= FIRST_IN_RANKS) & (status <= LAST_IN_RANKS)


def group_of(faction: int | np.ndarray, origin: int | np.ndarray) -> int | np.ndarray:
    """The recorder's group index of (faction, origin): faction-major, as its axes list them."""
    return N_ORIGINS * faction + origin


def faction_and_origin(group: int | np.ndarray) -> tuple[int | np.ndarray, int | np.ndarray]:
    """The inverse of ``group_of``."""
    return divmod(group, N_ORIGINS)


def label(code: IntEnum) -> str:
    return code.name.lower()


STATUS_LABELS = [label(s) for s in Status]
ORIGIN_LABELS = [label(o) for o in Origin]
ENTRY_LABELS = [label(e) for e in Entry]
CHANNEL_LABELS = [label(c) for c in Channel]
OFFENCE_LABELS = [label(o) for o in Offence]
IN_RANKS_LABELS = tuple(label(s) for s in IN_RANKS)  # as the output tables name them

EVENT_NAMES = ("joined", "conscripted", "dragooned", "shirked", "returned_to_duty", "caught",
               "fined", "jailed", "released", "dismissed", "attempted", "escaped",
               "executed", "killed", "defected", "withdrew", "went_into_hiding",
               "fled_abroad", "returned_amnesty", "captured", "acquitted", "beaten",
               "family_punished")
"""The event kinds a run's ``events`` table may hold (a test checks that runs of the
shipped scenarios record no other)."""
