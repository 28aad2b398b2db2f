"""The report of a calibration: what the observations pinned down, and how well the fit
reproduces them.

Three questions, one section each: is every parameter identified (its posterior narrower
than its prior, compared in the prior's unit space so that a log-uniform and a normal prior
read alike); where do the posteriors lie (marginals and pairs); and does the model, run
from the posterior, land on the documented figures it was fitted to (the posterior
predictive check, optionally beside a baseline such as the hand-chosen defaults).
``write_report`` writes the figures, two CSV tables and ``report.md`` into one folder.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

# a Figure of its own, not pyplot: files only, and a notebook user's backend is left alone
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

from desertion.calibration.posterior import Posterior
from desertion.calibration.priors import LogUniform, Prior, prior_sd

UNIT_SD = 1.0 / math.sqrt(12.0)
"""Standard deviation of the uniform distribution on [0, 1]: every prior in its unit space."""

# Verdicts by sd_ratio (posterior sd / prior sd, in the prior's unit space). Below 0.5 the
# observations removed three quarters of the prior variance or more; at 0.8 and above they
# removed less than about a third (1 - 0.8**2 = 0.36), too little to read the value as found.
IDENTIFIED_BELOW = 0.5
WEAKLY_IDENTIFIED_BELOW = 0.8

IDENTIFIED = "identified"
WEAKLY_IDENTIFIED = "weakly identified"
NOT_IDENTIFIED = "not identified: the posterior is close to the prior"

PRIOR_RANGE = (0.005, 0.995)
"""Quantiles of the prior drawn in the marginal plots."""
MAX_PAIRS = 8
"""Parameters drawn in the pairs plot at most (the first ones); more are unreadable."""
PPC_FLOOR = 1e-3
"""Model / documented ratios below this (a run that gave zero, say) are drawn at it."""

_DPI = 110
_INSIDE, _OUTSIDE = "tab:green", "tab:red"
_BAND = "tab:blue"


# --- identifiability ----------------------------------------------------------------------


def verdict(sd_ratio: float) -> str:
    """The verdict for a posterior/prior sd ratio (in unit space), by the module thresholds."""
    if sd_ratio < IDENTIFIED_BELOW:
        return IDENTIFIED
    if sd_ratio < WEAKLY_IDENTIFIED_BELOW:
        return WEAKLY_IDENTIFIED
    return NOT_IDENTIFIED


def identifiability(priors: Mapping[str, Prior], draws: pd.DataFrame) -> pd.DataFrame:
    """Per parameter, how much the observations narrowed its prior.

    The spread is compared in the prior's unit space (draws mapped through ``prior.cdf``,
    where the prior is uniform with sd 1/sqrt(12)), so that the ratio means the same for a
    log-uniform over three decades as for a narrow normal. ``prior_sd`` and ``posterior_sd``
    are on the parameter's own scale, for reading.
    """
    missing = [name for name in draws.columns if name not in priors]
    if missing:
        raise ValueError(f"no prior for {', '.join(missing)}")
    rows = []
    for name in draws.columns:
        prior = priors[name]
        values = draws[name].to_numpy(dtype=float)
        unit = prior.cdf(values)
        ratio = float(np.std(unit, ddof=1)) / UNIT_SD if len(values) > 1 else math.nan
        rows.append({"parameter": name,
                     "prior_sd": prior_sd(prior),
                     "posterior_sd": float(np.std(values, ddof=1)) if len(values) > 1
                     else math.nan,
                     "sd_ratio": ratio,
                     "contraction": 1.0 - ratio**2,
                     "verdict": verdict(ratio) if math.isfinite(ratio) else NOT_IDENTIFIED})
    return pd.DataFrame(rows, columns=["parameter", "prior_sd", "posterior_sd", "sd_ratio",
                                       "contraction", "verdict"])


# --- figures ------------------------------------------------------------------------------


def short_names(names: list[str]) -> dict[str, str]:
    """Each dotted path by its last two parts (more where two would collide), for labels."""
    out: dict[str, str] = {}
    for name in names:
        parts = name.split(".")
        for k in range(min(2, len(parts)), len(parts) + 1):
            short = ".".join(parts[-k:])
            others = [o for o in names if o != name]
            if not any(o.split(".")[-k:] == parts[-k:] for o in others):
                break
        out[name] = short
    return out


def _grid(n: int, max_cols: int = 3) -> tuple[int, int]:
    cols = min(max_cols, n)
    return math.ceil(n / cols), cols


def plot_marginals(priors: Mapping[str, Prior], draws: pd.DataFrame, path: str | Path,
                   truth: Mapping[str, float] | None = None) -> Path:
    """One panel per parameter: posterior histogram over the prior density, with the
    posterior median and 90% interval (and the true value, for a fit to simulated data),
    so that a posterior that is just its prior shows at a glance."""
    path = Path(path)
    names = list(draws.columns)
    labels = short_names(names)
    rows, cols = _grid(max(len(names), 1))
    fig = Figure(figsize=(4.0 * cols, 3.0 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax in axes[len(names):]:
        ax.set_axis_off()
    for i, (ax, name) in enumerate(zip(axes, names, strict=False)):
        prior = priors[name]
        values = draws[name].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        log = isinstance(prior, LogUniform)
        # densities per unit of x, or of log10(x) on a log axis (where a log-uniform is flat)
        to_t = np.log10 if log else (lambda x: x)
        lo, hi = (float(v) for v in prior.ppf(np.array(PRIOR_RANGE)))
        if len(values):
            lo, hi = min(lo, float(values.min())), max(hi, float(values.max()))
        if truth is not None and name in truth and math.isfinite(truth[name]):
            lo, hi = min(lo, truth[name]), max(hi, truth[name])
        grid = np.geomspace(lo, hi, 400) if log else np.linspace(lo, hi, 400)
        density = np.gradient(prior.cdf(grid), to_t(grid))
        if len(values):
            edges = np.linspace(float(to_t(values.min())), float(to_t(values.max())), 41)
            if edges[0] == edges[-1]:
                edges = edges[0] + np.linspace(-0.5, 0.5, 41) * (abs(edges[0]) * 1e-3 or 1e-3)
            counts, edges = np.histogram(to_t(values), bins=edges, density=True)
            x_edges = 10.0**edges if log else edges
            ax.stairs(counts, x_edges, fill=True, color=_BAND, alpha=0.45, label="posterior")
            q05, q50, q95 = np.quantile(values, [0.05, 0.5, 0.95])
            ax.axvspan(q05, q95, color=_BAND, alpha=0.12, label="90% interval")
            ax.axvline(q50, color=_BAND, linewidth=1.5, label="median")
        ax.plot(grid, density, color="black", linewidth=1.2, linestyle="--", label="prior")
        if truth is not None and name in truth:
            ax.axvline(truth[name], color=_OUTSIDE, linewidth=1.5, label="truth")
        if log:
            ax.set_xscale("log")
            _log_ticks(ax, lo, hi)
        ax.set_xlim(lo, hi)
        ax.set_ylim(bottom=0)
        ax.set_title(labels[name], fontsize="medium")
        ax.set_ylabel("density per log10 unit" if log else "density", fontsize="small")
        ax.tick_params(labelsize="small")
        if i == 0:
            ax.legend(fontsize="x-small", loc="best")
    return _save(fig, path)


def plot_pairs(draws: pd.DataFrame, path: str | Path) -> Path:
    """Pairs plot of the posterior (histograms on the diagonal, 2-D histograms below): where
    two parameters trade off, the observations pin their combination, not each alone."""
    path = Path(path)
    names = list(draws.columns)[:MAX_PAIRS]
    if not names:
        raise ValueError("no parameters to plot")
    labels = short_names(list(draws.columns))
    n = len(names)
    size = max(3.0, min(2.2 * n, 18.0))
    fig = Figure(figsize=(size, size), layout="constrained")
    axes = fig.subplots(n, n, squeeze=False)
    values = {name: draws[name].to_numpy(dtype=float) for name in names}
    limits = {name: _limits(v) for name, v in values.items()}
    for i, row_name in enumerate(names):
        for j, col_name in enumerate(names):
            ax = axes[i, j]
            if j > i:
                ax.set_axis_off()
                continue
            x = values[col_name]
            if i == j:
                ax.hist(x[np.isfinite(x)], bins=40, range=limits[col_name], color=_BAND,
                        alpha=0.7)
                ax.set_yticks([])
            else:
                y = values[row_name]
                ok = np.isfinite(x) & np.isfinite(y)
                ax.hist2d(x[ok], y[ok], bins=30, range=[limits[col_name], limits[row_name]],
                          cmap="Blues", cmin=1)
                ax.set_ylim(limits[row_name])
            ax.set_xlim(limits[col_name])
            ax.tick_params(labelsize="x-small")
            if i == n - 1:
                ax.set_xlabel(labels[col_name], fontsize="small")
            else:
                ax.set_xticklabels([])
            if j == 0 and i > 0:
                ax.set_ylabel(labels[row_name], fontsize="small")
            elif i != j:
                ax.set_yticklabels([])
    if len(draws.columns) > MAX_PAIRS:
        fig.suptitle(f"the first {MAX_PAIRS} of {len(draws.columns)} parameters",
                     fontsize="small")
    return _save(fig, path)


def _limits(values: np.ndarray) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if not len(finite):
        return 0.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    if lo == hi:  # a constant column: give it some width
        pad = abs(lo) * 1e-3 or 1e-3
        return lo - pad, hi + pad
    return lo, hi


def plot_ppc(ppc: pd.DataFrame, path: str | Path) -> Path:
    """Posterior predictive check: per documented figure, the model's 50% and 90% bands and
    median beside the figure and its range, all divided by the figure (so counts that differ
    by orders of magnitude share one log axis; 1 is a perfect hit)."""
    path = Path(path)
    n = len(ppc)
    fig = Figure(figsize=(8.5, max(2.2, 0.9 + 0.45 * n)), layout="constrained")
    ax = fig.subplots()
    if n == 0:
        ax.set_axis_off()
        ax.text(0.5, 0.5, "no observations", ha="center", va="center", transform=ax.transAxes)
        return _save(fig, path)
    rows = ppc.reset_index(drop=True)
    inside = rows["inside"].astype(bool).to_numpy()
    ratios = _ppc_ratios(rows)
    y = np.arange(n)
    band_y, obs_y = y - 0.1, y + 0.18  # side by side, so that neither hides the other
    _draw_model_bands(ax, ratios, band_y)
    _draw_documented(ax, ratios, obs_y, inside)
    _ppc_ratio_axis(ax, ratios)
    _ppc_row_axis(ax, rows)
    fig.legend(handles=_ppc_legend(), loc="outside lower center", ncols=3, fontsize="x-small")
    return _save(fig, path)


def _ppc_ratios(rows: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each row's model quantiles, figure and range divided by the row's scale (``_scale``);
    quantiles and figure floored at ``PPC_FLOOR``, so that a zero stays on the log axis."""
    scale = np.array([_scale(r) for r in rows.itertuples(index=False)])
    ratios = {column: np.clip(rows[column].to_numpy(dtype=float) / scale, PPC_FLOOR, None)
              for column in ("q05", "q25", "median", "q75", "q95", "value")}
    ratios["low"] = rows["low"].to_numpy(dtype=float) / scale
    ratios["high"] = rows["high"].to_numpy(dtype=float) / scale
    return ratios


def _draw_model_bands(ax: Any, ratios: Mapping[str, np.ndarray], band_y: np.ndarray) -> None:
    """The model's 90% and 50% bands as lines, its median as a tick."""
    ax.hlines(band_y, ratios["q05"], ratios["q95"], color=_BAND, linewidth=2, alpha=0.6)
    ax.hlines(band_y, ratios["q25"], ratios["q75"], color=_BAND, linewidth=8, alpha=0.6)
    ax.scatter(ratios["median"], band_y, marker="|", s=220, color="black", linewidths=1.5,
               zorder=3)


def _draw_documented(ax: Any, ratios: Mapping[str, np.ndarray], obs_y: np.ndarray,
                     inside: np.ndarray) -> None:
    """The documented figures, coloured by whether they fall inside the model's 90% band."""
    obs, low, high = ratios["value"], ratios["low"], ratios["high"]
    # the documented range as an error bar; none for a point figure (NaN low/high)
    err_lo = np.maximum(np.where(np.isfinite(low), obs - np.clip(low, PPC_FLOOR, None), 0.0), 0)
    err_hi = np.maximum(np.where(np.isfinite(high), high - obs, 0.0), 0.0)
    for mask, colour in ((inside, _INSIDE), (~inside, _OUTSIDE)):
        if not mask.any():
            continue
        ax.errorbar(obs[mask], obs_y[mask], xerr=[err_lo[mask], err_hi[mask]],
                    fmt="o", color=colour, markersize=6, capsize=3, zorder=4,
                    linestyle="none")


def _ppc_ratio_axis(ax: Any, ratios: Mapping[str, np.ndarray]) -> None:
    """The log x axis of ratios, wide enough for every band end, figure and range end."""
    low, high = ratios["low"], ratios["high"]
    ax.axvline(1.0, color="grey", linewidth=0.8, linestyle=":")
    ax.set_xscale("log")
    everything = np.concatenate([ratios["q05"], ratios["q95"], ratios["value"],
                                 low[np.isfinite(low)], high[np.isfinite(high)]])
    everything = everything[np.isfinite(everything) & (everything > 0)]
    x_lo, x_hi = float(everything.min()) / 1.6, float(everything.max()) * 1.6
    _log_ticks(ax, x_lo, x_hi)
    ax.set_xlim(x_lo, x_hi)


def _ppc_row_axis(ax: Any, rows: pd.DataFrame) -> None:
    """One row per documented figure, labelled, with the figure itself at its right."""
    n = len(rows)
    ax.set_yticks(np.arange(n), labels=_row_labels(rows))
    ax.set_ylim(n - 0.5, -0.5)
    ax.tick_params(labelsize="small")
    for i, r in enumerate(rows.itertuples(index=False)):
        ax.text(1.01, i, _fmt(float(r.value)), transform=ax.get_yaxis_transform(),
                va="center", fontsize="x-small")
    ax.set_xlabel("model / documented figure (log scale)")
    ax.grid(axis="x", alpha=0.3)


def _ppc_legend() -> list[Line2D]:
    """Legend entries for the bands, the median and the two colours of documented figures."""
    return [Line2D([], [], color=_BAND, linewidth=2, alpha=0.6, label="model 90% band"),
            Line2D([], [], color=_BAND, linewidth=8, alpha=0.6, label="model 50% band"),
            Line2D([], [], color="black", marker="|", linestyle="none", markersize=12,
                   label="model median"),
            Line2D([], [], color=_INSIDE, marker="o", linestyle="none",
                   label="documented, inside 90% band"),
            Line2D([], [], color=_OUTSIDE, marker="o", linestyle="none",
                   label="documented, outside")]


def _log_ticks(ax: Any, lo: float, hi: float) -> None:
    """Plain-number ticks on a log axis: 1-2-5 steps, or decades where those are too many
    (matplotlib's own labels minor ticks as 2x10^0 and overlap on a narrow range)."""
    decades = range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
    ticks = [m * 10.0**d for d in decades for m in (1, 2, 5) if lo <= m * 10.0**d <= hi]
    if len(ticks) > 9:
        ticks = [10.0**d for d in decades if lo <= 10.0**d <= hi]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def _scale(row: Any) -> float:
    """What a row is divided by: the documented figure, or (where it is not positive) the
    upper end of its range, or the model median."""
    for candidate in (row.value, row.high, row.median):
        if candidate is not None and math.isfinite(float(candidate)) and float(candidate) > 0:
            return float(candidate)
    return 1.0


def _row_labels(rows: pd.DataFrame) -> list[str]:
    keys = [str(k) for k in rows["key"]]
    if len(set(keys)) == len(keys):
        return keys
    return [f"{k} ({i})" for k, i in zip(keys, rows["id"], strict=True)]


def _save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=_DPI)
    return path


# --- report.md ----------------------------------------------------------------------------


def write_report(out: Path, *, title: str, priors: Mapping[str, Prior], posterior: Posterior,
                 ppc: pd.DataFrame, diagnostics: Mapping[str, Any], command: str | None = None,
                 baseline_ppc: pd.DataFrame | None = None,
                 truth: Mapping[str, float] | None = None) -> Path:
    """Write the calibration report into ``out``: ``marginals.png``, ``pairs.png``,
    ``ppc.png``, ``identifiability.csv``, ``ppc.csv`` and ``report.md`` (returned), so that a
    fit is read together with what it did not pin down and how well it reproduces the
    figures."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ident = identifiability(priors, posterior.draws)
    ident.to_csv(out / "identifiability.csv", index=False)
    ppc.to_csv(out / "ppc.csv", index=False)
    plot_marginals(priors, posterior.draws, out / "marginals.png", truth=truth)
    plot_pairs(posterior.draws, out / "pairs.png")
    plot_ppc(ppc, out / "ppc.png")

    lines = [f"# {title}", ""]
    if command:
        lines += ["Reproduce with:", "", "```", command, "```", ""]
    if diagnostics:
        lines += ["## Fit", ""]
        lines += _table(["", ""], [[str(k), _value(v)] for k, v in diagnostics.items()])
        lines.append("")
    lines += ["## Posterior", "", _parameters_section(ident, priors, posterior, truth), ""]
    lines += ["![marginal posteriors over the priors](marginals.png)", "",
              "![pairs plot of the posterior](pairs.png)", ""]
    lines += ["## Posterior predictive check", "",
              f"{_count(ppc)} observations inside the model's 90% band.", ""]
    lines += _ppc_table(ppc)
    lines += ["", "![posterior predictive check](ppc.png)", ""]
    if baseline_ppc is not None:
        lines += ["## Against the baseline", ""]
        lines += [f"Baseline: {_count(baseline_ppc)} observations inside its 90% band; "
                  f"posterior: {_count(ppc)}.", ""]
        lines += _comparison_table(baseline_ppc, ppc)
        lines.append("")
    path = out / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _parameters_section(ident: pd.DataFrame, priors: Mapping[str, Prior],
                        posterior: Posterior, truth: Mapping[str, float] | None) -> str:
    intervals = posterior.intervals(0.9).set_index("parameter")
    header = ["parameter", "prior", "median", "90% interval", "sd ratio", "verdict"]
    if truth is not None:
        header.insert(4, "truth")
    rows = []
    for r in ident.itertuples(index=False):
        q = intervals.loc[r.parameter]
        row = [f"`{r.parameter}`", priors[r.parameter].describe(), _fmt(q["median"]),
               f"{_fmt(q['low'])} – {_fmt(q['high'])}", f"{r.sd_ratio:.2f}", r.verdict]
        if truth is not None:
            row.insert(4, _fmt(truth[r.parameter]) if r.parameter in truth else "–")
        rows.append(row)
    lines = _table(header, rows)
    lines += ["", "sd ratio: the posterior's spread over the prior's, in the prior's unit "
              f"space; below {IDENTIFIED_BELOW:g} identified, below "
              f"{WEAKLY_IDENTIFIED_BELOW:g} weakly identified.", ""]
    loose = ident.loc[ident["verdict"] == NOT_IDENTIFIED, "parameter"].tolist()
    if loose:
        lines.append("The observations do not pin down: "
                     + ", ".join(f"`{p}`" for p in loose)
                     + " — their posteriors are close to their priors; read their values as "
                       "the priors', not as findings.")
    else:
        lines.append("Every parameter is at least weakly identified by the observations.")
    return "\n".join(lines)


def _ppc_table(ppc: pd.DataFrame) -> list[str]:
    rows = [[_cell(r.key), _date(r.date), _cell(r.quantity), _documented(r), _fmt(r.median),
             f"{_fmt(r.q05)} – {_fmt(r.q95)}", "yes" if bool(r.inside) else "no"]
            for r in ppc.itertuples(index=False)]
    return _table(["observation", "date", "quantity", "documented", "model median",
                   "model 90% band", "inside"], rows)


def _comparison_table(baseline: pd.DataFrame, ppc: pd.DataFrame) -> list[str]:
    on = ["key"] if (baseline["key"].is_unique and ppc["key"].is_unique) else ["key", "id"]
    cols = [*on, "value", "low", "high", "median", "inside"]
    both = baseline[cols].merge(ppc[cols], on=on, how="outer", suffixes=("_b", "_p"),
                                sort=False)
    rows = []
    for _, r in both.iterrows():
        doc = r["value_p"] if pd.notna(r["value_p"]) else r["value_b"]
        lo = r["low_p"] if pd.notna(r["value_p"]) else r["low_b"]
        hi = r["high_p"] if pd.notna(r["value_p"]) else r["high_b"]
        rows.append([_cell(r["key"]), _with_range(doc, lo, hi), _fmt(r["median_b"]),
                     _yes(r["inside_b"]), _fmt(r["median_p"]), _yes(r["inside_p"])])
    return _table(["observation", "documented", "baseline median", "baseline inside",
                   "posterior median", "posterior inside"], rows)


def _count(ppc: pd.DataFrame) -> str:
    return f"{int(ppc['inside'].astype(bool).sum())} of {len(ppc)}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).replace("|", "\\|").replace("\n", " ")


def _fmt(x: Any) -> str:
    """A number for reading: thousands separators from 1,000 up, else 3 significant digits."""
    try:
        x = float(x)
    except (TypeError, ValueError):
        return _cell(x)
    if not math.isfinite(x):
        return "–"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _value(v: Any) -> str:
    """A diagnostics value: floats with 4 significant digits, integers with separators."""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int | np.integer):
        return f"{int(v):,}"
    if isinstance(v, float | np.floating):
        return f"{float(v):.4g}"
    if isinstance(v, Mapping):
        return _cell(", ".join(f"{k}: {_value(x)}" for k, x in v.items()))
    if isinstance(v, list | tuple):
        return _cell(", ".join(_value(x) for x in v))
    return _cell(v)


def _documented(r: Any) -> str:
    return _with_range(r.value, r.low, r.high)


def _with_range(value: Any, low: Any, high: Any) -> str:
    text = _fmt(value)
    has_lo = low is not None and pd.notna(low)
    has_hi = high is not None and pd.notna(high)
    if has_lo and has_hi:
        return f"{text} ({_fmt(low)} – {_fmt(high)})"
    if has_lo:
        return f"{text} (≥ {_fmt(low)})"
    if has_hi:
        return f"{text} (≤ {_fmt(high)})"
    return text


def _date(d: Any) -> str:
    if d is None or (not isinstance(d, str) and pd.isna(d)):
        return ""
    if isinstance(d, pd.Timestamp) or hasattr(d, "strftime"):
        return d.strftime("%Y-%m-%d")
    return _cell(d)


def _yes(v: Any) -> str:
    if v is None or (not isinstance(v, bool | np.bool_) and pd.isna(v)):
        return "–"
    return "yes" if bool(v) else "no"
