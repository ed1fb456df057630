"""Determination linker (spaCy component ``imr_determination_linker``), last in the pipeline.

It turns the predicted spans (``doc.ents``: DISPUTED_SERVICE, DECISION, GUIDELINE, PAGE_RANGE;
``doc.spans["sc"]``: CLINICAL_FINDING, DIAGNOSIS) and the letter's sections
(``doc.spans["sections"]``) into one record per disputed item, plus case facts and warnings.

Items come from the decisions-block structure (item sections), so a service named in the case
summary, the item heading and the rationale is one item; the predicted spans anchor the
values. With ``rules_only=True`` the same linker finds services, decisions, guidelines and
pages with regular expressions over the sections instead: that is the "section rules +
regular expressions" baseline.

Model errors are expected and repaired from the layout, each with a warning: a heading with clear
structure (": Upheld", partial certification, numbered notice item, verdict statement) defines
its service even when the DISPUTED_SERVICE span is missing, clipped or misplaced; a missing
DECISION span is replaced by the heading word or the rationale's verdict phrase; spans outside
item sections never create items. Boilerplate lead-ins ("... set forth below:", "Associated
surgical service:", "the request for") are stripped from services in every mode. A letter that
ends mid-sentence, or whose last item has no rationale, is reported as truncated.

Cost: one pass over the spans into per-label sorted lists, then bisections per item (linear in
document length and span count); span texts are slices of one ``doc.text``; normalisers are cached.
It never raises: a failure becomes a warning.

Over 500 lines: items, values, repairs and case facts still share one index (a split is pending).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy
from spacy.attrs import IDX, LENGTH
from spacy.language import Language
from spacy.tokens import Doc

from .labels import SECTIONS_KEY, SPANS_KEY
from .layout import (
    DECISION_BASED,
    FURNITURE,
    HAS_DETERMINED,
    HEADING_DECISION,
    INTRO_LEAD,
    PAGE_CUE,
    PAGE_CUE_TAIL,
    PARTIAL,
    PORTION_PREDICATE,
    REGARDING_HEAD,
    SECTION_CUE,
    TAIL_STOP,
    TRAILING_FURNITURE,
    VERDICT_IN_RATIONALE,
)
from .mentions import (
    MIN_ITEM_SHARE,
    content_words,
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
from .normalise import (
    DATE_PATTERN,
    collapse,
    guideline_section,
    normalise_date,
    normalise_decision,
    normalise_guideline,
    normalise_service,
    parse_pages,
    service_key,
    token_overlap,
)
from .records import CASE_KEYS
from .sections import Section, blank_furniture, logical_lines, segment

SUBPART_LABELS = ("claims_admin_guideline", "reviewer_guideline", "rationale")
CITED_BY = {
    "claims_admin_guideline": "claims_administrator",
    "reviewer_guideline": "reviewer",
    "rationale": "rationale",
}
IMR_MARKERS = re.compile(
    r"Independent\s+Medical\s+Review|\bIMR\b|MAXIMUS|Expert\s+Reviewer|Claims\s+Administrator\s+guideline"
    r"|Decision\s+rationale|Utilization\s+Review",
    re.I,
)

# ---- regexes for headings, partial certifications and the rules-only mentions
# Linear on long blank runs (a page of spaces in a heading), as the layout patterns are: a lazy group
# ends on a non-blank (".*?\S") and blanks before a literal are possessive ("\s*+").
REQUESTS_FOR = re.compile(r"requests?\s+for\s+", re.I)
# a professional review's issue asked as a question: "Is the request for X medically necessary?"
QUESTION_HEAD = re.compile(
    r"\s*(?:\d{1,2}[.)]\s+)?(?:Is|Was|Are|Were)\s+(?:the\s+)?(?:requests?\s+for\s+|requested\s+)?"
    r"(?P<service>.*?\S)\s++(?:medically\s+necessary|reasonable\s+and\s+necessary|medically\s+appropriate)"
    r"(?:\s++and\s++(?:medically\s++)?(?:appropriate|necessary))?\s*+\?\s*+$",
    re.I | re.S,
)
SENTENCE_END = re.compile(r"[.!?][\"')\]]?\s+(?=[A-Z(\d])")
ONLY_PUNCT = re.compile(r"[\W\d]*")
# boilerplate that may precede a service in a heading or in a predicted span; stripped in every mode
LEAD_INS = re.compile(
    r"\s*(?:"
    r"\d{1,2}[).]\s+"  # item number
    r"|(?:(?:IMR\s+)?ISSUES?,?\s+DECISIONS?,?\s+AND\s+RATIONALES?|IMR\s+DECISION(?:\(S\)|S)?\s+AND\s+RATIONALE(?:\(S\)|S)?)"
    r"\s*:?\s*"  # a decisions heading glued to the first item
    r"|[^:\n]{0,80}?" + INTRO_LEAD.pattern + r"\s*"  # "The Final Determination was based on ... below:"
    r"|(?:Associated|Ancillary)\s+(?:surgical\s+|medical\s+|post-?op(?:erative)?\s+|pre-?op(?:erative)?\s+)?"
    r"(?:services?|items?|treatments?|requests?)\s*:\s*"  # category prefix (ANNOTATION.md)
    r"|" + HAS_DETERMINED + r"(?:that\s+)?"
    r"|(?:Regarding\s+)?the\s+requests?\s+for\s+"
    r"|Requests?\s*(?:\(s\))?\s+under\s+consideration\s+(?:include|is|are)s?\s*:?\s*"
    r"|(?:an?|the)\s+(?=\S)"  # an article (ANNOTATION.md, section 2: "Leading words")
    r"|(?:" + FURNITURE + r")\s+"  # page furniture a lost line break left inline
    r")",
    re.I,
)
TERMINAL_END = re.compile(r"[.!?][\"')\]]*\s*$")
# closing lines after the last sentence: typist initials ("/dr", "sab/"), "cc:" and "Enclosure" lines
CLOSING_LINES = re.compile(
    r"(?:\n[ \t]*(?:/\s*[A-Za-z]{1,4}|[A-Za-z]{1,4}\s*/|(?:cc|enc(?:losures?)?)\s*:[^\n]{0,120})[ \t]*)+\s*$",
    re.I,
)
SUBPART_LABEL = re.compile(r"[^:]{0,160}?:\s*")
NON_MTUS = re.compile(r"(?:Non-?\s*MTUS\s+(?:Citation\s+)?|Citation\s+)", re.I)
AND_NEXT = re.compile(
    r",?(?<!\s)\s++and\s+(?=(?:MTUS|Non-?MTUS|ODG|Official|ACOEM)\b|[A-Z][\w,&/ ]{0,60}?\b(?:19|20)\d\d\b)"
)
YEAR_END = re.compile(r"\b(?:19|20)\d\d\s*$")
_YEAR = r"(?:\s+(?:19|20)\d\d)?"
RATIONALE_GUIDELINE = re.compile(
    r"(?:(?:CA|California)\s+)?(?:the\s+)?"
    r"(?:(?:Third|3rd)\s+Edition\s+ACOEM(?:\s+Guidelines?)?(?:\s+[A-Z][a-z]+){0,3}"
    r"|(?:MTUS|Medical\s+Treatment\s+Utilization\s+Schedule(?:\s*\(MTUS\))?)"
    + _YEAR
    + r"(?:\s+Guidelines?)?(?:\s+in)?(?:\s+ACOEM)?(?:\s+(?:Chapter|Ch\.)\s*\d+)?"
    r"(?i:\s+(?:Chronic\s+Pain(?:\s+Medical)?(?:\s+Treatment)?|Acupuncture(?:\s+Medical\s+Treatment)?"
    r"|Post-?surgical(?:\s+Treatment)?|Opioids?(?:\s+Treatment)?)\s+Guidelines?" + _YEAR + ")?"
    r"|ACOEM(?:\s+(?:Practice\s+|Treatment\s+)?Guidelines?)?(?:\s+(?:Chapter|Ch\.)\s*\d+)?"
    r"(?:\s+for\s+the\s+[A-Z][A-Za-z]*(?:\s+[A-Z][A-Za-z]*){0,3}\s+(?:Disorders|Complaints))?"
    r"|(?i:official\s+disability\s+guidelines)(?:\s*\(ODG\))?|ODG(?:\s+Guidelines?)?"
    r"|Chronic\s+Pain\s+(?:Medical\s+)?Treatment\s+Guidelines|Acupuncture\s+(?:Medical\s+Treatment\s+)?Guidelines"
    r"|Post-?surgical\s+Treatment\s+Guidelines"
    r"|(?:Section\s+)?9792\.\d+(?:\.\d+)?(?:\([a-z0-9]\))?|Labor\s+Code\s+(?:Section\s+)?4610\.5)",
)
RATIONALE_PAGE_AFTER = re.compile(
    r"[^.;]{0,40}?\bpages?\s+(?P<pages>\d{1,4}(?:\s*(?:-|\u2013|,|and)\s*\d{1,4})*)", re.I
)
RATIONALE_PAGE_BEFORE = re.compile(
    r"\bpages?\s+(?P<pages>\d{1,4}(?:\s*(?:-|\u2013)\s*\d{1,4})?)\s+of\s+(?:the\s+)?$", re.I
)

# ---- case facts
CASE_NUMBER = re.compile(r"(?:Case\s+(?:Number|No\.?)\s*:?\s*)?\b(CM\d{2}-\d{5,7})\b", re.I)
HEADER_DATES = {
    "date_assigned": re.compile(r"Date\s+Assigned\s*:\s*(" + DATE_PATTERN + ")", re.I),
    "date_of_injury": re.compile(r"Date\s+of\s+Injury\s*:\s*(" + DATE_PATTERN + ")", re.I),
    "decision_date": re.compile(r"(?:Decision\s+Date|Dated)\s*:\s*(" + DATE_PATTERN + ")", re.I),
    "ur_denial_date": re.compile(
        r"(?:UR\s+Denial\s+Date|Date\s+of\s+UR\s+Decision)\s*:\s*(" + DATE_PATTERN + ")", re.I
    ),
    "application_received": re.compile(r"Application\s+Received\s*:\s*(" + DATE_PATTERN + ")", re.I),
}
# the 2013 notice states them in its first sentence instead: "An application for Independent Medical Review
# was filed on 9/6/2013 disputing the Utilization Review Denial dated 8/30/2013."
NOTICE_DATES = {
    "ur_denial_date": re.compile(
        r"disputing\s+the\s+Utilization\s+Review\s+(?:Denial|Decision|Determination)\s+dated\s+"
        r"(" + DATE_PATTERN + ")",
        re.I,
    ),
    "application_received": re.compile(
        r"application\s+for\s+Independent\s+Medical\s+Review\s+was\s+filed\s+on\s+(" + DATE_PATTERN + ")",
        re.I,
    ),
}
PRIORITY = re.compile(r"Priority\s*:\s*([A-Za-z]+)", re.I)
AGE_SEX = re.compile(
    r"\b(\d{1,3})[\s-]+years?[\s-]+old\b(?:[\s,]+(?:[A-Za-z-]+\s+){0,2}?"
    r"(male|female|man|woman|gentleman|lady|boy|girl)\b)?",
    re.I,
)
SEX_WORDS = {
    "male": "male",
    "man": "male",
    "gentleman": "male",
    "boy": "male",
    "female": "female",
    "woman": "female",
    "lady": "female",
    "girl": "female",
}
INJURY_DATE = re.compile(
    r"(?:sustained|suffered|reported|incurred|had)\s+(?:an?\s+)?(?:\w+\s+){0,2}?injur(?:y|ies)\b[^.]{0,120}?"
    r"\b(?:on|of)\s+(" + DATE_PATTERN + ")"
    r"|date\s+of\s+injury\s+(?:of\s+|on\s+|was\s+)?(" + DATE_PATTERN + ")"
    r"|industrial\s+injury\s+(?:of|on)\s+(" + DATE_PATTERN + ")",
    re.I,
)
SPECIALTY = [
    re.compile(r"Certification\s*\(s\)\s*/\s*Specialty\s*:\s*([^\n]+)", re.I),
    re.compile(
        r"Board\s+Certified\s+in\s+(.+?)(?=\s+(?:and\s+is|and\s+has|has\s+a|who)\b|[.;\n]\s|,\s+(?:is|and)\b|\.?\s*$)",
        re.I | re.S,
    ),
    re.compile(r"(?:Specialty|Specialties)\s*:\s*([^\n]+)", re.I),
]
LICENSURE = [
    re.compile(r"State\s*\(s\)\s+of\s+Licensure\s*:\s*([^\n]+)", re.I),
    re.compile(
        r"licensed\s+(?:to\s+practice\s+)?in\s+(?:the\s+State\s+of\s+)?([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)"
    ),
    re.compile(r"Licensure\s*:\s*([^\n]+)", re.I),
]


class Mention(NamedTuple):
    """A predicted (or rule-found) span by char offsets; ``text`` is a slice of the Doc text."""

    start: int
    end: int
    label: str
    text: str


@dataclass
class ItemView:
    """One item section and what is needed to build its determination."""

    start: int
    end: int
    kind: str
    number: str
    heading: tuple[int, int] | None = None
    parts: list[tuple[int, int, str]] = field(default_factory=list)


class _Index:
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
        return self.by_label.get(label, ([], []))[1]


def _drop_furniture(text: str) -> str:
    """One line of prose; the furniture lines are blanked already (``link``), this drops furniture a lost
    line break glued to its end ("... appropriate. Page 3 of 4")."""
    return TRAILING_FURNITURE.sub("", collapse(text))


def _clean_service(text: str) -> str:
    return _drop_furniture(text).strip(" ,;:.\"'")


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " \t\n,;:\"'":
        start += 1
    while end > start and text[end - 1] in " \t\n,;:.\"'":
        end -= 1
    return start, end


def strip_lead_in(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop boilerplate before a service (item number, decisions intro sentence, "Associated surgical
    service:", "the request for"), repeatedly; never empties the range."""
    start, end = _trim(text, start, end)
    while start < end:
        m = LEAD_INS.match(text, start, end)
        if not m or m.end() <= start:
            break
        s2, e2 = _trim(text, m.end(), end)
        if e2 <= s2:
            break
        start, end = s2, e2
    return start, end


# ---------------------------------------------------------------- rules-only mentions
def _heading_service(text: str, hs: int, he: int) -> tuple[tuple[int, int] | None, str]:
    """Char range of the service named in an item heading (the remaining portion for partial ones)
    and the structure that gave it: partial, regarding, verdict, marker (": Upheld") or plain
    (none of these: the whole heading, least reliable)."""
    head = text[hs:he]
    m = HEADING_DECISION.search(head)
    body_end = hs + (m.start() if m else len(head))
    body = text[hs:body_end]
    pm = PARTIAL.match(body)
    if pm and pm.group("remaining"):
        s, e = hs + pm.start("remaining"), hs + pm.end("remaining")
        return _nonempty(strip_lead_in(text, s, e)), "partial"
    rm = REGARDING_HEAD.match(body)
    if rm:
        return _nonempty(strip_lead_in(text, hs + rm.start("service"), hs + rm.end("service"))), "regarding"
    qm = QUESTION_HEAD.match(body)
    if qm:
        return _nonempty(strip_lead_in(text, hs + qm.start("service"), hs + qm.end("service"))), "question"
    if m is not None:
        # text of the previous rationale glued before a ": Upheld" heading ends in its verdict
        last = _last_match(VERDICT_IN_RATIONALE, body)
        if last is not None:
            begin = hs + last.end()
            while begin < body_end and text[begin] in ".!?\"') \t\n":
                begin += 1  # the end of that verdict's sentence
            after = strip_lead_in(text, begin, body_end)
            if after[1] > after[0]:
                return after, "marker"
    vm = VERDICT_IN_RATIONALE.search(body) if m is None else None
    if vm:
        sub = body[: vm.start()]
        ends = [x.end() for x in SENTENCE_END.finditer(sub)]
        off = ends[-1] if ends else 0
        rq = REQUESTS_FOR.search(sub, off)
        off = rq.end() if rq else off
        return _nonempty(strip_lead_in(text, hs + off, hs + vm.start())), "verdict"
    return _nonempty(strip_lead_in(text, hs, body_end)), ("marker" if m else "plain")


def _last_match(pattern: re.Pattern[str], text: str, start: int = 0, end: int | None = None):
    """The last non-overlapping match of ``pattern`` in text[start:end], or None."""
    last = None
    for last in pattern.finditer(text, start, len(text) if end is None else end):  # noqa: B007
        pass
    return last


def _nonempty(span: tuple[int, int]) -> tuple[int, int] | None:
    return span if span[1] > span[0] else None


def _citation_mentions(text: str, s: int, e: int) -> list[Mention]:
    """GUIDELINE and PAGE_RANGE mentions of a claims-administrator / reviewer guideline block."""
    out: list[Mention] = []
    label_m = SUBPART_LABEL.match(text, s, e)
    body_s = label_m.end() if label_m else s
    cuts = [m.end() for m in DECISION_BASED.finditer(text, body_s, e)]
    if not cuts:
        # free-text citation blocks (notice / professional layouts): named sources with nearby pages
        return _rationale_mentions(text, body_s, e)
    chunks = []
    for k, c in enumerate(cuts):
        nxt = e
        if k + 1 < len(cuts):
            nxt = (
                text.rfind("Decision", c, cuts[k + 1])
                if text.rfind("Decision", c, cuts[k + 1]) >= 0
                else cuts[k + 1]
            )
        chunks.append((c, nxt))
    for cs, ce in chunks:
        pieces = []
        pos = cs
        for m in AND_NEXT.finditer(text, cs, ce):
            if (
                SECTION_CUE.search(text, pos, m.start())
                or PAGE_CUE.search(text, pos, m.start())
                or YEAR_END.search(text[pos : m.start()])
            ):
                pieces.append((pos, m.start()))
                pos = m.end()
        pieces.append((pos, ce))
        for ps, pe in pieces:
            nm = NON_MTUS.match(text, ps, pe)
            gs = nm.end() if nm else ps
            stop = pe
            for cue in (SECTION_CUE, PAGE_CUE):
                cm = cue.search(text, gs, pe)
                if cm:
                    stop = min(stop, cm.start())
            gs, ge = _trim(text, gs, stop)
            if ge > gs and not ONLY_PUNCT.fullmatch(text, gs, ge):
                out.append(Mention(gs, ge, "GUIDELINE", text[gs:ge]))
            for pm in PAGE_CUE.finditer(text, gs, pe):
                out.append(Mention(pm.start("pages"), pm.end("pages"), "PAGE_RANGE", pm.group("pages")))
    return out


def _rationale_mentions(text: str, s: int, e: int) -> list[Mention]:
    out: list[Mention] = []
    for m in RATIONALE_GUIDELINE.finditer(text, s, e):
        gs, ge = _trim(text, m.start(), m.end())
        if text[gs:ge].lower().startswith("the "):
            gs += 4
        out.append(Mention(gs, ge, "GUIDELINE", text[gs:ge]))
        before = RATIONALE_PAGE_BEFORE.search(text, max(s, gs - 30), gs)
        if before:
            out.append(
                Mention(before.start("pages"), before.end("pages"), "PAGE_RANGE", before.group("pages"))
            )
        after = RATIONALE_PAGE_AFTER.match(text, ge, min(e, ge + 80))
        if after:
            out.append(Mention(after.start("pages"), after.end("pages"), "PAGE_RANGE", after.group("pages")))
    return out


def rule_mentions(text: str, items: list[ItemView]) -> list[Mention]:
    """Regex stand-ins for the NER spans, found only inside the item sections (the baseline)."""
    out: list[Mention] = []
    for it in items:
        if it.heading:
            hs, he = it.heading
            svc, _how = _heading_service(text, hs, he)
            if svc:
                out.append(Mention(svc[0], svc[1], "DISPUTED_SERVICE", text[svc[0] : svc[1]]))
            dm = HEADING_DECISION.search(text, hs, he)
            if dm:
                out.append(Mention(dm.start(1), dm.end(1), "DECISION", dm.group(1)))
            else:
                for vm in VERDICT_IN_RATIONALE.finditer(text, hs, he):
                    out.append(Mention(vm.start("phrase"), vm.end("phrase"), "DECISION", vm.group("phrase")))
        for ps, pe, label in it.parts:
            if label == "rationale":
                out.extend(_rationale_mentions(text, ps, pe))
                last = None
                for vm in VERDICT_IN_RATIONALE.finditer(text, ps, pe):
                    last = vm
                if last is not None:
                    out.append(
                        Mention(last.start("phrase"), last.end("phrase"), "DECISION", last.group("phrase"))
                    )
            else:
                out.extend(_citation_mentions(text, ps, pe))
    # the same char range can be proposed twice (shared professional-layout blocks)
    return sorted(set(out), key=lambda m: (m.start, m.end, m.label))


# ---------------------------------------------------------------- structure
def _sections_of(doc: Doc, key: str) -> list[Section]:
    if key in doc.spans:
        return [
            Section(sp.start_char, sp.end_char, sp.label_, sp.kb_id_ or "", sp.id_ or "")
            for sp in doc.spans[key]
        ]
    flat: list[Section] = []
    for sec in segment(doc.text):
        flat.append(sec)
        flat.extend(sec.children)
    return flat


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


SENTENCE_STOP = re.compile(r"[.!?](?=[\"')\]]*(?:\s|$))")


def _words(text: str) -> set[str]:
    return {w for w in content_words(text) if w.isalpha() and len(w) > 2}


# a new guideline citation inside one line (a lost line break ran the "RELIED UPON" lines together)
CITATION_START = re.compile(
    r"[.;][ \t]+(?=(?:Non-)?(?:MTUS|ACOEM|ODG|Official\s+Disability|California\s+MTUS|American\s+College)\b)"
)


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
    shared = list(issues[0].parts)
    services = []
    for v in issues:
        svc, _how = _heading_service(text, *v.heading)  # type: ignore[misc]
        services.append(_clean_service(text[svc[0] : svc[1]]) if svc else "")
    own: list[list[tuple[int, int, str]]] = [[] for _ in issues]
    service_words = [_words(svc) for svc in services]
    common_service = set.intersection(*service_words) if service_words else set()
    for ps, pe, label in shared:
        if label == "rationale":
            cuts = []
            for svc in services:
                inside = [e for s, e in item_occurrences(text, [svc]) if ps <= s and e <= pe] if svc else []
                stop = SENTENCE_STOP.search(text, max(inside), pe) if inside else None
                cuts.append(stop.end() if stop else (max(inside) if inside else None))
            if None in cuts or len(set(cuts)) < len(cuts):
                for parts in own:
                    parts.append((ps, pe, label))
                continue
            order = sorted(range(len(issues)), key=lambda k: cuts[k])
            begin = ps
            for rank, k in enumerate(order):
                end = pe if rank == len(order) - 1 else cuts[k]
                own[k].append((begin, end, label))
                begin = end
            continue
        lines = [c for ls, le in logical_lines(text, ps, pe) for c in _citation_chunks(text, ls, le)]
        line_words = [_words(text[ls:le]) for ls, le in lines]
        common_line = set.intersection(*line_words) if len(line_words) > 1 else set()
        for (ls, le), words in zip(lines, line_words, strict=True):
            scores = [len((words - common_line) & (sw - common_service)) for sw in service_words]
            best = max(scores)
            chunk = (ls, le, label)
            targets = [scores.index(best)] if best and scores.count(best) == 1 else range(len(issues))
            for k in targets:
                own[k].append(chunk)
    for v, parts in zip(issues, own, strict=True):
        v.parts = sorted(parts)


# ---------------------------------------------------------------- linking
ODG_TAIL = re.compile(r"\s*[,:;(/\-]")


def _odg_tail(text: str, start: int, end: int) -> str:
    """Text after an ODG citation span up to the next page cue / citation / sentence end, when it
    continues the citation (starts with a separator); '' otherwise."""
    end = min(end, start + 160)
    if not ODG_TAIL.match(text, start, end):
        return ""
    stop = TAIL_STOP.search(text, start, end)
    return text[start : stop.start() if stop else end]


OF_THE_HEAD = re.compile(r"^\s*(?:of|in)\s+(?:the\s+)?", re.I)


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


def _guidelines(text: str, idx: _Index, it: ItemView) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    by_id_rationale: dict[str, dict[str, Any]] = {}
    for ps, pe, label in it.parts:
        cited_by = CITED_BY[label]
        gls = idx.within(ps, pe, "GUIDELINE")
        pages = idx.within(ps, pe, "PAGE_RANGE")
        page_starts = [p.start for p in pages]
        owned = _rationale_pages(text, gls, pages, ps) if label == "rationale" else None
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
            section = guideline_section(text[g.end : nxt]) if label != "rationale" else None
            if section and not SECTION_CUE.search(text, g.end, min(nxt, g.end + 40)):
                section = None
            norm = normalise_guideline(collapse(g.text), section=section)
            if label != "rationale" and norm["family"] == "ODG" and norm["section"] is None:
                # spans stop at the ODG chapter; the topic written after it is the section
                tail = _odg_tail(text, g.end, nxt)
                if tail:
                    norm["section"] = normalise_guideline(collapse(g.text + tail))["section"]
            entry = {
                "text": collapse(g.text),
                "id": norm["id"],
                "family": norm["family"],
                "topic": norm["topic"],
                "cited_by": cited_by,
                # public contract: "pages" as written; "page_ranges" parsed into [start, end] pairs
                "pages": "; ".join(collapse(p.text) for p in own) or None,
                "page_start": ranges[0][0] if ranges else None,
                "page_end": ranges[-1][1] if ranges else None,
                "page_ranges": ranges,
                "section": norm["section"],
                "edition": norm["edition"],
                "span": [g.start, g.end],
            }
            if label == "rationale":
                seen = by_id_rationale.get(entry["id"])
                if seen is not None:
                    for r in ranges:
                        if r not in seen["page_ranges"]:
                            seen["page_ranges"].append(r)
                    if entry["pages"]:
                        seen["pages"] = "; ".join(p for p in (seen["pages"], entry["pages"]) if p)
                    if seen["page_ranges"]:
                        seen["page_start"] = seen["page_ranges"][0][0]
                        seen["page_end"] = seen["page_ranges"][-1][1]
                    continue
                by_id_rationale[entry["id"]] = entry
            result.append(entry)
    return _adopted_guidelines(text, idx, it, result)


# "The Expert Reviewer found the guideline used by the Claims Administrator relevant and appropriate"
ADOPTS_CA_GUIDELINE = re.compile(
    r"found\s+the\s+guidelines?\s+(?:used|cited|relied\s+upon)\s+by\s+the\s+Claims\s+Administrator"
    r"\s+(?:to\s+be\s+)?relevant",
    re.I,
)


def _adopted_guidelines(
    text: str, idx: _Index, it: ItemView, result: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A reviewer line that names no guideline but adopts the claims administrator's (2013 notices)
    cites those guidelines too: copies with cited_by "reviewer" and adopted_from set."""
    ca = [g for g in result if g["cited_by"] == "claims_administrator"]
    if not ca:
        return result
    for ps, pe, label in it.parts:
        if label != "reviewer_guideline" or idx.within(ps, pe, "GUIDELINE"):
            continue
        if ADOPTS_CA_GUIDELINE.search(collapse(text[ps:pe])):
            at = next((k for k, g in enumerate(result) if g["cited_by"] == "rationale"), len(result))
            copies = [
                {
                    **g,
                    "cited_by": "reviewer",
                    "adopted_from": "claims_administrator",
                    "page_ranges": [list(r) for r in g["page_ranges"]],
                }
                for g in ca
            ]
            return result[:at] + copies + result[at:]
    return result


NEGATED_BEFORE = re.compile(
    r"\b(?:not|cannot|can\s*not|can't|never|neither|nor|no\s+longer)[\s-]+"
    r"(?:(?:be|been|being|considered|deemed|found|established|as|to|viewed|regarded|shown)\s+){0,3}$",
    re.I,
)


def _decision_of(mentions: list[Mention], text: str = "") -> dict[str, Any] | None:
    """The first mention that states a verdict. A positive verdict phrase whose negation sits just
    before the span ("cannot be deemed | medically necessary") is read as negative."""
    for m in mentions:
        d = normalise_decision(m.text)
        if d:
            if (
                d["decision"] == "OVERTURNED"
                and text
                and NEGATED_BEFORE.search(text, max(0, m.start - 40), m.start)
            ):
                d = {**d, "decision": "UPHELD", "medically_necessary": False}
            return {**d, "span": [m.start, m.end]}
    return None


def _heading_decision(text: str, hs: int, he: int) -> Mention | None:
    """The decision written in a heading: its ": Upheld" word, else its verdict phrase."""
    dm = HEADING_DECISION.search(text, hs, he)
    if dm:
        return Mention(dm.start(1), dm.end(1), "DECISION", dm.group(1))
    last = _last_match(VERDICT_IN_RATIONALE, text, hs, he)
    if last is None:
        return None
    return Mention(last.start("phrase"), last.end("phrase"), "DECISION", last.group("phrase"))


def _choose_service(
    text: str, idx: _Index, it: ItemView, rules_only: bool, warnings: list[str]
) -> tuple[int, int] | None:
    """The item's service range. A heading with clear structure (partial certification, "Regarding
    the request for", verdict statement, ": Upheld") defines the service; a predicted span there
    only confirms it. Otherwise the first predicted span of the heading, else the heading text."""
    if it.heading is None:
        return None
    hs, he = it.heading
    services = idx.within(hs, he, "DISPUTED_SERVICE")
    struct, how = _heading_service(text, hs, he)
    if rules_only:
        if services:
            return services[0].start, services[0].end
        return struct
    if struct is not None and how != "plain":
        if not any(m.start < struct[1] and m.end > struct[0] for m in services):
            warnings.append(f"no DISPUTED_SERVICE span in the item heading; heading text used ({how})")
        return struct
    if services:
        return services[0].start, services[0].end
    if struct is not None:
        warnings.append("no DISPUTED_SERVICE span in the item heading; heading text used")
    return struct


# finding_details of a pipeline without imr_finding_context
_NO_CONTEXT: dict[str, Any] = {"assertion": None, "type": None, "value": None}


def _build_item(
    text: str,
    idx: _Index,
    it: ItemView,
    rules_only: bool,
    truncated: str | None = None,
    scores: dict[tuple[int, int], float] | None = None,
    context: dict[tuple[int, int], dict[str, Any]] | None = None,
) -> dict[str, Any] | None:
    """One determination from an item section; ``truncated`` = why this item looks cut off;
    ``scores`` = spancat's score per (start, end) of a CLINICAL_FINDING (none for rule spans);
    ``context`` = its assertion, type and value (imr_finding_context; none when it did not run)."""
    warnings: list[str] = []
    hs, he = it.heading or (it.start, it.start)
    head_text = text[hs:he]
    partial = PARTIAL.match(collapse(HEADING_DECISION.sub("", head_text))) if it.heading else None
    svc = _choose_service(text, idx, it, rules_only, warnings)
    rationale_parts = [(s, e) for s, e, lab in it.parts if lab == "rationale"]
    if svc is None:
        # no heading: the rationale's closing restatement may name it
        for s, e in rationale_parts:
            found = idx.within(s, e, "DISPUTED_SERVICE")
            if found:
                svc = (found[-1].start, found[-1].end)
    if svc is None:
        return None
    svc = strip_lead_in(text, *svc)
    service = _clean_service(text[svc[0] : svc[1]])
    if not service:
        return None
    # a question ("Is X medically necessary?") states no decision; the rationale does
    asked = bool(it.heading) and QUESTION_HEAD.match(text, hs, he) is not None
    head_dec = None if asked else _decision_of(idx.within(hs, he, "DECISION"), text)
    rat_decs = [
        d
        for s, e in rationale_parts
        for d in (_decision_of([m], text) for m in idx.within(s, e, "DECISION"))
        if d
    ]
    if head_dec is None and not rules_only and it.heading and not asked:
        written = _heading_decision(text, hs, he)
        head_dec = _decision_of([written], text) if written else None
        if head_dec:
            warnings.append(
                f"no DECISION span in the item heading; heading text used ('{collapse(written.text)}')"
            )
    if head_dec is None and not rat_decs and not rules_only:
        last = None
        for s, e in rationale_parts:
            last = _last_match(VERDICT_IN_RATIONALE, text, s, e) or last
        found = last and _decision_of(
            [Mention(last.start("phrase"), last.end("phrase"), "DECISION", last.group("phrase"))], text
        )
        if found:
            rat_decs = [found]
            warnings.append("no DECISION span; the rationale's verdict phrase used")
    decision = head_dec or (rat_decs[-1] if rat_decs else None)
    if head_dec:
        clash = [d for d in rat_decs if d["decision"] != head_dec["decision"]]
        if clash:
            warnings.append(
                f"contradictory decisions: heading '{collapse(head_dec['text'])}' vs rationale "
                f"'{collapse(clash[0]['text'])}'; heading decision kept"
            )
    elif len({d["decision"] for d in rat_decs}) > 1:
        warnings.append("contradictory decisions: rationale states both; last statement kept")
    if decision is None:
        warnings.append("no decision found for item")
    if truncated:
        warnings.append(truncated)
    findings: list[str] = []
    details: list[dict[str, Any]] = []  # offsets and score of each finding, so weak ones can be filtered
    seen_findings: set[str] = set()
    for s, e in rationale_parts:
        for m in idx.within(s, e, "CLINICAL_FINDING"):
            t = collapse(m.text)
            if t and t not in seen_findings:
                seen_findings.add(t)
                findings.append(t)
                score = (scores or {}).get((m.start, m.end))
                found = (context or {}).get((m.start, m.end)) or _NO_CONTEXT
                details.append({"text": t, "start": m.start, "end": m.end, "score": score, **found})
    rationale = None
    if rationale_parts:
        s, e = rationale_parts[0]
        lab = SUBPART_LABEL.match(text, s, min(e, s + 200))
        if lab and re.search(r"[.!?]\s", text[s : lab.end()]):
            lab = None  # a sentence, not a label (a rationale cut out of a shared block)
        rationale = _drop_furniture(text[lab.end() if lab else s : e]) or None
    original = authorized = None
    if partial:
        original = collapse(partial.group("original"))
        authorized = collapse(partial.group("auth1") or partial.group("auth2") or "") or None
    return {
        "service": service,
        "service_normalised": normalise_service(service),
        "original_request": original,
        "authorized": authorized,
        "decision": decision["decision"] if decision else None,
        "decision_text": collapse(decision["text"]) if decision else None,
        "medically_necessary": decision["medically_necessary"] if decision else None,
        "guidelines": _guidelines(text, idx, it),
        "findings": findings,
        "finding_details": details,
        "rationale": rationale,
        "spans": {"service": [svc[0], svc[1]], "decision": decision["span"] if decision else None},
        "warnings": warnings,
        "_kind": it.kind,
        "_number": it.number,
        "_start": it.start,
    }


def _merge_statements(dets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """2013 notices state each decision once up front ("1) ... the request for X is not medically
    necessary") and discuss it later ("1) Regarding the request for X:"): one item, not two."""
    statements = [d for d in dets if d["_kind"] == "statement"]
    if not statements:
        return dets
    merged: list[dict[str, Any]] = []
    used: set[int] = set()
    for d in dets:
        if d["_kind"] == "statement":
            continue
        match = None
        for k, s in enumerate(statements):
            if k in used:
                continue
            if (d["_number"] and d["_number"] == s["_number"]) or token_overlap(
                d["service"], s["service"]
            ) >= 0.8:
                match = k
                break
        if match is not None:
            used.add(match)
            s = statements[match]
            rationale_dec = d["decision"]
            d = {**d, "_start": s["_start"]}
            if s["decision"]:
                d.update(
                    decision=s["decision"],
                    decision_text=s["decision_text"],
                    medically_necessary=s["medically_necessary"],
                )
                d["spans"] = {**d["spans"], "decision": s["spans"]["decision"]}
                d["warnings"] = [w for w in d["warnings"] if w != "no decision found for item"]
                if rationale_dec and rationale_dec != s["decision"]:
                    d["warnings"].append(
                        f"contradictory decisions: statement '{s['decision_text']}' vs rationale; "
                        "statement kept"
                    )
        merged.append(d)
    merged.extend(s for k, s in enumerate(statements) if k not in used)
    return sorted(merged, key=lambda d: d["_start"])


def _dedupe(dets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop an item whose service and decision repeat an earlier one without adding
    guidelines or rationale."""
    out: list[dict[str, Any]] = []
    seen: dict[str, dict[str, Any]] = {}
    for d in dets:
        key = service_key(d["service"])
        prev = seen.get(key)
        if (
            prev is not None
            and prev["decision"] == d["decision"]
            and not d["guidelines"]
            and not d["rationale"]
        ):
            continue
        seen.setdefault(key, d)
        out.append(d)
    return out


def _fallback_items(text: str, idx: _Index, others: list[Section]) -> list[dict[str, Any]]:
    """No item sections (unknown layout): a DISPUTED_SERVICE followed closely by a DECISION outside the
    case summary is an item; repeated services are one item."""
    blocked = [
        (s.start, s.end) for s in others if s.label in ("case_summary", "header", "documents_reviewed")
    ]
    services = idx.of("DISPUTED_SERVICE")
    decisions = idx.of("DECISION")
    dec_starts = [m.start for m in decisions]
    out: list[dict[str, Any]] = []
    keys: list[str] = []
    for k, m in enumerate(services):
        if any(s <= m.start < e for s, e in blocked):
            continue
        limit = min(m.end + 250, services[k + 1].start if k + 1 < len(services) else len(text))
        j = bisect.bisect_left(dec_starts, m.end)
        if j >= len(decisions) or decisions[j].start >= limit:
            continue
        ss, se = strip_lead_in(text, m.start, m.end)
        service = _clean_service(text[ss:se])
        if not service or any(token_overlap(service, key) >= 0.8 for key in keys):
            continue
        keys.append(service)
        d = _decision_of([decisions[j]], text)
        out.append(
            {
                "service": service,
                "service_normalised": normalise_service(service),
                "original_request": None,
                "authorized": None,
                "decision": d["decision"] if d else None,
                "decision_text": collapse(decisions[j].text) if d else None,
                "medically_necessary": d["medically_necessary"] if d else None,
                "guidelines": [],
                "findings": [],
                "finding_details": [],
                "rationale": None,
                "spans": {"service": [ss, se], "decision": [decisions[j].start, decisions[j].end]},
                "warnings": ["item found from spans only (no item section)"],
                "_kind": "span",
                "_number": "",
                "_start": m.start,
            }
        )
    return out


# ---------------------------------------------------------------- case facts
def _first(patterns: list[re.Pattern[str]], text: str) -> str | None:
    for p in patterns:
        m = p.search(text)
        if m:
            value = collapse(m.group(1)).strip(" .,;")
            if value:
                return value
    return None


def case_facts(text: str, others: list[Section], idx: _Index, item_rationales: list[tuple[int, int]]) -> dict:
    """Case number, ISO dates, patient age/sex, reviewer specialty/licensure, diagnoses and findings."""
    by_label: dict[str, list[Section]] = {}
    for s in others:
        by_label.setdefault(s.label, []).append(s)
    header = " ".join(text[s.start : s.end] for s in by_label.get("header", [])) or text[:3000]
    reviewer = " ".join(text[s.start : s.end] for s in by_label.get("reviewer", [])) or text
    summary = " ".join(text[s.start : s.end] for s in by_label.get("case_summary", [])) or text
    case: dict[str, Any] = dict.fromkeys(CASE_KEYS)
    m = CASE_NUMBER.search(header) or CASE_NUMBER.search(text)
    if m:
        case["case_number"] = m.group(1).upper()
    for key, rx in HEADER_DATES.items():
        dm = rx.search(header)
        if dm:
            case[key] = normalise_date(dm.group(1))
    for key, rx in NOTICE_DATES.items():
        dm = rx.search(text, 0, 6000) if case[key] is None else None
        if dm:
            case[key] = normalise_date(dm.group(1))
    pm = PRIORITY.search(header)
    if pm:
        case["priority"] = pm.group(1).capitalize()
    am = AGE_SEX.search(summary)
    if am:
        age = int(am.group(1))
        case["patient_age"] = age if 0 < age < 120 else None
        if am.group(2):
            case["patient_sex"] = SEX_WORDS[am.group(2).lower()]
    if case["date_of_injury"] is None:
        im = INJURY_DATE.search(summary)
        if im:
            case["date_of_injury"] = normalise_date(next(g for g in im.groups() if g))
    case["reviewer_specialty"] = _first(SPECIALTY, reviewer)
    case["reviewer_licensure"] = _first(LICENSURE, reviewer)
    # dicts keep first-seen order and make the de-duplication O(1) per span
    diagnoses = dict.fromkeys(t for t in (collapse(m.text) for m in idx.of("DIAGNOSIS")) if t)
    rationales = sorted(item_rationales)
    rat_starts = [r[0] for r in rationales]
    findings: dict[str, None] = {}
    for mention in idx.of("CLINICAL_FINDING"):
        k = bisect.bisect_right(rat_starts, mention.start) - 1
        if k >= 0 and rationales[k][0] <= mention.start < rationales[k][1]:
            continue
        t = collapse(mention.text)
        if t:
            findings.setdefault(t)
    case["diagnoses"] = list(diagnoses)
    case["findings"] = list(findings)
    return case


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
        has_rat = any(lab == "rationale" for _, _, lab in v.parts)
        others_have = any(lab == "rationale" for k in cut if k != last for _, _, lab in views[k].parts)
        if not has_rat and (others_have or mid_sentence):
            return reason or "letter appears truncated: the last item has no rationale", last
        if reason and v.end >= len(body) - 1:
            return reason, last
    return reason, None


def _span_scores(group: Any) -> list[float] | None:
    """spancat's score per span of a group (``attrs["scores"]``), or None when the group has none
    that line up with its spans (rule spans, or a group rebuilt after spancat)."""
    raw = group.attrs.get("scores")
    if raw is None:
        return None
    flat = [float(x) for x in numpy.asarray(raw, dtype=float).reshape(-1)]
    return [round(x, 4) for x in flat] if len(flat) == len(group) else None


def link(
    doc: Doc, rules_only: bool = False, sections_key: str = SECTIONS_KEY, spans_key: str = SPANS_KEY
) -> tuple[list[dict[str, Any]], dict[str, Any], list[str]]:
    """The determinations, case facts and warnings of one Doc (see module docstring)."""
    text = blank_furniture(doc.text)  # same offsets; page footers no longer cut headings and statements
    warnings: list[str] = []
    views, others = item_views(_sections_of(doc, sections_key))
    split_shared_blocks(text, views)
    mentions: list[Mention] = []
    finding_scores: dict[tuple[int, int], float] = {}
    finding_context: dict[tuple[int, int], dict[str, Any]] = {}
    if rules_only:
        mentions.extend(rule_mentions(text, views))
    else:
        # char offsets + a slice of the text: Span.text would rebuild each string token by token
        for e in doc.ents:
            s, t = e.start_char, e.end_char
            mentions.append(Mention(s, t, e.label_, text[s:t]))
    if spans_key in doc.spans and len(doc.spans[spans_key]):
        # token -> char offsets from one array: Span.start_char / end_char build Token objects
        offsets = doc.to_array([IDX, LENGTH]).tolist()
        strings = doc.vocab.strings
        wanted = {strings.add("CLINICAL_FINDING"): "CLINICAL_FINDING", strings.add("DIAGNOSIS"): "DIAGNOSIS"}
        group = doc.spans[spans_key]
        group_scores = _span_scores(group)
        for k, sp in enumerate(group):
            label = wanted.get(sp.label)
            if label is not None and sp.end > sp.start:
                s = offsets[sp.start][0]
                last = offsets[sp.end - 1]
                t = last[0] + last[1]
                mentions.append(Mention(s, t, label, text[s:t]))
                if group_scores is not None and label == "CLINICAL_FINDING":
                    finding_scores[(s, t)] = group_scores[k]
                if label == "CLINICAL_FINDING" and sp._.assertion is not None:
                    finding_context[(s, t)] = {
                        "assertion": sp._.assertion, "type": sp._.finding_type, "value": sp._.value
                    }
    idx = _Index(mentions)
    cut_reason, cut_view = truncation(text, views)
    dets = []
    for k, v in enumerate(views):
        note = None
        if k == cut_view:
            has_rat = any(lab == "rationale" for _, _, lab in v.parts)
            note = (
                "item text ends before its rationale; letter appears truncated"
                if not has_rat
                else "item text ends mid-sentence; letter appears truncated"
            )
        d = _build_item(text, idx, v, rules_only, note, finding_scores, finding_context)
        if d is not None:
            dets.append(d)
    dets = _dedupe(_merge_statements(dets))
    if not dets and not views and not rules_only:
        dets = _fallback_items(text, idx, others)
    if not dets:
        if IMR_MARKERS.search(text):
            warnings.append("no disputed items found")
        else:
            warnings.append("not an IMR determination letter")
    if cut_reason:
        warnings.append(cut_reason)
    rationales = [(s, e) for v in views for s, e, lab in v.parts if lab == "rationale"]
    case = case_facts(text, others, idx, rationales)
    out = []
    for n, d in enumerate(dets, start=1):
        record = {"item": n, **{k: v for k, v in d.items() if not k.startswith("_")}}
        out.append(record)
        warnings.extend(f"item {n}: {w}" for w in d["warnings"])
    return out, case, warnings


class DeterminationLinker:
    """Writes ``doc._.determinations``, ``doc._.case`` and ``doc._.warnings`` (plain JSON values)."""

    def __init__(
        self,
        nlp: Language,
        name: str = "imr_determination_linker",
        rules_only: bool = False,
        sections_key: str = SECTIONS_KEY,
        spans_key: str = SPANS_KEY,
        sync_ents: bool = True,
        keep_tensor: bool = False,
        check_mentions: bool = True,
    ) -> None:
        self.name = name
        self.rules_only = rules_only
        self.sections_key = sections_key
        self.spans_key = spans_key
        self.sync_ents = sync_ents
        self.keep_tensor = keep_tensor
        self.check_mentions = check_mentions

    def __call__(self, doc: Doc) -> Doc:
        try:
            dets, case, warnings = link(doc, self.rules_only, self.sections_key, self.spans_key)
            if self.sync_ents and not self.rules_only:
                sync_service_ents(doc, dets, self.check_mentions)
        except Exception as exc:  # a bad letter must not stop a batch; the record says what happened
            dets, case, warnings = [], {}, [f"linker failed: {type(exc).__name__}: {exc}"]
        doc._.determinations = dets
        doc._.case = case
        doc._.warnings = warnings
        if not self.keep_tensor:
            # tok2vec's tensor is two thirds of a serialised Doc and nothing after the linker reads
            # it; dropping it is what lets nlp.pipe(n_process=2) reach ~1.7x (docs/design.md)
            doc.tensor = numpy.zeros((0,), dtype="float32")
        return doc


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
            ents = _check_service_mentions(doc, ents, items, portions)
    doc.ents = sorted(ents, key=lambda e: e.start)


def _check_service_mentions(doc: Doc, ents: list, items: list[str], portions: list[str]) -> list:
    """Trim request wrappers and verb clauses, split list mentions, drop mentions naming no item or
    a partial certification's other parts, widen clipped ones, add missed restatements (mentions.py)."""
    text = doc.text
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
    kept += find_restatements(doc, occurrences, kept, "DISPUTED_SERVICE")
    kept += find_request_mentions(doc, items, kept, "DISPUTED_SERVICE")
    # a trimmed or widened mention can now be the subject of "... was the original request"
    return [
        e for e in kept if e.label_ != "DISPUTED_SERVICE" or not PORTION_PREDICATE.match(text, e.end_char)
    ]


@Language.factory(
    "imr_determination_linker",
    assigns=["doc._.determinations", "doc._.case", "doc._.warnings"],
    default_config={
        "rules_only": False,
        "sections_key": SECTIONS_KEY,
        "spans_key": SPANS_KEY,
        "sync_ents": True,
        "keep_tensor": False,
        "check_mentions": True,
    },
)
def make_linker(
    nlp: Language,
    name: str,
    rules_only: bool,
    sections_key: str,
    spans_key: str,
    sync_ents: bool,
    keep_tensor: bool,
    check_mentions: bool,
) -> DeterminationLinker:
    return DeterminationLinker(
        nlp, name, rules_only, sections_key, spans_key, sync_ents, keep_tensor, check_mentions
    )
