"""What a worker does with one planned run: apply its parameters, simulate, reduce to outcomes.

The model is used through its ``Model`` interface only: ``simulate`` and ``outcomes``; the
parameters are applied by the base scenario's own ``with_overrides`` (``spec.overridden``).

Runs on local worker processes and on Dask workers alike. A run that raises comes back as a
``failed`` record with its error; it never raises here.
"""

from __future__ import annotations

import math
import os
import pickle
import socket
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from pydantic import BaseModel

from desertion.engine.model import Model
from desertion.experiments.design import PlannedRun
from desertion.experiments.spec import overridden
from desertion.models import model_named


@dataclass(frozen=True)
class RunContext:
    """What every run of an experiment shares; sent once to each worker."""

    model: str
    """The model's name."""
    base: BaseModel
    outcomes: tuple[str, ...]
    series: tuple[str, ...] = ()
    implementation: Model | None = None
    """The model itself, when it pickles (its class by reference); otherwise the worker
    looks the model up by name in its own registry."""
    measures: Any = None
    """Instead of the model's outcomes: a picklable ``measures(result, model) -> dict``
    (a calibration's observations measured in each run)."""

    @classmethod
    def create(cls, model: Model, base: BaseModel, outcomes: tuple[str, ...],
               series: tuple[str, ...] = (), measures: Any = None) -> RunContext:
        implementation: Model | None = model
        try:
            pickle.dumps(model)
        except (pickle.PicklingError, AttributeError, TypeError):
            implementation = None
        return cls(model=model.name, base=base, outcomes=tuple(outcomes),
                   series=tuple(series), implementation=implementation, measures=measures)

    def resolve(self) -> Model:
        """The model that runs: the one sent along, else the registry's."""
        if self.implementation is not None:
            return self.implementation
        return model_named(self.model)

    def modules(self) -> list[str]:
        """The modules a worker process can import before its first run (the model's)."""
        module = getattr(type(self.implementation), "__module__", "__main__")
        return [] if self.implementation is None or module == "__main__" else [module]


@dataclass
class RunRecord:
    """The result of one run: a row of the results table, plus its series if kept."""

    run_id: int
    point: int
    replication: int
    seed: int
    params: dict[str, Any]
    outcomes: dict[str, float]
    status: str
    """``ok`` or ``failed``."""
    error: str | None
    wall_time_s: float
    worker: str
    series: dict[str, pd.DataFrame] = field(default_factory=dict)

    @classmethod
    def failed(cls, run: PlannedRun, error: str, wall_time_s: float = 0.0,
               worker: str = "") -> RunRecord:
        return cls(run_id=run.run_id, point=run.point, replication=run.replication,
                   seed=run.seed, params=dict(run.params), outcomes={}, status="failed",
                   error=error, wall_time_s=wall_time_s, worker=worker)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def describe_error(exc: BaseException) -> str:
    """``Type: message [file:line in function]`` for the innermost frame."""
    text = f"{type(exc).__name__}: {exc}"
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        last = frames[-1]
        text += f" [{os.path.basename(last.filename)}:{last.lineno} in {last.name}]"
    return text


def execute_run(context: RunContext, run: PlannedRun) -> RunRecord:
    """Simulate one planned run; exceptions become a failed record."""
    started = time.perf_counter()
    try:
        model = context.resolve()
        scenario = overridden(context.base, run.params)
        result = model.simulate(scenario, seed=run.seed)
        values = (model.outcomes(result) if context.measures is None
                  else context.measures(result, model))
        kept: dict[str, float] = {}
        for name in context.outcomes:
            # an outcome some runs do not define (too short a run, say) is missing: NaN
            value = values.get(name)
            kept[name] = math.nan if value is None else float(value)
        series = {}
        for table in context.series:
            frame = getattr(result, table).copy()
            frame.insert(0, "run_id", run.run_id)
            series[table] = frame
    except Exception as exc:
        return RunRecord.failed(run, describe_error(exc), time.perf_counter() - started,
                                worker_name())
    return RunRecord(run_id=run.run_id, point=run.point, replication=run.replication,
                     seed=run.seed, params=dict(run.params), outcomes=kept, status="ok",
                     error=None, wall_time_s=time.perf_counter() - started,
                     worker=worker_name(), series=series)


# --- local worker processes: the context is installed once per process ----------------------

_CONTEXT: RunContext | None = None
ORPHANED_EXIT_CODE = 75
"""A worker's exit status when it ends because the sweep's main process is gone."""
POLL_INTERVAL_S = 0.5


def install_context(context: RunContext, main_pid: int | None = None) -> None:
    """Process-pool initializer: keep the shared context; leave Ctrl-C to the parent; end
    this worker when the sweep's main process ``main_pid`` is gone."""
    import signal

    global _CONTEXT
    _CONTEXT = context
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if main_pid is not None:
        exit_when_gone(main_pid)


def exit_when_gone(pid: int) -> None:
    """End this process (``os._exit``) as soon as process ``pid`` has exited.

    A sweep killed with SIGKILL cannot stop its workers, and nothing else does: they are
    children of the fork server, not of the sweep, and each holds both ends of the pool's
    queue, so they never see it close. Their results would be thrown away, and the fork
    server and resource tracker live on as long as any of them does. (The watching thread
    needs the GIL to act: a run inside one compiled call that holds it finishes first.)
    """
    import threading

    def watch() -> None:
        wait_for_exit(pid)
        os._exit(ORPHANED_EXIT_CODE)

    threading.Thread(target=watch, name=f"desertion-watch-{pid}", daemon=True).start()


def wait_for_exit(pid: int) -> None:
    """Return once process ``pid`` has exited (at once if there is none)."""
    import select

    try:
        handle = os.pidfd_open(pid)  # Linux 5.3+: readable when the process exits
    except ProcessLookupError:
        return
    except (AttributeError, OSError):  # another system, or pidfd_open not allowed
        _poll_for_exit(pid)
        return
    try:
        select.select([handle], [], [])
    finally:
        os.close(handle)


def _poll_for_exit(pid: int) -> None:
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        except PermissionError:  # alive, another user's (the pid was reused)
            return
        time.sleep(POLL_INTERVAL_S)


def execute_installed(run: PlannedRun) -> RunRecord:
    assert _CONTEXT is not None, "install_context was not called in this process"
    return execute_run(_CONTEXT, run)
