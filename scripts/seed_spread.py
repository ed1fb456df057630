"""Seed spread: how far the scores move when only the training seed changes.

Same corpus, same configs and steps; both training stages are rerun per seed into OUTPUT_DIR/seed<N>
(kept, so a rerun scores them again without training), then every model is scored on the given splits.
A difference between two configurations smaller than the spread reported here is not evidence for either.
"""

from __future__ import annotations

from pathlib import Path

import typer

from imr_determinations.evaluation.provenance import write_metrics
from imr_determinations.evaluation.seed_spread import render, score_models, spread, train_seed


def main(
    seeds: str = typer.Option("1,2", help="comma list of training seeds to train and score"),
    include: list[str] = typer.Option([], help="NAME=MODEL: an already trained model to score beside them"),
    split: list[str] = typer.Option(..., help="NAME=PATH (.spacy file or folder)"),
    stage1_config: Path = typer.Option(Path("configs/ner_boundaries.cfg")),
    config: Path = typer.Option(Path("configs/config.cfg")),
    train: Path = typer.Option(Path("corpus/splits/train")),
    train_spancat: Path = typer.Option(Path("corpus/splits/train_spancat")),
    dev: Path = typer.Option(Path("corpus/splits/dev")),
    stage1_steps: int = typer.Option(2400),
    stage2_steps: int = typer.Option(800),
    output_dir: Path = typer.Option(Path("training/seeds")),
    output: Path = typer.Option(Path("training/metrics/seed_spread.json")),
) -> None:
    models = dict(spec.partition("=")[::2] for spec in include)
    seed_list = [int(s) for s in seeds.split(",") if s.strip()]
    if len(models) + len(seed_list) < 2:  # checked before hours of training, not after
        raise typer.BadParameter("a spread needs at least two models (--seeds and --include)")
    for seed in seed_list:
        models[f"seed{seed}"] = str(
            train_seed(
                seed,
                output_dir / f"seed{seed}",
                stage1_config=stage1_config,
                config=config,
                train=train,
                train_spancat=train_spancat,
                dev=dev,
                stage1_steps=stage1_steps,
                stage2_steps=stage2_steps,
            )
        )
    scores = score_models(models, split)
    spreads = {split_name: spread(per_model) for split_name, per_model in scores.items()}
    tables = [render(split_name, scores[split_name], stats) for split_name, stats in spreads.items()]
    write_metrics(output, {"models": models, "scores": scores, "spread": spreads, "tables": tables})
    typer.echo("F per model and its spread over the training seeds (same corpus, configs and steps).")
    typer.echo("\n\n".join(tables))


if __name__ == "__main__":
    typer.run(main)
