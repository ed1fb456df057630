"""Validate the gold annotations and optionally write them as DocBins for training/evaluation.

    python scripts/validate_gold.py corpus/gold --letters-dir ../shared/letters [--output-dir corpus/]

Checks every span (known label, inside the text, no whitespace at the edges, aligned to
``blank_nlp()`` tokens, NER spans not overlapping) and every record list; prints a summary
table; exits non-zero on any error. Real letters are skipped, with the reason, when the
letters folder is absent.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from imr_determinations.corpus.gold_docbins import write_gold_docbins
from imr_determinations.gold import GoldError, load_gold, validate_letter
from imr_determinations.io import LetterReadError
from imr_determinations.labels import ALL_LABELS
from imr_determinations.tokenizer import blank_nlp

app = typer.Typer(add_completion=False)


@app.command()
def main(
    gold_dir: Annotated[Path, typer.Argument(help="corpus/gold")],
    letters_dir: Annotated[Path | None, typer.Option(help="folder with the real letter PDFs")] = None,
    split_file: Annotated[Path | None, typer.Option(help="letter_id -> train|dev|test")] = None,
    output_dir: Annotated[
        Path | None, typer.Option(help="write real_gold*.spacy and seeds_gold.spacy here")
    ] = None,
    show_warnings: Annotated[bool, typer.Option("--warnings/--no-warnings")] = True,
) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    if letters_dir is not None and not letters_dir.is_dir():
        typer.echo(f"note: letters folder {letters_dir} is absent; real-letter gold is skipped")
    try:
        letters = load_gold(gold_dir, letters_dir, split_file)
    except (GoldError, LetterReadError) as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from exc
    nlp = blank_nlp()
    n_errors = 0
    per_label: Counter[str] = Counter()
    per_split: Counter[str] = Counter()
    n_records = 0
    for gl in letters:
        errors, warnings = validate_letter(nlp, gl)
        for e in errors:
            typer.secho(f"ERROR {gl.path or gl.letter_id}: {e}", fg=typer.colors.RED, err=True)
        if show_warnings:
            for w in warnings:
                typer.secho(f"warn  {gl.path or gl.letter_id}: {w}", fg=typer.colors.YELLOW, err=True)
        n_errors += len(errors)
        per_label.update(s["label"] for s in gl.spans)
        per_split[f"{gl.kind}/{gl.split}"] += 1
        n_records += len(gl.records) if isinstance(gl.records, list) else 0
    typer.echo(f"letters: {len(letters)} ({', '.join(f'{k}={v}' for k, v in sorted(per_split.items()))})")
    typer.echo(f"records: {n_records}")
    typer.echo(f"{'label':<18}{'spans':>7}")
    for label in ALL_LABELS:
        typer.echo(f"{label:<18}{per_label[label]:>7}")
    typer.echo(f"{'total':<18}{sum(per_label.values()):>7}")
    if n_errors:
        typer.secho(f"{n_errors} error(s)", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    if output_dir is not None:
        for path, n in write_gold_docbins(nlp, letters, output_dir):
            typer.echo(f"wrote {path} ({n} docs)")


if __name__ == "__main__":
    app()
