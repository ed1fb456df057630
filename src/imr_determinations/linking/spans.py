"""Mentions (predicted or rule-found spans by char offsets), their index, and the text helpers that
tidy a mention's range: trimming, lead-in stripping, page furniture."""

from __future__ import annotations

import bisect
import re
from typing import NamedTuple

from ..layout import TRAILING_FURNITURE
from ..normalise import collapse
from .patterns import LEAD_INS


class Mention(NamedTuple):
    """A predicted (or rule-found) span by char offsets; ``text`` is a slice of the Doc text."""

    start: int
    end: int
    label: str
    text: str


class MentionIndex:
    """Mentions sorted by start, one sorted list per label, for range queries in O(log n + k)
    (k = mentions of that label in the range, so many spancat spans do not slow ent lookups)."""

    def __init__(self, mentions: list[Mention]) -> None:
        self.items = sorted(mentions)
        self.starts = [m.start for m in self.items]
        self.by_label: dict[str, tuple[list[int], list[Mention]]] = {}
        for m in self.items:
            entry = self.by_label.setdefault(m.label, ([], []))
            entry[0].append(m.start)
            entry[1].append(m)

    def within(self, start: int, end: int, label: str | None = None) -> list[Mention]:
        """The mentions (of ``label``, or all) that lie inside [start, end)."""
        if label is None:
            starts, items = self.starts, self.items
        elif label in self.by_label:
            starts, items = self.by_label[label]
        else:
            return []
        i = bisect.bisect_left(starts, start)
        j = bisect.bisect_left(starts, end, i)
        return [m for m in items[i:j] if m.end <= end]

    def of(self, label: str) -> list[Mention]:
        """Every mention of ``label``, in text order."""
        return self.by_label.get(label, ([], []))[1]


def match_mention(m: re.Match[str], group: str | int, label: str) -> Mention:
    """The mention a regex group found."""
    return Mention(m.start(group), m.end(group), label, m.group(group))


def drop_furniture(text: str) -> str:
    """One line of prose; the furniture lines are blanked already (``link``), this drops furniture a lost
    line break glued to its end ("... appropriate. Page 3 of 4")."""
    return TRAILING_FURNITURE.sub("", collapse(text))


def clean_service(text: str) -> str:
    """A service as a record states it: one line, no furniture, no edge punctuation."""
    return drop_furniture(text).strip(" ,;:.\"'")


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """The range without blanks and punctuation at its edges (a trailing "." too)."""
    while start < end and text[start] in " \t\n,;:\"'":
        start += 1
    while end > start and text[end - 1] in " \t\n,;:.\"'":
        end -= 1
    return start, end


def strip_lead_in(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop boilerplate before a service (item number, decisions intro sentence, "Associated surgical
    service:", "the request for"), repeatedly; never empties the range."""
    start, end = trim(text, start, end)
    while start < end:
        m = LEAD_INS.match(text, start, end)
        if not m or m.end() <= start:
            break
        s2, e2 = trim(text, m.end(), end)
        if e2 <= s2:
            break
        start, end = s2, e2
    return start, end


def last_match(
    pattern: re.Pattern[str], text: str, start: int = 0, end: int | None = None
) -> re.Match[str] | None:
    """The last non-overlapping match of ``pattern`` in text[start:end], or None."""
    last = None
    for last in pattern.finditer(text, start, len(text) if end is None else end):  # noqa: B007
        pass
    return last


def nonempty(span: tuple[int, int]) -> tuple[int, int] | None:
    """The range, or None when it is empty."""
    return span if span[1] > span[0] else None
