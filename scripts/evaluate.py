"""Span-level evaluation: per-label P/R/F on several corpora, trained model vs rule baseline.

Each --split is NAME=PATH where PATH is a .spacy file or a folder of them. An empty or
missing split is reported as skipped (e.g. real letters absent on a user's machine).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import spacy
import typer
from spacy.language import Language
from spacy.scorer import Scorer
from spacy.tokens import DocBin
from spacy.training import Example

from imr_determinations.labels import NER_LABELS, SPAN_LABELS, SPANS_KEY


def load_docs(nlp: Language, path: Path) -> list:
    files = sorted(path.glob("**/*.spacy")) if path.is_dir() else ([path] if path.exists() else [])
    docs = []
    for f in files:
        docs.extend(DocBin().from_disk(f).get_docs(nlp.vocab))
    return docs


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
    return {
        "docs": len(gold_docs),
        "words": words,
        "seconds": round(elapsed, 2),
        "words_per_second": round(words / elapsed) if elapsed else None,
        "ents_p": ents.get("ents_p"),
        "ents_r": ents.get("ents_r"),
        "ents_f": ents.get("ents_f"),
        "spans_sc_f": spans.get(f"spans_{SPANS_KEY}_f"),
        "per_label": per_label,
    }


def render_table(results: dict) -> str:
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
    docs = ["docs"] + [
        str(results[sys][split]["docs"]) if results[sys][split] else "0"
        for sys in systems
        for split in splits
    ]
    rows.insert(2, docs)
    return "\n".join("| " + " | ".join(r) + " |" for r in rows)


def main(
    model: Path,
    split: list[str] = typer.Option(..., help="NAME=PATH (.spacy file or folder)"),
    output: Path = typer.Option(Path("training/metrics/spans.json")),
    baseline: bool = typer.Option(True, help="Also score the rule baseline (imr_determinations.rules)"),
) -> None:
    systems: dict[str, Language] = {"model": spacy.load(model)}
    if baseline:
        from imr_determinations.rules import build_rule_pipeline

        systems["rules"] = build_rule_pipeline()
    results: dict[str, dict] = {name: {} for name in systems}
    for spec in split:
        name, _, path = spec.partition("=")
        for sys_name, nlp in systems.items():
            docs = load_docs(nlp, Path(path))
            if not docs:
                typer.echo(f"[{sys_name}] split {name}: no documents at {path}, skipped", err=True)
                results[sys_name][name] = None
                continue
            results[sys_name][name] = score(nlp, docs)
            typer.echo(f"[{sys_name}] split {name}: {len(docs)} docs scored", err=True)
    output.parent.mkdir(parents=True, exist_ok=True)
    table = render_table(results)
    output.write_text(json.dumps({"results": results, "table": table}, indent=2))
    typer.echo("Cells are P/R/F per label (NER row: micro F over NER labels).")
    typer.echo(table)


if __name__ == "__main__":
    typer.run(main)
