# ruff: noqa: B008  (typer options are declared as defaults)
"""Service taxonomy accuracy on hand-labelled real services (corpus/gold/service_categories.json).

    python scripts/evaluate_taxonomy.py --letters-dir assets/letters --output training/metrics/taxonomy.json

Without the letters folder only the seed letters are scored, and the JSON says why.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from imr_determinations.evaluation.provenance import write_metrics
from imr_determinations.evaluation.taxonomy_eval import load_labelled, score, summary_lines

ROOT = Path(__file__).resolve().parents[1]
app = typer.Typer(add_completion=False)


@app.command()
def main(
    labels: Path = typer.Option(ROOT / "corpus" / "gold" / "service_categories.json", help="the labels"),
    gold_dir: Path = typer.Option(ROOT / "corpus" / "gold", help="gold folder (seeds.jsonl, letters/)"),
    letters_dir: Path = typer.Option(None, help="the real letters (PDFs); absent = seed letters only"),
    output: Path = typer.Option(ROOT / "training" / "metrics" / "taxonomy.json", help="JSON output"),
) -> None:
    services, skipped = load_labelled(labels, gold_dir, letters_dir)
    for reason in skipped:
        typer.echo(f"skipped: {reason}", err=True)
    result = {"labels": str(labels), "skipped": skipped, **score(services)}
    for line in summary_lines(result):
        typer.echo(line)
    write_metrics(output, result)
    typer.echo(f"wrote {output}")


if __name__ == "__main__":
    sys.exit(app())
