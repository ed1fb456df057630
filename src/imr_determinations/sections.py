"""Section segmentation of IMR letters (spaCy component ``imr_sections``).

Letters come in several layouts (2013 notice, ~2014 seed layout, 2016-2017 header layout,
later MAXIMUS layout, professional-review layout). All of them are a sequence of headed
blocks, so segmentation is rule data (headings and sub-part labels, ``layout``) plus a small
amount of structure logic: the disputed items inside the decisions block are found from
their decision markers ("<service>: Upheld"), numbered notice blocks ("1) Regarding the
request for ...") and clusters of guideline / rationale labels. Unknown layouts degrade to
fewer sections, never to an error. Everything is a handful of regex passes: linear time.

Output: ``doc.spans["sections"]`` (overlapping allowed): one span per section, label = one
of ``SECTION_LABELS``. Item spans carry ``span._.section_kind`` = how they were found (heading,
regarding, statement, statement_block, cluster, issue) and ``span._.section_number`` = the item number
when the letter numbers items (None otherwise).

``segment`` runs named steps over one ``_Letter`` (the text, its headings and sub-part labels and the
bisection lookups over them); the line-level reading (furniture, line index, heading starts, list
entries) is in ``section_text``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from spacy.language import Language
from spacy.tokens import Doc, Span

from .labels import SECTIONS_KEY
from .layout import (
    DECISION_MARKER,
    DECISIONS_INTRO,
    DECISIONS_INTRO_BROKEN,
    INLINE_FURNITURE,
    PROFESSIONAL_SUBPART,
    REGARDING,
    STATEMENT,
    SUBPARTS,
)
from .section_text import (
    LineIndex,
    Mark,
    after_furniture,
    blank_furniture,
    find_subparts,
    find_top_level,
    heading_start,
    last_statement,
    logical_lines,
    numbered_entries,
    strip_range,
    union,
)

SECTION_LABELS: tuple[str, ...] = (
    "header",
    "reviewer",
    "case_summary",
    "documents_reviewed",
    "decisions",
    "item",
    "item_heading",
    "claims_admin_guideline",
    "reviewer_guideline",
    "rationale",
)


def _attribute_key(span: Span, name: str) -> tuple[str, str, str, int, int]:
    # keyed by label too: a statement item and its heading cover the same characters, and a plain
    # ``default=`` extension is keyed by the characters only
    return ("imr_determinations.section", name, span.label_, span.start_char, span.end_char)


def _attribute(name: str) -> dict[str, Callable[..., Any]]:
    def get(span: Span) -> str | None:
        return span.doc.user_data.get(_attribute_key(span, name))

    def set_(span: Span, value: str | None) -> None:
        span.doc.user_data[_attribute_key(span, name)] = value

    return {"getter": get, "setter": set_}


# an item section's kind and number (module docstring); in doc.user_data, so a Doc round trip keeps them
for _name in ("section_kind", "section_number"):
    if not Span.has_extension(_name):
        Span.set_extension(_name, **_attribute(_name))


# what a lost line break runs together: questions ("... necessary? Is the request for ..."), list numbers
# ("... #60 2. Physical therapy ...")
QUESTION_BREAK = re.compile(r"\?[ \t]+(?=(?:\d{1,2}[.)][ \t]+)?(?:Is|Was|Are|Were)\s)")


@dataclass
class Section:
    """One section by char offsets; an item's ``kind`` says how it was found and ``number`` is the
    number the letter gives it (module docstring)."""

    start: int
    end: int
    label: str
    kind: str = ""
    number: str = ""
    children: list[Section] = field(default_factory=list)


class Anchor(NamedTuple):
    """Where an item of the decisions block begins: the start of its heading, the cue that found it,
    the end of the heading, how it was found (the item's kind) and the number the letter gives it."""

    start: int
    cue: int
    heading_end: int
    kind: str
    number: str = ""


class _Letter:
    """A letter's text with its headings and sub-part labels, and the lookups over them (bisections)
    that every segmentation step shares."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.lines = LineIndex(text)
        self.tops = find_top_level(text)
        self.subs = find_subparts(text)
        self.top_starts = [h.start for h in self.tops]
        self.sub_starts = [s.start for s in self.subs]
        self.other_heads = [h.start for h in self.tops if h.label != "decisions"]
        self.decision_heads = [h for h in self.tops if h.label == "decisions"]
        # the professional-review layout lists its issues under an "ISSUE(S)..." decisions heading
        self.issue_heads = [h for h in self.decision_heads if re.match(r"ISSUE", text[h.start : h.end], re.I)]

    def _after(self, starts: list[int], pos: int) -> int:
        k = bisect.bisect_right(starts, pos)
        return starts[k] if k < len(starts) else self.n

    def next_top(self, pos: int) -> int:
        """Start of the first heading after ``pos`` (the text's end when there is none)."""
        return self._after(self.top_starts, pos)

    def next_other(self, pos: int) -> int:
        """Start of the first heading after ``pos`` that is not a decisions heading."""
        return self._after(self.other_heads, pos)

    def next_sub(self, pos: int) -> int:
        """Start of the first sub-part label after ``pos``."""
        return self._after(self.sub_starts, pos)

    def top_before(self, pos: int) -> Mark | None:
        """The last heading that starts before ``pos``."""
        k = bisect.bisect_left(self.top_starts, pos) - 1
        return self.tops[k] if k >= 0 else None

    def sub_before(self, pos: int) -> Mark | None:
        """The last sub-part label that starts before ``pos``."""
        k = bisect.bisect_left(self.sub_starts, pos) - 1
        return self.subs[k] if k >= 0 else None

    def subs_within(self, start: int, end: int) -> list[Mark]:
        """The sub-part labels that start in [start, end)."""
        return self.subs[
            bisect.bisect_left(self.sub_starts, start) : bisect.bisect_left(self.sub_starts, end)
        ]


def segment(text: str) -> list[Section]:
    """All sections of a letter as char-offset ``Section`` objects (top level and items with children)."""
    if not text.strip():
        return []
    letter = _Letter(blank_furniture(text))
    items = _issue_items(letter) if letter.issue_heads else _decision_items(letter)
    out = _top_level_sections(letter, items)
    if letter.issue_heads:
        out += _professional_blocks(letter)
    out.extend(items)
    out.sort(key=lambda x: (x.start, -x.end))
    return out


# ---------------------------------------------------------------- professional review: its issue list
def _issue_items(letter: _Letter) -> list[Section]:
    """One item per entry of each issue list: numbered entries, else its logical lines (questions a
    lost line break ran together cut apart)."""
    text = letter.text
    items: list[Section] = []
    for head in letter.issue_heads:
        # up to the next heading of any kind: a repeated issue heading starts its own list
        end = min(letter.next_top(head.end), letter.next_sub(head.end))
        body_s, body_e = strip_range(text, head.end, end)
        numbered = numbered_entries(text[body_s:body_e])
        if numbered:
            for k, m in enumerate(numbered):
                s = body_s + m.start()
                e = body_s + numbered[k + 1].start() if k + 1 < len(numbered) else body_e
                s, e = strip_range(text, s, e)
                items.append(Section(s, e, "item", "issue", m.group(1)))
            continue
        for ls, le in logical_lines(text, body_s, body_e):
            # questions a lost line break ran together: "... necessary? Is the request for ..."
            cuts = [ls, *(m.end() for m in QUESTION_BREAK.finditer(text, ls, le)), le]
            for s, e in zip(cuts, cuts[1:], strict=False):
                s, e = strip_range(text, s, e)
                if e > s:
                    items.append(Section(s, e, "item", "issue"))
    return items


def _professional_blocks(letter: _Letter) -> list[Section]:
    """The guideline / rationale blocks a professional review shares between its issues (top level)."""
    text = letter.text
    prof = [x for x in letter.subs if PROFESSIONAL_SUBPART.search(text[x.start : x.end])]
    out = []
    for k, sub in enumerate(prof):
        end = min(letter.next_top(sub.start), prof[k + 1].start if k + 1 < len(prof) else letter.n)
        ss, ee = strip_range(text, sub.start, end)
        if ee > ss:
            out.append(Section(ss, ee, sub.label))
    return out


# ---------------------------------------------------------------- other layouts: the decisions block
def _decision_items(letter: _Letter) -> list[Section]:
    """Items of the decisions block(s): anchored by a decision marker, a numbered notice item or a
    numbered statement, and sub-part clusters that no anchor heads."""
    regions = _decision_regions(letter)
    search_from = regions[0][0] if regions else 0
    # the latest region content start at or before a position bounds a heading's walk back
    contents = sorted(content for content, _end in regions)
    anchors = sorted(
        _marker_anchors(letter, search_from)
        + _regarding_anchors(letter)
        + _statement_anchors(letter, regions)
    )
    resolved = _resolve_headings(letter, anchors, search_from, contents)
    resolved += _cluster_anchors(letter, sorted(resolved), contents)
    return _item_sections(letter, sorted(resolved))


def _decision_regions(letter: _Letter) -> list[tuple[int, int]]:
    """(content start, end) of each decisions block: after its heading and intro sentence, up to the
    next other heading."""
    regions = []
    for head in letter.decision_heads:
        m = DECISIONS_INTRO_BROKEN.match(letter.text, head.end) or DECISIONS_INTRO.match(
            letter.text, head.end
        )
        regions.append((m.end() if m else head.end, letter.next_other(head.end)))
    return regions


def _content_before(contents: list[int], pos: int, bound: int) -> int:
    k = bisect.bisect_right(contents, pos) - 1
    return max(bound, contents[k]) if k >= 0 else bound


def _marker_anchors(letter: _Letter, search_from: int) -> list[Anchor]:
    """Decision markers (": Upheld") that end their line or run into a sub-part label; the heading
    they end starts earlier (``_resolve_headings``)."""
    text = letter.text
    anchors = []
    for m in DECISION_MARKER.finditer(text, search_from):
        after = after_furniture(text, m.end())
        inline = INLINE_FURNITURE.match(after)
        after = after[inline.end() if inline else 0 :][:60]
        if after.strip() and not any(rx.match(after.lstrip()) for _, rx in SUBPARTS):
            continue
        anchors.append(Anchor(m.start(), m.start(), m.end(), "heading"))
    return anchors


def _regarding_anchors(letter: _Letter) -> list[Anchor]:
    """Numbered notice items ("1) Regarding the request for ..."); the heading runs to the next
    sub-part label, else to the line end."""
    text = letter.text
    anchors = []
    for m in REGARDING.finditer(text):
        k = bisect.bisect_right(letter.sub_starts, m.end())
        line_end = text.find("\n", m.end())
        h_end = (
            letter.sub_starts[k] if k < len(letter.sub_starts) else (line_end if line_end >= 0 else letter.n)
        )
        s = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
        anchors.append(Anchor(s, s, h_end, "regarding", m.group(1) or ""))
    return anchors


def _statement_anchors(letter: _Letter, regions: list[tuple[int, int]]) -> list[Anchor]:
    """Numbered determination statements: a "statement_block" when guideline / rationale labels
    follow it (later layout: it heads a block), a lone "statement" otherwise (2013 notice)."""
    text, lines = letter.text, letter.lines
    anchors = []
    # regions of repeated decisions headings overlap (each runs to the next other heading):
    # scan their union once
    for content, rend in union(regions):
        for m in STATEMENT.finditer(text, content, rend):
            if any(rx.search(m.group(0)) for _, rx in SUBPARTS):
                continue
            s = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
            after = after_furniture(text, m.end()).lstrip()
            heads_block = any(rx.match(after) for _, rx in SUBPARTS)
            if not heads_block and text[lines.starts[lines.index(s)] : s].strip():
                continue  # mid-line (a lost line break) only where guideline/rationale labels follow
            anchors.append(
                Anchor(s, s, m.end(), "statement_block" if heads_block else "statement", m.group(1))
            )
    return anchors


def _resolve_headings(
    letter: _Letter, anchors: list[Anchor], search_from: int, contents: list[int]
) -> list[Anchor]:
    """Each decision-marker anchor with the start of its heading: walked back from the marker, no
    further than the previous anchor, sub-part label, heading or region start."""
    resolved = []
    prev_end = search_from
    for a in anchors:
        if a.kind == "heading":
            sub = letter.sub_before(a.cue)
            bound = max(prev_end, sub.start + 1) if sub is not None and sub.start >= prev_end else prev_end
            # a top-level heading between the previous item and this one bounds it too
            top = letter.top_before(a.cue)
            if top is not None:
                bound = max(bound, top.end)
            bound = _content_before(contents, a.cue, bound)
            a = a._replace(start=heading_start(letter.text, letter.lines, a.cue, bound))
        resolved.append(a)
        prev_end = a.heading_end
    return resolved


def _unheaded_clusters(letter: _Letter, anchors: list[Anchor]) -> list[list[Mark]]:
    """Runs of sub-part labels (a claims-administrator label or a repeated label starts a new run)
    that no anchor heads: those before the first anchor or after a lone statement."""
    ai = 0
    cluster: list[Mark] = []
    clusters: list[list[Mark]] = []
    for sub in letter.subs:
        while ai < len(anchors) and anchors[ai].start <= sub.start:
            cluster = []
            ai += 1
        if ai > 0 and not cluster and anchors[ai - 1].kind != "statement":
            continue  # belongs to the item of the previous anchor unless it restarts the sequence
        if not cluster or sub.label == "claims_admin_guideline" or sub.label in {c.label for c in cluster}:
            cluster = [sub]
            clusters.append(cluster)
        else:
            cluster.append(sub)
    return clusters


def _cluster_anchors(letter: _Letter, anchors: list[Anchor], contents: list[int]) -> list[Anchor]:
    """Sub-part clusters that no anchor heads (later layout: "<service> is not medically necessary ...")
    become items; the heading is the paragraph that ends just before the cluster's first label."""
    text = letter.text
    out = []
    for cl in _unheaded_clusters(letter, anchors):
        first = cl[0].start
        top = letter.top_before(first)
        bound = top.end if top is not None else 0
        sub = letter.sub_before(first)
        if sub is not None:
            bound = max(bound, sub.end + 1)
        bound = _content_before(contents, first, bound)
        a = first
        while a > bound and text[a - 1].isspace():
            a -= 1
        if a <= bound:
            continue
        start = last_statement(text, heading_start(text, letter.lines, a - 1, bound), a)
        if start < first and text[start:first].strip():
            out.append(Anchor(start, first, first, "cluster"))
    return out


def _item_sections(letter: _Letter, anchors: list[Anchor]) -> list[Section]:
    """One item per anchor, up to the next anchor or heading (a lone statement: its heading only),
    with its heading and sub-part children."""
    text = letter.text
    items = []
    for k, a in enumerate(anchors):
        if a.kind == "statement":
            end = a.heading_end
        else:
            nxt = anchors[k + 1].start if k + 1 < len(anchors) else letter.n
            end = min(nxt, letter.next_top(a.heading_end))
        s, e = strip_range(text, a.start, end)
        if e <= s:
            continue
        item = Section(s, e, "item", a.kind, a.number)
        hs, he = strip_range(text, s, min(a.heading_end, e))
        if he > hs:
            item.children.append(Section(hs, he, "item_heading"))
        if a.kind != "statement":
            inner = letter.subs_within(s, e)
            for j, sub in enumerate(inner):
                cs, ce = strip_range(text, sub.start, inner[j + 1].start if j + 1 < len(inner) else e)
                if ce > cs:
                    item.children.append(Section(cs, ce, sub.label))
        items.append(item)
    return items


# ---------------------------------------------------------------- top-level sections
def _top_level_sections(letter: _Letter, items: list[Section]) -> list[Section]:
    """The header (text before the first heading) and one section per heading, each up to the next
    heading or item; a decisions block runs on over repeated decisions headings."""
    text, n, tops = letter.text, letter.n, letter.tops
    out: list[Section] = []
    item_starts = sorted(it.start for it in items)
    first_top = tops[0].start if tops else n
    if first_top > 0 and text[:first_top].strip():
        hs, he = strip_range(text, 0, first_top)
        if item_starts and item_starts[0] < he:
            he = strip_range(text, 0, item_starts[0])[1]
        if he > hs:
            out.append(Section(hs, he, "header"))
    for k, head in enumerate(tops):
        if head.label == "decisions":
            end = letter.next_other(head.start)
        else:
            end = tops[k + 1].start if k + 1 < len(tops) else n
            ki = bisect.bisect_right(item_starts, head.start)
            if ki < len(item_starts):
                end = min(end, item_starts[ki])
        ss, ee = strip_range(text, head.start, end)
        if ee <= ss:
            continue
        if out and out[-1].label == head.label and out[-1].end <= ss:
            out[-1].end = ee  # "HOW THE IMR ..." then "The Expert Reviewer has ...": one reviewer block
            continue
        out.append(Section(ss, ee, head.label))
    return out


def _flatten(sections: Iterable[Section]) -> Iterable[Section]:
    for sec in sections:
        yield sec
        yield from _flatten(sec.children)


def to_spans(doc: Doc, sections: list[Section]) -> list[Span]:
    """Char sections -> token spans (expanded to token bounds); sections that map to no token are dropped."""
    spans: list[Span] = []
    for sec in _flatten(sections):
        span = doc.char_span(sec.start, sec.end, label=sec.label, alignment_mode="expand")
        if span is None or len(span) == 0:
            continue
        if sec.kind:
            span._.section_kind = sec.kind
        if sec.number:
            span._.section_number = sec.number
        spans.append(span)
    return spans


class SectionSegmenter:
    """Writes ``doc.spans[spans_key]`` with the letter's sections (see module docstring)."""

    def __init__(self, nlp: Language, name: str = "imr_sections", spans_key: str = SECTIONS_KEY) -> None:
        self.name = name
        self.spans_key = spans_key

    def __call__(self, doc: Doc) -> Doc:
        doc.spans[self.spans_key] = to_spans(doc, segment(doc.text))
        return doc


@Language.factory("imr_sections", assigns=["doc.spans"], default_config={"spans_key": SECTIONS_KEY})
def make_sections(nlp: Language, name: str, spans_key: str) -> SectionSegmenter:
    return SectionSegmenter(nlp, name, spans_key)
