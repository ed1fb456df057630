"""Diagnosis lists (spaCy component ``imr_diagnosis_lists``): one DIAGNOSIS span per item of a cue-led list.

Reviewers name a worker's diagnoses as a list after a small set of phrasings ("is being treated for A, B
and C", "diagnoses include A; B"), and corpus/ANNOTATION.md splits such a list into one span per item. A
span model trained on a few hundred real lists misses items and cuts them at line breaks; the phrasing and
the splitting rule are general, so this component applies them directly, with the cues as data
(data/diagnosis_cues.json). It adds its spans to ``doc.spans[spans_key]``: a DIAGNOSIS already there that
overlaps a list item gives way to the item (whose edges follow the list's punctuation); one outside every
list stays only when ``keep_existing`` is set: on real letters the model's extra diagnoses were mostly
wrong (docs/experiments.md), so by default the lists are the only source of DIAGNOSIS spans. When
the group carries spancat's ``scores``, a list item gets 1.0 (the rule has no degrees of belief).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy
from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup

from .labels import SPANS_KEY

FACTORY = "imr_diagnosis_lists"
LABEL = "DIAGNOSIS"
# a sentence ends at a full stop before whitespace, unless the stop closes an abbreviation
_SENTENCE_END = r"(?<!\bvs)(?<!\be\.g)(?<!\bi\.e)(?<!\bDr)(?<!\bSt)\.(?=\s|$)"
# separators between items: ';' and ',' (optionally with 'and'/'or'), or a coordinating word
_SEPARATOR = re.compile(r"\s*[;,]\s*(?:(?:and|or)\s+(?!or\b))?|\s+(?:and|versus|vs\.?)\s+(?!or\b)", re.I)
_QUOTES = "\"'\u201c\u201d\u2018\u2019"


@dataclass(frozen=True)
class ListCues:
    """The compiled cue data: where a list starts, where it ends, what is not part of an item."""

    cue: re.Pattern[str]
    end: re.Pattern[str]
    qualifier: re.Pattern[str]
    descriptor: re.Pattern[str]
    breaker: re.Pattern[str]
    sites: frozenset[str]
    purpose: re.Pattern[str]
    max_list_chars: int
    max_item_words: int


def _fragments(parts: Iterable[str]) -> str:
    # longer fragments first: "diagnoses are documented as" wins over "diagnoses are"
    return "|".join(p.replace(" ", r"\s+") for p in sorted(parts, key=len, reverse=True))


@cache
def load_cues() -> ListCues:
    """The cue data of the installed package, compiled once per process."""
    raw = json.loads(resources.files("imr_determinations").joinpath("data/diagnosis_cues.json").read_text())
    stops = _fragments(raw["stops"])
    return ListCues(
        cue=re.compile(rf"\b(?:{_fragments(raw['cues'])})\b[ \t]*:?", re.I),
        end=re.compile(rf"{_SENTENCE_END}|\n[ \t]*\n(?=[ \t]*(?-i:[A-Z]{{2}}))|:|\s(?:{stops})\b", re.I),
        qualifier=re.compile(rf"(?:(?:{_fragments(raw['qualifiers'])})\s+)+", re.I),
        descriptor=re.compile(rf"(?:{_fragments(raw['trailing_descriptors'])})", re.I),
        breaker=re.compile(rf"\b(?:{_fragments(raw['not_in_a_diagnosis'])})\b", re.I),
        sites=frozenset(w.lower() for w in raw["sites"]),
        purpose=re.compile(rf"\b(?:{_fragments(raw['not_after'])})\s+(?:(?:the|a|an)\s+)?$", re.I),
        max_list_chars=int(raw["max_list_chars"]),
        max_item_words=int(raw["max_item_words"]),
    )


def _split_outside_parentheses(body: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, separator before) of each item of a list body; a separator inside parentheses
    ("(M54.5, M51.2)") is not one."""
    start, before = 0, ""
    for m in _SEPARATOR.finditer(body):
        if body.count("(", 0, m.start()) > body.count(")", 0, m.start()):
            continue
        yield start, m.start(), before
        start, before = m.end(), m.group(0).strip()
    yield start, len(body), before


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Item edges without surrounding space, quotes and end punctuation."""
    while start < end and (text[start].isspace() or text[start] in _QUOTES):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _QUOTES + ".,;:"):
        end -= 1
    return start, end


def _items_of(text: str, begin: int, finish: int, cues: ListCues) -> list[tuple[int, int]]:
    """Join the raw pieces of one list into diagnoses: site-only pieces share the next piece's head,
    trailing descriptors and a final comma-separated site belong to the piece before."""
    pieces = [
        (*_trim(text, begin + s, begin + e), sep)
        for s, e, sep in _split_outside_parentheses(text[begin:finish])
    ]
    items: list[tuple[int, int]] = []
    pending: int | None = None
    for k, (s, e, sep) in enumerate(pieces):
        piece = text[s:e]
        if cues.breaker.search(piece):
            break
        words = [w.strip("-/").lower() for w in piece.split()]
        site_only = bool(words) and all(w in cues.sites for w in words)
        last = k == len(pieces) - 1
        if (
            items
            and pending is None
            and (cues.descriptor.fullmatch(piece) or (site_only and last and sep.startswith(",")))
        ):
            items[-1] = (items[-1][0], e)
        elif site_only and not last:
            pending = s if pending is None else pending
        elif piece:
            items.append((s if pending is None else pending, e))
            pending = None
    out = []
    for s, e in items:
        m = cues.qualifier.match(text, s, e)
        s = m.end() if m is not None else s
        if s < e and len(text[s:e].split()) <= cues.max_item_words and any(c.isalpha() for c in text[s:e]):
            out.append((s, e))
    return out


def list_items(text: str, cues: ListCues | None = None) -> list[tuple[int, int]]:
    """Character offsets of every diagnosis in a cue-led list of ``text``."""
    cues = cues or load_cues()
    items: list[tuple[int, int]] = []
    for cue in cues.cue.finditer(text):
        if cues.purpose.search(text, max(0, cue.start() - 40), cue.start()):
            continue
        begin = cue.end()
        limit = min(len(text), begin + cues.max_list_chars)
        ends = [
            m.start() for m in (cues.end.search(text, begin, limit), cues.cue.search(text, begin, limit)) if m
        ]
        items.extend(_items_of(text, begin, min(ends, default=limit), cues))
    return items


def diagnosis_spans(doc: Doc) -> list[Span]:
    """The list items of ``doc`` as DIAGNOSIS spans (token-aligned, duplicates dropped)."""
    spans: dict[tuple[int, int], Span] = {}
    for s, e in list_items(doc.text):
        span = doc.char_span(s, e, label=LABEL, alignment_mode="contract")
        if span is not None and len(span):
            spans.setdefault((span.start, span.end), span)
    return list(spans.values())


def _scores(group: SpanGroup) -> list[float] | None:
    raw = group.attrs.get("scores")
    if raw is None:
        return None
    flat = numpy.asarray(raw, dtype="float32").reshape(-1).tolist()
    return flat if len(flat) == len(group) else None


def merge_into(doc: Doc, items: list[Span], spans_key: str = SPANS_KEY, keep_existing: bool = False) -> None:
    """Put the list items into ``doc.spans[spans_key]`` (see the module docstring for who gives way)."""
    group = doc.spans[spans_key] if spans_key in doc.spans else SpanGroup(doc, name=spans_key)
    scores = _scores(group)
    taken = [(sp.start, sp.end) for sp in items]

    def overlaps(sp: Span) -> bool:
        return any(sp.start < e and s < sp.end for s, e in taken)

    kept: list[Span] = []
    kept_scores: list[float] = []
    for k, sp in enumerate(group):
        if sp.label_ == LABEL and (not keep_existing or overlaps(sp)):
            continue
        kept.append(sp)
        if scores is not None:
            kept_scores.append(scores[k])
    merged = SpanGroup(doc, name=spans_key, spans=kept + items)
    if scores is not None:
        merged.attrs["scores"] = numpy.asarray(kept_scores + [1.0] * len(items), dtype="float32")
    doc.spans[spans_key] = merged


class DiagnosisLists:
    """Adds the items of cue-led diagnosis lists to a span group; no weights, nothing to serialise
    (the cue data ships with the package)."""

    def __init__(self, name: str = FACTORY, spans_key: str = SPANS_KEY, keep_existing: bool = False) -> None:
        self.name = name
        self.spans_key = spans_key
        self.keep_existing = keep_existing

    def __call__(self, doc: Doc) -> Doc:
        merge_into(doc, diagnosis_spans(doc), self.spans_key, self.keep_existing)
        return doc


@Language.factory(
    FACTORY,
    default_config={"spans_key": SPANS_KEY, "keep_existing": False},
    assigns=["doc.spans"],
)
def make_diagnosis_lists(nlp: Language, name: str, spans_key: str, keep_existing: bool) -> DiagnosisLists:
    """Factory for the diagnosis-list component (entry point ``imr_diagnosis_lists``)."""
    return DiagnosisLists(name=name, spans_key=spans_key, keep_existing=keep_existing)
