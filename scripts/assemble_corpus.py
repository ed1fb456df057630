"""Assemble the train/dev/test corpora from synthetic DocBins and the real gold DocBins.

spaCy's Corpus reader accepts a folder of .spacy files, so each split is a folder; the
`real_gold_use` var decides where hand-annotated real letters go. Seed letters are always test.
`train_spancat` is the training folder of stage 2 (spancat): the same letters with the real ones
repeated more often, because real findings are what synthetic ones do not teach (docs/design.md,
"Training in two stages").
"""

from __future__ import annotations

from pathlib import Path

import typer

from imr_determinations.corpus.assemble import assemble


def main(
    synthetic_dir: Path = typer.Option(Path("corpus"), help="Folder with train.spacy and dev.spacy"),
    gold_docs: Path = typer.Option(Path("corpus/gold_docs"), help="Output of validate_gold.py"),
    real_gold_use: str = typer.Option("split", help="split | test | train | dev"),
    output_dir: Path = typer.Option(Path("corpus/splits")),
    real_repeat: int = typer.Option(
        1, help="Copies of each real training letter (they are few beside the synthetic ones)"
    ),
    real_repeat_spancat: int = typer.Option(
        0, help="Copies of each real training letter in train_spancat (0: as --real-repeat)"
    ),
) -> None:
    try:
        rows = assemble(synthetic_dir, gold_docs, real_gold_use, output_dir, real_repeat, real_repeat_spancat)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    width = max(len(r[1]) for r in rows)
    for split, name, n in rows:
        typer.echo(f"{split:<6} {name:<{width}} {n:>6} docs")


if __name__ == "__main__":
    typer.run(main)
