"""``imr show``: one letter with its labelled spans and linked records, for a person checking a result.

Terminal: the text with ``[LABEL: text]`` marks (coloured with ANSI on a tty; overlapping
spancat spans nest), section starts as rule lines, then the records as a table.
``--html``: displaCy renders of the entities and of all spans (``manual=True``) plus the records
as an HTML table, in one self-contained page.
"""

from __future__ import annotations

import html as html_lib
import sys
import textwrap
from pathlib import Path
from typing import Any, TextIO

from .labels import SECTIONS_KEY, SPANS_KEY

ANSI_COLOURS = {
    "DISPUTED_SERVICE": "34",
    "DECISION": "31",
    "GUIDELINE": "32",
    "PAGE_RANGE": "36",
    "CLINICAL_FINDING": "35",
    "DIAGNOSIS": "33",
}
HTML_COLOURS = {
    "DISPUTED_SERVICE": "#7aecec",
    "DECISION": "#ff9561",
    "GUIDELINE": "#aa9cfc",
    "PAGE_RANGE": "#bfe1d9",
    "CLINICAL_FINDING": "#feca74",
    "DIAGNOSIS": "#c887fb",
}
RESET = "\x1b[0m"


def doc_spans(doc: Any, record: dict | None = None) -> list[tuple[int, int, str]]:
    """(start_char, end_char, label) of entities, spancat spans and the record's linked service and
    decision spans (the rules-only linker finds those without writing ``doc.ents``), outer-first."""
    spans = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
    if SPANS_KEY in doc.spans:
        spans += [(s.start_char, s.end_char, s.label_) for s in doc.spans[SPANS_KEY]]
    for det in (record or {}).get("determinations") or []:
        for key, label in (("service", "DISPUTED_SERVICE"), ("decision", "DECISION")):
            span = (det.get("spans") or {}).get(key)
            if span and 0 <= span[0] < span[1] <= len(doc.text):
                spans.append((span[0], span[1], label))
    return sorted(set(spans), key=lambda s: (s[0], -s[1], s[2]))


def section_starts(doc: Any) -> dict[int, str]:
    if SECTIONS_KEY not in doc.spans:
        return {}
    return {s.start_char: s.label_ for s in doc.spans[SECTIONS_KEY]}


def render_marked_text(text: str, spans: list[tuple[int, int, str]], sections: dict[int, str] | None = None,
                       color: bool = False) -> str:
    """Text with spans marked inline; spans that cross each other close at their own end."""
    sections = sections or {}
    opens: dict[int, list[tuple[int, str]]] = {}
    closes: dict[int, int] = {}
    for start, end, label in spans:
        opens.setdefault(start, []).append((end, label))
        closes[end] = closes.get(end, 0) + 1
    out: list[str] = []
    stack: list[str] = []  # labels currently open, for re-applying colour after a close

    def colour(label: str | None) -> str:
        if not color:
            return ""
        return RESET + (f"\x1b[{ANSI_COLOURS.get(label, '37')}m" if label else "")

    for i in range(len(text) + 1):
        for _ in range(closes.get(i, 0)):
            if stack:
                stack.pop()
            out.append(colour(None) + "]" + colour(stack[-1] if stack else None))
        if i in sections:
            if out and not out[-1].endswith("\n"):
                out.append("\n")
            out.append(f"──── section: {sections[i]} ────\n")
        for _end, label in opens.get(i, []):
            stack.append(label)
            mark = f"[{label}: "
            out.append((f"\x1b[1;{ANSI_COLOURS.get(label, '37')}m{mark}" + colour(label)) if color else mark)
        if i < len(text):
            out.append(text[i])
    if color:
        out.append(RESET)
    return "".join(out)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={_cell(v)}" for k, v in value.items() if v not in (None, [], ""))
    return " ".join(str(value).split())


def _guideline(g: dict) -> str:
    pages = g.get("pages") or g.get("page_ranges")
    bits = [g.get("id") or g.get("text") or "?"]
    if pages:
        bits.append(f"p. {_cell(pages)}")
    if g.get("section"):
        bits.append(f"s. {g['section']}")
    if g.get("cited_by"):
        bits.append(f"({g['cited_by']})")
    return " ".join(bits)


def record_rows(record: dict) -> list[dict[str, str]]:
    """One display row per determination."""
    rows = []
    for det in record.get("determinations") or []:
        rows.append({
            "#": _cell(det.get("item")),
            "service": _cell(det.get("service")),
            "decision": _cell(det.get("decision")),
            "guidelines": "; ".join(_guideline(g) for g in det.get("guidelines") or []),
            "findings": _cell(det.get("findings")),
            "warnings": _cell(det.get("warnings")),
        })
    return rows


def render_table(rows: list[dict[str, str]]) -> str:
    """A plain-text table with wrapped cells (no dependency on a table library)."""
    if not rows:
        return "(no determinations)\n"
    cols = list(rows[0])
    limits = {"#": 3, "decision": 10, "service": 30, "guidelines": 34, "findings": 22, "warnings": 18}
    widths = {c: min(limits.get(c, 20), max(len(c), *(len(r[c]) for r in rows))) for c in cols}
    sep = "+" + "+".join("-" * (widths[c] + 2) for c in cols) + "+"
    lines = [sep, "| " + " | ".join(c.ljust(widths[c]) for c in cols) + " |", sep]
    for row in rows:
        wrapped = {c: textwrap.wrap(row[c], widths[c]) or [""] for c in cols}
        height = max(len(w) for w in wrapped.values())
        for k in range(height):
            cells = [(wrapped[c][k] if k < len(wrapped[c]) else "").ljust(widths[c]) for c in cols]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append(sep)
    return "\n".join(lines) + "\n"


def render_terminal(doc: Any, record: dict, color: bool = False) -> str:
    parts = [render_marked_text(doc.text, doc_spans(doc, record), section_starts(doc), color=color), "\n\n"]
    case = {k: v for k, v in (record.get("case") or {}).items() if v not in (None, [], "")}
    parts.append(f"== {record.get('source')}  status={record.get('status')}\n")
    for key, value in case.items():
        parts.append(f"   {key}: {_cell(value)}\n")
    for warning in record.get("warnings") or []:
        parts.append(f"   warning: {warning}\n")
    parts.append(render_table(record_rows(record)))
    return "".join(parts)


def _non_overlapping(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The entity render cannot nest: keep the first (outermost) of overlapping spans."""
    kept: list[tuple[int, int, str]] = []
    for span in spans:
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


def render_html(doc: Any, record: dict, title: str) -> str:
    """displaCy entity and span renders (manual) plus the records table, as one page."""
    from spacy import displacy

    options = {"colors": HTML_COLOURS}
    char_spans = doc_spans(doc, record)
    ents = {
        "text": doc.text,
        "ents": [{"start": s, "end": e, "label": lab} for s, e, lab in _non_overlapping(char_spans)],
        "title": f"{title}: entities",
    }
    span_items = []
    for s, e, lab in char_spans:
        span = doc.char_span(s, e, alignment_mode="expand")
        if span is not None and len(span):
            span_items.append((span.start, span.end, lab))
    spans = {
        "text": doc.text,
        "tokens": [t.text for t in doc],
        "spans": [{"start_token": s, "end_token": e, "label": lab} for s, e, lab in sorted(set(span_items))],
        "title": f"{title}: all spans",
    }
    ent_html = displacy.render(ents, style="ent", manual=True, jupyter=False, options=options)
    span_html = displacy.render(spans, style="span", manual=True, jupyter=False, options=options)
    rows = record_rows(record)
    esc = html_lib.escape
    table = ["<table class='records'><tr>" + "".join(f"<th>{esc(c)}</th>" for c in (rows[0] if rows else []))
             + "</tr>"]
    for row in rows:
        table.append("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row.values()) + "</tr>")
    table.append("</table>" if rows else "<p>(no determinations)</p>")
    case = record.get("case") or {}
    case_html = "<dl>" + "".join(f"<dt>{esc(k)}</dt><dd>{esc(_cell(v))}</dd>" for k, v in case.items()
                                 if v not in (None, [], "")) + "</dl>"
    warnings = "".join(f"<li>{esc(w)}</li>" for w in record.get("warnings") or [])
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{esc(title)}</title><style>body{{font-family:sans-serif;margin:2em}}"
        "table.records{border-collapse:collapse}table.records td,table.records th"
        "{border:1px solid #999;padding:4px;vertical-align:top;text-align:left}</style></head><body>"
        f"<h1>{esc(title)}</h1><h2>Records</h2>{case_html}"
        + (f"<ul class='warnings'>{warnings}</ul>" if warnings else "")
        + "".join(table)
        + f"<h2>Entities</h2>{ent_html}<h2>Spans</h2>{span_html}</body></html>"
    )


def run_show(letter: Path, model: str | None = None, html: Path | None = None, color: bool | None = None,
             out: TextIO | None = None) -> dict:
    """Read, run and render one letter; returns its record."""
    from .extract import load_model, resolve_model
    from .io import file_sha256, read_letter
    from .records import doc_to_record

    out = out if out is not None else sys.stdout
    spec = resolve_model(model)
    sys.stderr.write(f"imr show: model {spec}\n")
    lt = read_letter(letter)
    nlp = load_model(spec)
    doc = nlp(lt.text)
    record = doc_to_record(doc, lt.source, lt.sha256)
    if lt.warnings:
        record["warnings"] = list(lt.warnings) + list(record.get("warnings") or [])
    record["input_sha256"] = file_sha256(letter)
    if html is not None:
        html.write_text(render_html(doc, record, Path(letter).name), encoding="utf-8")
        sys.stderr.write(f"imr show: wrote {html}\n")
    else:
        use_colour = color if color is not None else out.isatty()
        out.write(render_terminal(doc, record, color=use_colour))
    return record
