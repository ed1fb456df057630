"""The text-level reading the section segmenter does: headings and sub-part labels, page furniture,
a line index, where an item heading starts, numbered and un-numbered list entries, char-range helpers."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from typing import NamedTuple

from .layout import (
    FURNITURE_LINE,
    INLINE_FURNITURE,
    INTRO_LEAD,
    ORIGINAL_REQUEST,
    PARTIAL_HINT,
    SUBPARTS,
    TOP_LEVEL_HEADINGS,
    VERDICT_STATEMENT,
)

GLUE_BEFORE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.)\"'")
# a glued heading follows one of those directly ("#90.IMR ISSUES") or a space where the line break was lost
# ("... at work. CASE SUMMARY:"); the headings are matched in upper case, which prose does not use
GLUE_AFTER = GLUE_BEFORE | {" ", "\t"}


class Mark(NamedTuple):
    """A top-level heading or a sub-part label found in the text, and the section label it starts."""

    start: int
    end: int
    label: str


def find_top_level(text: str) -> list[Mark]:
    """Every top-level heading, in text order, overlaps removed."""
    hits: list[Mark] = []
    for label, line_rx, glued_rx in TOP_LEVEL_HEADINGS:
        for m in line_rx.finditer(text):
            s = m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
            hits.append(Mark(s, m.end(), label))
        if glued_rx is not None:
            hits.extend(
                Mark(m.start(), m.end(), label)
                for m in glued_rx.finditer(text)
                if m.start() > 0 and text[m.start() - 1] in GLUE_AFTER
            )
    tops = _first_non_overlapping(hits)
    # the letterhead repeated on later pages is page furniture, not a new section
    return [h for k, h in enumerate(tops) if k == 0 or h.label != "header"]


def _first_non_overlapping(hits: list[Mark]) -> list[Mark]:
    """Heading hits in text order, dropping any that starts inside the previous one."""
    out: list[Mark] = []
    for h in sorted(hits):
        if out and h.start < out[-1].end:
            continue
        out.append(h)
    return out


def find_subparts(text: str) -> list[Mark]:
    """Every item sub-part label (guidelines, rationale), in text order, overlaps removed."""
    hits: list[Mark] = []
    for label, rx in SUBPARTS:
        for m in rx.finditer(text):
            s = m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
            hits.append(Mark(s, m.end(), label))
    return _first_non_overlapping(hits)


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
# a list number at a line start, or after a blank where a lost line break ran the list together
NUMBER_MARK = re.compile(r"(?m)(?:^[ \t]*|(?<=\s))(\d{1,2})[.)][ \t]+(?=\S)")
_TERMINAL = re.compile(r"[.!?][\"')\]]?[ \t]*$")
MAX_HEADING_CHARS = 900
_LINE_CONTENT = re.compile(r"(?m)^[^\S\n]*+(?=\S)")


class LineIndex:
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


def after_furniture(text: str, pos: int) -> str:
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


def heading_start(text: str, lines: LineIndex, anchor: int, bound: int) -> int:
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


def numbered_entries(body: str) -> list[re.Match[str]]:
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


def last_statement(text: str, start: int, end: int) -> int:
    """Start of a later-layout item statement ("X is medically necessary and appropriate.") that a lost
    line break glued to the end of the previous rationale; ``start`` when the heading is one sentence
    or a partial certification (several sentences by design)."""
    head = text[start:end]
    breaks = [m.end() for m in SENTENCE_BREAK.finditer(head.rstrip())]
    if not breaks or PARTIAL_HINT.search(head):
        return start
    last = start + breaks[-1]
    return last if VERDICT_STATEMENT.search(text, last, end) else start


def strip_range(text: str, start: int, end: int) -> tuple[int, int]:
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
        ls, le = strip_range(text, pos, pos + len(line))
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


def union(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, merged (start, end) ranges."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(ranges):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out
