"""Rule-based pre-annotation and record drafts for the gold annotation workflow.

The rules only give a human (or AI) annotator a starting point: item headings, guideline
citations, pages, verdict phrases, request statements and a few finding/diagnosis patterns.
Everything they propose is read and corrected by hand (corpus/ANNOTATION.md), so they favour
clear regexes over recall. Spans are snapped to tokens so the markup always imports cleanly.
"""

from __future__ import annotations

import re
from typing import Any

from spacy.language import Language

from .labels import NER_LABELS
from .layout import VERDICT_PHRASE
from .normalise import collapse, normalise_guideline

ISSUES_RE = re.compile(r"IMR ISSUES,\s*DECISIONS\s*AND\s*RATIONALES")
SUMMARY_RE = re.compile(r"CLINICAL CASE SUMMARY")
HEADING_DECISION_RE = re.compile(r":[ \t]*\n?[ \t]*\n?[ \t]*(Upheld|Overturned)")
REMAINING_RE = re.compile(
    r"The\s+remaining\s+IMR\s+eligible\s+portion\s+of\s+the\s+original\s+request,\s+(.+?)(?:\s+is:|\.\s|\.$)",
    re.S,
)
ORIGINAL_RE = re.compile(r"([^.]+?)\s+was\s+the\s+original\s+request\.\s+(.+?)\s+was\s+authorized\s+by", re.S)
GUIDELINE_LINE_RE = re.compile(r"(Claims Administrator|MAXIMUS) guideline:")
BASED_ON_RE = re.compile(
    r"Decision\s+based\s+on\s+(?:Non-MTUS\s+Citation\s+)?(.+?)"
    r"(?=,\s*Section\(s\)|\s*Page\(s\)|,\s*pages?\s|\.\s|\.$|\s*Section\(s\):|\s+Decision\s+based)",
    re.S,
)
PAGES_RE = re.compile(r"(?:Page\(s\):|pages?|pg\.|p\.)\s*(\d+(?:\s*[-,;]\s*\d+)*)")
SECTION_RE = re.compile(r"Section\(s\):\s*(.+?)(?=\.\s*(?:Decision|MAXIMUS|Claims|$)|\.\s*\n|\.$)", re.S)
VERDICT_RE = re.compile(
    r"\b(?:is|are|was|were)\s+(" + VERDICT_PHRASE + ")", re.I
)
SUBJECT_RE = re.compile(
    r"^(?:(?:Therefore|Thus|Hence|Consequently|As such|Accordingly),?\s+)?(?:the\s+)?"
    r"(?:(?:use|request(?:s)?|requested)\s+(?:of\s+|for\s+)?)?(?:the\s+)?(.+?)\s*$",
    re.I | re.S,
)
GENERIC_SUBJECTS = {
    "request",
    "requests",
    "treatment",
    "it",
    "this",
    "this request",
    "same",
    "service",
    "item",
}
# subjects that are not a named item: generic "the request ...", or a clause opener ("As ...", "Based on ...")
NOT_SUBJECT_RE = re.compile(r"\brequest|^(?:as|based|since|if|because|when|given)\b", re.I)
# heading category prefix ("... service:") left outside the service span
HEADING_PREFIX_RE = re.compile(r"\s*[A-Z][A-Za-z ]{0,40}\bservice:\s*")
REQUEST_RES = [
    re.compile(r"Request\(s\)\s+under\s+consideration\s+include\s+(.+?)\.(?:\s|$)", re.S),
    re.compile(r"(?:denied|non-?certified|modified)\s+(?:a|the)\s+request\s+for\s+(.+?)\.(?:\s|$)", re.S),
    re.compile(r"requested\s+for\s+(.+?)\.(?:\s|$)", re.S),
]
DIAGNOSIS_LIST_RES = [
    re.compile(r"Diagnos(?:es|is)\s+(?:included?|includes|were|was|are|is)?:?\s*(.+?)\.(?:\s|$)", re.S),
    re.compile(r"(?:undergoing\s+treatment\s+for|diagnosed\s+with)\s+(.+?)\.(?:\s|$)", re.S),
]
FINDING_RES = [
    re.compile(
        r"\b[Pp]ain\s+(?:is\s+|was\s+)?rated\s+(?:at\s+|as\s+)?\d+(?:-\d+)?\s*(?:/\s*10|out\s+of\s+10)"
        r"(?:\s+(?:with|without)\s+medications?)?"
    ),
    re.compile(r"\b(?:positive|negative)\s+(?:[A-Za-z'-]+\s+){0,3}?(?:test|sign|raise|maneuver)s?\b"),
    re.compile(
        r"\bstraight\s+leg\s+rais(?:e|ing)(?:\s+test)?\s+(?:was\s+|is\s+|were\s+)?(?:positive|negative)"
        r"(?:\s+(?:bilaterally|on\s+the\s+(?:left|right)))?"
    ),
    re.compile(
        r"\btenderness\s+(?:to|on|with)\s+palpation(?:\s+(?:over|of|at|in|to)\s+(?:the\s+)?"
        r"[a-z -]+?)?(?=[,.;]|\s+and\s|\s+with\s)"
    ),
    re.compile(
        r"\b(?:decreased|limited|restricted|reduced|full)\s+(?:active\s+)?range\s+of\s+motion"
        r"(?:\s+(?:of|in|on)\s+(?:the\s+)?[a-z -]+?)?(?=[,.;]|\s+and\s|\s+with\s)"
    ),
    re.compile(
        r"\bdecreased\s+sensation(?:\s+(?:in|over|of|to)\s+(?:the\s+)?[a-z0-9 -]+?)?(?=[,.;]|\s+and\s)"
    ),
    re.compile(r"\b(?:muscle\s+)?spasms?\s+(?:in|of|over)\s+(?:the\s+)?[a-z -]+?(?=[,.;]|\s+and\s)"),
]


def _section_bounds(text: str) -> tuple[int, int]:
    """(start of case summary, start of the issues section); whole text when headings are missing."""
    m = SUMMARY_RE.search(text)
    s = m.end() if m else 0
    m2 = ISSUES_RE.search(text)
    return s, (m2.start() if m2 else len(text))


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) past whitespace and edge punctuation (matched brackets kept)."""
    strip = " \t\n\f.,;:\"'"
    while start < end and text[start] in strip:
        start += 1
    while end > start and text[end - 1] in strip:
        end -= 1
    frag = text[start:end]
    if frag.endswith(")") and frag.count("(") < frag.count(")"):
        end -= 1
    if frag.startswith("(") and frag.count("(") > frag.count(")"):
        start += 1
    while start < end and text[start] in strip:
        start += 1
    while end > start and text[end - 1] in strip:
        end -= 1
    return start, end


class _Spans:
    """Collects proposals, snapping each to token boundaries and refusing NER overlaps."""

    def __init__(self, nlp: Language, text: str) -> None:
        self.text = text
        self.doc = nlp.make_doc(text)
        self.spans: list[dict[str, Any]] = []

    def add(self, start: int, end: int, label: str) -> bool:
        start, end = _trim(self.text, start, end)
        if end <= start:
            return False
        span = self.doc.char_span(start, end, label=label, alignment_mode="contract")
        if span is None or not span.text.strip():
            return False
        start, end = _trim(self.text, span.start_char, span.end_char)
        if self.doc.char_span(start, end) is None or end <= start:
            return False
        for s in self.spans:
            if s["start"] == start and s["end"] == end and s["label"] == label:
                return False
            if label in NER_LABELS and s["label"] in NER_LABELS and start < s["end"] and s["start"] < end:
                return False
        self.spans.append({"start": start, "end": end, "label": label})
        return True


def _split_items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split a list 'a, b and c' / 'a; b' into item offsets."""
    out = []
    pos = start
    for m in re.finditer(
        r";\s*(?:and\s+)?|,(?!\s*[0-9])\s*(?:and\s+)?|\s+and\s+(?![\s0-9])", text[start:end]
    ):
        out.append((pos, start + m.start()))
        pos = start + m.end()
    out.append((pos, end))
    return [(a, b) for a, b in out if b > a]


def heading_services(text: str) -> list[dict[str, Any]]:
    """Each item heading: service offsets, decision offsets, and partial-certification parts."""
    _, issues = _section_bounds(text)
    out = []
    prev_end = issues
    m0 = re.search(r"set forth below:", text[issues:])
    if m0:
        prev_end = issues + m0.end()
    for m in HEADING_DECISION_RE.finditer(text, issues):
        dstart, dend = m.start(1), m.end(1)
        colon = m.start()
        block = text[prev_end:colon]
        item: dict[str, Any] = {"decision": (dstart, dend), "colon": colon}
        rem = REMAINING_RE.search(text[prev_end : colon + 1])
        if rem and "original request" in block:
            item["service"] = (prev_end + rem.start(1), prev_end + rem.end(1))
            org = ORIGINAL_RE.search(block)
            if org:
                item["original_request"] = collapse(org.group(1).split(". ")[-1])
                item["authorized"] = collapse(org.group(2))
        else:
            # heading = from the last line ending in '.' or ':' (end of the previous block) to the colon
            ends = list(re.finditer(r"[.:][ \t]*\n", block))
            lines_start = prev_end + (ends[-1].end() if ends else 0)
            pm = HEADING_PREFIX_RE.match(text, lines_start, colon)
            item["service"] = (pm.end() if pm else lines_start, colon)
        out.append(item)
        prev_end = dend
    return out


def preannotate(nlp: Language, text: str) -> list[dict[str, Any]]:
    """Proposed spans (dicts with start/end/label) for one letter's canonical text."""
    acc = _Spans(nlp, text)
    summary_start, issues = _section_bounds(text)
    items = heading_services(text)
    for it in items:
        acc.add(*it["service"], "DISPUTED_SERVICE")
        acc.add(*it["decision"], "DECISION")
    # partial certification copy in the case summary
    for m in REMAINING_RE.finditer(text, summary_start, issues):
        acc.add(m.start(1), m.end(1), "DISPUTED_SERVICE")
    for rx in REQUEST_RES:
        for m in rx.finditer(text, summary_start, issues):
            body = text[m.start(1) : m.end(1)]
            if "original request" in body:
                continue
            for a, b in (
                _split_items(text, m.start(1), m.end(1))
                if " and " in body and len(body) > 60
                else [(m.start(1), m.end(1))]
            ):
                acc.add(a, b, "DISPUTED_SERVICE")
    # guideline citations
    for m in GUIDELINE_LINE_RE.finditer(text, issues):
        block_end = text.find("guideline:", m.end())
        rat = text.find("Decision rationale:", m.end())
        ends = [x for x in (block_end, rat) if x != -1]
        end = min(ends) if ends else len(text)
        if block_end != -1 and block_end == end:
            end = text.rfind("\n", m.end(), end) if text.rfind("\n", m.end(), end) != -1 else end
        for g in BASED_ON_RE.finditer(text, m.end(), end):
            acc.add(g.start(1), g.end(1), "GUIDELINE")
        for p in PAGES_RE.finditer(text, m.end(), end):
            acc.add(p.start(1), p.end(1), "PAGE_RANGE")
    # verdict phrases and their subjects in the rationales
    for m in VERDICT_RE.finditer(text, issues):
        acc.add(m.start(1), m.end(1), "DECISION")
        sent_start = max(
            text.rfind(". ", issues, m.start()),
            text.rfind(".\n", issues, m.start()),
            text.rfind("rationale:", issues, m.start()),
        )
        sent_start = sent_start + 2 if sent_start != -1 else issues
        if text[sent_start - 2 : sent_start] == "n:":
            sent_start += len("rationale:") - 2
        cut = list(
            re.finditer(r"\b(?:therefore|thus|hence|consequently),?\s+", text[sent_start : m.start()], re.I)
        )
        if cut:
            sent_start += cut[-1].end()
        while sent_start < m.start() and text[sent_start].isspace():
            sent_start += 1
        subj = text[sent_start : m.start()]
        sm = SUBJECT_RE.match(subj)
        if (
            sm
            and collapse(sm.group(1)).lower() not in GENERIC_SUBJECTS
            and not NOT_SUBJECT_RE.search(sm.group(1))
            and len(sm.group(1)) < 200
        ):
            acc.add(sent_start + sm.start(1), sent_start + sm.end(1), "DISPUTED_SERVICE")
    # the heading's service text wherever it recurs verbatim (request statements, restatements)
    for it in items:
        words = collapse(text[slice(*it["service"])]).split(" ")
        if len(words) < 2:
            continue
        pat = re.compile(r"\s+".join(re.escape(w) for w in words), re.I)
        for m in pat.finditer(text, summary_start):
            acc.add(m.start(), m.end(), "DISPUTED_SERVICE")
    # diagnoses and findings
    for rx in DIAGNOSIS_LIST_RES:
        for m in rx.finditer(text, summary_start, issues):
            for a, b in _split_items(text, m.start(1), m.end(1)):
                if b - a < 80:
                    acc.add(a, b, "DIAGNOSIS")
    for rx in FINDING_RES:
        for m in rx.finditer(text, summary_start):
            acc.add(m.start(), m.end(), "CLINICAL_FINDING")
    return sorted(acc.spans, key=lambda s: (s["start"], -s["end"], s["label"]))


# ---------------------------------------------------------------- record drafts


def _parse_pages(s: str) -> list[list[int]]:
    out: list[list[int]] = []
    for part in re.split(r"[,;]", s):
        nums = [int(x) for x in re.findall(r"\d+", part)]
        if len(nums) == 1:
            out.append([nums[0], nums[0]])
        elif len(nums) >= 2:
            out.append([min(nums[0], nums[1]), max(nums[0], nums[1])])
    return out


def guideline_id(text: str) -> str:
    """The normalised guideline id of a citation ("MTUS/CPMTG", "ODG/Low Back", "OTHER")."""
    return str(normalise_guideline(text)["id"])


def _item_blocks(text: str, spans: list[dict[str, Any]]) -> list[tuple[dict[str, Any], int, int]]:
    """(heading DECISION span, end of the item's block, start of its "Decision rationale:" or -1)
    per item, from the gold spans."""
    heads = [
        s
        for s in spans
        if s["label"] == "DECISION" and text[s["start"] : s["end"]].lower() in ("upheld", "overturned")
    ]
    blocks = []
    for k, h in enumerate(heads):
        block_end = heads[k + 1]["start"] if k + 1 < len(heads) else len(text)
        if k + 1 < len(heads):
            nxt = [s for s in spans if s["label"] == "DISPUTED_SERVICE" and s["end"] <= heads[k + 1]["start"]]
            if nxt:
                block_end = nxt[-1]["start"]
        blocks.append((h, block_end, text.find("Decision rationale:", h["end"], block_end)))
    return blocks


def rationale_findings(text: str, spans: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Per item, the CLINICAL_FINDING spans of its decision rationale (ANNOTATION.md section 8:
    a record's findings are the ones its decision relies on, not the case summary's), first
    occurrence of each text only. A block without a "Decision rationale:" label gives none."""
    spans = sorted(spans, key=lambda s: (s["start"], s["end"]))
    return _block_findings(text, spans, _item_blocks(text, spans))


def _block_findings(
    text: str, spans: list[dict[str, Any]], blocks: list[tuple[dict[str, Any], int, int]]
) -> list[list[dict[str, Any]]]:
    out = []
    for _head, block_end, rationale in blocks:
        seen: set[str] = set()
        found = []
        for s in spans:
            if s["label"] != "CLINICAL_FINDING" or rationale == -1 or not rationale < s["start"] < block_end:
                continue
            key = collapse(text[s["start"] : s["end"]])
            if key not in seen:
                seen.add(key)
                found.append(s)
        out.append(found)
    return out


def draft_records(text: str, spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records proposed from gold spans: items from heading decisions, guidelines/pages per item block."""
    spans = sorted(spans, key=lambda s: (s["start"], s["end"]))
    partial = {it["decision"]: it for it in heading_services(text)}
    blocks = _item_blocks(text, spans)
    findings_per_item = _block_findings(text, spans, blocks)
    records = []
    for (h, block_end, rationale), finding_spans in zip(blocks, findings_per_item, strict=True):
        services = [s for s in spans if s["label"] == "DISPUTED_SERVICE" and s["end"] <= h["start"]]
        service = collapse(text[services[-1]["start"] : services[-1]["end"]]) if services else ""
        guidelines: list[dict[str, Any]] = []
        block_spans = [s for s in spans if h["end"] <= s["start"] < block_end]
        for s in block_spans:
            if s["label"] == "GUIDELINE":
                line_start = text.rfind("guideline:", h["end"], s["start"])
                if rationale != -1 and s["start"] > rationale:
                    cited_by = "rationale"
                elif line_start != -1 and "MAXIMUS" in text[max(0, line_start - 30) : line_start]:
                    cited_by = "reviewer"
                else:
                    cited_by = "claims_administrator"
                g: dict[str, Any] = {
                    "text": collapse(text[s["start"] : s["end"]]),
                    "id": guideline_id(text[s["start"] : s["end"]]),
                    "cited_by": cited_by,
                    "pages": [],
                }
                sec = SECTION_RE.match(text, s["end"] + (2 if text[s["end"] : s["end"] + 1] == "," else 0))
                if sec and cited_by != "rationale":
                    g["section"] = collapse(sec.group(1))
                guidelines.append(g)
            elif s["label"] == "PAGE_RANGE" and guidelines:
                for p in _parse_pages(text[s["start"] : s["end"]]):
                    if p not in guidelines[-1]["pages"]:
                        guidelines[-1]["pages"].append(p)
        rec: dict[str, Any] = {
            "service": service,
            "decision": text[h["start"] : h["end"]].upper(),
            "guidelines": guidelines,
            "findings": [collapse(text[s["start"] : s["end"]]) for s in finding_spans],
        }
        it = partial.get((h["start"], h["end"]))
        if it and "original_request" in it:
            rec["original_request"] = it["original_request"]
            rec["authorized"] = it["authorized"]
        records.append(rec)
    return records
