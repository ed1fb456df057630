"""The DuckDB store: what ``imr extract --db`` / ``--format parquet`` and ``imr db load`` keep."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from imr_determinations.cli import app
from imr_determinations.extract.run import run_extract
from imr_determinations.store import StoreError, connect, load_jsonl


def _run(paths, out: Path | None, **kw):
    return run_extract([str(p) for p in paths], model="rules", output=out, quiet=True, **kw)


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                for t in ("letters", "determinations", "guidelines", "findings", "errors")}
    finally:
        con.close()


def _expected(records: list[dict]) -> dict[str, int]:
    dets = [d for r in records for d in r["determinations"]]
    return {
        "letters": len(records),
        "determinations": len(dets),
        "guidelines": sum(len(d["guidelines"]) for d in dets),
        "findings": sum(len(d["findings"]) for d in dets),
        "errors": sum(r["status"] == "error" for r in records),
    }


@pytest.fixture
def folder_with_error(letter_folder: Path) -> Path:
    (letter_folder / "broken.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    return letter_folder


def test_db_holds_every_record_and_a_second_run_adds_nothing(folder_with_error: Path, tmp_path: Path) -> None:
    out, db = tmp_path / "out.jsonl", tmp_path / "records.duckdb"
    _run([folder_with_error], out, db=db)
    records = _records(out)
    assert any(r["status"] == "error" and r["sha256"] is None for r in records)
    expected = _expected(records)
    assert expected["guidelines"] > 0 and expected["errors"] == 1
    assert _counts(db) == expected
    _run([folder_with_error], tmp_path / "again.jsonl", db=db)
    assert _counts(db) == expected


def test_rows_keep_the_record_values(letter_folder: Path, tmp_path: Path) -> None:
    out, db = tmp_path / "out.jsonl", tmp_path / "records.duckdb"
    _run([letter_folder], out, db=db)
    record = _records(out)[0]
    det = record["determinations"][0]
    con = duckdb.connect(str(db), read_only=True)
    row = con.execute(
        "SELECT l.case_number, CAST(l.date_of_injury AS VARCHAR), d.service, d.decision, d.category "
        "FROM letters l JOIN determinations d USING (letter_id) WHERE l.source = ? AND d.item = ?",
        [record["source"], det["item"]]).fetchall()
    cited = con.execute("SELECT guideline_id, cited_by FROM guidelines JOIN letters USING (letter_id) "
                        "WHERE source = ? AND item = ? ORDER BY position",
                        [record["source"], det["item"]]).fetchall()
    con.close()
    case = record["case"]
    assert row == [(case["case_number"], case["date_of_injury"], det["service"], det["decision"],
                    det["service_taxonomy"]["category"])]
    assert cited == [(g["id"], g["cited_by"]) for g in det["guidelines"]]


def test_resume_fills_the_db_with_letters_an_earlier_run_wrote(letter_folder: Path, tmp_path: Path) -> None:
    out, db = tmp_path / "out.jsonl", tmp_path / "records.duckdb"
    _run([letter_folder], out)
    result = _run([letter_folder], out, db=db, resume=True)
    assert result.skipped == 6
    assert _counts(db) == _expected(_records(out))


def test_a_changed_input_replaces_its_letter(letter_folder: Path, tmp_path: Path) -> None:
    out, db = tmp_path / "out.jsonl", tmp_path / "records.duckdb"
    _run([letter_folder], out, db=db)
    (letter_folder / "letter_0.txt").write_text("changed\n")
    _run([letter_folder], out, db=db, resume=True)
    assert _counts(db) == _expected(_records(out))


def test_db_load_of_jsonl_is_idempotent(letter_folder: Path, tmp_path: Path) -> None:
    out, db = tmp_path / "out.jsonl", tmp_path / "records.duckdb"
    _run([letter_folder], out)
    runner = CliRunner()
    first = runner.invoke(app, ["db", "load", str(out), "--db", str(db)])
    second = runner.invoke(app, ["db", "load", str(out), "--db", str(db)])
    assert first.exit_code == 0 and "6 letters added" in first.output
    assert second.exit_code == 0 and "0 letters added" in second.output
    assert "6 already stored" in second.output
    assert _counts(db) == _expected(_records(out))


def test_db_load_refuses_a_file_that_is_not_records(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"hello": 1}\n')
    result = CliRunner().invoke(app, ["db", "load", str(bad), "--db", str(tmp_path / "x.duckdb")])
    assert result.exit_code == 2 and "not an imr extract record" in result.output
    with pytest.raises(StoreError, match="not an imr extract JSONL"):
        load_jsonl(connect(None), _write(tmp_path / "torn.jsonl", "{not json\n"))


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_parquet_output_has_one_file_per_table_and_resumes(folder_with_error: Path, tmp_path: Path) -> None:
    out, ref = tmp_path / "parquet", tmp_path / "ref.jsonl"
    _run([folder_with_error], ref)
    _run([folder_with_error], out, fmt="parquet")
    expected = _expected(_records(ref))
    con = duckdb.connect()
    counts = {t: con.execute(f"SELECT count(*) FROM read_parquet('{out / t}.parquet')").fetchall()[0][0]
              for t in expected}
    assert counts == expected
    again = _run([folder_with_error], out, fmt="parquet", resume=True)
    assert again.skipped == 7 and again.stats.done == 0
    assert con.execute(f"SELECT count(*) FROM read_parquet('{out}/letters.parquet')").fetchall()[0][0] == 7


def test_parquet_needs_an_output_folder() -> None:
    with pytest.raises(ValueError, match="--format parquet needs --output DIR"):
        _run(["corpus/seeds"], None, fmt="parquet")


def test_diagnoses_rows_carry_the_top_icd10cm_candidate(tmp_path: Path) -> None:
    from imr_determinations.records import empty_case
    from imr_determinations.store import load_records

    case = {**empty_case(), "diagnoses": ["lumbar radiculopathy", "the patient"], "diagnosis_codes": [
        {"text": "lumbar radiculopathy",
         "candidates": [{"code": "M54.16", "description": "Radiculopathy, lumbar region", "score": 1.0}]},
        {"text": "the patient", "candidates": []},
    ]}
    old = {**empty_case(), "diagnoses": ["neck pain"]}
    del old["diagnosis_codes"]  # a record written before diagnosis codes existed
    records = [{"id": name, "source": f"{name}.txt", "sha256": "s", "status": "ok", "error": None,
                "warnings": [], "case": c, "determinations": []} for name, c in (("a", case), ("b", old))]
    con = connect(tmp_path / "imr.duckdb")
    load_records(con, records)
    rows = con.execute("""SELECT l.id, d.text, d.icd10cm_code, d.icd10cm_description FROM diagnoses d
                          JOIN letters l USING (letter_id) ORDER BY l.id, d.position""").fetchall()
    assert rows == [("a", "lumbar radiculopathy", "M54.16", "Radiculopathy, lumbar region"),
                    ("a", "the patient", None, None), ("b", "neck pain", None, None)]


def test_findings_keep_their_assertion_type_and_value(letter_folder: Path, tmp_path: Path) -> None:
    from imr_determinations.report import build
    out = tmp_path / "out.jsonl"
    _run([letter_folder], out)
    record = _records(out)[0]
    det = record["determinations"][0]
    det["decision"] = "UPHELD"
    det["finding_details"] = [
        {"text": "functional improvement", "start": 10, "end": 32, "score": 0.9,
         "assertion": "not_documented", "type": "function", "value": None},
        {"text": "pain 7/10", "start": 40, "end": 49, "score": 0.8, "assertion": "present",
         "type": "pain score", "value": 7},
    ]
    edited = tmp_path / "edited.jsonl"
    edited.write_text(json.dumps(record) + "\n", encoding="utf-8")
    db = tmp_path / "store.duckdb"
    con = connect(db)
    try:
        load_jsonl(con, edited)
        rows = con.execute("SELECT text, assertion, finding_type, value FROM findings "
                           "ORDER BY position").fetchall()
    finally:
        con.close()
    assert rows == [("functional improvement", "not_documented", "function", None),
                    ("pain 7/10", "present", "pain score", "7")]
    findings = next(t for t in build(db) if t.key == "findings").rows
    assert {r[2] for r in findings} == {"functional improvement [not documented]", "pain 7/10"}
