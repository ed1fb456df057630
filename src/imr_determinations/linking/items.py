"""Item structure: the letter's sections as one ``ItemView`` per disputed item (its heading and its
guideline / rationale sub-parts), the blocks a professional review shares split between its issues,
and where a truncated letter cuts an item."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from spacy.tokens import Doc

from ..mentions import content_words, item_occurrences
from ..section_text import logical_lines
from ..sections import Section
from .headings import heading_service
from .patterns import CITATION_START, CLOSING_LINES, IMR_MARKERS, SENTENCE_STOP, TERMINAL_END
from .spans import clean_service

SUBPART_LABELS = ("claims_admin_guideline", "reviewer_guideline", "rationale")
Part = tuple[int, int, str]  # (start, end, sub-part label)


@dataclass
class ItemView:
    """One item section and what is needed to build its determination."""

    start: int
    end: int
    kind: str
    number: str
    heading: tuple[int, int] | None = None
    parts: list[Part] = field(default_factory=list)

    def has_rationale(self) -> bool:
        """Whether the item has a rationale sub-part."""
        return any(label == "rationale" for _, _, label in self.parts)

    def rationales(self) -> list[tuple[int, int]]:
        """(start, end) of each rationale sub-part, in text order."""
        return [(s, e) for s, e, label in self.parts if label == "rationale"]


class PipeOrderError(RuntimeError):
    """A component ran without the component whose output it reads: the pipeline is put together
    wrongly (every letter would fail the same way), not a bad letter."""


def sections_of(doc: Doc, key: str) -> list[Section]:
    """The Doc's sections, as ``imr_sections`` wrote them to ``doc.spans[key]``."""
    if key not in doc.spans:
        raise PipeOrderError(
            f'doc.spans["{key}"] is missing: add the imr_sections component before imr_determination_linker'
        )
    return [
        Section(
            sp.start_char,
            sp.end_char,
            sp.label_,
            (sp._.section_kind or "") if sp.label_ == "item" else "",
            (sp._.section_number or "") if sp.label_ == "item" else "",
        )
        for sp in doc.spans[key]
    ]


def item_views(sections: list[Section]) -> tuple[list[ItemView], list[Section]]:
    """Items (with their heading and sub-parts) and the top-level sections, in text order."""
    items = sorted((s for s in sections if s.label == "item"), key=lambda s: (s.start, -s.end))
    views = [ItemView(s.start, s.end, s.kind, s.number) for s in items]
    starts = [v.start for v in views]
    others = []
    for sec in sections:
        if sec.label in ("item_heading", *SUBPART_LABELS):
            k = bisect.bisect_right(starts, sec.start) - 1
            if k >= 0 and views[k].start <= sec.start and sec.end <= views[k].end:
                if sec.label == "item_heading":
                    views[k].heading = (sec.start, sec.end)
                else:
                    views[k].parts.append((sec.start, sec.end, sec.label))
                continue
        if sec.label != "item":
            others.append(sec)
    for v in views:
        v.parts.sort()
        if v.heading is None:
            first = v.parts[0][0] if v.parts else v.end
            v.heading = (v.start, first) if first > v.start else None
    # professional layout: shared guideline / rationale blocks outside the items
    shared = [(s.start, s.end, s.label) for s in others if s.label in SUBPART_LABELS]
    if shared:
        for v in views:
            if v.kind == "issue" and not v.parts:
                v.parts = list(shared)
    return views, sorted(others, key=lambda s: s.start)


def _words(text: str) -> set[str]:
    return {w for w in content_words(text) if w.isalpha() and len(w) > 2}


def _citation_chunks(text: str, start: int, end: int) -> list[tuple[int, int]]:
    cuts = [start, *(m.end() for m in CITATION_START.finditer(text, start, end)), end]
    return [(s, e) for s, e in zip(cuts, cuts[1:], strict=False) if e > s]


def split_shared_blocks(text: str, views: list[ItemView]) -> None:
    """Give each issue of a professional review its own share of the blocks all issues share.

    The rationale block is cut after the sentence that last names each issue (its restatement);
    a guideline line goes to the one issue whose service shares the most distinctive words with
    it. Anything that cannot be told apart (an issue never named, a line naming none or several
    issues) stays shared, as before."""
    issues = [v for v in views if v.kind == "issue" and v.heading and v.parts]
    if len(issues) < 2 or any(v.parts != issues[0].parts for v in issues):
        return
    services = []
    for v in issues:
        svc, _how = heading_service(text, *v.heading)  # type: ignore[misc]
        services.append(clean_service(text[svc[0] : svc[1]]) if svc else "")
    own: list[list[Part]] = [[] for _ in issues]
    for part in issues[0].parts:
        if part[2] == "rationale":
            shares = _rationale_shares(text, part, services)
        else:
            shares = _guideline_shares(text, part, services)
        for k, chunks in enumerate(shares):
            own[k].extend(chunks)
    for v, parts in zip(issues, own, strict=True):
        v.parts = sorted(parts)


def _rationale_shares(text: str, part: Part, services: list[str]) -> list[list[Part]]:
    """Each issue's piece of a shared rationale: it ends after the sentence that last names the
    issue; the whole block for every issue when the cuts cannot be told apart."""
    ps, pe, label = part
    cuts = []
    for svc in services:
        inside = [e for s, e in item_occurrences(text, [svc]) if ps <= s and e <= pe] if svc else []
        stop = SENTENCE_STOP.search(text, max(inside), pe) if inside else None
        cuts.append(stop.end() if stop else (max(inside) if inside else None))
    if None in cuts or len(set(cuts)) < len(cuts):
        return [[part] for _ in services]
    shares: list[list[Part]] = [[] for _ in services]
    order = sorted(range(len(services)), key=lambda k: cuts[k])
    begin = ps
    for rank, k in enumerate(order):
        end = pe if rank == len(order) - 1 else cuts[k]
        shares[k].append((begin, end, label))
        begin = end
    return shares


def _guideline_shares(text: str, part: Part, services: list[str]) -> list[list[Part]]:
    """Each issue's lines of a shared guideline block: a line goes to the one issue whose service
    shares the most distinctive words with it, else to every issue."""
    ps, pe, label = part
    service_words = [_words(svc) for svc in services]
    common_service = set.intersection(*service_words) if service_words else set()
    lines = [c for ls, le in logical_lines(text, ps, pe) for c in _citation_chunks(text, ls, le)]
    line_words = [_words(text[ls:le]) for ls, le in lines]
    common_line = set.intersection(*line_words) if len(line_words) > 1 else set()
    shares: list[list[Part]] = [[] for _ in services]
    for (ls, le), words in zip(lines, line_words, strict=True):
        scores = [len((words - common_line) & (sw - common_service)) for sw in service_words]
        best = max(scores)
        targets = [scores.index(best)] if best and scores.count(best) == 1 else range(len(services))
        for k in targets:
            shares[k].append((ls, le, label))
    return shares


def truncation(text: str, views: list[ItemView]) -> tuple[str | None, int | None]:
    """(why the letter looks cut off, index of the view it cuts) or (None, None).

    Every complete letter ends with a full sentence (the last rationale's determination), so text
    ending mid-sentence is cut off; so is a last item that has no rationale while the letter's other
    items have one. The cut item is the last non-statement item."""
    body = text.rstrip()
    # closing lines are short: look at the tail only, not the whole letter
    closing = CLOSING_LINES.search(body, max(0, len(body) - 600))
    if closing:
        body = body[: closing.start()]
    if not body:
        return None, None
    cut = [k for k, v in enumerate(views) if v.kind != "statement"]
    last = max(cut, key=lambda k: views[k].start) if cut else None
    mid_sentence = not TERMINAL_END.search(body[-5:])
    reason = None
    if mid_sentence and IMR_MARKERS.search(text):
        reason = "letter appears truncated: text ends mid-sentence"
    if last is not None:
        v = views[last]
        others_have = any(views[k].has_rationale() for k in cut if k != last)
        if not v.has_rationale() and (others_have or mid_sentence):
            return reason or "letter appears truncated: the last item has no rationale", last
        if reason and v.end >= len(body) - 1:
            return reason, last
    return reason, None
