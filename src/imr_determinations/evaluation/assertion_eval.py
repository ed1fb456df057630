"""Accuracy of ``imr_finding_context``'s assertion on hand-labelled findings of real letters.

Labels live in ``corpus/gold/finding_assertions.json`` as standoff (letter file, offsets, the letter
text's sha256, assertion), never the text. The component runs on the labelled spans themselves, so
this measures assertion, not span finding.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from spacy.language import Language

from ..assertion import ASSERTIONS, FACTORY
from ..io import LetterReadError, read_letter
from ..labels import SPANS_KEY
from ..textnorm import text_sha256
from ..tokenizer import blank_nlp

LABEL = "CLINICAL_FINDING"


def context_pipeline() -> Language:
    """Tokenizer + imr_finding_context: what the shipped pipeline runs on the spans it found."""
    nlp = blank_nlp()
    nlp.add_pipe(FACTORY)
    return nlp


def predict(nlp: Language, text: str, offsets: list[tuple[int, int]]) -> list[str | None]:
    """The component's assertion for each (start, end) of ``text`` (None when no token span fits)."""
    doc = nlp.make_doc(text)
    spans = [doc.char_span(s, e, label=LABEL, alignment_mode="expand") for s, e in offsets]
    doc.spans[SPANS_KEY] = [sp for sp in spans if sp is not None]
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    found = {(sp.start_char, sp.end_char): sp._.assertion for sp in doc.spans[SPANS_KEY]}
    return [found.get((sp.start_char, sp.end_char)) if sp is not None else None for sp in spans]


def labelled_text(letters_dir: Path, name: str, entry: dict[str, Any]) -> tuple[str | None, str]:
    """The text of a standoff-labelled letter, or None and why: unreadable, or not the text labelled."""
    try:
        text = read_letter(letters_dir / entry["source"]).text
    except (LetterReadError, OSError) as exc:
        return None, f"{name}: {exc}"
    if text_sha256(text) != entry["sha256"]:
        return None, f"{name}: letter text changed (sha256 differs); offsets not usable"
    return text, ""


def evaluate(labels: Path, letters_dir: Path | None) -> dict[str, Any]:
    """Gold vs predicted assertion of every labelled finding whose letter can be read unchanged."""
    data = json.loads(labels.read_text(encoding="utf-8"))
    if letters_dir is None or not Path(letters_dir).is_dir():
        return {"skipped": [f"letters folder {letters_dir} not found"], "n": 0}
    nlp = context_pipeline()
    pairs: list[tuple[str, str | None, str]] = []  # gold, predicted, split
    skipped = []
    for name, entry in data["letters"].items():
        text, reason = labelled_text(Path(letters_dir), name, entry)
        if text is None:
            skipped.append(reason)
            continue
        rows = entry["findings"]
        predicted = predict(nlp, text, [(r["start"], r["end"]) for r in rows])
        pairs += [(r["assertion"], p, entry.get("split") or "") for r, p in zip(rows, predicted, strict=True)]
    return {"skipped": skipped, **score(pairs)}


def _prf(pairs: list[tuple[str, str | None, str]], label: str) -> dict[str, float | int]:
    tp = sum(1 for g, p, _ in pairs if g == label and p == label)
    fp = sum(1 for g, p, _ in pairs if g != label and p == label)
    fn = sum(1 for g, p, _ in pairs if g == label and p != label)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"p": round(prec, 4), "r": round(rec, 4), "f": round(f, 4), "support": tp + fn}


def score(pairs: list[tuple[str, str | None, str]]) -> dict[str, Any]:
    """Accuracy, per-class P/R/F, the confusion counts and accuracy per split."""
    n = len(pairs)
    correct = sum(1 for g, p, _ in pairs if g == p)
    by_split: dict[str, dict[str, Any]] = {}
    for split in sorted({s for _, _, s in pairs}):
        sub = [x for x in pairs if x[2] == split]
        by_split[split] = {"n": len(sub), "accuracy": round(sum(g == p for g, p, _ in sub) / len(sub), 4)}
    confusion = Counter(f"{g}->{p}" for g, p, _ in pairs if g != p)
    return {
        "n": n,
        "accuracy": round(correct / n, 4) if n else None,
        "per_class": {label: _prf(pairs, label) for label in ASSERTIONS},
        "by_split": by_split,
        "errors": dict(confusion.most_common()),
    }


def summary_lines(result: dict[str, Any]) -> list[str]:
    if not result.get("n"):
        return ["assertion: nothing scored (" + "; ".join(result.get("skipped") or []) + ")"]
    lines = [f"assertion accuracy {result['accuracy']:.3f} on {result['n']} findings"]
    for label, m in result["per_class"].items():
        lines.append(f"  {label:15} P {m['p']:.3f} R {m['r']:.3f} F {m['f']:.3f} (n={m['support']})")
    for split, m in result["by_split"].items():
        lines.append(f"  split {split}: {m['accuracy']:.3f} (n={m['n']})")
    return lines
