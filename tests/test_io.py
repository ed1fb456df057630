import io
import os
import pickle
import re
import threading
import zipfile
from pathlib import Path

import pytest

from imr_determinations.io import (
    FolderError,
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


def _within(seconds: float, fn, *args):
    """fn(*args) in a daemon thread: a call that blocks (a pipe, /dev/zero) fails the test, not the run."""
    box: dict = {}

    def run() -> None:
        try:
            box["value"] = fn(*args)
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{fn.__name__} still running after {seconds}s"
    if "error" in box:
        raise box["error"]
    return box["value"]


@pytest.fixture
def special_files(tmp_path: Path) -> dict[str, Path]:
    if not hasattr(os, "mkfifo") or not Path("/dev/zero").exists():
        pytest.skip("needs os.mkfifo and /dev/zero")
    pipe, zero = tmp_path / "pipe.txt", tmp_path / "zero.txt"
    os.mkfifo(pipe)
    zero.symlink_to("/dev/zero")
    return {"named pipe": pipe, "character device": zero}


def test_special_files_are_refused_without_being_opened(special_files: dict[str, Path]) -> None:
    for kind, path in special_files.items():
        with pytest.raises(LetterReadError, match=re.escape(f"not a regular file ({kind})")):
            _within(5, read_letter, path)
        with pytest.raises(OSError, match=re.escape(kind)):
            _within(5, file_sha256, path)


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


OFFICE_ZIP = _zip()
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200
ADVICE = ": imr reads .pdf and .txt letters; convert it to PDF or text first"


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("a.docx", OFFICE_ZIP, "unsupported file type .docx" + ADVICE),
        ("a.xlsx", OFFICE_ZIP, "unsupported file type .xlsx" + ADVICE),
        ("a.doc", OLE, "unsupported file type .doc" + ADVICE),
        ("a.rtf", b"{\\rtf1\\ansi Case Number: CM1}", "unsupported file type .rtf" + ADVICE),
        ("a.odt", OFFICE_ZIP, "unsupported file type .odt" + ADVICE),
        ("docx_renamed.txt", OFFICE_ZIP,
         "unsupported file type (zip archive, e.g. .docx, .xlsx or .odt, by its content)" + ADVICE),
        ("doc_no_suffix", OLE,
         "unsupported file type (OLE document, e.g. .doc or .xls, by its content)" + ADVICE),
    ],
)
def test_unsupported_document_types_are_named(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(LetterReadError) as info:
        read_letter(path)
    assert str(info.value) == message


def test_folders_that_cannot_be_listed_yield_an_error_in_their_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for sub in ("a", "b", "c"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / f"{sub}.txt").write_text("x")
    real_scandir = os.scandir

    def scandir(path):
        if Path(path) == tmp_path / "b":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = list(iter_letter_paths([tmp_path]))
    assert found == [tmp_path / "a" / "a.txt", str(tmp_path / "b"), tmp_path / "c" / "c.txt"]
    assert isinstance(found[1], FolderError)
    with pytest.raises(LetterReadError, match="^cannot list folder: Permission denied$"):
        read_letter(found[1])


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root reads a chmod 000 folder anyway; the mocked test above covers it")
def test_a_chmod_000_folder_yields_an_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "x.txt").write_text("x")
    locked.chmod(0)
    try:
        found = list(iter_letter_paths([tmp_path]))
    finally:
        locked.chmod(0o755)
    assert found == [str(locked)] and found[0].message.startswith("cannot list folder")


def test_folder_symlinks_are_followed_and_loops_named(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "real").mkdir(parents=True)
    (root / "real" / "x.txt").write_text("x")
    (root / "link").symlink_to(root / "real", target_is_directory=True)
    (root / "loop").symlink_to(root, target_is_directory=True)
    found = list(iter_letter_paths([root]))
    assert found == [root / "link" / "x.txt", str(root / "loop"), root / "real" / "x.txt"]
    assert found[1].message.startswith(f"folder link loop: leads back to {root}")


def test_folder_error_survives_pickling() -> None:
    error = pickle.loads(pickle.dumps(FolderError("/x", "cannot list folder: Permission denied")))
    assert error == "/x" and error.message == "cannot list folder: Permission denied"
