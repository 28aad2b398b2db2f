"""Where runs execute: in this process, on local worker processes, or on a Dask cluster.

Every executor takes planned runs (their seeds already fixed) and hands finished records to a
callback as they come back, in whatever order they finish; results never depend on it.

Local workers: a ``ProcessPoolExecutor`` whose processes are forked from a clean fork
server (spawned, where there is none), with BLAS/OpenMP/numba threads pinned to one each.
When a worker process dies mid-run the pool breaks; the pool is recreated and the runs that
were in flight are run again, one at a time, so the run that kills its worker is known: it
is retried up to ``retries`` more times and then recorded as failed; the others are not
charged. Each worker ends itself when the sweep's process is gone (killed with SIGKILL,
say; ``worker.exit_when_gone``), and the fork server and resource tracker, which wait for
the last worker, follow. A Dask cluster handles dead workers itself (the scheduler
reschedules a dead worker's tasks, ``distributed.scheduler.allowed-failures`` times) and
``retries=`` resubmits tasks that raise.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from typing import Any

from desertion.experiments.design import PlannedRun
from desertion.experiments.worker import (
    RunContext,
    RunRecord,
    describe_error,
    execute_installed,
    execute_run,
    install_context,
)

OnResults = Callable[[list[RunRecord]], None]
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "NUMBA_NUM_THREADS")


@contextlib.contextmanager
def pinned_threads() -> Iterator[None]:
    """Set the thread-count variables to 1 (unless set) for processes started meanwhile."""
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class InlineExecutor:
    """Runs in this process, one after the other (for debugging: ``--workers 0``)."""

    name = "in-process"
    workers = 1

    def run(self, context: RunContext, runs: Iterable[PlannedRun],
            on_results: OnResults) -> None:
        for run in runs:
            on_results([execute_run(context, run)])


def _mp_context(preload: Iterable[str] = ()) -> multiprocessing.context.BaseContext:
    """A fork server with the worker and model modules imported (the first call's list
    counts: the server starts once per process); spawn where there is no fork server."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["desertion.experiments.worker", *preload])
        return ctx
    return multiprocessing.get_context("spawn")


class LocalExecutor:
    """Runs on ``workers`` local processes; survives workers that die."""

    name = "local processes"

    def __init__(self, workers: int, retries: int = 2) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self.retries = retries
        self.pool_restarts = 0

    def _pool(self, context: RunContext) -> ProcessPoolExecutor:
        modules = context.modules()
        # each worker watches this process, and ends when it is gone (killed, say)
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=_mp_context(modules),
                                   initializer=install_context,
                                   initargs=(context, os.getpid()))

    def run(self, context: RunContext, runs: Iterable[PlannedRun],
            on_results: OnResults) -> None:
        pending = deque(runs)
        suspects: deque[PlannedRun] = deque()
        deaths: dict[int, int] = {}
        window = self.workers + 1
        in_flight: dict[Future[RunRecord], PlannedRun] = {}
        with pinned_threads():
            pool = self._pool(context)
            try:
                while pending or suspects or in_flight:
                    broken = False
                    # after a crash, the runs that were in flight go one at a time, so that
                    # the run at fault is known
                    queue, limit = (suspects, 1) if suspects else (pending, window)
                    while queue and len(in_flight) < limit:
                        run = queue.popleft()
                        try:
                            in_flight[pool.submit(execute_installed, run)] = run
                        except BrokenProcessPool:
                            queue.appendleft(run)
                            broken = True
                            break
                    if not broken:
                        done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                        records: list[RunRecord] = []
                        for future in done:
                            try:
                                records.append(future.result())
                            except BrokenProcessPool:
                                broken = True
                                continue  # stays in flight: handled below
                            except Exception as exc:  # e.g. a result that does not pickle
                                records.append(RunRecord.failed(in_flight[future],
                                                                describe_error(exc)))
                            del in_flight[future]
                        if records:
                            on_results(records)
                    if broken:
                        lost = list(in_flight.values())
                        in_flight.clear()
                        pool.shutdown(wait=True, cancel_futures=True)
                        self.pool_restarts += 1
                        pool = self._pool(context)
                        self._blame(lost, deaths, suspects, on_results)
            except BaseException:
                _kill_workers(pool)
                raise
            finally:
                pool.shutdown(wait=True, cancel_futures=True)

    def _blame(self, lost: list[PlannedRun], deaths: dict[int, int],
               suspects: deque[PlannedRun], on_results: OnResults) -> None:
        """Runs lost with a dead worker: a run that was alone is charged with the death."""
        if len(lost) != 1:
            suspects.extend(lost)
            return
        run = lost[0]
        deaths[run.run_id] = deaths.get(run.run_id, 0) + 1
        if deaths[run.run_id] > self.retries:
            on_results([RunRecord.failed(run, f"WorkerDied: the worker process died during "
                                         f"this run {deaths[run.run_id]} times")])
        else:
            suspects.appendleft(run)


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """Stop the pool's processes now (on Ctrl-C): the runs in flight are lost."""
    processes = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        with contextlib.suppress(Exception):
            process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


class DaskExecutor:
    """Runs on a Dask cluster through ``client``; keeps a bounded number of tasks queued."""

    name = "dask"

    def __init__(self, client: Any, retries: int = 2, window: int | None = None) -> None:
        self.client = client
        self.retries = retries
        self._window = window

    @property
    def workers(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def run(self, context: RunContext, runs: Iterable[PlannedRun],
            on_results: OnResults) -> None:
        from distributed import as_completed

        window = self._window or max(4, 2 * self.workers)
        session = uuid.uuid4().hex[:8]
        source = iter(runs)
        submitted: dict[str, PlannedRun] = {}

        def submit(run: PlannedRun) -> Any:
            future = self.client.submit(execute_run, context, run, pure=False,
                                        retries=self.retries,
                                        key=f"desertion-run-{session}-{run.run_id}")
            submitted[future.key] = run
            return future

        queue = as_completed([submit(run) for run in islice(source, window)])
        try:
            for batch in queue.batches():
                records = []
                for future in batch:
                    run = submitted.pop(future.key)
                    try:
                        records.append(future.result())
                    except Exception as exc:  # KilledWorker, lost data, ...
                        records.append(RunRecord.failed(run, f"dask: {describe_error(exc)}"))
                    future.release()
                    following = next(source, None)
                    if following is not None:
                        queue.add(submit(following))
                on_results(records)
        except BaseException:
            with contextlib.suppress(Exception):
                self.client.cancel(list(queue.futures))
            raise


CONNECT_TIMEOUT_S = 5.0
"""How long to wait for a Dask scheduler to answer (Dask's own default is 30 s)."""


class ClusterError(RuntimeError):
    """No cluster to run on: a scheduler that does not answer, say."""


def dask_client(address: Any, workers: int | None = None,
                timeout: float = CONNECT_TIMEOUT_S) -> tuple[Any, list[Any]]:
    """A Dask client for ``address`` and what to close afterwards.

    ``address``: a ``distributed.Client``; a scheduler address (``tcp://host:8786``); a
    scheduler file (``*.json``, as written by ``dask scheduler --scheduler-file``); or
    ``local`` for a LocalCluster of ``workers`` single-threaded processes on this machine.
    A scheduler that does not answer within ``timeout`` seconds raises ``ClusterError``.
    """
    from distributed import Client, LocalCluster

    if isinstance(address, Client):
        return address, []
    text = str(address)
    if text == "local":
        # on loopback; its HTTP server on any free port (not 8787, which may be taken)
        cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                               processes=True, host="127.0.0.1",
                               dashboard_address="127.0.0.1:0")
        client = Client(cluster)
        return client, [client, cluster]
    try:
        if text.endswith(".json") and os.path.exists(text):
            client = Client(scheduler_file=text, timeout=timeout)
        else:
            client = Client(text, timeout=timeout)
    except (OSError, TimeoutError):  # Dask retries until the timeout, then says so
        raise ClusterError(f"no Dask scheduler answered at {text} within {timeout:g} s; is "
                           "it running, and is the address right?") from None
    return client, [client]


JOBQUEUE_KINDS = {"slurm": "SLURMCluster", "pbs": "PBSCluster", "sge": "SGECluster",
                  "lsf": "LSFCluster", "htcondor": "HTCondorCluster", "oar": "OARCluster"}


def jobqueue_client(kind: str, jobs: int) -> tuple[Any, list[Any]]:
    """A Dask client on a dask-jobqueue cluster of ``jobs`` batch jobs.

    The cluster is configured the dask-jobqueue way, in ``~/.config/dask/jobqueue.yaml``
    (queue, account, cores, memory, walltime, ...), see docs/experiments.md.
    """
    try:
        import dask_jobqueue
    except ImportError:
        raise RuntimeError("--jobqueue needs dask-jobqueue: pip install 'desertion[cluster]'"
                           ) from None
    from distributed import Client

    try:
        cls = getattr(dask_jobqueue, JOBQUEUE_KINDS[kind.lower()])
    except KeyError:
        raise ValueError(f"unknown job queue {kind!r}; expected one of "
                         f"{sorted(JOBQUEUE_KINDS)}") from None
    cluster = cls()
    try:
        cluster.scale(jobs=jobs)
        client = Client(cluster.scheduler_address)
    except BaseException:
        cluster.close()
        raise
    return client, [client, cluster]
