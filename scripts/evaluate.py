"""Span-level evaluation: per-label P/R/F on several corpora, trained model vs rule baseline.

Each --split is NAME=PATH where PATH is a .spacy file or a folder of them. An empty or
missing split is reported as skipped (e.g. real letters absent on a user's machine).
"""

from __future__ import annotations

from pathlib import Path

import spacy
import typer
from spacy.language import Language
from spacy.util import load_config

from imr_determinations.evaluation.provenance import write_metrics
from imr_determinations.evaluation.spans import load_docs, render_table, score

LINKER = "imr_determination_linker"
REPAIR = "imr_entity_repair"
# name, config overrides, components left out (REPAIR: the component of the shipped config)
ABLATIONS = (
    ("no-mention-checks", {REPAIR: {"check_mentions": False}}, ()),
    ("no-entity-repairs", {}, (REPAIR,)),
    ("argmax-boundaries", {"span_boundaries": {"boundary_threshold": 1.0}}, ()),
    ("spancat-diagnoses", {}, ("imr_diagnosis_lists",)),
    ("no-finding-edges", {}, ("imr_finding_edges",)),
    ("lists-and-spancat-diagnoses", {"imr_diagnosis_lists": {"keep_existing": True}}, ()),
)
# a pipeline saved before imr_entity_repair existed: its linker repairs doc.ents itself
LEGACY_OVERRIDES = {
    "no-mention-checks": {LINKER: {"check_mentions": False}},
    "no-entity-repairs": {LINKER: {"sync_ents": False}},
}


def ablation(model: Path, name: str, overrides: dict, leave_out: tuple[str, ...]) -> Language:
    """The model with one part switched off, whether or not it was saved with imr_entity_repair."""
    pipeline = load_config(model / "config.cfg", interpolate=False)["nlp"]["pipeline"]
    if name in LEGACY_OVERRIDES and REPAIR not in pipeline:
        overrides, leave_out = LEGACY_OVERRIDES[name], ()
    return spacy.load(model, config={"components": overrides}, exclude=list(leave_out))


def main(
    model: Path,
    split: list[str] = typer.Option(..., help="NAME=PATH (.spacy file or folder)"),
    output: Path = typer.Option(Path("training/metrics/spans.json")),
    baseline: bool = typer.Option(True, help="Also score the rule baseline (imr_determinations.rules)"),
    ablations: bool = typer.Option(
        False,
        help="Also score the model with parts switched off: the mention checks, all the entity "
        "repairs, the summed-probability boundary decoding (argmax instead), the diagnosis lists (spancat's "
        "DIAGNOSIS spans instead) and spancat's DIAGNOSIS spans outside the lists kept beside them",
    ),
) -> None:
    systems: dict[str, Language] = {"model": spacy.load(model)}
    if ablations:
        for name, overrides, leave_out in ABLATIONS:
            systems[name] = ablation(model, name, overrides, leave_out)
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
