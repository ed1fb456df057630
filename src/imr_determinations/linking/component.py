"""The spaCy component ``imr_determination_linker`` and ``link``, which runs the linker's steps on one
Doc: sections -> item views -> mentions -> one determination per item -> case facts and warnings."""

from __future__ import annotations

from typing import Any

import numpy
from spacy.attrs import IDX, LENGTH
from spacy.language import Language
from spacy.tokens import Doc

from ..labels import MISSING_KEY, SECTIONS_KEY, SPANS_KEY
from ..section_text import blank_furniture
from .case_facts import case_facts
from .determinations import (
    Determination,
    FindingContext,
    Range,
    build_item,
    dedupe,
    fallback_items,
    merge_statements,
)
from .entities import repair_ents
from .items import ItemView, item_views, sections_of, split_shared_blocks, truncation
from .patterns import IMR_MARKERS
from .rule_mentions import rule_mentions
from .spans import Mention, MentionIndex


def _span_scores(group: Any) -> list[float] | None:
    """spancat's score per span of a group (``attrs["scores"]``), or None when the group has none
    that line up with its spans (rule spans, or a group rebuilt after spancat)."""
    raw = group.attrs.get("scores")
    if raw is None:
        return None
    flat = [float(x) for x in numpy.asarray(raw, dtype=float).reshape(-1)]
    return [round(x, 4) for x in flat] if len(flat) == len(group) else None


def _spancat_mentions(
    doc: Doc, text: str, spans_key: str
) -> tuple[list[Mention], dict[Range, float], dict[Range, FindingContext]]:
    """CLINICAL_FINDING and DIAGNOSIS spans of ``doc.spans[spans_key]``, with each finding's score and
    context (assertion, type, value) by its char range."""
    mentions: list[Mention] = []
    scores: dict[Range, float] = {}
    context: dict[Range, FindingContext] = {}
    if spans_key not in doc.spans or not len(doc.spans[spans_key]):
        return mentions, scores, context
    # token -> char offsets from one array: Span.start_char / end_char build Token objects
    offsets = doc.to_array([IDX, LENGTH]).tolist()
    strings = doc.vocab.strings
    wanted = {strings.add("CLINICAL_FINDING"): "CLINICAL_FINDING", strings.add("DIAGNOSIS"): "DIAGNOSIS"}
    group = doc.spans[spans_key]
    group_scores = _span_scores(group)
    for k, sp in enumerate(group):
        label = wanted.get(sp.label)
        if label is None or sp.end <= sp.start:
            continue
        s = offsets[sp.start][0]
        last = offsets[sp.end - 1]
        t = last[0] + last[1]
        mentions.append(Mention(s, t, label, text[s:t]))
        if label != "CLINICAL_FINDING":
            continue
        if group_scores is not None:
            scores[(s, t)] = group_scores[k]
        if sp._.assertion is not None:
            context[(s, t)] = FindingContext(sp._.assertion, sp._.finding_type, sp._.value)
    return mentions, scores, context


def _truncation_note(view: ItemView) -> str:
    """The warning of the item a truncated letter cuts."""
    if not view.has_rationale():
        return "item text ends before its rationale; letter appears truncated"
    return "item text ends mid-sentence; letter appears truncated"


def link(
    doc: Doc, rules_only: bool = False, sections_key: str = SECTIONS_KEY, spans_key: str = SPANS_KEY,
    missing_key: str = MISSING_KEY,
) -> tuple[list[dict[str, Any]], dict[str, Any], list[str]]:
    """The determinations, case facts and warnings of one Doc (see the package docstring); the findings
    of ``doc.spans[missing_key]`` (``imr_missing_findings``: what the records lack) join spancat's."""
    text = blank_furniture(doc.text)  # same offsets; page footers no longer cut headings and statements
    views, others = item_views(sections_of(doc, sections_key))
    split_shared_blocks(text, views)
    if rules_only:
        mentions = rule_mentions(text, views)
    else:
        # char offsets + a slice of the text: Span.text would rebuild each string token by token
        mentions = [
            Mention(e.start_char, e.end_char, e.label_, text[e.start_char : e.end_char]) for e in doc.ents
        ]
    found, scores, context = _spancat_mentions(doc, text, spans_key)
    missing, _, missing_context = _spancat_mentions(doc, text, missing_key)
    found += missing
    context.update(missing_context)
    idx = MentionIndex(mentions + found)
    cut_reason, cut_view = truncation(text, views)
    dets: list[Determination] = []
    for k, v in enumerate(views):
        note = _truncation_note(v) if k == cut_view else None
        d = build_item(text, idx, v, rules_only, note, scores, context)
        if d is not None:
            dets.append(d)
    dets = dedupe(merge_statements(dets))
    if not dets and not views and not rules_only:
        dets = fallback_items(text, idx, others)
    warnings: list[str] = []
    if not dets:
        warnings.append(
            "no disputed items found" if IMR_MARKERS.search(text) else "not an IMR determination letter"
        )
    if cut_reason:
        warnings.append(cut_reason)
    case = case_facts(text, others, idx, [r for v in views for r in v.rationales()])
    records = [d.to_dict(n) for n, d in enumerate(dets, start=1)]
    warnings.extend(f"item {r['item']}: {w}" for r in records for w in r["warnings"])
    return records, case, warnings


class DeterminationLinker:
    """Writes ``doc._.determinations``, ``doc._.case`` and ``doc._.warnings`` (plain JSON values).

    A letter the linker cannot read (a ``ValueError`` or ``IndexError`` from its text and spans) gets
    no determinations and a warning, so a batch goes on; any other exception is a bug or a pipeline
    put together wrongly and propagates (``imr extract`` turns it into that letter's error row).

    ``sync_ents``, ``keep_tensor`` and ``check_mentions`` are only set by the configs of pipelines saved
    before ``imr_entity_repair`` and ``doc_cleaner`` existed (as true, false and true): with them the
    linker still repairs ``doc.ents`` and drops the tensor itself, so those pipelines keep their output.
    """

    def __init__(
        self,
        nlp: Language,
        name: str = "imr_determination_linker",
        rules_only: bool = False,
        sections_key: str = SECTIONS_KEY,
        spans_key: str = SPANS_KEY,
        sync_ents: bool | None = None,
        keep_tensor: bool | None = None,
        check_mentions: bool | None = None,
        missing_key: str = MISSING_KEY,
    ) -> None:
        self.name = name
        self.missing_key = missing_key
        self.rules_only = rules_only
        self.sections_key = sections_key
        self.spans_key = spans_key
        self.sync_ents = sync_ents
        self.keep_tensor = keep_tensor
        self.check_mentions = check_mentions

    def __call__(self, doc: Doc) -> Doc:
        try:
            dets, case, warnings = link(
                doc, self.rules_only, self.sections_key, self.spans_key, self.missing_key
            )
        except (ValueError, IndexError) as exc:  # this letter's text or spans; the record says so
            dets, case, warnings = [], {}, [f"linker failed: {type(exc).__name__}: {exc}"]
        doc._.determinations = dets
        doc._.case = case
        doc._.warnings = warnings
        if self.sync_ents and not self.rules_only:
            repair_ents(doc, self.check_mentions is not False)
        if self.keep_tensor is False:
            doc.tensor = numpy.zeros((0,), dtype="float32")
        return doc


@Language.factory(
    "imr_determination_linker",
    assigns=["doc._.determinations", "doc._.case", "doc._.warnings"],
    requires=["doc.spans"],
    default_config={"rules_only": False, "sections_key": SECTIONS_KEY, "spans_key": SPANS_KEY,
                    "missing_key": MISSING_KEY},
)
def make_linker(
    nlp: Language,
    name: str,
    rules_only: bool,
    sections_key: str,
    spans_key: str,
    missing_key: str,
    sync_ents: bool | None = None,
    keep_tensor: bool | None = None,
    check_mentions: bool | None = None,
) -> DeterminationLinker:
    return DeterminationLinker(
        nlp, name, rules_only, sections_key, spans_key, sync_ents, keep_tensor, check_mentions, missing_key
    )
