"""The report as one self-contained HTML page (inline CSS and SVG, no scripts, no links out) or as
markdown tables for a terminal or a pull request."""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from .plots import chart
from .queries import Table

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1d2330;max-width:1100px;
margin:0 auto;padding:1.5rem}
h1{font-size:1.5rem;margin:.2rem 0} h2{font-size:1.15rem;margin:2rem 0 .3rem;border-bottom:1px solid #dde}
p.note{color:#566;margin:.2rem 0 .6rem} nav a{margin-right:.8rem;color:#3a6ea5}
.section{display:flex;flex-wrap:wrap;gap:1.2rem;align-items:flex-start}
figure.chart{margin:0;flex:0 1 auto;max-width:100%} figure.chart svg{max-width:100%;height:auto}
table{border-collapse:collapse;font-size:12.5px;flex:1 1 380px}
th,td{padding:.2rem .5rem;border-bottom:1px solid #eef;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td:first-child{white-space:nowrap} th{background:#f3f5f9}
"""
_SHARE_WORDS = ("share", "rate", "CI", "agreement", "per item")


def _cell(column: str, value: Any) -> tuple[str, bool]:
    """Display text of a cell and whether it is a number (right-aligned)."""
    if value is None:
        return "", False
    if isinstance(value, float) and any(w in column for w in _SHARE_WORDS):
        return f"{100 * value:.1f}%", True
    if isinstance(value, float):
        return f"{value:,.3f}", True
    if isinstance(value, int):
        return f"{value:,}", True
    return str(value), False


def _html_table(table: Table) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    body = []
    for row in table.rows:
        cells = []
        for column, value in zip(table.columns, row, strict=True):
            text, num = _cell(column, value)
            cells.append(f"<td class=num>{text}</td>" if num else f"<td>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not body:
        body.append(f"<tr><td colspan={len(table.columns)}>no data</td></tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def to_html(tables: list[Table], source: str) -> str:
    nav = " ".join(f"<a href='#{t.key}'>{html.escape(t.title.split(' (')[0])}</a>" for t in tables)
    parts = [f"<!doctype html><html lang=en><head><meta charset=utf-8><title>IMR determinations report"
             f"</title><style>{_CSS}</style></head><body><h1>IMR determinations report</h1>"
             f"<p class=note>{html.escape(source)} &middot; made {date.today().isoformat()} by imr report"
             f"</p><nav>{nav}</nav>"]
    for table in tables:
        svg = chart(table)
        figure = f"<figure class=chart data-chart='{table.key}'>{svg}</figure>" if svg else ""
        parts.append(f"<h2 id='{table.key}'>{html.escape(table.title)}</h2>"
                     f"<p class=note>{html.escape(table.note)}</p>"
                     f"<div class=section>{figure}{_html_table(table)}</div>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(tables: list[Table], source: str) -> str:
    out = [f"# IMR determinations report\n\n{source}\n"]
    for table in tables:
        out.append(f"## {table.title}\n\n{table.note}\n")
        out.append("| " + " | ".join(table.columns) + " |")
        out.append("|" + "|".join("---:" if i else "---" for i in range(len(table.columns))) + "|")
        for row in table.rows:
            cells = [_md_escape(_cell(c, v)[0]) for c, v in zip(table.columns, row, strict=True)]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)
