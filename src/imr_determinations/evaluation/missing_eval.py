"""How well a pipeline answers "what does the reviewer say the records lack?" on real letters.

Gold: the ``not_documented`` findings of hand-labelled letters (standoff files in the shape of
``corpus/gold/finding_assertions.json``: letter file, text sha256, split, offsets, assertion), read letter
by letter. Predicted: the CLINICAL_FINDING spans of ``doc.spans["sc"]`` whose ``span._.assertion`` is
``not_documented``, and those ``imr_missing_findings`` wrote to ``doc.spans["missing"]``. A prediction
matches a gold span when they share at least half of the gold span's characters: stricter than
``spans.overlap_prf``'s any overlap, so a word of a long phrase does not count as finding it. A gold
span that a finding of another assertion covers
is counted apart (``wrong_assertion``): the span was found, its context was misread.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from spacy.language import Language

from ..labels import MISSING_KEY, SPANS_KEY
from .assertion_eval import labelled_text

NOT_DOCUMENTED = "not_documented"
LABEL = "CLINICAL_FINDING"
Offsets = tuple[int, int]


def covers(gold: Offsets, pred: Offsets) -> bool:
    """``pred`` shares at least half of ``gold``'s characters."""
    shared = min(gold[1], pred[1]) - max(gold[0], pred[0])
    return shared > 0 and 2 * shared >= gold[1] - gold[0]


def gold_letters(label_files: list[Path]) -> dict[str, dict[str, Any]]:
    """Letter name -> {source, sha256, split, spans}: the not_documented spans of every file, a letter
    labelled in several files taking the union."""
    letters: dict[str, dict[str, Any]] = {}
    for path in label_files:
        for name, entry in json.loads(Path(path).read_text(encoding="utf-8"))["letters"].items():
            into = letters.setdefault(name, {"source": entry["source"], "sha256": entry["sha256"],
                                             "split": entry.get("split") or "", "spans": set()})
            if into["sha256"] != entry["sha256"]:
                raise ValueError(f"{name}: {path} labels another text of the letter (sha256 differs)")
            into["spans"].update((f["start"], f["end"]) for f in entry["findings"]
                                 if f["assertion"] == NOT_DOCUMENTED)
    return letters


def predicted(nlp: Language, text: str) -> tuple[list[Offsets], list[Offsets]]:
    """(not_documented findings, other findings) of the pipeline on ``text``, as char offsets."""
    doc = nlp(text)
    missing, other = [], []
    for sp in [*doc.spans.get(SPANS_KEY, []), *doc.spans.get(MISSING_KEY, [])]:
        if sp.label_ == LABEL:
            (missing if sp._.assertion == NOT_DOCUMENTED else other).append((sp.start_char, sp.end_char))
    return missing, other


def count(gold: set[Offsets], missing: list[Offsets], other: list[Offsets]) -> dict[str, int]:
    """Match counts of one letter."""
    return {
        "gold": len(gold),
        "predicted": len(missing),
        "gold_found": sum(any(covers(g, p) for p in missing) for g in gold),
        "predicted_ok": sum(any(covers(g, p) for g in gold) for p in missing),
        "wrong_assertion": sum(not any(covers(g, p) for p in missing) and any(covers(g, p) for p in other)
                               for g in gold),
    }


def prf(c: dict[str, int]) -> dict[str, Any]:
    p = c["predicted_ok"] / c["predicted"] if c["predicted"] else 0.0
    r = c["gold_found"] / c["gold"] if c["gold"] else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {**c, "p": round(p, 4), "r": round(r, 4), "f": round(f, 4)}


def evaluate(nlp: Language, label_files: list[Path], letters_dir: Path | None) -> dict[str, Any]:
    """P/R/F of the pipeline's not_documented findings, over all labelled letters and per split."""
    if letters_dir is None or not Path(letters_dir).is_dir():
        return {"skipped": [f"letters folder {letters_dir} not found"], "letters": 0}
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    skipped, n = [], 0
    for name, entry in sorted(gold_letters(label_files).items()):
        text, reason = labelled_text(Path(letters_dir), name, entry)
        if text is None:
            skipped.append(reason)
            continue
        n += 1
        counts = count(entry["spans"], *predicted(nlp, text))
        for key in ("all", entry["split"] or "unsplit"):
            for k, v in counts.items():
                totals[key][k] += v
    return {"skipped": skipped, "letters": n, "scores": {k: prf(dict(v)) for k, v in totals.items()}}


def summary_lines(result: dict[str, Any]) -> list[str]:
    if not result.get("letters"):
        return ["not-documented findings: nothing scored (" + "; ".join(result.get("skipped") or []) + ")"]
    lines = [f"not-documented findings on {result['letters']} letters"]
    for key, m in result["scores"].items():
        lines.append(f"  {key:8} P {m['p']:.3f} R {m['r']:.3f} F {m['f']:.3f} (gold {m['gold']}, predicted "
                     f"{m['predicted']}, found with another assertion {m['wrong_assertion']})")
    return lines
