"""Fit a scenario's parameters to documented figures: simulate, train, check, report.

The steps (each one's runs are recorded as they finish, so an interrupted calibration
resumes where it stopped, and a rerun with more simulations adds to those recorded):

1. **Simulations**: ``method.simulations`` parameter sets drawn from the prior (in the unit
   cube, mapped by each prior's quantile function), each run once with its own seed,
   through the experiment layer's executors (this process, local processes or Dask); each
   run's observations are measured in the worker.
2. **Training**: neural posterior estimation (``npe``) on the runs, each observation with a
   draw of its error model added.
3. **Posterior**: ``method.posterior_draws`` draws given the documented figures.
4. **Posterior predictive check**: ``method.ppc_draws`` runs at posterior draws; each
   observation's model band beside its documented range; the same for the scenario's own
   (hand-chosen) values as the baseline.
5. **Recovery** (``method.recovery_tests``): synthetic observations made by the model at
   parameters drawn from the prior, refitted by the same estimator; the share of true
   values inside their 90% credible interval is the method's measured coverage.

Every random number comes from one ``SeedSequence`` (the file's ``seed``), one named stream
per use; run seeds are fixed before any run is submitted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import importlib.util
import json
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from desertion.calibration.observations import transform
from desertion.calibration.posterior import Posterior
from desertion.calibration.spec import (
    Calibration,
    CalibrationError,
    calibration_from_dict,
    load_calibration,
)
from desertion.engine.streams import Streams, spawn_seeds
from desertion.experiments.design import Factor, PlannedRun
from desertion.experiments.executors import CONNECT_TIMEOUT_S
from desertion.experiments.runner import _executor, _progress_bar
from desertion.experiments.store import (
    FORMAT,
    ResultStore,
    runs_schema,
    write_atomic,
    write_json_atomic,
)
from desertion.experiments.worker import RunContext, RunRecord

MANIFEST = "calibration.json"
DISTANCES = "distances.parquet"
TIMINGS = "timings.json"
CREDIBLE = 0.9
RECOVERY_DRAWS = 1000
"""Posterior draws per synthetic recovery test (its interval's quantiles)."""

CalibrationLike = str | Path | Calibration | Mapping[str, Any]


@dataclass
class CalibrationResult:
    """What a calibration wrote: posterior, checks, diagnostics, report."""

    out: Path
    posterior: Posterior
    ppc: pd.DataFrame
    baseline_ppc: pd.DataFrame | None
    recovery: pd.DataFrame | None
    diagnostics: dict[str, Any] = field(default_factory=dict)
    report: Path | None = None

    @property
    def coverage(self) -> float | None:
        """Share of the recovery tests' true values inside their 90% interval."""
        if self.recovery is None or self.recovery.empty:
            return None
        return float(self.recovery["covered"].mean())


def as_calibration(calibration: CalibrationLike) -> Calibration:
    if isinstance(calibration, Calibration):
        return calibration
    if isinstance(calibration, Mapping):
        return calibration_from_dict(dict(calibration))
    return load_calibration(calibration)


class _Stages:
    """Runs the calibration's batches of runs into their own result folders."""

    def __init__(self, cal: Calibration, out: Path, workers: int | None, dask: Any,
                 progress: bool, console: Console) -> None:
        self.cal, self.out = cal, out
        self.workers, self.dask = workers, dask
        self.progress, self.console = progress, console
        self.context = RunContext.create(cal.model, cal.base, tuple(cal.measures.keys),
                                         measures=cal.measures)
        self._executor: Any = None
        self._closers: list[Any] = []
        self.times: dict[str, float] = _read_timings(out)
        """Wall seconds per step, summed over every session that ran some of it (an
        interrupted calibration's time is kept)."""

    def executor(self) -> Any:
        if self._executor is None:
            self._executor, self._closers = _executor(True, self.workers, self.dask, None, 1,
                                                      2, CONNECT_TIMEOUT_S)
        return self._executor

    def close(self) -> None:
        for item in self._closers:
            item.close()

    def run(self, stage: str, params: pd.DataFrame | None, seeds: list[int],
            fresh: bool = False) -> pd.DataFrame:
        """Run (what is not yet recorded of) one batch; its results by run id. ``fresh``:
        the parameter sets depend on the posterior, so runs recorded for other ones (a
        posterior since refitted on more simulations) are dropped, not reused."""
        started = time.perf_counter()
        names = [] if params is None else list(params.columns)
        runs = [PlannedRun(run_id=i, point=i, replication=0, seed=seed,
                           params={} if params is None else
                           {p: float(params.iat[i, j]) for j, p in enumerate(names)})
                for i, seed in enumerate(seeds)]
        store = ResultStore(self.out / stage)
        identity = {"spec": {"stage": stage, "calibration": self.cal.fingerprint(),
                             **({"parameters": _digest(params)} if fresh else {})}}
        digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()
        schema = runs_schema([Factor(path=p) for p in names], self.cal.measures.keys)
        from desertion import __version__
        manifest = {"format": FORMAT, "desertion_version": __version__,
                    "fingerprint": digest, "plan_digest": digest, "identity": identity,
                    "model": self.cal.model.name, "outcomes": self.cal.measures.keys,
                    "columns": schema.names, "calibration": self.cal.source}
        if fresh:
            _drop_stale(store, digest)
        store.open(manifest, schema, self.cal.source)
        try:
            recorded = store.finished()
            # a run recorded as failed is tried again (its worker may have died)
            todo = [r for r in runs if recorded.get(r.run_id) != "ok"]
            if todo:
                try:
                    self._execute(stage, store, todo, len(runs))
                finally:
                    self.record_time(stage, time.perf_counter() - started)
            frame = store.results()
        finally:
            store.merge()
            store.close()
        frame = frame[frame["run_id"] < len(runs)]
        return frame.sort_values("run_id").reset_index(drop=True)

    def record_time(self, stage: str, seconds: float, replace: bool = False) -> None:
        self.times[stage] = seconds + (0.0 if replace else self.times.get(stage, 0.0))
        write_json_atomic(self.out / TIMINGS, {k: round(v, 1) for k, v in self.times.items()})

    def _execute(self, stage: str, store: ResultStore, todo: list[PlannedRun],
                 total: int) -> None:
        bar = _progress_bar(self.console)
        task = bar.add_task(stage, total=total, completed=total - len(todo), failed=0)
        failed = 0

        def on_results(records: list[RunRecord]) -> None:
            nonlocal failed
            store.write(records)
            failed += sum(r.status != "ok" for r in records)
            bar.update(task, advance=len(records), failed=failed)

        if self.progress:
            bar.start()
        try:
            self.executor().run(self.context, todo, on_results)
        finally:
            if self.progress:
                bar.stop()


def _digest(params: pd.DataFrame | None) -> str:
    data = b"" if params is None else params.to_numpy(dtype=float).tobytes()
    return hashlib.sha256(data).hexdigest()


def _drop_stale(store: ResultStore, digest: str) -> None:
    """Remove a stage's results folder recorded for other parameter sets (ours: it has our
    manifest)."""
    manifest = store.manifest()
    if manifest is not None and manifest.get("fingerprint") != digest:
        shutil.rmtree(store.out)


def _read_timings(out: Path) -> dict[str, float]:
    try:
        data = json.loads((out / TIMINGS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _seed(streams: Streams, name: str) -> int:
    return int(streams.seed_sequence(name).generate_state(1, np.uint64)[0] >> np.uint64(1))


def _prior_draws(cal: Calibration, streams: Streams, name: str, n: int
                 ) -> tuple[np.ndarray, pd.DataFrame]:
    """``n`` points of the unit cube (rows: the first n of any longer draw) and the
    parameter values they map to."""
    u = streams.fresh(name).random((n, len(cal.parameters)))
    theta = pd.DataFrame({p: cal.priors[p].ppf(u[:, j])
                          for j, p in enumerate(cal.parameters)})
    return u, theta


def _unit(cal: Calibration, theta: pd.DataFrame) -> np.ndarray:
    return np.column_stack([cal.priors[p].cdf(theta[p].to_numpy()) for p in cal.parameters])


def _noisy(cal: Calibration, streams: Streams, name: str, x: np.ndarray) -> np.ndarray:
    """Observations as documented: each run's value plus a draw of its error model."""
    noise = np.column_stack([o.noise(streams.fresh(f"{name}.{o.key}"), len(x))
                             for o in cal.observations])
    return transform(x + noise)


def _usable(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    x = frame[keys].to_numpy(dtype=float)
    return (frame["status"].to_numpy() == "ok") & np.isfinite(x).all(axis=1)


def distance_table(cal: Calibration, frame: pd.DataFrame) -> pd.DataFrame:
    """Each simulation's distance to each documented figure, in units of its error's
    spread (|d| <= 1: inside an interval), and whether it is inside every interval (the
    runs an exact rejection sampler would accept: a check on the neural estimate)."""
    out = frame[["run_id", "seed", *cal.parameters, "status"]].copy()
    inside = np.ones(len(frame), dtype=bool)
    for o in cal.observations:
        d = (frame[o.key].to_numpy(dtype=float) - o.observed) / o.spread
        out[f"distance:{o.key}"] = d
        inside &= np.abs(d) <= 1.0
    out["inside_all"] = inside & (frame["status"].to_numpy() == "ok")
    return out


def band_table(cal: Calibration, frame: pd.DataFrame) -> pd.DataFrame:
    """Each observation against the model's bands over the runs of ``frame``."""
    rows = []
    ok = frame[frame["status"] == "ok"]
    for o in cal.observations:
        values = ok[o.key].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        q = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95]) if len(values) else \
            np.full(5, np.nan)
        rows.append({"key": o.key, "id": o.id, "date": o.date.isoformat(),
                     "quantity": o.quantity, "value": o.value,
                     "low": np.nan if o.low is None else o.low,
                     "high": np.nan if o.high is None else o.high,
                     "q05": q[0], "q25": q[1], "median": q[2], "q75": q[3], "q95": q[4],
                     "inside": bool(len(values)) and o.consistent(q[0], q[4]),
                     "runs": len(values)})
    return pd.DataFrame(rows)


def _check_out(cal: Calibration, out: Path) -> None:
    """Refuse a folder that holds anything but this calibration's own results."""
    if not out.exists():
        return
    if not out.is_dir():
        raise CalibrationError(cal.source, [("out", f"{out} is not a folder")])
    manifest = out / MANIFEST
    if manifest.is_file():
        try:
            existing = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            existing = {}
        if existing.get("fingerprint") != cal.fingerprint():
            raise CalibrationError(cal.source, [("out", f"{out} holds a different "
                                                 "calibration's results (scenario, priors, "
                                                 "observations or seed differ); refusing to "
                                                 "mix them: choose another folder")])
        return
    if any(out.iterdir()):
        raise CalibrationError(cal.source, [("out", f"{out} is not empty and holds no "
                                             f"{MANIFEST}: not a calibration's folder; "
                                             "choose another")])


def calibrate(calibration: CalibrationLike, *, out: str | Path | None = None,
              workers: int | None = None, dask: Any = None, progress: bool = False,
              console: Console | None = None) -> CalibrationResult:
    """Fit a calibration's parameters; write its posterior, checks and report to ``out``
    (default: the file's ``out``, else ``results/calibrate-NAME``).

    ``workers``: local processes (default one per CPU; 0 in this process); ``dask``: a
    ``distributed.Client``, a scheduler address or ``"local"``. The posterior does not
    depend on either. Raises ``CalibrationError`` for a bad file or output folder before
    anything runs.
    """
    cal = as_calibration(calibration)
    target = Path(out) if out is not None else cal.default_out()
    _check_out(cal, target)
    missing = [name for name in ("sbi", "torch") if importlib.util.find_spec(name) is None]
    if missing:
        raise CalibrationError(cal.source, [("method", f"neural posterior estimation needs "
                                             f"{' and '.join(missing)}: pip install "
                                             "'desertion[calibration]'")])
    console = console or Console(stderr=True)
    target.mkdir(parents=True, exist_ok=True)
    from desertion import __version__
    write_json_atomic(target / MANIFEST, {
        "format": 1, "desertion_version": __version__, "fingerprint": cal.fingerprint(),
        "source": cal.source, "content": cal.text, "identity": cal.identity(),
        "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})
    started = time.perf_counter()
    stages = _Stages(cal, target, workers, dask, progress, console)
    try:
        result = _fit(cal, target, stages, console, progress)
    finally:
        stages.close()
    result.diagnostics["wall time, this session (s)"] = round(time.perf_counter() - started, 1)
    result.diagnostics["wall time, all sessions (s)"] = round(sum(stages.times.values()), 1)
    result.diagnostics.update({f"wall time: {k} (s)": round(v, 1)
                               for k, v in stages.times.items()})
    result.report = _report(cal, result, target)
    return result


def _fit(cal: Calibration, out: Path, stages: _Stages, console: Console,
         progress: bool) -> CalibrationResult:
    method = cal.spec.method
    streams = Streams(cal.spec.seed)
    keys = cal.measures.keys
    u, theta = _prior_draws(cal, streams, "prior", method.simulations)
    sims = stages.run("simulations", theta,
                      spawn_seeds(_seed(streams, "runs"), method.simulations))
    usable = _usable(sims, keys)
    if usable.sum() < 20:
        errors = sims.loc[sims["status"] != "ok", "error"]
        first = f"; the first error: {errors.iloc[0]}" if len(errors) else ""
        raise CalibrationError(cal.source, [("method.simulations", f"only {usable.sum()} of "
                                             f"{len(sims)} runs gave every observation"
                                             f"{first}")])
    distances = distance_table(cal, sims)
    write_atomic(out / DISTANCES, lambda tmp: distances.to_parquet(tmp, index=False))
    x = _noisy(cal, streams, "noise", sims[keys].to_numpy(dtype=float))
    trained_started = time.perf_counter()
    from desertion.calibration.npe import train
    with _training_bar(console, progress, method.max_epochs, int(usable.sum())) as on_epoch:
        trained = train(u[usable], x[usable], _seed(streams, "training"), method, on_epoch)
    stages.record_time("training", time.perf_counter() - trained_started, replace=True)
    observed = transform(np.array([o.observed for o in cal.observations]))
    draws_u = trained.sample(observed, method.posterior_draws, _seed(streams, "posterior"))
    draws = pd.DataFrame({p: cal.priors[p].ppf(draws_u[:, j])
                          for j, p in enumerate(cal.parameters)})
    diagnostics: dict[str, Any] = {
        "method": f"NPE ({method.estimator}, sbi)", "simulations": len(sims),
        "usable runs": int(usable.sum()), "epochs": trained.epochs,
        "best validation loss": trained.best_validation_loss,
        "posterior draws": method.posterior_draws, "seed": str(cal.spec.seed),
        "prior runs inside every documented range": int(distances["inside_all"].sum())}
    if progress:
        console.print(f"trained: {trained.epochs} epochs, best validation loss "
                      f"{trained.best_validation_loss:.4g}")
    posterior = Posterior(draws=draws, info=_posterior_info(cal, diagnostics))
    posterior.save(out / "posterior")
    ppc = baseline = recovery = None
    if method.ppc_draws:
        chosen = posterior.sample(method.ppc_draws, _seed(streams, "ppc.parameters"))
        ppc = band_table(cal, stages.run("ppc", chosen, spawn_seeds(
            _seed(streams, "ppc.runs"), method.ppc_draws), fresh=True))
        if method.baseline:
            baseline = band_table(cal, stages.run("baseline", None, spawn_seeds(
                _seed(streams, "baseline.runs"), method.ppc_draws)))
    if method.recovery_tests:
        recovery = _recovery(cal, streams, stages, trained, method.recovery_tests)
        diagnostics["recovery coverage (90% intervals)"] = float(recovery["covered"].mean())
    return CalibrationResult(out=out, posterior=posterior,
                             ppc=ppc if ppc is not None else pd.DataFrame(),
                             baseline_ppc=baseline, recovery=recovery,
                             diagnostics=diagnostics)


@contextlib.contextmanager
def _training_bar(console: Console, progress: bool, max_epochs: int, rows: int) -> Any:
    """A progress bar of the training epochs and the validation loss (it stops early,
    when the loss has not improved for ``stop_after_epochs``)."""
    if not progress:
        yield None
        return
    bar = Progress(TextColumn("[bold]training"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("epochs  validation loss {task.fields[loss]}"),
                   TimeElapsedColumn(), console=console, transient=False)
    task = bar.add_task("training", total=max_epochs, loss="-")

    def on_epoch(epochs: int, loss: float) -> None:
        bar.update(task, completed=epochs, loss=f"{loss:.4g}")

    console.print(f"training NPE on {rows} runs (stops when the validation loss stalls)")
    with bar:
        yield on_epoch


def _recovery(cal: Calibration, streams: Streams, stages: _Stages, trained: Any,
              tests: int) -> pd.DataFrame:
    """Refit synthetic observations made at known parameters; is each inside its 90%?"""
    keys = cal.measures.keys
    u, theta = _prior_draws(cal, streams, "recovery.prior", tests)
    frame = stages.run("recovery", theta,
                       spawn_seeds(_seed(streams, "recovery.runs"), tests))
    usable = _usable(frame, keys)
    x = _noisy(cal, streams, "recovery.noise", frame[keys].to_numpy(dtype=float))
    tail = (1 - CREDIBLE) / 2
    rows = []
    base_seed = _seed(streams, "recovery.posterior")
    for i in np.flatnonzero(usable):
        draws = trained.sample(x[i], RECOVERY_DRAWS, base_seed + int(i))
        low, high = np.quantile(draws, [tail, 1 - tail], axis=0)
        for j, p in enumerate(cal.parameters):
            rows.append({"test": int(i), "parameter": p, "truth": float(theta.iat[i, j]),
                         "low": float(cal.priors[p].ppf(np.array([low[j]]))[0]),
                         "high": float(cal.priors[p].ppf(np.array([high[j]]))[0]),
                         "covered": bool(low[j] <= u[i, j] <= high[j])})
    return pd.DataFrame(rows)


def _posterior_info(cal: Calibration, diagnostics: dict[str, Any]) -> dict[str, Any]:
    from desertion import __version__
    base = cal.spec.base
    scenario = base.scenario or cal.base.name  # type: ignore[attr-defined]
    return {"scenario": scenario, "scenario_set": dict(base.set),
            "until": None if base.until is None else base.until.isoformat(),
            "calibration": cal.name, "calibration_source": cal.source,
            "seed": cal.spec.seed, "desertion_version": __version__,
            "parameters": [{"path": p, "prior": cal.priors[p].model_dump()}
                           for p in cal.parameters],
            "observations": [o.as_json() for o in cal.observations],
            "method": cal.spec.method.model_dump(), "diagnostics": diagnostics}


def _report(cal: Calibration, result: CalibrationResult, out: Path) -> Path | None:
    from desertion.calibration.report import write_report

    if result.recovery is not None:
        result.recovery.to_csv(out / "recovery.csv", index=False)
    if result.ppc.empty:
        return None
    return write_report(out / "report", title=f"Calibration: {cal.name}", priors=cal.priors,
                        posterior=result.posterior, ppc=result.ppc,
                        diagnostics=result.diagnostics,
                        command=f"desertion calibrate {cal.source}",
                        baseline_ppc=result.baseline_ppc)
