"""Import refuses spans and letters that could not become sound gold."""

from __future__ import annotations

import json
from pathlib import Path

from review_fixtures import LETTER_A, LETTER_B
from typer.testing import CliRunner

from imr_determinations.review.cli import app
from imr_determinations.review.formats import read_reviewed
from imr_determinations.review.tasks import ReviewedLetter
from imr_determinations.review.validation import span_errors, validate_letters
from imr_determinations.textnorm import text_sha256

runner = CliRunner()


def row(text: str, source: str, spans: list[dict], answer: str = "accept", sha: str | None = None) -> dict:
    meta = {"source": source, "sha256": sha or text_sha256(text), "letter_id": Path(source).stem}
    return {"text": text, "meta": meta, "spans": spans, "answer": answer}


def span(text: str, phrase: str, label: str) -> dict:
    start = text.index(phrase)
    return {"start": start, "end": start + len(phrase), "label": label}


def test_span_errors() -> None:
    ok = span(LETTER_A, "lumbar radiculopathy", "DIAGNOSIS")
    assert span_errors(LETTER_A, [(ok["start"], ok["end"], ok["label"])]) == []
    assert "unknown label" in span_errors(LETTER_A, [(ok["start"], ok["end"], "PERSON")])[0]
    assert "token boundaries" in span_errors(LETTER_A, [(ok["start"] + 1, ok["end"], "DIAGNOSIS")])[0]
    assert "outside the text" in span_errors(LETTER_A, [(0, len(LETTER_A) + 5, "DIAGNOSIS")])[0]


def test_validate_letters(tmp_path: Path) -> None:
    good = ReviewedLetter(
        "CM00-0000001", "CM00-0000001.txt", text_sha256(LETTER_A), LETTER_A, [], "accept", "x:1"
    )
    dup = ReviewedLetter(
        "CM00-0000002", "CM00-0000002.txt", text_sha256(LETTER_B), LETTER_B, [], "accept", "x:2"
    )
    edited = ReviewedLetter(
        "CM00-0000003", "CM00-0000003.txt", text_sha256(LETTER_B), LETTER_A, [], "accept", "x:4"
    )
    unsafe = ReviewedLetter("..", "...txt", text_sha256(LETTER_A), LETTER_A, [], "accept", "x:5")
    result = validate_letters([good, dup, dup, edited, unsafe])
    assert [x.letter_id for x in result.valid] == ["CM00-0000001"]
    reasons = {letter.letter_id: " ".join(errs) for letter, errs in result.invalid}
    assert "appears 2 times" in reasons["CM00-0000002"]
    assert "sha256" in reasons["CM00-0000003"]
    assert "safe file name" in reasons[".."]

    letters = tmp_path / "letters"
    letters.mkdir()
    (letters / "CM00-0000001.txt").write_text(LETTER_A.replace("45", "46"))
    checked = validate_letters([good], letters)
    assert "re-extracted text differs" in " ".join(checked.invalid[0][1])
    (letters / "CM00-0000001.txt").write_text(LETTER_A)
    assert validate_letters([good], letters).valid == [good]


def test_import_reports_invalid_rows_and_keeps_the_rest(tmp_path: Path) -> None:
    rows = [
        row(LETTER_A, "CM00-0000001.txt", [span(LETTER_A, "lumbar radiculopathy", "DIAGNOSIS")]),
        row(LETTER_B, "CM00-0000002.txt", [{"start": 1, "end": 3, "label": "DIAGNOSIS"}]),  # mid-token
        row(LETTER_B, "CM00-0000009.txt", [span(LETTER_B, "cervical strain", "DIAGNOSIS")], answer="ignore"),
    ]
    path = tmp_path / "answers.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "{not json\n")
    gold = tmp_path / "gold"
    result = runner.invoke(app, ["import", str(path), "--into", str(gold)])
    assert result.exit_code == 1
    assert "token boundaries" in result.output and "not JSON" in result.output
    assert "1 created" in result.output and "2 invalid, 1 skipped" in result.output
    assert sorted(p.name for p in (gold / "letters").iterdir()) == ["CM00-0000001.json"]


def test_unknown_label_is_invalid(tmp_path: Path) -> None:
    path = tmp_path / "answers.jsonl"
    path.write_text(
        json.dumps(row(LETTER_A, "CM00-0000001.txt", [span(LETTER_A, "Upheld", "VERDICT")])) + "\n"
    )
    res = read_reviewed(path)
    checked = validate_letters(res.letters)
    assert not checked.valid and "unknown label" in checked.invalid[0][1][0]


def test_seed_letters_compare_with_seeds_jsonl(tmp_path: Path) -> None:
    gold = tmp_path / "gold"
    gold.mkdir()
    seed_spans = [span(LETTER_B, "cervical strain", "DIAGNOSIS")]
    seed = {
        "text": LETTER_B,
        "meta": {"source": "seed_b.txt", "letter_id": "seed_b", "sha256": text_sha256(LETTER_B)},
        "spans": seed_spans,
        "records": [],
    }
    (gold / "seeds.jsonl").write_text(json.dumps(seed) + "\n")
    same = tmp_path / "same.jsonl"
    same.write_text(json.dumps(row(LETTER_B, "seed_b.txt", seed_spans)) + "\n")
    out = runner.invoke(app, ["import", str(same), "--into", str(gold)])
    assert out.exit_code == 0 and "unchanged seed_b: seed" in out.output
    changed = tmp_path / "changed.jsonl"
    changed.write_text(json.dumps(row(LETTER_B, "seed_b.txt", [])) + "\n")
    out = runner.invoke(app, ["import", str(changed), "--into", str(gold)])
    assert out.exit_code == 1 and "conflict" in out.output
    assert not (gold / "letters").exists()  # a seed never becomes a standoff file
    out = runner.invoke(app, ["import", str(changed), "--into", str(gold), "--overwrite"])
    assert out.exit_code == 0
    assert json.loads((gold / "seeds.jsonl").read_text())["spans"] == []
