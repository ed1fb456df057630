"""One determination per item: its service, decision, guidelines, findings and rationale, read from
the item's structure and the mentions inside it, with each repair from the layout warned about;
then the 2013 notice's statements merged with their discussions, and repeats dropped."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace
from typing import Any

from ..layout import HEADING_DECISION, PARTIAL, VERDICT_IN_RATIONALE
from ..normalise import collapse, normalise_decision, normalise_service, service_key, token_overlap
from ..sections import Section
from .guidelines import GuidelineCitation, item_guidelines
from .headings import heading_decision, heading_service, is_question
from .items import ItemView
from .patterns import NEGATED_BEFORE, SUBPART_LABEL
from .spans import (
    Mention,
    MentionIndex,
    clean_service,
    drop_furniture,
    last_match,
    match_mention,
    strip_lead_in,
)

Range = tuple[int, int]


@dataclass(frozen=True)
class Verdict:
    """A decision as read from one mention: UPHELD / OVERTURNED, the text that states it, where."""

    decision: str
    medically_necessary: bool
    text: str
    span: Range


@dataclass(frozen=True)
class FindingContext:
    """A clinical finding's assertion, type and value (``imr_finding_context``; None when it did not run)."""

    assertion: Any = None
    type: Any = None
    value: Any = None


@dataclass(frozen=True)
class FindingDetail:
    """A finding of the rationale with its offsets and spancat score, so weak ones can be filtered."""

    text: str
    start: int
    end: int
    score: float | None
    context: FindingContext

    def to_dict(self) -> dict[str, Any]:
        c = self.context
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "score": self.score,
            "assertion": c.assertion,
            "type": c.type,
            "value": c.value,
        }


@dataclass
class Determination:
    """One disputed item; ``to_dict`` is its record (``kind``, ``number`` and ``start`` stay internal)."""

    service: str
    service_span: Range
    verdict: Verdict | None
    decision_span: Range | None
    warnings: list[str]
    kind: str  # how its item section was found (sections.py), "span" when there was none
    number: str  # the item number the letter gives it, or ""
    start: int  # text order of the items
    original_request: str | None = None
    authorized: str | None = None
    guidelines: tuple[GuidelineCitation, ...] = ()
    findings: tuple[str, ...] = ()
    finding_details: tuple[FindingDetail, ...] = ()
    rationale: str | None = None

    @property
    def decision(self) -> str | None:
        return self.verdict.decision if self.verdict else None

    def to_dict(self, item: int) -> dict[str, Any]:
        v = self.verdict
        return {
            "item": item,
            "service": self.service,
            "service_normalised": normalise_service(self.service),
            "original_request": self.original_request,
            "authorized": self.authorized,
            "decision": v.decision if v else None,
            "decision_text": collapse(v.text) if v else None,
            "medically_necessary": v.medically_necessary if v else None,
            "guidelines": [g.to_dict() for g in self.guidelines],
            "findings": list(self.findings),
            "finding_details": [f.to_dict() for f in self.finding_details],
            "rationale": self.rationale,
            "spans": {
                "service": list(self.service_span),
                "decision": list(self.decision_span) if self.decision_span else None,
            },
            "warnings": list(self.warnings),
        }


def verdict_of(mentions: list[Mention], text: str = "") -> Verdict | None:
    """The first mention that states a verdict. A positive verdict phrase whose negation sits just
    before the span ("cannot be deemed | medically necessary") is read as negative."""
    for m in mentions:
        d = normalise_decision(m.text)
        if d:
            verdict = Verdict(d["decision"], d["medically_necessary"], d["text"], (m.start, m.end))
            if (
                verdict.decision == "OVERTURNED"
                and text
                and NEGATED_BEFORE.search(text, max(0, m.start - 40), m.start)
            ):
                verdict = replace(verdict, decision="UPHELD", medically_necessary=False)
            return verdict
    return None


def _choose_service(
    text: str, idx: MentionIndex, it: ItemView, rules_only: bool, warnings: list[str]
) -> Range | None:
    """The item's service range. A heading with clear structure (partial certification, "Regarding
    the request for", verdict statement, ": Upheld") defines the service; a predicted span there
    only confirms it. Otherwise the first predicted span of the heading, else the heading text."""
    if it.heading is None:
        return None
    hs, he = it.heading
    services = idx.within(hs, he, "DISPUTED_SERVICE")
    struct, how = heading_service(text, hs, he)
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


def _item_service(
    text: str, idx: MentionIndex, it: ItemView, rules_only: bool, warnings: list[str]
) -> tuple[str, Range] | None:
    """The service and its range; without a heading the rationale's closing restatement names it."""
    svc = _choose_service(text, idx, it, rules_only, warnings)
    if svc is None:
        for s, e in it.rationales():
            found = idx.within(s, e, "DISPUTED_SERVICE")
            if found:
                svc = (found[-1].start, found[-1].end)
    if svc is None:
        return None
    svc = strip_lead_in(text, *svc)
    service = clean_service(text[svc[0] : svc[1]])
    return (service, svc) if service else None


def _item_verdict(
    text: str, idx: MentionIndex, it: ItemView, rules_only: bool, warnings: list[str]
) -> Verdict | None:
    """The heading's decision, else the rationale's last; a missing DECISION span is repaired from
    the heading word or the rationale's verdict phrase, and a contradiction is warned about."""
    hs, he = it.heading or (it.start, it.start)
    # a question ("Is X medically necessary?") states no decision; the rationale does
    asked = bool(it.heading) and is_question(text, hs, he)
    head = None if asked else verdict_of(idx.within(hs, he, "DECISION"), text)
    in_rationale = [
        v
        for s, e in it.rationales()
        for v in (verdict_of([m], text) for m in idx.within(s, e, "DECISION"))
        if v
    ]
    if head is None and not rules_only and it.heading and not asked:
        written = heading_decision(text, hs, he)
        head = verdict_of([written], text) if written else None
        if head:
            warnings.append(
                f"no DECISION span in the item heading; heading text used ('{collapse(written.text)}')"
            )
    if head is None and not in_rationale and not rules_only:
        last = None
        for s, e in it.rationales():
            last = last_match(VERDICT_IN_RATIONALE, text, s, e) or last
        found = last and verdict_of([match_mention(last, "phrase", "DECISION")], text)
        if found:
            in_rationale = [found]
            warnings.append("no DECISION span; the rationale's verdict phrase used")
    if head:
        clash = [v for v in in_rationale if v.decision != head.decision]
        if clash:
            warnings.append(
                f"contradictory decisions: heading '{collapse(head.text)}' vs rationale "
                f"'{collapse(clash[0].text)}'; heading decision kept"
            )
    elif len({v.decision for v in in_rationale}) > 1:
        warnings.append("contradictory decisions: rationale states both; last statement kept")
    verdict = head or (in_rationale[-1] if in_rationale else None)
    if verdict is None:
        warnings.append("no decision found for item")
    return verdict


def _item_findings(
    idx: MentionIndex,
    it: ItemView,
    scores: dict[Range, float],
    context: dict[Range, FindingContext],
) -> tuple[list[str], list[FindingDetail]]:
    """The distinct CLINICAL_FINDING texts of the rationale, with offsets, score and context."""
    findings: dict[str, None] = {}  # first-seen order, O(1) de-duplication
    details: list[FindingDetail] = []
    for s, e in it.rationales():
        for m in idx.within(s, e, "CLINICAL_FINDING"):
            t = collapse(m.text)
            if t and t not in findings:
                findings[t] = None
                key = (m.start, m.end)
                details.append(
                    FindingDetail(t, m.start, m.end, scores.get(key), context.get(key) or FindingContext())
                )
    return list(findings), details


def _rationale_text(text: str, it: ItemView) -> str | None:
    """The first rationale part without its label, as one line."""
    parts = it.rationales()
    if not parts:
        return None
    s, e = parts[0]
    lab = SUBPART_LABEL.match(text, s, min(e, s + 200))
    if lab and re.search(r"[.!?]\s", text[s : lab.end()]):
        lab = None  # a sentence, not a label (a rationale cut out of a shared block)
    return drop_furniture(text[lab.end() if lab else s : e]) or None


def _portions(text: str, it: ItemView) -> tuple[str | None, str | None]:
    """(original request, authorized part) of a partial certification's heading."""
    if not it.heading:
        return None, None
    partial = PARTIAL.match(collapse(HEADING_DECISION.sub("", text[it.heading[0] : it.heading[1]])))
    if not partial:
        return None, None
    authorized = partial.group("auth1") or partial.group("auth2") or ""
    return collapse(partial.group("original")), collapse(authorized) or None


def build_item(
    text: str,
    idx: MentionIndex,
    it: ItemView,
    rules_only: bool,
    truncated: str | None = None,
    scores: dict[Range, float] | None = None,
    context: dict[Range, FindingContext] | None = None,
) -> Determination | None:
    """One determination from an item section; ``truncated`` = why this item looks cut off;
    ``scores`` = spancat's score per (start, end) of a CLINICAL_FINDING (none for rule spans);
    ``context`` = its assertion, type and value (imr_finding_context; none when it did not run)."""
    warnings: list[str] = []
    found = _item_service(text, idx, it, rules_only, warnings)
    if found is None:
        return None
    service, svc = found
    verdict = _item_verdict(text, idx, it, rules_only, warnings)
    if truncated:
        warnings.append(truncated)
    findings, details = _item_findings(idx, it, scores or {}, context or {})
    original, authorized = _portions(text, it)
    return Determination(
        service=service,
        service_span=svc,
        verdict=verdict,
        decision_span=verdict.span if verdict else None,
        warnings=warnings,
        kind=it.kind,
        number=it.number,
        start=it.start,
        original_request=original,
        authorized=authorized,
        guidelines=tuple(item_guidelines(text, idx, it)),
        findings=tuple(findings),
        finding_details=tuple(details),
        rationale=_rationale_text(text, it),
    )


def merge_statements(dets: list[Determination]) -> list[Determination]:
    """2013 notices state each decision once up front ("1) ... the request for X is not medically
    necessary") and discuss it later ("1) Regarding the request for X:"): one item, not two."""
    statements = [d for d in dets if d.kind == "statement"]
    if not statements:
        return dets
    merged: list[Determination] = []
    used: set[int] = set()
    for d in dets:
        if d.kind == "statement":
            continue
        match = next(
            (
                k
                for k, s in enumerate(statements)
                if k not in used
                and ((d.number and d.number == s.number) or token_overlap(d.service, s.service) >= 0.8)
            ),
            None,
        )
        if match is not None:
            used.add(match)
            d = _with_statement(d, statements[match])
        merged.append(d)
    merged.extend(s for k, s in enumerate(statements) if k not in used)
    return sorted(merged, key=lambda d: d.start)


def _with_statement(d: Determination, s: Determination) -> Determination:
    """The discussed item at the statement's place, with the statement's decision when it has one."""
    merged = replace(d, start=s.start)
    if s.verdict is not None:
        merged.verdict, merged.decision_span = s.verdict, s.decision_span
        merged.warnings = [w for w in d.warnings if w != "no decision found for item"]
        if d.decision and d.decision != s.decision:
            merged.warnings.append(
                f"contradictory decisions: statement '{collapse(s.verdict.text)}' vs rationale; "
                "statement kept"
            )
    return merged


def dedupe(dets: list[Determination]) -> list[Determination]:
    """Drop an item whose service and decision repeat an earlier one without adding
    guidelines or rationale."""
    out: list[Determination] = []
    seen: dict[str, Determination] = {}
    for d in dets:
        key = service_key(d.service)
        prev = seen.get(key)
        if prev is not None and prev.decision == d.decision and not d.guidelines and not d.rationale:
            continue
        seen.setdefault(key, d)
        out.append(d)
    return out


def fallback_items(text: str, idx: MentionIndex, others: list[Section]) -> list[Determination]:
    """No item sections (unknown layout): a DISPUTED_SERVICE followed closely by a DECISION outside the
    case summary is an item; repeated services are one item."""
    blocked = [
        (s.start, s.end) for s in others if s.label in ("case_summary", "header", "documents_reviewed")
    ]
    services = idx.of("DISPUTED_SERVICE")
    decisions = idx.of("DECISION")
    dec_starts = [m.start for m in decisions]
    out: list[Determination] = []
    keys: list[str] = []
    for k, m in enumerate(services):
        if any(s <= m.start < e for s, e in blocked):
            continue
        limit = min(m.end + 250, services[k + 1].start if k + 1 < len(services) else len(text))
        j = bisect.bisect_left(dec_starts, m.end)
        if j >= len(decisions) or decisions[j].start >= limit:
            continue
        ss, se = strip_lead_in(text, m.start, m.end)
        service = clean_service(text[ss:se])
        if not service or any(token_overlap(service, key) >= 0.8 for key in keys):
            continue
        keys.append(service)
        dec = decisions[j]
        out.append(
            Determination(
                service=service,
                service_span=(ss, se),
                verdict=verdict_of([dec], text),
                decision_span=(dec.start, dec.end),
                warnings=["item found from spans only (no item section)"],
                kind="span",
                number="",
                start=m.start,
            )
        )
    return out
