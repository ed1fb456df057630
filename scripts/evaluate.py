"""Span-level evaluation: per-label P/R/F on several corpora, trained model vs rule baseline.

Each --split is NAME=PATH where PATH is a .spacy file or a folder of them. An empty or
missing split is reported as skipped (e.g. real letters absent on a user's machine).
"""

from __future__ import annotations

from pathlib import Path

import spacy
import typer
from spacy.language import Language

from imr_determinations.evaluation.provenance import write_metrics
from imr_determinations.evaluation.spans import load_docs, render_table, score

# name, config overrides, components left out
ABLATIONS = (
    ("no-mention-checks", {"imr_determination_linker": {"check_mentions": False}}, ()),
    ("no-entity-repairs", {"imr_determination_linker": {"sync_ents": False}}, ()),
    ("argmax-boundaries", {"span_boundaries": {"boundary_threshold": 1.0}}, ()),
    ("spancat-diagnoses", {}, ("imr_diagnosis_lists",)),
    ("lists-and-spancat-diagnoses", {"imr_diagnosis_lists": {"keep_existing": True}}, ()),
)


def main(
    model: Path,
    split: list[str] = typer.Option(..., help="NAME=PATH (.spacy file or folder)"),
    output: Path = typer.Option(Path("training/metrics/spans.json")),
    baseline: bool = typer.Option(True, help="Also score the rule baseline (imr_determinations.rules)"),
    ablations: bool = typer.Option(
        False,
        help="Also score the model with parts switched off: the linker's mention checks, all its entity "
        "repairs, the summed-probability boundary decoding (argmax instead), the diagnosis lists (spancat's "
        "DIAGNOSIS spans instead) and spancat's DIAGNOSIS spans outside the lists kept beside them",
    ),
) -> None:
    systems: dict[str, Language] = {"model": spacy.load(model)}
    if ablations:
        for name, overrides, leave_out in ABLATIONS:
            systems[name] = spacy.load(model, config={"components": overrides}, exclude=list(leave_out))
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
    table = render_table(results)
    write_metrics(output, {"results": results, "table": table})
    typer.echo("Cells are P/R/F per label (NER row: micro F over NER labels).")
    typer.echo(table)


if __name__ == "__main__":
    typer.run(main)
