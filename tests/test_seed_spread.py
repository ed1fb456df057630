"""The seed-spread report: per-label spread over models, and it never retrains a model it already has."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from imr_determinations.evaluation import seed_spread
from imr_determinations.labels import NER_LABELS, SPAN_LABELS

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "seed_spread.py"


def _result(f: float) -> dict:
    labels = {label: {"p": f, "r": f, "f": f} for label in (*NER_LABELS, *SPAN_LABELS)}
    return {
        "ents_f": f,
        "per_label": labels,
        "overlap": {label: {"p": 1.0, "r": 1.0, "f": min(1.0, f + 0.2)} for label in SPAN_LABELS},
        "candidates": {"recall": 0.6, "gold_spans": 10},
    }


def test_label_scores_have_one_row_per_label() -> None:
    row = seed_spread.label_scores(_result(0.5))
    assert row["NER (all)"] == 0.5
    assert row["CLINICAL_FINDING"] == 0.5
    assert row["CLINICAL_FINDING (overlap)"] == pytest.approx(0.7)
    assert row["candidate recall"] == 0.6
    assert set(NER_LABELS) <= set(row)


def test_spread_reports_mean_and_range_over_models() -> None:
    per_model = {
        "seed0": seed_spread.label_scores(_result(0.42)),
        "seed1": seed_spread.label_scores(_result(0.35)),
        "seed2": seed_spread.label_scores(_result(0.40)),
    }
    stats = seed_spread.spread(per_model)["CLINICAL_FINDING"]
    assert stats["mean"] == pytest.approx(0.39)
    assert (stats["min"], stats["max"]) == (0.35, 0.42)
    assert stats["range"] == pytest.approx(0.07)
    table = seed_spread.render("real_test", per_model, seed_spread.spread(per_model))
    assert table.splitlines()[0] == "| real_test | seed0 | seed1 | seed2 | mean | max - min |"
    assert "| CLINICAL_FINDING | 0.420 | 0.350 | 0.400 | 0.390 | 0.070 |" in table


def test_a_trained_seed_is_scored_again_not_retrained(tmp_path: Path) -> None:
    (tmp_path / "seed4" / "model-best").mkdir(parents=True)
    missing = tmp_path / "missing"
    model = seed_spread.train_seed(
        4,
        tmp_path / "seed4",
        stage1_config=missing,
        config=missing,
        train=missing,
        train_spancat=missing,
        dev=missing,
        stage1_steps=1,
        stage2_steps=1,
    )
    assert model == tmp_path / "seed4" / "model-best"


def test_one_model_is_not_a_spread(tmp_path: Path) -> None:
    names = ("stage1-config", "config", "train", "train-spancat", "dev", "output-dir")
    paths = [arg for name in names for arg in (f"--{name}", str(tmp_path))]
    env = {**os.environ, "COLUMNS": "200"}
    # one included model, or one seed to train: refused before any training starts
    for seeds, include in (("", ["seed0=unused"]), ("5", [])):
        args = [sys.executable, str(SCRIPT), "--seeds", seeds, "--split", "x=unused", *paths]
        args += ["--stage1-steps", "1", "--stage2-steps", "1", "--output", str(tmp_path / "out.json")]
        args += [arg for spec in include for arg in ("--include", spec)]
        res = subprocess.run(args, capture_output=True, text=True, env=env)
        assert res.returncode == 2 and "at least two" in res.stderr, res.stderr
    assert not (tmp_path / "seed5").exists()


def test_stage_overrides_reach_each_spacy_train(tmp_path: Path, monkeypatch) -> None:
    calls = []
    monkeypatch.setattr(seed_spread.subprocess, "run", lambda cmd, check: calls.append(cmd))
    seed_spread.train_seed(
        3, tmp_path / "d1", stage1_config=tmp_path / "s1.cfg", config=tmp_path / "s2.cfg",
        train=tmp_path, train_spancat=tmp_path, dev=tmp_path, stage1_steps=1, stage2_steps=1,
        stage1_overrides={"components.tok2vec.model.encode.depth": 1},
        stage2_overrides={"components.spancat.model.tok2vec.width": 32},
    )
    stage1, stage2 = calls
    assert stage1[-2:] == ["--components.tok2vec.model.encode.depth", "1"]
    assert stage2[-2:] == ["--components.spancat.model.tok2vec.width", "32"]
    assert "--components.tok2vec.model.encode.depth" not in stage2
