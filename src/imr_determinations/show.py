"""``imr show``: one letter with its labelled spans and linked records, for a person checking a result.

Terminal: the text with ``[LABEL: text]`` marks (coloured with ANSI on a tty; overlapping
spancat spans nest), section starts as rule lines, then the records as a table.
``--html``: one self-contained page (no network): the records table, each row linked to its
service and decision spans, and the letter text once, exactly as extracted, with the spans
highlighted by label (see ``render_html``).
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
    """(start_char, end_char, label) of entities, spancat spans and the spans the record links to
    (service, decision, guidelines, findings: the rules-only linker finds those without writing
    ``doc.ents``), outer-first."""
    spans = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
    if SPANS_KEY in doc.spans:
        spans += [(s.start_char, s.end_char, s.label_) for s in doc.spans[SPANS_KEY]]
    for det in (record or {}).get("determinations") or []:
        linked = [((det.get("spans") or {}).get(key), label)
                  for key, label in (("service", "DISPUTED_SERVICE"), ("decision", "DECISION"))]
        linked += [(g.get("span"), "GUIDELINE") for g in det.get("guidelines") or []]
        linked += [([f.get("start"), f.get("end")], "CLINICAL_FINDING")
                   for f in det.get("finding_details") or []]
        for span, label in linked:
            if span and None not in span and 0 <= span[0] < span[1] <= len(doc.text):
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


def _finding(f: dict) -> str:
    """A finding with its assertion when the pipeline set one: "pitting edema [absent]"."""
    text = f.get("text") or ""
    return f"{text} [{f['assertion']}]" if f.get("assertion") else text


def record_rows(record: dict) -> list[dict[str, str]]:
    """One display row per determination."""
    rows = []
    for det in record.get("determinations") or []:
        rows.append({
            "#": _cell(det.get("item")),
            "service": _cell(det.get("service")),
            "decision": _cell(det.get("decision")),
            "guidelines": "; ".join(_guideline(g) for g in det.get("guidelines") or []),
            "findings": _cell([_finding(f) for f in det["finding_details"]]) if det.get("finding_details")
            else _cell(det.get("findings")),
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


def _letter_html(text: str, spans: list[tuple[int, int, str]], sections: dict[int, str]) -> str:
    """The letter text once, escaped, with every span a ``<mark id="span-<start>-<end>">``.

    Spans with the same offsets share one mark (its labels in ``data-labels``); a span that crosses
    another's end is closed there and reopened as a fragment carrying the same ``data-span``."""
    labels: dict[tuple[int, int], list[str]] = {}
    for start, end, label in spans:
        if 0 <= start < end <= len(text):
            labels.setdefault((start, end), []).append(label)
    opens: dict[int, list[tuple[int, int]]] = {}
    for start, end in labels:
        opens.setdefault(start, []).append((start, end))
    cuts = sorted({0, len(text), *sections, *(p for key in labels for p in key)})
    esc = html_lib.escape

    def mark(key: tuple[int, int], first: bool) -> str:
        span_id = f"span-{key[0]}-{key[1]}"
        labs = labels[key]
        id_attr = f" id='{span_id}'" if first else ""
        return (f"<mark{id_attr} class='l-{esc(labs[0])}' data-span='{span_id}' "
                f"data-labels='{esc(' '.join(labs))}' title='{esc(', '.join(labs))}'>")

    out: list[str] = []
    stack: list[tuple[int, int]] = []
    for i, pos in enumerate(cuts):
        reopen: list[tuple[int, int]] = []
        while any(key[1] == pos for key in stack):
            key = stack.pop()
            out.append("</mark>")
            if key[1] != pos:
                reopen.append(key)
        for key in reversed(reopen):
            stack.append(key)
            out.append(mark(key, first=False))
        if pos in sections:
            out.append(f"<span class='section' data-section='{esc(sections[pos])}'></span>")
        for key in sorted(opens.get(pos, []), key=lambda k: -k[1]):
            stack.append(key)
            out.append(mark(key, first=True))
        if i + 1 < len(cuts):
            out.append(esc(text[pos : cuts[i + 1]], quote=False))
    return "<div class='letter'>" + "".join(out) + "</div>"


def _span_link(value: str, span: list[int] | None, doc_len: int) -> tuple[str, str | None]:
    """A table cell linking to its span in the letter, or plain text when the record has no offsets."""
    if not span or not 0 <= span[0] < span[1] <= doc_len:
        return html_lib.escape(value), None
    span_id = f"span-{span[0]}-{span[1]}"
    return f"<a href='#{span_id}'>{html_lib.escape(value)}</a>", span_id


def _records_html(record: dict, doc_len: int) -> str:
    """The records table; each row links its service and decision cells to their spans."""
    rows = record_rows(record)
    if not rows:
        return "<p>(no determinations)</p>"
    esc = html_lib.escape
    out = ["<table class='records'><tr>" + "".join(f"<th>{esc(c)}</th>" for c in rows[0]) + "</tr>"]
    for det, row in zip(record.get("determinations") or [], rows, strict=True):
        spans = det.get("spans") or {}
        cells = {c: esc(v) for c, v in row.items()}
        ids = []
        for key in ("service", "decision"):
            cells[key], span_id = _span_link(row[key], spans.get(key), doc_len)
            if span_id:
                ids.append(span_id)
        parts = [(_guideline(g), g.get("span")) for g in det.get("guidelines") or []]
        cells["guidelines"] = _linked_list(parts, doc_len, ids, "; ")
        if det.get("finding_details"):
            parts = [(_finding(f), [f.get("start"), f.get("end")]) for f in det["finding_details"]]
            cells["findings"] = _linked_list(parts, doc_len, ids, " | ")
        out.append(f"<tr class='det' id='det-{esc(row['#'])}' data-spans='{' '.join(ids)}'>"
                   + "".join(f"<td>{v}</td>" for v in cells.values()) + "</tr>")
    out.append("</table><p class='note'>Click a row, or any of its service, decision, guidelines or "
               "findings, to find it in the letter.</p>")
    return "".join(out)


def _linked_list(parts: list[tuple[str, list | None]], doc_len: int, ids: list[str], sep: str) -> str:
    """Cells of several values (guidelines, findings), each linked to its span; ids collects the targets."""
    linked = []
    for value, span in parts:
        cell, span_id = _span_link(value, span if span and None not in span else None, doc_len)
        linked.append(cell)
        if span_id and span_id not in ids:
            ids.append(span_id)
    return html_lib.escape(sep).join(linked)


PAGE_CSS = """
body{font-family:sans-serif;margin:2em;max-width:75em}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 1em} dd{margin:0}
table.records{border-collapse:collapse}
table.records td,table.records th{border:1px solid #999;padding:4px;vertical-align:top;text-align:left}
tr.det{cursor:pointer} tr.det.active{background:#fff6cc}
.letter{white-space: pre-wrap;font-family:monospace;line-height:1.6;border:1px solid #ccc;padding:1em}
mark{padding:1px 0;border-radius:3px;background:#ddd}
mark.active,mark:target{outline:3px solid #d00;outline-offset:1px}
.section::before{content:attr(data-section);font:italic 70% sans-serif;color:#555;background:#eee;
  padding:0 4px;margin-right:4px;border-radius:3px}
.legend mark{margin-right:6px;padding:2px 4px}
.note{color:#555;font-size:90%}
"""
PAGE_JS = """
document.querySelectorAll('tr.det').forEach(function (row) {
  row.addEventListener('click', function (ev) {
    document.querySelectorAll('.active').forEach(function (el) { el.classList.remove('active'); });
    row.classList.add('active');
    var ids = (row.dataset.spans || '').split(' ').filter(Boolean);
    ids.forEach(function (id) {
      document.querySelectorAll('[data-span="' + id + '"]').forEach(function (el) {
        el.classList.add('active');
      });
    });
    var first = ids.length ? document.getElementById(ids[0]) : null;
    if (first && ev.target.tagName !== 'A') { first.scrollIntoView({block: 'center'}); }
  });
});
"""


def render_html(doc: Any, record: dict, title: str) -> str:
    """One self-contained page: case facts, a legend, the records table linked to the letter text,
    and the letter once as extracted (line breaks kept) with its spans highlighted."""
    esc = html_lib.escape
    spans = doc_spans(doc, record)
    present = {label for _s, _e, label in spans}
    order = [lab for lab in HTML_COLOURS if lab in present] + sorted(present - set(HTML_COLOURS))
    css = PAGE_CSS + "".join(f"mark.l-{lab}{{background:{HTML_COLOURS[lab]}}}" for lab in order
                             if lab in HTML_COLOURS)
    legend = "<p class='legend'>" + "".join(f"<mark class='l-{esc(lab)}'>{esc(lab)}</mark>" for lab in order)
    case = record.get("case") or {}
    case_html = "<dl>" + "".join(f"<dt>{esc(k)}</dt><dd>{esc(_cell(v))}</dd>" for k, v in case.items()
                                 if v not in (None, [], "")) + "</dl>"
    warnings = "".join(f"<li>{esc(w)}</li>" for w in record.get("warnings") or [])
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{esc(title)}</title><style>{css}</style></head><body>"
        f"<h1>{esc(title)}</h1><h2>Case</h2>{case_html}"
        + (f"<ul class='warnings'>{warnings}</ul>" if warnings else "")
        + "<h2>Records</h2>" + _records_html(record, len(doc.text))
        + f"<h2>Letter</h2>{legend}</p>"
        + _letter_html(doc.text, spans, section_starts(doc))
        + f"<script>{PAGE_JS}</script></body></html>"
    )


def run_show(letter: Path, model: str | None = None, html: Path | None = None, color: bool | None = None,
             out: TextIO | None = None) -> dict:
    """Read, run and render one letter; returns its record."""
    from .extract.models import load_model, resolve_model
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
