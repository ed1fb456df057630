"""Span-level scores of a pipeline on gold DocBins: per-label P/R/F, overlap scores, candidate recall.

``scripts/evaluate.py`` (the ``evaluate`` and ``evaluate-ablations`` project commands), seed_spread.py and
variants.py score with these, so every span figure is computed the same way.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import typer
from spacy.language import Language
from spacy.scorer import Scorer
from spacy.tokens import DocBin
from spacy.training import Example

from ..labels import NER_LABELS, SPAN_LABELS, SPANS_KEY


def load_docs(nlp: Language, path: Path) -> list:
    """The Docs of a .spacy file or of every .spacy file under a folder; [] when the path is missing."""
    files = sorted(path.glob("**/*.spacy")) if path.is_dir() else ([path] if path.exists() else [])
    docs = []
    for f in files:
        docs.extend(DocBin().from_disk(f).get_docs(nlp.vocab))
    return docs


def score_splits(nlp: Language, splits: list[str]) -> Iterator[tuple[str, dict]]:
    """(split name, score result) for each NAME=PATH split; an empty split is skipped, said on stderr."""
    for spec in splits:
        name, _, path = spec.partition("=")
        docs = load_docs(nlp, Path(path))
        if not docs:
            typer.echo(f"split {name}: no documents at {path}, skipped", err=True)
            continue
        yield name, score(nlp, docs)


def score(nlp: Language, gold_docs: list, batch_size: int = 16) -> dict:
    """Score what the pipeline writes (doc.ents, doc.spans["sc"]) whatever components wrote it."""
    start = time.perf_counter()
    predicted = list(nlp.pipe((d.text for d in gold_docs), batch_size=batch_size))
    elapsed = time.perf_counter() - start
    examples = [Example(p, g) for p, g in zip(predicted, gold_docs, strict=True)]
    ents = Scorer.score_spans(examples, "ents")
    spans = Scorer.score_spans(
        examples,
        f"spans_{SPANS_KEY}",
        getter=lambda doc, attr: doc.spans.get(SPANS_KEY, []),
        has_annotation=lambda doc: SPANS_KEY in doc.spans,
        allow_overlap=True,
    )
    zero = {"p": 0.0, "r": 0.0, "f": 0.0}
    per_label: dict[str, dict[str, float]] = {}
    for label in NER_LABELS:
        per_label[label] = (ents.get("ents_per_type") or {}).get(label, zero)
    for label in SPAN_LABELS:
        per_label[label] = (spans.get(f"spans_{SPANS_KEY}_per_type") or {}).get(label, zero)
    words = sum(len(d) for d in gold_docs)
    candidates = candidate_recall(nlp, predicted, gold_docs)
    overlap = {label: overlap_prf(predicted, gold_docs, label) for label in SPAN_LABELS}
    return {
        "docs": len(gold_docs),
        "words": words,
        "seconds": round(elapsed, 2),
        "words_per_second": round(words / elapsed) if elapsed else None,
        "ents_p": ents.get("ents_p"),
        "ents_r": ents.get("ents_r"),
        "ents_f": ents.get("ents_f"),
        "spans_sc_f": spans.get(f"spans_{SPANS_KEY}_f"),
        "candidates": candidates,
        "overlap": overlap,
        "per_label": per_label,
    }


def overlap_prf(predicted: list, gold_docs: list, label: str) -> dict[str, float]:
    """Lenient P/R/F: a span counts when it overlaps one of the other side with the same label.
    Beside the exact score it separates "found the finding, boundaries differ" from "missed it"."""
    hit_pred = n_pred = hit_gold = n_gold = 0
    for pred, gold in zip(predicted, gold_docs, strict=True):
        p = [(s.start_char, s.end_char) for s in pred.spans.get(SPANS_KEY, []) if s.label_ == label]
        g = [(s.start_char, s.end_char) for s in gold.spans.get(SPANS_KEY, []) if s.label_ == label]
        n_pred += len(p)
        n_gold += len(g)
        hit_pred += sum(any(a < d and c < b for c, d in g) for a, b in p)
        hit_gold += sum(any(a < d and c < b for c, d in p) for a, b in g)
    prec = hit_pred / n_pred if n_pred else 0.0
    rec = hit_gold / n_gold if n_gold else 0.0
    f = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"p": round(prec, 3), "r": round(rec, 3), "f": round(f, 3)}


def candidate_recall(nlp: Language, predicted: list, gold_docs: list) -> dict | None:
    """Share of gold findings/diagnoses among the spancat suggester's candidates: the ceiling on
    spancat recall. None when the pipeline has no spancat (the rule baseline)."""
    if "spancat" not in nlp.pipe_names:
        return None
    suggester = nlp.get_pipe("spancat").suggester
    found = total = n_candidates = 0
    for pred, gold in zip(predicted, gold_docs, strict=True):
        ragged = suggester([pred])
        pairs = {tuple(p) for p in ragged.dataXd.tolist()} if len(ragged.dataXd) else set()
        n_candidates += len(pairs)
        for span in gold.spans.get(SPANS_KEY, []):
            total += 1
            aligned = pred.char_span(span.start_char, span.end_char)
            found += aligned is not None and (aligned.start, aligned.end) in pairs
    return {
        "gold_spans": total,
        "recall": round(found / total, 3) if total else None,
        "per_doc": round(n_candidates / len(predicted), 1) if predicted else 0,
    }


def render_table(results: dict) -> str:
    """Markdown: rows = labels (P/R/F), overlap scores, candidate recall; columns = system/split."""
    systems = list(results)
    splits = [s for s in next(iter(results.values()))]
    header = ["label"] + [f"{sys}/{split}" for sys in systems for split in splits]
    rows = [header, ["---"] * len(header)]
    for label in (*NER_LABELS, *SPAN_LABELS, "NER (all)"):
        row = [label]
        for sys in systems:
            for split in splits:
                res = results[sys][split]
                if res is None:
                    row.append("n/a")
                elif label == "NER (all)":
                    row.append(f"{(res['ents_f'] or 0):.3f}")
                else:
                    s = res["per_label"][label]
                    row.append(f"{s['p']:.2f}/{s['r']:.2f}/{s['f']:.3f}")
        rows.append(row)
    for label in SPAN_LABELS:
        row = [f"{label} (overlap)"]
        for sys in systems:
            for split in splits:
                o = ((results[sys][split] or {}).get("overlap") or {}).get(label)
                row.append(f"{o['p']:.2f}/{o['r']:.2f}/{o['f']:.3f}" if o else "n/a")
        rows.append(row)
    cands = ["candidate recall (per doc)"]
    for sys in systems:
        for split in splits:
            c = (results[sys][split] or {}).get("candidates")
            ok = c and c["recall"] is not None
            cands.append(f"{c['recall']:.3f} ({c['per_doc']:.0f})" if ok else "n/a")
    rows.append(cands)
    docs = ["docs"] + [
        str(results[sys][split]["docs"]) if results[sys][split] else "0"
        for sys in systems
        for split in splits
    ]
    rows.insert(2, docs)
    return "\n".join("| " + " | ".join(r) + " |" for r in rows)
