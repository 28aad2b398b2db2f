"""Mechanism 12. Draft evasion: an eligible civilian weighs the cost of being conscripted
against hiding (fines, dismissal, capture in sweeps) and fleeing abroad (barrier, travel
ban). Harsher crackdowns can push more men out of reach: the backfire the seed text
describes. The choice is a multinomial logit over the three costs (``decision.logit_choice``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from desertion.manpower.codes import Offence

if TYPE_CHECKING:
    from desertion.manpower.compile import EvasionParams

STAY, HIDE, FLEE = 0, 1, 2


def service_cost(commitment: np.ndarray, danger: np.ndarray, base: float) -> np.ndarray:
    """What serving costs a man: more the less committed he is and the more dangerous."""
    return base * (1.0 - commitment) * (1.0 + danger)


def draft_chance(daily_pressure: np.ndarray, horizon_days: float) -> np.ndarray:
    """Chance of being called or taken within the horizon at today's pressure."""
    return 1.0 - np.exp(-daily_pressure * horizon_days)


def choice_costs(service: np.ndarray, drafted: np.ndarray, risk_aversion: np.ndarray,
                 sweep_chance: np.ndarray, employee_penalty: np.ndarray,
                 flight: tuple[np.ndarray, np.ndarray], evasion_severity: np.ndarray, *,
                 hide_barrier: float, war_at_home: np.ndarray | float = 0.0) -> np.ndarray:
    """(n, 3) costs of staying (and reporting if called), hiding and fleeing abroad.

    ``drafted`` is the chance of serving if he stays (1 for a man holding a call-up);
    ``sweep_chance`` the chance a sweep finds him in hiding; ``employee_penalty`` the
    severity of dismissal and fines he faces as a state employee while in hiding;
    ``flight`` the barrier of his way out and its chance of being stopped;
    ``war_at_home`` what living in the war costs, at home or in hiding.
    """
    caught_cost = service + risk_aversion * evasion_severity
    flight_barrier, flight_stop = flight
    costs = np.empty((len(service), 3))
    costs[:, STAY] = drafted * service + war_at_home
    costs[:, HIDE] = hide_barrier + sweep_chance * caught_cost + employee_penalty + war_at_home
    costs[:, FLEE] = flight_barrier + flight_stop * caught_cost
    return costs


def way_out(abroad_barrier: float, checkpoint: np.ndarray, travel_ban: np.ndarray,
            ban_barrier: np.ndarray, ban_checkpoint: np.ndarray, smuggling: np.ndarray,
            smuggling_interception: np.ndarray, caught_cost: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """The barrier and the chance of being stopped of each man's cheaper way abroad.

    Without a ban he crosses openly (the barrier abroad, the checkpoint). A travel ban makes
    leaving dearer and riskier, it does not shut the border: the official crossing then
    costs ``ban_barrier`` more and stops ``ban_checkpoint`` more; a smuggler costs
    ``smuggling`` more and leaves ``smuggling_interception`` of the official crossing's
    stop chance, so harsher checkpoints raise the risk of both ways.
    """
    official_stop = np.minimum(1.0, checkpoint + travel_ban * ban_checkpoint)
    official = (abroad_barrier + travel_ban * ban_barrier, official_stop)
    smuggled = (abroad_barrier + smuggling, smuggling_interception * official_stop)
    smuggle = travel_ban & (smuggled[0] + smuggled[1] * caught_cost
                            < official[0] + official[1] * caught_cost)
    return (np.where(smuggle, smuggled[0], official[0]),
            np.where(smuggle, smuggled[1], official[1]))


def draft_pressure(notices: int, sweep: int, at_home: int) -> float:
    """Men called or taken today per civilian at home (yesterday's census, at least 1)."""
    return (notices + sweep) / at_home


def reconsider_rate(pressure: float, consider_rate: float, pressure_weight: float) -> float:
    """Daily chance a civilian at home weighs evasion: a base rate, more under pressure."""
    return min(1.0, consider_rate + pressure_weight * pressure)


def hiding_costs(*, commitment: np.ndarray, risk_aversion: np.ndarray, deserter: np.ndarray,
                 severity: np.ndarray, sanctioned_employee: np.ndarray,
                 employee_severity: float, danger: np.ndarray, travel_ban: np.ndarray,
                 checkpoint: np.ndarray, ban_checkpoint: np.ndarray,
                 ban_barrier: np.ndarray, smuggling: np.ndarray,
                 smuggling_interception: np.ndarray, drafted: np.ndarray,
                 pressure: float | np.ndarray, params: EvasionParams) -> np.ndarray:
    """(n, 3) costs of staying, hiding and fleeing for each man, from what he faces.

    Per man: his ``commitment`` and ``risk_aversion``; whether he served before
    (``deserter``: a caught man gets the desertion sanction, else the evasion one);
    ``severity`` (offences,) or (n, offences) of his faction's sanctions; whether he is a
    state employee under employee sanctions (who then risks ``employee_severity`` in
    hiding); his
    faction's combat ``danger``, ``travel_ban``, ``checkpoint``, the checkpoint
    (``ban_checkpoint``) and barrier (``ban_barrier``) a ban adds to the official crossing,
    the price (``smuggling``) and residual risk (``smuggling_interception``) of a smuggler;
    his chance of being ``drafted`` if he stays and today's draft ``pressure``.
    """
    caught_severity = np.where(deserter, severity[..., Offence.DESERTION],
                               severity[..., Offence.EVASION])
    employee_penalty = sanctioned_employee * employee_severity
    service = service_cost(commitment, danger, params.service_cost)
    caught_cost = service + risk_aversion * caught_severity
    flight = way_out(params.abroad_barrier, checkpoint, travel_ban, ban_barrier,
                     ban_checkpoint, smuggling, smuggling_interception, caught_cost)
    sweep_chance = params.hiding_detection * draft_chance(
        np.broadcast_to(pressure, commitment.shape), params.horizon_days)
    return choice_costs(
        service, drafted, risk_aversion, sweep_chance, employee_penalty, flight,
        caught_severity, hide_barrier=params.hide_barrier,
        war_at_home=params.home_hardship * (1.0 + danger))
