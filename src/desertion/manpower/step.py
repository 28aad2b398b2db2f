"""The daily schedule of the manpower model (docs/ODD.md, "Process overview and scheduling").

One call of ``Manpower.step`` is one day:

1. schedules write the day's values; policy switches take effect (7.16; mechanism 15)
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
The run's mutable state is its ``State`` (agents, units, the policy in force, the census
the dynamics read); the compiled scenario is only read, and the recorder only written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import NamedTuple

import numpy as np

from desertion.engine.recorder import NOWHERE, Recorder
from desertion.engine.sampling import bernoulli_indices, bernoulli_prefix_indices
from desertion.engine.streams import Streams
from desertion.manpower import passes, schedules
from desertion.manpower.codes import (
    CHANNEL_LABELS,
    ENTRY_LABELS,
    N_ORIGINS,
    OFFENCE_LABELS,
    ORIGIN_LABELS,
    STATUS_LABELS,
    Channel,
    Entry,
    Offence,
    Origin,
    Sanction,
    Status,
    group_of,
    in_ranks,
)
from desertion.manpower.compile import Compiled, PolicyUpdate
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
from desertion.manpower.scenario import MAX_AGE
from desertion.manpower.state import State, draw_ties, initial_state, within_ages

SANCTION_EVENTS = {Sanction.NONE: "released", Sanction.FINE: "fined",
                   Sanction.DISMISSAL: "dismissed", Sanction.PRISON: "jailed",
                   Sanction.EXECUTION: "executed", Sanction.CORPORAL: "beaten",
                   Sanction.REPRISAL: "family_punished"}
IN_THE_UNIT = (Sanction.PRISON, Sanction.CORPORAL, Sanction.REPRISAL)  # seen by his unit
MISTAKEN = "mistaken"  # detail of punishments of innocents
IS_FOREIGN = np.arange(N_ORIGINS) == Origin.FOREIGN  # by origin code


def _spread(values: np.ndarray, rows: np.ndarray, n: int, fill: float) -> np.ndarray:
    """An array of length ``n`` holding ``values`` at ``rows`` and ``fill`` elsewhere."""
    out = np.full(n, fill, dtype=values.dtype)
    out[rows] = values
    return out


class Perception(NamedTuple):
    """What a faction's men on duty perceive today (mechanisms 1, 2, 4-8): the inputs of
    their choice. The first arrays are over all the men (exact for those who weigh); the
    rest over ``weighing``, the men who weigh shirking and leaving (the others serve
    whatever the risks)."""

    push: np.ndarray           # (men,) disaffection after the fear trigger, plus contagion
    noise: np.ndarray          # (men,) today's logistic noise
    weighing: np.ndarray       # positions in the men of those who weigh the ways out
    threshold: np.ndarray      # (weighing,) personal threshold
    barriers: np.ndarray       # (weighing, channels) barrier of each channel, inf if closed
    stopped: np.ndarray        # (weighing, channels) chance of being stopped on each channel
    perceived: np.ndarray      # (weighing, channels) perceived risk of each channel
    shirk_capture: np.ndarray  # (weighing,) daily chance of being caught if he shirks
    shirk_risk: np.ndarray     # (weighing,) perceived risk of shirking


class Choice(NamedTuple):
    """What each man on duty does today (mechanism 7): ``action`` over all the men, the
    rest over ``weighing`` (the others serve, and are not at risk)."""

    men: np.ndarray
    action: np.ndarray         # decision.SERVE, SHIRK or EXIT
    weighing: np.ndarray       # positions in the men of those who weighed the ways out
    channel: np.ndarray        # (weighing,) the channel he takes if he leaves
    stop_chance: np.ndarray    # (weighing,) chance of being stopped on it
    shirk_capture: np.ndarray  # (weighing,) daily chance of being caught if he shirks


class Manpower:
    """One run of the manpower model: its state, its random streams and its recorder
    (a ``desertion.engine.model.Run``: one ``step()`` is one day)."""

    steps_per_call = 1

    def __init__(self, compiled: Compiled, seed: int) -> None:
        self.compiled = compiled
        self.scenario = compiled.scenario
        self.seed = seed
        self.params = compiled.mechanisms
        self.streams = Streams(seed)
        self.state: State = initial_state(compiled,
                                          lambda f, use="setup": self.rng(use, f))
        self.people = self.state.people
        # the per-man passes: NumPy's or compiled, the same results (``passes.PATHS``)
        self.passes = passes.for_run(len(self.people))
        self.factions = self.state.factions  # today's parameters: schedules write them
        self.units = self.state.units
        self.day = 0
        self.exposure = exits.channel_exposure(self.params.capture.hide_exposure)
        # set at the start of each day, read by later phases of the same day
        self.strength = self.state.start_strength.copy()  # in the ranks, by faction
        self.on_duty = np.empty(0, dtype=np.int64)
        self.comrades: dict[int, np.ndarray] = {}  # on duty this morning, by faction
        # men on duty, the positions of those who weighed, their capture if they shirk
        self.shirkers_at_risk = (self.on_duty, self.on_duty, np.empty(0))
        self.policy_log: list[dict[str, object]] = []  # every policy change, for run.json
        self.recorder = Recorder(
            n_steps=compiled.n_days, start=compiled.scenario.start,
            axes={"faction": compiled.factions.ids, "origin": ORIGIN_LABELS},
            states=STATUS_LABELS, scale=compiled.scale)
        self.recorder.census(0, self.people.group, self.people.status)

    # -- the run, as the engine sees it ----------------------------------------------------
    @property
    def steps_done(self) -> int:
        return self.day

    @property
    def n_steps(self) -> int:
        return self.compiled.n_days

    def advance(self, n: int) -> None:
        for _ in range(n):
            self.step()

    def meta(self) -> dict[str, object]:
        return {"agents": len(self.people), "days": self.day,
                "last_day": (self.scenario.start + dt.timedelta(days=self.day - 1)).isoformat(),
                "policy_changes": self.policy_log}

    # -- random streams: one per use and faction -------------------------------------------
    def rng(self, use: str, f: int) -> np.random.Generator:
        """Faction ``f``'s own stream for ``use`` (e.g. ``enforcement/isis``): a change to
        one faction's parameters or numbers never reshuffles another faction's draws."""
        return self.streams[f"{use}/{self.compiled.factions.ids[f]}"]

    def rng_today(self, use: str, f: int) -> np.random.Generator:
        """Faction ``f``'s stream for ``use`` on this day alone: for samples over all rows,
        whose draws would otherwise depend on how many agents other factions have."""
        return self.streams.fresh(f"{use}/{self.compiled.factions.ids[f]}/day{self.day}")

    def uniforms(self, use: str, faction: np.ndarray) -> np.ndarray:
        """One U(0, 1) draw per row, each row's from its faction's stream for ``use``."""
        faction = faction.astype(np.int8, copy=False)  # one compiled signature
        counts = self.passes.count(faction, self.factions.n)
        if np.count_nonzero(counts) == 1:  # one faction: its numbers in row order
            return self.rng(use, int(np.flatnonzero(counts)[0])).random(len(faction))
        draws, start = np.empty(len(faction)), 0
        for f, n in enumerate(counts.tolist()):  # faction after faction, into one buffer
            if n:
                self.rng(use, f).random(out=draws[start:start + n])
                start += n
        return self.passes.deal(faction, draws, counts)

    # -- bookkeeping ---------------------------------------------------------------------
    @property
    def row(self) -> int:
        """The recorder's row for today (row 0 is the eve of the first day)."""
        return self.day + 1

    def record(self, event: str, idx: np.ndarray, detail: str = "") -> None:
        """An event that changes no status (an attempt, a fine)."""
        self.recorder.event(self.row, event, self.people.group[idx], detail=detail)

    def move(self, idx: np.ndarray, to: int | np.ndarray, event: str, detail: str = "") -> None:
        """Move agents ``idx`` to status ``to``, recording the event for each (from, to) and
        keeping the census up to date."""
        if len(idx) == 0:
            return
        status = self.people.status
        old = status[idx]
        new = np.broadcast_to(np.asarray(to, dtype=np.uint8), idx.shape)
        pair = old.astype(np.int64) * 16 + new
        group = self.people.group[idx]
        self.state.ranks.joined(idx[in_ranks(new) & ~in_ranks(old)])
        for key in np.unique(pair):
            movers = group[pair == key]
            source, target = int(key // 16), int(key % 16)
            self.recorder.event(self.row, event, movers, detail=detail, from_state=source,
                                to_state=target)
            self.state.census.move(movers, source, target)
        status[idx] = new

    def in_ranks(self) -> np.ndarray:
        """Rows of men serving, shirking or jailed (statuses 1-3), ascending."""
        return self.state.ranks.today(self.people.status)

    def strength_now(self) -> np.ndarray:
        """Men in the ranks by faction, from the census kept from the flows."""
        ranks = self.state.census.now[:, [Status.SERVING, Status.SHIRKING, Status.JAILED]]
        return ranks.sum(axis=1).reshape(-1, N_ORIGINS).sum(axis=1).astype(float)

    # -- the day -------------------------------------------------------------------------
    def step(self) -> None:
        self.apply_schedules()
        self.apply_policy_switches()
        ranks = self.in_ranks()
        self.strength = self.strength_now()
        self.release_from_prison(ranks)
        on_duty = ranks[self.people.status[ranks] != Status.JAILED]
        self.combat_attrition(on_duty)
        on_duty = on_duty[~np.isin(self.people.status[on_duty], (Status.KILLED,
                                                                  Status.CAPTURED))]
        self.comrades = {}
        self.on_duty = on_duty
        exits_today = self.weigh_and_act(on_duty)
        self.enforce(on_duty)
        self.withdraw_militias(on_duty)
        self.recruit_volunteers()
        self.draft_civilians()
        self.reconsider_hiding()
        self.store_histories(exits_today)
        self.adapt_policy()
        self.fade_memories()
        self.take_census()
        self.day += 1

    # 1. schedules and scheduled policy switches -------------------------------------------
    def apply_schedules(self) -> None:
        """Today's values of scheduled parameters (``desertion.manpower.schedules``)."""
        for write in self.compiled.calendar.schedule_writes[self.day]:
            target, rows = write.target, list(write.rows)
            if target.at == schedules.FACTION_AT:
                getattr(self.factions, target.name)[rows] = write.value
            elif target.at == schedules.POLICY_AT:
                self.state.policy = self.state.policy.copy()  # a policy is never shared
                getattr(self.state.policy, target.name)[rows] = write.value
            else:  # a mechanism's parameter: a new frozen set of numbers
                section, name = target.name.split(".")
                changed = dataclasses.replace(getattr(self.params, section), **{name: write.value})
                self.params = dataclasses.replace(self.params, **{section: changed})
                self.exposure = exits.channel_exposure(self.params.capture.hide_exposure)

    def apply_policy_switches(self) -> None:
        for f, update in self.compiled.calendar.policy_switches[self.day]:
            self.change_policy(f, update, "scheduled")

    def change_policy(self, f: int, update: PolicyUpdate, cause: str) -> None:
        """Put ``update`` in force for faction ``f`` and log it (for run.json)."""
        self.state.policy = self.state.policy.changed(f, update)
        date = self.scenario.start + dt.timedelta(days=self.day)
        self.policy_log.append({"date": date.isoformat(),
                                "faction": self.factions.ids[f], "cause": cause,
                                "set": dict(update.logged)})

    # 2. prison --------------------------------------------------------------------------
    def release_from_prison(self, ranks: np.ndarray) -> None:
        people = self.people
        jailed = ranks[people.status[ranks] == Status.JAILED]
        done = jailed[people.release_day[jailed] <= self.day]
        self.move(done, Status.SERVING, "released", "prison")

    # 3. combat ---------------------------------------------------------------------------
    def combat_attrition(self, on_duty: np.ndarray) -> None:
        people, calendar, day = self.people, self.compiled.calendar, self.day
        serving = on_duty[people.status[on_duty] == Status.SERVING]
        faction = people.faction[serving]
        risk = attrition.death_probability(self.factions.combat_death_rate,  # by faction
                                           calendar.combat[:, day], calendar.airstrikes[:, day],
                                           self.params.attrition.airstrike_lethality)
        dead = self.uniforms("attrition", faction) < risk[faction]
        killed = serving[dead]
        self.units.recent_casualties += np.bincount(people.unit[killed],
                                                    minlength=len(self.units.faction))
        self.move(killed, Status.KILLED, "killed")
        capture_rate = self.factions.combat_capture_rate
        if capture_rate.any():  # its own stream: runs without captures draw nothing more
            alive, faction = serving[~dead], faction[~dead]
            taken = attrition.capture_probability(capture_rate[faction],
                                                  calendar.combat[faction, day])
            self.move(alive[self.uniforms("captured", faction) < taken], Status.CAPTURED,
                      "captured")

    # 4-5. the fighters' decision and its outcome -------------------------------------------
    def weigh_and_act(self, on_duty: np.ndarray) -> np.ndarray:
        """Mechanisms 1-8 for every man on duty; returns attempts to leave per faction.

        Factions are weighed one after another (``perceive``, then ``choose``) so that their
        parameters enter as numbers (no per-agent gathers); the outcomes are then applied
        for all at once.
        """
        people, n_factions = self.people, self.factions.n
        faction = people.faction[on_duty]
        choices, offset = [], 0
        for f in range(n_factions):
            men = on_duty[faction == f]
            if len(men):
                choice = self.choose(men, f, self.perceive(men, f))
                choices.append(choice._replace(weighing=choice.weighing + offset))
                offset += len(men)
        if choices:
            choice = Choice(*(np.concatenate(part) for part in zip(*choices, strict=True)))
        else:
            nothing = np.empty(0)
            choice = Choice(on_duty[:0], nothing, on_duty[:0], nothing, nothing, nothing)
        men, action = choice.men, choice.action
        shirking = people.status[men] == Status.SHIRKING
        self.move(men[(action == decision.SHIRK) & ~shirking], Status.SHIRKING, "shirked")
        self.move(men[(action == decision.SERVE) & shirking], Status.SERVING,
                  "returned_to_duty")
        # for enforcement (step 6): every man draws, only those who weighed can be caught
        self.shirkers_at_risk = (men, choice.weighing, choice.shirk_capture)
        leave = action[choice.weighing] == decision.EXIT
        leavers = men[choice.weighing[leave]]
        self.attempt_exits(leavers, choice.channel[leave].astype(np.intp),
                           choice.stop_chance[leave])
        # counted after the exits, so a defector counts in the faction he joined
        return np.bincount(people.faction[leavers], minlength=n_factions)

    def perceive(self, men: np.ndarray, f: int) -> Perception:
        """What faction ``f``'s men on duty feel and see today (mechanisms 1, 5, 6, 7's mood,
        8, 2, 4); updates their hardship.

        What depends on a man's unit alone (hardship's drivers, the unit's contagion pull) is
        computed once a unit; the per-man chain of 1, 5, 6, 7's bars and 2's preparing runs
        in one pass (``passes``: the mechanisms' functions, or compiled, bit for bit)."""
        people, units, calendar, day = self.people, self.units, self.compiled.calendar, self.day
        params = self.params
        unit = people.unit[men]
        n_units = len(units.faction)
        members = np.bincount(unit, minlength=n_units)
        per_member = 1.0 / np.maximum(members, 1)  # by unit
        drivers = self.hardship_drivers(f, per_member)                      # 1
        pull = contagion.unit_pull(units.recent_exits * per_member,          # 5
                                   params.contagion.unit_weight, params.contagion.unit_cap)
        danger = fear_trigger.danger(calendar.combat[f, day], calendar.airstrikes[f, day])
        # 8: the channels open to him, by origin, and their barriers (less any reward)
        travel_ban = bool(calendar.travel_ban[f, day] or self.state.policy.travel_ban[f])
        barriers = self.channel_barriers(f, travel_ban)
        lowest = exits.lowest_barrier(barriers)
        origin = people.origin[men]
        mood = self.passes.mood(
            men, unit, origin, people.hardship, people.commitment, people.threshold,
            people.ties,  # (rows, width): width 0 where no faction has ties
            people.exit_day, drivers, pull, params.disaffection.lag_days, day,
            params.contagion.memory_days, params.contagion.tie_weight, danger,
            params.fear.danger_weight, self.rng("decision", f), params.decision.noise,
            params.decision.shirk_ratio,
            exits.channels_of(bool(np.isfinite(self.factions.barrier_surrender[f]))), lowest)
        weighing = np.flatnonzero(mood.weighs)
        spread = mood.spread[weighing]
        # 2: would-be leavers of his unit, among those preparing to leave
        leaving = capture_risk.would_be_leavers(unit, mood.preparing, n_units, weighing)
        stopped, perceived, shirk_capture, shirk_risk = self.risks(
            f, travel_ban, unit[weighing], origin[weighing], members, leaving, spread)
        return Perception(push=mood.push, threshold=people.threshold[men[weighing]],
                          noise=mood.noise,
                          weighing=weighing, barriers=barriers[origin[weighing]],
                          stopped=stopped, perceived=perceived, shirk_capture=shirk_capture,
                          shirk_risk=shirk_risk)

    def hardship_drivers(self, f: int, per_member: np.ndarray) -> np.ndarray:
        """Mechanism 1's drivers of hardship today, by unit of faction ``f``
        (``per_member``: 1 / the unit's men on duty): they depend on his unit and the day
        only."""
        units, calendar, day = self.units, self.compiled.calendar, self.day
        return disaffection.hardship_drivers(
            self.factions.base_hardship[f], units.recent_casualties * per_member,
            calendar.airstrikes[f, day], calendar.winter[f, day], calendar.pay[f, day],
            calendar.momentum[f, day], units.recent_mistaken * per_member,
            self.params.disaffection, units.recent_reprisals * per_member)

    def channel_barriers(self, f: int, travel_ban: bool) -> np.ndarray:
        """Mechanism 8: (origins, channels) barriers of faction ``f``'s channels today."""
        factions = self.factions
        return exits.channel_barriers(
            IS_FOREIGN, factions.defect_target[f] >= 0, factions.barrier_hide[f],
            factions.barrier_abroad[f], factions.barrier_home[f], factions.barrier_defect[f],
            travel_ban, factions.barrier_travel_ban[f], factions.barrier_surrender[f],
            np.array([factions.reward_hide[f], factions.reward_abroad[f],
                      factions.reward_home[f], factions.reward_defect[f],
                      factions.reward_surrender[f]]))

    def risks(self, f: int, travel_ban: bool, unit: np.ndarray, origin: np.ndarray,
              members: np.ndarray, leaving: np.ndarray, spread: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Mechanisms 2, 8, 4 and 5 for the men who weigh: the chance of being stopped on
        each channel, its perceived risk, and the same two for shirking.

        ``unit``, ``origin``, ``leaving`` (would-be leavers of his unit) and ``spread``
        (contagion) are each man's; ``members`` the men on duty of every unit.
        """
        factions, policy, params = self.factions, self.state.policy, self.params
        enforcers = capture_risk.enforcers_per_unit(
            members[unit], factions.watchers_per_unit[f], policy.military_police_share[f],
            self.units.recent_exits[unit], params.capture.alert_weight)
        capture = capture_risk.capture_probability(enforcers, leaving, params.capture.k,
                                                   params.capture.rule)
        checkpoints = exits.channel_checkpoints(origin == Origin.FOREIGN, policy.checkpoint[f],
                                                factions.foreign_visibility[f], travel_ban,
                                                factions.travel_ban_checkpoint[f])
        stopped = exits.interception(capture[:, None], self.exposure, checkpoints)
        fear = self.state.public_fear[f] + self.units.fear[unit]
        discount = params.contagion.risk_discount
        perceived = contagion.emboldened_risk(
            deterrence.perceived_risk(stopped, fear[:, None]), spread[:, None], discount)
        shirk_capture = capture * factions.shirker_detection[f]
        shirk_risk = contagion.emboldened_risk(deterrence.perceived_risk(shirk_capture, fear),
                                               spread, discount)
        return stopped, perceived, shirk_capture, shirk_risk

    def choose(self, men: np.ndarray, f: int, seen: Perception) -> Choice:
        """Mechanisms 3, 8 and 7 for faction ``f``'s men on duty: expected costs, the
        channel each would take, and what each does today (stores his perceived risk)."""
        people, policy, params = self.people, self.state.policy, self.params
        weighing = seen.weighing
        severity = sanctions.expected_severity(policy.sanction[f], policy.prison_days[f],
                                               policy.acquittal[f], params.severity)
        risk_aversion = people.risk_aversion[men[weighing]]
        costs = sanctions.expected_cost(risk_aversion[:, None], seen.perceived,
                                        severity[Offence.DESERTION]) + seen.barriers
        channel, exit_cost = decision.logit_choice(self.rng("channels", f), costs,
                                                   params.decision.noise,
                                                   self.passes.logit_pick)
        shirk_cost = sanctions.expected_cost(risk_aversion, seen.shirk_risk,
                                             severity[Offence.SHIRKING])
        if not self.factions.duty_rosters[f]:  # no rosters: no one can shirk
            shirk_cost = np.full_like(shirk_cost, np.inf)
        chosen = channel[:, None]
        people.perceived_risk[men[weighing]] = np.take_along_axis(seen.perceived, chosen,
                                                                  1)[:, 0]
        action = decision.decide(seen.push[weighing], exit_cost, shirk_cost,
                                 seen.threshold, params.decision.shirk_ratio,
                                 seen.noise[weighing])
        return Choice(men=men, action=_spread(action, weighing, len(men), decision.SERVE),
                      weighing=weighing, channel=channel,
                      stop_chance=np.take_along_axis(seen.stopped, chosen, 1)[:, 0],
                      shirk_capture=seen.shirk_capture)

    def attempt_exits(self, leavers: np.ndarray, channel: np.ndarray, stop_chance: np.ndarray
                      ) -> None:
        """Mechanism 8: each leaver is stopped (and sanctioned) or escapes by his channel."""
        people = self.people
        for c in Channel:
            self.record("attempted", leavers[channel == c], CHANNEL_LABELS[c])
        people.exit_day[leavers] = self.day
        self.units.recent_exits += np.bincount(people.unit[leavers],
                                               minlength=len(self.units.faction))
        stopped = self.uniforms("exits", people.faction[leavers]) < stop_chance
        for c in Channel:
            self.record("caught", leavers[stopped & (channel == c)], CHANNEL_LABELS[c])
        self.punish(leavers[stopped], Offence.DESERTION)
        escaped, channel = leavers[~stopped], channel[~stopped]
        self.move(escaped[channel == Channel.HIDE], Status.HIDING, "escaped", "hide")
        self.move(escaped[channel == Channel.ABROAD], Status.ABROAD, "escaped", "abroad")
        self.move(escaped[channel == Channel.HOME], Status.RETURNED, "escaped", "home")
        self.move(escaped[channel == Channel.SURRENDER], Status.DEMOBILISED, "escaped",
                  "surrender")
        self.defect(escaped[channel == Channel.DEFECT])

    def defect(self, defectors: np.ndarray) -> None:
        """Defectors leave one faction's books and join the faction that takes them."""
        people, factions, census = self.people, self.factions, self.state.census
        source = people.faction[defectors]
        for f in np.unique(source):
            men = defectors[source == f]
            target = int(factions.defect_target[f])
            old = people.status[men]
            for s in np.unique(old):
                leaving = people.group[men[old == s]]
                self.recorder.event(self.row, "defected", leaving, detail=factions.ids[target],
                                    from_state=int(s), to_state=NOWHERE)
                census.leave(leaving, int(s))
            people.faction[men] = target
            people.group[men] = group_of(target, people.origin[men])
            people.status[men] = Status.SERVING
            self.recorder.event(self.row, "joined", people.group[men], detail="defector",
                                from_state=NOWHERE, to_state=Status.SERVING)
            census.enter(people.group[men], Status.SERVING)
            self.place_in_units(men, target)

    def punish(self, men: np.ndarray, offence: Offence, detail: str | None = None) -> None:
        """Mechanism 9: each caught man gets his faction's sanction for the offence; the
        examples it sets frighten others (mechanism 4)."""
        if len(men) == 0:
            return
        people, policy = self.people, self.state.policy
        label = detail or OFFENCE_LABELS[offence]
        men = self.acquit(men, label)
        faction = people.faction[men].astype(np.intp)
        sanction = self.sentence(men, faction, offence)
        outcome = enforcement.sanction_outcome(sanction)
        for s in np.unique(sanction):
            sel = sanction == s
            self.move(men[sel], outcome[sel], SANCTION_EVENTS[Sanction(s)], label)
        jailed = sanction == Sanction.PRISON
        people.release_day[men[jailed]] = self.day + policy.prison_days[faction[jailed]]
        reprisals = people.unit[men[sanction == Sanction.REPRISAL]]
        self.units.recent_reprisals += np.bincount(reprisals, minlength=len(self.units.faction))
        executed = sanction == Sanction.EXECUTION
        public = deterrence.made_public(self.uniforms("publicity", faction), executed,
                                        policy.publicity[faction])
        faction_fear, unit_fear = deterrence.examples(
            public, executed, np.isin(sanction, IN_THE_UNIT), faction, people.unit[men],
            self.strength, len(self.units.faction), self.params.deterrence)
        self.state.public_fear += faction_fear
        self.units.fear += unit_fear

    def acquit(self, men: np.ndarray, label: str) -> np.ndarray:
        """Trials: each accused is acquitted with his faction's chance and goes back to duty
        unpunished; returns the convicted. No draw where no faction acquits."""
        chance = self.state.policy.acquittal[self.people.faction[men]]
        if not chance.any():
            return men
        free = self.uniforms("trials", self.people.faction[men]) < chance
        self.move(men[free], Status.SERVING, "acquitted", label)
        return men[~free]

    def sentence(self, men: np.ndarray, faction: np.ndarray, offence: Offence) -> np.ndarray:
        """Each convicted man's sanction code, drawn from his faction's mix for the offence
        (no draw where the mix gives one outcome for sure)."""
        mix = self.state.policy.sanction[faction, offence]
        sanction = np.argmax(mix, axis=1).astype(np.int64)
        mixed = ~enforcement.certain(mix)
        if mixed.any():
            sanction[mixed] = enforcement.sentences(mix[mixed],
                                                    self.uniforms("sentences", faction[mixed]))
        return sanction

    # 6. enforcement beyond the leavers --------------------------------------------------------
    def enforce(self, on_duty: np.ndarray) -> None:
        people, factions, policy = self.people, self.factions, self.state.policy
        men, weighed, capture = self.shirkers_at_risk
        draws = self.uniforms("shirkers", people.faction[men])  # one each, in his stream
        caught = men[weighed[enforcement.caught(draws[weighed], capture)]]
        shirkers = caught[people.status[caught] == Status.SHIRKING]
        self.record("caught", shirkers, "shirking")
        self.punish(shirkers, Offence.SHIRKING)

        serving = on_duty[people.status[on_duty] == Status.SERVING]
        faction = people.faction[serving]
        mistaken = enforcement.mistaken_rate_per_fighter(factions.mistaken_rate,  # by faction
                                                         policy.military_police_share)
        violators, innocents = enforcement.violations(
            self.uniforms("enforcement", faction), factions.code_violation_rate[faction],
            mistaken[faction])
        self.punish(serving[violators], Offence.CODE)
        innocents = serving[innocents]
        self.units.recent_mistaken += np.bincount(people.unit[innocents],
                                                  minlength=len(self.units.faction))
        self.punish(innocents, Offence.DESERTION, MISTAKEN)

    # 7. allied withdrawal -----------------------------------------------------------------
    def withdraw_militias(self, on_duty: np.ndarray) -> None:
        hazard = self.compiled.calendar.withdrawal_hazard[:, self.day]
        if not hazard.any():
            return
        people = self.people
        men = on_duty[np.isin(people.status[on_duty], (Status.SERVING, Status.SHIRKING))]
        faction = people.faction[men]
        leave = self.uniforms("withdrawal", faction) < hazard[faction]
        self.move(men[leave], Status.RETURNED, "withdrew")

    # 8. volunteers ------------------------------------------------------------------------
    def recruit_volunteers(self) -> None:
        factions, calendar = self.factions, self.compiled.calendar
        momentum = calendar.momentum[:, self.day]
        local_rate, foreign_rate = (
            recruitment.volunteer_rate(per_day, momentum, factions.momentum_elasticity)
            for per_day in (factions.local_volunteers_per_day,
                            calendar.foreign_inflow[:, self.day]))
        for f in range(factions.n):
            if local_rate[f] <= 0 and foreign_rate[f] <= 0:
                continue
            rng = self.rng("recruitment", f)
            local, foreign = rng.poisson(local_rate[f]), rng.poisson(foreign_rate[f])
            for origin, n, entry, commitment in (
                    (Origin.LOCAL, local, Entry.VOLUNTEER, factions.volunteer_commitment[f]),
                    (Origin.FOREIGN, foreign, Entry.FOREIGN_VOLUNTEER,
                     factions.foreign_volunteer_commitment[f])):
                if n:
                    self.add_fighters(f, int(n), origin, entry,
                                      recruitment.beta_draw(rng, *commitment, int(n)))

    def add_fighters(self, f: int, n: int, origin: Origin, entry: Entry,
                     commitment: np.ndarray) -> None:
        """New agents join faction ``f`` from outside the simulated population."""
        traits, rng = self.params.decision, self.rng("recruitment", f)
        rows = self.people.append(
            n, status=Status.SERVING, faction=f, origin=origin, entry=entry,
            group=group_of(f, origin), draft_eligible=origin == Origin.LOCAL,
            commitment=commitment,
            risk_aversion=recruitment.beta_draw(rng, traits.risk_aversion.mean,
                                                traits.risk_aversion.sd, n),
            hardship=self.factions.base_hardship[f],
            threshold=recruitment.beta_draw(rng, traits.threshold.mean, traits.threshold.sd,
                                            n),
            joined_day=self.day)
        men = np.arange(rows.start, rows.stop)
        self.recorder.event(self.row, "joined", self.people.group[men],
                            detail=ENTRY_LABELS[entry], to_state=Status.SERVING)
        self.state.census.enter(self.people.group[men], Status.SERVING)
        self.state.ranks.joined(men)
        self.place_in_units(men, f)

    def place_in_units(self, men: np.ndarray, f: int) -> None:
        """Put newcomers in random units of faction ``f`` and tie them to its fighters."""
        people, rng = self.people, self.rng("placement", f)
        units = np.flatnonzero(self.units.faction == f)
        if len(units) == 0:
            units = self.units.add(f, 1)
        people.unit[men] = units[rng.integers(0, len(units), len(men))]
        people.joined_day[men] = self.day
        width = people.ties.shape[1]
        if width:
            comrades = self.comrades.get(f)
            if comrades is None:  # the faction's men on duty this morning
                comrades = self.comrades[f] = self.on_duty[people.faction[self.on_duty] == f]
            people.ties[men] = draw_ties(rng, comrades, len(men),
                                         int(self.factions.ties_per_fighter[f]),
                                         width)

    # 9. conscription and evasion ------------------------------------------------------------
    def draft_civilians(self) -> None:
        people, factions, calendar = self.people, self.factions, self.compiled.calendar
        policy, params, day = self.state.policy, self.params.evasion, self.day
        gap = withdrawal.side_gap(self.strength, self.state.start_strength, factions.side)
        yesterday = self.state.census.yesterday
        for f, first, end in self.state.civilian_blocks:
            rng = self.rng("draft", f)
            at_home = max(int(yesterday[group_of(f, Origin.LOCAL), Status.CIVILIAN]), 1)
            notices = rng.poisson(recruitment.callups(policy.callups_per_day[f],
                                                      calendar.callup_quota[f, day], gap[f],
                                                      factions.gap_response[f]))
            sweep = rng.poisson(policy.sweep_per_day[f] + calendar.sweep_quota[f, day])
            pressure = evasion.draft_pressure(notices, sweep, at_home)
            eligible = self.within_draft_ages(slice(first, end), f)
            called = recruitment.called_up(rng, people.status, first, end, notices, at_home,
                                           eligible)
            self.evade(called, f, drafted=np.ones(len(called)), pressure=pressure,
                       detail="callup")
            rate = evasion.reconsider_rate(pressure, params.consider_rate,
                                           params.pressure_weight)
            thinking = first + bernoulli_indices(rng, end - first, rate)
            thinking = thinking[people.status[thinking] == Status.CIVILIAN]
            drafted = evasion.draft_chance(np.full(len(thinking), pressure),
                                           params.horizon_days)
            if eligible is not None:  # men outside the band fear no draft
                drafted[~eligible[thinking - first]] = 0.0
            self.evade(thinking, f, drafted=drafted, pressure=pressure, detail="pressure")
            if sweep:
                self.sweep(f, sweep)

    def within_draft_ages(self, rows: np.ndarray | slice, f: int) -> np.ndarray | None:
        """Which of ``rows`` are within faction ``f``'s draft-age band today; None where the
        faction has no band (every man is, and nothing is computed)."""
        youngest, oldest = self.factions.draft_age_min[f], self.factions.draft_age_max[f]
        if youngest <= 0 and oldest >= MAX_AGE:
            return None
        return within_ages(self.people.birth_day[rows], self.day, youngest, oldest)

    def hiding_costs(self, men: np.ndarray, f: int, drafted: np.ndarray,
                     pressure: float) -> np.ndarray:
        """Mechanism 12's costs of staying, hiding and fleeing for ``men`` of faction ``f``:
        the inputs gathered (his own per man, his faction's as numbers), the costs
        assembled by ``evasion.hiding_costs``."""
        people, factions, calendar = self.people, self.factions, self.compiled.calendar
        policy, severity, day = self.state.policy, self.params.severity, self.day
        return self.passes.hiding_costs(
            commitment=people.commitment[men], risk_aversion=people.risk_aversion[men],
            deserter=people.entry[men] != Entry.NONE,
            severity=sanctions.expected_severity(policy.sanction[f], policy.prison_days[f],
                                                 policy.acquittal[f], severity),
            sanctioned_employee=people.state_employee[men]
            & calendar.employee_sanctions[f, day],
            employee_severity=severity.dismissal + severity.fine,
            danger=fear_trigger.danger(calendar.combat[f, day], calendar.airstrikes[f, day]),
            travel_ban=calendar.travel_ban[f, day] | policy.travel_ban[f],
            checkpoint=policy.checkpoint[f], ban_checkpoint=factions.travel_ban_checkpoint[f],
            ban_barrier=factions.barrier_travel_ban[f], smuggling=factions.barrier_smuggling[f],
            smuggling_interception=factions.smuggling_interception[f], drafted=drafted,
            pressure=pressure, params=self.params.evasion)

    def evade(self, men: np.ndarray, f: int, drafted: np.ndarray, pressure: float,
              detail: str) -> None:
        """Civilians choose: stay (report if called), hide, or flee abroad."""
        if len(men) == 0:
            return
        costs = self.hiding_costs(men, f, drafted, pressure)
        choice, _ = decision.logit_choice(self.rng("draft", f), costs,
                                          self.params.evasion.noise, self.passes.logit_pick)
        hide = men[choice == evasion.HIDE]
        self.move(hide, Status.HIDING, "went_into_hiding", detail)
        if self.compiled.calendar.employee_sanctions[f, self.day]:
            self.record("dismissed", hide[self.people.state_employee[hide]], "evasion")
        self.move(men[choice == evasion.FLEE], Status.ABROAD, "fled_abroad", detail)
        if detail == "callup":
            self.conscript(men[choice == evasion.STAY], f, Entry.CONSCRIPT,
                           self.factions.conscript_commitment_factor[f], "callup")

    def conscript(self, men: np.ndarray, f: int, entry: Entry, commitment_factor: float,
                  detail: str) -> None:
        if len(men) == 0:
            return
        people = self.people
        people.commitment[men] *= commitment_factor
        factions = self.factions
        people.threshold[men] *= (factions.conscript_threshold_factor[f]
                                  if entry == Entry.CONSCRIPT
                                  else factions.dragooned_threshold_factor[f])
        people.entry[men] = entry
        people.faction[men] = f
        people.group[men] = group_of(f, people.origin[men])
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
        people, rng = self.people, self.rng("draft", f)
        detection = self.params.evasion.hiding_detection
        yesterday = self.state.census.yesterday
        local, foreign = group_of(f, Origin.LOCAL), group_of(f, Origin.FOREIGN)
        rate = recruitment.sweep_rate(quota, yesterday[local, Status.CIVILIAN],
                                      yesterday[[local, foreign], Status.HIDING].sum(),
                                      detection)
        rows = bernoulli_prefix_indices(self.rng_today("sweep-sample", f), len(people), rate)
        in_band = self.within_draft_ages(rows, f)
        eligible = people.draft_eligible[rows] if in_band is None else \
            people.draft_eligible[rows] & in_band
        home, found = recruitment.swept(rng, people.status[rows], people.faction[rows] == f,
                                        eligible, detection)
        taken = rows[home | found]
        deserters = taken[people.entry[taken] != Entry.NONE]
        self.record("caught", deserters, "sweep")
        self.punish(deserters, Offence.DESERTION)
        evaders = taken[found[home | found] & (people.entry[taken] == Entry.NONE)]
        self.conscript(taken[people.entry[taken] == Entry.NONE], f, Entry.DRAGOONED,
                       self.factions.dragooned_commitment_factor[f], "sweep")
        self.punish(evaders, Offence.EVASION)  # dragooned, and sanctioned for hiding

    # 10. men in hiding --------------------------------------------------------------------
    def reconsider_hiding(self) -> None:
        """Men in hiding may flee abroad (mechanism 12), deserters among them return under
        an amnesty (mechanism 14); each faction's men from its own stream ``hiding``."""
        n = len(self.people)
        for f in range(self.factions.n):
            self.flee_from_hiding(self.rng("hiding", f), n, f)
            self.return_under_amnesty(self.rng("amnesty", f), n, f)

    def flee_from_hiding(self, rng: np.random.Generator, n: int, f: int) -> None:
        """A sparse sample of everyone, kept if in hiding from faction ``f``, weighs flight
        abroad."""
        people = self.people
        men = bernoulli_prefix_indices(self.rng_today("hiding-sample", f), n,
                                       self.params.evasion.hide_to_abroad_rate)
        men = men[(people.status[men] == Status.HIDING) & (people.faction[men] == f)]
        if len(men):
            costs = self.hiding_costs(men, f, np.zeros(len(men)), 0.0)
            costs[:, evasion.STAY] = np.inf  # a man in hiding cannot simply go home
            choice, _ = decision.logit_choice(rng, costs, self.params.evasion.noise,
                                              self.passes.logit_pick)
            self.move(men[choice == evasion.FLEE], Status.ABROAD, "fled_abroad", "hiding")

    def return_under_amnesty(self, rng: np.random.Generator, n: int, f: int) -> None:
        """Faction ``f``'s deserters in hiding may come back without sanction while its
        amnesty runs."""
        people = self.people
        rate = float(self.compiled.calendar.amnesty_rate[f, self.day])
        if rate <= 0:
            return
        men = bernoulli_prefix_indices(self.rng_today("amnesty-sample", f), n, rate)
        men = men[(people.status[men] == Status.HIDING) & (people.entry[men] != Entry.NONE)
                  & (people.faction[men] == f)]
        back = men[amnesty.accepts(rng, people.hardship[men], people.commitment[men])]
        self.move(back, Status.SERVING, "returned_amnesty")
        self.place_in_units(back, f)

    # end of the day ---------------------------------------------------------------------
    def store_histories(self, exits_today: np.ndarray) -> None:
        """Strength, attempts to leave and shirkers of each faction today (for phase 11)."""
        state = self.state
        state.strength_history[self.day] = self.strength_now()
        state.exit_history[self.day] = exits_today
        shirking = state.census.now[:, Status.SHIRKING]
        state.shirking_history[self.day] = shirking.reshape(-1, N_ORIGINS).sum(axis=1)

    # 11. adaptive policy ------------------------------------------------------------------
    def adapt_policy(self) -> None:
        state, day = self.state, self.day
        for i, rule in enumerate(self.compiled.rules):
            if state.fired[i] and rule.once:
                continue
            value = policy.metric_value(
                rule.metric, rule.faction, day, rule.window_days, exits=state.exit_history,
                strength=state.strength_history, shirking=state.shirking_history,
                start_strength=state.start_strength)
            if policy.crossed(value, rule.above, rule.below):
                self.change_policy(rule.faction, rule.update,
                                   f"rule: {rule.metric} = {value:.4g}")
                state.fired[i] = True

    # 12. memories fade; the census ---------------------------------------------------------
    def fade_memories(self) -> None:
        params, units = self.params, self.units
        keep = contagion.memory_retention(params.contagion.memory_days)
        units.recent_exits *= keep
        units.recent_casualties *= keep
        units.recent_mistaken *= keep
        units.recent_reprisals *= keep
        units.fear = deterrence.decay(units.fear, params.deterrence.half_life_days)
        self.state.public_fear = deterrence.decay(self.state.public_fear,
                                                  params.deterrence.half_life_days)

    def take_census(self) -> None:
        """The census the next day reads (kept from the day's flows), and the recorder's."""
        self.state.census.close_day()
        self.recorder.counted(self.row, self.state.census.now)
