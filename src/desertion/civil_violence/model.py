"""Running the civil-violence model: build the world, step it with the kernel, record it.

>>> from desertion.civil_violence import load_scenario, simulate
>>> result = simulate(load_scenario("civil-violence"), seed=1)
>>> result.timeseries.head()      # per step: quiet, active and jailed citizens
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from desertion.civil_violence import kernel
from desertion.civil_violence.analysis import STATES
from desertion.civil_violence.params import CivilViolenceScenario
from desertion.engine.columns import Columns
from desertion.engine.kernel_random import sfc64_state
from desertion.engine.model import Observer, ProgressCallback, finished, run_to_end
from desertion.engine.recorder import Recorder
from desertion.engine.results import RunResult
from desertion.engine.streams import Streams

AXES = {"agent": ["citizen"]}
CITIZEN, COP = 0, 1
CHUNK_AGENT_STEPS = 1 << 18
"""Steps are run in chunks of about this many agent-steps: few kernel calls for small worlds,
one step per call (and per progress report) for large ones."""


_RULES = {"round": kernel.RULE_ROUND, "floor": kernel.RULE_FLOOR, "ratio": kernel.RULE_RATIO}


@dataclass
class World:
    """The agents (as columns) and the grid, as the kernels read and write them."""

    scenario: CivilViolenceScenario
    agents: Columns
    n_citizens: int
    code: np.ndarray
    """Two bits per cell saying what is there, four cells a byte, on the grid padded with a
    halo of ``pad`` cells (see kernel)."""
    occ: np.ndarray
    """The agent on each cell (flat ``y * width + x``), or -1."""
    order: np.ndarray
    """The activation order, reshuffled in place every step."""
    pad: int
    steps_done: int = 0

    @property
    def n_agents(self) -> int:
        return len(self.agents)

    @property
    def n_cops(self) -> int:
        return self.n_agents - self.n_citizens

    def padded_codes(self) -> np.ndarray:
        """The two-bit cell codes of the padded grid, one byte per cell (a copy)."""
        sc = self.scenario
        stride = kernel.grid_stride(sc.width, self.pad)
        rows = sc.height + 2 * self.pad
        packed = self.code[: rows * stride // 4].reshape(rows, stride // 4)
        cells = np.stack([(packed >> (2 * j)) & 3 for j in range(4)], axis=-1)
        return cells.reshape(rows, stride)[:, : sc.width + 2 * self.pad]

    def grid_codes(self) -> np.ndarray:
        """The (height, width) grid of cell codes without its halo (a copy)."""
        sc = self.scenario
        return self.padded_codes()[self.pad: self.pad + sc.height, self.pad: self.pad + sc.width]


def build_world(scenario: CivilViolenceScenario, streams: Streams) -> World:
    """Place citizens and cops as Mesa does: each cell independently holds a citizen with
    probability ``citizen_density``, else a cop with probability ``cop_density``, else nobody.
    Citizens draw hardship and risk aversion from U(0, 1) and start quiet."""
    sc = scenario
    draw = streams["placement"].random(sc.width * sc.height)
    citizen_cells = np.flatnonzero(draw < sc.citizen_density)
    cop_cells = np.flatnonzero((draw >= sc.citizen_density)
                               & (draw < sc.citizen_density + sc.cop_density))
    n_cit, n_cop = len(citizen_cells), len(cop_cells)
    traits = streams["traits"]
    agents = Columns(
        {"x": np.int32, "y": np.int32, "kind": np.int8, "state": np.int8, "jail": np.int32,
         "hardship": np.float64, "risk_aversion": np.float64},
        defaults={"state": kernel.NOT_A_CITIZEN, "hardship": np.nan, "risk_aversion": np.nan},
        capacity=n_cit + n_cop)
    agents.append(n_cit, x=citizen_cells % sc.width, y=citizen_cells // sc.width,
                  kind=CITIZEN, state=kernel.QUIET,
                  hardship=traits.random(n_cit), risk_aversion=traits.random(n_cit))
    agents.append(n_cop, x=cop_cells % sc.width, y=cop_cells // sc.width, kind=COP)

    occ = np.full(sc.width * sc.height, -1, dtype=np.int32)
    occ[np.concatenate([citizen_cells, cop_cells])] = np.arange(n_cit + n_cop, dtype=np.int32)
    flat = np.full(sc.width * sc.height, kernel.EMPTY_CODE, dtype=np.uint8)
    flat[citizen_cells] = kernel.CODE_OF_STATE[kernel.QUIET]
    flat[cop_cells] = kernel.COP_CODE
    pad = max(sc.citizen_vision, sc.cop_vision)
    code = pack_codes(flat.reshape(sc.height, sc.width), pad)
    order = np.arange(n_cit + n_cop, dtype=np.int32)
    return World(sc, agents, n_cit, code, occ, order, pad)


def pack_codes(grid: np.ndarray, pad: int) -> np.ndarray:
    """The kernel's grid: ``grid`` (one two-bit code per cell) wrapped with a halo of ``pad``
    cells, rows widened to a multiple of four cells, packed four cells to a byte (low bits
    first), plus eight spare bytes: a word load at the end of the last row may read past it
    (those bits are masked off)."""
    width = grid.shape[1]
    padded = np.pad(grid, pad, mode="wrap")
    stride = kernel.grid_stride(width, pad)
    padded = np.pad(padded, ((0, 0), (0, stride - padded.shape[1])))
    packed = (padded[:, 0::4] | (padded[:, 1::4] << 2) | (padded[:, 2::4] << 4)
              | (padded[:, 3::4] << 6)).astype(np.uint8)
    return np.concatenate([packed.ravel(), np.zeros(8, dtype=np.uint8)])


def arrest_probability_table(scenario: CivilViolenceScenario) -> np.ndarray:
    """``1 - exp(-k x)`` for every integer x a vision can produce, as Mesa computes it
    (``math.exp``), so the rounded and floored rules need no ``exp`` per decision."""
    r = scenario.citizen_vision
    k = scenario.arrest_prob_constant
    return np.array([1 - math.exp(-1 * k * x) for x in range(2 * r * (r + 1) + 2)])


class CivilViolenceRun:
    """One run of the civil-violence model (a ``desertion.engine.model.Run``): the world,
    its random streams and its recorder. ``step()`` is one step; ``advance(n)`` runs ``n``
    in one kernel call, with the same result bit for bit."""

    def __init__(self, scenario: CivilViolenceScenario, seed: int | None = None, *,
                 chunk_agent_steps: int = CHUNK_AGENT_STEPS,
                 kernel_path: str | None = None) -> None:
        self.scenario = sc = scenario
        self.seed = sc.seed if seed is None else seed
        self.streams = Streams(self.seed)
        self.world = world = build_world(sc, self.streams)
        self.recorder = Recorder(sc.steps, AXES, STATES)
        self._citizens = np.zeros(world.n_citizens, dtype=np.int64)
        self.recorder.census(0, self._citizens, world.agents.state[: world.n_citizens])
        self.steps_per_call = int(max(1, min(sc.steps,
                                             chunk_agent_steps // max(world.n_agents, 1))))
        self.step_seconds = 0.0
        """Seconds spent stepping (drawing random numbers, the kernel, recording)."""
        self._kernels = _kernels(kernel_path)
        self._rng = kernel_rng_state(self.streams)
        self._legitimacy = np.asarray(sc.legitimacy_by_step(), dtype=np.float64)
        self._views = (kernel.vision(sc.citizen_vision, world.pad, sc.width),
                       kernel.vision(sc.cop_vision, world.pad, sc.width))
        self._seen = np.zeros((3, max(view.shape[2] for view in self._views)),
                              dtype=np.uint64)
        self._arrest_table = arrest_probability_table(sc)
        # 1/n for every count of actives a vision can hold, the citizen itself included
        self._reciprocal = kernel.reciprocals(2 * world.pad * (world.pad + 1) + 1)

    @property
    def steps_done(self) -> int:
        return self.world.steps_done

    @property
    def n_steps(self) -> int:
        return self.scenario.steps

    def step(self) -> None:
        self.advance(1)

    def advance(self, n: int) -> None:
        started = time.perf_counter()
        done = self.world.steps_done
        size = min(n, self.n_steps - done)
        if size > 0:
            census = np.zeros((size, len(STATES)), dtype=np.int64)
            flows = np.zeros((size, len(kernel.FLOWS)), dtype=np.int64)
            self._run_kernel(done, size, census, flows)
            world = self.world
            _record(self.recorder, done, census, flows, self._citizens,
                    world.agents.state[: world.n_citizens])
            world.steps_done = done + size
        self.step_seconds += time.perf_counter() - started

    def _run_kernel(self, done: int, size: int, census: np.ndarray, flows: np.ndarray) -> None:
        sc, world, a = self.scenario, self.world, self.world.agents
        args = (world.order, self._rng, sc.max_jail_term,
                self._legitimacy[done: done + size], a.x, a.y, a.state, a.jail, a.hardship,
                a.risk_aversion, world.n_citizens, world.code, world.occ, sc.width, sc.height,
                world.pad, *self._views, self._seen, _RULES[sc.arrest_rule],
                sc.arrest_prob_constant, sc.active_threshold, self._arrest_table,
                self._reciprocal, sc.movement, self.recorder.counts[done, 0], census, flows)
        run_sequential, run_synchronous = self._kernels
        if sc.activation == "sequential":
            run_sequential(*args)
        else:
            run_synchronous(*args, np.empty(world.n_citizens, dtype=np.int8))

    def meta(self) -> dict[str, object]:
        world = self.world
        return {"n_citizens": world.n_citizens, "n_cops": world.n_cops,
                "agent_steps": world.n_agents * world.steps_done,
                "step_seconds": self.step_seconds}


def _kernels(path: str | None) -> tuple:
    """The kernel pair of ``path``: ``tuned`` (hand-written IR) or ``plain`` (plain
    ``@njit``), the same results bit for bit; default ``$DESERTION_CV_KERNEL`` or tuned
    (docs/civil_violence.md, "Kernel paths")."""
    return kernel.kernels(path or kernel.default_path())


def simulate(scenario: CivilViolenceScenario, seed: int | None = None,
             progress: ProgressCallback | None = None,
             observers: Iterable[Observer] = (), *,
             chunk_agent_steps: int = CHUNK_AGENT_STEPS,
             kernel_path: str | None = None) -> RunResult:
    """Run ``scenario.steps`` steps from ``seed`` (default: the scenario's). The same seed
    gives the same result, bit for bit, however many steps each kernel call runs
    (``chunk_agent_steps``) and whichever kernel path runs them. ``progress(steps_done,
    steps)`` is called after each call.
    """
    from desertion.civil_violence.adapter import MODEL

    started = time.perf_counter()
    run = CivilViolenceRun(scenario, seed, chunk_agent_steps=chunk_agent_steps,
                           kernel_path=kernel_path)
    run_to_end(run, progress, observers)
    return finished(MODEL, run, time.perf_counter() - started)


def run_world(scenario: CivilViolenceScenario, seed: int = 0,
              progress: ProgressCallback | None = None, *,
              chunk_agent_steps: int = CHUNK_AGENT_STEPS) -> tuple[World, Recorder, float]:
    """Build the world and run all its steps: the final world, the recorder, and the seconds
    spent stepping (drawing random numbers, the kernel, recording)."""
    run = CivilViolenceRun(scenario, seed, chunk_agent_steps=chunk_agent_steps)
    run_to_end(run, progress)
    return run.world, run.recorder, run.step_seconds


def kernel_rng_state(streams: Streams) -> np.ndarray:
    """The state of the bit generator the kernels draw the steps' random numbers from (the
    stream ``steps``: activation orders, moves, arrests, jail terms; see ``kernel``)."""
    return sfc64_state(streams.seed_sequence("steps"))


def _record(recorder: Recorder, first: int, census: np.ndarray, flows: np.ndarray,
            citizens: np.ndarray, state: np.ndarray) -> None:
    """Store a chunk's per-step census and flows; the chunk's last step is counted again
    from the agents' columns (the recorder's own census) as a check on the kernel."""
    last = first + len(census)
    recorder.counts[first + 1: last + 1, 0, :] = census
    for column, (name, src, dst) in enumerate(kernel.FLOWS):
        if flows[:, column].any():
            recorder.event_counts_over(first + 1, name, flows[:, column: column + 1],
                                       from_state=src, to_state=dst)
    recorder.census(last, citizens, state)
    if not np.array_equal(recorder.counts[last, 0], census[-1]):
        raise RuntimeError(f"step {last}: kernel census {census[-1].tolist()} differs from "
                           f"the agents' columns {recorder.counts[last, 0].tolist()}")
