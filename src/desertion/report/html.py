"""A self-contained HTML page of a run: a summary, interactive charts (plotly, its
JavaScript embedded once, so the file opens with no network) and tables.

Both models' reports are built here from their own figures and tables.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from desertion.engine.output import REPORT_FILE  # noqa: F401  (re-exported)

GENERATOR = "<meta name='generator' content='desertion'>"
"""Marks a page as this tool's, so that ``desertion report`` replaces only its own."""

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px;
       color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.9em; }
td, th { border-bottom: 1px solid #ddd; padding: 0.25em 0.8em; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #555; font-size: 0.9em; }
"""


def page(title: str, summary: Sequence[tuple[str, str]],
         sections: Iterable[tuple[str, Any, str]]) -> str:
    """The whole page. ``sections`` are (heading, content, note): content a plotly Figure,
    a DataFrame or an HTML string; plotly's JavaScript goes inline with the first figure."""
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>{GENERATOR}"
             f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>", _key_values(summary)]
    script_done = False
    for heading, content, note in sections:
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        if note:
            parts.append(f"<p class='note'>{html.escape(note)}</p>")
        if isinstance(content, pd.DataFrame):
            parts.append(table(content))
        elif isinstance(content, str):
            parts.append(content)
        else:
            parts.append(content.to_html(full_html=False, include_plotlyjs=not script_done,
                                         config={"displaylogo": False}))
            script_done = True
    parts.append("</body></html>")
    return "\n".join(parts)


def _key_values(rows: Sequence[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                    for k, v in rows)
    return f"<table>{cells}</table>"


def table(frame: pd.DataFrame) -> str:
    """A DataFrame as an HTML table: numbers right-aligned with thousands separators."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for value in row:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                text = "" if pd.isna(value) else (f"{value:,.0f}" if abs(value) >= 10
                                                  else f"{value:.3g}")
                cells.append(f"<td class='num'>{text}</td>")
            else:
                cells.append(f"<td>{html.escape('' if value is None else str(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def changes_from_shipped(scenario: dict[str, Any], shipped: dict[str, Any] | None
                         ) -> list[str]:
    """Dotted keys whose value differs from the shipped scenario of the same name, as
    ``key: shipped -> run``; lists compared item by item."""
    if shipped is None:
        return ["(not a shipped scenario: nothing to compare with)"]
    flat_run, flat_shipped = _flatten(scenario), _flatten(shipped)
    keys = sorted(set(flat_run) | set(flat_shipped))
    return [f"{k}: {flat_shipped.get(k, '(absent)')} -> {flat_run.get(k, '(absent)')}"
            for k in keys if flat_run.get(k) != flat_shipped.get(k)]


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out |= _flatten(v, f"{prefix}.{k}" if prefix else str(k))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = {}
        for i, v in enumerate(value):
            out |= _flatten(v, f"{prefix}[{i}]")
        return out
    return {prefix: value}
