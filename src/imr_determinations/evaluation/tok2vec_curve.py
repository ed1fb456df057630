"""Speed against accuracy for the size of the shared tok2vec (configs/tok2vec_curve.json).

Every point is trained on every seed (both stages, :func:`seed_spread.train_seed` with the point's config
overrides), scored on the given splits and timed: the pipeline as ``imr extract`` loads it, over the same
letters as the tokenizer alone in the same process, so the ratio holds on a noisy machine where words/s
do not. A point's scores are the mean over its seeds (a point may name its own); differences smaller than the
seed spread are noise.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import typer

from ..tokenizer import blank_nlp
from .seed_spread import score_models, train_seed

SHOWN = ("NER (all)", "DISPUTED_SERVICE", "GUIDELINE", "CLINICAL_FINDING", "CLINICAL_FINDING (overlap)")


def _words_per_s(pipe: Any, texts: list[str], n_words: int) -> float:
    for _ in pipe(texts[:8]):  # warm-up
        pass
    start = time.perf_counter()
    for _ in pipe(texts):
        pass
    return n_words / (time.perf_counter() - start)


def time_model(model: Path, texts: list[str]) -> dict[str, float]:
    """words/s of the loaded pipeline and of the tokenizer alone on ``texts``, and their ratio."""
    from ..extract.models import load_model

    nlp = load_model(str(model))
    tokenizer = blank_nlp()
    n_words = sum(len(tokenizer.make_doc(t)) for t in texts)
    tok = _words_per_s(lambda ts: tokenizer.pipe(ts, batch_size=16), texts, n_words)
    full = _words_per_s(lambda ts: nlp.pipe(ts, batch_size=16), texts, n_words)
    return {"words_per_s": round(full), "tokenizer_words_per_s": round(tok), "ratio": round(full / tok, 3)}


def run_curve(spec: dict[str, Any], models_dir: Path, splits: list[str], texts: list[str],
              **train: Any) -> dict[str, Any]:
    """Train (or reuse), score and time every point on every seed of ``spec``."""
    points: dict[str, Any] = {}
    for key, point in spec["points"].items():
        models = {}
        for seed in point.get("seeds", spec["seeds"]):
            models[f"{key}_seed{seed}"] = str(train_seed(
                seed, models_dir / f"{key}_seed{seed}", stage1_overrides=point.get("stage1"),
                stage2_overrides=point.get("stage2"), **train))
        scores = score_models(models, splits)
        timing = {name: time_model(Path(path), texts) for name, path in models.items()}
        typer.echo(f"{key}: scored and timed", err=True)
        points[key] = {"label": point["label"], "models": models, "scores": scores, "timing": timing}
    return {"seeds": spec["seeds"], "points": points}


def render(report: dict[str, Any], split: str) -> str:
    """One row per point: mean F over its seeds of the labels shown, and the mean speed ratio."""
    lines = [
        f"| architecture ({split}) | seeds | " + " | ".join(SHOWN) + " | words/s | ratio to tokenizer |",
        "| --- | ---: | " + " | ".join("---:" for _ in SHOWN) + " | ---: | ---: |",
    ]
    for point in report["points"].values():
        per_model = point["scores"].get(split, {})
        if not per_model:
            continue
        cells = [f"{statistics.fmean(s[row] for s in per_model.values()):.3f}" for row in SHOWN]
        timing = point["timing"].values()
        words = statistics.fmean(t["words_per_s"] for t in timing)
        ratio = statistics.fmean(t["ratio"] for t in timing)
        lines.append(f"| {point['label']} | {len(per_model)} | " + " | ".join(cells)
                     + f" | {words:,.0f} | {ratio:.3f} |")
    return "\n".join(lines)
