"""Running an experiment: plan, open (or resume) the results folder, execute, summarise.

Everything that can be refused is refused before anything is written: a bad file, a point
the base scenario does not accept, a results folder that is not the experiment's own, a
cluster that does not answer.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from desertion.experiments.design import Plan, PlannedRun, make_plan
from desertion.experiments.executors import (
    CONNECT_TIMEOUT_S,
    DaskExecutor,
    InlineExecutor,
    LocalExecutor,
    dask_client,
    jobqueue_client,
)
from desertion.experiments.spec import Experiment, check_points, load_experiment
from desertion.experiments.store import FORMAT, ResultStore, runs_schema
from desertion.experiments.worker import RunContext, RunRecord


@dataclass
class SweepSummary:
    """What a call of ``run_experiment`` did, and where the results stand."""

    out: Path
    executor: str
    workers: int
    planned: int
    """Runs in the experiment."""
    skipped: int
    """Runs already recorded before this call (resumed)."""
    ran: int
    """Runs executed by this call."""
    ok: int
    """Runs recorded as ok, in all (this call and earlier ones)."""
    failed: int
    """Runs recorded as failed, in all."""
    elapsed_s: float
    run_time_s: float
    """Sum of the wall times of the runs executed by this call."""
    errors: list[tuple[int, str]] = field(default_factory=list)
    """(run id, error) of runs that failed in this call."""

    @property
    def complete(self) -> bool:
        return self.ok + self.failed == self.planned

    @property
    def throughput(self) -> float:
        """Runs per second in this call."""
        return self.ran / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def overhead(self) -> float:
        """Share of the workers' time not spent in runs: 1 - run time / (elapsed x workers)."""
        capacity = self.elapsed_s * self.workers
        return 1.0 - self.run_time_s / capacity if capacity > 0 and self.ran else 0.0

    def __str__(self) -> str:
        return (f"{self.ok + self.failed} of {self.planned} runs recorded in {self.out} "
                f"({self.ok} ok, {self.failed} failed); this call ran {self.ran} "
                f"(skipped {self.skipped} already done) in {self.elapsed_s:.1f} s on "
                f"{self.workers} worker(s) ({self.executor})")


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("  -  runs/s" if speed is None else f"{speed:5.2f} runs/s",
                    style="progress.data.speed")


def _progress_bar(console: Console) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("[red]{task.fields[failed]} failed"), _RateColumn(),
                    TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                    console=console, transient=False)


def build_manifest(experiment: Experiment, plan: Plan, columns: list[str]) -> dict[str, Any]:
    from desertion import __version__

    return {
        "format": FORMAT,
        "desertion_version": __version__,
        "experiment": {"source": experiment.source, "content": experiment.text,
                       "name": experiment.name},
        "identity": experiment.identity(),
        "fingerprint": experiment.fingerprint(),
        "model": experiment.model.name,
        "outcomes": list(experiment.outcomes),
        "series": list(experiment.spec.series),
        "columns": columns,
        "design": {**experiment.spec.design.model_dump(mode="json"), **plan.to_json()},
        "plan_digest": plan.digest(),
        "runs": plan.runs_json(),
    }


ExperimentLike = str | Path | Experiment | Mapping[str, Any]
"""An experiment file, a loaded ``Experiment``, or a dict of an experiment file's keys."""


def as_experiment(experiment: ExperimentLike) -> Experiment:
    """The validated experiment: loaded from a file, or from a dict (``Experiment.from_dict``
    with the source ``<experiment>``); raises ``ExperimentError``."""
    if isinstance(experiment, Experiment):
        return experiment
    if isinstance(experiment, Mapping):
        return Experiment.from_dict(experiment)
    return load_experiment(experiment)


def plan_experiment(experiment: ExperimentLike) -> tuple[Experiment, Plan]:
    """Load and plan an experiment, and check every planned point against the base
    scenario, so that a point the runs would refuse stops it before anything is written.
    Raises ``ExperimentError``."""
    exp = as_experiment(experiment)
    plan = make_plan(exp)
    check_points(exp, plan.points)
    return exp, plan


def run_experiment(
    experiment: ExperimentLike,
    *,
    out: str | Path | None = None,
    workers: int | None = None,
    dask: Any = None,
    jobqueue: str | None = None,
    jobs: int = 1,
    retries: int = 2,
    retry_failed: bool = False,
    run_ids: Iterable[int] | None = None,
    progress: bool = False,
    console: Console | None = None,
    connect_timeout: float = CONNECT_TIMEOUT_S,
) -> SweepSummary:
    """Run an experiment (or the part of it not yet recorded) and return a summary.

    ``experiment``: an experiment TOML file, a loaded ``Experiment``, or a dict of the
    file's keys (validated as the file would be; relative paths from the working directory;
    ``experiment(...)`` builds one from keywords). ``out``: the results
    folder (default: the file's ``out``, else ``results/NAME``). Runs already recorded
    there are skipped (``retry_failed=True`` runs the failed ones again); a folder written
    for a different experiment, or holding anything but results of this tool, is refused
    (``ResultsFolderError``, an ``ExperimentError``), as is a folder another sweep is
    writing into.

    Where: ``workers`` local processes (default: one per CPU; ``0``: in this process);
    ``dask``: a ``distributed.Client``, a scheduler address, a scheduler file or ``"local"``
    (a scheduler that does not answer within ``connect_timeout`` seconds raises
    ``ClusterError``); ``jobqueue``: ``"slurm"``, ``"pbs"``, ... with ``jobs`` batch jobs
    (dask-jobqueue). ``retries``: how often a run whose worker died (or, on Dask, whose
    task raised) is tried again. ``run_ids``: only these runs, in this order.
    ``progress``: show a progress bar.
    """
    exp, plan = plan_experiment(experiment)
    schema = runs_schema(plan.factors, exp.outcomes)
    manifest = build_manifest(exp, plan, schema.names)
    store = ResultStore(Path(out) if out is not None else exp.default_out())
    wanted = range(plan.n_runs) if run_ids is None else list(dict.fromkeys(run_ids))
    # everything that can be refused is, before a cluster is asked for or a file written
    store.check(manifest, exp.source)
    anything_to_do = bool(_todo(plan, wanted, store.finished(), retry_failed))
    executor, closers = _executor(anything_to_do, workers, dask, jobqueue, jobs, retries,
                                  connect_timeout)
    try:
        store.open(manifest, schema, exp.source)
        try:
            recorded = store.finished()  # again, as the folder's only writer
            todo = _todo(plan, wanted, recorded, retry_failed)
            context = RunContext.create(exp.model, exp.base, exp.outcomes,
                                        tuple(exp.spec.series))
            return _execute(exp, plan, store, recorded, todo, len(wanted) - len(todo),
                            context, executor, progress, console)
        finally:
            store.close()
    finally:
        for item in closers:
            item.close()


def _todo(plan: Plan, wanted: Iterable[int], recorded: dict[int, str], retry_failed: bool
          ) -> list[PlannedRun]:
    """The wanted runs not yet recorded (and the failed ones, with ``retry_failed``)."""
    return [plan.run(run_id) for run_id in wanted
            if (state := recorded.get(run_id)) is None
            or (retry_failed and state == "failed")]


def _executor(anything_to_do: bool, workers: int | None, dask: Any, jobqueue: str | None,
              jobs: int, retries: int, connect_timeout: float) -> tuple[Any, list[Any]]:
    """Where the runs execute, and what to close afterwards."""
    if not anything_to_do:  # all recorded: start no workers, ask for no cluster
        return InlineExecutor(), []
    if jobqueue is not None:
        client, closers = jobqueue_client(jobqueue, jobs)
        return DaskExecutor(client, retries=retries), closers
    if dask is not None:
        client, closers = dask_client(dask, workers, timeout=connect_timeout)
        return DaskExecutor(client, retries=retries), closers
    if workers == 0:
        return InlineExecutor(), []
    return LocalExecutor(workers or os.cpu_count() or 1, retries=retries), []


def _execute(exp: Experiment, plan: Plan, store: ResultStore, recorded: dict[int, str],
             todo: list[Any], skipped: int, context: RunContext, executor: Any,
             progress: bool, console: Console | None) -> SweepSummary:
    rerun = {r.run_id for r in todo}
    ok = sum(1 for s in recorded.values() if s == "ok")
    failed = sum(1 for run_id, s in recorded.items() if s == "failed" and run_id not in rerun)
    counts = {"ran": 0, "ok": ok, "failed": failed, "time": 0.0}
    errors: list[tuple[int, str]] = []
    bar = _progress_bar(console or Console(stderr=True))
    task = bar.add_task(exp.name, total=plan.n_runs, completed=ok + failed, failed=failed)

    def on_results(records: list[RunRecord]) -> None:
        store.write(records)
        for rec in records:
            counts["ran"] += 1
            counts["time"] += rec.wall_time_s
            if rec.status == "ok":
                counts["ok"] += 1
            else:
                counts["failed"] += 1
                errors.append((rec.run_id, rec.error or ""))
        bar.update(task, advance=len(records), failed=counts["failed"])

    started = time.perf_counter()
    try:
        if progress:
            bar.start()
        executor.run(context, todo, on_results)
    finally:
        if progress:
            bar.stop()
        store.merge()
    return SweepSummary(out=store.out, executor=executor.name, workers=executor.workers,
                        planned=plan.n_runs, skipped=skipped, ran=counts["ran"],
                        ok=counts["ok"], failed=counts["failed"],
                        elapsed_s=time.perf_counter() - started, run_time_s=counts["time"],
                        errors=errors)
