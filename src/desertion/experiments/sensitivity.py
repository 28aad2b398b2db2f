"""Sensitivity analysis of a finished sweep with SALib: Sobol' indices or Morris screening.

Each point's outcome is the mean over its replications (failed runs and missing values left
out). Sobol' designs give first-order (S1) and total (ST) indices with bootstrap confidence
intervals; Morris designs give mu*, its confidence interval, mu and sigma. Both work in the
design's sampling space (see ``design.py``): a list of values is an index, a log range its
logarithm.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Group
from rich.table import Table

from desertion.experiments.store import load_manifest, load_results

SOBOL_COLUMNS = ["S1", "S1_conf", "ST", "ST_conf"]
MORRIS_COLUMNS = ["mu_star", "mu_star_conf", "mu", "sigma"]


class SensitivityError(ValueError):
    pass


def point_means(results: pd.DataFrame, outcomes: list[str], n_points: int) -> pd.DataFrame:
    """Outcome means over replications, one row per point ``0..n_points-1`` (NaN: none)."""
    ok = results[results["status"] == "ok"]
    means = ok.groupby("point")[outcomes].mean()
    return means.reindex(range(n_points))


def analyze_results(out: str | Path, *, conf_level: float = 0.95, num_resamples: int = 1000,
                    seed: int | None = None) -> pd.DataFrame:
    """Sensitivity indices of every kept outcome to every parameter, as a long table.

    Columns: ``outcome, parameter, method``, then ``S1, S1_conf, ST, ST_conf`` (sobol) or
    ``mu_star, mu_star_conf, mu, sigma`` (morris), and ``note`` (why an outcome has no
    indices: a point without any finished run, or an outcome that never varies).
    """
    manifest = load_manifest(out)
    design = manifest["design"]
    kind = design["kind"]
    if kind not in ("sobol", "morris"):
        raise SensitivityError(f"{out}: a {kind} design does not support a sensitivity "
                               "analysis; use design.kind = \"sobol\" or \"morris\"")
    problem = design["problem"]
    sample = np.asarray(design["sample"], dtype=float)
    outcomes = list(manifest["outcomes"])
    results = load_results(out)
    means = point_means(results, outcomes, design["n_points"])
    if seed is None:
        seed = int(manifest["identity"]["spec"]["root_seed"]) % 2**32
    rows: list[dict[str, Any]] = []
    for outcome in outcomes:
        y = means[outcome].to_numpy(dtype=float)
        note = ""
        if np.isnan(y).any():
            note = f"{int(np.isnan(y).sum())} of {len(y)} points have no value"
        elif np.ptp(y) == 0:
            note = "constant over the sample"
        indices = {} if note else _analyze(kind, problem, sample, y, design, conf_level,
                                           num_resamples, seed)
        for i, name in enumerate(problem["names"]):
            row: dict[str, Any] = {"outcome": outcome, "parameter": name, "method": kind}
            for column in SOBOL_COLUMNS if kind == "sobol" else MORRIS_COLUMNS:
                row[column] = float(indices[column][i]) if indices else float("nan")
            row["note"] = note
            rows.append(row)
    return pd.DataFrame(rows)


def _analyze(kind: str, problem: dict[str, Any], sample: np.ndarray, y: np.ndarray,
             design: dict[str, Any], conf_level: float, num_resamples: int, seed: int
             ) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if kind == "sobol":
            from SALib.analyze import sobol

            second = bool(design.get("second_order", False))
            result = sobol.analyze(problem, y, calc_second_order=second,
                                   num_resamples=num_resamples, conf_level=conf_level,
                                   seed=seed)
            return {k: np.asarray(result[k]) for k in SOBOL_COLUMNS}
        from SALib.analyze import morris

        result = morris.analyze(problem, sample, y, num_resamples=num_resamples,
                                conf_level=conf_level, num_levels=_levels(design), seed=seed)
        return {k: np.asarray(result[k]) for k in MORRIS_COLUMNS}


def _levels(design: dict[str, Any]) -> int:
    return int(design.get("levels", 4))


def sensitivity_table(frame: pd.DataFrame) -> Group:
    """The indices as rich tables, one per outcome, a row per parameter."""
    method = frame["method"].iloc[0] if len(frame) else "sobol"
    if method == "sobol":
        heads = [("S1", "S1"), ("±", "S1_conf"), ("ST", "ST"), ("±", "ST_conf")]
    else:
        heads = [("mu*", "mu_star"), ("±", "mu_star_conf"), ("mu", "mu"),
                 ("sigma", "sigma")]
    kind = "Sobol' indices" if method == "sobol" else "Morris elementary effects"
    tables = []
    for outcome in dict.fromkeys(frame["outcome"]):
        part = frame[frame["outcome"] == outcome]
        note = part["note"].iloc[0]
        table = Table(title=f"{kind}: {outcome}", title_justify="left",
                      caption=f"no indices: {note}" if note else None,
                      caption_justify="left")
        table.add_column("parameter", overflow="fold")
        for label, _ in heads:
            table.add_column(label, justify="right", no_wrap=True)
        for row in part.itertuples(index=False):
            values = row._asdict()
            table.add_row(values["parameter"], *(_num(values[key]) for _, key in heads))
        tables.append(table)
    return Group(*tables)


def _num(x: float) -> str:
    return "-" if x != x else f"{x:.4g}"


def plot_sensitivity(frame: pd.DataFrame, path: str | Path) -> Path:
    """A bar chart per outcome: S1 and ST (sobol) or mu* and sigma (morris), with CIs."""
    from matplotlib.figure import Figure  # not pyplot: a notebook's backend is left alone

    path = Path(path)
    outcomes = list(dict.fromkeys(frame["outcome"]))
    method = frame["method"].iloc[0]
    n = max(1, len(outcomes))
    n_params = frame["parameter"].nunique()
    cols = min(n, 2)
    rows = (n + cols - 1) // cols
    label_width = min(3.5, 0.3 + 0.075 * max(len(_short(p)) for p in frame["parameter"]))
    fig = Figure(figsize=(label_width + 4.2 * cols, 0.7 + (0.9 + 0.42 * n_params) * rows))
    axes = fig.subplots(rows, cols, squeeze=False, sharey=True)
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        part = frame[frame["outcome"] == outcome]
        y = np.arange(len(part))
        if method == "sobol":
            bars = [("S1", "S1_conf", "first order"), ("ST", "ST_conf", "total")]
        else:
            bars = [("mu_star", "mu_star_conf", "mu*"), ("sigma", None, "sigma")]
        height = 0.38
        for j, (value, conf, label) in enumerate(bars):
            err = part[conf].to_numpy() if conf else None
            ax.barh(y + (j - 0.5) * height, part[value].to_numpy(), height, xerr=err,
                    label=label, capsize=2)
        ax.set_yticks(y, [_short(p) for p in part["parameter"]], fontsize=8)
        ax.set_title(outcome + (f"\n({part['note'].iloc[0]})" if part["note"].iloc[0]
                                else ""), fontsize=9)
        ax.axvline(0, color="black", linewidth=0.6)
        if part[bars[0][0]].isna().all():
            ax.text(0.5, 0.5, "no indices", transform=ax.transAxes, ha="center",
                    va="center", fontsize=9, color="grey")
            ax.set_xticks([])
        ax.tick_params(axis="x", labelsize=8)
    axes.flat[0].invert_yaxis()  # shared: the first parameter on top in every panel
    for ax in list(axes.flat)[len(outcomes):]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", fontsize=8, ncols=2)
    fig.suptitle("Sobol' indices" if method == "sobol" else "Morris screening", fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    return path


def _short(path: str, width: int = 44) -> str:
    return path if len(path) <= width else "…" + path[-(width - 1):]


def write_sensitivity(frame: pd.DataFrame, out: str | Path, plot: bool = True
                      ) -> list[Path]:
    """Write ``sensitivity.csv``, ``sensitivity.parquet`` (and ``sensitivity.png``) in out."""
    out = Path(out)
    written = [out / "sensitivity.csv", out / "sensitivity.parquet"]
    frame.to_csv(written[0], index=False)
    frame.to_parquet(written[1], index=False)
    if plot:
        written.append(plot_sensitivity(frame, out / "sensitivity.png"))
    return written
