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

Over 500 lines: ``segment`` is one pass whose item-finding strategies share its bisection indexes.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from .labels import SECTIONS_KEY
from .layout import (
    DECISION_MARKER,
    DECISIONS_INTRO,
    DECISIONS_INTRO_BROKEN,
    FURNITURE_LINE,
    INLINE_FURNITURE,
    INTRO_LEAD,
    ORIGINAL_REQUEST,
    PARTIAL_HINT,
    PROFESSIONAL_SUBPART,
    REGARDING,
    STATEMENT,
    SUBPARTS,
    TOP_LEVEL_HEADINGS,
    VERDICT_STATEMENT,
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


def is_furniture_line(line: str) -> bool:
    """Whether one line (no newline in it) is page furniture alone, blanks around it allowed."""
    return FURNITURE_LINE.fullmatch(line.strip(" \t")) is not None


def blank_furniture(text: str) -> str:
    """``text`` with each page furniture line below the letterhead, and the line break before it,
    turned into spaces.

    Same length, so every offset still holds, but a heading, statement or wrapped issue that a page
    break cut ("is not / Page 2 of 5 / medically necessary") reads as one line again. The lines
    above the first content line stay: there the letterhead is the header of some layouts."""
    chars: list[str] | None = None
    pos = 0
    seen_content = False
    for line in text.split("\n"):
        end = pos + len(line)
        if is_furniture_line(line):
            if seen_content:
                if chars is None:
                    chars = list(text)
                chars[pos - 1 : end] = " " * (end - pos + 1)
        elif line.strip():
            seen_content = True
        pos = end + 1
    return text if chars is None else "".join(chars)


SENTENCE_BREAK = re.compile(r"[.!?][\"')]?\s+(?=[A-Z])")
# what a lost line break runs together: questions ("... necessary? Is the request for ..."), list numbers
# ("... #60 2. Physical therapy ...")
QUESTION_BREAK = re.compile(r"\?[ \t]+(?=(?:\d{1,2}[.)][ \t]+)?(?:Is|Was|Are|Were)\s)")
NUMBER_MARK = re.compile(r"(?m)(?:^[ \t]*|(?<=\s))(\d{1,2})[.)][ \t]+(?=\S)")
_TERMINAL = re.compile(r"[.!?][\"')\]]?[ \t]*$")
MAX_HEADING_CHARS = 900
_LINE_CONTENT = re.compile(r"(?m)^[^\S\n]*+(?=\S)")


@dataclass
class Section:
    start: int
    end: int
    label: str
    kind: str = ""
    number: str = ""
    children: list[Section] = field(default_factory=list)


GLUE_BEFORE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.)\"'")
# a glued heading follows one of those directly ("#90.IMR ISSUES") or a space where the line break was lost
# ("... at work. CASE SUMMARY:"); the headings are matched in upper case, which prose does not use
GLUE_AFTER = GLUE_BEFORE | {" ", "\t"}


class _Lines:
    """Line starts of a text, for O(log n) 'which line is this offset on' queries."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer(r"\n", text)]

    def index(self, pos: int) -> int:
        return bisect.bisect_right(self.starts, pos) - 1

    def line(self, i: int) -> tuple[int, int]:
        start = self.starts[i]
        end = self.starts[i + 1] - 1 if i + 1 < len(self.starts) else len(self.text)
        return start, end

    def is_skippable(self, i: int) -> bool:
        s, e = self.line(i)
        seg = self.text[s:e]
        return not seg.strip() or is_furniture_line(seg)


def find_top_level(text: str) -> list[tuple[int, int, str]]:
    """(start, end-of-heading, label) of every top-level heading, in text order, overlaps removed."""
    hits: list[tuple[int, int, str]] = []
    for label, line_rx, glued_rx in TOP_LEVEL_HEADINGS:
        for m in line_rx.finditer(text):
            s = m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
            hits.append((s, m.end(), label))
        if glued_rx is not None:
            hits.extend(
                (m.start(), m.end(), label)
                for m in glued_rx.finditer(text)
                if m.start() > 0 and text[m.start() - 1] in GLUE_AFTER
            )
    tops = _first_non_overlapping(hits)
    # the letterhead repeated on later pages is page furniture, not a new section
    return [h for k, h in enumerate(tops) if k == 0 or h[2] != "header"]


def _first_non_overlapping(hits: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Heading hits in text order, dropping any that starts inside the previous one."""
    out: list[tuple[int, int, str]] = []
    for h in sorted(hits):
        if out and h[0] < out[-1][1]:
            continue
        out.append(h)
    return out


def find_subparts(text: str) -> list[tuple[int, int, str]]:
    hits: list[tuple[int, int, str]] = []
    for label, rx in SUBPARTS:
        for m in rx.finditer(text):
            s = m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
            hits.append((s, m.end(), label))
    return _first_non_overlapping(hits)


def _after_furniture(text: str, pos: int) -> str:
    """The text from ``pos`` on, without the blank and furniture lines that open it."""
    rest = text[pos : pos + 400]
    first, sep, tail = rest.partition("\n")
    if first.strip() or not sep:
        return rest
    lines = tail.split("\n")
    k = 0
    while k < len(lines) - 1 and (not lines[k].strip() or is_furniture_line(lines[k])):
        k += 1
    return "\n" + "\n".join(lines[k:])


def heading_start(text: str, lines: _Lines, anchor: int, bound: int) -> int:
    """Where the item heading that ends at ``anchor`` begins.

    Walk back line by line from the anchor; the heading begins at the first line whose
    previous content line ends a sentence (the end of the previous rationale) or lies
    before ``bound``. Partial certifications ("The remaining IMR eligible portion ...")
    reach back to their "... was the original request." sentence.
    """
    bound = max(0, bound)
    i = lines.index(anchor)
    start = max(lines.line(i)[0], bound)
    while True:
        j = i - 1
        while j >= 0 and lines.line(j)[0] >= bound and lines.is_skippable(j):
            j -= 1
        if j < 0 or lines.line(j)[0] < bound:
            break
        s, e = lines.line(j)
        if _TERMINAL.search(text[s:e]) or anchor - s > MAX_HEADING_CHARS:
            break
        i, start = j, s
    # a lost line break glued the heading to the rationale before it: it begins after that rationale's
    # last sentence (not so a partial certification: its heading is several sentences, found below)
    head = text[start:anchor]
    if not PARTIAL_HINT.search(head) and not ORIGINAL_REQUEST.search(head):
        breaks = [m.end() for m in SENTENCE_BREAK.finditer(text, start, anchor)]
        if breaks:
            start = breaks[-1]
    # the decisions intro sentence is never part of a heading (letters whose section headings are lost)
    intros = [m.end() for m in INTRO_LEAD.finditer(text, start, anchor)]
    if intros:
        start = intros[-1]
    # skip furniture / blank lines at the top of the heading, also furniture a lost line break left inline
    while start < anchor and (text[start] in " \t\n"):
        start += 1
    inline = INLINE_FURNITURE.match(text, start, anchor)
    if inline and inline.end() < anchor:
        start = inline.end()
        while start < anchor and (text[start] in " \t\n"):
            start += 1
    head = text[start:anchor]
    if PARTIAL_HINT.search(head) and not ORIGINAL_REQUEST.search(head):
        window_start = max(bound, anchor - MAX_HEADING_CHARS)
        last = None
        for m in ORIGINAL_REQUEST.finditer(text, window_start, start):
            last = m
        if last is not None:
            # the sentence holding "was the original request" begins after the previous sentence end
            prev = text.rfind("\n", window_start, last.start())
            cand = max(window_start, prev + 1)
            seg = text[cand : last.start()]
            ends = [m.end() for m in re.finditer(r"[.!?][\"')]?\s+(?=[A-Z])", seg)]
            start = cand + (ends[-1] if ends else 0)
            while start < anchor and text[start] in " \t\n":
                start += 1
    return start


def _numbered_entries(body: str) -> list[re.Match[str]]:
    """The numbers of a numbered list: 1, 2, 3 ... in order, the first at a line start; the others may
    follow the previous entry on its line when a lost line break ran the list together."""
    out: list[re.Match[str]] = []
    # where each line's content begins (one pass; a slice back to the line start per mark is quadratic)
    line_firsts = {m.end() for m in _LINE_CONTENT.finditer(body)}
    for m in NUMBER_MARK.finditer(body):
        if not out:
            if m.start(1) in line_firsts:
                out.append(m)
        elif int(m.group(1)) == int(out[-1].group(1)) + 1:
            out.append(m)
    return out


def _last_statement(text: str, start: int, end: int) -> int:
    """Start of a later-layout item statement ("X is medically necessary and appropriate.") that a lost
    line break glued to the end of the previous rationale; ``start`` when the heading is one sentence
    or a partial certification (several sentences by design)."""
    head = text[start:end]
    breaks = [m.end() for m in SENTENCE_BREAK.finditer(head.rstrip())]
    if not breaks or PARTIAL_HINT.search(head):
        return start
    last = start + breaks[-1]
    return last if VERDICT_STATEMENT.search(text, last, end) else start


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# a list without numbers: one entry per bullet, question or short line; a long line that does not
# end a sentence was wrapped by the PDF and continues on the next line
ISSUE_BULLET = re.compile(r"[ \t]*(?:[\u2022\u25cf\u25aa\u2023\u2043*\-]|[a-z][.)])[ \t]+")
WRAPPED_LINE_CHARS = 70


def _blank_gaps(lines: list[str]) -> list[int]:
    """Number of blank lines between each two consecutive content lines."""
    gaps: list[int] = []
    run = -1  # -1 until the first content line
    for line in lines:
        if line.strip():
            if run >= 0:
                gaps.append(run)
            run = 0
        elif run >= 0:
            run += 1
    return gaps


def logical_lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Char ranges of the entries of an un-numbered list (ISSUE AT DISPUTE, a guideline block),
    lines wrapped by the PDF joined again."""
    entries: list[list[int]] = []
    pos = start
    prev = ""
    raw = text[start:end].split("\n")
    # letters extracted with a blank line after every line (the seed layout's noise) end an entry
    # only at two blank lines; otherwise one blank line ends it
    gaps = _blank_gaps(raw)
    blanks_to_end = 2 if gaps and sum(1 for g in gaps if g == 1) >= 0.8 * len(gaps) else 1
    blanks = 0
    for line in raw:
        ls, le = _strip(text, pos, pos + len(line))
        pos += len(line) + 1
        if le <= ls:
            blanks += 1
            if blanks >= blanks_to_end:
                prev = ""
            continue
        body = text[ls:le]
        blanks = 0
        continues = (
            entries
            and prev
            and not ISSUE_BULLET.match(body)
            and not re.search(r"[.?!;:]$", prev)
            and (len(prev) >= WRAPPED_LINE_CHARS or not body[:1].isupper())
        )
        if continues:
            entries[-1][1] = le
        else:
            entries.append([ls, le])
        prev = body
    return [(s, e) for s, e in entries]


def segment(text: str) -> list[Section]:
    """All sections of a letter as char-offset ``Section`` objects (top level and items with children)."""
    if not text.strip():
        return []
    text = blank_furniture(text)
    n = len(text)
    lines = _Lines(text)
    tops = find_top_level(text)
    subs = find_subparts(text)
    professional = any(label == "decisions" and re.match(r"ISSUE", text[s:e], re.I) for s, e, label in tops)

    # ---- decisions region(s): where item headings are looked for
    dec_heads = [(s, e) for s, e, label in tops if label == "decisions"]
    other_heads = [s for s, e, label in tops if label != "decisions"]

    def next_other(pos: int) -> int:
        k = bisect.bisect_right(other_heads, pos)
        return other_heads[k] if k < len(other_heads) else n

    sub_starts = [s for s, _, _ in subs]
    top_starts_all = [s for s, _, _ in tops]

    def next_sub(pos: int) -> int:
        k = bisect.bisect_right(sub_starts, pos)
        return sub_starts[k] if k < len(sub_starts) else n

    items: list[Section] = []
    if professional:
        for ds, de in dec_heads:
            if not re.match(r"ISSUE", text[ds:de], re.I):
                continue
            # up to the next heading of any kind: a repeated issue heading starts its own list
            kt = bisect.bisect_right(top_starts_all, de)
            end = min(top_starts_all[kt] if kt < len(top_starts_all) else n, next_sub(de))
            body_s, body_e = _strip(text, de, end)
            numbered = _numbered_entries(text[body_s:body_e])
            if numbered:
                for k, m in enumerate(numbered):
                    s = body_s + m.start()
                    e = body_s + numbered[k + 1].start() if k + 1 < len(numbered) else body_e
                    s, e = _strip(text, s, e)
                    items.append(Section(s, e, "item", "issue", m.group(1)))
            else:
                for ls, le in logical_lines(text, body_s, body_e):
                    # questions a lost line break ran together: "... necessary? Is the request for ..."
                    cuts = [ls, *(m.end() for m in QUESTION_BREAK.finditer(text, ls, le)), le]
                    for s, e in zip(cuts, cuts[1:], strict=False):
                        s, e = _strip(text, s, e)
                        if e > s:
                            items.append(Section(s, e, "item", "issue"))
    else:
        regions = []
        for ds, de in dec_heads:
            m = DECISIONS_INTRO_BROKEN.match(text, de) or DECISIONS_INTRO.match(text, de)
            content = m.end() if m else de
            regions.append((ds, content, next_other(de)))
        search_from = regions[0][1] if regions else 0
        # the latest region content start at or before a position (bounds a heading's walk back)
        contents = sorted(content for _ds, content, _re in regions)

        def content_before(pos: int, bound: int) -> int:
            k = bisect.bisect_right(contents, pos) - 1
            return max(bound, contents[k]) if k >= 0 else bound

        anchors: list[tuple[int, int, str, str]] = []  # (heading_start, heading_end, kind, number)
        for m in DECISION_MARKER.finditer(text, search_from):
            # a heading marker ends its line or runs into a sub-part label
            after = _after_furniture(text, m.end())
            inline = INLINE_FURNITURE.match(after)
            after = after[inline.end() if inline else 0 :][:60]
            if after.strip() and not any(rx.match(after.lstrip()) for _, rx in SUBPARTS):
                continue
            anchors.append((m.start(), m.end(), "heading", ""))
        for m in REGARDING.finditer(text):
            k = bisect.bisect_right(sub_starts, m.end())
            line_end = text.find("\n", m.end())
            h_end = sub_starts[k] if k < len(sub_starts) else (line_end if line_end >= 0 else n)
            anchors.append(
                (m.start() + len(m.group(0)) - len(m.group(0).lstrip()), h_end, "regarding", m.group(1) or "")
            )
        # regions of repeated decisions headings overlap (each runs to the next other heading):
        # scan their union once
        for content, rend in _union((content, rend) for _ds, content, rend in regions):
            for m in STATEMENT.finditer(text, content, rend):
                if any(rx.search(m.group(0)) for _, rx in SUBPARTS):
                    continue
                s = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
                # later layout: a numbered statement that its guideline/rationale labels follow heads a
                # block like an item heading; the 2013 notice lists its statements before the blocks
                after = _after_furniture(text, m.end()).lstrip()
                heads_block = any(rx.match(after) for _, rx in SUBPARTS)
                if not heads_block and text[lines.starts[lines.index(s)] : s].strip():
                    continue  # mid-line (a lost line break) only where guideline/rationale labels follow
                anchors.append((s, m.end(), "statement_block" if heads_block else "statement", m.group(1)))
        anchors.sort()
        # heading starts for decision-marker anchors
        resolved: list[tuple[int, int, int, str, str]] = []  # (start, anchor_pos, heading_end, kind, number)
        prev_end = search_from
        for a_pos, a_end, kind, num in anchors:
            if kind == "heading":
                k = bisect.bisect_left(sub_starts, a_pos) - 1
                bound = max(prev_end, sub_starts[k] + 1 if k >= 0 and sub_starts[k] >= prev_end else prev_end)
                # a top-level heading between the previous item and this one bounds it too
                kt = bisect.bisect_left(top_starts_all, a_pos) - 1
                if kt >= 0:
                    bound = max(bound, tops[kt][1])
                bound = content_before(a_pos, bound)
                start = heading_start(text, lines, a_pos, bound)
            else:
                start = a_pos
            resolved.append((start, a_pos, a_end, kind, num))
            prev_end = a_end
        # sub-part clusters that no anchor heads (later layout: "<service> is not medically necessary ...")
        covered_until = -1
        anchor_iter = sorted(resolved)
        ai = 0
        cluster: list[tuple[int, int, str]] = []
        clusters: list[list[tuple[int, int, str]]] = []
        for s, e, label in subs:
            while ai < len(anchor_iter) and anchor_iter[ai][0] <= s:
                covered_until = s
                cluster = []
                ai += 1
            if (
                covered_until >= 0
                and not cluster
                and anchor_iter
                and ai > 0
                and anchor_iter[ai - 1][3] != "statement"
            ):
                # belongs to the item of the previous anchor unless it restarts the sequence
                continue
            if not cluster or label == "claims_admin_guideline" or label in {c[2] for c in cluster}:
                cluster = [(s, e, label)]
                clusters.append(cluster)
            else:
                cluster.append((s, e, label))
        for cl in clusters:
            first = cl[0][0]
            kt = bisect.bisect_left(top_starts_all, first) - 1
            bound = tops[kt][1] if kt >= 0 else 0
            kp = bisect.bisect_left(sub_starts, first) - 1
            if kp >= 0:
                bound = max(bound, subs[kp][1] + 1)
            bound = content_before(first, bound)
            # the heading is the paragraph that ends just before the first label of the cluster
            a = first
            while a > bound and text[a - 1].isspace():
                a -= 1
            if a <= bound:
                continue
            start = _last_statement(text, heading_start(text, lines, a - 1, bound), a)
            if start < first and text[start:first].strip():
                resolved.append((start, first, first, "cluster", ""))
        resolved.sort()
        starts = [r[0] for r in resolved]
        top_starts = sorted(s for s, _, _ in tops)
        for idx, (start, _a_pos, h_end, kind, num) in enumerate(resolved):
            if kind == "statement":
                end = h_end
            else:
                nxt = starts[idx + 1] if idx + 1 < len(starts) else n
                kt = bisect.bisect_right(top_starts, h_end)
                if kt < len(top_starts):
                    nxt = min(nxt, top_starts[kt])
                end = nxt
            s, e = _strip(text, start, end)
            if e <= s:
                continue
            item = Section(s, e, "item", kind, num)
            hs, he = _strip(text, s, min(h_end, e))
            if he > hs:
                item.children.append(Section(hs, he, "item_heading"))
            if kind != "statement":
                inner = subs[bisect.bisect_left(sub_starts, s) : bisect.bisect_left(sub_starts, e)]
                for k, (ss, _se, label) in enumerate(inner):
                    ce = inner[k + 1][0] if k + 1 < len(inner) else e
                    cs, ce = _strip(text, ss, ce)
                    if ce > cs:
                        item.children.append(Section(cs, ce, label))
            items.append(item)

    # ---- top-level sections
    out: list[Section] = []
    item_starts = sorted(it.start for it in items)
    first_top = tops[0][0] if tops else n
    if first_top > 0 and text[:first_top].strip():
        hs, he = _strip(text, 0, first_top)
        if item_starts and item_starts[0] < he:
            he = _strip(text, 0, item_starts[0])[1]
        if he > hs:
            out.append(Section(hs, he, "header"))
    for k, (s, _e, label) in enumerate(tops):
        # a decisions block runs on over repeated decisions headings, to the next other heading
        end = next_other(s) if label == "decisions" else (tops[k + 1][0] if k + 1 < len(tops) else n)
        if label != "decisions":
            ki = bisect.bisect_right(item_starts, s)
            if ki < len(item_starts):
                end = min(end, item_starts[ki])
        ss, ee = _strip(text, s, end)
        if ee <= ss:
            continue
        if out and out[-1].label == label and out[-1].end <= ss:
            out[-1].end = ee  # "HOW THE IMR ..." then "The Expert Reviewer has ...": one reviewer block
            continue
        out.append(Section(ss, ee, label))
    # professional layout: guideline / rationale blocks at top level
    if professional:
        prof = [x for x in subs if PROFESSIONAL_SUBPART.search(text[x[0] : x[1]])]
        for k, (s, _e, label) in enumerate(prof):
            kt = bisect.bisect_right(top_starts_all, s)
            next_top = top_starts_all[kt] if kt < len(top_starts_all) else n
            end = min(next_top, prof[k + 1][0] if k + 1 < len(prof) else n)
            ss, ee = _strip(text, s, end)
            if ee > ss:
                out.append(Section(ss, ee, label))
    out.extend(items)
    out.sort(key=lambda x: (x.start, -x.end))
    return out


def _union(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, merged (start, end) ranges."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(ranges):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
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


@Language.factory("imr_sections", default_config={"spans_key": SECTIONS_KEY})
def make_sections(nlp: Language, name: str, spans_key: str) -> SectionSegmenter:
    return SectionSegmenter(nlp, name, spans_key)
