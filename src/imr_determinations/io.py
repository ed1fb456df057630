"""Reading letters from PDF or text files into the canonical text the pipeline sees.

Every failure is a ``LetterReadError`` whose message names the cause, so a batch can
write an error row and go on. The canonical text (after ``textnorm.normalise_text``) is
what gold annotations are anchored to and what their SHA-256 is taken over.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .textnorm import normalise_text, text_sha256

LETTER_SUFFIXES = (".pdf", ".txt")
# Peak memory one process adds per 100,000 characters of a letter, measured with the trained
# pipeline (the rules pipeline needs ~6 MB); the default keeps one process near 1 GB (measured
# 1.0 GB for a 500,000-character letter), 18 times the longest of the 101 real letters.
MB_PER_100K_CHARS = 180
DEFAULT_MAX_CHARS = 500_000

# Document types people hand in by mistake: refused up front with advice, not read as garbage text.
UNSUPPORTED_SUFFIXES = frozenset({
    ".doc", ".docx", ".rtf", ".odt", ".ods", ".xls", ".xlsx", ".ppt", ".pptx", ".msg", ".zip",
    ".png", ".jpg", ".jpeg", ".tif", ".tiff",
})
UNSUPPORTED_MAGIC = (
    (b"PK\x03\x04", "zip archive, e.g. .docx, .xlsx or .odt"),
    (b"PK\x05\x06", "zip archive, e.g. .docx, .xlsx or .odt"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE document, e.g. .doc or .xls"),
    (b"{\\rtf", "RTF document"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
)
_SPECIAL_FILES = (
    (stat.S_ISDIR, "folder"),
    (stat.S_ISFIFO, "named pipe"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISSOCK, "socket"),
)


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


class FolderError(str):
    """A folder that could not be searched, standing where its letters would be in the input order.

    It is the folder's path (a ``str``, so it travels through a batch, a Dask partition and the
    ``--resume`` keys like any source) and carries the cause, which ``read_letter`` raises.
    """

    message: str

    def __new__(cls, path: str, message: str) -> FolderError:
        self = super().__new__(cls, path)
        self.message = message
        return self

    def __reduce__(self) -> tuple:
        return FolderError, (str(self), self.message)


def iter_letter_paths(paths: Iterable[str | os.PathLike]) -> Iterator[Path | FolderError]:
    """Files named directly, plus .pdf/.txt files found (sorted, recursively) in folders.

    Nothing is dropped in silence: a folder that cannot be listed yields a ``FolderError`` where
    its letters would have come. Symlinked folders are followed like real ones (two links to one
    folder list its letters under both paths, as naming a file twice does); a link back to a folder
    that is being searched (a loop, found by st_dev/st_ino) yields a ``FolderError`` instead.
    """
    for p in paths:
        path = Path(p)
        if path.is_dir():
            yield from _search_folder(path, {})
        else:
            yield path


def _search_folder(folder: Path, ancestors: dict[tuple[int, int], Path]) -> Iterator[Path | FolderError]:
    """Letters of ``folder``, then of its subfolders by name; ``ancestors`` maps (st_dev, st_ino) to path."""
    try:
        st = folder.stat()
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        yield FolderError(str(folder), f"cannot list folder: {exc.strerror or exc}")
        return
    key = (st.st_dev, st.st_ino)
    if key in ancestors:
        yield FolderError(str(folder), f"folder link loop: leads back to {ancestors[key]}, which is "
                                       "being searched; not searched again")
        return
    subfolders = []
    for entry in entries:
        try:
            is_dir = entry.is_dir()  # follows symlinks
        except OSError:
            is_dir = False  # an unresolvable link: a letter name still gets its row from read_letter
        if is_dir:
            subfolders.append(Path(entry.path))
        elif entry.name.lower().endswith(LETTER_SUFFIXES):
            yield Path(entry.path)
    inner = {**ancestors, key: folder}
    for sub in subfolders:
        yield from _search_folder(sub, inner)


def _special_file(st: os.stat_result) -> str | None:
    """Why a file is no letter to open (a pipe blocks, a device never ends), or None for a regular file."""
    if stat.S_ISREG(st.st_mode):
        return None
    kind = next((name for test, name in _SPECIAL_FILES if test(st.st_mode)), "special file")
    return f"not a regular file ({kind})"


def file_sha256(path: str | os.PathLike, chunk_size: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, read in chunks so a huge input costs no memory.

    Anything but a regular file raises ``OSError`` before it is opened: opening a named pipe
    blocks until a writer comes, and reading /dev/zero never ends.
    """
    problem = _special_file(os.stat(path))
    if problem:
        raise OSError(errno.EINVAL, problem, str(path))
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def _unsupported_type(path: Path, head: bytes) -> str | None:
    """Why a file is a document type imr does not read (by suffix, else by its first bytes), or None."""
    suffix = path.suffix.lower()
    what = suffix if suffix in UNSUPPORTED_SUFFIXES else next(
        (f"({name}, by its content)" for magic, name in UNSUPPORTED_MAGIC if head.startswith(magic)), None)
    if what is None:
        return None
    return f"unsupported file type {what}: imr reads .pdf and .txt letters; convert it to PDF or text first"


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


_LIMIT_ADVICE = (f"split it, or raise imr extract --max-chars (each 100,000 characters of a letter take "
                 f"about {MB_PER_100K_CHARS} MB of memory per process)")


def _too_large(chars: int, max_chars: int) -> LetterReadError:
    return LetterReadError(f"letter too large: {chars:,} characters (limit {max_chars:,}); {_LIMIT_ADVICE}")


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
    before they are read, PDFs as soon as their extracted text passes the limit. Only regular
    files are opened (a named pipe or a device gets its error from ``os.stat``), and document
    types imr does not read (.docx, zip, OLE, RTF, images) are named as such.
    """
    if isinstance(path, FolderError):
        raise LetterReadError(path.message)
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError as exc:
        raise LetterReadError("file not found") from exc
    except OSError as exc:
        raise LetterReadError(f"cannot read file: {exc.strerror or exc}") from exc
    if stat.S_ISDIR(st.st_mode):
        raise LetterReadError("is a folder, not a letter")
    problem = _special_file(st)
    if problem:
        raise LetterReadError(problem)
    size = st.st_size
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        raise LetterReadError(f"cannot read file: {exc.strerror or exc}") from exc
    if not head:
        raise LetterReadError("empty file")
    warnings: list[str] = []
    encoding = None
    is_pdf = b"%PDF-" in head
    unsupported = None if is_pdf else _unsupported_type(path, head)
    if unsupported:
        raise LetterReadError(unsupported)
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
            raise LetterReadError(f"letter too large: {size / 1e6:,.1f} MB file "
                                  f"(limit {max_chars:,} characters); {_LIMIT_ADVICE}")
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
