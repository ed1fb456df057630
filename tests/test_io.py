from pathlib import Path

import pytest

from imr_determinations.io import (
    LetterReadError,
    file_sha256,
    iter_letter_paths,
    read_letter,
)
from imr_determinations.synth import hostile


def test_text_and_pdf_give_the_same_text(tmp_path: Path, synthetic_letter: str) -> None:
    txt = tmp_path / "a.txt"
    txt.write_text(synthetic_letter, encoding="utf-8")
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(hostile.text_pdf(synthetic_letter))
    from_txt, from_pdf = read_letter(txt), read_letter(pdf)
    assert from_pdf.kind == "pdf" and from_txt.kind == "text"
    assert from_pdf.text.split() == from_txt.text.split()
    assert from_txt.sha256 != "" and from_txt.warnings == []


@pytest.mark.parametrize(
    "encoding,warning",
    [
        ("utf-16", "decoded as utf-16"),
        ("utf-16-le", "decoded as utf-16-le"),
        ("utf-16-be", "decoded as utf-16-be"),
        ("cp1252", "decoded as cp1252"),
    ],
)
def test_encodings_are_detected(tmp_path: Path, encoding: str, warning: str) -> None:
    text = "Case Number: CM99-1\nThe patient\u2019s caf\u00e9 request: Upheld\n" * 5
    path = tmp_path / "x.txt"
    path.write_bytes(text.encode(encoding))
    letter = read_letter(path)
    assert letter.text == text.replace("\u2019", "'")
    assert letter.warnings == [warning]


def test_odd_length_utf16_does_not_crash(tmp_path: Path) -> None:
    path = tmp_path / "odd.txt"
    path.write_bytes("Decision rationale: Upheld\n".encode("utf-16") + b"\x41")
    assert "Decision rationale" in read_letter(path).text


def test_oversized_text_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 5000)
    with pytest.raises(LetterReadError, match="too large.*limit 1,000"):
        read_letter(path, max_chars=1000)
    path.write_bytes(b"x" * 1500)  # under 4 bytes/char but over the character limit
    with pytest.raises(LetterReadError, match="too large: 1,500 characters"):
        read_letter(path, max_chars=1000)


def test_oversized_pdf_is_refused(tmp_path: Path, synthetic_letter: str) -> None:
    path = tmp_path / "long.pdf"
    path.write_bytes(hostile.text_pdf(synthetic_letter * 3))
    with pytest.raises(LetterReadError, match="too large"):
        read_letter(path, max_chars=1000)


@pytest.mark.parametrize(
    "name,message",
    [("missing", "file not found"), ("folder", "is a folder"), ("notpdf", "no %PDF header")],
)
def test_unreadable_inputs_name_the_cause(tmp_path: Path, name: str, message: str) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "notpdf.pdf").write_text("hello")
    paths = {"missing": tmp_path / "nope.txt", "folder": tmp_path / "folder",
             "notpdf": tmp_path / "notpdf.pdf"}
    path = paths[name]
    with pytest.raises(LetterReadError, match=message):
        read_letter(path)


def test_file_sha256_and_iter_letter_paths(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.PDF").write_bytes(b"%PDF-1.4")
    (tmp_path / "a.txt").write_bytes(b"abc")
    (tmp_path / "skip.docx").write_bytes(b"no")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_letter_paths([tmp_path])]
    assert found == ["a.txt", "b/2.PDF"]
    sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # SHA-256 of b"abc"
    assert file_sha256(tmp_path / "a.txt") == sha
