"""Train (train) and score (score) the clinical-component design variants of configs/variants.json.

``score`` writes the table (mean over each variant's seeds; exact and overlap P/R/F per clinical label) to
stdout and, with the per-seed scores, to --output; variants whose model was not trained are named and skipped.
"""

from __future__ import annotations

from pathlib import Path

import srsly
import typer

from imr_determinations.evaluation.provenance import write_metrics
from imr_determinations.evaluation.variants import render, score_variants, train_models

app = typer.Typer(add_completion=False)


@app.command()
def train(
    variants: Path = typer.Argument(Path("configs/variants.json")),
    config: Path = typer.Option(Path("configs/config.cfg")),
    stage1: Path = typer.Option(Path("training/stage1/model-best")),
    train_corpus: Path = typer.Option(Path("corpus/splits/train_spancat"), "--train"),
    dev: Path = typer.Option(Path("corpus/splits/dev")),
    steps: int = typer.Option(800),
    models_dir: Path = typer.Option(Path("training/variants")),
) -> None:
    spec = srsly.read_json(variants)
    train_models(spec["models"], models_dir, config, stage1=stage1, train=train_corpus, dev=dev, steps=steps)


@app.command()
def score(
    variants: Path = typer.Argument(Path("configs/variants.json")),
    split: list[str] = typer.Option(..., help="NAME=PATH (.spacy file or folder)"),
    models_dir: Path = typer.Option(Path("training/variants")),
    output: Path = typer.Option(Path("training/metrics/variants.json")),
) -> None:
    spec = srsly.read_json(variants)
    scores = score_variants(spec["variants"], split, models_dir)
    tables = [render(name, per_variant) for name, per_variant in scores.items()]
    write_metrics(output, {"variants": spec["variants"], "scores": scores, "tables": tables})
    typer.echo("\n\n".join(tables))


if __name__ == "__main__":
    app()
