"""Finding edges (spaCy component ``imr_finding_edges``): a finding's degree and result words belong to it.

corpus/ANNOTATION.md annotates a finding as written: "mildly decreased range of motion", "negative SLR
test", "left knee pain". The boundary tagger most often starts a finding one or two words late, leaving out
exactly these words ("moderate tenderness" found as "tenderness"), and an exact-match scorer, like a
reader, then counts a different finding. This component widens each CLINICAL_FINDING span of
``doc.spans[spans_key]`` over the lead words written directly before it (data/finding_edges.json; a line
break between is allowed), never into another span. Spans keep their order and scores.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from functools import cache
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup

from .labels import SPANS_KEY
from .package_data import data_json

FACTORY = "imr_finding_edges"
LABEL = "CLINICAL_FINDING"


@cache
def lead_words() -> frozenset[str]:
    return frozenset(w.lower() for w in data_json("finding_edges.json")["lead_words"])


def widened_start(doc: Doc, start: int, floor: int, words: frozenset[str]) -> int:
    """The first token of the run of lead words (and single line breaks) that ends at ``start``, not
    before ``floor``."""
    k, new = start - 1, start
    while k >= floor:
        token = doc[k]
        if token.is_space:
            if token.text.count("\n") > 1:
                break
            k -= 1
            continue
        if token.lower_ not in words:
            break
        new = k
        k -= 1
    return new


class FindingEdges:
    """Widens CLINICAL_FINDING spans over the degree, quality and result words written before them."""

    def __init__(self, nlp: Language, name: str = FACTORY, spans_key: str = SPANS_KEY) -> None:
        self.name = name
        self.spans_key = spans_key

    def __call__(self, doc: Doc) -> Doc:
        if self.spans_key not in doc.spans:
            return doc
        group = doc.spans[self.spans_key]
        words = lead_words()
        ends = sorted(sp.end for sp in group)
        spans, changed = [], False
        for sp in group:
            if sp.label_ != LABEL:
                spans.append(sp)
                continue
            # never into another span: the widest start is after the last span ending before this one
            k = bisect.bisect_right(ends, sp.start)
            floor = ends[k - 1] if k else 0
            start = widened_start(doc, sp.start, floor, words)
            if start == sp.start:
                spans.append(sp)
                continue
            changed = True
            spans.append(Span(doc, start, sp.end, label=sp.label, kb_id=sp.kb_id, span_id=sp.id))
        if changed:
            doc.spans[self.spans_key] = SpanGroup(
                doc, name=self.spans_key, attrs=dict(group.attrs), spans=spans
            )
        return doc

    def to_disk(self, path: Any, *, exclude: Iterable[str] = ()) -> None:
        """No state: the word list is package data."""

    def from_disk(self, path: Any, *, exclude: Iterable[str] = ()) -> FindingEdges:
        return self


@Language.factory(
    FACTORY, assigns=["doc.spans"], requires=["doc.spans"], default_config={"spans_key": SPANS_KEY}
)
def make_finding_edges(nlp: Language, name: str, spans_key: str) -> FindingEdges:
    return FindingEdges(nlp, name, spans_key)
