"""Generate the synthetic IMR letter corpus (train/dev/heldout DocBins, stats and preview)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from imr_determinations.synth.generator import AlignmentError, write_corpus

app = typer.Typer(add_completion=False)


@app.command()
def main(
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives byte-identical output.")] = 0,
    n_train: Annotated[int, typer.Option(help="Letters in train.spacy.")] = 1200,
    n_dev: Annotated[int, typer.Option(help="Letters in dev.spacy.")] = 200,
    n_heldout: Annotated[int, typer.Option(help="Letters in heldout.spacy (held-out entries only).")] = 200,
    output_dir: Annotated[Path, typer.Option(help="Where <split>.spacy and generated/ go.")] = Path("corpus"),
    lexicon_dir: Annotated[
        Path | None, typer.Option(help="Lexicon folder (default: the package's data/lexicons).")
    ] = None,
    strict: Annotated[bool, typer.Option(help="Fail on the first misaligned gold span.")] = True,
) -> None:
    """Write corpus/{train,dev,heldout}.spacy, corpus/generated/stats.json and preview.jsonl."""
    t0 = time.perf_counter()
    try:
        stats = write_corpus(
            output_dir,
            seed,
            {"train": n_train, "dev": n_dev, "heldout": n_heldout},
            strict=strict,
            lexicon_dir=lexicon_dir,
        )
    except AlignmentError as exc:
        typer.echo(f"gold span alignment failed: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    elapsed = time.perf_counter() - t0
    misaligned = 0
    for split, st in stats["splits"].items():  # type: ignore[union-attr]
        misaligned += st["misaligned"]
        labels = ", ".join(f"{k}={v}" for k, v in st["labels"].items())
        typer.echo(f"{split}: {st['docs']} docs, {st['items']} items; {labels}")
    typer.echo(f"generated in {elapsed:.1f}s -> {output_dir}")
    if misaligned:
        typer.echo(f"{misaligned} letters skipped: gold spans not on token boundaries", err=True)
        raise typer.Exit(code=1)


if __name__ == "__main__":
    app()
