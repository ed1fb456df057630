"""Reading letters from PDF or text files into the canonical text the pipeline sees.

Every failure is a ``LetterReadError`` whose message names the cause, so a batch can
write an error row and go on. The canonical text (after ``textnorm.normalise_text``) is
what gold annotations are anchored to and what their SHA-256 is taken over.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .textnorm import normalise_text, text_sha256

LETTER_SUFFIXES = (".pdf", ".txt")
DEFAULT_MAX_CHARS = 2_000_000


class LetterReadError(Exception):
    """A letter that cannot be turned into text; the message says why."""


@dataclass
class LetterText:
    source: str
    text: str
    sha256: str
    kind: str  # "pdf" | "text"
    pages: int = 1
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)


def iter_letter_paths(paths: Iterable[str | os.PathLike]) -> Iterator[Path]:
    """Files named directly, plus .pdf/.txt files found (sorted, recursively) in folders."""
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    if name.lower().endswith(LETTER_SUFFIXES):
                        yield Path(root) / name
        else:
            yield path


def file_sha256(path: str | os.PathLike, chunk_size: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, read in chunks so a huge input costs no memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def _decode_text(data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    # UTF-16 without BOM: every other byte NUL in ASCII-heavy text
    head = data[:4000]
    half = len(head) // 2
    if len(head) >= 4:
        for zeros, codec in ((head[1::2], "utf-16-le"), (head[0::2], "utf-16-be")):
            if zeros.count(0) > 0.9 * half:
                text = data[: len(data) // 2 * 2].decode(codec, errors="replace")
                return text, codec
    if b"\x00" in head:
        raise LetterReadError("binary file, not a text letter (NUL bytes found)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        return text, "cp1252"


def _looks_binary(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return False
    bad = sum(1 for c in sample if c == "\ufffd" or (ord(c) < 32 and c not in "\n\r\t\f"))
    return bad / len(sample) > 0.05


def _too_large(chars: int, max_chars: int) -> LetterReadError:
    return LetterReadError(
        f"letter too large: {chars:,} characters (limit {max_chars:,}); split it or raise --max-chars"
    )


def read_pdf_text(path: Path, max_chars: int = DEFAULT_MAX_CHARS) -> tuple[str, int]:
    """Text of every page joined by newlines; stops early once the text passes ``max_chars``."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        pdf = pdfium.PdfDocument(str(path), password=None)
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD or "password" in msg.lower():
            raise LetterReadError("PDF is encrypted with a password; cannot read its text") from exc
        raise LetterReadError(f"PDF could not be opened (truncated or damaged?): {msg}") from exc
    try:
        pages: list[str] = []
        total = 0
        for i in range(len(pdf)):
            try:
                page = pdf[i]
                textpage = page.get_textpage()
                text = textpage.get_text_range()
                textpage.close()
                page.close()
            except pdfium.PdfiumError as exc:
                raise LetterReadError(f"PDF page {i + 1} could not be read (damaged?): {exc}") from exc
            pages.append(text)
            total += len(text) + 1
            if total > max_chars:
                raise _too_large(total, max_chars)
    finally:
        pdf.close()
    return "\n".join(pages), len(pages)


def read_letter(path: str | os.PathLike, max_chars: int = DEFAULT_MAX_CHARS) -> LetterText:
    """The canonical text of one letter, or ``LetterReadError`` naming why there is none.

    Memory stays bounded by ``max_chars``: oversized text files are refused from their size
    before they are read, PDFs as soon as their extracted text passes the limit.
    """
    path = Path(path)
    if not path.exists():
        raise LetterReadError("file not found")
    if path.is_dir():
        raise LetterReadError("is a folder, not a letter")
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        raise LetterReadError(f"cannot read file: {exc.strerror or exc}") from exc
    if not head:
        raise LetterReadError("empty file")
    warnings: list[str] = []
    encoding = None
    is_pdf = b"%PDF-" in head
    if is_pdf or path.suffix.lower() == ".pdf":
        if not is_pdf:
            raise LetterReadError("not a PDF (no %PDF header) although named .pdf")
        raw, pages = read_pdf_text(path, max_chars)
        kind = "pdf"
        if not raw.strip():
            raise LetterReadError("PDF has no text layer (scanned image?); OCR it first")
    else:
        # no encoding takes more than 4 bytes per character
        if size > 4 * max_chars + 4:
            raise LetterReadError(
                f"letter too large: {size / 1e6:,.1f} MB file (limit {max_chars:,} characters); "
                "split it or raise --max-chars"
            )
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise LetterReadError(f"cannot read file: {exc.strerror or exc}") from exc
        raw, encoding = _decode_text(data)
        del data
        pages = 1
        kind = "text"
        if len(raw) > max_chars:
            raise _too_large(len(raw), max_chars)
        if _looks_binary(raw):
            raise LetterReadError("binary file, not a text letter (undecodable bytes)")
        if encoding != "utf-8":
            warnings.append(f"decoded as {encoding}")
    norm = normalise_text(raw)
    text = norm.text
    if not text.strip():
        raise LetterReadError("no text: file holds only whitespace")
    if len(text) > max_chars:
        raise _too_large(len(text), max_chars)
    return LetterText(
        source=str(path),
        text=text,
        sha256=text_sha256(text),
        kind=kind,
        pages=pages,
        encoding=encoding,
        warnings=warnings,
    )
