"""One figure per pattern: each check's per-seed values, its estimate and interval, and the
threshold it must clear."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from pathlib import Path

# a Figure of its own, not pyplot: files only, and a notebook user's backend is left alone
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from desertion.validation.design import CheckResult, Pattern

PASS, FAIL = "#1a7f37", "#cf222e"


def _panel(ax: Axes, r: CheckResult) -> None:
    colour = PASS if r.passed else FAIL
    x = list(range(len(r.values)))
    finite = [v for v in r.values if math.isfinite(v)]
    ax.scatter(x, r.values, color="0.35", s=18, zorder=3, label="per seed")
    est = len(x) + 0.6
    if math.isfinite(r.low) and math.isfinite(r.high):
        ax.vlines(est, r.low, r.high, color=colour, lw=3, zorder=2)
    if math.isfinite(r.estimate):
        ax.scatter([est], [r.estimate], color=colour, marker="D", s=36, zorder=4,
                   label=r.method)
    ax.axhline(r.threshold, color="0.2", ls="--", lw=1, label=f"threshold {r.op} "
               f"{r.threshold:.4g}")
    positive = all(v > 0 for v in [*finite, r.threshold, r.low, r.high]
                   if math.isfinite(v))
    if r.log and finite and positive:
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 1.5, 2.0, 3.0, 5.0, 7.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xticks([*x, est], [*(str(s) for s in r.seeds), "all"], fontsize="small")
    ax.set_xlabel(textwrap.fill(f"{r.statistic} (by seed; all: {r.method})", 60),
                  fontsize="x-small", color="0.25")
    ax.set_title(f"{r.check}: {r.verdict}", color=colour, fontsize="medium")
    ax.legend(loc="best", fontsize="x-small")
    ax.grid(alpha=0.3)


def pattern_figure(p: Pattern, results: Sequence[CheckResult], path: str | Path) -> Path:
    """Write the figure of pattern ``p`` (its checks' ``results``) as a PNG."""
    path = Path(path)
    n = max(len(results), 1)
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(4.4 * cols, 3.4 * rows + 0.6), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, r in zip(axes, results, strict=False):
        _panel(ax, r)
    for ax in axes[len(results):]:
        ax.set_visible(False)
    held = sum(r.passed for r in results)
    scales = sorted({f"{r.scenario} {r.scale:g}" for r in results})
    fig.suptitle(f"Pattern {p.number}: {p.title} ({held} of {len(results)} checks hold; "
                 f"{', '.join(scales)})", fontsize="large")
    fig.savefig(path, dpi=100)
    return path
