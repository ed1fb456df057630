"""Extract the real letters with the trained pipeline and render their analysis report.

Skips, saying why, when the letters folder is absent (a fresh machine without them).
"""

from __future__ import annotations

from pathlib import Path

import typer

from imr_determinations.extract.run import run_extract
from imr_determinations.report import run_report


def main(
    letters_dir: Path = typer.Option(..., help="folder of letters (PDF/txt)"),
    model: str = typer.Option("training/model-best", help="pipeline to extract with"),
    records: Path = typer.Option(Path("training/letters_records.jsonl"), help="JSONL records to write"),
    output: Path = typer.Option(Path("training/report_letters.html"), help="the HTML report"),
) -> None:
    if not letters_dir.is_dir():
        typer.echo(f"skipped: no letters folder at {letters_dir} (set letters_dir / LETTERS_DIR)")
        return
    result = run_extract([letters_dir], model=model, output=records, quiet=True)
    run_report(records, output, "html")
    typer.echo(f"{result.stats.done} letters, {result.stats.determinations} determinations -> {output}")


if __name__ == "__main__":
    typer.run(main)
