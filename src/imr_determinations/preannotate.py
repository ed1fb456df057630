"""Pre-annotation and record drafts for the gold annotation workflow, from the rule baseline.

The proposals are what the rules pipeline (``rules.build_rule_pipeline``: lexicon span rulers, layout
regexes, sections and the rules-only linker) finds in a letter, as standoff spans: the linker's items
(service and decision of each record, its guideline citations) first, then the other entities and the
finding / diagnosis spans. One rule baseline serves evaluation and annotation alike, so a layout fix
reaches both. Everything proposed is read and corrected by hand (corpus/ANNOTATION.md); spans are
snapped to tokens so the markup always imports cleanly.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from .labels import NER_LABELS, SECTIONS_KEY, SPANS_KEY
from .layout import VERDICT_WORDS
from .linking.guidelines import CITED_BY
from .normalise import collapse, normalise_guideline, parse_pages

_HEADING_WORDS = frozenset(w.lower() for w in VERDICT_WORDS)


@lru_cache(maxsize=1)
def _rule_pipeline() -> Language:
    from .rules import build_rule_pipeline  # rules imports the linker, which is heavier than this module

    return build_rule_pipeline()


def _rule_doc(text: str) -> Doc:
    return _rule_pipeline()(text)


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


def _proposals(doc: Doc) -> list[tuple[int, int, str]]:
    """(start, end, label) in the order they are offered: the linker's records win overlaps."""
    out: list[tuple[int, int, str]] = []
    for det in doc._.determinations or []:
        spans = det.get("spans") or {}
        for key, label in (("service", "DISPUTED_SERVICE"), ("decision", "DECISION")):
            if spans.get(key):
                out.append((spans[key][0], spans[key][1], label))
        out.extend((g["span"][0], g["span"][1], "GUIDELINE") for g in det["guidelines"] if g.get("span"))
    out.extend((e.start_char, e.end_char, e.label_) for e in doc.ents)
    out.extend((s.start_char, s.end_char, s.label_) for s in doc.spans.get(SPANS_KEY, []))
    return out


def preannotate(nlp: Language, text: str) -> list[dict[str, Any]]:
    """Proposed spans (dicts with start/end/label) for one letter's canonical text; ``nlp`` gives the
    tokens the spans are snapped to (the gold tokenizer, ``tokenizer.blank_nlp()``)."""
    acc = _Spans(nlp, text)
    for start, end, label in _proposals(_rule_doc(text)):
        acc.add(start, end, label)
    return sorted(acc.spans, key=lambda s: (s["start"], -s["end"], s["label"]))


# ---------------------------------------------------------------- record drafts


def guideline_id(text: str) -> str:
    """The normalised guideline id of a citation ("MTUS/CPMTG", "ODG/Low Back", "OTHER")."""
    return str(normalise_guideline(text)["id"])


def _subparts(doc: Doc) -> list[tuple[int, int, str]]:
    """(start, end, label) of the item sub-part sections (guideline lists, rationales), in text order."""
    return sorted(
        (s.start_char, s.end_char, s.label_) for s in doc.spans.get(SECTIONS_KEY, []) if s.label_ in CITED_BY
    )


def _item_blocks(
    text: str, spans: list[dict[str, Any]], subparts: list[tuple[int, int, str]]
) -> list[tuple[dict[str, Any], int, int]]:
    """(heading DECISION span, end of the item's block, start of its rationale section or -1) per item,
    from the gold spans; the rationale is the first one the section segmenter finds in the block."""
    heads = [
        s
        for s in spans
        if s["label"] == "DECISION" and text[s["start"] : s["end"]].lower() in _HEADING_WORDS
    ]
    blocks = []
    for k, h in enumerate(heads):
        block_end = heads[k + 1]["start"] if k + 1 < len(heads) else len(text)
        if k + 1 < len(heads):
            nxt = [s for s in spans if s["label"] == "DISPUTED_SERVICE" and s["end"] <= heads[k + 1]["start"]]
            if nxt:
                block_end = nxt[-1]["start"]
        rationale = next(
            (s for s, _e, label in subparts if label == "rationale" and h["end"] <= s < block_end), -1
        )
        blocks.append((h, block_end, rationale))
    return blocks


def rationale_findings(text: str, spans: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Per item, the CLINICAL_FINDING spans of its decision rationale (ANNOTATION.md section 8:
    a record's findings are the ones its decision relies on, not the case summary's), first
    occurrence of each text only. A block without a rationale section gives none."""
    spans = sorted(spans, key=lambda s: (s["start"], s["end"]))
    return _block_findings(text, spans, _item_blocks(text, spans, _subparts(_rule_doc(text))))


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


def _cited_by(start: int, rationale: int, subparts: list[tuple[int, int, str]]) -> str:
    """Who cites the guideline at ``start``: the sub-part section holding it (claims administrator when
    none does); everything after the item's rationale label is the rationale's."""
    if rationale != -1 and start > rationale:
        return "rationale"
    label = next((lab for s, e, lab in subparts if s <= start < e), "claims_admin_guideline")
    return CITED_BY[label]


def _decision_span(det: dict[str, Any]) -> tuple[int, int] | None:
    span = (det.get("spans") or {}).get("decision")
    return (span[0], span[1]) if span else None


def draft_records(text: str, spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records proposed from gold spans: items from heading decisions, guidelines/pages per item block;
    who cites a guideline, its section and a partial certification's parts come from the rule baseline."""
    spans = sorted(spans, key=lambda s: (s["start"], s["end"]))
    doc = _rule_doc(text)
    subparts = _subparts(doc)
    dets = doc._.determinations or []
    cited = {tuple(g["span"]): g for det in dets for g in det["guidelines"] if g.get("span")}
    blocks = _item_blocks(text, spans, subparts)
    findings_per_item = _block_findings(text, spans, blocks)
    records = []
    for (h, block_end, rationale), finding_spans in zip(blocks, findings_per_item, strict=True):
        services = [s for s in spans if s["label"] == "DISPUTED_SERVICE" and s["end"] <= h["start"]]
        service = collapse(text[services[-1]["start"] : services[-1]["end"]]) if services else ""
        guidelines: list[dict[str, Any]] = []
        for s in (s for s in spans if h["end"] <= s["start"] < block_end):
            if s["label"] == "GUIDELINE":
                g: dict[str, Any] = {
                    "text": collapse(text[s["start"] : s["end"]]),
                    "id": guideline_id(text[s["start"] : s["end"]]),
                    "cited_by": _cited_by(s["start"], rationale, subparts),
                    "pages": [],
                }
                found = cited.get((s["start"], s["end"]))
                if found and found.get("section") and g["cited_by"] != "rationale":
                    g["section"] = found["section"]
                guidelines.append(g)
            elif s["label"] == "PAGE_RANGE" and guidelines:
                for p in parse_pages(text[s["start"] : s["end"]]):
                    if p not in guidelines[-1]["pages"]:
                        guidelines[-1]["pages"].append(p)
        rec: dict[str, Any] = {
            "service": service,
            "decision": text[h["start"] : h["end"]].upper(),
            "guidelines": guidelines,
            "findings": [collapse(text[s["start"] : s["end"]]) for s in finding_spans],
        }
        det = next((d for d in dets if _decision_span(d) == (h["start"], h["end"])), None)
        if det and det.get("original_request"):
            rec["original_request"] = det["original_request"]
            rec["authorized"] = det["authorized"]
        records.append(rec)
    return records
