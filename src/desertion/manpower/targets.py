"""Compare a run with the documented figures of ``data/targets.csv``.

Each target that the model can speak to has a *measure*: how to compute the same quantity
from a run's tables. A target is a row (id and date: one id may be documented at several
dates). Targets outside the run's period or about factions it does not have are left out;
targets the model does not represent (e.g. all Syrian refugees) have no measure.

Figures of 2015 and later are checked out of sample: no parameter was tuned to them
(docs/calibration.md), except that the 2015 calendar's events are taken from the rows that
record events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from desertion.engine.errors import InputError
from desertion.engine.results import RunResult
from desertion.manpower.codes import IN_RANKS_LABELS as IN_RANKS
from desertion.manpower.outcomes import outcomes


def load_targets() -> pd.DataFrame:
    with resources.files("desertion.manpower").joinpath("data/targets.csv").open() as fh:
        targets = pd.read_csv(fh, parse_dates=["date"])
    return targets


def _events(run: RunResult, event: str, faction: str, first: str, last: str,
            detail: str | None = None, origin: str | None = None) -> float:
    ev = run.events
    sel = ((ev["event"] == event) & (ev["faction"] == faction)
           & (ev["date"] >= pd.Timestamp(first)) & (ev["date"] <= pd.Timestamp(last)))
    if detail is not None:
        sel &= ev["detail"] == detail
    if origin is not None:
        sel &= ev["origin"] == origin
    return float(ev.loc[sel, "count"].sum())


def in_ranks(run: RunResult, faction: str, date: str, origin: str | None = None) -> float:
    ts = run.timeseries
    sel = ((ts["date"] == pd.Timestamp(date)) & (ts["faction"] == faction)
           & ts["status"].isin(IN_RANKS))
    if origin is not None:
        sel &= ts["origin"] == origin
    return float(ts.loc[sel, "count"].sum())


def abroad(run: RunResult, faction: str, first: str, last: str) -> float:
    """Men who left the country from ``faction``'s territory or ranks in [first, last]:
    civilians who fled abroad and deserters who escaped abroad."""
    return (_events(run, "fled_abroad", faction, first, last)
            + _events(run, "escaped", faction, first, last, "abroad", "local"))


KNOWN_FOREIGN_ARRIVALS_JUNE_2014 = 12_000
"""targets.csv: foreign_fighters_cumulative on 2014-06-01 (Soufan Group): the arrivals,
to all groups since 2011, that the model's own arrivals from June 2014 add to."""


@dataclass(frozen=True)
class Measure:
    faction: str
    first: str   # the run must cover [first, last]
    last: str
    compute: Callable[[RunResult], float]
    how: str


MEASURES: dict[tuple[str, str], Measure] = {
    ("isis_own_executed_fleeing", "2014-12-28"): Measure(
        "isis", "2014-06-28", "2014-12-28",
        lambda r: _events(r, "executed", "isis", "2014-06-28", "2014-12-28", "desertion",
                          "foreign"),
        "foreign ISIS fighters executed for desertion, 2014-06-28..2014-12-28"),
    ("isis_own_executed_code", "2014-12-28"): Measure(
        "isis", "2014-06-28", "2014-12-28",
        lambda r: _events(r, "executed", "isis", "2014-06-28", "2014-12-28", "code"),
        "ISIS fighters executed for code violations, 2014-06-28..2014-12-28"),
    ("isis_strength", "2014-09-11"): Measure(
        "isis", "2014-09-11", "2014-09-11", lambda r: in_ranks(r, "isis", "2014-09-11"),
        "ISIS fighters in the ranks (serving, shirking, jailed) on 2014-09-11"),
    ("isis_foreign_share", "2015-10-01"): Measure(
        "isis", "2015-10-01", "2015-10-01",
        lambda r: in_ranks(r, "isis", "2015-10-01", "foreign")
        / max(in_ranks(r, "isis", "2015-10-01"), 1.0),
        "foreign share of ISIS fighters in the ranks on 2015-10-01"),
    ("foreign_inflow_per_month", "2014-12-01"): Measure(
        "isis", "2014-12-01", "2014-12-31",
        lambda r: _events(r, "joined", "isis", "2014-12-01", "2014-12-31",
                          "foreign_volunteer"),
        "foreign volunteers joining ISIS in December 2014"),
    ("saa_strength", "2014-12-15"): Measure(
        "saa", "2014-12-15", "2014-12-15", lambda r: in_ranks(r, "saa", "2014-12-15"),
        "SAA soldiers in the ranks on 2014-12-15"),
    ("allied_militia_withdrawal", "2014-06-15"): Measure(
        "pro_regime_militias", "2014-06-15", "2014-12-31",
        lambda r: _events(r, "withdrew", "pro_regime_militias", "2014-06-15", "2014-12-31"),
        "militiamen who withdrew, 2014-06-15..2014-12-31"),
    ("saa_failed_to_enlist", "2015-06-30"): Measure(
        "saa", "2015-06-30", "2015-06-30",
        lambda r: sum(_events(r, e, "saa", str(r.meta["scenario"]["start"]), "2015-06-30",
                              "callup") for e in ("went_into_hiding", "fled_abroad")),
        "men called up who hid or fled instead of reporting, start..2015-06-30"),
    ("saa_draft_age_fled_abroad", "2014-12-31"): Measure(
        "saa", "2014-06-01", "2014-12-31",
        lambda r: abroad(r, "saa", "2014-06-01", "2014-12-31"),
        "draft-age men of regime-held areas who left the country (civilians fled abroad, "
        "SAA deserters escaped abroad), 2014-06-01..2014-12-31"),
    ("isis_strength", "2016-02-04"): Measure(
        "isis", "2015-12-31", "2015-12-31", lambda r: in_ranks(r, "isis", "2015-12-31"),
        "ISIS fighters in the ranks on 2015-12-31 (the calendar's last day; the estimate "
        "is of 2016-02-04)"),
    ("foreign_fighters_cumulative", "2015-12-01"): Measure(
        "isis", "2014-06-01", "2015-12-01",
        lambda r: KNOWN_FOREIGN_ARRIVALS_JUNE_2014 + _events(
            r, "joined", "isis", "2014-06-01", "2015-12-01", "foreign_volunteer"),
        "12,000 arrivals by June 2014 (Soufan) plus foreign volunteers joining ISIS "
        "2014-06-01..2015-12-01"),
    ("isis_killed_by_coalition", "2015-06-03"): Measure(
        "isis", "2014-08-08", "2015-06-03",
        lambda r: _events(r, "killed", "isis", "2014-08-08", "2015-06-03"),
        "ISIS fighters killed (all causes: the model does not tell who killed them), "
        "2014-08-08..2015-06-03"),
    ("foreign_inflow_per_month", "2016-04-01"): Measure(
        "isis", "2016-04-01", "2016-04-30",
        lambda r: _events(r, "joined", "isis", "2016-04-01", "2016-04-30",
                          "foreign_volunteer"),
        "foreign volunteers joining ISIS in April 2016"),
}


COLUMNS = ("id", "date", "quantity", "target", "low", "high", "model", "inside", "quality",
           "source")


def _period(run: RunResult) -> tuple[dt.date, dt.date]:
    scenario = run.meta["scenario"]
    start = dt.date.fromisoformat(str(scenario["start"]))
    last = dt.date.fromisoformat(str(run.meta.get("last_day", scenario["end"])))
    return start, last


def why_none_apply(run: RunResult) -> str:
    """Why no documented figure applies to ``run``: what the run covers, what they need."""
    start, last = _period(run)
    factions = sorted(f["id"] for f in run.meta["scenario"]["factions"])
    needs = sorted({f"{m.faction} from {m.first} to {m.last}" if m.first != m.last
                    else f"{m.faction} on {m.first}" for m in MEASURES.values()})
    return (f"no documented figure of targets.csv applies to this run (factions "
            f"{', '.join(factions)}; {start} to {last}): each needs a faction of the "
            f"shipped scenarios and a run covering its dates: {'; '.join(needs)}")


def compare(run: RunResult) -> pd.DataFrame:
    """One row per target that applies to the run: target, range, model value, inside."""
    start, last = _period(run)
    factions = {f["id"] for f in run.meta["scenario"]["factions"]}
    rows = []
    for target in load_targets().itertuples(index=False):
        measure = MEASURES.get((target.id, target.date.date().isoformat()))
        if measure is None or measure.faction not in factions:
            continue
        if dt.date.fromisoformat(measure.first) < start or \
                dt.date.fromisoformat(measure.last) > last:
            continue
        value = measure.compute(run)
        low = target.low if pd.notna(target.low) else None
        high = target.high if pd.notna(target.high) else None
        inside = None
        if low is not None or high is not None:
            inside = (low is None or value >= low) and (high is None or value <= high)
        rows.append({"id": target.id, "date": target.date.date().isoformat(),
                     "quantity": measure.how, "target": target.value,
                     "low": low, "high": high, "model": value, "inside": inside,
                     "quality": target.quality, "source": target.source})
    return pd.DataFrame(rows, columns=list(COLUMNS))


# --- a user's own figures, and other conflicts' shipped figures -----------------------------

def shipped_figures(name: str) -> Path | None:
    """The package's figures file of a shipped conflict (``data/NAME.csv``, e.g.
    ``csa-1862``), or None; ``targets`` is the Syrian table, read by ``compare``."""
    if name == "targets" or "/" in name or "\\" in name:
        return None
    entry = resources.files("desertion.manpower").joinpath(f"data/{name}.csv")
    return Path(str(entry)) if entry.is_file() else None


def resolve_figures(path: str | Path) -> str | Path:
    """``path`` if it names a file, else the shipped figures of that name (``csa-1862``)."""
    if Path(path).is_file():
        return path
    return shipped_figures(str(path).removesuffix(".csv")) or path


def load_figures(path: str | Path) -> pd.DataFrame:
    """A CSV of documented figures in the shape of targets.csv, with each row's measure in
    the columns ``measure, event, detail, origin, status, first, last, on, outcome`` (the
    keys of a calibration's ``[[observe]]``; docs/calibration.md). Raises ``InputError``
    naming the file, the row and the column."""
    from desertion.calibration.spec import MEASURE_COLUMNS

    path = resolve_figures(path)
    source = str(path)
    try:
        figures = pd.read_csv(path, dtype={c: str for c in (*MEASURE_COLUMNS, "faction")})
    except (OSError, ValueError) as exc:
        raise InputError(source, [("", f"cannot read it as CSV ({exc})")]) from None
    missing = [c for c in ("id", "date", "value", "low", "high") if c not in figures.columns]
    if missing:
        raise InputError(source, [("", f"lacks the columns {missing}; expected those of "
                                   f"targets.csv and the measure columns "
                                   f"{', '.join(MEASURE_COLUMNS)}")])
    dates = pd.to_datetime(figures["date"], errors="coerce")
    bad = figures.index[dates.isna()]
    if len(bad):
        raise InputError(source, [(f"row {bad[0] + 2}, date", f"not a date (got "
                                   f"{figures.at[bad[0], 'date']!r})")])
    figures["date"] = dates
    return figures


def compare_figures(run: RunResult, path: str | Path) -> tuple[pd.DataFrame, list[str]]:
    """A run against a user's figures (``load_figures``): the table ``compare`` gives, and
    for every row that does not apply, why."""
    from pydantic import ValidationError

    from desertion.calibration.observations import measure_tables
    from desertion.calibration.spec import measure_from_row

    figures = load_figures(path)
    start, last = _period(run)
    factions = sorted(f["id"] for f in run.meta["scenario"]["factions"])
    rows, skipped = [], []
    for i, figure in figures.iterrows():
        label = f"{figure['id']} ({figure['date'].date()})"
        try:
            measure = measure_from_row(figure.to_dict())
        except ValidationError as exc:
            problems = "; ".join(e["msg"].removeprefix("Value error, ")
                                 for e in exc.errors(include_url=False))
            raise InputError(str(path), [(f"row {int(str(i)) + 2}", problems)]) from None
        reason = _why_not(measure, factions, start, last)
        if reason is not None or measure is None:
            skipped.append(f"{label}: {reason}")
            continue
        m = measure.to_measure()
        value = (float(outcomes(run).get(m.outcome or "", float("nan")))
                 if m.kind == "outcome" else _sum_tables(run, m, measure_tables))
        rows.append(_row(figure, m.describe(), value))
    return pd.DataFrame(rows, columns=list(COLUMNS)), skipped


def _why_not(measure: Any, factions: list[str], start: dt.date, last: dt.date) -> str | None:
    if measure is None:
        return "no measure declared (its `measure` cell is empty)"
    if measure.faction is not None and measure.faction not in factions:
        return f"faction {measure.faction!r} is not in this run ({', '.join(factions)})"
    days = measure.to_measure().days()
    if days is not None and (days[0] < start or days[1] > last):
        return f"needs {days[0]}..{days[1]}; the run covers {start}..{last}"
    return None


def _sum_tables(run: RunResult, m: Any, measure_tables: Callable[..., float]) -> float:
    if m.kind == "sum":
        return sum(_sum_tables(run, t, measure_tables) for t in m.terms)
    return measure_tables(run, m)


def _row(figure: Any, how: str, value: float) -> dict[str, Any]:
    low = figure["low"] if pd.notna(figure["low"]) else None
    high = figure["high"] if pd.notna(figure["high"]) else None
    inside = None
    if low is not None or high is not None:
        inside = (low is None or value >= low) and (high is None or value <= high)
    return {"id": figure["id"], "date": figure["date"].date().isoformat(), "quantity": how,
            "target": figure["value"], "low": low, "high": high, "model": value,
            "inside": inside, "quality": figure.get("quality"),
            "source": figure.get("source")}
