# ruff: noqa: B008  (typer options are declared as defaults)
"""Assertion accuracy of imr_finding_context on hand-labelled real findings
(corpus/gold/finding_assertions.json).

    python scripts/evaluate_assertion.py --letters-dir assets/letters --output training/metrics/assertion.json

Without the letters folder nothing is scored, and the JSON says why.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from imr_determinations.evaluation.assertion_eval import evaluate, summary_lines
from imr_determinations.evaluation.provenance import write_metrics

ROOT = Path(__file__).resolve().parents[1]
app = typer.Typer(add_completion=False)


@app.command()
def main(
    labels: Path = typer.Option(ROOT / "corpus" / "gold" / "finding_assertions.json", help="the labels"),
    letters_dir: Path = typer.Option(None, help="the real letters (PDFs); absent = skipped"),
    output: Path = typer.Option(ROOT / "training" / "metrics" / "assertion.json", help="JSON output"),
) -> None:
    result = {"labels": str(labels), **evaluate(labels, letters_dir)}
    for reason in result["skipped"]:
        typer.echo(f"skipped: {reason}", err=True)
    for line in summary_lines(result):
        typer.echo(line)
    write_metrics(output, result)
    typer.echo(f"wrote {output}")


if __name__ == "__main__":
    sys.exit(app())
