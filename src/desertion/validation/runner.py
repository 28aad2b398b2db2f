"""Running the patterns' experiments: plan the runs, execute them, judge the checks.

The unit of work is one run: an arm (at the validation's scale) and a seed. Arms of
different patterns with the same scenario, changes and scale share their runs, and each run
is measured once by every pattern that reads it; only the measures (named numbers) leave
the worker. Results are collected by arm and seed and the checks are judged afterwards in
the order of their seeds, so they do not depend on the number of workers or on the order in
which runs finish.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass

from desertion.validation import patterns as catalogue
from desertion.validation.design import CheckResult, Pattern, judge
from desertion.validation.trace import Arm, Measure, run_arm

RunId = tuple[str, int]
"""An arm's run key and a seed."""
Measures = dict[str, dict[str, float]]
"""A run's measures, by measure name."""
Progress = Callable[[int, int], None]
"""``progress(runs_done, runs_planned)``."""


@dataclass(frozen=True)
class Request:
    """Which checks of a pattern to judge, on which seeds (all checks by default)."""

    pattern: int
    seeds: tuple[int, ...]
    checks: tuple[str, ...] | None = None

    def selected(self) -> tuple[Pattern, list]:
        p = catalogue.pattern(self.pattern)  # looked up here, so tests may swap one in
        return p, [c for c in p.checks if self.checks is None or c.name in self.checks]


@dataclass(frozen=True)
class Job:
    """One run and the measures taken of it."""

    arm: Arm
    seed: int
    measures: tuple[tuple[str, Measure], ...]

    @property
    def id(self) -> RunId:
        return self.arm.run_key(), self.seed


class RunFailed(RuntimeError):
    """A run of the validation raised (a bug in the model or in a measure)."""


def measure_name(fn: Measure) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def plan(requests: Iterable[Request], scale: float = 1.0) -> list[Job]:
    """The distinct runs the requests need, each with every measure taken of it."""
    arms: dict[RunId, Arm] = {}
    wanted: dict[RunId, dict[str, Measure]] = {}
    for request in requests:
        p, checks = request.selected()
        for name in sorted({a for c in checks for a in c.arms}):
            arm = p.arms[name].scaled(scale)
            for seed in request.seeds:
                key = (arm.run_key(), seed)
                arms.setdefault(key, arm)
                wanted.setdefault(key, {})[measure_name(arm.measure)] = arm.measure
    return [Job(arms[k], k[1], tuple(sorted(wanted[k].items()))) for k in sorted(arms)]


def execute_job(job: Job) -> Measures:
    """Run one job and take its measures."""
    try:
        run = run_arm(job.arm, job.seed)
        return {name: fn(run) for name, fn in job.measures}
    except Exception as exc:
        raise RunFailed(f"{job.arm.scenario} (scale {job.arm.scale}, seed {job.seed}, "
                        f"changes {dict(job.arm.overrides)}): {type(exc).__name__}: {exc}"
                        ) from exc


def _context() -> multiprocessing.context.BaseContext:
    """A fork server with this module imported; spawn where there is none."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["desertion.validation.runner"])
        return ctx
    return multiprocessing.get_context("spawn")


def execute(jobs: Sequence[Job], workers: int = 1, progress: Progress | None = None
            ) -> dict[RunId, Measures]:
    """Every job's measures; in this process (``workers`` <= 1) or on worker processes."""
    done: dict[RunId, Measures] = {}
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            done[job.id] = execute_job(job)
            if progress is not None:
                progress(len(done), len(jobs))
        return done
    from desertion.experiments.executors import pinned_threads

    with pinned_threads(), ProcessPoolExecutor(max_workers=min(workers, len(jobs)),
                                               mp_context=_context()) as pool:
        futures: dict[Future[Measures], Job] = {pool.submit(execute_job, j): j for j in jobs}
        try:
            while futures:
                finished, _ = wait(futures, return_when=FIRST_COMPLETED)
                for future in finished:
                    done[futures.pop(future).id] = future.result()
                    if progress is not None:
                        progress(len(done), len(jobs))
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return done


Cache = dict[RunId, Measures]
"""Measures already taken, by run (``evaluate(cache=...)``)."""


def missing(jobs: Sequence[Job], cache: Cache) -> list[Job]:
    """The jobs (with only the measures) that ``cache`` does not hold yet."""
    out = []
    for job in jobs:
        have = cache.get(job.id, {})
        wanted = tuple((n, fn) for n, fn in job.measures if n not in have)
        if wanted:
            out.append(Job(job.arm, job.seed, wanted))
    return out


def evaluate(requests: Sequence[Request], scale: float = 1.0, workers: int = 1,
             progress: Progress | None = None, cache: Cache | None = None
             ) -> list[CheckResult]:
    """Judge the requested checks: plan the runs, execute them, combine over seeds.

    ``cache`` (a dict the caller keeps) holds measures taken by earlier calls, which are
    not run again, and receives this call's; ``workers`` > 1 runs on worker processes.
    """
    cache = {} if cache is None else cache
    for run_id, measures in execute(missing(plan(requests, scale), cache), workers,
                                    progress).items():
        cache.setdefault(run_id, {}).update(measures)
    return judge_all(requests, cache, scale)


def judge_all(requests: Sequence[Request], measured: dict[RunId, Measures],
              scale: float = 1.0) -> list[CheckResult]:
    """Judge the requested checks on the measures of their runs."""
    results = []
    for request in requests:
        p, checks = request.selected()
        for check in checks:
            by_seed = {}
            for seed in request.seeds:
                by_seed[seed] = {}
                for name in check.arms:
                    arm = p.arms[name].scaled(scale)
                    by_seed[seed][name] = measured[(arm.run_key(), seed)][
                        measure_name(arm.measure)]
            results.append(judge(p, check, by_seed, scale))
    return results
