"""Speed against accuracy for the tok2vec size: train, score and time configs/tok2vec_curve.json.

Models go to MODELS_DIR/<point>_seed<N> (kept: a rerun scores and times them again without training).
"""

from __future__ import annotations

from pathlib import Path

import typer

from imr_determinations.evaluation.benchmark import load_texts
from imr_determinations.evaluation.provenance import write_metrics
from imr_determinations.evaluation.tok2vec_curve import render, run_curve

ROOT = Path(__file__).resolve().parents[1]


def main(
    spec: Path = typer.Argument(Path("configs/tok2vec_curve.json")),
    split: list[str] = typer.Option(..., help="NAME=PATH (.spacy file or folder)"),
    letters_dir: Path = typer.Option(Path("../shared/letters"), help="letters the models are timed on"),
    stage1_config: Path = typer.Option(Path("configs/ner_boundaries.cfg")),
    config: Path = typer.Option(Path("configs/config.cfg")),
    train: Path = typer.Option(Path("corpus/splits/train")),
    train_spancat: Path = typer.Option(Path("corpus/splits/train_spancat")),
    dev: Path = typer.Option(Path("corpus/splits/dev")),
    stage1_steps: int = typer.Option(2400),
    stage2_steps: int = typer.Option(800),
    models_dir: Path = typer.Option(Path("training/tok2vec_curve")),
    output: Path = typer.Option(Path("training/metrics/tok2vec_curve.json")),
) -> None:
    import srsly

    texts, _, source = load_texts(letters_dir, root=ROOT)
    report = run_curve(srsly.read_json(spec), models_dir, split, texts, stage1_config=stage1_config,
                       config=config, train=train, train_spancat=train_spancat, dev=dev,
                       stage1_steps=stage1_steps, stage2_steps=stage2_steps)
    tables = [render(report, name.partition("=")[0]) for name in split]
    write_metrics(output, {**report, "timed_on": source, "tables": tables})
    typer.echo("\n\n".join(tables))


if __name__ == "__main__":
    typer.run(main)
