"""The review task: one letter's text with its predicted spans, independent of the annotation tool.

Exporters turn a ``ReviewTask`` into Prodigy or Label Studio JSON; importers turn reviewed
rows back into ``ReviewedLetter``. Keeping one neutral shape in the middle means each tool
format is a pair of small functions, and the gold merge never sees tool quirks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from ..gold import letter_id_for as letter_id_for  # gold files are named after the file stem
from ..labels import ALL_LABELS
from ..tokenizer import blank_nlp

SpanKey = tuple[int, int, str]
ANSWERS = ("accept", "reject", "ignore")


@dataclass
class ReviewTask:
    """A letter prepared for review: text, predicted spans and what the linker made of them."""

    letter_id: str
    source: str
    sha256: str
    text: str
    spans: list[dict[str, Any]]  # {"start", "end", "label"} plus optional "score"
    score: float = 0.0  # uncertainty, higher = review first
    uncertainty: dict[str, float] = field(default_factory=dict)
    determinations: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class ReviewedLetter:
    """One reviewed letter as read back from a tool's output."""

    letter_id: str
    source: str
    sha256: str
    text: str
    spans: list[SpanKey]
    answer: str  # accept | reject | ignore
    origin: str  # where in the input file it came from, for messages


@lru_cache(maxsize=1)
def review_nlp() -> Language:
    """The shared blank tokenizer every task and every import is aligned with."""
    return blank_nlp()


def tokenize(text: str) -> Doc:
    return review_nlp().make_doc(text)


def int32_hash(*parts: str) -> int:
    """A stable signed 32-bit hash (Prodigy's hashes are int32; Python's hash() is salted)."""
    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big", signed=True)


def input_hash(text: str) -> int:
    return int32_hash("text", text)


def task_hash(text: str, spans: list[SpanKey]) -> int:
    return int32_hash("task", str(input_hash(text)), json.dumps(spans))


def token_dicts(doc: Doc) -> list[dict[str, Any]]:
    return [
        {"text": t.text, "start": t.idx, "end": t.idx + len(t.text), "id": t.i, "ws": bool(t.whitespace_)}
        for t in doc
    ]


def snap_span(doc: Doc, start: int, end: int) -> tuple[int, int, int, int] | None:
    """Expand [start, end) to whole tokens: (char_start, char_end, token_start, token_end_inclusive)."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return None
    # leading/trailing whitespace tokens are never part of an annotation
    first, last = span.start, span.end - 1
    while first <= last and doc[first].is_space:
        first += 1
    while last >= first and doc[last].is_space:
        last -= 1
    if first > last:
        return None
    return doc[first].idx, doc[last].idx + len(doc[last].text), first, last


def aligned_token_range(doc: Doc, start: int, end: int) -> tuple[int, int] | None:
    """Inclusive token range if [start, end) lies exactly on token boundaries, else None."""
    span = doc.char_span(start, end, alignment_mode="strict")
    if span is None or len(span) == 0:
        return None
    return span.start, span.end - 1


def known_label(label: object) -> bool:
    return isinstance(label, str) and label in ALL_LABELS
