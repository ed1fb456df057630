"""Guideline linking: the guidelines an item's sub-parts cite, each with its pages, section and
who cited it (claims administrator, reviewer, rationale)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, replace
from typing import Any

from ..layout import PAGE_CUE_TAIL, SECTION_CUE, TAIL_STOP
from ..normalise import collapse, guideline_section, normalise_guideline, parse_pages
from .items import ItemView
from .patterns import ADOPTS_CA_GUIDELINE, ODG_TAIL, OF_THE_HEAD
from .spans import Mention, MentionIndex

# who cites the guidelines of each sub-part
CITED_BY = {
    "claims_admin_guideline": "claims_administrator",
    "reviewer_guideline": "reviewer",
    "rationale": "rationale",
}


@dataclass
class GuidelineCitation:
    """One cited guideline of an item; ``to_dict`` is its record entry."""

    text: str
    norm: dict[str, Any]  # normalise_guideline's id, family, topic, section, edition
    cited_by: str
    pages: str | None  # the page mentions as written, "; "-joined
    page_ranges: list[list[int]]  # parsed into [start, end] pairs
    span: tuple[int, int]
    adopted_from: str | None = None  # set on a reviewer's copy of an adopted claims-administrator citation

    def add_pages(self, other: GuidelineCitation) -> None:
        """Take the pages of a repeated rationale citation of the same guideline."""
        for r in other.page_ranges:
            if r not in self.page_ranges:
                self.page_ranges.append(r)
        if other.pages:
            self.pages = "; ".join(p for p in (self.pages, other.pages) if p)

    def to_dict(self) -> dict[str, Any]:
        ranges = self.page_ranges
        out = {
            "text": self.text,
            "id": self.norm["id"],
            "family": self.norm["family"],
            "topic": self.norm["topic"],
            "cited_by": self.cited_by,
            # public contract: "pages" as written; "page_ranges" parsed into [start, end] pairs
            "pages": self.pages,
            "page_start": ranges[0][0] if ranges else None,
            "page_end": ranges[-1][1] if ranges else None,
            "page_ranges": [list(r) for r in ranges],
            "section": self.norm["section"],
            "edition": self.norm["edition"],
            "span": list(self.span),
        }
        if self.adopted_from is not None:
            out["adopted_from"] = self.adopted_from
        return out


def item_guidelines(text: str, idx: MentionIndex, it: ItemView) -> list[GuidelineCitation]:
    """Every guideline the item's sub-parts cite, in text order; a rationale naming one guideline
    twice gives one citation with the pages of both."""
    result: list[GuidelineCitation] = []
    by_id_rationale: dict[str, GuidelineCitation] = {}
    for ps, pe, label in it.parts:
        for entry in _part_citations(text, idx, ps, pe, label):
            if label == "rationale":
                seen = by_id_rationale.get(entry.norm["id"])
                if seen is not None:
                    seen.add_pages(entry)
                    continue
                by_id_rationale[entry.norm["id"]] = entry
            result.append(entry)
    return _adopted_guidelines(text, idx, it, result)


def _part_citations(text: str, idx: MentionIndex, ps: int, pe: int, label: str) -> list[GuidelineCitation]:
    """The GUIDELINE mentions of one sub-part with the pages each owns: in a citation block the
    pages up to the next guideline, in running text the nearest (``_rationale_pages``)."""
    gls = idx.within(ps, pe, "GUIDELINE")
    pages = idx.within(ps, pe, "PAGE_RANGE")
    page_starts = [p.start for p in pages]
    owned = _rationale_pages(text, gls, pages, ps) if label == "rationale" else None
    out = []
    for k, g in enumerate(gls):
        nxt = gls[k + 1].start if k + 1 < len(gls) else pe
        if owned is not None:
            own = owned[k]
        else:
            own = pages[bisect.bisect_left(page_starts, g.end) : bisect.bisect_left(page_starts, nxt)]
        ranges: list[list[int]] = []
        for p in own:
            for r in parse_pages(p.text):
                if r not in ranges:
                    ranges.append(r)
        pages_text = "; ".join(collapse(p.text) for p in own) or None
        norm = _normalised(text, g, nxt, label != "rationale")
        out.append(
            GuidelineCitation(collapse(g.text), norm, CITED_BY[label], pages_text, ranges, (g.start, g.end))
        )
    return out


def _normalised(text: str, g: Mention, nxt: int, block: bool) -> dict[str, Any]:
    """normalise_guideline of a mention; in a citation ``block`` with the section written after it
    ("Section: ...", or an ODG topic after the chapter)."""
    section = guideline_section(text[g.end : nxt]) if block else None
    if section and not SECTION_CUE.search(text, g.end, min(nxt, g.end + 40)):
        section = None
    norm = normalise_guideline(collapse(g.text), section=section)
    if block and norm["family"] == "ODG" and norm["section"] is None:
        # spans stop at the ODG chapter; the topic written after it is the section
        tail = _odg_tail(text, g.end, nxt)
        if tail:
            norm["section"] = normalise_guideline(collapse(g.text + tail))["section"]
    return norm


def _odg_tail(text: str, start: int, end: int) -> str:
    """Text after an ODG citation span up to the next page cue / citation / sentence end, when it
    continues the citation (starts with a separator); '' otherwise."""
    end = min(end, start + 160)
    if not ODG_TAIL.match(text, start, end):
        return ""
    stop = TAIL_STOP.search(text, start, end)
    return text[start : stop.start() if stop else end]


def _gap(between: str) -> int:
    """How far apart a page and a guideline name are, not counting cue words and punctuation."""
    return len(between.strip(" \t\n,;:()"))


def _rationale_pages(
    text: str, gls: list[Mention], pages: list[Mention], part_start: int
) -> list[list[Mention]]:
    """Pages of each guideline named in running text: a page range right after the name (same
    sentence, 80 chars) or just before it ("page 309 of the ACOEM ..."), each page to the nearer
    guideline only. One pass over the pages with a bisection each."""
    owned: list[list[Mention]] = [[] for _ in gls]
    if not gls:
        return owned
    starts = [g.start for g in gls]
    for p in pages:
        best: tuple[int, int] | None = None  # (distance, guideline index); ties go to "after"
        j = bisect.bisect_right(starts, p.start) - 1
        if j >= 0 and p.start >= gls[j].end:
            g = gls[j]
            win_end = min(gls[j + 1].start if j + 1 < len(gls) else len(text), g.end + 80)
            sentence_end = text.find(".", g.end, win_end)
            win_end = win_end if sentence_end < 0 else min(win_end, sentence_end + 1)
            if p.start < win_end:
                best = (_gap(PAGE_CUE_TAIL.sub("", text[g.end : p.start])), j)
        if j + 1 < len(gls):
            g = gls[j + 1]
            prev_end = gls[j].end if j >= 0 else part_start
            if max(prev_end, g.start - 30) <= p.start and p.end <= g.start:
                dist = _gap(OF_THE_HEAD.sub("", text[p.end : g.start]))
                if best is None or dist < best[0]:
                    best = (dist, j + 1)
        if best is not None:
            owned[best[1]].append(p)
    return owned


def _adopted_guidelines(
    text: str, idx: MentionIndex, it: ItemView, result: list[GuidelineCitation]
) -> list[GuidelineCitation]:
    """A reviewer line that names no guideline but adopts the claims administrator's (2013 notices)
    cites those guidelines too: copies with cited_by "reviewer" and adopted_from set."""
    ca = [g for g in result if g.cited_by == "claims_administrator"]
    if not ca:
        return result
    for ps, pe, label in it.parts:
        if label != "reviewer_guideline" or idx.within(ps, pe, "GUIDELINE"):
            continue
        if ADOPTS_CA_GUIDELINE.search(collapse(text[ps:pe])):
            at = next((k for k, g in enumerate(result) if g.cited_by == "rationale"), len(result))
            copies = [
                replace(
                    g,
                    cited_by="reviewer",
                    adopted_from="claims_administrator",
                    page_ranges=[list(r) for r in g.page_ranges],
                )
                for g in ca
            ]
            return result[:at] + copies + result[at:]
    return result
