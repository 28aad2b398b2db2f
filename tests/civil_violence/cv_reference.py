"""A plain-Python statement of the model's step rules, slow and obvious, drawing the same
random numbers as the kernels (NumPy's SFC64 from the same state, in the order the kernel
module's docstring states): the kernels must reproduce it exactly.

It follows Mesa 3.3.1's example: a vision is every cell within Manhattan distance ``radius``
on the torus, the centre excluded; A counts the citizen itself; a jailed citizen serves one
step of its term when its turn comes and decides again once the term is over. Candidate
cells (to move to, or whose citizen to arrest) are listed row by row (dy ascending), left to
right (dx ascending), the order the kernels pick in.
"""

from __future__ import annotations

import math

from desertion.civil_violence import model
from desertion.civil_violence.kernel import ACTIVE, JAILED, QUIET
from desertion.civil_violence.params import CivilViolenceScenario
from desertion.engine.kernel_random import sfc64_generator
from desertion.engine.streams import Streams


class Reference:
    def __init__(self, scenario: CivilViolenceScenario, seed: int) -> None:
        self.sc = scenario
        self.streams = Streams(seed)
        world = model.build_world(scenario, self.streams)
        self.n_citizens = world.n_citizens
        a = world.agents
        self.x = [int(v) for v in a.x]
        self.y = [int(v) for v in a.y]
        self.state = [int(v) for v in a.state]
        self.jail = [int(v) for v in a.jail]
        self.hardship = [float(v) for v in a.hardship]
        self.risk = [float(v) for v in a.risk_aversion]
        self.order = list(range(len(self.x)))
        self.at = {(self.x[i], self.y[i]): i for i in range(len(self.x))}
        self.rng = sfc64_generator(model.kernel_rng_state(self.streams))
        self.legitimacy = scenario.legitimacy_by_step()
        self.census: list[list[int]] = []

    # -- what an agent sees ------------------------------------------------------------------
    def cells(self, i: int, radius: int) -> list[tuple[int, int]]:
        sc = self.sc
        out = []
        for dy in range(-radius, radius + 1):
            half = radius - abs(dy)
            for dx in range(-half, half + 1):
                if (dx, dy) != (0, 0):
                    out.append(((self.x[i] + dx) % sc.width, (self.y[i] + dy) % sc.height))
        return out

    def is_cop(self, j: int) -> bool:
        return j >= self.n_citizens

    def empties(self, cells: list[tuple[int, int]]) -> list[tuple[int, int]]:
        return [c for c in cells if c not in self.at]

    def actives(self, cells: list[tuple[int, int]]) -> list[int]:
        here = [self.at[c] for c in cells if c in self.at]
        return [j for j in here if not self.is_cop(j) and self.state[j] == ACTIVE]

    # -- rules -------------------------------------------------------------------------------
    def arrest_probability(self, cops: int, actives: int) -> float:
        k = self.sc.arrest_prob_constant
        if self.sc.arrest_rule == "round":
            return 1 - math.exp(-1 * k * round(cops / actives))  # Mesa's expression
        if self.sc.arrest_rule == "floor":
            return 1 - math.exp(-1 * k * (cops // actives))
        return 1.0 - math.exp(-k * (cops / actives))

    def decide(self, i: int, cells: list[tuple[int, int]], legitimacy: float) -> int:
        cops = sum(1 for c in cells if c in self.at and self.is_cop(self.at[c]))
        actives = 1 + len(self.actives(cells))
        grievance = self.hardship[i] * (1 - legitimacy)
        net_risk = self.risk[i] * self.arrest_probability(cops, actives)
        return ACTIVE if grievance - net_risk > self.sc.active_threshold else QUIET

    def below(self, n: int) -> int:
        """A uniform integer in 0 .. n-1, as the kernels draw it: (64 random bits x n) >> 64."""
        return (int(self.rng.bit_generator.random_raw()) * n) >> 64

    def move(self, i: int, empties: list[tuple[int, int]]) -> None:
        if not self.sc.movement or not empties:
            return
        target = empties[self.below(len(empties))]
        del self.at[(self.x[i], self.y[i])]
        self.x[i], self.y[i] = target
        self.at[target] = i

    def arrest(self, actives: list[int]) -> tuple[int, int]:
        """The citizen a cop arrests and his jail term."""
        j = actives[self.below(len(actives))]
        return j, self.below(self.sc.max_jail_term + 1)

    def shuffle(self) -> None:
        n = len(self.order)
        for p in range(n - 1):
            swap = p + self.below(n - p)
            self.order[p], self.order[swap] = self.order[swap], self.order[p]

    # -- steps -------------------------------------------------------------------------------
    def run(self) -> None:
        for s in range(self.sc.steps):
            self.shuffle()
            if self.sc.activation == "sequential":
                self.sequential_step(self.legitimacy[s])
            else:
                self.synchronous_step(self.legitimacy[s])
            states = self.state[: self.n_citizens]
            self.census.append([states.count(QUIET), states.count(ACTIVE), states.count(JAILED)])

    def sequential_step(self, legitimacy: float) -> None:
        for i in self.order:
            if self.is_cop(i):
                cells = self.cells(i, self.sc.cop_vision)
                empties = self.empties(cells)
                actives = self.actives(cells)
                if actives:
                    j, term = self.arrest(actives)
                    self.state[j] = JAILED
                    self.jail[j] = term
                self.move(i, empties)
                continue
            if self.state[i] == JAILED and self.jail[i] > 0:
                self.jail[i] -= 1
                continue
            cells = self.cells(i, self.sc.citizen_vision)
            self.state[i] = self.decide(i, cells, legitimacy)
            self.move(i, self.empties(cells))

    def synchronous_step(self, legitimacy: float) -> None:
        decided: dict[int, int] = {}
        for i in range(self.n_citizens):
            if self.state[i] == JAILED and self.jail[i] > 0:
                self.jail[i] -= 1
                continue
            decided[i] = self.decide(i, self.cells(i, self.sc.citizen_vision), legitimacy)
        arrested: set[int] = set()
        for i in self.order:
            if not self.is_cop(i):
                continue
            actives = self.actives(self.cells(i, self.sc.cop_vision))
            if actives:
                j, term = self.arrest(actives)
                if j not in arrested:  # a second cop's arrest of him is lost
                    arrested.add(j)
                    self.jail[j] = term
        for i, new in decided.items():
            self.state[i] = JAILED if i in arrested else new
        for i in self.order:
            if self.is_cop(i) or (i in decided and i not in arrested):
                radius = self.sc.cop_vision if self.is_cop(i) else self.sc.citizen_vision
                self.move(i, self.empties(self.cells(i, radius)))
