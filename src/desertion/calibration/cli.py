"""``desertion calibrate``: fit a scenario's parameters from the command line.

    desertion calibrate CALIBRATION [--out DIR] [--workers N | --dask ADDRESS]
                        [--simulations N] [--check]

Exit status: 0 when the fit is written; 2 when the calibration file or its output folder is
refused (before anything runs); 130 on Ctrl-C (what was recorded is kept: run the same
command again to resume).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from desertion.calibration.calibrate import CalibrationResult
    from desertion.calibration.spec import Calibration

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


def calibrate_command(
    calibration: Annotated[str, typer.Argument(
        help="a calibration TOML file, or a shipped one's name (isis-2014, saa-2014, "
        "isis-2014-quick)")],
    out: Annotated[Path | None, typer.Option(
        help="output folder (default: the file's out, else results/calibrate-NAME); an "
        "interrupted calibration resumes there")] = None,
    workers: Annotated[int | None, typer.Option(
        help="local worker processes (default: one per CPU; 0: in this process)")] = None,
    dask: Annotated[str | None, typer.Option(
        help="run on a Dask cluster: scheduler address, scheduler file, or 'local'")] = None,
    simulations: Annotated[int | None, typer.Option(
        min=20, help="training runs (overrides the file's method.simulations)")] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="validate the file and print what it would fit, to what, and how "
        "many runs; run and write nothing")] = False,
) -> None:
    """Fit parameters to documented figures (neural posterior estimation); write the
    posterior sample, its checks and a report."""
    from desertion.calibration.calibrate import calibrate
    from desertion.calibration.spec import CalibrationError, load_calibration

    try:
        cal = load_calibration(calibration)
        if simulations is not None:
            method = cal.spec.method.model_copy(update={"simulations": simulations})
            spec = cal.spec.model_copy(update={"method": method})
            cal = dataclasses.replace(cal, spec=spec)
        if check:
            _plan(cal)
            return
        result = calibrate(cal, out=out, workers=workers, dask=dask, progress=True,
                           console=errors)
    except CalibrationError as exc:
        errors.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        errors.print("interrupted: the runs recorded so far are kept; run the same command "
                     "again to resume")
        raise typer.Exit(130) from None
    _summary(result)


def _plan(cal: Calibration) -> None:
    """What a calibration would do: its figures, its free parameters, its runs."""
    method = cal.spec.method
    table = Table(title=f"{cal.name}: {len(cal.observations)} figures of "
                  f"{cal.spec.observations}, on {cal.spec.base.scenario}")
    for column in ("figure", "documented", "compared with"):
        table.add_column(column, overflow="fold")
    for o in cal.observations:
        documented = f"{o.value:,.6g}" + (f" ({o.low:,.6g} - {o.high:,.6g})"
                                          if o.low is not None and o.high is not None else "")
        table.add_row(o.key, documented, o.measure.describe())
    console.print(table)
    priors = Table(title=f"{len(cal.parameters)} free parameters")
    priors.add_column("parameter", overflow="fold")
    priors.add_column("prior")
    for name, prior in cal.priors.items():
        priors.add_row(name, prior.describe())
    console.print(priors)
    runs = method.simulations + method.ppc_draws * (1 + method.baseline) + \
        method.recovery_tests
    console.print(f"runs: {method.simulations} training, {method.ppc_draws} posterior "
                  f"predictive{f', {method.ppc_draws} baseline' if method.baseline else ''}, "
                  f"{method.recovery_tests} recovery: {runs} in all; the file is valid "
                  f"(nothing was run or written)")


def _summary(result: CalibrationResult) -> None:
    from desertion.calibration.report import identifiability

    posterior = result.posterior
    verdicts = identifiability(posterior.priors(), posterior.draws).set_index(
        "parameter")["verdict"]
    table = Table(title="posterior: median and 90% interval")
    table.add_column("parameter", overflow="fold")  # wrapped, never cut: names differ late
    for column in ("median", "90% interval", "identifiability"):
        table.add_column(column, no_wrap=True)
    for row in posterior.intervals(0.9).itertuples(index=False):
        table.add_row(row.parameter, f"{row.median:.4g}", f"{row.low:.4g} - {row.high:.4g}",
                      verdicts[row.parameter])
    console.print(table)
    if not result.ppc.empty:
        console.print(f"posterior predictive check: {int(result.ppc['inside'].sum())} of "
                      f"{len(result.ppc)} observations inside the model's 90% band")
    if result.baseline_ppc is not None:
        console.print(f"the scenario's own values: {int(result.baseline_ppc['inside'].sum())}"
                      f" of {len(result.baseline_ppc)}")
    if result.coverage is not None and result.recovery is not None:
        tests = result.recovery["test"].nunique()
        console.print(f"recovery: {result.coverage:.0%} of true values inside their 90% "
                      f"interval ({tests} synthetic tests)")
    console.print(f"written to {result.out} (report: {result.report})")


def register(app: typer.Typer) -> None:
    app.command("calibrate")(calibrate_command)
