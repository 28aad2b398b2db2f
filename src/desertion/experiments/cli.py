"""``desertion sweep`` and ``desertion sensitivity``: experiments from the command line.

    desertion sweep EXPERIMENT.toml [--workers N | --dask ADDRESS | --jobqueue slurm --jobs N]
                                    [--out DIR] [--retry-failed] [--check] [--retries N]
    desertion sensitivity EXPERIMENT.toml [same options] [--conf 0.95] [--resamples 1000]

Exit status: 0 when every run is recorded ok; 1 when any run of the experiment is recorded
as failed (after the summary); 2 when the experiment, its results folder or the cluster is
refused (before anything runs or is written); 130 on Ctrl-C.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from desertion.experiments.design import Factor, Plan
from desertion.experiments.executors import CONNECT_TIMEOUT_S
from desertion.experiments.runner import (
    SweepSummary,
    build_manifest,
    plan_experiment,
    run_experiment,
)
from desertion.experiments.spec import Experiment, ExperimentError, load_experiment
from desertion.experiments.store import ResultsFolderError, ResultStore, runs_schema

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

EXIT_FAILED_RUNS = 1
EXIT_REFUSED = 2
EXIT_INTERRUPTED = 130
EXIT_CODES_HELP = ("Exits with 1 if any run of the experiment is recorded as failed (after "
                   "the summary), 2 if the experiment, its results folder or the cluster is "
                   "refused (nothing is run or written), 130 on Ctrl-C.")


@dataclass(frozen=True)
class SweepOptions:
    """The options every experiment command has; each command's signature gets them from
    here (``experiment_command``), so they are defined once."""

    workers: Annotated[int | None, typer.Option(
        help="local worker processes (default: one per CPU; 0: run in this process)")] = None
    dask: Annotated[str | None, typer.Option(
        "--dask", help="run on a Dask cluster: scheduler address (tcp://host:8786), "
        "scheduler file (*.json), or 'local' for a LocalCluster of --workers processes")
    ] = None
    jobqueue: Annotated[str | None, typer.Option(
        help="start a dask-jobqueue cluster: slurm, pbs, sge, lsf, htcondor or oar "
        "(configured in ~/.config/dask/jobqueue.yaml)")] = None
    jobs: Annotated[int, typer.Option(help="batch jobs for --jobqueue")] = 1
    out: Annotated[Path | None, typer.Option(
        help="results folder (default: the file's out, else results/NAME); a new folder, "
        "an empty one or one this tool wrote")] = None
    retries: Annotated[int, typer.Option(
        help="tries again a run whose worker died this often")] = 2
    retry_failed: Annotated[bool, typer.Option(
        help="run the runs recorded as failed again")] = False
    check: Annotated[bool, typer.Option(
        help="validate (every planned point, the results folder), print the plan; run "
        "nothing")] = False
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True
    connect_timeout: Annotated[float, typer.Option(
        help="seconds to wait for a --dask scheduler to answer")] = CONNECT_TIMEOUT_S


def _shared_parameters() -> list[inspect.Parameter]:
    hints = typing.get_type_hints(SweepOptions, include_extras=True)
    return [inspect.Parameter(f.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                              default=f.default, annotation=hints[f.name])
            for f in dataclasses.fields(SweepOptions)]


def experiment_command(command: Callable[..., None]) -> Callable[..., None]:
    """``command(experiment, options, **own)`` as a typer command with the shared options
    after its argument (it receives them as one ``SweepOptions``), and the exit statuses
    in its help."""
    own = [p for p in inspect.signature(command, eval_str=True).parameters.values()
           if p.name != "options"]
    shared = _shared_parameters()
    names = [p.name for p in shared]

    @functools.wraps(command)
    def wrapper(**values: Any) -> None:
        options = SweepOptions(**{name: values.pop(name) for name in names})
        command(options=options, **values)

    parameters = [own[0], *shared, *own[1:]]
    wrapper.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
    wrapper.__doc__ = f"{inspect.getdoc(command)}\n\n{EXIT_CODES_HELP}"
    return wrapper


def _fail(message: str, code: int = EXIT_REFUSED) -> typing.NoReturn:
    errors.print(f"[bold red]error:[/] {escape(message)}", highlight=False, markup=True)
    raise typer.Exit(code)


def _folder_message(exc: ResultsFolderError, exp: Experiment, out: Path | None) -> str:
    """Name the folder as the user gave it: ``--out X``, the file's ``out``, or the
    default."""
    if out is not None:
        return f"--out {exc.out}: {exc.problem}"
    if exp.spec.out:
        return f"{exp.source}: out: {exc.out}: {exc.problem}"
    return f"results folder {exc.out}: {exc.problem}"


@contextlib.contextmanager
def _refusals(exp: Experiment, out: Path | None) -> Iterator[None]:
    """What the checks refuse, as one error line and exit status 2."""
    try:
        yield
    except ResultsFolderError as exc:
        _fail(_folder_message(exc, exp, out))
    except ExperimentError as exc:
        _fail(str(exc))


def _load(experiment: Path) -> Experiment:
    try:
        return load_experiment(experiment)
    except ExperimentError as exc:
        _fail(str(exc))


def _run(exp: Experiment, options: SweepOptions) -> SweepSummary:
    if options.dask is not None and options.jobqueue is not None:
        _fail("give --dask or --jobqueue, not both")
    if options.workers is not None and options.workers < 0:
        _fail("--workers must be 0 or more")
    if not options.connect_timeout > 0:
        _fail("--connect-timeout must be more than 0")
    with _refusals(exp, options.out):
        try:
            return run_experiment(
                exp, out=options.out, workers=options.workers, dask=options.dask,
                jobqueue=options.jobqueue, jobs=options.jobs, retries=options.retries,
                retry_failed=options.retry_failed, progress=options.progress,
                console=errors, connect_timeout=options.connect_timeout)
        except KeyboardInterrupt:
            target = options.out or exp.default_out()
            errors.print(f"[yellow]interrupted[/]: finished runs are recorded in "
                         f"{escape(str(target))}; run the same command again to resume",
                         highlight=False)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except ExperimentError:
            raise  # for _refusals
        except RuntimeError as exc:  # ClusterError, a missing dask-jobqueue, ...
            _fail(str(exc))
        except (OSError, TimeoutError, ValueError) as exc:
            _fail(f"{type(exc).__name__}: {exc}")


def _describe(values: Any) -> str:
    if isinstance(values, list):
        return ", ".join(map(repr, values))
    text = f"{values.low:g} to {values.high:g}"
    flags = [f"{values.steps} steps" if values.steps else "",
             "log" if values.log else "", "integer" if values.integer else ""]
    return text + "".join(f", {f}" for f in flags if f)


def _check(exp: Experiment, out: Path | None) -> None:
    """Validate everything a sweep would (every planned point, the results folder), and
    print the plan and how much of it is done; write nothing."""
    with _refusals(exp, out):
        _, plan = plan_experiment(exp)
        target = out or exp.default_out()
        state = _results_state(exp, plan, ResultStore(target))
    spec = exp.spec
    table = Table(title=escape(f"experiment {exp.name} ({exp.source})"),
                  title_justify="left", show_header=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")  # a long path is folded, never cut short
    base = spec.base.scenario or spec.base.model or ""
    table.add_row("model", escape(exp.model.name))
    table.add_row("base", escape(base + (f" until {spec.base.until}" if spec.base.until
                                         else "")
                                 + "".join(f"\n{k} = {v!r}" for k, v in spec.base.set.items())))
    for path, values in spec.parameters.items():
        factor = Factor.from_spec(path, values)
        shown = _describe(values)
        if spec.design.kind == "grid" and not factor.discrete:
            shown += f": {', '.join(f'{v:g}' for v in factor.grid())}"
        table.add_row(escape(path), escape(shown))
    table.add_row("design", f"{spec.design.kind}: {plan.n_points} points x "
                  f"{plan.replications} replications = {plan.n_runs} runs")
    table.add_row("seeds", f"from root seed {spec.root_seed}"
                  + (" (common random numbers)" if spec.common_random_numbers else ""))
    table.add_row("outcomes", escape(", ".join(exp.outcomes)))
    if spec.series:
        table.add_row("series", ", ".join(spec.series))
    table.add_row("results", escape(f"{target}: {state}"))
    console.print(table)


def _results_state(exp: Experiment, plan: Plan, store: ResultStore) -> str:
    """How much of the plan the results folder holds (refusing a folder a sweep would)."""
    schema = runs_schema(plan.factors, exp.outcomes)
    if store.check(build_manifest(exp, plan, schema.names), exp.source) is None:
        return "no results yet"
    done = store.finished()
    state = (f"{len(done)} of {plan.n_runs} runs recorded "
             f"({sum(1 for s in done.values() if s == 'failed')} failed)")
    running = store.running_sweep()
    return state + (f"; a sweep is writing into it now ({running})" if running else "")


def _print_summary(summary: SweepSummary) -> None:
    colour = "red" if summary.failed else "green"
    console.print(f"[{colour}]{summary.ok} ok, {summary.failed} failed[/] of "
                  f"{summary.planned} runs in {escape(str(summary.out))}; this call ran "
                  f"{summary.ran} (skipped {summary.skipped} already recorded) in "
                  f"{summary.elapsed_s:.1f} s on {summary.workers} worker(s) "
                  f"({escape(summary.executor)})"
                  + (f", {summary.throughput:.2f} runs/s" if summary.ran else ""),
                  highlight=False)
    for run_id, error in summary.errors[:5]:
        console.print(f"  run {run_id} failed: {error}", highlight=False, markup=False)
    if len(summary.errors) > 5:
        console.print(f"  ... and {len(summary.errors) - 5} more (see the error column of "
                      "load_results)")


def _exit_if_failed(summary: SweepSummary) -> None:
    """A sweep with failed runs is not a success, whatever else went well."""
    if summary.failed:
        raise typer.Exit(EXIT_FAILED_RUNS)


@experiment_command
def sweep(
    experiment: Annotated[Path, typer.Argument(help="an experiment TOML file")],
    options: SweepOptions,
) -> None:
    """Run an experiment's sweep; resumes where an interrupted one stopped."""
    exp = _load(experiment)
    if options.check:
        _check(exp, options.out)
        return
    summary = _run(exp, options)
    _print_summary(summary)
    _exit_if_failed(summary)



@experiment_command
def sensitivity(
    experiment: Annotated[Path, typer.Argument(help="an experiment TOML file with a sobol "
                                               "or morris design")],
    options: SweepOptions,
    conf: Annotated[float, typer.Option(help="confidence level of the intervals")] = 0.95,
    resamples: Annotated[int, typer.Option(help="bootstrap resamples for the intervals")
                         ] = 1000,
    plot: Annotated[bool, typer.Option(help="write sensitivity.png")] = True,
) -> None:
    """Sobol' or Morris indices of each outcome; runs (or completes) the sweep first (its
    failed runs are left out)."""
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
    if options.check:
        _check(exp, options.out)
        return
    summary = _run(exp, options)
    if summary.ran or summary.failed:
        _print_summary(summary)
    try:
        frame = analyze_results(summary.out, conf_level=conf, num_resamples=resamples)
    except SensitivityError as exc:
        _fail(str(exc))
    console.print(sensitivity_table(frame))
    written = write_sensitivity(frame, summary.out, plot=plot)
    console.print(f"wrote {escape(', '.join(str(p) for p in written))}", highlight=False)
    _exit_if_failed(summary)



def register(app: typer.Typer) -> None:
    """Add the experiment commands to the ``desertion`` command line."""
    app.command()(sweep)
    app.command()(sensitivity)
