# ruff: noqa: B008  (typer options are declared as defaults)
"""Precision and recall of the findings the pipeline says the records lack (assertion not_documented),
against the hand-labelled not_documented findings of real letters.

    python scripts/evaluate_missing.py --model training/model-best --letters-dir assets/letters

Without the letters folder nothing is scored, and the JSON says why.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from imr_determinations.evaluation.missing_eval import evaluate, summary_lines
from imr_determinations.evaluation.provenance import write_metrics
from imr_determinations.extract.models import load_model
from imr_determinations.missing_findings import FACTORY as MISSING

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "corpus" / "gold"
app = typer.Typer(add_completion=False)


@app.command()
def main(
    model: str = typer.Option(str(ROOT / "training" / "model-best"), help="pipeline to score"),
    labels: list[Path] = typer.Option(
        [GOLD / "finding_assertions.json", GOLD / "not_documented_findings.json"],
        help="standoff label files (their not_documented findings are the gold)",
    ),
    letters_dir: Path = typer.Option(None, help="the real letters (PDFs); absent = skipped"),
    output: Path = typer.Option(ROOT / "training" / "metrics" / "missing.json", help="JSON output"),
    examination_rule: bool = typer.Option(
        True, help="--no-examination-rule: a general negation in the case summary leads a missing finding too"
    ),
) -> None:
    nlp = load_model(model)
    if not examination_rule and MISSING in nlp.pipe_names:
        nlp.get_pipe(MISSING).examination_sections = set()
    result = {"model": model, "labels": [str(p) for p in labels], "examination_rule": examination_rule,
              **evaluate(nlp, labels, letters_dir)}
    for reason in result["skipped"]:
        typer.echo(f"skipped: {reason}", err=True)
    for line in summary_lines(result):
        typer.echo(line)
    write_metrics(output, result)
    typer.echo(f"wrote {output}")


if __name__ == "__main__":
    sys.exit(app())
