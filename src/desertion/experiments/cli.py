"""``desertion sweep`` and ``desertion sensitivity``: experiments from the command line.

    desertion sweep EXPERIMENT.toml [--workers N | --dask ADDRESS | --jobqueue slurm --jobs N]
                                    [--out DIR] [--retry-failed] [--check]
    desertion sensitivity EXPERIMENT.toml [same options] [--conf 0.95] [--resamples 1000]
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from desertion.experiments.design import Factor, make_plan
from desertion.experiments.runner import SweepSummary, build_manifest, run_experiment
from desertion.experiments.spec import Experiment, ExperimentError, load_experiment
from desertion.experiments.store import ResultStore, check_manifest, runs_schema

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

Workers = Annotated[int | None, typer.Option(
    help="local worker processes (default: one per CPU; 0: run in this process)")]
DaskAddress = Annotated[str | None, typer.Option(
    "--dask", help="run on a Dask cluster: scheduler address (tcp://host:8786), scheduler "
    "file (*.json), or 'local' for a LocalCluster of --workers processes")]
JobQueue = Annotated[str | None, typer.Option(
    help="start a dask-jobqueue cluster: slurm, pbs, sge, lsf, htcondor or oar "
    "(configured in ~/.config/dask/jobqueue.yaml)")]
Jobs = Annotated[int, typer.Option(help="batch jobs for --jobqueue")]
Out = Annotated[Path | None, typer.Option(help="results folder (default: the file's out, "
                                          "else results/NAME)")]
Retries = Annotated[int, typer.Option(help="tries again a run whose worker died this often")]


def _fail(message: str, code: int = 2) -> None:
    errors.print(f"[bold red]error:[/] {escape(message)}", highlight=False, markup=True)
    raise typer.Exit(code)


def _load(experiment: Path) -> Experiment:
    try:
        return load_experiment(experiment)
    except ExperimentError as exc:
        _fail(str(exc))
    raise AssertionError("unreachable")


def _run(exp: Experiment, out: Path | None, workers: int | None, dask: str | None,
         jobqueue: str | None, jobs: int, retries: int, retry_failed: bool,
         progress: bool) -> SweepSummary:
    if sum(x is not None for x in (dask, jobqueue)) > 1:
        _fail("give --dask or --jobqueue, not both")
    if workers is not None and workers < 0:
        _fail("--workers must be 0 or more")
    try:
        return run_experiment(exp, out=out, workers=workers, dask=dask,
                              jobqueue=jobqueue, jobs=jobs, retries=retries,
                              retry_failed=retry_failed, progress=progress, console=errors)
    except ExperimentError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        target = out or exp.default_out()
        errors.print(f"[yellow]interrupted[/]: finished runs are recorded in {target}; run "
                     "the same command again to resume", soft_wrap=True)
        raise typer.Exit(130) from None
    except RuntimeError as exc:
        _fail(str(exc))
    except (OSError, TimeoutError, ValueError) as exc:
        _fail(f"{type(exc).__name__}: {exc}")
    raise AssertionError("unreachable")


def _describe(values: Any) -> str:
    if isinstance(values, list):
        return ", ".join(map(repr, values))
    text = f"{values.low:g} to {values.high:g}"
    flags = [f"{values.steps} steps" if values.steps else "",
             "log" if values.log else "", "integer" if values.integer else ""]
    return text + "".join(f", {f}" for f in flags if f)


def _check(exp: Experiment, out: Path | None) -> None:
    plan = make_plan(exp)
    spec = exp.spec
    table = Table(title=f"experiment {exp.name} ({exp.source})", title_justify="left",
                  show_header=False)
    table.add_column(style="bold")
    table.add_column()
    base = spec.base.scenario or spec.base.model or ""
    table.add_row("model", exp.model.name)
    table.add_row("base", base + (f" until {spec.base.until}" if spec.base.until else "")
                  + "".join(f"\n{k} = {v!r}" for k, v in spec.base.set.items()))
    for path, values in spec.parameters.items():
        factor = Factor.from_spec(path, values)
        shown = _describe(values)
        if spec.design.kind == "grid" and not factor.discrete:
            shown += f": {', '.join(f'{v:g}' for v in factor.grid())}"
        table.add_row(path, shown)
    table.add_row("design", f"{spec.design.kind}: {plan.n_points} points x "
                  f"{plan.replications} replications = {plan.n_runs} runs")
    table.add_row("seeds", f"from root seed {spec.root_seed}"
                  + (" (common random numbers)" if spec.common_random_numbers else ""))
    table.add_row("outcomes", ", ".join(exp.outcomes))
    if spec.series:
        table.add_row("series", ", ".join(spec.series))
    target = out or exp.default_out()
    store = ResultStore(target)
    existing = store.manifest()
    if existing is None:
        state = "no results yet"
    else:
        schema = runs_schema(plan.factors, exp.outcomes)
        check_manifest(existing, build_manifest(exp, plan, schema.names), store.manifest_path,
                       exp.source)
        done = store.finished()
        state = (f"{len(done)} of {plan.n_runs} runs recorded "
                 f"({sum(1 for s in done.values() if s == 'failed')} failed)")
    table.add_row("results", f"{target}: {state}")
    console.print(table)


def _print_summary(summary: SweepSummary) -> None:
    colour = "red" if summary.failed else "green"
    console.print(f"[{colour}]{summary.ok} ok, {summary.failed} failed[/] of "
                  f"{summary.planned} runs in {summary.out}; this call ran {summary.ran} "
                  f"(skipped {summary.skipped} already recorded) in {summary.elapsed_s:.1f} s "
                  f"on {summary.workers} worker(s) ({summary.executor})"
                  + (f", {summary.throughput:.2f} runs/s" if summary.ran else ""),
                  highlight=False)
    for run_id, error in summary.errors[:5]:
        console.print(f"  run {run_id} failed: {error}", highlight=False, markup=False)
    if len(summary.errors) > 5:
        console.print(f"  ... and {len(summary.errors) - 5} more (see the error column of "
                      "load_results)")


def sweep(
    experiment: Annotated[Path, typer.Argument(help="an experiment TOML file")],
    workers: Workers = None,
    dask: DaskAddress = None,
    jobqueue: JobQueue = None,
    jobs: Jobs = 1,
    out: Out = None,
    retries: Retries = 2,
    retry_failed: Annotated[bool, typer.Option(help="run the runs recorded as failed again")
                            ] = False,
    check: Annotated[bool, typer.Option(help="validate and print the plan; run nothing")
                     ] = False,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
) -> None:
    """Run an experiment's sweep; resumes where an interrupted one stopped."""
    exp = _load(experiment)
    if check:
        try:
            _check(exp, out)
        except ExperimentError as exc:
            _fail(str(exc))
        return
    summary = _run(exp, out, workers, dask, jobqueue, jobs, retries, retry_failed,
                   progress)
    _print_summary(summary)


def sensitivity(
    experiment: Annotated[Path, typer.Argument(help="an experiment TOML file with a sobol "
                                               "or morris design")],
    workers: Workers = None,
    dask: DaskAddress = None,
    jobqueue: JobQueue = None,
    jobs: Jobs = 1,
    out: Out = None,
    retries: Retries = 2,
    conf: Annotated[float, typer.Option(help="confidence level of the intervals")] = 0.95,
    resamples: Annotated[int, typer.Option(help="bootstrap resamples for the intervals")
                         ] = 1000,
    plot: Annotated[bool, typer.Option(help="write sensitivity.png")] = True,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
) -> None:
    """Sobol' or Morris indices of each outcome; runs (or completes) the sweep first."""
    from desertion.experiments.sensitivity import (
        SensitivityError,
        analyze_results,
        sensitivity_table,
        write_sensitivity,
    )

    exp = _load(experiment)
    if exp.spec.design.kind not in ("sobol", "morris"):
        _fail(f"{experiment}: design.kind: a sensitivity analysis needs a sobol or morris "
              f"design (got {exp.spec.design.kind!r})")
    if not 0 < conf < 1:
        _fail("--conf must be between 0 and 1")
    summary = _run(exp, out, workers, dask, jobqueue, jobs, retries, False, progress)
    if summary.ran:
        _print_summary(summary)
    try:
        frame = analyze_results(summary.out, conf_level=conf, num_resamples=resamples)
    except SensitivityError as exc:
        _fail(str(exc))
    console.print(sensitivity_table(frame))
    written = write_sensitivity(frame, summary.out, plot=plot)
    console.print(f"wrote {', '.join(str(p) for p in written)}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the experiment commands to the ``desertion`` command line."""
    app.command()(sweep)
    app.command()(sensitivity)
