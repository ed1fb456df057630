import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from spacy.language import Language

from imr_determinations.extract import (
    CSV_COLUMNS,
    ModelNotFoundError,
    _truncate_partial_line,
    build_rules_pipeline,
    csv_rows,
    iter_records,
    resolve_model,
    run_extract,
)
from imr_determinations.records import validate_record
from imr_determinations.synth import hostile


def _run(paths, out: Path, **kw):
    return run_extract([str(p) for p in paths], model="rules", output=out, quiet=True, **kw)


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_one_valid_record_per_letter_in_input_order(letter_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = _run([letter_folder], out)
    recs = _records(out)
    assert [Path(r["source"]).name for r in recs] == sorted(p.name for p in letter_folder.iterdir())
    assert result.exit_code == 0 and result.stats.ok == 6 and result.stats.pdfs == 2
    for rec in recs:
        validate_record({k: v for k, v in rec.items() if k != "input_sha256"})
        assert rec["status"] == "ok" and len(rec["determinations"]) == 2
        assert len(rec["input_sha256"]) == 64


@Language.component("test_fail_on_marker")
def _fail_on_marker(doc):
    if "EXPLODE" in doc.text:
        raise RuntimeError("marker found")
    return doc


def _failing_nlp(spec: str) -> Language:
    nlp = build_rules_pipeline()
    nlp.add_pipe("test_fail_on_marker", first=True)
    return nlp


@pytest.mark.parametrize("n_process", [1, 2])
def test_pipeline_failure_gives_an_error_row_for_that_letter_only(
    letter_folder: Path, tmp_path: Path, n_process: int
) -> None:
    bad = letter_folder / "letter_1.txt"
    bad.write_text(bad.read_text() + "\nEXPLODE\n")
    out = tmp_path / "out.jsonl"
    result = run_extract([letter_folder], model="rules", output=out, quiet=True, nlp_factory=_failing_nlp,
                         n_process=n_process, batch_size=2)
    recs = _records(out)
    assert len(recs) == 6
    status = {Path(r["source"]).name: (r["status"], r["error"]) for r in recs}
    assert status["letter_1.txt"] == ("error", "pipeline failed: RuntimeError: marker found")
    assert sum(s == "ok" for s, _ in status.values()) == 5
    assert result.exit_code == 0


def test_exit_code_is_nonzero_only_when_nothing_worked(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"")
    (tmp_path / "b.txt").write_bytes(b"  \n")
    result = _run([tmp_path], tmp_path / "out.jsonl")
    assert result.exit_code == 1 and result.stats.errors == 2
    assert len(_records(tmp_path / "out.jsonl")) == 2


def test_csv_rows_repeat_case_fields_and_keep_empty_letters() -> None:
    rec = {
        "id": "x", "source": "x.txt", "sha256": "s", "input_sha256": "i", "status": "ok", "error": None,
        "warnings": ["w1"], "case": {"case_number": "CM1", "diagnoses": ["a", "b"]},
        "determinations": [
            {"item": 1, "service": "MRI\nlumbar", "decision": "UPHELD", "medically_necessary": False,
             "guidelines": [{"text": "MTUS", "id": "MTUS/ACOEM/ch12", "cited_by": "reviewer",
                             "pages": "303-305, 8", "page_ranges": [[303, 305], [8, 8]]}],
             "findings": ["f1"], "warnings": []},
            {"item": 2, "service": "PT", "decision": "OVERTURNED", "medically_necessary": True,
             "guidelines": []},
        ],
    }
    rows = csv_rows(rec)
    assert [r["case_number"] for r in rows] == ["CM1", "CM1"]
    assert rows[0]["service"] == "MRI lumbar" and rows[0]["medically_necessary"] == "false"
    assert rows[0]["guideline_ids"] == "MTUS/ACOEM/ch12" and rows[0]["diagnoses"] == "a | b"
    assert rows[0]["guidelines"] == "MTUS [reviewer; 303-305, 8]"
    assert list(rows[0]) == list(CSV_COLUMNS)
    empty = csv_rows({**rec, "status": "error", "error": "bad", "determinations": []})
    assert len(empty) == 1 and empty[0]["error"] == "bad" and empty[0]["item"] == ""


def test_csv_output_has_header_and_one_row_per_determination(letter_folder: Path, tmp_path: Path) -> None:
    (letter_folder / "empty.txt").write_bytes(b"")
    out = tmp_path / "out.csv"
    _run([letter_folder], out, fmt="csv")
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 6 * 2 + 1
    assert [r["error"] for r in rows if r["status"] == "error"] == ["empty file"]
    assert len(out.read_text().splitlines()) == len(rows) + 1


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_resume_after_simulated_crash_gives_one_record_per_input(
    letter_folder: Path, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"out.{fmt}"
    _run([letter_folder], out, fmt=fmt)
    full = out.read_text(encoding="utf-8")
    lines = full.splitlines(keepends=True)
    keep = 1 + 2 * 2 if fmt == "csv" else 2  # header + two letters' rows / two records
    out.write_text("".join(lines[:keep]) + lines[keep][: len(lines[keep]) // 2], encoding="utf-8")
    result = _run([letter_folder], out, fmt=fmt, resume=True)
    assert result.skipped == 2 and result.stats.done == 4
    assert out.read_text(encoding="utf-8") == full
    again = _run([letter_folder], out, fmt=fmt, resume=True)
    assert again.skipped == 6 and again.stats.done == 0 and again.exit_code == 0
    assert out.read_text(encoding="utf-8") == full


def test_resume_redoes_a_letter_whose_bytes_changed(letter_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    _run([letter_folder], out)
    (letter_folder / "letter_0.txt").write_text("changed\n")
    result = _run([letter_folder], out, resume=True)
    assert result.skipped == 5 and result.stats.done == 1
    assert [Path(r["source"]).name for r in _records(out)].count("letter_0.txt") == 2


def test_truncate_partial_line(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"a\nbb\ncc")
    _truncate_partial_line(path)
    assert path.read_bytes() == b"a\nbb\n"
    path.write_bytes(b"no newline at all")
    _truncate_partial_line(path)
    assert path.read_bytes() == b""


def test_killed_run_resumes_without_duplicates(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    base = hostile.synthetic_letter()
    for i in range(40):
        (folder / f"l{i:02d}.txt").write_text(base.replace("CM99-0000001", f"CM99-{i:07d}") + "\n" * i)
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "imr_determinations.cli", "extract", str(folder), "--model", "rules",
           "-o", str(out), "--batch-size", "1", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline and (not out.exists() or out.read_bytes().count(b"\n") < 3):
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    written = out.read_bytes().count(b"\n")
    assert 3 <= written < 40, "the kill must land mid-batch"
    subprocess.run(cmd + ["--resume"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=60)
    sources = [Path(r["source"]).name for r in _records(out)]
    assert sorted(sources) == sorted(f"l{i:02d}.txt" for i in range(40))


def test_iter_records_streams(letter_folder: Path) -> None:
    nlp = build_rules_pipeline()
    it = iter_records(nlp, sorted(letter_folder.iterdir()), batch_size=1)
    first = next(it)
    assert first["status"] == "ok" and Path(first["source"]).name == "letter_0.txt"


def test_model_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelNotFoundError, match="--model rules"):
        resolve_model(None)
    (tmp_path / "training" / "model-best").mkdir(parents=True)
    assert resolve_model(None) == str(Path("training") / "model-best")
    assert resolve_model("rules") == "rules"


@pytest.mark.slow
def test_dask_local_cluster_matches_local_run(letter_folder: Path, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    (letter_folder / "bad.txt").write_bytes(b"")
    local, dask = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    _run([letter_folder], local)
    _run([letter_folder], dask, engine="dask", n_process=2, partition_size=2)
    assert dask.read_bytes() == local.read_bytes()


@pytest.mark.letters
def test_all_real_letters_extract_without_error(shared_letters: Path, tmp_path: Path) -> None:
    out = tmp_path / "real.jsonl"
    result = _run([shared_letters], out, batch_size=32)
    recs = _records(out)
    assert len(recs) == 101
    assert [r["source"] for r in recs if r["status"] != "ok"] == []
    assert result.exit_code == 0
