"""The command line: a thin layer over the Python API.

    desertion run SCENARIO [--seed N] [--scale F] [--until DATE] [--out DIR] [--set KEY=VALUE]
    desertion scenarios
    desertion show SCENARIO
    desertion targets RUN_DIR
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from desertion.engine.overrides import OverrideError
from desertion.engine.results import RunResult
from desertion.models import model_for, models

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Simulate how armed groups keep or lose their fighters.")
console = Console()
errors = Console(stderr=True)


def _fail(message: str) -> None:
    errors.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    raise typer.Exit(2)


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
        overrides = parse_settings(settings)
        if scale is not None:
            overrides["scale"] = scale
        scenario = scenario.with_overrides(overrides)
        if until is not None:
            if not hasattr(scenario, "until"):
                _fail(f"--until does not apply to the {spec.name} model")
            try:
                last_day = dt.date.fromisoformat(until)
            except ValueError as exc:
                _fail(f"--until {until}: {exc}; expected a date YYYY-MM-DD")
            scenario = scenario.until(last_day)
    except (ValueError, OverrideError) as exc:  # ScenarioError and pydantic errors included
        _fail(str(exc))
    return spec, scenario


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="a shipped scenario's name or a TOML file")],
    seed: Annotated[int | None, typer.Option(help="random seed (default: the scenario's)")
                    ] = None,
    scale: Annotated[float | None, typer.Option(help="fraction of the population simulated")
                     ] = None,
    until: Annotated[str | None, typer.Option(help="last day to simulate (YYYY-MM-DD)")
                     ] = None,
    out: Annotated[Path | None, typer.Option(help="output folder (default runs/NAME-seedN)")
                   ] = None,
    set_: Annotated[list[str], typer.Option("--set", help="override a parameter: "
                                            "dotted.key=value (repeatable)")] = [],  # noqa: B006
    plot: Annotated[bool, typer.Option(help="write plot.png")] = True,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
) -> None:
    """Run a scenario; write Parquet tables, run.json and a plot; print a summary."""
    spec, resolved = load(scenario, set_, scale, until)
    seed = resolved.seed if seed is None else seed
    out = out or Path("runs") / f"{resolved.name}-seed{seed}"
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=errors, disable=not progress,
                  transient=False) as bar:
        task = bar.add_task(f"{resolved.name} (seed {seed})", total=None)
        result = spec.simulate(resolved, seed=seed,
                               progress=lambda done, total: bar.update(task, completed=done,
                                                                       total=total))
    extra = {}
    if plot:  # drawn before the save, so the folder is swapped in whole or not at all
        with tempfile.TemporaryDirectory() as scratch:
            extra["plot.png"] = spec.plot(result, Path(scratch) / "plot.png").read_bytes()
    result.save(out, extra_files=extra)
    for table in spec.summary_tables(result):
        console.print(table)
    console.print(f"wrote {out}/ (timeseries.parquet, events.parquet, run.json"
                  f"{', plot.png' if plot else ''}) in {result.meta['wall_time_s']:.1f} s")


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
                           ] = None) -> None:
    """Compare a run with the documented figures (targets.csv) that apply to it."""
    from desertion.manpower.targets import compare
    from desertion.report.tables import targets_table

    if not (run_dir / "run.json").exists():
        _fail(f"{run_dir}: no run.json here; expected a folder written by `desertion run`")
    result = RunResult.load(run_dir)
    if result.meta.get("model") != "manpower":
        _fail(f"{run_dir}: targets apply to the manpower model, not {result.meta.get('model')}")
    comparison = compare(result)
    console.print(targets_table(comparison))
    if csv is not None:
        comparison.to_csv(csv, index=False)


@app.command()
def version() -> None:
    """Print the package version."""
    from desertion import __version__

    console.print(json.dumps({"desertion": __version__}))


# the experiment commands (sweep, sensitivity) live with the experiment layer
from desertion.experiments.cli import register as _register_experiments  # noqa: E402

_register_experiments(app)

if __name__ == "__main__":
    app()
