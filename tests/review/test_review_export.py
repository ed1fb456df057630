"""Uncertainty score, ordering and export edge cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from review_fixtures import LETTER_A, LETTER_B
from spacy.language import Language
from spacy.tokens import Doc
from typer.testing import CliRunner

from imr_determinations.review.cli import app
from imr_determinations.review.export import build_tasks, order_tasks
from imr_determinations.review.tasks import ReviewTask
from imr_determinations.review.uncertainty import WEIGHTS, uncertainty

runner = CliRunner()


def test_spancat_part_peaks_at_threshold(rule_nlp: Language) -> None:
    doc = rule_nlp(LETTER_A)
    group = doc.spans["sc"]
    group.attrs["scores"] = [0.5, 0.5]
    _, unsure = uncertainty(doc, linked=False)
    group.attrs["scores"] = [0.99, 0.01]
    _, sure = uncertainty(doc, linked=False)
    assert unsure["spancat"] == pytest.approx(1.0)
    assert sure["spancat"] == pytest.approx(0.02)


def test_unlinked_and_undecided_from_linker_records(rule_nlp: Language) -> None:
    added = [name for name in ("determinations", "warnings") if not Doc.has_extension(name)]
    for name in added:  # registered only for this test, removed again so the linker can register its own
        Doc.set_extension(name, default=None)
    try:
        check_linker_parts(rule_nlp)
    finally:
        for name in added:
            Doc.remove_extension(name)


def check_linker_parts(rule_nlp: Language) -> None:
    doc = rule_nlp(LETTER_A)
    ac = next(e for e in doc.ents if e.text == "Acupuncture 3x4")
    doc._.determinations = [
        {
            "service": "Acupuncture 3x4",
            "decision": "UPHELD",
            "spans": {"service": [ac.start_char, ac.end_char]},
            "guidelines": [{"text": "MTUS ACOEM Chapter 12 Low Back Complaints"}],
            "warnings": [],
        },
        {"service": "Norco 10/325mg #60", "decision": None, "guidelines": [], "warnings": ["no decision"]},
    ]
    doc._.warnings = ["w1"]
    score, parts = uncertainty(doc, linked=True)
    assert parts["unlinked"] == 0.0  # every service and the guideline are in a record
    assert parts["undecided"] == 0.5
    assert parts["warnings"] == pytest.approx(2 / 5)
    assert score == pytest.approx(WEIGHTS["undecided"] * 0.5 + WEIGHTS["warnings"] * 0.4)

    doc._.determinations = doc._.determinations[:1]
    _, parts = uncertainty(doc, linked=True)
    assert parts["unlinked"] == pytest.approx(2 / 6)  # two Norco mentions of 5 services + 1 guideline


def test_letter_without_items_is_most_uncertain(rule_nlp: Language) -> None:
    score, parts = uncertainty(rule_nlp("Nothing to see here."), linked=False)
    assert parts["unlinked"] == 1.0 and parts["undecided"] == 1.0
    assert score == pytest.approx(0.5)


def _task(lid: str, score: float) -> ReviewTask:
    return ReviewTask(lid, f"{lid}.txt", "", "x", [], score=score)


def test_order_tasks() -> None:
    tasks = [_task("b", 0.2), _task("a", 0.2), _task("c", 0.9), _task("d", 0.0)]
    assert [t.letter_id for t in order_tasks(tasks, "uncertainty", 0, None)] == ["c", "a", "b", "d"]
    assert [t.letter_id for t in order_tasks(tasks, "uncertainty", 0, 2)] == ["c", "a"]
    r1 = [t.letter_id for t in order_tasks(tasks, "random", 3, None)]
    r2 = [t.letter_id for t in order_tasks(list(reversed(tasks)), "random", 3, None)]
    assert r1 == r2 and sorted(r1) == ["a", "b", "c", "d"]


def test_export_skips_bad_letters_and_sorts(letters_dir: Path, model_dir: Path, tmp_path: Path) -> None:
    (letters_dir / "empty.txt").write_text("")
    (letters_dir / "CM00-0000003.txt").write_text("A letter about nothing in particular.\n")
    out = tmp_path / "tasks.jsonl"
    args = ["export", str(letters_dir), "--model", str(model_dir), "--output", str(out), "--limit", "2"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "empty.txt: empty file" in result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["meta"]["letter_id"] for r in rows][0] == "CM00-0000003"  # no items found: review first
    assert len(rows) == 2
    scores = [r["meta"]["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)


def test_export_bad_format_and_model(letters_dir: Path, model_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    bad_fmt = runner.invoke(
        app, ["export", str(letters_dir), "-m", str(model_dir), "-o", str(out), "--format", "x"]
    )
    assert bad_fmt.exit_code == 2
    bad_model = runner.invoke(app, ["export", str(letters_dir), "-m", str(tmp_path / "nope"), "-o", str(out)])
    assert bad_model.exit_code == 2 and "cannot load model" in bad_model.output


def test_build_tasks_without_model(letters_dir: Path) -> None:
    result = build_tasks([letters_dir], None)
    assert {t.letter_id for t in result.tasks} == {"CM00-0000001", "CM00-0000002"}
    assert all(t.spans == [] for t in result.tasks)
    assert {t.text for t in result.tasks} == {LETTER_A, LETTER_B}


def test_scores_exported_for_sc_spans(rule_nlp: Language, letters_dir: Path) -> None:
    @Language.component("review_test_scores")
    def add_scores(doc: Doc) -> Doc:
        doc.spans["sc"].attrs["scores"] = [0.6] * len(doc.spans["sc"])
        return doc

    rule_nlp.add_pipe("review_test_scores")
    try:
        result = build_tasks([letters_dir / "CM00-0000001.txt"], rule_nlp)
    finally:
        rule_nlp.remove_pipe("review_test_scores")
    task = result.tasks[0]
    scored = [s for s in task.spans if "score" in s]
    assert {s["label"] for s in scored} == {"CLINICAL_FINDING", "DIAGNOSIS"}
    assert task.uncertainty["spancat"] == pytest.approx(0.8)
