"""The whole hostile corpus through `imr extract --model rules`: each input gets its own, stated outcome."""

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from imr_determinations.cli import app

ERRORS = {
    "empty": "empty file",
    "whitespace": "only whitespace",
    "garbage": "binary file",
    "garbage_pdf_name": "not a PDF",
    "image_pdf": "no text layer",
    "encrypted_pdf": "encrypted with a password",
    "truncated_pdf": "truncated or damaged",
    "huge": "too large",
    "named_pipe": "not a regular file (named pipe)",
    "device_link": "not a regular file (character device)",
}
NO_BYTES = {"named_pipe", "device_link"}  # never opened, so no input_sha256
FULL_LETTERS = {"utf16": ["decoded as utf-16"], "latin1": ["decoded as cp1252"], "text_pdf": [],
                "unicode_noise": []}
EXPECTED_ITEMS = [("Acupuncture 2x6 for the neck", "OVERTURNED"), ("Tramadol 50mg #90", "UPHELD")]


@pytest.fixture(scope="module")
def outcomes(hostile_corpus: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    out = tmp_path_factory.mktemp("hostile_out") / "out.jsonl"
    folder = next(iter(hostile_corpus.values())).parent
    result = CliRunner().invoke(app, ["extract", str(folder), "--model", "rules", "-o", str(out), "--quiet"])
    assert result.exit_code == 3, result.output  # some inputs are error rows
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    by_source = {r["source"]: r for r in records}
    assert len(by_source) == len(records) == len(hostile_corpus)
    return {name: by_source[str(path)] for name, path in hostile_corpus.items()}


def _letter_text(path: Path) -> str:
    from imr_determinations.io import read_letter

    return read_letter(path).text


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_unreadable_inputs_give_an_error_row_naming_the_cause(
    outcomes: dict[str, dict], hostile_corpus: dict[str, Path], name: str
) -> None:
    if name not in hostile_corpus:
        pytest.skip(f"this system cannot make the {name} input")
    rec = outcomes[name]
    assert rec["status"] == "error"
    assert ERRORS[name] in rec["error"]
    assert rec["determinations"] == []
    assert bool(rec["input_sha256"]) is (name not in NO_BYTES)


def test_special_and_unsupported_files_named_directly_end_quickly(
    hostile_corpus: dict[str, Path], tmp_path: Path
) -> None:
    special = [n for n in ("named_pipe", "device_link") if n in hostile_corpus]
    docx = tmp_path / "letter.docx"
    with zipfile.ZipFile(docx, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    doc = tmp_path / "letter.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    inputs = [*(hostile_corpus[n] for n in special), docx, doc, hostile_corpus["text_pdf"]]
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "imr_determinations", "extract", *map(str, inputs), "--model", "rules",
           "-o", str(out), "--quiet"]
    done = subprocess.run(cmd, timeout=60, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert done.returncode == 3  # some letters are error rows, one is a record
    recs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["source"] for r in recs] == [str(p) for p in inputs]
    errors = [r["error"] for r in recs]
    assert errors[: len(special)] == [ERRORS[n] for n in special]
    assert errors[len(special):] == [
        "unsupported file type .docx: imr reads .pdf and .txt letters; convert it to PDF or text first",
        "unsupported file type .doc: imr reads .pdf and .txt letters; convert it to PDF or text first",
        None,
    ]


@pytest.mark.parametrize("name", sorted(FULL_LETTERS))
def test_odd_encodings_and_noise_give_the_same_determinations(outcomes: dict[str, dict], name: str) -> None:
    rec = outcomes[name]
    assert rec["status"] == "ok", rec["error"]
    assert [(d["service"], d["decision"]) for d in rec["determinations"]] == EXPECTED_ITEMS
    for warning in FULL_LETTERS[name]:
        assert warning in rec["warnings"]


@pytest.mark.parametrize("name", ["court_opinion", "progress_report"])
def test_non_imr_documents_get_no_determinations(outcomes: dict[str, dict], name: str) -> None:
    rec = outcomes[name]
    assert rec["status"] == "ok"
    assert rec["determinations"] == []
    assert any("not an IMR" in w for w in rec["warnings"])


@pytest.mark.parametrize("name", ["cut_mid_item", "no_headings"])
def test_damaged_letters_never_invent_determinations(
    outcomes: dict[str, dict], hostile_corpus: dict[str, Path], name: str
) -> None:
    rec = outcomes[name]
    assert rec["status"] == "ok"
    text = _letter_text(hostile_corpus[name])
    assert rec["determinations"], "the item headings are still there"
    for det in rec["determinations"]:
        start, end = det["spans"]["service"]
        assert " ".join(text[start:end].split()) == " ".join(det["service"].split())
        assert det["decision"] in {"UPHELD", "OVERTURNED", None}
        if det["decision"]:
            assert det["decision"].capitalize() in text
    services = [d["service"] for d in rec["determinations"]]
    assert all(any(s.endswith(e) for s in services) for e, _ in EXPECTED_ITEMS)
