import csv
import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from spacy.language import Language

from imr_determinations.extract.local import iter_records
from imr_determinations.extract.models import ModelNotFoundError, build_rules_pipeline, resolve_model
from imr_determinations.extract.run import run_extract
from imr_determinations.extract.writers import CSV_COLUMNS, csv_rows, format_record
from imr_determinations.records import validate_record
from imr_determinations.synth import hostile


def _run(paths, out: Path, **kw):
    return run_extract([str(p) for p in paths], model="rules", output=out, quiet=True, **kw)


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _csv_value(cell: str) -> str:
    """A CSV cell's value: the documented formula guard is one leading quote."""
    return cell[1:] if cell.startswith("'") else cell


def _letters(path: Path, fmt: str) -> list[dict]:
    """One {source, input_sha256} per letter in the output (CSV: a letter's first row)."""
    if fmt == "jsonl":
        return _records(path)
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    return [{"source": _csv_value(r["source"]), "input_sha256": r["input_sha256"]}
            for r in rows if r["item"] in ("", "1")]


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
    assert result.exit_code == 3  # some letters are error rows


@pytest.mark.parametrize("n_process", [1, 2])
def test_a_linker_bug_gives_an_error_row_for_the_letter_that_hits_it(
    letter_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, n_process: int
) -> None:
    # the linker lets a programming error propagate (no flagged record hiding it); the batch goes on
    from imr_determinations.linking import component

    real = component.case_facts

    def case_facts(text, *args):
        if "EXPLODE" in text:
            raise TypeError("broken step")
        return real(text, *args)

    monkeypatch.setattr(component, "case_facts", case_facts)
    bad = letter_folder / "letter_1.txt"
    bad.write_text(bad.read_text() + "\nEXPLODE\n")
    out = tmp_path / "out.jsonl"
    _run([letter_folder], out, n_process=n_process, batch_size=2)
    status = {Path(r["source"]).name: (r["status"], r["error"]) for r in _records(out)}
    assert status.pop("letter_1.txt") == ("error", "pipeline failed: TypeError: broken step")
    assert [s for s, _ in status.values()] == ["ok"] * 5


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


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_resume_replaces_a_letter_whose_bytes_changed(letter_folder: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    _run([letter_folder], out, fmt=fmt)
    changed = letter_folder / "letter_0.txt"
    changed.write_text("changed\n")
    err = io.StringIO()
    result = _run([letter_folder], out, fmt=fmt, resume=True, stderr=err)
    assert result.skipped == 5 and result.stats.done == 1 and result.replaced == 1
    assert f"{changed} changed since it was written" in err.getvalue() and "1 replaced" in err.getvalue()
    shas = {(r["source"], r["input_sha256"]) for r in _letters(out, fmt)}
    assert len(shas) == 6 and (str(changed), hashlib.sha256(b"changed\n").hexdigest()) in shas
    assert len(_letters(out, fmt)) == 6


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
def test_dask_local_cluster_matches_local_run(
    letter_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("distributed")
    (letter_folder / "bad.txt").write_bytes(b"")
    locked = letter_folder / "locked"  # listed in this process; its error row travels to a worker
    locked.mkdir()
    _lock(monkeypatch, locked)
    local, dask = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    _run([letter_folder], local)
    _run([letter_folder], dask, engine="dask", n_process=2, partition_size=2)
    assert dask.read_bytes() == local.read_bytes()
    assert _records(dask)[-1]["error"] == "cannot list folder: Permission denied"


def _lock(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Listing ``folder`` fails as without read permission (chmod 000 does not stop root)."""
    real_scandir = os.scandir

    def scandir(path):
        if not isinstance(path, int) and Path(path) == folder:  # shutil.rmtree lists by fd
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)


@pytest.mark.letters
def test_all_real_letters_extract_without_error(shared_letters: Path, tmp_path: Path) -> None:
    out = tmp_path / "real.jsonl"
    result = _run([shared_letters], out, batch_size=32)
    recs = _records(out)
    assert len(recs) == 101
    assert [r["source"] for r in recs if r["status"] != "ok"] == []
    assert result.exit_code == 0


def test_csv_cells_a_spreadsheet_would_run_get_a_leading_quote() -> None:
    rec = {
        "id": "x", "source": "=evil.txt", "sha256": "s", "input_sha256": "i", "status": "ok", "error": None,
        "warnings": ["@warn"], "case": {"case_number": "CM1", "diagnoses": ["-lumbar"]},
        "determinations": [
            {"item": 1, "service": '=HYPERLINK("http://x.test","click")', "decision": "UPHELD",
             "rationale": "+cmd|' /C calc'!A0", "findings": ["  =1+1"], "guidelines": []},
        ],
    }
    (row,) = csv_rows(rec)
    assert row["service"] == "\'=HYPERLINK(\"http://x.test\",\"click\")"
    assert row["rationale"] == "\'+cmd|\' /C calc\'!A0"
    assert row["source"] == "\'=evil.txt" and row["warnings"] == "\'@warn" and row["diagnoses"] == "\'-lumbar"
    assert row["findings"] == "\'=1+1"
    assert not [v for v in row.values() if v[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert json.loads(format_record(rec, "jsonl")) == rec  # JSONL keeps every value exactly


HOSTILE_NAMES = ["=SUM(1,2).txt", "'quoted.txt", "-dash.txt", "two  spaces.txt", "tab\there.txt",
                 "new\nline.txt", "\tlead.txt"]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_resume_matches_file_names_exactly(
    letter_folder: Path, tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (letter_folder / "letter_0.txt").read_text(encoding="utf-8")
    folder = tmp_path / "odd"
    folder.mkdir()
    for k, name in enumerate(HOSTILE_NAMES):
        (folder / name).write_text(text.replace("CM99-0000100", f"CM99-00002{k:02d}"), encoding="utf-8")
    monkeypatch.chdir(folder)  # relative paths: the sources themselves start with = ' - TAB
    out = tmp_path / f"out.{fmt}"
    _run(HOSTILE_NAMES, out, fmt=fmt)
    full = out.read_bytes()
    assert sorted(r["source"] for r in _letters(out, fmt)) == sorted(HOSTILE_NAMES)
    for _ in range(2):
        result = _run(HOSTILE_NAMES, out, fmt=fmt, resume=True)
        assert result.skipped == len(HOSTILE_NAMES) and result.stats.done == 0
        assert out.read_bytes() == full


def test_resume_redoes_a_csv_letter_cut_between_its_rows(letter_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    _run([letter_folder], out, fmt="csv")
    full = out.read_text(encoding="utf-8")
    lines = full.splitlines(keepends=True)
    out.write_text("".join(lines[: 1 + 2 * 2 + 1]), encoding="utf-8")  # header, two letters, 1 row of the 3rd
    result = _run([letter_folder], out, fmt="csv", resume=True)
    assert result.skipped == 2 and result.stats.done == 4
    assert out.read_text(encoding="utf-8") == full


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_second_writer_of_one_output_is_refused(letter_folder: Path, tmp_path: Path, fmt: str) -> None:
    import fcntl

    out = tmp_path / f"out.{fmt}"
    _run([letter_folder], out, fmt=fmt)
    before = out.read_bytes()
    fd = os.open(tmp_path / f"out.{fmt}.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, b"4242\n")
        for resume in (True, False):
            with pytest.raises(Exception, match=r"is being written by another imr extract \(pid 4242\)"):
                _run([letter_folder], out, fmt=fmt, resume=resume)
            assert out.read_bytes() == before
    finally:
        os.close(fd)
    assert _run([letter_folder], out, fmt=fmt, resume=True).skipped == 6


def _other_model(tmp_path: Path) -> str:
    nlp = build_rules_pipeline()
    nlp.meta["name"], nlp.meta["version"] = "other", "2.0.0"
    nlp.to_disk(tmp_path / "other")
    return str(tmp_path / "other")


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_resume_refuses_output_of_another_model(letter_folder: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    _run([letter_folder / "letter_0.txt"], out, fmt=fmt)
    before = out.read_bytes()
    other = _other_model(tmp_path)
    with pytest.raises(ValueError, match=r"rules .*en_other 2\.0\.0.*--allow-mixed-models"):
        run_extract([letter_folder], model=other, output=out, fmt=fmt, resume=True, quiet=True)
    assert out.read_bytes() == before
    result = run_extract([letter_folder], model=other, output=out, fmt=fmt, resume=True, quiet=True,
                         allow_mixed_models=True)
    assert result.skipped == 1 and result.stats.done == 5


def test_records_name_their_model(letter_folder: Path, tmp_path: Path) -> None:
    from imr_determinations import __version__

    out, out_csv = tmp_path / "out.jsonl", tmp_path / "out.csv"
    (letter_folder / "empty.txt").write_bytes(b"")
    _run([letter_folder], out)
    for rec in _records(out):
        assert rec["model"] == {"name": "rules", "version": __version__}
        validate_record(rec)
    run_extract([letter_folder / "letter_0.txt"], model=_other_model(tmp_path), output=out_csv, fmt="csv",
                quiet=True)
    assert {r["model"] for r in csv.DictReader(out_csv.open(encoding="utf-8"))} == {"en_other 2.0.0"}


def test_resume_still_reports_earlier_error_rows(letter_folder: Path, tmp_path: Path) -> None:
    (letter_folder / "empty.txt").write_bytes(b"")
    out = tmp_path / "out.jsonl"
    assert _run([letter_folder], out).exit_code == 3
    again = _run([letter_folder], out, resume=True)
    assert again.skipped == 7 and again.stats.done == 0 and again.exit_code == 3


def test_csv_guideline_columns_and_service_category() -> None:
    ca = {"text": "MTUS", "id": "MTUS/ACOEM/ch12", "cited_by": "claims_administrator"}
    rev = {"text": "ODG", "id": "ODG/LOW_BACK", "cited_by": "reviewer"}
    rat = {"text": "MTUS", "id": "MTUS/ACOEM/ch12", "cited_by": "rationale"}
    rec = {
        "id": "x", "source": "x.txt", "sha256": "s", "input_sha256": "i", "status": "ok", "error": None,
        "warnings": [], "case": {},
        "determinations": [
            {"item": 1, "service": "MRI lumbar", "service_normalised": {"category": "imaging"},
             "guidelines": [ca, rev, rat, dict(rev)]},
            {"item": 2, "service": "Norco", "service_normalised": {"category": "medication"},
             "guidelines": []},
        ],
    }
    first, second = csv_rows(rec)
    assert first["guideline_ids"] == "MTUS/ACOEM/ch12 | ODG/LOW_BACK"
    assert first["claims_administrator_guideline_ids"] == "MTUS/ACOEM/ch12"
    assert first["reviewer_guideline_ids"] == "ODG/LOW_BACK | MTUS/ACOEM/ch12"
    assert (first["service_category"], second["service_category"]) == ("imaging", "medication")
    assert (first["rows_in_letter"], second["rows_in_letter"]) == ("2", "2")


def _in_thread(seconds: float, fn, *args, **kw):
    """fn(*args, **kw) in a daemon thread; a batch that hangs fails the test instead of the run."""
    box: dict = {}
    thread = threading.Thread(target=lambda: box.update(value=fn(*args, **kw)), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds}s"
    return box["value"]


def test_special_files_get_error_rows_and_the_batch_ends(letter_folder: Path, tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo") or not Path("/dev/zero").exists():
        pytest.skip("needs os.mkfifo and /dev/zero")
    os.mkfifo(letter_folder / "letter_1a.txt")
    (letter_folder / "letter_3a.txt").symlink_to("/dev/zero")
    out = tmp_path / "out.jsonl"
    result = _in_thread(60, _run, [letter_folder], out)
    recs = _records(out)
    assert [Path(r["source"]).name for r in recs] == sorted(p.name for p in letter_folder.iterdir())
    errors = {Path(r["source"]).name: r["error"] for r in recs if r["status"] == "error"}
    assert errors == {"letter_1a.txt": "not a regular file (named pipe)",
                      "letter_3a.txt": "not a regular file (character device)"}
    assert result.stats.ok == 6
    again = _in_thread(60, _run, [letter_folder], out, resume=True)  # --resume hashes every input first
    assert again.skipped == 8 and again.stats.done == 0


def test_a_folder_that_cannot_be_listed_gets_an_error_row_in_its_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, synthetic_letter: str
) -> None:
    for sub in ("a", "b", "c"):
        (tmp_path / "in" / sub).mkdir(parents=True)
        (tmp_path / "in" / sub / "letter.txt").write_text(synthetic_letter)
    locked = tmp_path / "in" / "b"
    _lock(monkeypatch, locked)
    out = tmp_path / "out.jsonl"
    result = _run([tmp_path / "in"], out)
    recs = _records(out)
    assert [(r["source"], r["status"]) for r in recs] == [
        (str(tmp_path / "in" / "a" / "letter.txt"), "ok"),
        (str(locked), "error"),
        (str(tmp_path / "in" / "c" / "letter.txt"), "ok"),
    ]
    assert recs[1]["error"] == "cannot list folder: Permission denied"
    assert result.stats.errors == 1 and result.exit_code == 3  # some letters are error rows


def _short_pipeline(spec: str) -> Language:
    nlp = build_rules_pipeline()
    nlp.max_length = 4000  # below --max-chars: spaCy's own limit must not decide
    return nlp


def test_max_chars_is_the_only_length_limit(tmp_path: Path, synthetic_letter: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, copies in (("a_short.txt", 1), ("b_long.txt", 2), ("c_too_long.txt", 4), ("d_short.txt", 1)):
        (folder / name).write_text("\n".join([synthetic_letter] * copies), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run_extract([folder], model="rules", output=out, quiet=True, nlp_factory=_short_pipeline,
                         max_chars=8000, batch_size=4)
    recs = _records(out)
    assert [r["status"] for r in recs] == ["ok", "ok", "error", "ok"]
    assert re.match(r"letter too large: [\d,]+ characters \(limit 8,000\); split it, or raise imr extract "
                    r"--max-chars \(each 100,000 characters .* about \d+ MB", recs[2]["error"])
    assert result.stats.pipeline_fallbacks == 0
    # the advice works: a higher --max-chars reads the letter
    run_extract([folder / "c_too_long.txt"], model="rules", output=out, quiet=True,
                nlp_factory=_short_pipeline, max_chars=20000)
    assert _records(out)[0]["status"] == "ok"



class _BatchChars:
    """A pipe that records how many characters each batch it is given holds."""

    def __init__(self) -> None:
        self.batches: list[int] = []

    def __call__(self, doc):
        self.batches.append(len(doc.text))
        return doc

    def pipe(self, docs, batch_size: int = 128):
        from spacy.util import minibatch

        for batch in minibatch(docs, size=batch_size):
            self.batches.append(sum(len(d.text) for d in batch))
            yield from batch


if "imr_test_batch_chars" not in Language.factories:
    Language.factory("imr_test_batch_chars", func=lambda nlp, name: _BatchChars())


def test_no_batch_holds_more_than_max_chars(tmp_path: Path, synthetic_letter: str) -> None:
    """Memory grows with the characters of a whole batch: long letters run alone, in order."""
    folder = tmp_path / "in"
    folder.mkdir()
    copies = [1, 1, 3, 1, 1, 1, 2, 1]
    for i, c in enumerate(copies):
        (folder / f"{i:02d}.txt").write_text("\n".join([synthetic_letter] * c), encoding="utf-8")
    nlp = build_rules_pipeline()
    recorder = nlp.add_pipe("imr_test_batch_chars", first=True)
    max_chars = 4 * len(synthetic_letter)
    out = tmp_path / "out.jsonl"
    result = run_extract([folder], model="rules", output=out, quiet=True, nlp_factory=lambda spec: nlp,
                         max_chars=max_chars, batch_size=4)
    recs = _records(out)
    assert [Path(r["source"]).name for r in recs] == [f"{i:02d}.txt" for i in range(len(copies))]
    assert all(r["status"] == "ok" and r["determinations"] for r in recs)
    assert max(recorder.batches) <= max_chars
    assert result.stats.long_alone == 2 and result.stats.pipeline_fallbacks == 0


def test_a_model_that_cannot_load_leaves_the_output_as_it_was(letter_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("an earlier run's records\n", encoding="utf-8")
    with pytest.raises(ModelNotFoundError, match="cannot load model"):
        run_extract([letter_folder], model=str(tmp_path / "no-such-model"), output=out, quiet=True)
    assert out.read_text(encoding="utf-8") == "an earlier run's records\n"
