"""The command line: a thin layer over the Python API.

    desertion run SCENARIO [--seed N] [--scale F] [--until DATE] [--out DIR] [--set KEY=VALUE]
    desertion scenarios
    desertion show SCENARIO
    desertion targets RUN_DIR
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import json
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from desertion.engine.errors import InputError
from desertion.engine.output import (
    REPORT_FILE,
    ResultFolder,
    default_run_folder,
    run_identity,
    write_file_safely,
)
from desertion.engine.overrides import OverrideError
from desertion.engine.results import RunResult
from desertion.models import Model, broken_models, model_for, model_named, models

MAX_SEED = 2**63 - 1
"""Seeds are stored as 64-bit signed integers (Parquet, NumPy)."""
RUNS_ROOT = Path("runs")

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Simulate how armed groups keep or lose their fighters.")
console = Console()
errors = Console(stderr=True, soft_wrap=True)


def _fail(message: str, code: int = 2) -> NoReturn:
    """Print one error (user text escaped: a ``[/x]`` in a key is shown, not parsed)."""
    errors.print(f"[bold red]error:[/] {escape(message)}", highlight=False, markup=True)
    raise typer.Exit(code)


def _warn(message: str) -> None:
    errors.print(f"[yellow]warning:[/] {escape(message)}", highlight=False, markup=True)


def _parse_value(text: str) -> Any:
    """A TOML value (``0.5``, ``"prison"``, ``true``, ``[1, 2]``), else the bare string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_settings(settings: list[str]) -> dict[str, Any]:
    out = {}
    for item in settings:
        key, sep, value = item.partition("=")
        if not sep or not key:
            _fail(f"--set {item!r}: expected KEY=VALUE, e.g. factions.isis.pay=0.8")
        out[key.strip()] = _parse_value(value.strip())
    return out


def load(source: str, settings: list[str], scale: float | None = None,
         until: str | None = None) -> tuple[Any, Any]:
    """The model and the validated scenario, with command-line changes applied."""
    try:
        spec = model_for(source)
        scenario = spec.load(source)
        scenario = scenario.with_overrides(parse_settings(settings), option="--set")
        if scale is not None:  # its own call, so that its errors name --scale
            scenario = scenario.with_overrides({"scale": scale}, option="--scale")
        if until is not None:
            scenario = _until(spec, scenario, until)
    except (ValueError, OverrideError) as exc:  # InputError and pydantic errors included
        _fail(str(exc))
    return spec, scenario


def _until(spec: Model, scenario: Any, until: str) -> Any:
    if not spec.has_calendar:
        _fail(f"--until does not apply to the {spec.name} model, which has no calendar")
    try:
        last_day = dt.date.fromisoformat(until)
    except ValueError as exc:
        _fail(f"--until {until}: {exc}; expected a date YYYY-MM-DD")
    if last_day < scenario.start:
        _fail(f"--until {until}: is before the scenario's start {scenario.start}; expected "
              "a day from the start on")
    try:
        return scenario.until(last_day)
    except InputError as exc:  # name the option, as the other refusals of options do
        raise type(exc)(exc.source, [("--until" if key == "until" else key, message)
                                     for key, message in exc.problems]) from None


def _check_seed(seed: int) -> int:
    if not 0 <= seed <= MAX_SEED:
        _fail(f"--seed {seed}: expected a whole number from 0 to {MAX_SEED}")
    return seed


def _claim_output(out: Path | None, spec: Model, scenario: Any, seed: int,
                  force: bool) -> ResultFolder:
    """The output folder, checked before anything runs (see engine/output.py)."""
    identity = run_identity(spec.name, scenario.model_dump(mode="json"), seed)
    target = out if out is not None else default_run_folder(RUNS_ROOT, scenario.name, seed,
                                                              identity)
    try:
        return ResultFolder.claim(target, identity, replace_other_run=force)
    except InputError as exc:
        _fail(str(exc))


def _draw_plot(spec: Model, result: RunResult) -> dict[str, bytes]:
    """plot.png's bytes, drawn before the save so the folder is swapped in whole; a plot that
    fails costs the plot only, never the run."""
    try:
        with tempfile.TemporaryDirectory() as scratch:
            return {"plot.png": spec.plot(result, Path(scratch) / "plot.png").read_bytes()}
    except Exception as exc:  # the results matter more than their picture
        _warn(f"plot.png not drawn ({type(exc).__name__}: {exc}); the tables are saved")
        return {}


def _draw_report(spec: Model, result: RunResult) -> dict[str, bytes]:
    """report.html's bytes, drawn like the plot: a report that fails costs itself only."""
    try:
        return {REPORT_FILE: spec.report(result).encode("utf-8")}
    except Exception as exc:  # the results matter more than their report
        _warn(f"{REPORT_FILE} not written ({type(exc).__name__}: {exc}); the tables are saved")
        return {}


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="a shipped scenario's name or a TOML file")],
    seed: Annotated[int | None, typer.Option(help="random seed (default: the scenario's)")
                    ] = None,
    scale: Annotated[float | None, typer.Option(help="fraction of the population simulated")
                     ] = None,
    until: Annotated[str | None, typer.Option(help="last day to simulate (YYYY-MM-DD)")
                     ] = None,
    out: Annotated[Path | None, typer.Option(
        help="output folder (default runs/NAME-seedN-HASH, one per distinct run); only an "
        "empty folder or an earlier result of the same run is replaced")] = None,
    force: Annotated[bool, typer.Option(help="replace an earlier result of a different run "
                                        "in --out")] = False,
    set_: Annotated[list[str], typer.Option("--set", help="override a parameter: "
                                            "dotted.key=value (repeatable)")] = [],  # noqa: B006
    plot: Annotated[bool, typer.Option(help="write plot.png")] = True,
    report: Annotated[bool, typer.Option(help=f"write {REPORT_FILE} (interactive charts, "
                                         "opens with no network)")] = True,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
    posterior: Annotated[str | None, typer.Option(
        metavar="DIR", help="run an ensemble instead, each run's parameters drawn from this "
        "posterior (a folder written by `desertion calibrate`, or a shipped fit's name); "
        "writes daily bands (bands.csv, bands.parquet, bands.png)")] = None,
    draws: Annotated[int | None, typer.Option(
        min=2, help="with --posterior: how many runs, one parameter set each (default 100)")
                     ] = None,
    workers: Annotated[int | None, typer.Option(
        min=0, help="with --posterior: worker processes (default one per CPU; 0: in this "
        "process)")] = None,
) -> None:
    """Run a scenario; write Parquet tables, run.json, a plot and a report; print a summary.

    With --posterior: a forecast, an ensemble of --draws runs whose parameters are drawn
    from a fitted posterior; writes the daily bands of its outputs (median, 50% and 90%
    bands) and prints the last day's strength of each faction."""
    if posterior is not None:
        _forecast(scenario, posterior, DEFAULT_DRAWS if draws is None else draws, workers,
                  seed, scale, until, out, force, set_, plot, progress)
        return
    _refuse_forecast_options(draws, workers)
    _run_one(scenario, seed, scale, until, out, force, set_, plot, report, progress)


def _refuse_forecast_options(draws: int | None, workers: int | None) -> None:
    """--draws and --workers shape an ensemble: without --posterior they are an error."""
    given = [name for name, value in (("--draws", draws), ("--workers", workers))
             if value is not None]
    if given:
        _fail(f"{' and '.join(given)} {'apply' if len(given) > 1 else 'applies'} to a "
              "forecast: add --posterior DIR (a folder written by `desertion calibrate`, or "
              "a shipped fit's name) to run an ensemble drawn from it")


def _run_one(source: str, seed: int | None, scale: float | None, until: str | None,
             out: Path | None, force: bool, set_: list[str], plot: bool, report: bool,
             progress: bool) -> None:
    """``run`` without --posterior: one simulation, saved whole, then its summary."""
    spec, resolved = load(source, set_, scale, until)
    seed = _check_seed(resolved.seed if seed is None else seed)
    folder = _claim_output(out, spec, resolved, seed, force)
    for warning in resolved.warnings():  # a run that simulates nothing, or runs for long
        _warn(warning)
    with _staged(folder):
        result = _simulate(spec, resolved, seed, progress)
        extra = (_draw_plot(spec, result) if plot else {}) | (
            _draw_report(spec, result) if report else {})
        result.save_into(folder, extra_files=extra)
    if spec.agents(result) == 0:
        _warn("the run simulated no agent; there is nothing to summarise")
    else:
        for table in spec.summary_tables(result):
            console.print(table)
    written = ", ".join(["timeseries.parquet", "events.parquet", "run.json", *extra])
    console.print(f"wrote {escape(str(folder.target))}/ ({written}) in "
                  f"{result.meta['wall_time_s']:.1f} s", highlight=False)


@contextlib.contextmanager
def _staged(folder: ResultFolder) -> Iterator[None]:
    """Work whose result is saved into ``folder``: if it fails, the staging is abandoned
    and an earlier result stays as it was; Ctrl-C says so and exits with 130."""
    try:
        yield
    except KeyboardInterrupt:
        folder.abandon()
        errors.print(f"[yellow]interrupted[/]: nothing was written; earlier results in "
                     f"{escape(str(folder.target))} are intact", highlight=False)
        raise typer.Exit(130) from None
    except BaseException:
        folder.abandon()
        raise


DEFAULT_DRAWS = 100
"""``run --posterior``: runs in the ensemble unless --draws says otherwise."""


def _forecast(source: str, posterior: str, draws: int, workers: int | None, seed: int | None,
              scale: float | None, until: str | None, out: Path | None, force: bool,
              set_: list[str], plot: bool, progress: bool) -> None:
    """``run --posterior``: the scenario, seed and output folder handled as for one run,
    the ensemble left to ``calibration.forecast``."""
    # the module, not the package's attribute `forecast` (the function of that name)
    fc = importlib.import_module("desertion.calibration.forecast")
    from desertion.calibration.posterior import Posterior, PosteriorError

    try:
        post = Posterior.load(posterior)
    except PosteriorError as exc:
        _fail(f"--posterior {exc}")
    settings = parse_settings(set_)
    if scale is not None:
        settings["scale"] = scale
    try:
        spec = model_for(source)
        resolved = fc.forecast_scenario(post, source, settings)
        if until is not None:
            resolved = _until(spec, resolved, until)
    except (ValueError, OverrideError) as exc:  # InputError and pydantic errors included
        _fail(str(exc))
    seed = _check_seed(resolved.seed if seed is None else seed)
    identity = fc.forecast_identity(resolved, seed, draws, post)
    target = out if out is not None else default_run_folder(
        RUNS_ROOT, f"{resolved.name}-forecast", seed, identity)
    try:
        folder = fc.claim_folder(target, identity, replace_other=force)
    except InputError as exc:
        _fail(str(exc))
    for warning in resolved.warnings():
        _warn(warning)
    last_day = None if until is None else dt.date.fromisoformat(until)
    try:
        with _staged(folder):
            # the posterior by its name, so that forecast.json records where it came from
            result = fc.forecast(posterior, draws=draws, seed=seed, scenario=source,
                                 settings=settings, until=last_day, workers=workers,
                                 progress=progress)
            extra = _draw_bands(result) if plot else {}
            result.save_into(folder, extra_files=extra)
    except (fc.ForecastError, fc.ForecastRunError) as exc:
        _fail(str(exc), code=2 if isinstance(exc, fc.ForecastError) else 1)
    failed = result.info["failed"]
    if failed:
        _warn(f"{len(failed)} of {draws} runs failed and are left out of the bands (the "
              f"first, run {failed[0]['run']}: {failed[0]['error']}); see forecast.json")
    console.print(_strength_table(result))
    written = ", ".join([*fc.FILES, *extra])
    console.print(f"wrote {escape(str(folder.target))}/ ({written})", highlight=False)


def _draw_bands(result: Any) -> dict[str, bytes]:
    """bands.png's bytes, drawn before the save; a figure that fails costs itself only."""
    from desertion.calibration.forecast import PLOT_FILE

    try:
        with tempfile.TemporaryDirectory() as scratch:
            return {PLOT_FILE: result.plot(Path(scratch) / PLOT_FILE).read_bytes()}
    except Exception as exc:  # the bands matter more than their picture
        _warn(f"{PLOT_FILE} not drawn ({type(exc).__name__}: {exc}); the tables are saved")
        return {}


def _strength_table(result: Any) -> Table:
    """The last day's median and 90% band of each faction's strength."""
    last = result.last_day()
    rows = last[last["output"].str.startswith("strength_")]
    day = rows["date"].max()
    table = Table(title=f"{result.info['scenario']}: strength on {day:%Y-%m-%d}, "
                  f"{result.info['ok']} runs drawn from {result.info['posterior']['source']}")
    for column in ("output", "median", "90% band"):
        table.add_column(column, justify="left" if column == "output" else "right")
    for row in rows.itertuples(index=False):
        table.add_row(row.output, f"{row.median:,.0f}", f"{row.q05:,.0f} - {row.q95:,.0f}")
    return table


def _simulate(spec: Model, scenario: Any, seed: int, progress: bool) -> RunResult:
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=errors, disable=not progress,
                  transient=False) as bar:
        task = bar.add_task(escape(f"{scenario.name} (seed {seed})"), total=None)
        return spec.simulate(scenario, seed=seed,
                             progress=lambda done, total: bar.update(task, completed=done,
                                                                     total=total))


@app.command()
def scenarios() -> None:
    """List the shipped scenarios."""
    table = Table(box=None, show_header=True, pad_edge=False)
    for column in ("scenario", "model", "what"):
        table.add_column(column, overflow="fold", no_wrap=column == "scenario")
    for spec in models().values():
        for name, description in spec.shipped().items():
            table.add_row(f"[bold]{name}[/]", spec.name, description)
    console.print(table, highlight=False)
    for name, problem in broken_models().items():
        _warn(f"the {name} model failed to load and is left out: {problem}")


@app.command()
def show(scenario: Annotated[str, typer.Argument(help="a shipped name or a TOML file")],
         set_: Annotated[list[str], typer.Option("--set", help="override a parameter")
                         ] = [],  # noqa: B006
         ) -> None:
    """Print a scenario resolved, with every default filled in, as TOML."""
    import tomli_w

    _, resolved = load(scenario, set_)
    data = resolved.model_dump(mode="json", exclude_none=True)
    sys.stdout.write(tomli_w.dumps(data))


@app.command()
def targets(run_dir: Annotated[Path, typer.Argument(help="a folder written by `run`")],
            csv: Annotated[Path | None, typer.Option(help="also write the table as CSV")
                           ] = None,
            figures: Annotated[Path | None, typer.Option(
                "--targets", help="your own figures instead of the package's: a CSV in the "
                "shape of targets.csv with each row's measure in the columns measure, event, "
                "detail, origin, status, first, last, on, outcome (docs/calibration.md), or "
                "a shipped conflict's figures by name (csa-1862)")
                               ] = None) -> None:
    """Compare a run with the documented figures that apply: its shipped conflict's (the
    package's targets.csv for the Syrian scenarios, csa-1862.csv for csa-1862), or
    --targets."""
    from desertion.manpower.targets import (
        COLUMNS,
        compare,
        compare_figures,
        shipped_figures,
        why_none_apply,
    )
    from desertion.report.manpower_tables import targets_table

    try:
        result = RunResult.load(run_dir)
    except InputError as exc:
        _fail(str(exc))
    if result.meta.get("model", "manpower") != "manpower":
        _fail(f"{run_dir}: targets apply to the manpower model, not {result.meta.get('model')}")
    skipped: list[str] = []
    if figures is None:  # a shipped conflict's own figures, where it has them
        figures = shipped_figures(str(result.meta.get("scenario", {}).get("name", "")))
    try:
        if figures is None:
            comparison = compare(result)
        else:
            comparison, skipped = compare_figures(result, figures)
    except InputError as exc:
        _fail(str(exc))
    except (KeyError, TypeError, ValueError) as exc:  # a run.json edited by hand, say
        _fail(f"{run_dir / 'run.json'}: does not describe a manpower run the targets can "
              f"read ({type(exc).__name__}: {exc})")
    unmeasured = [r for r in skipped if "no measure declared" in r]
    for reason in skipped:
        if reason not in unmeasured:
            _warn(f"{figures}: {reason}: left out")
    if unmeasured:  # events and context figures: one line, not one a row
        _warn(f"{figures}: {len(unmeasured)} rows declare no measure (events and figures "
              f"the model does not compute, e.g. {unmeasured[0].split(':')[0]}): left out")
    if comparison.empty:
        _warn(why_none_apply(result) if figures is None else
              f"none of the {len(skipped)} figures of {figures} applies to this run")
    console.print(targets_table(comparison, Path(figures).name if figures else "targets.csv"))
    if csv is not None:
        _write_csv(csv, comparison, "--csv", header=",".join(COLUMNS))


@app.command("report")
def report_command(
        run_dir: Annotated[Path, typer.Argument(help="a folder written by `run`")],
        out: Annotated[Path | None, typer.Option(help=f"the HTML file (default: RUN_DIR/"
                                                 f"{REPORT_FILE}); only a report of this "
                                                 "tool's is replaced")] = None) -> None:
    """Write the self-contained HTML report of a run (interactive charts, its calendar and,
    for the manpower model, the documented targets) or of an experiment's results folder
    (distributions, outcomes against parameters, bands, sensitivity, failed runs)."""

    if (run_dir / "manifest.json").is_file():
        page = _sweep_page(run_dir)
    else:
        page = _run_page(run_dir)
    _write_page(out if out is not None else run_dir / REPORT_FILE, page, "--out")


@app.command()
def compare(run_a: Annotated[Path, typer.Argument(help="a folder written by `run` (A)")],
            run_b: Annotated[Path, typer.Argument(help="another, of the same model (B)")],
            csv: Annotated[Path | None, typer.Option(help="also write the table as CSV")
                           ] = None,
            html: Annotated[Path | None, typer.Option(
                help="also write a page with the two runs' charts overlaid (manpower)")
                            ] = None) -> None:
    """Every summary figure of two runs, with B - A and B / A (and their charts overlaid)."""
    from desertion.report.compare import compare_html, compare_runs

    try:
        a, b = RunResult.load(run_a), RunResult.load(run_b)
        model_a, model_b = (str(r.meta.get("model", "manpower")) for r in (a, b))
        if model_a != model_b:
            _fail(f"{run_b}: a {model_b} run; {run_a} is a {model_a} run: compare runs of "
                  "one model")
        table = compare_runs(model_named(model_a), a, b)
    except InputError as exc:
        _fail(str(exc))
    out = Table(title=f"A = {run_a} (seed {a.meta['seed']}), B = {run_b} "
                f"(seed {b.meta['seed']})")
    for column in table.columns:
        out.add_column(column, justify="left" if column == "outcome" else "right")
    for row in table.itertuples(index=False):
        out.add_row(row[0], *(_number(v) for v in row[1:]))
    console.print(out)
    if csv is not None:
        _write_csv(csv, table, "--csv")
    if html is not None:
        if model_a != "manpower":
            _fail(f"--html: overlaid charts are drawn for the manpower model, not {model_a}")
        _write_page(html, compare_html(a, b, table, (str(run_a), str(run_b))), "--html")


@app.command()
def dashboard(port: Annotated[int, typer.Option(help="the port to listen on", min=1,
                                                max=65535)] = 8501,
              host: Annotated[str, typer.Option(help="the interface to listen on: this "
                                                "machine only unless you say otherwise")
                              ] = "127.0.0.1") -> None:
    """Start the dashboard (a local web page): levers, ensembles, charts against a
    baseline. Runs are written under runs/dashboard/ like CLI runs."""
    import subprocess

    app_file = Path(__file__).parent / "dashboard" / "app.py"
    console.print(f"dashboard on http://{host}:{port}/ (Ctrl-C stops it)", highlight=False)
    command = [sys.executable, "-m", "streamlit", "run", str(app_file), "--server.address",
               host, "--server.port", str(port), "--server.headless", "true",
               "--browser.gatherUsageStats", "false"]
    try:
        raise typer.Exit(subprocess.call(command))
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


@app.command()
def export(run_dir: Annotated[Path, typer.Argument(help="a folder written by `run`")],
           csv: Annotated[bool, typer.Option("--csv", help="the daily tables as CSV "
                                             "(timeseries.csv, events.csv) in RUN_DIR")
                          ] = False,
           svg: Annotated[bool, typer.Option("--svg", help="the run's figure as plot.svg "
                                             "in RUN_DIR (for papers)")] = False) -> None:
    """Write a run's tables or figure in another format, beside its files (CSV for
    spreadsheets, SVG for papers)."""
    if not (csv or svg):
        _fail("choose a format: --csv or --svg")
    try:
        result = RunResult.load(run_dir)
        spec = model_named(str(result.meta.get("model", "manpower")))
    except InputError as exc:
        _fail(str(exc))
    if svg:
        _write_ours(run_dir / "plot.svg", lambda tmp: _svg(spec, result, tmp), "RUN_DIR",
                    lambda path: "<svg" in _head(path))
    if csv:
        for name, frame in (("timeseries", result.timeseries), ("events", result.events)):
            _write_csv(run_dir / f"{name}.csv", frame, "RUN_DIR", f"{len(frame):,} rows")


def _write_ours(path: Path, write: Any, option: str, ours: Any, what: str = "") -> None:
    """``write_file_safely`` (a file replaced only if ``ours`` says this tool wrote it),
    its refusal turned into the command's error, and a line saying what was written."""
    try:
        write_file_safely(path, write, option=option, ours=ours)
    except InputError as exc:
        _fail(str(exc))
    console.print(f"wrote {escape(str(path))}" + (f" ({what})" if what else ""),
                  highlight=False)


def _write_csv(path: Path, frame: Any, option: str, what: str = "",
               header: str | None = None) -> None:
    """A table as CSV; an earlier file is ours when it starts with the same header."""
    header = header if header is not None else ",".join(map(str, frame.columns))
    _write_ours(path, lambda tmp: frame.to_csv(tmp, index=False), option,
                lambda existing: _first_line(existing) == header, what)


def _write_page(path: Path, text: str, option: str) -> None:
    """An HTML page of this tool's; an earlier file is ours when it carries its generator."""
    from desertion.report.html import GENERATOR

    _write_ours(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), option,
                lambda existing: GENERATOR in _head(existing), f"{len(text) / 1e6:.1f} MB")


def _svg(spec: Model, result: RunResult, tmp: Path) -> None:
    """The figure drawn as SVG into ``tmp`` (matplotlib picks the format by suffix)."""
    spec.plot(result, tmp.with_suffix(".svg")).replace(tmp)


def _number(value: float) -> str:
    if value != value:  # NaN: an outcome one run has not, or a ratio to zero
        return "-"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def _run_page(run_dir: Path) -> str:
    try:
        result = RunResult.load(run_dir)
        spec = model_named(str(result.meta.get("model", "manpower")))
    except InputError as exc:
        _fail(str(exc))
    try:
        return spec.report(result)
    except (KeyError, TypeError, ValueError) as exc:  # a run.json edited by hand, say
        _fail(f"{run_dir / 'run.json'}: cannot be reported ({type(exc).__name__}: {exc})")


def _sweep_page(out: Path) -> str:
    from desertion.report.sweep_report import sweep_report_html

    try:
        return sweep_report_html(out)
    except (OSError, KeyError, TypeError, ValueError) as exc:
        _fail(f"{out}: cannot be reported as an experiment's results "
              f"({type(exc).__name__}: {exc})")


def _head(path: Path) -> str:
    try:
        with path.open(encoding="utf-8") as fh:
            return fh.read(300)
    except (OSError, UnicodeDecodeError):
        return ""


def _first_line(path: Path) -> str:
    try:
        with path.open(encoding="utf-8") as fh:
            return fh.readline().rstrip("\r\n")
    except (OSError, UnicodeDecodeError):
        return ""


@app.command()
def version() -> None:
    """Print the package version."""
    from desertion import __version__

    console.print(json.dumps({"desertion": __version__}))


# the experiment commands (sweep, sensitivity) live with the experiment layer
from desertion.calibration.cli import register as _register_calibration  # noqa: E402
from desertion.experiments.cli import register as _register_experiments  # noqa: E402
from desertion.validation.cli import register as _register_validation  # noqa: E402

_register_experiments(app)
_register_calibration(app)
_register_validation(app)

if __name__ == "__main__":
    app()
