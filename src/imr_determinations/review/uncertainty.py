"""How unsure the model is about a letter, so reviewers see the most useful letters first.

score = 0.4 * spancat + 0.3 * unlinked + 0.2 * undecided + 0.1 * warnings, each part in [0, 1]:

- spancat: mean of ``1 - |2 * score - 1|`` over the ``doc.spans["sc"]`` spans that carry a score
  (1 at the 0.5 threshold, 0 at 0 or 1); 0 when there are no scored spans.
- unlinked: fraction of DISPUTED_SERVICE and GUIDELINE entities the linker could not attach to a
  determination record (service text/offsets not in any record, guideline text not cited by any
  record). Without the linker in the pipeline this part is 0, except that a letter with no
  DISPUTED_SERVICE at all scores 1 (every IMR letter has at least one disputed item).
- undecided: fraction of determination records with no decision; without the linker, the share of
  distinct DISPUTED_SERVICE texts beyond the number of DECISION entities. 1 when no item was found.
- warnings: ``min(1, n / 5)`` for the linker's letter and record warnings.
"""

from __future__ import annotations

import re
from typing import Any

from spacy.tokens import Doc

from ..labels import SPANS_KEY

WEIGHTS: dict[str, float] = {"spancat": 0.4, "unlinked": 0.3, "undecided": 0.2, "warnings": 0.1}
WARNINGS_SATURATE = 5


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def doc_determinations(doc: Doc) -> list[dict[str, Any]] | None:
    """The linker's records, or None when no linker ran on this doc."""
    if not Doc.has_extension("determinations"):
        return None
    value = doc._.determinations
    return list(value) if isinstance(value, list) else None


def doc_warnings(doc: Doc) -> list[str]:
    if not Doc.has_extension("warnings"):
        return []
    value = doc._.warnings
    return [str(w) for w in value] if isinstance(value, list) else []


def span_scores(doc: Doc) -> list[float]:
    group = doc.spans.get(SPANS_KEY)
    if group is None or len(group) == 0:
        return []
    scores = group.attrs.get("scores")
    if scores is None:
        return []
    return [float(s) for s in list(scores)[: len(group)]]


def _service_attached(start: int, end: int, text: str, records: list[dict[str, Any]]) -> bool:
    t = _norm(text)
    for rec in records:
        span = (rec.get("spans") or {}).get("service")
        if isinstance(span, list | tuple) and len(span) == 2 and span[0] < end and start < span[1]:
            return True
        for key in ("service", "original_request"):
            value = rec.get(key)
            if isinstance(value, str) and value.strip():
                v = _norm(value)
                if t == v or (t and (t in v or v in t)):
                    return True
    return False


def _guideline_attached(text: str, records: list[dict[str, Any]]) -> bool:
    t = _norm(text)
    for rec in records:
        for g in rec.get("guidelines") or []:
            gt = g.get("text") if isinstance(g, dict) else None
            if isinstance(gt, str) and gt.strip():
                v = _norm(gt)
                if t == v or (t and (t in v or v in t)):
                    return True
    return False


def uncertainty(doc: Doc, linked: bool | None = None) -> tuple[float, dict[str, float]]:
    """The letter's review priority and its parts (see the module docstring for the formula).

    ``linked`` says whether the linker ran on ``doc`` (None: infer from ``doc._.determinations``).
    """
    scores = span_scores(doc)
    spancat = sum(1.0 - abs(2.0 * s - 1.0) for s in scores) / len(scores) if scores else 0.0

    services = [e for e in doc.ents if e.label_ == "DISPUTED_SERVICE"]
    guidelines = [e for e in doc.ents if e.label_ == "GUIDELINE"]
    records = doc_determinations(doc) if linked is not False else None
    warnings = list(doc_warnings(doc))

    if not services:
        unlinked, undecided = 1.0, 1.0
    elif records is None:
        unlinked = 0.0
        n_items = len({_norm(e.text) for e in services})
        n_decisions = sum(1 for e in doc.ents if e.label_ == "DECISION")
        undecided = max(0, n_items - n_decisions) / n_items
    else:
        missing = sum(1 for e in services if not _service_attached(e.start_char, e.end_char, e.text, records))
        missing += sum(1 for e in guidelines if not _guideline_attached(e.text, records))
        unlinked = missing / (len(services) + len(guidelines))
        undecided = sum(1 for r in records if r.get("decision") is None) / len(records) if records else 1.0
        for rec in records:
            warnings.extend(str(w) for w in rec.get("warnings") or [])

    parts = {
        "spancat": spancat,
        "unlinked": unlinked,
        "undecided": undecided,
        "warnings": min(1.0, len(warnings) / WARNINGS_SATURATE),
    }
    total = sum(WEIGHTS[k] * v for k, v in parts.items())
    return round(total, 6), {k: round(v, 6) for k, v in parts.items()}
