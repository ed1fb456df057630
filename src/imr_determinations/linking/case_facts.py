"""Case facts of a letter: case number, ISO dates, priority, patient age and sex, the reviewer's
specialty and licensure, and the diagnoses and findings named outside the item rationales."""

from __future__ import annotations

import bisect
import re
from typing import Any

from ..normalise import DATE_PATTERN, collapse, normalise_date
from ..records import CASE_KEYS
from ..sections import Section
from .spans import MentionIndex

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


def _first(patterns: list[re.Pattern[str]], text: str) -> str | None:
    """Group 1 of the first pattern that matches with a non-empty value."""
    for p in patterns:
        m = p.search(text)
        if m:
            value = collapse(m.group(1)).strip(" .,;")
            if value:
                return value
    return None


def case_facts(
    text: str, others: list[Section], idx: MentionIndex, item_rationales: list[tuple[int, int]]
) -> dict[str, Any]:
    """Every ``CASE_KEYS`` field (None where the letter does not state it)."""
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
    _dates(case, text, header)
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
    case["diagnoses"], case["findings"] = _diagnoses_and_findings(idx, item_rationales)
    return case


def _dates(case: dict[str, Any], text: str, header: str) -> None:
    """The header's labelled dates, else the 2013 notice's first sentence."""
    for key, rx in HEADER_DATES.items():
        dm = rx.search(header)
        if dm:
            case[key] = normalise_date(dm.group(1))
    for key, rx in NOTICE_DATES.items():
        dm = rx.search(text, 0, 6000) if case[key] is None else None
        if dm:
            case[key] = normalise_date(dm.group(1))


def _diagnoses_and_findings(
    idx: MentionIndex, item_rationales: list[tuple[int, int]]
) -> tuple[list[str], list[str]]:
    """Distinct DIAGNOSIS texts, and CLINICAL_FINDING texts outside every item rationale (those
    belong to their item)."""
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
    return list(diagnoses), list(findings)
