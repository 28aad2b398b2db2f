"""The daily schedule of the manpower model (docs/ODD.md, "Process overview and scheduling").

One call of ``Manpower.step`` is one day:

1. policy switches scheduled for the day take effect            (mechanism 15)
2. prison terms that end release their men back to duty        (mechanism 9)
3. combat kills fighters on duty                                (mechanism 10)
4. fighters weigh their lot and serve, shirk or try to leave    (mechanisms 1-8)
5. leavers are stopped or escape; the caught are sanctioned     (mechanisms 8, 9, 3, 4)
6. military police catch shirkers; code violations, mistakes    (mechanism 9)
7. allied militias withdraw                                     (mechanism 13)
8. volunteers join                                              (mechanism 11)
9. call-ups and sweeps; civilians report, hide or flee          (mechanisms 11, 12)
10. men in hiding reconsider flight, or return under amnesty    (mechanisms 12, 14)
11. factions adapt their policy to what they saw                (mechanism 15)
12. memories fade; the day's census is taken

Mechanisms are functions over arrays (``desertion.manpower.mechanisms``); this module only
gathers their inputs from the columns, calls them, and applies and records the transitions.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from desertion.engine.recorder import NOWHERE, Recorder
from desertion.engine.sampling import bernoulli_indices
from desertion.engine.streams import Streams
from desertion.manpower.codes import (
    CHANNEL_LABELS,
    ENTRY_LABELS,
    OFFENCE_LABELS,
    ORIGIN_LABELS,
    STATUS_LABELS,
    Channel,
    Entry,
    Offence,
    Origin,
    Sanction,
    Status,
)
from desertion.manpower.compile import Compiled
from desertion.manpower.mechanisms import (
    amnesty,
    attrition,
    capture_risk,
    contagion,
    decision,
    deterrence,
    disaffection,
    enforcement,
    evasion,
    exits,
    fear_trigger,
    policy,
    recruitment,
    sanctions,
    withdrawal,
)
from desertion.manpower.scenario import PolicyChange
from desertion.manpower.state import State, draw_ties, initial_state

SANCTION_EVENTS = {Sanction.NONE: "released", Sanction.FINE: "fined",
                   Sanction.DISMISSAL: "dismissed", Sanction.PRISON: "jailed",
                   Sanction.EXECUTION: "executed"}
MISTAKEN = "mistaken"  # detail of punishments of innocents


def _spread(values: np.ndarray, rows: np.ndarray, n: int, fill: float) -> np.ndarray:
    """An array of length ``n`` holding ``values`` at ``rows`` and ``fill`` elsewhere."""
    out = np.full(n, fill, dtype=values.dtype)
    out[rows] = values
    return out


class Manpower:
    """One run of the manpower model: its state, its random streams and its recorder."""

    def __init__(self, compiled: Compiled, seed: int) -> None:
        self.c = compiled
        self.m = compiled.scenario.mechanisms
        self.streams = Streams(seed)
        self.state: State = initial_state(compiled, self.streams["setup"])
        self.people = self.state.people
        self.units = self.state.units
        self.day = 0
        # set at the start of each day, read by later phases of the same day
        self.strength = self.state.start_strength.copy()  # in the ranks, by faction
        self.on_duty = np.empty(0, dtype=np.int64)
        self.comrades: dict[int, np.ndarray] = {}  # on duty this morning, by faction
        self.shirkers_at_risk = (self.on_duty, np.empty(0))  # men weighed, their capture
        self.policy_log: list[dict[str, object]] = []  # every policy change, for run.json
        self.recorder = Recorder(
            n_steps=compiled.n_days, start=compiled.scenario.start,
            axes={"faction": compiled.factions.ids, "origin": ORIGIN_LABELS},
            states=STATUS_LABELS, scale=compiled.scale)
        self.recorder.census(0, self.people.group, self.people.status)

    # -- bookkeeping ---------------------------------------------------------------------
    @property
    def row(self) -> int:
        """The recorder's row for today (row 0 is the eve of the first day)."""
        return self.day + 1

    def record(self, event: str, idx: np.ndarray, detail: str = "") -> None:
        """An event that changes no status (an attempt, a fine)."""
        self.recorder.event(self.row, event, self.people.group[idx], detail=detail)

    def move(self, idx: np.ndarray, to: int | np.ndarray, event: str, detail: str = "") -> None:
        """Move agents ``idx`` to status ``to``, recording the event for each (from, to)."""
        if len(idx) == 0:
            return
        status = self.people.status
        old = status[idx]
        new = np.broadcast_to(np.asarray(to, dtype=np.uint8), idx.shape)
        pair = old.astype(np.int64) * 16 + new
        group = self.people.group[idx]
        for key in np.unique(pair):
            sel = pair == key
            self.recorder.event(self.row, event, group[sel], detail=detail,
                                from_state=int(key // 16), to_state=int(key % 16))
        status[idx] = new

    def in_ranks(self) -> np.ndarray:
        """Rows of men serving, shirking or jailed (statuses 1-3) in one pass."""
        return np.flatnonzero(self.people.status - np.uint8(1) < 3)

    # -- the day -------------------------------------------------------------------------
    def step(self) -> None:
        d = self.day
        self.apply_policy_switches()
        ranks = self.in_ranks()
        self.strength = np.bincount(self.people.faction[ranks],
                                    minlength=self.c.factions.n).astype(float)
        self.release_from_prison(ranks)
        on_duty = ranks[self.people.status[ranks] != Status.JAILED]
        self.combat_attrition(on_duty)
        on_duty = on_duty[self.people.status[on_duty] != Status.KILLED]
        self.comrades = {}
        self.on_duty = on_duty
        exits_today = self.weigh_and_act(on_duty)
        self.enforce(on_duty)
        self.withdraw_militias(on_duty)
        self.recruit_volunteers()
        self.draft_civilians()
        self.reconsider_hiding()
        ranks = self.in_ranks()
        strength = np.bincount(self.people.faction[ranks], minlength=self.c.factions.n)
        shirking = np.bincount(self.people.faction[ranks],
                               weights=self.people.status[ranks] == Status.SHIRKING,
                               minlength=self.c.factions.n)
        self.state.strength_history[d] = strength
        self.state.exit_history[d] = exits_today
        self.state.shirking_history[d] = shirking
        self.adapt_policy()
        self.fade_memories()
        self.recorder.census(self.row, self.people.group, self.people.status)
        self.day += 1

    # 1. scheduled policy switches ----------------------------------------------------------
    def apply_policy_switches(self) -> None:
        for f, change in self.c.calendar.policy_switches.get(self.day, []):
            self.change_policy(f, change, "scheduled")

    def change_policy(self, f: int, change: PolicyChange, cause: str) -> None:
        self.c.policy.apply(f, change, self.c.scale)
        date = self.c.scenario.start + dt.timedelta(days=self.day)
        self.policy_log.append({"date": date.isoformat(), "faction": self.c.factions.ids[f],
                                "cause": cause,
                                "set": change.model_dump(mode="json", exclude_none=True)})

    # 2. prison --------------------------------------------------------------------------
    def release_from_prison(self, ranks: np.ndarray) -> None:
        p = self.people
        jailed = ranks[p.status[ranks] == Status.JAILED]
        done = jailed[p.release_day[jailed] <= self.day]
        self.move(done, Status.SERVING, "released", "prison")

    # 3. combat ---------------------------------------------------------------------------
    def combat_attrition(self, on_duty: np.ndarray) -> None:
        p, cal, d = self.people, self.c.calendar, self.day
        serving = on_duty[p.status[on_duty] == Status.SERVING]
        f = p.faction[serving]
        risk = attrition.death_probability(self.c.factions.combat_death_rate[f],
                                           cal.combat[f, d], cal.airstrikes[f, d],
                                           self.m.attrition.airstrike_lethality)
        killed = serving[self.streams["attrition"].random(len(serving)) < risk]
        self.units.recent_casualties += np.bincount(p.unit[killed],
                                                    minlength=len(self.units.faction))
        self.move(killed, Status.KILLED, "killed")

    # 4-5. the fighters' decision and its outcome -------------------------------------------
    def weigh_and_act(self, on_duty: np.ndarray) -> np.ndarray:
        """Mechanisms 1-8 for every man on duty; returns attempts to leave per faction.

        Factions are weighed one after another so that their parameters enter as numbers
        (no per-agent gathers); the outcomes are then applied for all at once.
        """
        p, n_factions = self.people, self.c.factions.n
        faction = p.faction[on_duty]
        parts = [self.weigh(on_duty[faction == f], int(f))
                 for f in range(n_factions) if (faction == f).any()]
        men = np.concatenate([part[0] for part in parts]) if parts else on_duty[:0]
        action, channel, stop_chance, shirk_capture = (
            np.concatenate([part[i] for part in parts]) if parts else np.empty(0)
            for i in range(1, 5))
        shirking = p.status[men] == Status.SHIRKING
        self.move(men[(action == decision.SHIRK) & ~shirking], Status.SHIRKING, "shirked")
        self.move(men[(action == decision.SERVE) & shirking], Status.SERVING,
                  "returned_to_duty")
        self.shirkers_at_risk = (men, shirk_capture)  # for enforcement, step 6
        leave = action == decision.EXIT
        self.attempt_exits(men[leave], channel[leave].astype(np.intp), stop_chance[leave])
        return np.bincount(p.faction[men[leave]], minlength=n_factions)

    def weigh(self, men: np.ndarray, f: int) -> tuple[np.ndarray, ...]:
        """Mechanisms 1-8 for faction ``f``'s men on duty: what each does today.

        Returns the men, their action, chosen channel, chance of being stopped on it, and
        their daily chance of being caught if they shirk.
        """
        p, fp, pol, cal, m, d = (self.people, self.c.factions, self.c.policy,
                                 self.c.calendar, self.m, self.day)
        units = self.units
        u = p.unit[men]
        foreign = p.origin[men] == Origin.FOREIGN
        members = np.bincount(u, minlength=len(units.faction))
        per_member = 1.0 / np.maximum(members[u], 1)

        # 1. disaffection, with hardship following its drivers
        drivers = disaffection.hardship_drivers(
            fp.base_hardship[f], units.recent_casualties[u] * per_member,
            cal.airstrikes[f, d], cal.winter[f, d], cal.pay[f, d], cal.momentum[f, d],
            units.recent_mistaken[u] * per_member,
            **m.disaffection.model_dump(exclude={"lag_days"}))
        hardship = disaffection.update_hardship(p.hardship[men], drivers,
                                                m.disaffection.lag_days)
        p.hardship[men] = hardship
        grievance = disaffection.disaffection(hardship, p.commitment[men])

        # 5. contagion from recent exits in his unit and among his ties
        if p.ties.shape[1]:
            ties = p.ties[men]
            tie_share = contagion.tie_exit_share(ties, p.exit_day[np.maximum(ties, 0)], d,
                                                 m.contagion.memory_days)
        else:
            tie_share = np.zeros(len(men))
        spread = contagion.contagion(units.recent_exits[u] * per_member, tie_share,
                                     unit_weight=m.contagion.unit_weight,
                                     tie_weight=m.contagion.tie_weight)

        # 6. fear trigger: danger turns disaffection into action
        danger = fear_trigger.danger(cal.combat[f, d], cal.airstrikes[f, d])
        push = fear_trigger.triggered(grievance, danger, m.fear.danger_weight) + spread

        # 7. (first part) today's mood: a man whose push, before any cost, stays under both
        # bars serves today whatever the risks, because the cost of shirking is never
        # negative and the inclusive cost of leaving never below -noise * log(channels);
        # only the others weigh the ways out (exact, and much cheaper)
        threshold = p.threshold[men]
        noise = decision.logistic_noise(self.streams["decision"], len(men), m.decision.noise)
        lowest_exit_cost = -m.decision.noise * np.log(exits.N_CHANNELS)
        weighing = push + noise > np.minimum(m.decision.shirk_ratio * threshold,
                                             threshold + lowest_exit_cost)

        # 8. channels open to him and their barriers
        ban = bool(cal.travel_ban[f, d] or pol.travel_ban[f])
        can_defect = fp.defect_target[f] >= 0
        local_barriers = [fp.barrier_hide[f], fp.barrier_abroad[f] + ban * fp.barrier_travel_ban[f]]
        foreign_barriers = [fp.barrier_home[f]]
        if can_defect:
            local_barriers.append(fp.barrier_defect[f])
            foreign_barriers.append(fp.barrier_defect[f])
        lowest_barrier = np.where(foreign, min(foreign_barriers), min(local_barriers))

        # 2. capture risk: enforcers over those preparing to leave, himself included
        preparing = push - lowest_barrier > threshold
        leaving = np.bincount(u[preparing], minlength=len(members))[u] + ~preparing

        # from here on, only the men who weigh leaving or shirking
        w = np.flatnonzero(weighing)
        uw, foreign_w, spread_w = u[w], foreign[w], spread[w]
        enforcers = capture_risk.enforcers_per_unit(members[uw], fp.watchers_per_unit[f],
                                                    pol.military_police_share[f])
        capture = capture_risk.capture_probability(enforcers, leaving[w], m.capture.k,
                                                   m.capture.rule)
        barriers = exits.channel_barriers(
            foreign_w, can_defect, fp.barrier_hide[f], fp.barrier_abroad[f],
            fp.barrier_home[f], fp.barrier_defect[f], ban, fp.barrier_travel_ban[f])
        checkpoints = exits.channel_checkpoints(foreign_w, pol.checkpoint[f],
                                                fp.foreign_visibility[f], ban,
                                                fp.travel_ban_checkpoint[f])
        exposure = np.array([m.capture.hide_exposure, 1.0, 1.0, 1.0])
        stopped = exits.interception(capture[:, None], exposure, checkpoints)

        # 4. deterrence by example, and contagion's emboldening, shape perceived risk
        fear = self.state.public_fear[f] + units.fear[uw]
        perceived = contagion.emboldened_risk(
            deterrence.perceived_risk(stopped, fear[:, None]), spread_w[:, None],
            m.contagion.risk_discount)

        # 3. expected cost of each channel and of shirking
        severity = self.severity(pol.sanction[f], pol.prison_days[f])
        risk_aversion = p.risk_aversion[men[w]]
        costs = sanctions.expected_cost(risk_aversion[:, None], perceived,
                                        severity[Offence.DESERTION]) + barriers
        channel, exit_cost = exits.channel_choice(self.streams["channels"], costs,
                                                  m.decision.noise)
        shirk_capture = capture * fp.shirker_detection[f]
        shirk_risk = contagion.emboldened_risk(deterrence.perceived_risk(shirk_capture, fear),
                                               spread_w, m.contagion.risk_discount)
        shirk_cost = sanctions.expected_cost(risk_aversion, shirk_risk,
                                             severity[Offence.SHIRKING])
        chosen = channel[:, None]
        p.perceived_risk[men[w]] = np.take_along_axis(perceived, chosen, 1)[:, 0]

        # 7. decision
        action = decision.decide(push[w], exit_cost, shirk_cost, threshold[w],
                                 m.decision.shirk_ratio, noise[w])
        everyone = np.full(len(men), decision.SERVE, dtype=np.int8)
        everyone[w] = action
        return (men, everyone, _spread(channel, w, len(men), 0),
                _spread(np.take_along_axis(stopped, chosen, 1)[:, 0], w, len(men), 0.0),
                _spread(shirk_capture, w, len(men), 0.0))

    def severity(self, sanction: np.ndarray, prison_days: np.ndarray) -> np.ndarray:
        s = self.m.severity
        return sanctions.severity(sanction, prison_days[..., None] if sanction.ndim == 2
                                  else prison_days, execution=s.execution,
                                  prison_per_year=s.prison_per_year, fine=s.fine,
                                  dismissal=s.dismissal)

    def attempt_exits(self, leavers: np.ndarray, channel: np.ndarray, stop_chance: np.ndarray
                      ) -> None:
        """Mechanism 8: each leaver is stopped (and sanctioned) or escapes by his channel."""
        p = self.people
        for c in Channel:
            self.record("attempted", leavers[channel == c], CHANNEL_LABELS[c])
        p.exit_day[leavers] = self.day
        self.units.recent_exits += np.bincount(p.unit[leavers],
                                               minlength=len(self.units.faction))
        stopped = self.streams["exits"].random(len(leavers)) < stop_chance
        for c in Channel:
            self.record("caught", leavers[stopped & (channel == c)], CHANNEL_LABELS[c])
        self.punish(leavers[stopped], Offence.DESERTION)
        escaped, channel = leavers[~stopped], channel[~stopped]
        self.move(escaped[channel == Channel.HIDE], Status.HIDING, "escaped", "hide")
        self.move(escaped[channel == Channel.ABROAD], Status.ABROAD, "escaped", "abroad")
        self.move(escaped[channel == Channel.HOME], Status.RETURNED, "escaped", "home")
        self.defect(escaped[channel == Channel.DEFECT])

    def defect(self, defectors: np.ndarray) -> None:
        """Defectors leave one faction's books and join the faction that takes them."""
        p, fp = self.people, self.c.factions
        source = p.faction[defectors]
        for f in np.unique(source):
            men = defectors[source == f]
            target = int(fp.defect_target[f])
            old = p.status[men]
            for s in np.unique(old):
                self.recorder.event(self.row, "defected", p.group[men[old == s]],
                                    detail=fp.ids[target], from_state=int(s),
                                    to_state=NOWHERE)
            p.faction[men] = target
            p.group[men] = 2 * target + p.origin[men]
            p.status[men] = Status.SERVING
            self.recorder.event(self.row, "joined", p.group[men], detail="defector",
                                from_state=NOWHERE, to_state=Status.SERVING)
            self.place_in_units(men, target)

    def punish(self, men: np.ndarray, offence: Offence, detail: str | None = None) -> None:
        """Mechanism 9: each caught man gets his faction's sanction for the offence."""
        if len(men) == 0:
            return
        p, pol, d = self.people, self.c.policy, self.day
        f = p.faction[men].astype(np.intp)
        sanction = pol.sanction[f, offence]
        outcome = enforcement.sanction_outcome(sanction)
        label = detail or OFFENCE_LABELS[offence]
        for s in np.unique(sanction):
            sel = sanction == s
            self.move(men[sel], outcome[sel], SANCTION_EVENTS[Sanction(s)], label)
        jailed = sanction == Sanction.PRISON
        p.release_day[men[jailed]] = d + pol.prison_days[f[jailed]]
        # 4. examples: public executions reach the faction, the rest only the unit
        dt = self.m.deterrence
        executed = sanction == Sanction.EXECUTION
        public = executed & (self.streams["enforcement"].random(len(men)) < pol.publicity[f])
        n_public = np.bincount(f[public], minlength=self.c.factions.n)
        self.state.public_fear += deterrence.public_fear(n_public, self.strength,
                                                         dt.public_weight)
        n_units = len(self.units.faction)
        self.units.fear += (dt.private_weight
                            * np.bincount(p.unit[men[executed & ~public]], minlength=n_units)
                            + dt.prison_weight * np.bincount(p.unit[men[jailed]],
                                                             minlength=n_units))

    # 6. enforcement beyond the leavers --------------------------------------------------------
    def enforce(self, on_duty: np.ndarray) -> None:
        p, fp, pol = self.people, self.c.factions, self.c.policy
        rng = self.streams["enforcement"]
        men, capture = self.shirkers_at_risk
        shirkers = men[(p.status[men] == Status.SHIRKING)
                       & (rng.random(len(men)) < capture)]
        self.record("caught", shirkers, "shirking")
        self.punish(shirkers, Offence.SHIRKING)

        serving = on_duty[p.status[on_duty] == Status.SERVING]
        f = p.faction[serving]
        draw = rng.random(len(serving))
        code = fp.code_violation_rate[f]
        mistaken = enforcement.mistaken_rate_per_fighter(fp.mistaken_rate[f],
                                                         pol.military_police_share[f])
        self.punish(serving[draw < code], Offence.CODE)
        innocents = serving[(draw >= code) & (draw < code + mistaken)]
        self.units.recent_mistaken += np.bincount(p.unit[innocents],
                                                  minlength=len(self.units.faction))
        self.punish(innocents, Offence.DESERTION, MISTAKEN)

    # 7. allied withdrawal -----------------------------------------------------------------
    def withdraw_militias(self, on_duty: np.ndarray) -> None:
        hazard = self.c.calendar.withdrawal_hazard[:, self.day]
        if not hazard.any():
            return
        p = self.people
        men = on_duty[np.isin(p.status[on_duty], (Status.SERVING, Status.SHIRKING))]
        leave = self.streams["withdrawal"].random(len(men)) < hazard[p.faction[men]]
        self.move(men[leave], Status.RETURNED, "withdrew")

    # 8. volunteers ------------------------------------------------------------------------
    def recruit_volunteers(self) -> None:
        fp, cal, d = self.c.factions, self.c.calendar, self.day
        rng = self.streams["recruitment"]
        momentum = cal.momentum[:, d]
        local = rng.poisson(recruitment.volunteer_rate(fp.local_volunteers_per_day, momentum,
                                                       fp.momentum_elasticity))
        foreign = rng.poisson(recruitment.volunteer_rate(fp.foreign_volunteers_per_day,
                                                         momentum, fp.momentum_elasticity))
        for f in np.flatnonzero(local + foreign):
            for origin, n, entry, commitment in (
                    (Origin.LOCAL, local[f], Entry.VOLUNTEER, fp.volunteer_commitment[f]),
                    (Origin.FOREIGN, foreign[f], Entry.FOREIGN_VOLUNTEER,
                     fp.foreign_volunteer_commitment[f])):
                if n:
                    self.add_fighters(int(f), int(n), origin, entry,
                                      recruitment.beta_draw(rng, *commitment, int(n)))

    def add_fighters(self, f: int, n: int, origin: Origin, entry: Entry,
                     commitment: np.ndarray) -> None:
        """New agents join faction ``f`` from outside the simulated population."""
        m, rng = self.m, self.streams["recruitment"]
        rows = self.people.append(
            n, status=Status.SERVING, faction=f, origin=origin, entry=entry,
            group=2 * f + origin, draft_eligible=origin == Origin.LOCAL, commitment=commitment,
            risk_aversion=recruitment.beta_draw(rng, m.decision.risk_aversion.mean,
                                                m.decision.risk_aversion.sd, n),
            hardship=self.c.factions.base_hardship[f],
            threshold=recruitment.beta_draw(rng, m.decision.threshold.mean,
                                            m.decision.threshold.sd, n),
            joined_day=self.day)
        men = np.arange(rows.start, rows.stop)
        self.recorder.event(self.row, "joined", self.people.group[men],
                            detail=ENTRY_LABELS[entry], to_state=Status.SERVING)
        self.place_in_units(men, f)

    def place_in_units(self, men: np.ndarray, f: int) -> None:
        """Put newcomers in random units of faction ``f`` and tie them to its fighters."""
        p, rng = self.people, self.streams["recruitment"]
        units = np.flatnonzero(self.units.faction == f)
        if len(units) == 0:
            units = self.units.add(f, 1)
        p.unit[men] = units[rng.integers(0, len(units), len(men))]
        p.joined_day[men] = self.day
        width = p.ties.shape[1]
        if width:
            comrades = self.comrades.get(f)
            if comrades is None:  # the faction's men on duty this morning
                comrades = self.comrades[f] = self.on_duty[p.faction[self.on_duty] == f]
            p.ties[men] = draw_ties(rng, comrades, len(men),
                                    int(self.c.factions.ties_per_fighter[f]), width)

    # 9. conscription and evasion ------------------------------------------------------------
    def draft_civilians(self) -> None:
        p, fp, pol, cal, d = (self.people, self.c.factions, self.c.policy, self.c.calendar,
                              self.day)
        gap = withdrawal.side_gap(self.strength, self.state.start_strength, fp.side)
        rng = self.streams["draft"]
        for f, first, end in self.state.civilian_blocks:
            group = 2 * f + Origin.LOCAL
            at_home = max(int(self.recorder.counts[self.day, group, Status.CIVILIAN]), 1)
            notices = rng.poisson(recruitment.callups(pol.callups_per_day[f],
                                                      cal.callup_quota[f, d], gap[f],
                                                      fp.gap_response[f]))
            sweep = rng.poisson(pol.sweep_per_day[f] + cal.sweep_quota[f, d])
            pressure = (notices + sweep) / at_home
            called = self.sample_civilians(rng, first, end, notices, at_home)
            self.evade(called, f, drafted=np.ones(len(called)), pressure=pressure,
                       detail="callup")
            rate = min(1.0, self.m.evasion.consider_rate
                       + self.m.evasion.pressure_weight * pressure)
            thinking = first + bernoulli_indices(rng, end - first, rate)
            thinking = thinking[p.status[thinking] == Status.CIVILIAN]
            drafted = evasion.draft_chance(np.full(len(thinking), pressure),
                                           self.m.evasion.horizon_days)
            self.evade(thinking, f, drafted=drafted,
                       pressure=pressure, detail="pressure")
            if sweep:
                self.sweep(f, sweep)

    def sample_civilians(self, rng: np.random.Generator, first: int, end: int, k: int,
                         at_home: int) -> np.ndarray:
        """``k`` distinct random civilians still at home in rows [first, end)."""
        if k <= 0 or end <= first:
            return np.empty(0, dtype=np.int64)
        share_home = at_home / (end - first)
        draws = first + rng.integers(0, end - first, int(1.2 * k / max(share_home, 1e-3)) + 8)
        _, first_seen = np.unique(draws, return_index=True)
        draws = draws[np.sort(first_seen)]  # distinct, in random order
        return draws[self.people.status[draws] == Status.CIVILIAN][:k]

    def hiding_costs(self, men: np.ndarray, f: int | np.ndarray, drafted: np.ndarray,
                     pressure: float | np.ndarray) -> np.ndarray:
        """Mechanism 12's costs of staying, hiding and fleeing for ``men``."""
        p, fp, pol, cal, ev, d = (self.people, self.c.factions, self.c.policy,
                                  self.c.calendar, self.m.evasion, self.day)
        f = np.broadcast_to(np.asarray(f, dtype=np.intp), men.shape)
        severity = self.severity(pol.sanction[f], pol.prison_days[f])
        deserter = p.entry[men] != Entry.NONE
        caught_severity = np.where(deserter, severity[:, Offence.DESERTION],
                                   severity[:, Offence.EVASION])
        employee_penalty = (p.state_employee[men] & cal.employee_sanctions[f, d]) * (
            self.m.severity.dismissal + self.m.severity.fine)
        ban = cal.travel_ban[f, d] | pol.travel_ban[f]
        border = np.minimum(1.0, pol.checkpoint[f] + ban * fp.travel_ban_checkpoint[f])
        service = evasion.service_cost(p.commitment[men],
                                       fear_trigger.danger(cal.combat[f, d],
                                                           cal.airstrikes[f, d]),
                                       ev.service_cost)
        sweep_chance = ev.hiding_detection * evasion.draft_chance(
            np.broadcast_to(pressure, men.shape), ev.horizon_days)
        return evasion.choice_costs(
            service, drafted, p.risk_aversion[men], sweep_chance, employee_penalty, border,
            caught_severity, hide_barrier=ev.hide_barrier,
            abroad_barrier=ev.abroad_barrier + ban * fp.barrier_travel_ban[f])

    def evade(self, men: np.ndarray, f: int, drafted: np.ndarray, pressure: float,
              detail: str) -> None:
        """Civilians choose: stay (report if called), hide, or flee abroad."""
        if len(men) == 0:
            return
        costs = self.hiding_costs(men, f, drafted, pressure)
        choice = evasion.logit_choice(self.streams["draft"], costs, self.m.evasion.noise)
        hide = men[choice == evasion.HIDE]
        self.move(hide, Status.HIDING, "went_into_hiding", detail)
        if self.c.calendar.employee_sanctions[f, self.day]:
            self.record("dismissed", hide[self.people.state_employee[hide]], "evasion")
        self.move(men[choice == evasion.FLEE], Status.ABROAD, "fled_abroad", detail)
        if detail == "callup":
            self.conscript(men[choice == evasion.STAY], f, Entry.CONSCRIPT,
                           self.c.factions.conscript_commitment_factor[f], "callup")

    def conscript(self, men: np.ndarray, f: int, entry: Entry, commitment_factor: float,
                  detail: str) -> None:
        if len(men) == 0:
            return
        p = self.people
        p.commitment[men] *= commitment_factor
        p.entry[men] = entry
        p.faction[men] = f
        p.group[men] = 2 * f + p.origin[men]
        self.move(men, Status.SERVING, "conscripted" if entry == Entry.CONSCRIPT
                  else "dragooned", detail)
        self.place_in_units(men, f)

    def sweep(self, f: int, quota: int) -> None:
        """Mechanism 11: a sweep takes men at home and, less easily, men in hiding.

        Each man at home is taken with chance ``quota / exposure`` and each man in hiding
        with that times ``hiding_detection``, where exposure counts the men at home plus the
        men in hiding weighted by detection (yesterday's census). Drawn sparsely: the cost
        grows with the quota, not with the population.
        """
        p, rng = self.people, self.streams["draft"]
        detection = self.m.evasion.hiding_detection
        census = self.recorder.counts[self.day]
        at_home = census[2 * f + Origin.LOCAL, Status.CIVILIAN]
        hiding = census[[2 * f + Origin.LOCAL, 2 * f + Origin.FOREIGN], Status.HIDING].sum()
        rate = min(1.0, quota / max(at_home + detection * hiding, 1.0))
        rows = bernoulli_indices(rng, len(p), rate)
        status, mine = p.status[rows], p.faction[rows] == f
        home = mine & (status == Status.CIVILIAN) & p.draft_eligible[rows]
        found = mine & (status == Status.HIDING) & (rng.random(len(rows)) < detection)
        taken = rows[home | found]
        deserters = taken[p.entry[taken] != Entry.NONE]
        self.record("caught", deserters, "sweep")
        self.punish(deserters, Offence.DESERTION)
        evaders = taken[found[home | found] & (p.entry[taken] == Entry.NONE)]
        self.conscript(taken[p.entry[taken] == Entry.NONE], f, Entry.DRAGOONED,
                       self.c.factions.dragooned_commitment_factor[f], "sweep")
        self.punish(evaders, Offence.EVASION)  # dragooned, and sanctioned for hiding

    # 10. men in hiding --------------------------------------------------------------------
    def reconsider_hiding(self) -> None:
        p, cal, d = self.people, self.c.calendar, self.day
        rng = self.streams["hiding"]
        n = len(p)
        # flight abroad from hiding: a sparse sample of everyone, kept if in hiding
        men = bernoulli_indices(rng, n, self.m.evasion.hide_to_abroad_rate)
        men = men[p.status[men] == Status.HIDING]
        if len(men):
            f = p.faction[men].astype(np.intp)
            costs = self.hiding_costs(men, f, np.zeros(len(men)), 0.0)
            costs[:, evasion.STAY] = np.inf  # a man in hiding cannot simply go home
            choice = evasion.logit_choice(rng, costs, self.m.evasion.noise)
            self.move(men[choice == evasion.FLEE], Status.ABROAD, "fled_abroad", "hiding")
        # 14. amnesty: deserters in hiding may come back without sanction
        rate = cal.amnesty_rate[:, d]
        if rate.any():
            men = bernoulli_indices(rng, n, float(rate.max()))
            men = men[(p.status[men] == Status.HIDING) & (p.entry[men] != Entry.NONE)]
            f = p.faction[men].astype(np.intp)
            keep = rng.random(len(men)) * rate.max() < rate[f]
            accept = rng.random(len(men)) < amnesty.return_probability(p.hardship[men],
                                                                       p.commitment[men])
            back = men[keep & accept]
            for faction in np.unique(p.faction[back]):
                returning = back[p.faction[back] == faction]
                self.move(returning, Status.SERVING, "returned_amnesty")
                self.place_in_units(returning, int(faction))

    # 11. adaptive policy ------------------------------------------------------------------
    def adapt_policy(self) -> None:
        st, d = self.state, self.day
        for rule in self.c.rules:
            if rule.fired and rule.rule.once:
                continue
            f, r = rule.faction, rule.rule
            window = slice(max(0, d + 1 - r.window_days), d + 1)
            match r.metric:
                case "desertion_rate":
                    value = policy.desertion_rate(st.exit_history[window, f],
                                                  st.strength_history[window, f])
                case "strength_ratio":
                    value = st.strength_history[d, f] / max(st.start_strength[f], 1.0)
                case _:  # shirking_share
                    value = st.shirking_history[d, f] / max(st.strength_history[d, f], 1.0)
            if policy.crossed(value, r.above, r.below):
                self.change_policy(f, r.set, f"rule: {r.metric} = {value:.4g}")
                rule.fired = True

    # 12. memories fade ----------------------------------------------------------------------
    def fade_memories(self) -> None:
        m, units = self.m, self.units
        keep = np.exp(-1.0 / m.contagion.memory_days)
        units.recent_exits *= keep
        units.recent_casualties *= keep
        units.recent_mistaken *= keep
        units.fear = deterrence.decay(units.fear, m.deterrence.half_life_days)
        self.state.public_fear = deterrence.decay(self.state.public_fear,
                                                  m.deterrence.half_life_days)
