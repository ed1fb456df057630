"""Seed spread: how far the scores move when only the training seed changes.

Both training stages are rerun per seed (as the project's train-stage1 and train commands run them)
and every model is scored by :func:`imr_determinations.evaluation.spans.score`; a difference between
two configurations smaller than the spread is not evidence for either.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

import typer

from ..labels import NER_LABELS, SPAN_LABELS


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
    stage1_overrides: dict[str, object] | None = None,
    stage2_overrides: dict[str, object] | None = None,
) -> Path:
    """Both stages with --system.seed SEED, as the project's train-stage1 and train commands run them;
    the overrides (dotted config keys) change the architecture of a stage."""
    model = out / "model-best"
    if model.exists():
        typer.echo(f"seed {seed}: {model} exists, not retrained", err=True)
        return model
    spacy_train = [sys.executable, "-m", "spacy", "train"]
    common = ["--paths.dev", str(dev), "--system.seed", str(seed)]
    typer.echo(f"seed {seed}: stage 1 ({stage1_steps} steps)", err=True)
    subprocess.run(
        [*spacy_train, str(stage1_config), "--output", str(out / "stage1"), "--paths.train", str(train),
         *common, "--training.max_steps", str(stage1_steps), *_cli(stage1_overrides)],
        check=True,
    )
    typer.echo(f"seed {seed}: stage 2 ({stage2_steps} steps)", err=True)
    stage1 = out / "stage1" / "model-best"
    subprocess.run(
        [*spacy_train, str(config), "--output", str(out), "--paths.stage1", str(stage1),
         "--paths.train", str(train_spancat), *common, "--training.max_steps", str(stage2_steps),
         *_cli(stage2_overrides)],
        check=True,
    )
    return model


def _cli(overrides: dict[str, object] | None) -> list[str]:
    """{"a.b": 1} -> ["--a.b", "1"], as ``spacy train`` takes config overrides."""
    return [arg for key, value in (overrides or {}).items() for arg in (f"--{key}", str(value))]


def label_scores(result: dict) -> dict[str, float]:
    """The F scores of one spans.score result, one row per label plus NER micro, overlap and candidates."""
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
    """Markdown: one row per score, one column per model, then mean and max - min."""
    names = list(per_model)
    lines = [
        f"| {split} | " + " | ".join(names) + " | mean | max - min |",
        "| --- | " + " | ".join("---:" for _ in names) + " | ---: | ---: |",
    ]
    for row, s in stats.items():
        cells = [f"{per_model[n][row]:.3f}" for n in names]
        lines.append(f"| {row} | " + " | ".join(cells) + f" | {s['mean']:.3f} | {s['range']:.3f} |")
    return "\n".join(lines)


def score_models(models: dict[str, str], splits: list[str]) -> dict[str, dict[str, dict[str, float]]]:
    """{split: {model: label_scores}} for every NAME=PATH split; an empty split is skipped, said on stderr."""
    import spacy

    from .spans import score_splits

    scores: dict[str, dict[str, dict[str, float]]] = {}
    for name, path in models.items():
        for split_name, result in score_splits(spacy.load(path), splits):
            scores.setdefault(split_name, {})[name] = label_scores(result)
            typer.echo(f"{name}: split {split_name} scored", err=True)
    return scores
