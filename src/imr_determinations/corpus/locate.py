"""Find an annotator's span list in a letter's canonical text (``scripts/locate_spans.py``).

One line per span: ``LABEL<TAB>span text[<TAB>N]`` (N = which occurrence, 1-based, or ``all``;
needed only when the text occurs more than once). Whitespace in the span text matches any run of
whitespace in the letter, so spans can cross PDF line breaks.
"""

from __future__ import annotations

import re

from ..labels import ALL_LABELS
from ..tokenizer import blank_nlp


def _pattern(span_text: str) -> re.Pattern[str]:
    parts = [re.escape(p) for p in span_text.split()]
    return re.compile(r"\s+".join(parts))


def locate(text: str, lines: list[str]) -> tuple[list[dict], list[str]]:
    """(spans found for the LABEL<TAB>text[<TAB>N] lines, one error per line that names no single span)."""
    spans: list[dict] = []
    errors: list[str] = []
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.rstrip("\n").split("\t")
        if len(fields) < 2:
            errors.append(f"line {n}: expected LABEL<TAB>text[<TAB>N]: {line!r}")
            continue
        label, span_text = fields[0].strip(), fields[1].strip()
        which = fields[2].strip() if len(fields) > 2 else ""
        if label not in ALL_LABELS:
            errors.append(f"line {n}: unknown label {label!r}")
            continue
        matches = list(_pattern(span_text).finditer(text))
        if not matches:
            errors.append(f"line {n}: not found: {span_text!r}")
            continue
        if which == "all":
            chosen = matches
        elif which:
            k = int(which)
            if not 1 <= k <= len(matches):
                errors.append(f"line {n}: occurrence {k} requested, {len(matches)} found: {span_text!r}")
                continue
            chosen = [matches[k - 1]]
        elif len(matches) > 1:
            errors.append(f"line {n}: {len(matches)} occurrences, add <TAB>N or <TAB>all: {span_text!r}")
            continue
        else:
            chosen = matches
        for m in chosen:
            spans.append({"start": m.start(), "end": m.end(), "label": label})
    return spans, errors


def check_alignment(text: str, spans: list[dict]) -> list[str]:
    """Spans off blank_nlp() token boundaries, and overlapping NER spans."""
    doc = blank_nlp().make_doc(text)
    errors = []
    ner = sorted((s for s in spans if s["label"] in ALL_LABELS[:4]), key=lambda s: s["start"])
    for s in spans:
        if doc.char_span(s["start"], s["end"]) is None:
            errors.append(f"not on token boundaries: {s['label']} {text[s['start']:s['end']]!r}")
    for a, b in zip(ner, ner[1:], strict=False):
        if b["start"] < a["end"]:
            errors.append(
                f"overlapping NER spans: {text[a['start']:a['end']]!r} / {text[b['start']:b['end']]!r}"
            )
    return errors
