"""Outputs of the no-training pipelines on fixed letters, kept as a reference for refactoring.

``python tests/golden/golden_outputs.py`` rewrites ``rules_outputs.jsonl``; the test compares today's
outputs with it. Letters: the two seeds, every hand-written layout of ``tests/layouts.py`` and 60 held-out
synthetic letters (generator seed 0). Outputs: the rules-only linker's records and the span-rule
baseline's entities and spans (label and character offsets).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
GOLDEN = HERE / "rules_outputs.jsonl"
N_HELDOUT = 60


def letters() -> Iterator[tuple[str, str]]:
    """(name, text) of every reference letter, in a fixed order."""
    from imr_determinations.synth.generator import generate

    for path in sorted((REPO / "corpus" / "seeds").glob("*.txt")):
        yield f"seed:{path.stem}", path.read_text(encoding="utf-8")
    sys.path.insert(0, str(REPO / "tests"))
    try:
        from layouts import ALL_LAYOUTS
    finally:
        sys.path.pop(0)
    for name in sorted(ALL_LAYOUTS):
        yield f"layout:{name}", ALL_LAYOUTS[name]
    for text, _spans, meta in generate(0, N_HELDOUT, "heldout"):
        yield f"heldout:{meta['id']}", text


def outputs() -> Iterator[dict]:
    from imr_determinations.extract.models import build_rules_pipeline
    from imr_determinations.labels import SPANS_KEY
    from imr_determinations.records import doc_to_record
    from imr_determinations.rules import build_rule_pipeline

    linker_nlp = build_rules_pipeline()
    span_nlp = build_rule_pipeline(with_linker=False)
    for name, text in letters():
        record = doc_to_record(linker_nlp(text), name, "-")
        doc = span_nlp(text)
        yield {
            "letter": name,
            "record": {k: record[k] for k in ("warnings", "case", "determinations")},
            "ents": [[e.label_, e.start_char, e.end_char] for e in doc.ents],
            "spans": [[s.label_, s.start_char, s.end_char] for s in doc.spans.get(SPANS_KEY, [])],
        }


if __name__ == "__main__":
    with GOLDEN.open("w", encoding="utf-8") as fh:
        for out in outputs():
            fh.write(json.dumps(out, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN}")
