"""Forecasts: ensembles whose parameters are drawn from a fitted posterior, as daily bands.

A forecast runs a scenario ``draws`` times. Each run takes one parameter set drawn from the
posterior (``Posterior.sample``) and a seed of its own, so the spread of the ensemble carries
two kinds of uncertainty together: what the fit leaves open about the calibrated parameters
(the posterior), and the model's own randomness given them (who tries to desert, who is
caught, on which day). It carries nothing else: not the uncertainty of the model's
structure, of the parameters and settings held fixed, or of events the calendar does not
have. A 90% band is where 90% of such runs are on that day; it is not a guarantee.

For every day and output the bands are quantiles over the runs, each day on its own (a band
is not one run's trajectory): ``median``; the 50% band ``q25`` to ``q75``; the 90% band
``q05`` to ``q95``; ``draws``, the runs behind them. The outputs, per faction F, in
full-scale numbers (the tables' ``count``):

- ``strength_F``: men in the ranks (serving, shirking or jailed);
- ``hiding_F``, ``abroad_F``: men of F's books in hiding, or abroad as refugees;
- ``cumulative_E_F``: events E counted from the eve of the first day on, for E in
  ``EVENTS`` (``escaped``: desertions that succeeded, by any channel; ``attempted``: tries;
  ``executed``: men executed by their faction, for any offence; ...).

The first date is the eve of the first day, the state the scenario starts from.

The result depends only on the posterior, the scenario with its settings, ``draws`` and
``seed``: the parameter sets and the run seeds are drawn from two streams spawned from the
seed before any run starts, and runs are reduced to their daily outputs as they come back,
in any order, on any number of workers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from desertion.calibration.posterior import Posterior
from desertion.engine.output import OutputError, ResultFolder, claim_own_result, read_own_meta
from desertion.experiments.design import PlannedRun
from desertion.experiments.spec import overridden
from desertion.experiments.store import write_atomic, write_json_atomic
from desertion.experiments.worker import RunContext, RunRecord
from desertion.manpower.codes import IN_RANKS_LABELS

FORMAT = "desertion.forecast/1"
"""The ``format`` key of every ``forecast.json`` this version writes."""
META_FILE = "forecast.json"
BANDS_PARQUET = "bands.parquet"
BANDS_CSV = "bands.csv"
PARAMETERS_FILE = "parameters.parquet"
PLOT_FILE = "bands.png"
FILES = (BANDS_PARQUET, BANDS_CSV, PARAMETERS_FILE, META_FILE)

QUANTILES = {"q05": 0.05, "q25": 0.25, "median": 0.5, "q75": 0.75, "q95": 0.95}
BAND_COLUMNS = ["date", "output", "median", "q05", "q25", "q75", "q95", "draws"]
LEVELS = {"strength": IN_RANKS_LABELS, "hiding": ("hiding",), "abroad": ("abroad",)}
"""Outputs read from the daily census: prefix -> the statuses they count."""
EVENTS = ("joined", "attempted", "caught", "escaped", "defected", "executed", "killed",
          "went_into_hiding", "fled_abroad")
"""The events counted cumulatively (the manpower model's event names)."""
MIN_SUCCESS = 0.9
"""The share of runs that must succeed; the failed ones are then left out, and noted."""
SERIES = ("timeseries", "events")


class ForecastError(ValueError):
    """A forecast refused before any run: a parameter the scenario lacks, a bad setting."""


class ForecastRunError(RuntimeError):
    """Too many runs of a forecast failed (more than 10%)."""


# --- outputs of one run ----------------------------------------------------------------------

def output_names(factions: Iterable[str]) -> list[str]:
    """The outputs of a forecast over ``factions``, in the order of the bands."""
    factions = list(factions)
    return [*(f"{prefix}_{f}" for f in factions for prefix in LEVELS),
            *(f"cumulative_{event}_{f}" for f in factions for event in EVENTS)]


def daily_outputs(timeseries: pd.DataFrame, events: pd.DataFrame,
                  factions: Iterable[str]) -> pd.DataFrame:
    """One run's outputs (``output_names``), one row per date of its timeseries.

    A day on which an output has no row counts 0; cumulative events carry their total on.
    """
    factions = list(factions)
    dates = pd.DatetimeIndex(np.sort(pd.unique(timeseries["date"])))
    statuses = timeseries["status"].astype(str)
    columns: dict[str, np.ndarray] = {}
    levels = {prefix: _by_faction(timeseries[statuses.isin(kept)], dates, factions)
              for prefix, kept in LEVELS.items()}
    for f in factions:
        for prefix in LEVELS:
            columns[f"{prefix}_{f}"] = levels[prefix][f].to_numpy(dtype=float)
    counted = events[events["event"].isin(EVENTS)]
    for f in factions:
        mine = counted[counted["faction"].astype(str) == f]
        for event in EVENTS:
            rows = mine[mine["event"] == event]
            daily = rows.groupby("date")["count"].sum() if len(rows) else pd.Series(
                dtype=float)
            daily = daily.reindex(dates, fill_value=0.0).to_numpy(dtype=float)
            columns[f"cumulative_{event}_{f}"] = np.cumsum(daily)
    return pd.DataFrame(columns, index=dates)


def _by_faction(rows: pd.DataFrame, dates: pd.DatetimeIndex, factions: list[str]
                ) -> pd.DataFrame:
    """Daily sums of ``count`` by faction, dates by factions, 0 where there is no row."""
    if rows.empty:
        return pd.DataFrame(0.0, index=dates, columns=factions)
    sums = rows.groupby([rows["date"], rows["faction"].astype(str)])["count"].sum()
    return sums.unstack(fill_value=0.0).reindex(index=dates, columns=factions,
                                                fill_value=0.0)


# --- the scenario and its identity -----------------------------------------------------------

def _as_posterior(posterior: Posterior | str | Path) -> tuple[Posterior, str]:
    if isinstance(posterior, Posterior):
        return posterior, str(posterior.info.get("source", "<in memory>"))
    return Posterior.load(posterior), str(posterior)


def forecast_scenario(posterior: Posterior | str | Path, scenario: str | Path | None = None,
                      settings: dict[str, Any] | None = None,
                      until: dt.date | None = None) -> BaseModel:
    """The scenario a forecast runs, before the draws' parameters: ``scenario`` (default:
    the posterior's), with the fixed settings the posterior was fitted with
    (``scenario_set``: its scale, say), then ``settings`` (dotted paths) on top, then cut or
    extended to ``until``. Bad input raises an ``InputError`` naming the key."""
    post, _ = _as_posterior(posterior)
    source = scenario if scenario is not None else post.scenario_name
    if not str(source):
        raise ForecastError("the posterior names no scenario; pass the scenario to run")
    from desertion.models import model_for

    model = model_for(source)
    base = model.load(source)
    if post.scenario_set:
        base = overridden(base, post.scenario_set)
    if settings:
        base = overridden(base, dict(settings))
    if until is not None:
        if not model.has_calendar:
            raise ForecastError(f"until does not apply to the {model.name} model, which has "
                                "no calendar")
        base = base.until(until)  # type: ignore[attr-defined]
    return base


def forecast_identity(scenario: BaseModel, seed: int, draws: int,
                      posterior: Posterior) -> str:
    """A digest of what determines a forecast's results (not where or how fast it ran)."""
    from desertion.models import model_of

    text = json.dumps({"kind": "forecast", "model": model_of(scenario).name,
                       "scenario": scenario.model_dump(mode="json"), "seed": seed,
                       "draws": draws, "parameters": list(posterior.draws.columns),
                       "posterior": posterior.draws.to_numpy(dtype=float).tolist()},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _run_seed(sequence: np.random.SeedSequence) -> int:
    # a 63-bit seed, as spawn_seeds makes them (seeds are stored as signed 64-bit integers)
    return int(sequence.generate_state(2, dtype=np.uint64)[0] >> np.uint64(1))


def _check_draws(base: BaseModel, runs: list[PlannedRun]) -> None:
    """Apply every draw to the scenario as the runs will; refuse the first it rejects."""
    name = str(getattr(base, "name", "<scenario>"))
    first = runs[0].params
    for path, value in first.items():
        try:
            overridden(base, {path: value})
        except ValueError as exc:  # InputError, pydantic errors
            raise ForecastError(f"the posterior's parameter {path!r} cannot be set in "
                                f"scenario {name!r}: {exc}") from None
    seen: set[str] = set()
    for run in runs:
        key = json.dumps(run.params, sort_keys=True)
        if key in seen:
            continue
        seen.add(key)
        try:
            overridden(base, run.params)
        except ValueError as exc:
            shown = ", ".join(f"{p} = {v!r}" for p, v in run.params.items())
            raise ForecastError(f"draw {run.run_id} of the posterior ({shown}) is not valid "
                                f"in scenario {name!r}: {exc}") from None


# --- the ensemble ----------------------------------------------------------------------------

class _Ensemble:
    """The runs' daily outputs, kept as they come back (their tables are dropped)."""

    def __init__(self, runs: list[PlannedRun], factions: list[str]) -> None:
        self.runs = runs
        self.factions = factions
        self.outputs = output_names(factions)
        self.values: dict[int, pd.DataFrame] = {}
        self.failed: dict[int, str] = {}
        self.on_progress: Any = None

    def add(self, records: list[RunRecord]) -> None:
        for rec in records:
            if rec.status == "ok":
                try:
                    frame = daily_outputs(rec.series["timeseries"], rec.series["events"],
                                          self.factions)
                    self.values[rec.run_id] = frame
                except (KeyError, ValueError, TypeError) as exc:
                    self.failed[rec.run_id] = f"{type(exc).__name__}: {exc} (its tables)"
            else:
                self.failed[rec.run_id] = rec.error or "failed"
            rec.series.clear()  # memory stays bounded by the daily outputs
        if self.on_progress is not None:
            self.on_progress(len(records), len(self.failed))
        # stop as soon as the share of successes cannot reach MIN_SUCCESS any more
        if not self.enough(len(self.runs) - len(self.failed)):
            raise self.error()

    def enough(self, ok: int) -> bool:
        return ok >= math.ceil(MIN_SUCCESS * len(self.runs) - 1e-9)

    def error(self) -> ForecastRunError:
        run_id = min(self.failed)
        return ForecastRunError(
            f"{len(self.failed)} of {len(self.runs)} runs failed (at least "
            f"{MIN_SUCCESS:.0%} must succeed); the first, run {run_id} (seed "
            f"{self.runs[run_id].seed}): {self.failed[run_id]}")

    def bands(self) -> pd.DataFrame:
        """Quantiles over the successful runs, one row per output and date."""
        frames = [self.values[i] for i in sorted(self.values)]
        dates = frames[0].index
        for frame in frames[1:]:
            if not frame.index.equals(dates):
                dates = dates.union(frame.index)
        stack = np.stack([self._aligned(frame, dates) for frame in frames])
        q = np.quantile(stack, list(QUANTILES.values()), axis=0)  # (quantile, day, output)
        q = np.maximum.accumulate(q, axis=0)  # no rounding may put a quantile below another
        n_days, n_outputs = len(dates), len(self.outputs)
        data: dict[str, Any] = {
            "date": np.tile(dates.to_numpy(), n_outputs),
            "output": np.repeat(np.array(self.outputs, dtype=object), n_days)}
        for k, name in enumerate(QUANTILES):
            data[name] = q[k].T.ravel()
        bands = pd.DataFrame(data)
        bands["draws"] = len(frames)
        return bands[BAND_COLUMNS]

    def _aligned(self, frame: pd.DataFrame, dates: pd.DatetimeIndex) -> np.ndarray:
        if frame.index.equals(dates):
            return frame.to_numpy(dtype=float)
        # runs of unequal length (they should not be): levels are 0, totals carry on
        wide = frame.reindex(dates)
        cumulative = [c for c in wide.columns if c.startswith("cumulative_")]
        wide[cumulative] = wide[cumulative].ffill()
        return wide.fillna(0.0).to_numpy(dtype=float)


def forecast(posterior: Posterior | str | Path, *, draws: int, seed: int,
             scenario: str | Path | None = None, settings: dict[str, Any] | None = None,
             until: dt.date | None = None, workers: int | None = None, dask: Any = None,
             progress: bool = False) -> Forecast:
    """Run ``draws`` runs of a scenario, each with a parameter set drawn from ``posterior``
    (a ``Posterior``, a folder written by ``calibrate`` or a shipped fit's name), and reduce
    them to daily bands.

    The scenario: ``forecast_scenario`` (the posterior's own by default, with the settings
    it was fitted with; ``settings`` on top; ``until`` its last day). Each draw's values are
    applied to it by the scenario's own validation; a parameter it does not have, or a value
    it refuses, raises ``ForecastError`` before any run starts, as does a setting of a
    parameter the posterior draws. Where: ``workers`` local processes (default: one per
    CPU; ``0``: in this process) or ``dask`` (a ``distributed.Client``, a scheduler address
    or ``"local"``). If more than 10% of the runs fail, ``ForecastRunError`` names the
    first; fewer are left out of the bands and listed in ``info["failed"]``.
    """
    _check_arguments(draws, seed, workers)
    post, source = _as_posterior(posterior)
    if post.draws.empty or not post.parameters:
        raise ForecastError(f"{source}: the posterior holds no draws")
    base = forecast_scenario(post, scenario, settings, until)
    name = str(getattr(base, "name", "<scenario>"))
    model = _forecast_model(base, name)
    _check_settings(settings, post)
    chosen, runs = _plan_runs(post, draws, seed)
    _check_draws(base, runs)
    ensemble = _run_ensemble(model, base, runs, name, workers, dask, progress)
    info = _forecast_info(post, source, base, model, ensemble, settings=settings,
                          until=until, seed=seed)
    return Forecast(bands=ensemble.bands(), parameters=_parameter_table(chosen, ensemble),
                    info=info)


def _check_arguments(draws: int, seed: int, workers: int | None) -> None:
    """Refuse a bad ``draws``, ``seed`` or ``workers`` before anything is loaded."""
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 2:
        raise ValueError(f"draws must be a whole number of at least 2, not {draws!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a whole number from 0 on, not {seed!r}")
    if workers is not None and workers < 0:
        raise ValueError(f"workers must be 0 (in this process) or more, not {workers}")


def _forecast_model(base: BaseModel, name: str) -> Any:
    """The scenario's model, refused unless it is the manpower model (factions, a calendar)."""
    from desertion.models import model_of

    model = model_of(base)
    if model.name != "manpower" or not hasattr(base, "factions"):
        raise ForecastError(f"scenario {name!r}: forecasts are made for the manpower model "
                            f"(factions, a calendar), not {model.name}")
    return model


def _check_settings(settings: dict[str, Any] | None, post: Posterior) -> None:
    """Refuse settings of parameters the posterior draws: the draws would override them."""
    clash = sorted(set(settings or {}) & set(post.parameters))
    if clash:
        raise ForecastError(f"settings {', '.join(clash)}: the posterior draws "
                            f"{'this parameter' if len(clash) == 1 else 'these parameters'}"
                            "; leave it to the posterior, or fix it in the posterior's draws")


def _plan_runs(post: Posterior, draws: int, seed: int) -> tuple[pd.DataFrame, list[PlannedRun]]:
    """The parameter sets drawn and the runs made of them, each with a seed of its own."""
    # two streams from one root: the parameter sets, and the runs' seeds
    parameter_stream, run_stream = np.random.SeedSequence(seed).spawn(2)
    chosen = post.sample(draws, parameter_stream)
    seeds = [_run_seed(s) for s in run_stream.spawn(draws)]
    runs = [PlannedRun(run_id=i, point=i, replication=0, seed=seeds[i],
                       params={p: float(v) for p, v in row.items()})
            for i, row in enumerate(chosen.to_dict("records"))]
    return chosen, runs


def _run_ensemble(model: Any, base: BaseModel, runs: list[PlannedRun], name: str,
                  workers: int | None, dask: Any, progress: bool) -> _Ensemble:
    """Run every planned run and gather its daily outputs; raise if too few succeeded."""
    from desertion.experiments.executors import CONNECT_TIMEOUT_S
    from desertion.experiments.runner import _executor

    factions = [f.id for f in base.factions]  # type: ignore[attr-defined]
    ensemble = _Ensemble(runs, factions)
    context = RunContext.create(model, base, (), SERIES)
    if workers is None and dask is None:
        workers = min(os.cpu_count() or 1, len(runs))
    executor, closers = _executor(True, workers, dask, None, 1, 2, CONNECT_TIMEOUT_S)
    try:
        _execute(executor, context, runs, ensemble, name, progress)
    finally:
        for item in closers:
            item.close()
    missing = [run.run_id for run in runs
               if run.run_id not in ensemble.values and run.run_id not in ensemble.failed]
    for run_id in missing:  # an executor that lost a run without a record
        ensemble.failed[run_id] = "no result came back"
    if not ensemble.enough(len(ensemble.values)):
        raise ensemble.error()
    return ensemble


def _parameter_table(chosen: pd.DataFrame, ensemble: _Ensemble) -> pd.DataFrame:
    """One row per run: its id, seed and status before the parameter values drawn."""
    draws = len(ensemble.runs)
    parameters = chosen.copy()
    parameters.insert(0, "run", np.arange(draws, dtype=np.int64))
    parameters.insert(1, "seed", np.array([run.seed for run in ensemble.runs], dtype=np.int64))
    parameters.insert(2, "status", ["failed" if i in ensemble.failed else "ok"
                                    for i in range(draws)])
    return parameters


def _forecast_info(post: Posterior, source: str, base: BaseModel, model: Any,
                   ensemble: _Ensemble, *, settings: dict[str, Any] | None,
                   until: dt.date | None, seed: int) -> dict[str, Any]:
    """What made the forecast, for ``forecast.json``: enough to tell and redo it."""
    from desertion import __version__

    draws = len(ensemble.runs)
    return {
        "scenario": str(getattr(base, "name", "<scenario>")),
        "model": model.name,
        "settings": dict(settings or {}),
        "scenario_set": post.scenario_set,
        "until": None if until is None else until.isoformat(),
        "start": str(getattr(base, "start", "")),
        "last_day": str(getattr(base, "last_day", "")),
        "seed": seed,
        "draws": draws,
        "ok": len(ensemble.values),
        "failed": [{"run": i, "seed": ensemble.runs[i].seed, "error": ensemble.failed[i]}
                   for i in sorted(ensemble.failed)],
        "outputs": ensemble.outputs,
        "quantiles": QUANTILES,
        "posterior": {"source": source, "scenario": post.scenario_name,
                      "seed": post.info.get("seed"), "parameters": post.parameters,
                      "draws": len(post.draws)},
        "identity": forecast_identity(base, seed, draws, post),
        "desertion_version": __version__,
        "resolved_scenario": base.model_dump(mode="json"),
    }


def _execute(executor: Any, context: RunContext, runs: list[PlannedRun], ensemble: _Ensemble,
             name: str, progress: bool) -> None:
    from rich.console import Console

    from desertion.experiments.runner import _progress_bar

    if not progress:
        executor.run(context, runs, ensemble.add)
        return
    bar = _progress_bar(Console(stderr=True))
    task = bar.add_task(f"{name} forecast", total=len(runs), failed=0)
    ensemble.on_progress = lambda n, failed: bar.update(task, advance=n, failed=failed)
    bar.start()
    try:
        executor.run(context, runs, ensemble.add)
    finally:
        bar.stop()


# --- the result ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Forecast:
    """Daily bands of a forecast's outputs over its ensemble, and what made them."""

    bands: pd.DataFrame
    """One row per output and date: ``date, output, median, q05, q25, q75, q95, draws``."""
    parameters: pd.DataFrame
    """One row per run: ``run``, its ``seed``, ``status`` and the parameter values drawn."""
    info: dict[str, Any] = field(default_factory=dict)
    """scenario, settings, seed, draws, failed runs, the posterior's source and seed, the
    desertion version, the identity and the resolved scenario."""

    @property
    def outputs(self) -> list[str]:
        return list(dict.fromkeys(self.bands["output"]))

    def band(self, output: str) -> pd.DataFrame:
        """The rows of one output, by date."""
        rows = self.bands[self.bands["output"] == output]
        if rows.empty:
            raise KeyError(f"no output {output!r}; expected one of {self.outputs}")
        return rows.sort_values("date").reset_index(drop=True)

    def last_day(self) -> pd.DataFrame:
        """Every output's row on the last date."""
        last = self.bands["date"].max()
        return self.bands[self.bands["date"] == last].reset_index(drop=True)

    # --- files ------------------------------------------------------------------------------

    def save(self, folder: str | Path) -> Path:
        """Write ``bands.parquet``, ``bands.csv``, ``parameters.parquet`` and
        ``forecast.json`` into ``folder`` (each file replaced whole)."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        self._write(out, {})
        return out

    def save_into(self, folder: ResultFolder, extra_files: dict[str, bytes] | None = None
                  ) -> Path:
        """Fill a claimed folder (``claim_folder``) and swap it in whole."""
        return folder.commit(lambda staging: self._write(staging, extra_files or {}))

    def _write(self, out: Path, extra_files: dict[str, bytes]) -> list[str]:
        files = sorted({*FILES, *extra_files})
        write_atomic(out / BANDS_PARQUET, lambda tmp: self.bands.to_parquet(tmp, index=False))
        csv = self.bands.assign(date=pd.to_datetime(self.bands["date"]).dt.strftime("%Y-%m-%d"))
        write_atomic(out / BANDS_CSV, lambda tmp: csv.to_csv(tmp, index=False))
        write_atomic(out / PARAMETERS_FILE,
                     lambda tmp: self.parameters.to_parquet(tmp, index=False))
        for name, content in extra_files.items():
            write_atomic(out / name, lambda tmp, content=content: tmp.write_bytes(content))
        write_json_atomic(out / META_FILE, {"format": FORMAT, **self.info, "files": files})
        return files

    @classmethod
    def load(cls, folder: str | Path) -> Forecast:
        """A forecast from a folder written by ``save`` (or ``desertion run --posterior``)."""
        folder = Path(folder)
        meta = read_meta(folder)
        if meta is None:
            raise ForecastError(f"{folder}: no {META_FILE} of format {FORMAT} here; expected "
                                "a folder written by a forecast")
        try:
            bands = pd.read_parquet(folder / BANDS_PARQUET)
            parameters = pd.read_parquet(folder / PARAMETERS_FILE)
        except (OSError, ValueError) as exc:
            raise ForecastError(f"{folder}: cannot read the forecast ({exc})") from None
        meta.pop("format")
        meta.pop("files")
        return cls(bands=bands, parameters=parameters, info=meta)

    # --- the figure -------------------------------------------------------------------------

    def default_outputs(self) -> list[str]:
        """What ``plot`` draws by default: each faction's strength, then its cumulative
        desertions (escaped) and executions where any run has some; at most 12 panels."""
        names = self.outputs
        chosen = [n for n in names if n.startswith("strength_")]
        for event in ("escaped", "executed"):
            for n in names:
                if n.startswith(f"cumulative_{event}_") and self.band(n)["q95"].max() > 0:
                    chosen.append(n)
        return chosen[:12]

    def plot(self, path: str | Path, outputs: list[str] | None = None) -> Path:
        """Draw one panel per output (default: ``default_outputs``): the median, the 50%
        and the 90% bands over the days; the format follows the suffix (``.png``)."""
        # a Figure of its own, not pyplot: a file only, and a notebook's backend is left alone
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
        from matplotlib.figure import Figure
        from matplotlib.ticker import FuncFormatter

        names = list(outputs) if outputs is not None else self.default_outputs()
        if not names:
            raise ValueError("no outputs to plot")
        unknown = [n for n in names if n not in set(self.outputs)]
        if unknown:
            raise KeyError(f"no output {unknown[0]!r}; expected one of {self.outputs}")
        cols = min(3, len(names))
        rows = math.ceil(len(names) / cols)
        fig = Figure(figsize=(4.6 * cols, 3.1 * rows + 0.7), layout="constrained")
        axes = fig.subplots(rows, cols, squeeze=False).ravel()
        colour = "#1f5f99"
        for ax, name in zip(axes, names, strict=False):
            b = self.band(name)
            x = pd.to_datetime(b["date"]).to_numpy()
            ax.fill_between(x, b["q05"], b["q95"], color=colour, alpha=0.18, lw=0,
                            label="90% band")
            ax.fill_between(x, b["q25"], b["q75"], color=colour, alpha=0.38, lw=0,
                            label="50% band")
            ax.plot(x, b["median"], color=colour, lw=1.6, label="median")
            ax.set_title(name, fontsize="medium")
            locator = AutoDateLocator()
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
            ax.grid(alpha=0.3)
        for ax in axes[len(names):]:
            ax.set_visible(False)
        axes[0].legend(loc="best", fontsize="x-small")
        info = self.info
        title = (f"{info.get('scenario', '')}: {info.get('ok', '?')} runs with parameters "
                 f"drawn from the posterior (seed {info.get('seed', '?')}); median, 50% and "
                 "90% bands, full-scale numbers")
        fig.suptitle(textwrap.fill(title, 36 * cols + 20), fontsize="medium")
        path = Path(path)
        fig.savefig(path, dpi=110)
        return path


# --- a forecast's output folder --------------------------------------------------------------

def read_meta(folder: Path) -> dict[str, Any] | None:
    """The ``forecast.json`` of ``folder`` if a forecast wrote it, else ``None``."""
    return read_own_meta(folder, META_FILE, FORMAT)


def claim_folder(target: str | Path, identity: str, *, replace_other: bool = False,
                 option: str = "--out") -> ResultFolder:
    """The output folder of a forecast, checked and staged before anything runs, by the
    package's output rules (``engine/output.py``): an empty or new folder, or one a forecast
    wrote holding nothing else; another forecast's (or a run's) only with
    ``replace_other``. Anything else raises ``OutputError``."""
    target = Path(target)
    if target.is_dir() and not target.is_symlink():
        meta = read_meta(target)
        if meta is not None:
            return _claim_own(target, meta, identity, replace_other, option)
    # a run's result has another identity: replaced only with replace_other, as by a run
    return ResultFolder.claim(target, identity, replace_other_run=replace_other,
                              option=option)


def _claim_own(target: Path, meta: dict[str, Any], identity: str, replace_other: bool,
               option: str) -> ResultFolder:
    folder = claim_own_result(target, {*meta["files"], META_FILE}, option,
                              "a forecast's result")
    if meta.get("identity") != identity and not replace_other:
        folder.abandon()
        raise OutputError(option, target, f"holds a different forecast "
                          f"({meta.get('scenario', '?')}, seed {meta.get('seed')}, "
                          f"{meta.get('draws')} draws); add --force to replace it, or "
                          "choose another folder")
    return folder
