"""Missing findings (spaCy component ``imr_missing_findings``): what the reviewer says the records lack.

Denials turn on absences: "there is no documentation of functional improvement", "there was a lack of
objective findings indicative of radiculopathy", "red flags were not noted". Those findings are not in
the letter as observations, so a span model trained on documented findings rarely proposes them. This
component finds them from the cue instead: a not-documented cue (those of ``data/assertion_cues.json``
plus the proposal cues of ``data/missing_findings.json``) opens a scope forward to the end of its
clause (a purpose clause "to warrant ...", "in the records", a sentence end), or a backward cue closes
one that starts at the clause start. Lead words ("documentation of", "that the patient has") are
stripped and coordinated findings split as ``corpus/ANNOTATION.md`` 6a says ("pain relief, improved
symptoms, and objective functional improvement" -> three). Parts that open with treatment history or
paperwork ("failed conservative care", "rationale") are not findings. In the case summary, where the
treating physician's examination is reported, "there was no tenderness" is a documented absence: there a
general negation leads a missing finding only when the records or a purpose are named ("there was no
documentation of ...", "there were no red flags noted on examination to warrant ...").

Each finding becomes a CLINICAL_FINDING span in ``doc.spans[missing_key]`` with ``span._.assertion`` =
``not_documented`` and its type and value; the linker adds them to the records' findings. They are kept
out of ``doc.spans["sc"]``: spancat's gold holds the documented findings only, so its scores keep
meaning what they meant. A proposal that overlaps a finding already in ``sc`` is dropped (that finding's
assertion comes from ``imr_finding_context``). Cues in the sections named by ``skip_sections`` (the
reviewer-credential block) are skipped.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from .assertion import _expand, finding_type, finding_value, load_cues
from .labels import MISSING_KEY, SECTIONS_KEY, SPANS_KEY
from .package_data import data_json

FACTORY = "imr_missing_findings"
LABEL = "CLINICAL_FINDING"
_SPLIT_COMMA = re.compile(r"\s*,\s*(?:(?:and|or|and/or|nor)\s+)?|\s*;\s*")
_SPLIT_WORD = re.compile(r"\s+(?:and/or|and|or|nor)\s+")


class Ranges:
    """Char ranges merged and sorted, so "is this offset covered?" costs a binary search: a hostile text
    with thousands of cues stays linear."""

    def __init__(self, ranges: Iterable[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for s, e in sorted(ranges):
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        self.starts = [s for s, _ in merged]
        self.ends = [e for _, e in merged]

    def covers(self, pos: int) -> bool:
        k = bisect.bisect_right(self.starts, pos) - 1
        return k >= 0 and pos < self.ends[k]

    def overlaps(self, start: int, end: int) -> bool:
        k = bisect.bisect_right(self.ends, start)  # the first range that ends after ``start``
        return k < len(self.starts) and self.starts[k] < end


def _literal_regex(literal: str) -> str:
    """A cue literal as a regex: its words in order, any whitespace between them."""
    forms = {r"\s+".join(re.escape(w) for w in words) for words in _expand(literal)}
    return "(?:" + "|".join(sorted(forms, key=len, reverse=True)) + ")"


def _cue_regex(literals: Iterable[str]) -> re.Pattern[str]:
    parts = sorted({_literal_regex(x) for x in literals}, key=len, reverse=True)
    return re.compile(r"(?<![\w'])(?:" + "|".join(parts) + r")(?![\w'])", re.I)


def _any(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.I)


@cache
def load_rules() -> dict[str, Any]:
    """The compiled rule data (data/missing_findings.json + the not_documented cues of the lexicon)."""
    data = data_json("missing_findings.json")
    lexicon = load_cues()
    forward = [c["literal"] for c in lexicon["cues"]
               if c["category"] == "not_documented" and c["direction"] in ("forward", "bidirectional")]
    # "exam revealed no evidence of X" is a documented absence; "no change" is no cue
    masks = [c["literal"] for c in lexicon["cues"] if c.get("result")] + lexicon["pseudo"]
    words = sorted(data["not_a_finding_start"], key=len, reverse=True)
    return {
        "forward": _cue_regex(forward + data["forward_cues"]),
        "general": _cue_regex(data["general_cues"]),
        "purpose": _any(data["purpose"]),
        "documentation": re.compile(
            r"\s*(?:(?:any|clear|objective|clinical|the|a)\s+)*(?:"
            + "|".join(map(re.escape, lexicon["documentation_words"])) + r")(?![\w'])", re.I),
        "backward": _cue_regex(data["backward_cues"]),
        "mask": _cue_regex(masks),
        "scope_end": _any(data["purpose"] + data["scope_end"]),  # a purpose clause ends a scope too
        "clause_start": _any(data["clause_start"]),
        "lead": re.compile("(?:" + "|".join(f"(?:{p})" for p in data["lead_words"]) + ")", re.I),
        "not_finding": re.compile(r"^(?:" + "|".join(re.escape(w) for w in words) + r")(?![\w'])", re.I),
        "empty": {w.lower() for w in data["empty_words"]},
        "max_chars": int(data["max_chars"]),
        "max_tokens": int(data["max_tokens"]),
    }


def _strip_lead(text: str, start: int, end: int, lead: re.Pattern[str]) -> int:
    """The start after the lead words ("documentation of", "that the patient has") of text[start:end]."""
    while start < end:
        m = lead.match(text, start, end)
        if not m or m.end() == start:
            break
        start = m.end()
    return start


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets without surrounding whitespace, quotes and punctuation."""
    while start < end and (text[start].isspace() or text[start] in "\"',-"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in "\"',-"):
        end -= 1
    return start, end


def split_parts(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The findings of one scope: split at commas and semicolons, then at "and" / "or" when the part
    before it is itself a phrase of two or more words ("acute anxiety or agitation", but "pain or
    functional improvement" shares its head and stays whole)."""
    pieces, cursor = [], start
    for m in _SPLIT_COMMA.finditer(text, start, end):
        pieces.append((cursor, m.start()))
        cursor = m.end()
    pieces.append((cursor, end))
    for s, e in pieces:
        cursor = s
        for m in _SPLIT_WORD.finditer(text, s, e):
            if len(text[cursor : m.start()].split()) >= 2:
                yield cursor, m.start()
                cursor = m.end()
        yield cursor, e


def _keep(text: str, rules: dict[str, Any]) -> bool:
    """A part that names a finding: not treatment history or paperwork, not only function words."""
    words = text.split()
    if not words or len(words) > rules["max_tokens"] or not re.search(r"[A-Za-z]{2}", text):
        return False
    if rules["not_finding"].match(text):
        return False
    return not all(w.lower().strip("\"'") in rules["empty"] for w in words)


class ScopeEnds:
    """Where forward scopes stop. A letter has a few cues: each searches the next ``max_chars`` only. A
    text dense with cues (hostile input) is scanned once instead, so the cost stays linear either way."""

    def __init__(self, text: str, cues: int, rules: dict[str, Any]) -> None:
        self.text, self.rules = text, rules
        dense = cues * rules["max_chars"] > len(text)
        self.ends = [m.start() for m in rules["scope_end"].finditer(text)] if dense else None

    def scope(self, start: int) -> tuple[int, int]:
        limit = min(len(self.text), start + self.rules["max_chars"])
        if self.ends is None:
            m = self.rules["scope_end"].search(self.text, start, limit)
            return start, m.start() if m else limit
        k = bisect.bisect_left(self.ends, start)
        return start, min(self.ends[k], limit) if k < len(self.ends) else limit


def _backward_scope(text: str, end: int, rules: dict[str, Any]) -> tuple[int, int]:
    floor = max(0, end - rules["max_chars"])
    start = floor
    for m in rules["clause_start"].finditer(text, floor, end):
        start = m.end()
    return start, end


def missing_offsets(text: str, rules: dict[str, Any] | None = None, skip: Iterable[tuple[int, int]] = (),
                    examination: Iterable[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Char offsets of the findings the text says are missing, in text order, without duplicates.
    ``skip``: char ranges whose cues are ignored (the reviewer-credential block); ``examination``: char
    ranges that report examinations, where "there was no X" needs the records or a purpose named."""
    rules = rules or load_rules()
    skipped = Ranges([*skip, *(m.span() for m in rules["mask"].finditer(text))])
    reported = Ranges(examination)
    forward = [m for m in rules["forward"].finditer(text) if not skipped.covers(m.start())]
    led = Ranges(m.span() for m in forward)
    general = [m for m in rules["general"].finditer(text)
               if not skipped.covers(m.start()) and not led.overlaps(*m.span())]
    ends = ScopeEnds(text, len(forward) + len(general), rules)
    scopes = [ends.scope(m.end()) for m in forward]
    for m in general:
        s, e = ends.scope(m.end())
        if not reported.covers(m.start()) or (
            rules["documentation"].match(text, s) or rules["purpose"].match(text, e)
        ):
            scopes.append((s, e))
    for m in rules["backward"].finditer(text):
        if not skipped.covers(m.start()):
            scopes.append(_backward_scope(text, m.start(), rules))
    found: set[tuple[int, int]] = set()
    for s, e in scopes:
        s, e = _trim(text, s, e)
        for ps, pe in split_parts(text, _strip_lead(text, s, e, rules["lead"]), e):
            ps, pe = _trim(text, _strip_lead(text, *_trim(text, ps, pe), rules["lead"]), pe)
            if pe <= ps:
                continue
            if not _keep(text[ps:pe], rules):
                break  # what is coordinated with treatment history or paperwork is not a finding either
            found.add((ps, pe))
    # a proposal inside a longer one (two cues over the same clause) gives way to it; sorted by start,
    # longest first, a proposal is inside an earlier one exactly when it ends before the furthest end yet
    kept: list[tuple[int, int]] = []
    furthest = -1
    for s, e in sorted(found, key=lambda o: (o[0], -o[1])):
        if e > furthest:
            kept.append((s, e))
            furthest = e
    return kept


class MissingFindings:
    """Writes the not-documented findings of a Doc to ``doc.spans[missing_key]``."""

    def __init__(
        self,
        nlp: Language,
        name: str = FACTORY,
        spans_key: str = SPANS_KEY,
        missing_key: str = MISSING_KEY,
        skip_sections: Iterable[str] = ("reviewer",),
        sections_key: str = SECTIONS_KEY,
        examination_sections: Iterable[str] = ("case_summary",),
    ) -> None:
        self.name = name
        self.spans_key = spans_key
        self.missing_key = missing_key
        self.skip_sections = set(skip_sections)
        self.sections_key = sections_key
        self.examination_sections = set(examination_sections)

    def _ranges(self, doc: Doc, labels: set[str]) -> list[tuple[int, int]]:
        sections = doc.spans[self.sections_key] if self.sections_key in doc.spans else []
        return [(sp.start_char, sp.end_char) for sp in sections if sp.label_ in labels]

    def __call__(self, doc: Doc) -> Doc:
        skip = self._ranges(doc, self.skip_sections)
        examination = self._ranges(doc, self.examination_sections)
        taken = Ranges((sp.start_char, sp.end_char) for sp in doc.spans.get(self.spans_key, [])
                       if sp.label_ == LABEL)
        spans = []
        for s, e in missing_offsets(doc.text, skip=skip, examination=examination):
            if taken.overlaps(s, e):
                continue
            sp = doc.char_span(s, e, label=LABEL, alignment_mode="contract")
            if sp is None or not len(sp):
                continue
            sp._.assertion = "not_documented"
            kind = finding_type(sp.text)
            sp._.finding_type = kind
            sp._.value = finding_value(sp.text, kind)
            spans.append(sp)
        doc.spans[self.missing_key] = spans
        return doc

    def to_disk(self, path: Any, *, exclude: Iterable[str] = ()) -> None:
        """No state: the rules are package data."""

    def from_disk(self, path: Any, *, exclude: Iterable[str] = ()) -> MissingFindings:
        return self


@Language.factory(
    FACTORY,
    assigns=["doc.spans", "span._.assertion", "span._.finding_type", "span._.value"],
    default_config={"spans_key": SPANS_KEY, "missing_key": MISSING_KEY, "skip_sections": ["reviewer"],
                    "sections_key": SECTIONS_KEY, "examination_sections": ["case_summary"]},
)
def make_missing_findings(
    nlp: Language,
    name: str,
    spans_key: str,
    missing_key: str,
    skip_sections: list[str],
    sections_key: str,
    examination_sections: list[str],
) -> MissingFindings:
    return MissingFindings(
        nlp, name, spans_key, missing_key, skip_sections, sections_key, examination_sections
    )
