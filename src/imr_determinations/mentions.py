"""Disputed-service mentions checked against the letter's own items.

DISPUTED_SERVICE (corpus/ANNOTATION.md, section 3) is a mention that names a disputed item. The
NER model has to guess that from local context; the linker knows the items from the decisions
block. These repairs follow from the definition and need no letter-specific vocabulary:

- a mention that joins two items ("X and Y", "X, Y") is two mentions, one per item, also when each
  part names its item in other words ("spinal manipulation, ultrasound" for the items "Spinal
  manipulation 1 times 8" and "Ultrasound 1 times 8");
- a mention runs from the service noun to its qualifiers: request wrappers before it ("request
  for"), and a verb clause or dangling function word after it ("... was denied by", "... for lumbar
  to") are outside (ANNOTATION.md, section 2);
- a mention clipped inside a full restatement of an item's wording is widened to that wording;
- a mention that names none of the items (treatment history, plans, run-on clauses) is not a
  disputed service, nor is one that repeats the original or authorized part of a partial
  certification ("X was authorized by the Claims Administrator") unless a verdict follows it;
- an item named again in a request statement ("the request for X", "... includes X") or as the
  subject of a verdict ("X is not medically necessary") is a disputed-service mention even when
  the model missed it, and so is a shorter name for an item right after "the requested" or
  "request for" ("the requested Flector patch" for the item "Flector 1.3% transdermal patch").

PAGE_RANGE is "the numbers only": a predicted range loses trailing words ("182 does") and one
without a digit ("UA") is dropped.

docs/design.md ("The linker repairs the entities it reads") has the measured effect
of each on the real test letters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from spacy.tokens import Doc, Span

from .layout import PORTION_PREDICATE, VERDICT_AFTER
from .normalise import service_key

# function words that say nothing about which service is meant
_STOPWORDS = frozenset(
    "the of for and a an to with in on at per or x by from as is are was were this that".split()
)
# a mention shares at least this fraction of its content words with some item
MIN_ITEM_SHARE = 0.3
# what may sit between two items named in one list
_LIST_GAP = re.compile(r"^[\s,;&/]*(?:(?:and|or|as\s+well\s+as)\b)?[\s,;&/]*$", re.I)
# request statement or determination-statement lead-in right before a mention
_REQUEST_CUE = re.compile(
    r"(?:\brequest(?:s|ed)?(?:\s+is)?\s+for|\bincluded?|\bincludes|\bnon-?certified|\bdenied|\bmodified"
    r"|\bregarding|\breceived\s+for|\bsubmitted\s+for|\brequested)"
    r"(?:\s+(?:the|a|an|one|retrospective))?\s*[\"“]?\s*$",
    re.I,
)


@lru_cache(maxsize=4096)
def content_words(text: str) -> frozenset[str]:
    return frozenset(w for w in service_key(text).split() if w not in _STOPWORDS)


def item_share(text: str, items: Iterable[str]) -> float:
    """Largest share of the mention's content words found in one item's wording."""
    words = content_words(text)
    if not words:
        return 0.0
    best = 0.0
    for item in items:
        best = max(best, len(words & content_words(item)) / len(words))
    return best


@lru_cache(maxsize=1024)
def _loose_pattern(text: str) -> re.Pattern[str] | None:
    """The item's words in order, any whitespace (line breaks, redaction gaps) between them."""
    words = text.split()
    if not words:
        return None
    return re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)", re.I)




def names_a_portion(
    doc: Doc, ent: Span, items: Sequence[str], portions: Sequence[str], text: str | None = None
) -> bool:
    """The mention is the original or authorized part of a partial certification, not the item.
    ``text`` is ``doc.text`` when the caller has it (building it costs a pass over the Doc)."""
    if PORTION_PREDICATE.search(ent.text):
        return True
    key = service_key(ent.text)
    if not key or key in {service_key(i) for i in items}:
        return False
    if VERDICT_AFTER.match(doc.text if text is None else text, ent.end_char):
        return False  # a closing restatement is tagged as written (ANNOTATION.md, section 3)
    return key in {service_key(p) for p in portions}


def split_at_items(
    doc: Doc, ent: Span, items: Sequence[str], text: str | None = None
) -> list[Span] | None:
    """Cut a mention that lists several items into one span per item, or None if it is not a list."""
    text = doc.text if text is None else text
    found: list[tuple[int, int]] = []
    for item in items:
        pattern = _loose_pattern(item)
        if pattern is None:
            continue
        match = pattern.search(text, ent.start_char, ent.end_char)
        if match:
            found.append(match.span())
    found.sort()
    if len(found) < 2:
        return None
    pieces: list[tuple[int, int]] = []
    for start, end in found:
        if pieces and start < pieces[-1][1]:
            return None  # overlapping items: not a plain list
        pieces.append((start, end))
    edges = [ent.start_char, *(p for piece in pieces for p in piece), ent.end_char]
    gaps = [text[edges[i]:edges[i + 1]] for i in range(0, len(edges), 2)]
    if not all(_LIST_GAP.match(gap) for gap in gaps):
        return None
    spans = [doc.char_span(s, e, label=ent.label_) for s, e in pieces]
    if any(span is None for span in spans):
        return None
    return spans  # type: ignore[return-value]


# tokens that end a mention: a finite verb starts the clause the service is the subject of
_CLAUSE_VERBS = frozenset("is are was were has have had".split())
_ARTICLES = frozenset("the a an".split())
# punctuation that is never part of a service at its edges (ANNOTATION.md, section 2: "Edges")
_EDGE_PUNCT = frozenset(".,;:\"'“”‘’")
# a mention does not end on a word that needs a complement
_DANGLING = frozenset("to for of the a an and or with in on at by from as per".split())


def _skip_wrapper(doc: Doc, start: int, end: int) -> int:
    """First token after articles and a "(retrospective) request(s) for" wrapper."""
    i = start
    while i < end - 1 and (doc[i].lower_ in _ARTICLES or doc[i].is_space):
        i += 1
    j = i + (doc[i].lower_ == "retrospective")
    if j + 2 < end and doc[j].lower_ in {"request", "requests"} and doc[j + 1].lower_ == "for":
        i = j + 2
        while i < end - 1 and (doc[i].lower_ in _ARTICLES or doc[i].is_space):
            i += 1
    return i


def tidy_mention(ent: Span) -> Span | None:
    """The mention without a leading request wrapper, a trailing verb clause or dangling word, and
    without edge whitespace or punctuation; None when nothing is left."""
    doc = ent.doc
    end = ent.end
    for i in range(ent.start + 1, ent.end):
        if doc[i].lower_ in _CLAUSE_VERBS:
            end = i
            break
    start = _skip_wrapper(doc, ent.start, end)
    while end > start and (
        doc[end - 1].is_space
        or doc[end - 1].lower_ in _DANGLING
        or doc[end - 1].text in _EDGE_PUNCT
    ):
        end -= 1
    while start < end and (doc[start].is_space or doc[start].text in _EDGE_PUNCT):
        start += 1
    if start >= end:
        return None
    if (start, end) == (ent.start, ent.end):
        return ent
    return Span(doc, start, end, label=ent.label_)


def _list_pieces(ent: Span) -> list[tuple[int, int]]:
    """Token ranges between top-level list separators (",", ";", "and", "&", "or"), bracket-aware."""
    doc = ent.doc
    pieces: list[tuple[int, int]] = []
    depth = 0
    begin = ent.start
    for i in range(ent.start, ent.end):
        tok = doc[i]
        if tok.text in "([":
            depth += 1
        elif tok.text in ")]":
            depth = max(0, depth - 1)
        elif depth == 0 and tok.lower_ in {",", ";", "and", "&", "or"}:
            pieces.append((begin, i))
            begin = i + 1
    pieces.append((begin, ent.end))
    out = []
    for s, e in pieces:
        while s < e and doc[s].is_space:
            s += 1
        while e > s and doc[e - 1].is_space:
            e -= 1
        if e > s:
            out.append((s, e))
    return out


# a list part must share at least this fraction of its content words with the item it names
MIN_PART_SHARE = 0.5


def split_at_item_words(ent: Span, items: Sequence[str]) -> list[Span] | None:
    """Cut a list mention whose parts each name a different item in other words, or None."""
    if len(items) < 2 or item_share(ent.text, items) == 1.0:
        return None  # one item's words cover the mention: not a list of items
    parts = _list_pieces(ent)
    if len(parts) < 2:
        return None
    named: list[int] = []
    for s, e in parts:
        words = content_words(ent.doc[s:e].text)
        if not words:
            return None
        shares = [len(words & content_words(item)) / len(words) for item in items]
        best = max(range(len(items)), key=shares.__getitem__)
        if shares[best] < MIN_PART_SHARE:
            return None
        named.append(best)
    if len(set(named)) != len(named):
        return None
    return [Span(ent.doc, s, e, label=ent.label_) for s, e in parts]


def item_occurrences(text: str, items: Sequence[str]) -> list[tuple[int, int]]:
    """Every place the letter repeats an item's wording (any whitespace), longest first."""
    found: set[tuple[int, int]] = set()
    for item in dict.fromkeys(items):
        pattern = _loose_pattern(item) if content_words(item) else None
        if pattern is not None:
            found.update(m.span() for m in pattern.finditer(text))
    return sorted(found, key=lambda m: (m[0] - m[1], m[0]))


def widen_to_items(
    doc: Doc, ents: list[Span], occurrences: Sequence[tuple[int, int]], label: str
) -> list[Span]:
    """Replace service mentions that lie inside a restatement of an item (``item_occurrences``)
    by the whole restatement."""
    out = list(ents)
    for start, end in occurrences:
        inside = [e for e in out if e.start_char < end and start < e.end_char]
        if not inside or any(e.label_ != label for e in inside):
            continue
        if any(e.start_char < start or e.end_char > end for e in inside):
            continue  # a mention running past the item is a list or a run-on, handled elsewhere
        if len(inside) == 1 and (inside[0].start_char, inside[0].end_char) == (start, end):
            continue
        span = doc.char_span(start, end, label=label)
        if span is not None:
            out = [e for e in out if e not in inside] + [span]
    return out


def find_restatements(
    doc: Doc, occurrences: Sequence[tuple[int, int]], taken: Sequence[Span], label: str,
    text: str | None = None,
) -> list[Span]:
    """Item restatements (``item_occurrences``) in request or verdict statements where no entity
    was predicted; an item that continues a list of service mentions ("include X, Y and Z") counts
    as well. ``text``: ``doc.text`` when the caller has it."""
    text = doc.text if text is None else text
    occupied = sorted((e.start_char, e.end_char) for e in taken)
    service_ends = {e.end_char for e in taken if e.label_ == label}
    out: list[Span] = []
    # left to right, so that a list continuation can follow a mention added just before it
    for start, end in sorted(occurrences, key=lambda m: (m[0], -m[1])):
        if any(s < end and start < e for s, e in occupied):
            continue
        before = text[max(0, start - 80):start]
        continues_list = before.rstrip().endswith((",", "and", "or", ";")) and any(
            start - 12 <= e < start and _LIST_GAP.match(text[e:start]) for e in service_ends
        )
        if not (_REQUEST_CUE.search(before) or VERDICT_AFTER.match(text, end) or continues_list):
            continue
        span = doc.char_span(start, end, label=label)
        if span is None:
            continue
        out.append(span)
        occupied.append((start, end))
        service_ends.add(end)
    return out


# "the requested X", "request(s) for X": the cue of a request statement
_REQUESTED = re.compile(r"\b(?:the\s+requested|requests?\s+for(?:\s+(?:the|a|an))?)\s+", re.I)
# where the requested thing ends: a clause verb, a subordinate word, or sentence punctuation
_REQUEST_END = re.compile(
    r"[.;:](?:\s|$)|\b(?:is|are|was|were|has|have|had|does|did|do|to\s+be|due|because|which|that|as|"
    r"would|will|should|per|from|by|on|dated)\b",
    re.I,
)
# at most this many characters are read after the cue
_REQUEST_WINDOW = 120


def _names_an_item(text: str, items: Sequence[str]) -> bool:
    """At least half of the words are one item's, and two of them at least (one word such as
    "pain" or "patch" names a body part or a form, not a service), unless the item has one word."""
    words = content_words(text)
    for item in items:
        shared = len(words & content_words(item))
        if shared / len(words) >= MIN_PART_SHARE and shared >= min(2, len(content_words(item))):
            return True
    return False


def find_request_mentions(doc: Doc, items: Sequence[str], taken: Sequence[Span], label: str,
                          text: str | None = None) -> list[Span]:
    """Services after "the requested" / "request for" that name an item in fewer or other words
    (``_names_an_item``); a list gives one mention per part until a part names no item. ``text``:
    ``doc.text`` when the caller has it."""
    text = doc.text if text is None else text
    occupied = [(e.start_char, e.end_char) for e in taken]
    out: list[Span] = []
    for cue in _REQUESTED.finditer(text):
        start = cue.end()
        stop = _REQUEST_END.search(text, start, min(len(text), start + _REQUEST_WINDOW))
        end = stop.start() if stop else min(len(text), start + _REQUEST_WINDOW)
        if end <= start or any(s < end and start < e for s, e in occupied):
            continue
        region = doc.char_span(start, end, alignment_mode="contract")
        if region is None or not len(region):
            continue
        whole = Span(doc, region.start, region.end, label=label)
        for s, e in _list_pieces(whole):
            piece = tidy_mention(Span(doc, s, e, label=label))
            if piece is None or not content_words(piece.text):
                break
            if not _names_an_item(piece.text, items):
                break  # the request names something else; what follows is not read
            out.append(piece)
            occupied.append((piece.start_char, piece.end_char))
    return out


def page_numbers_only(ent: Span) -> Span | None:
    """The page range without trailing non-numeric tokens; None when it holds no number at all."""
    end = ent.end
    while end > ent.start and not any(ch.isdigit() for ch in ent.doc[end - 1].text):
        end -= 1
    if end == ent.start:
        return None
    return ent if end == ent.end else Span(ent.doc, ent.start, end, label=ent.label_)
