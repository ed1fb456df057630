"""diff names each reviewer change once: added, removed, relabelled, boundary."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from imr_determinations.review.cli import app
from imr_determinations.review.diff import diff_spans, per_label

runner = CliRunner()


def test_diff_spans_classifies_changes() -> None:
    pred = [
        (0, 5, "DECISION"),
        (10, 20, "GUIDELINE"),
        (30, 40, "DIAGNOSIS"),
        (50, 60, "CLINICAL_FINDING"),
        (70, 75, "PAGE_RANGE"),
    ]
    gold = [(0, 5, "DECISION"), (10, 20, "DISPUTED_SERVICE"), (30, 44, "DIAGNOSIS"), (80, 90, "DIAGNOSIS")]
    d = diff_spans("L1", gold, pred)
    assert d.matched == [(0, 5, "DECISION")]
    assert d.relabelled == [(10, 20, "GUIDELINE", "DISPUTED_SERVICE")]
    assert d.boundary == [("DIAGNOSIS", 30, 40, 30, 44)]
    assert d.added == [(80, 90, "DIAGNOSIS")]
    assert sorted(d.removed) == [(50, 60, "CLINICAL_FINDING"), (70, 75, "PAGE_RANGE")]
    table = per_label([d])
    assert table["DIAGNOSIS"] == {"matched": 0, "added": 1, "removed": 0, "relabelled": 0, "boundary": 1}
    assert table["DISPUTED_SERVICE"]["relabelled"] == 1
    assert table["PAGE_RANGE"]["removed"] == 1


def test_diff_cli_gold_dir_against_export(letters_dir: Path, model_dir: Path, tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.jsonl"
    args = ["export", str(letters_dir), "--model", str(model_dir), "--output", str(tasks)]
    assert runner.invoke(app, args).exit_code == 0
    rows = [json.loads(line) for line in tasks.read_text().splitlines()]
    a = next(r for r in rows if r["meta"]["letter_id"] == "CM00-0000001")
    text = a["text"]
    spans = [s for s in a["spans"] if s["label"] != "PAGE_RANGE"]  # removed
    for s in spans:
        if s["label"] == "GUIDELINE":
            s["label"] = "DISPUTED_SERVICE"  # relabelled
    start = text.index("45 year old")
    spans.append({"start": start, "end": start + len("45 year old"), "label": "CLINICAL_FINDING"})  # added
    a["spans"], a["answer"] = spans, "accept"
    reviewed = tmp_path / "reviewed.jsonl"
    reviewed.write_text(json.dumps(a) + "\n")
    gold = tmp_path / "gold"
    assert runner.invoke(app, ["import", str(reviewed), "--into", str(gold)]).exit_code == 0

    out_json = tmp_path / "diff.json"
    result = runner.invoke(app, ["diff", str(gold), str(tasks), "--json", str(out_json)])
    assert result.exit_code == 0, result.output
    assert "PAGE_RANGE" in result.output and "not reviewed: CM00-0000002" in result.output
    report = json.loads(out_json.read_text())
    assert report["labels"]["PAGE_RANGE"]["removed"] == 1
    assert report["labels"]["DISPUTED_SERVICE"]["relabelled"] == 1
    assert report["labels"]["CLINICAL_FINDING"]["added"] == 1
    letter = report["letters"][0]
    assert letter["relabelled"] == [
        {
            "start": text.index("MTUS"),
            "end": text.index(", pages"),
            "from": "GUIDELINE",
            "to": "DISPUTED_SERVICE",
        }
    ]
    assert report["totals"]["boundary"] == 0 and report["only_in_pred"] == ["CM00-0000002"]

    # the reviewed JSONL itself works as GOLD too
    same = runner.invoke(app, ["diff", str(reviewed), str(tasks), "--json", "-"])
    assert same.exit_code == 0
    assert '"removed": 1' in same.output
