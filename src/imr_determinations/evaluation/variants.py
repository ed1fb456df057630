"""Design variants of the clinical components, scored side by side on the same splits.

A variant is a trained model plus what is switched off or overridden at load time (configs/variants.json);
each design is listed once per training seed, and the table shows the mean over its seeds, because
single-run differences under about 0.07 on findings and diagnoses are seed noise (seed_spread.py).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import typer

from ..labels import SPAN_LABELS

COLUMNS = ("p", "r", "f")


def variant_scores(result: dict) -> dict[str, float]:
    """Exact and overlap P/R/F per clinical label, and the suggester's candidate recall, of one score()."""
    row: dict[str, float] = {}
    for label in SPAN_LABELS:
        for kind, source in (("exact", result["per_label"][label]), ("overlap", result["overlap"][label])):
            for c in COLUMNS:
                row[f"{label} {kind} {c}"] = float(source[c])
    if result.get("candidates"):
        row["candidate recall"] = float(result["candidates"]["recall"])
    return row


def train_models(models: dict[str, dict[str, Any]], out_dir: Path, config: Path, **paths: Path | int) -> None:
    """Stage 2 of each model (``config`` with its dotted overrides) on the project's stage 1, as the
    train command runs it; a model already trained is kept. ``paths``: stage1, train, dev, steps."""
    from thinc.api import Config

    for name, spec in models.items():
        out = out_dir / name
        if (out / "model-best").exists():
            typer.echo(f"{name}: {out / 'model-best'} exists, not retrained", err=True)
            continue
        cfg = Config().from_disk(config)
        for dotted, value in spec.get("overrides", {}).items():
            *parents, key = dotted.split(".")
            section = cfg
            for p in parents:
                section = section[p]
            section[key] = value
        with tempfile.TemporaryDirectory() as tmp:
            variant_cfg = Path(tmp) / "config.cfg"
            cfg.to_disk(variant_cfg)
            typer.echo(f"{name}: training stage 2 (seed {spec['seed']})", err=True)
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "spacy",
                    "train",
                    str(variant_cfg),
                    "--output",
                    str(out),
                    "--paths.stage1",
                    str(paths["stage1"]),
                    "--paths.train",
                    str(paths["train"]),
                    "--paths.dev",
                    str(paths["dev"]),
                    "--system.seed",
                    str(spec["seed"]),
                    "--training.max_steps",
                    str(paths["steps"]),
                ],
                check=True,
            )


def score_variants(variants: list[dict[str, Any]], splits: list[str], models_dir: Path) -> dict[str, Any]:
    """{split: {variant: {seed: scores}}}; a model is ``models_dir/<model>/model-best``; a missing model
    or an empty split is skipped and said on stderr (the table shows what was measured, nothing else)."""
    import spacy

    from .spans import score_splits

    out: dict[str, Any] = {}
    for v in variants:
        model = models_dir / v["model"] / "model-best"
        if not model.exists():
            typer.echo(f"{v['name']} seed {v['seed']}: no model at {model}, skipped", err=True)
            continue
        nlp = spacy.load(model, exclude=v.get("exclude", []), config={"components": v.get("components", {})})
        for split_name, result in score_splits(nlp, splits):
            seeds = out.setdefault(split_name, {}).setdefault(v["name"], {})
            seeds[str(v["seed"])] = variant_scores(result)
            typer.echo(f"{v['name']} seed {v['seed']}: split {split_name} scored", err=True)
    return out


def mean_scores(per_seed: dict[str, dict[str, float]]) -> dict[str, float]:
    return {k: statistics.fmean(s[k] for s in per_seed.values()) for k in next(iter(per_seed.values()))}


def render(split: str, per_variant: dict[str, dict[str, dict[str, float]]]) -> str:
    """Markdown: one row per variant (mean over its seeds), exact and overlap P/R/F per label."""
    heads = [
        f"{label.split('_')[-1].lower()} {kind} {c.upper()}"
        for label in SPAN_LABELS
        for kind in ("exact", "overlap")
        for c in COLUMNS
    ]
    lines = [
        f"| {split}: variant | seeds | " + " | ".join(heads) + " |",
        "| --- | ---: | " + " | ".join("---:" for _ in heads) + " |",
    ]
    for name, per_seed in per_variant.items():
        m = mean_scores(per_seed)
        cells = [
            f"{m[f'{label} {kind} {c}']:.3f}"
            for label in SPAN_LABELS
            for kind in ("exact", "overlap")
            for c in COLUMNS
        ]
        lines.append(f"| {name} | {len(per_seed)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
