"""Seed spread: how far the scores move when only the training seed changes.

Same corpus, same configs and steps; both training stages are rerun per seed into OUTPUT_DIR/seed<N>
(kept, so a rerun scores them again without training), then every model is scored on the given splits
by `evaluate.score`. A difference between two configurations smaller than the spread reported here is
not evidence for either.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

import spacy
import typer

from imr_determinations.evaluation.provenance import provenance
from imr_determinations.labels import NER_LABELS, SPAN_LABELS

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluate import load_docs, score  # noqa: E402  (a sibling script, not a package)


def train_seed(
    seed: int,
    out: Path,
    *,
    stage1_config: Path,
    config: Path,
    train: Path,
    train_spancat: Path,
    dev: Path,
    stage1_steps: int,
    stage2_steps: int,
) -> Path:
    """Both stages with --system.seed SEED, as the project's train-stage1 and train commands run them."""
    model = out / "model-best"
    if model.exists():
        typer.echo(f"seed {seed}: {model} exists, not retrained", err=True)
        return model
    spacy_train = [sys.executable, "-m", "spacy", "train"]
    common = ["--paths.dev", str(dev), "--system.seed", str(seed)]
    typer.echo(f"seed {seed}: stage 1 ({stage1_steps} steps)", err=True)
    subprocess.run(
        [*spacy_train, str(stage1_config), "--output", str(out / "stage1"), "--paths.train", str(train),
         *common, "--training.max_steps", str(stage1_steps)],
        check=True,
    )
    typer.echo(f"seed {seed}: stage 2 ({stage2_steps} steps)", err=True)
    stage1 = out / "stage1" / "model-best"
    subprocess.run(
        [*spacy_train, str(config), "--output", str(out), "--paths.stage1", str(stage1),
         "--paths.train", str(train_spancat), *common, "--training.max_steps", str(stage2_steps)],
        check=True,
    )
    return model


def label_scores(result: dict) -> dict[str, float]:
    """The F scores of one evaluate.score result, one row per label plus NER micro, overlap and candidates."""
    row = {"NER (all)": result["ents_f"]}
    for label in (*NER_LABELS, *SPAN_LABELS):
        row[label] = result["per_label"][label]["f"]
    for label in SPAN_LABELS:
        row[f"{label} (overlap)"] = result["overlap"][label]["f"]
    if result.get("candidates"):
        row["candidate recall"] = result["candidates"]["recall"]
    return row


def spread(per_model: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """Per row: mean, min, max and max - min over the models."""
    rows: dict[str, dict[str, float]] = {}
    for name in next(iter(per_model.values())):
        values = [scores[name] for scores in per_model.values()]
        rows[name] = {
            "mean": statistics.fmean(values),
            "min": min(values),
            "max": max(values),
            "range": max(values) - min(values),
        }
    return rows


def render(split: str, per_model: dict[str, dict[str, float]], stats: dict[str, dict[str, float]]) -> str:
    names = list(per_model)
    lines = [
        f"| {split} | " + " | ".join(names) + " | mean | max - min |",
        "| --- | " + " | ".join("---:" for _ in names) + " | ---: | ---: |",
    ]
    for row, s in stats.items():
        cells = [f"{per_model[n][row]:.3f}" for n in names]
        lines.append(f"| {row} | " + " | ".join(cells) + f" | {s['mean']:.3f} | {s['range']:.3f} |")
    return "\n".join(lines)


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
    scores: dict[str, dict[str, dict[str, float]]] = {}
    for name, path in models.items():
        nlp = spacy.load(path)
        for spec in split:
            split_name, _, split_path = spec.partition("=")
            docs = load_docs(nlp, Path(split_path))
            if not docs:
                typer.echo(f"split {split_name}: no documents at {split_path}, skipped", err=True)
                continue
            scores.setdefault(split_name, {})[name] = label_scores(score(nlp, docs))
            typer.echo(f"{name}: split {split_name} scored", err=True)
    spreads = {split_name: spread(per_model) for split_name, per_model in scores.items()}
    tables = [render(split_name, scores[split_name], stats) for split_name, stats in spreads.items()]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        json.dumps(
            {
                "measured_on": provenance(),
                "models": models,
                "scores": scores,
                "spread": spreads,
                "tables": tables,
            },
            indent=2,
        )
    )
    typer.echo("F per model and its spread over the training seeds (same corpus, configs and steps).")
    typer.echo("\n\n".join(tables))


if __name__ == "__main__":
    typer.run(main)
