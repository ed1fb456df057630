"""Deterministic synthetic IMR letters -> spaCy DocBins, stats and a human preview.

``generate(seed, n, split)`` yields ``(text, spans, meta)``; every letter draws from its own
``random.Random`` seeded by (seed, split, index), so output is identical across runs and
processes, and the first k letters do not depend on n.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span

from imr_determinations.labels import CANDIDATES_KEY, NER_LABELS, SPAN_LABELS, SPANS_KEY
from imr_determinations.synth.compose import GoldSpan
from imr_determinations.synth.layouts import LAYOUTS, compose_letter
from imr_determinations.synth.lexicon import SPLIT_HELDOUT, Lexicon, SplitLexicon
from imr_determinations.synth.noise import (
    apply_edits,
    blank_line_edits,
    char_noise_edits,
    page_mark_edits,
    sample_noise,
    wrap_edits,
)
from imr_determinations.synth.templates import template_split_summary

SPLITS: tuple[str, ...] = ("train", "dev", "heldout")
# layout mix of a block of 20 letters (every block shows every layout)
LAYOUT_BLOCK: tuple[str, ...] = (
    ("seed_2014",) * 4
    + ("dwc_2016",) * 7
    + ("notice_2013",) * 3
    + ("maximus_later",) * 3
    + ("professional_review",) * 3
)


class AlignmentError(RuntimeError):
    """A gold span does not fall on token boundaries (a generator bug)."""


@dataclass(frozen=True)
class Letter:
    text: str
    spans: list[dict[str, object]]
    meta: dict[str, object]


_LEXICON_CACHE: dict[str, Lexicon] = {}
_SPLIT_CACHE: dict[tuple[str, str], SplitLexicon] = {}


def _lexicon(lexicon_dir: Path | None) -> Lexicon:
    key = str(lexicon_dir or "")
    if key not in _LEXICON_CACHE:
        _LEXICON_CACHE[key] = Lexicon(lexicon_dir)
    return _LEXICON_CACHE[key]


def _split_lexicon(lexicon_dir: Path | None, split: str) -> SplitLexicon:
    key = (str(lexicon_dir or ""), split)
    if key not in _SPLIT_CACHE:
        _SPLIT_CACHE[key] = _lexicon(lexicon_dir).for_split(split)
    return _SPLIT_CACHE[key]


def _layout_for(seed: int, split: str, index: int) -> str:
    block = index // len(LAYOUT_BLOCK)
    order = list(LAYOUT_BLOCK)
    random.Random(f"imr-synth-layout:{seed}:{split}:{block}").shuffle(order)
    return order[index % len(LAYOUT_BLOCK)]


def _check_spans(text: str, spans: list[GoldSpan], where: str) -> None:
    for sp in spans:
        piece = text[sp.start : sp.end]
        if not piece or piece != piece.strip() or sp.label not in NER_LABELS + SPAN_LABELS:
            raise AlignmentError(f"{where}: bad span {sp} -> {piece!r}")


def make_letter(seed: int, split: str, index: int, lexicon_dir: Path | None = None) -> Letter:
    """Compose one letter and apply its extraction noise; spans stay exact throughout."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    lex_split = SPLIT_HELDOUT if split == SPLIT_HELDOUT else "train"
    lex = _split_lexicon(lexicon_dir, lex_split)
    rng = random.Random(f"imr-synth:{seed}:{split}:{index}")
    layout = _layout_for(seed, split, index)
    ctx = compose_letter(rng, lex, lex_split, layout)
    text, spans = ctx.b.text(), list(ctx.b.spans)
    cfg = sample_noise(rng, layout)
    text, spans = apply_edits(text, spans, wrap_edits(text, cfg, rng))
    if cfg.page_marks:
        text, spans = apply_edits(text, spans, page_mark_edits(text, cfg, rng, ctx.case_number))
    if cfg.blank_lines:
        text, spans = apply_edits(text, spans, blank_line_edits(text))
    text, spans = apply_edits(text, spans, char_noise_edits(text, spans, cfg, rng))
    letter_id = f"synth-{split}-{seed}-{index:05d}"
    _check_spans(text, spans, letter_id)
    headings = [sp for sp in spans if sp.role == "heading"]
    decisions = [sp for sp in spans if sp.role == "item_decision"]
    if len(headings) != len(ctx.items) or len(decisions) != len(ctx.items):
        raise AlignmentError(
            f"{letter_id}: {len(ctx.items)} items but {len(headings)} headings, "
            f"{len(decisions)} item decisions"
        )
    items = [
        {
            "service": it.text,
            "category": it.category,
            "service_key": it.form.key,
            "decision": it.decision,
            "original_request": it.original,
            "authorized": it.authorized,
            "heading_span": [h.start, h.end],
            "decision_span": [d.start, d.end],
        }
        for it, h, d in zip(ctx.items, headings, decisions, strict=True)
    ]
    meta = {
        "id": letter_id,
        "seed": seed,
        "split": split,
        "index": index,
        "layout": layout,
        "case_number": ctx.case_number,
        "n_items": len(items),
        "items": items,
        "template_families": sorted(set(ctx.variants_used)),
        "noise": dict(sorted(cfg.applied.items())),
    }
    return Letter(text, [sp.as_dict() for sp in spans], meta)


def generate(
    seed: int, n: int, split: str, lexicon_dir: Path | None = None
) -> Iterator[tuple[str, list[dict[str, object]], dict[str, object]]]:
    """Yield ``n`` letters of a split as ``(text, spans, meta)``; spans: start/end/label/role dicts."""
    for i in range(n):
        letter = make_letter(seed, split, i, lexicon_dir)
        yield letter.text, letter.spans, letter.meta


def letter_to_doc(nlp: Language, text: str, spans: list[dict[str, object]]) -> Doc:
    """A Doc with ents, ``sc`` and ``candidates``; raises AlignmentError if a span is off-token."""
    doc = nlp.make_doc(text)
    ents, sc = [], []
    for sp in spans:
        start, end, label = int(sp["start"]), int(sp["end"]), str(sp["label"])  # type: ignore[arg-type]
        span = doc.char_span(start, end, label=label, alignment_mode="strict")
        if span is None:
            raise AlignmentError(
                f"span {label} {text[start:end]!r} ({start}-{end}) is not on token boundaries"
            )
        (ents if label in NER_LABELS else sc).append(span)
    ents.sort(key=lambda s: (s.start, s.end))
    for a, b in zip(ents, ents[1:], strict=False):
        if b.start < a.end:
            raise AlignmentError(f"overlapping entities {a.label_} {a.text!r} / {b.label_} {b.text!r}")
    doc.ents = ents
    doc.spans[SPANS_KEY] = sc
    doc.spans[CANDIDATES_KEY] = [Span(doc, s.start, s.end, label=s.label_) for s in sc]
    return doc


def _empty_split_stats() -> dict[str, object]:
    return {
        "docs": 0,
        "labels": Counter(),
        "roles": Counter(),
        "layouts": Counter(),
        "items": 0,
        "decisions": Counter(),
        "categories": Counter(),
        "noise": Counter(),
        "chars": 0,
        "misaligned": 0,
        "failed_docs": [],
    }


def write_corpus(
    output_dir: Path,
    seed: int,
    counts: dict[str, int],
    strict: bool = True,
    lexicon_dir: Path | None = None,
    preview_per_split: int = 20,
) -> dict[str, object]:
    """Write ``<split>.spacy`` per split plus ``generated/stats.json`` and ``generated/preview.jsonl``."""
    from imr_determinations.tokenizer import blank_nlp

    nlp = blank_nlp()
    output_dir = Path(output_dir)
    gen_dir = output_dir / "generated"
    gen_dir.mkdir(parents=True, exist_ok=True)
    stats: dict[str, object] = {"seed": seed, "splits": {}}
    preview_lines: list[str] = []
    for split in SPLITS:
        n = counts.get(split, 0)
        st = _empty_split_stats()
        db = DocBin(store_user_data=False)
        for i, (text, spans, meta) in enumerate(generate(seed, n, split, lexicon_dir)):
            try:
                doc = letter_to_doc(nlp, text, spans)
            except AlignmentError as exc:
                st["misaligned"] += 1  # type: ignore[operator]
                st["failed_docs"].append(f"{meta['id']}: {exc}")  # type: ignore[union-attr]
                if strict:
                    raise AlignmentError(f"{meta['id']}: {exc}") from exc
                continue
            db.add(doc)
            st["docs"] += 1  # type: ignore[operator]
            st["chars"] += len(text)  # type: ignore[operator]
            st["layouts"][meta["layout"]] += 1  # type: ignore[index]
            st["items"] += meta["n_items"]  # type: ignore[operator]
            for it in meta["items"]:  # type: ignore[union-attr]
                st["decisions"][it["decision"]] += 1  # type: ignore[index]
                st["categories"][it["category"]] += 1  # type: ignore[index]
            for sp in spans:
                st["labels"][sp["label"]] += 1  # type: ignore[index]
                st["roles"][f"{sp['label']}:{sp['role']}"] += 1  # type: ignore[index]
            for k, v in meta["noise"].items():  # type: ignore[union-attr]
                st["noise"][k] += v  # type: ignore[index]
            if i < preview_per_split:
                preview_lines.append(
                    json.dumps(
                        {
                            "text": text,
                            "spans": [{k: s[k] for k in ("start", "end", "label")} for s in spans],
                            "meta": meta,
                        },
                        ensure_ascii=False,
                        sort_keys=True,
                    )
                )
        (output_dir / f"{split}.spacy").write_bytes(db.to_bytes())
        stats["splits"][split] = {
            k: (dict(sorted(v.items())) if isinstance(v, Counter) else v)  # type: ignore[index]
            for k, v in st.items()
        }
    lex = _lexicon(lexicon_dir)
    stats["lexicon_split"] = lex.split_summary()
    stats["template_split"] = template_split_summary()
    stats["lexicon_usage"] = {
        "train_and_dev": "train-visible entries and template variants",
        "heldout": "held-out entries and template variants only (plus shared boilerplate)",
    }
    stats["layouts"] = list(LAYOUTS)
    (gen_dir / "stats.json").write_text(json.dumps(stats, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    (gen_dir / "preview.jsonl").write_text("\n".join(preview_lines) + "\n", encoding="utf-8")
    return stats
