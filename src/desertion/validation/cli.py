"""``desertion validate``: the patterns of MODEL.md section 6 as designed experiments.

    desertion validate [--seeds N | --seed-list a,b,c] [--scale F] [--patterns 1,3,7]
                       [--out DIR] [--workers N]

Exit status: 0 when every check of the chosen patterns holds; 1 when any fails (after the
summary and the files are written) or a run raises; 2 on bad input (nothing is run or
written); 130 on Ctrl-C.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

DEFAULT_SEEDS = tuple(range(10))
"""The seeds of a validation unless told otherwise: 0-9, for every pattern and arm (the CI
tests use 0-4, see tests/validation/test_patterns.py)."""
ALL_PATTERNS = tuple(range(1, 10))
MAX_SEED = 2**63 - 1
EXIT_FAILED, EXIT_REFUSED, EXIT_INTERRUPTED = 1, 2, 130


def _fail(message: str, code: int = EXIT_REFUSED) -> NoReturn:
    errors.print(f"[bold red]error:[/] {escape(message)}", highlight=False, markup=True)
    raise typer.Exit(code)


def _integers(text: str, option: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        _fail(f"{option} {text!r}: expected whole numbers separated by commas, e.g. 0,1,2")
    if not values:
        _fail(f"{option} {text!r}: expected at least one number")
    if len(set(values)) != len(values):
        _fail(f"{option} {text!r}: a number is given twice")
    return values


def parse_seeds(seeds: int | None, seed_list: str | None) -> tuple[int, ...]:
    """The seeds: ``--seeds N`` (0 to N-1), ``--seed-list``, or the default list."""
    if seeds is not None and seed_list is not None:
        _fail("give --seeds or --seed-list, not both")
    if seeds is not None:
        if seeds < 2:
            _fail(f"--seeds {seeds}: expected 2 or more (an interval needs two seeds)")
        return tuple(range(seeds))
    if seed_list is None:
        return DEFAULT_SEEDS
    values = _integers(seed_list, "--seed-list")
    if len(values) < 2:
        _fail(f"--seed-list {seed_list!r}: expected 2 or more seeds (an interval needs two)")
    if not all(0 <= v <= MAX_SEED for v in values):
        _fail(f"--seed-list {seed_list!r}: seeds run from 0 to {MAX_SEED}")
    return tuple(values)


def parse_patterns(text: str | None) -> tuple[int, ...]:
    if text is None:
        return ALL_PATTERNS
    values = _integers(text, "--patterns")
    wrong = [v for v in values if v not in ALL_PATTERNS]
    if wrong:
        _fail(f"--patterns {text!r}: no pattern {wrong[0]}; the patterns are 1 to 9")
    return tuple(sorted(values))


def _preflight(requests: Sequence[Any], scale: float) -> list[Any]:
    """Every run planned, with its scenario validated (bad scales are refused here)."""
    from desertion.validation.runner import plan

    if not scale > 0:
        _fail(f"--scale {scale}: expected a multiplier above 0 (1 is the CI tests' scales)")
    jobs = plan(requests, scale)
    for key in sorted({j.arm.run_key() for j in jobs}):
        arm = next(j.arm for j in jobs if j.arm.run_key() == key)
        try:
            arm.build_scenario()
        except ValueError as exc:  # InputError and pydantic errors included
            _fail(f"--scale {scale:g}: {arm.scenario} at scale {arm.scale:g}: {exc}")
    return jobs


def _progress_bar(show: bool) -> Any:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=errors, disable=not show, transient=False)


def _number(x: float) -> str:
    if x != x:
        return "nan"
    return f"{x:,.0f}" if abs(x) >= 1e4 else f"{x:.3g}"


def summary(results: Sequence[Any]) -> Table:
    """The checks judged, one row each."""
    table = Table(title="validation: MODEL.md section 6", title_justify="left",
                  caption="interval: two-sided 90%, each end a one-sided 95% bound; a check "
                  "holds when the end on its threshold's side clears it", caption_justify="left")
    for column in ("P", "check", "estimate", "interval", "criterion", "verdict"):
        table.add_column(column, overflow="fold", no_wrap=column in ("check", "verdict"))
    for r in results:
        colour = "green" if r.passed else "red"
        interval = "" if r.method == "pooled" else f"{_number(r.low)} to {_number(r.high)}"
        table.add_row(str(r.pattern), escape(r.check), _number(r.estimate), interval,
                      f"{r.op} {r.threshold:.4g}", f"[{colour}]{r.verdict}[/]")
    return table


def _meta(seeds: tuple[int, ...], scale: float, numbers: tuple[int, ...], workers: int,
          results: Sequence[Any], wall: float) -> dict[str, Any]:
    from desertion import __version__

    scales = sorted({(r.scenario, r.scale) for r in results})
    return {"version": __version__, "seeds": list(seeds), "scale": scale,
            "scales": [{"scenario": s, "scale": f} for s, f in scales],
            "patterns": list(numbers), "workers": workers, "wall_time_s": round(wall, 1),
            "passed": all(r.passed for r in results), "checks": len(results),
            "failed": [f"{r.pattern}:{r.check}" for r in results if not r.passed]}


def _run(jobs: Sequence[Any], requests: Sequence[Any], scale: float, workers: int,
         progress: bool) -> list[Any]:
    from desertion.validation.runner import evaluate

    with _progress_bar(progress) as bar:
        task = bar.add_task("validation runs", total=len(jobs))
        return evaluate(requests, scale, workers,
                        progress=lambda done, total: bar.update(task, completed=done))


def validate(
    seeds: Annotated[int | None, typer.Option(
        help="number of seeds: 0 to N-1 (default: the seeds 0-9)")] = None,
    seed_list: Annotated[str | None, typer.Option(help="the seeds, e.g. 0,1,2")] = None,
    scale: Annotated[float, typer.Option(
        help="multiplier of each experiment's scale (1: isis-2014 at 0.2, saa-2014 and "
        "syria-2014 at 0.05, as in the CI tests)")] = 1.0,
    patterns: Annotated[str | None, typer.Option(help="patterns to run, e.g. 1,3,7 "
                                                  "(default: all nine)")] = None,
    out: Annotated[Path, typer.Option(
        help="results folder: a new or empty folder, or an earlier validation's")
    ] = Path("validation"),
    workers: Annotated[int | None, typer.Option(
        help="worker processes (default: one per CPU; 0 or 1: in this process)")] = None,
    figures: Annotated[bool, typer.Option(help="write one PNG per pattern")] = True,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
) -> None:
    """Judge the patterns of MODEL.md section 6: replicated experiments, each check a
    pre-declared criterion on a one-sided 95% confidence bound over seeds.

    Exits with 0 when every check holds, 1 when any fails (after writing the results),
    2 on bad input (nothing is run or written), 130 on Ctrl-C."""
    from desertion.engine.errors import InputError
    from desertion.validation import report
    from desertion.validation.patterns import patterns as chosen
    from desertion.validation.runner import Request, RunFailed

    run_seeds, numbers = parse_seeds(seeds, seed_list), parse_patterns(patterns)
    if workers is not None and workers < 0:
        _fail("--workers must be 0 or more")
    n_workers = (os.cpu_count() or 1) if workers is None else max(workers, 1)
    requests = [Request(n, run_seeds) for n in numbers]
    jobs = _preflight(requests, scale)
    try:
        folder = report.claim(out)
    except InputError as exc:
        _fail(str(exc))
    start = time.perf_counter()
    try:
        results = _run(jobs, requests, scale, n_workers, progress)
        meta = _meta(run_seeds, scale, numbers, n_workers, results,
                     time.perf_counter() - start)
        written = report.write(folder, results, chosen(numbers), meta, figures)
    except KeyboardInterrupt:
        folder.abandon()
        errors.print(f"[yellow]interrupted[/]: nothing was written to {escape(str(out))}",
                     highlight=False)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except RunFailed as exc:
        folder.abandon()
        _fail(f"a run failed, nothing was written: {exc}", EXIT_FAILED)
    except BaseException:
        folder.abandon()
        raise
    _report(results, out, written, meta)


def _report(results: Sequence[Any], out: Path, written: list[str], meta: dict[str, Any]
            ) -> None:
    console.print(summary(results))
    failed = [r for r in results if not r.passed]
    by_pattern = sorted({r.pattern for r in results})
    holding = [p for p in by_pattern if all(r.passed for r in results if r.pattern == p)]
    colour = "red" if failed else "green"
    console.print(f"[{colour}]{len(results) - len(failed)} of {len(results)} checks hold; "
                  f"patterns run: {', '.join(map(str, by_pattern))}; holding: "
                  f"{', '.join(map(str, holding)) or 'none'}[/] (seeds "
                  f"{', '.join(map(str, meta['seeds']))}; {meta['wall_time_s']:.1f} s on "
                  f"{meta['workers']} worker(s))",
                  highlight=False)
    console.print(f"wrote {escape(str(out))}/ ({', '.join(written)})", highlight=False)
    if failed:
        raise typer.Exit(EXIT_FAILED)


def register(app: typer.Typer) -> None:
    """Add ``validate`` to the ``desertion`` command line."""
    app.command()(validate)
