"""ICD-10-CM lookup accuracy on the gold diagnoses (imr_determinations.evaluation.icd_eval)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from imr_determinations.evaluation.icd_eval import evaluate
from imr_determinations.evaluation.provenance import write_metrics


def main(
    gold: Path = typer.Option(Path("corpus/gold/diagnosis_codes.json"), help="codes assigned by reading"),
    letters: Path = typer.Option(Path("../shared/letters"), envvar="LETTERS_DIR", help="the real letters"),
    output: Path = typer.Option(Path("training/metrics/icd.json"), help="JSON output"),
) -> None:
    if not letters.is_dir():
        typer.echo(f"evaluate-icd skipped: no letters at {letters} (set LETTERS_DIR)")
        return
    metrics = evaluate(gold, letters)
    write_metrics(output, metrics)
    typer.echo(json.dumps(metrics, indent=2))


if __name__ == "__main__":
    typer.run(main)
