"""``doc.ents`` made to agree with the records: each item's service span is its DISPUTED_SERVICE
entity, and the other service mentions are checked against the items (``mentions``).

The spaCy component ``imr_entity_repair`` does it right after ``imr_determination_linker``: it reads
the records the linker wrote (``doc._.determinations``), so it cannot run before it, and the linker
reads the model's own entities, so the records never depend on the repair."""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from ..layout import PORTION_PREDICATE
from ..mentions import (
    MIN_ITEM_SHARE,
    find_request_mentions,
    find_restatements,
    item_occurrences,
    item_share,
    names_a_portion,
    page_numbers_only,
    split_at_item_words,
    split_at_items,
    tidy_mention,
    widen_to_items,
)
from .items import PipeOrderError


def sync_service_ents(doc: Doc, dets: list[dict[str, Any]], check_mentions: bool = True) -> None:
    """Make doc.ents agree with the records: each item's service span (read from its heading
    structure) is the DISPUTED_SERVICE entity there, replacing clipped or run-on predictions, and
    the original/authorized portions of a partial certification are not disputed services; other
    service mentions are checked against the items and page ranges trimmed (mentions.py). A fix
    that would overlap another label is skipped."""
    text = doc.text
    ents = [
        e
        for e in doc.ents
        if not (e.label_ == "DISPUTED_SERVICE" and PORTION_PREDICATE.match(text, e.end_char))
    ]
    for det in dets:
        span = (det.get("spans") or {}).get("service")
        if not span:
            continue
        start, end = span
        if any(e.start_char == start and e.end_char == end and e.label_ == "DISPUTED_SERVICE" for e in ents):
            continue
        new = doc.char_span(start, end, label="DISPUTED_SERVICE")
        if new is None:
            continue
        overlapping = [e for e in ents if e.start < new.end and new.start < e.end]
        if any(e.label_ != "DISPUTED_SERVICE" for e in overlapping):
            continue
        ents = [e for e in ents if e not in overlapping] + [new]
    if check_mentions:
        ents = [e if e.label_ != "PAGE_RANGE" else page_numbers_only(e) for e in ents]
        ents = [e for e in ents if e is not None]
        service_spans = ((det.get("spans") or {}).get("service") or (0, 0) for det in dets)
        items = [text[s:e] for s, e in service_spans if e > s]
        portions = [p for det in dets for p in (det.get("original_request"), det.get("authorized")) if p]
        if items:
            ents = _check_service_mentions(doc, ents, items, portions, text)
    doc.ents = sorted(ents, key=lambda e: e.start)


def _check_service_mentions(doc: Doc, ents: list, items: list[str], portions: list[str], text: str) -> list:
    """Trim request wrappers and verb clauses, split list mentions, drop mentions naming no item or
    a partial certification's other parts, widen clipped ones, add missed restatements (mentions.py).
    ``text`` is ``doc.text``: building it is a pass over the Doc, so it is built once."""
    kept = []
    for ent in ents:
        if ent.label_ != "DISPUTED_SERVICE":
            kept.append(ent)
            continue
        if names_a_portion(doc, ent, items, portions, text):
            continue
        ent = tidy_mention(ent)
        if ent is None:
            continue
        pieces = split_at_items(doc, ent, items, text) or split_at_item_words(ent, items)
        if pieces:
            kept.extend(pieces)
        elif item_share(ent.text, items) >= MIN_ITEM_SHARE:
            kept.append(ent)
    occurrences = item_occurrences(text, items)
    kept = widen_to_items(doc, kept, occurrences, "DISPUTED_SERVICE")
    kept += find_restatements(doc, occurrences, kept, "DISPUTED_SERVICE", text)
    kept += find_request_mentions(doc, items, kept, "DISPUTED_SERVICE", text)
    # a trimmed or widened mention can now be the subject of "... was the original request"
    return [
        e for e in kept if e.label_ != "DISPUTED_SERVICE" or not PORTION_PREDICATE.match(text, e.end_char)
    ]


REPAIR_FACTORY = "imr_entity_repair"


class EntityRepair:
    """Rewrites ``doc.ents`` from ``doc._.determinations`` (``sync_service_ents``)."""

    def __init__(self, name: str = REPAIR_FACTORY, check_mentions: bool = True) -> None:
        self.name = name
        self.check_mentions = check_mentions

    def __call__(self, doc: Doc) -> Doc:
        if doc._.determinations is None:
            raise PipeOrderError(
                f"{self.name} needs the records of imr_determination_linker (doc._.determinations): "
                "add it after the linker"
            )
        repair_ents(doc, self.check_mentions)
        return doc


def repair_ents(doc: Doc, check_mentions: bool) -> None:
    """``sync_service_ents`` on the Doc's records; when this letter's spans cannot be repaired (spaCy
    refuses a span, an offset is past the text) the model's entities stay and the record says so."""
    try:
        sync_service_ents(doc, doc._.determinations, check_mentions)
    except (ValueError, IndexError) as exc:
        doc._.warnings = [*(doc._.warnings or []), f"entity repair failed: {type(exc).__name__}: {exc}"]


@Language.factory(
    REPAIR_FACTORY,
    assigns=["doc.ents", "doc._.warnings"],
    requires=["doc._.determinations"],
    default_config={"check_mentions": True},
)
def make_entity_repair(nlp: Language, name: str, check_mentions: bool) -> EntityRepair:
    return EntityRepair(name, check_mentions)
