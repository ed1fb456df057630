"""export -> simulated reviewer edits -> import, in Prodigy and Label Studio formats."""

from __future__ import annotations

import json
from pathlib import Path

from review_fixtures import LETTER_A
from typer.testing import CliRunner

from imr_determinations.review.cli import app
from imr_determinations.review.tasks import int32_hash

runner = CliRunner()
LETTER_ID = "CM00-0000001"


def at(text: str, phrase: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(phrase, start + 1)
    return start, start + len(phrase)


def expected_gold() -> set[tuple[int, int, str]]:
    """Model spans for letter A after: delete DIAGNOSIS, relabel the finding, add a finding."""
    spans = {
        (*at(LETTER_A, "Acupuncture 3x4", 0), "DISPUTED_SERVICE"),
        (*at(LETTER_A, "Upheld"), "DECISION"),
        (*at(LETTER_A, "Norco 10/325mg #60", 0), "DISPUTED_SERVICE"),
        (*at(LETTER_A, "Overturned"), "DECISION"),
        (*at(LETTER_A, "Acupuncture 3x4", 1), "DISPUTED_SERVICE"),
        (*at(LETTER_A, "Norco 10/325mg #60", 1), "DISPUTED_SERVICE"),
        (*at(LETTER_A, "MTUS ACOEM Chapter 12 Low Back Complaints"), "GUIDELINE"),
        (*at(LETTER_A, "303-305"), "PAGE_RANGE"),
        (*at(LETTER_A, "Acupuncture 3x4", 2), "DISPUTED_SERVICE"),
        (*at(LETTER_A, "not medically necessary and appropriate"), "DECISION"),
        (*at(LETTER_A, "negative SLR test"), "DIAGNOSIS"),  # relabelled from CLINICAL_FINDING
        (*at(LETTER_A, "45 year old male"), "CLINICAL_FINDING"),  # added
    }
    return spans


def edit_spans(spans: list[dict]) -> list[dict]:
    """The reviewer's edits on letter A's predicted spans."""
    out = [dict(s) for s in spans if s["label"] != "DIAGNOSIS"]  # delete
    for s in out:
        if s["label"] == "CLINICAL_FINDING":
            s["label"] = "DIAGNOSIS"  # relabel
    start, end = at(LETTER_A, "45 year old male")
    out.append({"start": start, "end": end, "label": "CLINICAL_FINDING"})  # add
    return out


def status_of(output: str, letter_id: str) -> str | None:
    """The status word the import report gives a letter ("created", "conflict", ...)."""
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].rstrip(":") == letter_id:
            return parts[0]
    return None


def gold_spans(gold: Path) -> set[tuple[int, int, str]]:
    data = json.loads((gold / "letters" / f"{LETTER_ID}.json").read_text())
    return {(s["start"], s["end"], s["label"]) for s in data["spans"]}


def export(letters_dir: Path, model_dir: Path, out: Path, fmt: str) -> None:
    args = ["export", str(letters_dir), "--model", str(model_dir), "--output", str(out), "--format", fmt]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output


def check_import_cycle(review_file: Path, gold: Path, fmt: str) -> None:
    result = runner.invoke(app, ["import", str(review_file), "--into", str(gold), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert status_of(result.output, LETTER_ID) == "created"
    assert gold_spans(gold) == expected_gold()
    stored = (gold / "letters" / f"{LETTER_ID}.json").read_text()
    data = json.loads(stored)
    assert data["source"] == f"{LETTER_ID}.txt" and data["records"] == []
    assert "text" not in data and "lumbar radiculopathy" not in stored and "Acupuncture" not in stored
    assert not (gold / "letters" / "CM00-0000002.json").exists()  # rejected / not annotated

    again = runner.invoke(app, ["import", str(review_file), "--into", str(gold)])  # auto format
    assert again.exit_code == 0, again.output
    assert (
        status_of(again.output, LETTER_ID) == "unchanged"
        and "0 created, 0 updated, 1 unchanged" in again.output
    )
    assert (gold / "letters" / f"{LETTER_ID}.json").read_text() == stored


def test_prodigy_round_trip(letters_dir: Path, model_dir: Path, tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.jsonl"
    export(letters_dir, model_dir, tasks, "prodigy")
    rows = [json.loads(line) for line in tasks.read_text().splitlines()]
    assert len(rows) == 2
    by_id = {r["meta"]["letter_id"]: r for r in rows}
    a = by_id[LETTER_ID]
    assert a["_view_id"] == "spans_manual"
    assert isinstance(a["_input_hash"], int) and -(2**31) <= a["_input_hash"] < 2**31
    tok = {t["id"]: t for t in a["tokens"]}
    for s in a["spans"]:
        assert tok[s["token_start"]]["start"] == s["start"] and tok[s["token_end"]]["end"] == s["end"]
    # hashes are stable across runs
    export(letters_dir, model_dir, tmp_path / "again.jsonl", "prodigy")
    again = [json.loads(line) for line in (tmp_path / "again.jsonl").read_text().splitlines()]
    assert [(r["_input_hash"], r["_task_hash"]) for r in again] == [
        (r["_input_hash"], r["_task_hash"]) for r in rows
    ]

    a["spans"] = edit_spans(a["spans"])
    a["answer"] = "accept"
    by_id["CM00-0000002"]["answer"] = "reject"
    reviewed = tmp_path / "reviewed.jsonl"
    reviewed.write_text("".join(json.dumps(r) + "\n" for r in rows))
    check_import_cycle(reviewed, tmp_path / "gold", "prodigy")


def test_labelstudio_round_trip(letters_dir: Path, model_dir: Path, tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.json"
    export(letters_dir, model_dir, tasks, "labelstudio")
    config = (tmp_path / "tasks.label_config.xml").read_text()
    assert '<Labels name="label" toName="text">' in config and '<Text name="text" value="$text"/>' in config
    assert 'value="CLINICAL_FINDING"' in config
    items = json.loads(tasks.read_text())
    by_id = {t["data"]["letter_id"]: t for t in items}
    a = by_id[LETTER_ID]
    pred = a["predictions"][0]["result"]
    assert all(r["from_name"] == "label" and r["to_name"] == "text" for r in pred)
    for r in pred:
        assert a["data"]["text"][r["value"]["start"] : r["value"]["end"]] == r["value"]["text"]

    predicted = [{**r["value"], "label": r["value"]["labels"][0]} for r in pred]
    edited = edit_spans(predicted)
    result = [
        {
            "id": f"r{i}",
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "value": {"start": s["start"], "end": s["end"], "labels": [s["label"]]},
        }
        for i, s in enumerate(edited)
    ]
    a["annotations"] = [
        {"id": 1, "result": [], "was_cancelled": False, "created_at": "2024-01-01T10:00:00Z"},  # older
        {
            "id": 2,
            "result": result,
            "was_cancelled": False,
            "created_at": "2024-01-02T10:00:00Z",
        },  # newest wins
        {"id": 3, "result": [], "was_cancelled": True, "created_at": "2024-01-03T10:00:00Z"},  # skipped
    ]
    by_id["CM00-0000002"]["annotations"] = [{"id": 4, "result": [], "was_cancelled": True}]
    reviewed = tmp_path / "export.json"
    reviewed.write_text(json.dumps(items))
    check_import_cycle(reviewed, tmp_path / "gold", "labelstudio")


def test_labelstudio_json_min(letters_dir: Path, model_dir: Path, tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.json"
    export(letters_dir, model_dir, tasks, "labelstudio")
    a = next(t for t in json.loads(tasks.read_text()) if t["data"]["letter_id"] == LETTER_ID)
    predicted = [{**r["value"], "label": r["value"]["labels"][0]} for r in a["predictions"][0]["result"]]
    rows = [
        {
            **a["data"],
            "id": 7,
            "annotator": 1,
            "annotation_id": 9,
            "label": [
                {
                    "start": s["start"],
                    "end": s["end"],
                    "text": LETTER_A[s["start"] : s["end"]],
                    "labels": [s["label"]],
                }
                for s in edit_spans(predicted)
            ],
        }
    ]
    reviewed = tmp_path / "min.json"
    reviewed.write_text(json.dumps(rows))
    check_import_cycle(reviewed, tmp_path / "gold", "labelstudio")


def test_conflict_reported_not_merged(letters_dir: Path, model_dir: Path, tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.jsonl"
    export(letters_dir, model_dir, tasks, "prodigy")
    rows = [json.loads(line) for line in tasks.read_text().splitlines()]
    for r in rows:
        r["answer"] = "accept"
    first = tmp_path / "first.jsonl"
    first.write_text("".join(json.dumps(r) + "\n" for r in rows))
    gold = tmp_path / "gold"
    assert runner.invoke(app, ["import", str(first), "--into", str(gold)]).exit_code == 0
    a_file = gold / "letters" / f"{LETTER_ID}.json"
    before = a_file.read_text()

    a = next(r for r in rows if r["meta"]["letter_id"] == LETTER_ID)
    a["spans"] = edit_spans(a["spans"])
    second = tmp_path / "second.jsonl"
    second.write_text("".join(json.dumps(r) + "\n" for r in rows))

    dry = runner.invoke(app, ["import", str(second), "--into", str(gold), "--dry-run", "--overwrite"])
    assert dry.exit_code == 0 and status_of(dry.output, LETTER_ID) == "updated"
    assert a_file.read_text() == before

    result = runner.invoke(app, ["import", str(second), "--into", str(gold)])
    assert result.exit_code == 1
    assert status_of(result.output, LETTER_ID) == "conflict"
    assert status_of(result.output, "CM00-0000002") == "unchanged"
    assert a_file.read_text() == before

    forced = runner.invoke(app, ["import", str(second), "--into", str(gold), "--overwrite"])
    assert forced.exit_code == 0, forced.output
    assert gold_spans(gold) == expected_gold()


def test_int32_hash_is_stable() -> None:
    assert int32_hash("a") == int32_hash("a") != int32_hash("b")
    assert -(2**31) <= int32_hash("x" * 1000) < 2**31
