"""Batch extraction: letters in, one record per letter out, at any scale.

Files are streamed (paths are listed up front, texts are read one by one as ``nlp.pipe``
asks for them), every record is written as soon as it is done with one ``write`` + flush,
and every input yields a record or an error row, so a crash loses at most the line being
written and ``--resume`` finishes the rest. The same per-partition code runs on a Dask
cluster (``engine="dask"``), and the writer puts results in input order either way.
"""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import io
import json
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO

from spacy.language import Language

from .assertion import FACTORY as CONTEXT_FACTORY
from .io import (
    DEFAULT_MAX_CHARS,
    FolderError,
    LetterReadError,
    LetterText,
    file_sha256,
    iter_letter_paths,
    read_letter,
)
from .records import CASE_KEYS

PACKAGE_MODEL = "en_imr_determinations"
TRAINED_MODEL_DIR = Path("training") / "model-best"
RULES_MODEL = "rules"
LINKER = "imr_determination_linker"
NOT_DOCUMENTED = "not_documented"

# One CSV row per determination; case fields repeat on every row of a letter. A letter with no
# determinations, or an error, still gets one row (determination columns empty). Whitespace inside
# values is flattened to single spaces (except `source`, written exactly: CSV quoting keeps a newline
# in a file name). A cell that starts with = + - @ TAB CR or ' gets one leading ' so that a
# spreadsheet shows it as text instead of running it as a formula; strip one leading ' to read a value.
CSV_COLUMNS: tuple[str, ...] = (
    "source",  # input path exactly as given
    "input_sha256",  # SHA-256 of the input file's bytes (the --resume key with source)
    "id",  # letter id
    "sha256",  # SHA-256 of the canonical text
    "model",  # "name version" of the pipeline that made the row
    "status",  # ok | error
    "error",  # cause, for status=error
    "warnings",  # letter warnings joined by " | "
    "rows_in_letter",  # rows this letter has (fewer in the file = a letter cut by a kill; --resume redoes it)
    *CASE_KEYS,
    "diagnoses",  # joined by " | "
    "diagnosis_codes",  # top ICD-10-CM candidate per diagnosis, parallel to diagnoses (empty: none)
    "item",  # 1-based item number in the letter
    "service",
    "service_category",  # service_normalised.category: medication, imaging, therapy, evaluation, ..., other
    "service_subcategory",  # service_taxonomy.subcategory (the drug group for pharmaceuticals)
    "drug_group",  # service_taxonomy.drug_group: opioids, nsaids, ... (pharmaceuticals only)
    "generic_name",  # service_taxonomy.generic: e.g. hydrocodone/acetaminophen for Norco
    "original_request",
    "authorized",
    "decision",  # UPHELD | OVERTURNED | empty
    "decision_text",
    "medically_necessary",  # true | false | empty
    "guideline_ids",  # distinct ids in letter order, joined by " | "
    "reviewer_guideline_ids",  # ids the expert reviewer cited (guideline line and rationale)
    "claims_administrator_guideline_ids",  # ids the claims administrator cited
    "guidelines",  # "text [cited_by; pages]" joined by " | "
    "findings",  # joined by " | " (scores: finding_details in JSONL)
    "findings_not_documented",  # findings the reviewer says the records lack (assertion not_documented)
    "determination_warnings",  # joined by " | "
    "rationale",
)
CASE_COLUMNS = CSV_COLUMNS[CSV_COLUMNS.index("case_number") : CSV_COLUMNS.index("diagnoses") + 1]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("jsonl", "csv", "parquet")  # parquet: one file per store table (store.py)


class ModelNotFoundError(Exception):
    """No pipeline could be found or loaded; the message says what to do."""


# ---------------------------------------------------------------------------------------------
# models


def build_rules_pipeline() -> Language:
    """The no-training pipeline: tokenizer, section splitter and the linker in rules-only mode."""
    from .tokenizer import blank_nlp

    nlp = blank_nlp()
    nlp.add_pipe("imr_sections")
    nlp.add_pipe("imr_determination_linker", config={"rules_only": True})
    return nlp


def resolve_model(name: str | None) -> str:
    """Which model ``name`` means: "rules", a path, a package, or (for None) the default one."""
    if name:
        return name
    if importlib.util.find_spec(PACKAGE_MODEL) is not None:
        return PACKAGE_MODEL
    if TRAINED_MODEL_DIR.is_dir():
        return str(TRAINED_MODEL_DIR)
    raise ModelNotFoundError(
        f"no model found: install the {PACKAGE_MODEL} package, train one into {TRAINED_MODEL_DIR}/ "
        f"(relative to the current folder), or pass --model PATH or --model {RULES_MODEL}"
    )


def load_model(spec: str) -> Language:
    """Load a resolved model spec; a failure becomes ``ModelNotFoundError`` with the cause."""
    import spacy

    if spec == RULES_MODEL:
        return build_rules_pipeline()
    try:
        nlp = spacy.load(spec)
    except (OSError, ValueError, ImportError) as exc:
        raise ModelNotFoundError(f"cannot load model {spec!r}: {exc}") from exc
    return with_finding_context(nlp)


def with_finding_context(nlp: Language) -> Language:
    """Add ``imr_finding_context`` before the linker of a pipeline trained before it existed: it has no
    weights, so the model's findings get assertions like a new model's."""
    if CONTEXT_FACTORY not in nlp.pipe_names and "spancat" in nlp.pipe_names and LINKER in nlp.pipe_names:
        first_rule = "imr_sections" if "imr_sections" in nlp.pipe_names else LINKER
        nlp.add_pipe(CONTEXT_FACTORY, before=first_rule)
    return nlp


def model_identity(spec: str) -> dict[str, str | None]:
    """Name and version of the pipeline ``spec`` names, from its meta.json (without loading it);
    the rule pipeline is "rules" with the package version, since its rules change with it."""
    from . import __version__

    if spec == RULES_MODEL:
        return {"name": RULES_MODEL, "version": __version__}
    import spacy.util

    path = Path(spec)
    try:
        if not path.is_dir():
            path = spacy.util.get_package_path(spec)
        meta = spacy.util.load_meta(path / "meta.json")
    except (OSError, ValueError, ImportError):
        return {"name": spec, "version": None}
    name = f"{meta.get('lang', 'xx')}_{meta.get('name', 'pipeline')}"
    return {"name": name, "version": meta.get("version")}


def model_label(model: Any) -> str | None:
    """The CSV form of a record's model: "name version"; None for a record without one."""
    if not isinstance(model, dict) or not model.get("name"):
        return None
    return f"{model['name']} {model['version']}" if model.get("version") else str(model["name"])


@lru_cache(maxsize=2)
def cached_model(spec: str) -> Language:
    """One pipeline per process (a Dask worker loads it on its first partition, then reuses it)."""
    return load_model(spec)


# ---------------------------------------------------------------------------------------------
# records


def _error_record(source: str, message: str, sha256: str | None, input_sha256: str | None) -> dict:
    from .records import error_record

    record = error_record(source, message, sha256=sha256)
    record["input_sha256"] = input_sha256
    return record


def _ok_record(doc: Any, letter: LetterText, input_sha256: str | None) -> dict:
    from .records import doc_to_record

    record = doc_to_record(doc, letter.source, letter.sha256)
    if letter.warnings:
        record["warnings"] = list(letter.warnings) + list(record.get("warnings") or [])
    record["input_sha256"] = input_sha256
    return record


@dataclass
class Stats:
    """Counts and timings for the end-of-run summary (summed over Dask partitions)."""

    done: int = 0
    ok: int = 0
    errors: int = 0
    determinations: int = 0
    chars: int = 0
    read_seconds: float = 0.0
    pdf_seconds: float = 0.0
    pdfs: int = 0
    pipeline_fallbacks: int = 0
    long_alone: int = 0

    def add_record(self, record: dict) -> None:
        self.done += 1
        if record.get("status") == "ok":
            self.ok += 1
            self.determinations += len(record.get("determinations") or [])
        else:
            self.errors += 1

    def merge(self, other: Stats) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class _Input:
    index: int
    source: str
    input_sha256: str | None = None
    letter: LetterText | None = None
    error: str | None = None
    record: dict | None = None
    alone: bool = False  # too long to share a batch: run by itself, in order


@dataclass
class _Feed:
    """Class iterator over the inputs still to run through ``nlp.pipe``.

    It is not a generator on purpose: when a pipe call dies, the next one can go on from
    the same position. Read errors never reach the pipe; they wait in ``pending`` so that
    records come out in input order. So do letters longer than ``alone_above`` characters:
    they run by themselves, so no batch holds more than about ``max_chars`` characters and a
    process needs no more memory than one letter at the limit.
    """

    sources: Iterator[tuple[int, str]]
    max_chars: int
    stats: Stats
    alone_above: int | None = None
    pending: deque = field(default_factory=deque)
    pulled: int = 0

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> tuple[str, int]:
        while True:
            index, source = next(self.sources)
            self.pulled += 1
            try:
                input_sha = file_sha256(source)
            except OSError:
                input_sha = None  # read_letter names the cause
            item = _Input(index, source, input_sha)
            self.pending.append(item)
            start = time.perf_counter()
            try:
                item.letter = read_letter(source, max_chars=self.max_chars)
            except LetterReadError as exc:
                item.error = str(exc)
            except Exception as exc:  # noqa: BLE001 - any reader failure is this input's error row
                item.error = f"cannot read letter: {type(exc).__name__}: {exc}"
            elapsed = time.perf_counter() - start
            self.stats.read_seconds += elapsed
            if item.letter is not None and item.letter.kind == "pdf":
                self.stats.pdf_seconds += elapsed
                self.stats.pdfs += 1
            if item.letter is not None:
                self.stats.chars += len(item.letter.text)
                if self.alone_above is not None and len(item.letter.text) > self.alone_above:
                    item.alone = True
                    continue
                return item.letter.text, index


def _finish(item: _Input, doc: Any) -> dict:
    try:
        return _ok_record(doc, item.letter, item.input_sha256)
    except Exception as exc:  # noqa: BLE001 - a record builder failure is this letter's error row
        return _error_record(item.source, f"record building failed: {type(exc).__name__}: {exc}",
                             item.letter.sha256, item.input_sha256)


class DropFailedDocs:
    """spaCy error handler for ``nlp.pipe``: a doc whose component raised is dropped, not fatal.

    Dropping keeps worker processes alive (an exception crossing ``nlp.pipe(n_process>1)`` can
    leave spaCy waiting on its children); ``iter_records`` sees the gap in the contexts and re-runs
    that letter alone with ``strict`` on, which raises so the error row can name the cause.
    """

    def __init__(self) -> None:
        self.strict = False

    def __call__(self, proc_name: Any, proc: Any, docs: Any, exc: Exception) -> None:
        if self.strict:
            raise exc


def install_error_handler(nlp: Language) -> DropFailedDocs:
    handler = getattr(nlp, "_imr_error_handler", None)
    if not isinstance(handler, DropFailedDocs):
        handler = DropFailedDocs()
        nlp.default_error_handler = handler
        for _, pipe in nlp.pipeline:
            try:
                pipe.set_error_handler(handler)
            except AttributeError:
                # Cython components (the trained ner) cannot hold a handler; an exception there
                # fails its batch, which iter_records then re-runs letter by letter
                pass
        nlp._imr_error_handler = handler  # type: ignore[attr-defined]
    return handler


def _single(nlp: Language, item: _Input, handler: DropFailedDocs) -> dict:
    """A letter run by itself: one its batch dropped (strict, so the error row names the cause),
    or one too long to share a batch."""
    handler.strict = True
    try:
        doc = nlp(item.letter.text)
    except Exception as exc:  # noqa: BLE001 - the failing letter gets an error row, the batch goes on
        return _error_record(item.source, f"pipeline failed: {type(exc).__name__}: {exc}",
                             item.letter.sha256, item.input_sha256)
    finally:
        handler.strict = False
    return _finish(item, doc)


def _source(path: str | os.PathLike) -> str:
    """An input as the batch carries it: its path as a str (a ``FolderError`` keeps its cause)."""
    return path if isinstance(path, FolderError) else str(path)


def iter_records(
    nlp: Language,
    sources: Iterable[str | os.PathLike],
    *,
    n_process: int = 1,
    batch_size: int = 16,
    max_chars: int = DEFAULT_MAX_CHARS,
    stats: Stats | None = None,
) -> Iterator[dict]:
    """One record per source, in input order, whatever happens to any single letter.

    A batch that raises inside the pipeline is re-run letter by letter (the failing letter
    gets an error row), then ``nlp.pipe`` restarts where the feed stopped. The pipeline's
    ``max_length`` is set to ``max_chars``: one limit, checked by ``read_letter`` before the pipe,
    so a long letter gets the "letter too large" row with its advice, never spaCy's E088 failing
    its whole batch. Letters longer than ``max_chars / batch_size`` run alone, so a batch never
    holds more than ``max_chars`` characters: memory per process is bounded by the limit.
    """
    stats = stats if stats is not None else Stats()
    handler = install_error_handler(nlp)
    nlp.max_length = max_chars
    feed = _Feed(enumerate(_source(s) for s in sources), max_chars, stats,
                 alone_above=max(1, max_chars // batch_size))
    pending = feed.pending

    def release_before(index: int | None) -> Iterator[dict]:
        # everything still pending ahead of ``index`` was a read error or a doc the pipe dropped
        while pending and (index is None or pending[0].index < index):
            item = pending.popleft()
            if item.error is not None:
                yield _error_record(item.source, item.error, None, item.input_sha256)
            else:
                if item.alone:
                    stats.long_alone += 1
                else:
                    stats.pipeline_fallbacks += 1
                yield _single(nlp, item, handler)

    while True:
        pulled_before = feed.pulled
        try:
            for doc, index in nlp.pipe(feed, as_tuples=True, batch_size=batch_size, n_process=n_process):
                yield from release_before(index)
                item = pending.popleft()
                yield _finish(item, doc)
            yield from release_before(None)
            return
        except Exception:
            if feed.pulled == pulled_before and not pending:
                raise  # the pipe cannot start at all: a setup error, not a bad letter
            # a batch failed: per-doc for what it held, then go on with the rest
            yield from release_before(None)


# ---------------------------------------------------------------------------------------------
# writers


def _flat(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return " | ".join(_flat(v) for v in value)
    return " ".join(str(value).split()) if isinstance(value, str) else str(value)


def _pages(pages: Any) -> str:
    """[[303, 305], [8, 8]] -> "303-305, 8"."""
    out = []
    for p in pages or []:
        if isinstance(p, (list, tuple)) and len(p) == 2:
            out.append(str(p[0]) if p[0] == p[1] else f"{p[0]}-{p[1]}")
        else:
            out.append(str(p))
    return ", ".join(out)


def _guideline_text(g: dict) -> str:
    extra = [x for x in (g.get("cited_by"), _pages(g.get("page_ranges")), g.get("section")) if x]
    return f"{g.get('text') or g.get('id') or ''}" + (f" [{'; '.join(extra)}]" if extra else "")


def _ids(guidelines: list[dict], cited_by: tuple[str, ...] | None = None) -> list[str]:
    """Distinct guideline ids in order, optionally only those cited by one party."""
    ids = (g.get("id") for g in guidelines if cited_by is None or g.get("cited_by") in cited_by)
    return list(dict.fromkeys(i for i in ids if i))


def _cell(value: str) -> str:
    """OWASP's CSV injection guard: a leading ' makes a spreadsheet show the cell as text. A cell
    already starting with ' gets one too, so that stripping one leading ' always gives the value."""
    return "'" + value if value.startswith((*FORMULA_STARTS, "'")) else value


def csv_value(cell: str) -> str:
    """The value of a CSV cell this module wrote (undoes ``_cell``)."""
    return cell[1:] if cell.startswith("'") else cell


def _top_codes(diagnosis_codes: list[dict]) -> str:
    """Top-1 code per diagnosis joined by " | " (an empty place where a diagnosis has no candidate);
    empty when no diagnosis has one."""
    codes = [(d.get("candidates") or [{}])[0].get("code") or "" for d in diagnosis_codes]
    return " | ".join(codes) if any(codes) else ""


def csv_rows(record: dict) -> list[dict[str, str]]:
    """CSV rows of one record (one per determination, at least one), cells guarded by ``_cell``."""
    case = record.get("case") or {}
    dets = record.get("determinations") or []
    base = {
        "source": str(record.get("source") or ""),
        "input_sha256": _flat(record.get("input_sha256")),
        "id": _flat(record.get("id")),
        "sha256": _flat(record.get("sha256")),
        "model": _flat(model_label(record.get("model"))),
        "status": _flat(record.get("status")),
        "error": _flat(record.get("error")),
        "warnings": _flat(record.get("warnings") or []),
        "rows_in_letter": str(max(1, len(dets))),
    }
    for col in CASE_COLUMNS:
        base[col] = _flat(case.get(col))
    base["diagnosis_codes"] = _top_codes(case.get("diagnosis_codes") or [])
    rows = []
    for det in dets:
        row = dict(base)
        guidelines = det.get("guidelines") or []
        taxonomy = det.get("service_taxonomy") or {}
        row.update(
            item=_flat(det.get("item")),
            service=_flat(det.get("service")),
            service_category=_flat((det.get("service_normalised") or {}).get("category")),
            service_subcategory=_flat(taxonomy.get("subcategory")),
            drug_group=_flat(taxonomy.get("drug_group")),
            generic_name=_flat(taxonomy.get("generic")),
            original_request=_flat(det.get("original_request")),
            authorized=_flat(det.get("authorized")),
            decision=_flat(det.get("decision")),
            decision_text=_flat(det.get("decision_text")),
            medically_necessary=_flat(det.get("medically_necessary")),
            guideline_ids=_flat(_ids(guidelines)),
            reviewer_guideline_ids=_flat(_ids(guidelines, ("reviewer", "rationale"))),
            claims_administrator_guideline_ids=_flat(_ids(guidelines, ("claims_administrator",))),
            guidelines=_flat([_guideline_text(g) for g in guidelines]),
            findings=_flat(det.get("findings") or []),
            findings_not_documented=_flat(
                [f["text"] for f in det.get("finding_details") or [] if f.get("assertion") == NOT_DOCUMENTED]
            ),
            determination_warnings=_flat(det.get("warnings") or []),
            rationale=_flat(det.get("rationale")),
        )
        rows.append(row)
    if not rows:
        rows.append(base)
    return [{col: _cell(row.get(col, "")) for col in CSV_COLUMNS} for row in rows]


def format_record(record: dict, fmt: str) -> str:
    """The exact text written for one record (whole lines, ending in a newline)."""
    if fmt == "jsonl":
        return json.dumps(record, ensure_ascii=False) + "\n"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writerows(csv_rows(record))
    return buf.getvalue()


def csv_header() -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(CSV_COLUMNS)
    return buf.getvalue()


class RecordWriter:
    """Writes records as they come: to a file with one ``os.write`` per record (a kill leaves
    whole lines), or to a text stream (stdout) with a flush per record."""

    def __init__(self, target: int | TextIO, fmt: str, write_header: bool):
        self.target = target
        self.fmt = fmt
        if fmt == "csv" and write_header:
            self._write(csv_header())

    def _write(self, text: str) -> None:
        if not isinstance(self.target, int):
            self.target.write(text)
            self.target.flush()
            return
        data = memoryview(text.encode("utf-8"))
        while data:
            written = os.write(self.target, data)
            data = data[written:]

    def write(self, record: dict) -> None:
        self._write(format_record(record, self.fmt))


# ---------------------------------------------------------------------------------------------
# resume


class OutputLockedError(Exception):
    """Another ``imr extract`` holds the output's lock; the message names its pid."""


class OutputLock:
    """An exclusive, non-blocking ``flock`` on ``OUTPUT.lock`` (holding the writer's pid) for the
    whole run, so that two runs never write one output. A sidecar, not the output itself, because
    --resume may replace the output file. Removed on release; a lock file left by a killed run is
    harmless (the kernel drops a dead process's lock)."""

    def __init__(self, output: Path):
        self.output = output
        self.path = output.with_name(output.name + ".lock")
        self.fd: int | None = None

    def __enter__(self) -> OutputLock:
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pid = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
                os.close(fd)
                raise OutputLockedError(
                    f"output {self.output} is being written by another imr extract (pid {pid})"
                ) from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:  # else the holder removed the file between our open and flock: retry
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            self.path.unlink(missing_ok=True)
            os.close(self.fd)
            self.fd = None


@dataclass
class _Written:
    """One letter already in the output: its key, model, status, byte range and whether it is whole."""

    source: str
    input_sha256: str | None
    model: str | None
    status: str | None
    start: int
    end: int
    complete: bool


def _jsonl_letters(path: Path) -> Iterator[_Written]:
    with path.open("rb") as fh:
        pos = 0
        for n, line in enumerate(fh, start=1):
            start, pos = pos, pos + len(line)
            if not line.endswith(b"\n"):  # torn by a kill
                yield _Written("", None, None, None, start, pos, False)
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                rec = None
            if not isinstance(rec, dict) or not isinstance(rec.get("source"), str):
                raise ValueError(f"cannot resume: line {n} of {path} is not an imr extract record")
            yield _Written(rec["source"], rec.get("input_sha256"), model_label(rec.get("model")),
                           rec.get("status"), start, pos, True)


def _csv_letters(path: Path) -> Iterator[_Written]:
    """Letters of a CSV output: consecutive rows of one (source, input_sha256), as many as their
    ``rows_in_letter`` says; a letter with fewer rows, or a torn row, is incomplete."""
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))
    with path.open("rb") as fh:
        offsets = [0]  # end of each line read so far
        ended = [True]  # whether the last line read ends in a newline (not torn by a kill)

        def lines() -> Iterator[str]:
            for raw in fh:
                offsets.append(offsets[-1] + len(raw))
                ended[0] = raw.endswith(b"\n")
                yield raw.decode("utf-8", "surrogateescape")

        reader = csv.reader(lines())
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise ValueError(f"cannot resume: {path} is not an imr extract CSV ({exc})") from exc
        if header != list(CSV_COLUMNS):
            raise ValueError(f"cannot resume: the columns of {path} differ from the ones this version "
                             "writes (an older imr, or not an imr extract CSV); write to a new --output")
        ncols, col = len(CSV_COLUMNS), {c: i for i, c in enumerate(CSV_COLUMNS)}
        cur: _Written | None = None
        rows = want = 0
        while True:
            start = offsets[-1]
            try:
                row = next(reader, None)
            except csv.Error:
                row = []
            torn = row is not None and (len(row) != ncols or not ended[0])
            if row is not None and not torn:
                key = (csv_value(row[0]), row[col["input_sha256"]] or None)
                if cur is not None and (key != (cur.source, cur.input_sha256) or rows >= want):
                    cur.complete = rows == want
                    yield cur
                    cur = None
                if cur is None:
                    try:
                        want = int(row[col["rows_in_letter"]])
                    except ValueError:
                        want = 0
                    cur = _Written(key[0], key[1], csv_value(row[col["model"]]) or None,
                                   row[col["status"]], start, start, False)
                    rows = 0
                rows += 1
                cur.end = offsets[-1]
                continue
            if cur is not None:
                cur.complete = rows == want
                yield cur
                cur = None
            if row is None:
                return
            yield _Written("", None, None, None, start, offsets[-1], False)


@dataclass
class ResumePlan:
    """What --resume found in the output: inputs already done and what it removed."""

    done: set[str] = field(default_factory=set)
    done_errors: int = 0
    replaced: list[str] = field(default_factory=list)
    dropped_incomplete: int = 0


def plan_resume(
    output: Path, fmt: str, current: dict[str, str | None], model: str | None, allow_mixed_models: bool
) -> ResumePlan:
    """Read ``output`` and make it hold only whole letters of current inputs' current bytes.

    Inputs whose bytes changed lose their old record (the caller redoes them, with a warning);
    incomplete letters (a torn line, a CSV letter missing rows) are dropped and redone; a letter
    written twice keeps its first copy. Letters of other inputs are kept. Refuses (ValueError) an
    output made with another model unless ``allow_mixed_models``.
    """
    letters = list(_jsonl_letters(output) if fmt == "jsonl" else _csv_letters(output))
    plan = ResumePlan()
    keep: list[_Written] = []
    seen: set[tuple[str, str | None]] = set()
    for w in letters:
        key = (w.source, w.input_sha256)
        if not w.complete:
            plan.dropped_incomplete += 1
        elif w.source in current and current[w.source] != w.input_sha256:
            plan.replaced.append(w.source)
        elif key not in seen:
            seen.add(key)
            keep.append(w)
            if w.source in current:
                plan.done.add(w.source)
                plan.done_errors += w.status == "error"
    plan.replaced = sorted(set(plan.replaced) - plan.done)
    others = sorted({w.model or "an unrecorded model (older imr)" for w in keep if w.model != model})
    if others and not allow_mixed_models:
        raise ValueError(f"cannot resume {output}: it was written with {', '.join(others)}; this run uses "
                         f"{model}. Use the same --model, a new --output, or --allow-mixed-models")
    if len(keep) < len(letters):
        _keep_only(output, fmt, keep, letters)
    return plan


def _keep_only(output: Path, fmt: str, keep: list[_Written], letters: list[_Written]) -> None:
    """Remove the letters not in ``keep``: truncate when they are all at the end (a killed run),
    else write the kept byte ranges to a temp file and ``os.replace`` the output with it."""
    kept = {id(w) for w in keep}
    first_dropped = next(k for k, w in enumerate(letters) if id(w) not in kept)
    if all(id(w) not in kept for w in letters[first_dropped:]):
        os.truncate(output, letters[first_dropped].start)
        return
    tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    with output.open("rb") as src, tmp.open("wb") as dst:
        if fmt == "csv":
            dst.write(src.read(letters[0].start if letters else 0))
        for w in keep:
            src.seek(w.start)
            dst.write(src.read(w.end - w.start))
        dst.flush()
        os.fsync(dst.fileno())
    os.replace(tmp, output)


# ---------------------------------------------------------------------------------------------
# progress


class Progress:
    """A \\r-updated progress line on stderr (only on a tty and not --quiet) and a final summary."""

    def __init__(self, total: int, stream: TextIO, live: bool, min_interval: float = 0.2):
        self.total = total
        self.stream = stream
        self.live = live
        self.start = time.perf_counter()
        self.min_interval = min_interval
        self._last = 0.0

    def update(self, done: int) -> None:
        if not self.live:
            return
        now = time.perf_counter()
        if now - self._last < self.min_interval and done < self.total:
            return
        self._last = now
        elapsed = max(now - self.start, 1e-9)
        rate = done / elapsed
        eta = (self.total - done) / rate if rate > 0 else float("inf")
        eta_s = f"{eta:,.0f}s" if eta != float("inf") else "?"
        self.stream.write(f"\r{done}/{self.total} letters  {rate:,.1f} letters/s  ETA {eta_s}   ")
        self.stream.flush()

    def close(self) -> None:
        if self.live:
            self.stream.write("\n")
            self.stream.flush()

    def elapsed(self) -> float:
        return time.perf_counter() - self.start


# ---------------------------------------------------------------------------------------------
# engines


def _partition_records(spec: str, sources: list[str], batch_size: int,
                       max_chars: int) -> tuple[list[dict], Stats]:
    """Run one partition on a Dask worker (pipeline loaded once per worker process)."""
    nlp = cached_model(spec)
    stats = Stats()
    records = list(iter_records(nlp, sources, batch_size=batch_size, max_chars=max_chars, stats=stats))
    return records, stats


def _dask_records(
    spec: str,
    todo: list[str],
    *,
    batch_size: int,
    max_chars: int,
    n_workers: int,
    scheduler: str | None,
    stats: Stats,
    partition_size: int,
) -> Iterator[dict]:
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ModelNotFoundError(
            "--engine dask needs dask and distributed: pip install 'imr-determinations[scale]'"
        ) from exc
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        partitions = [todo[i : i + partition_size] for i in range(0, len(todo), partition_size)]
        window = max(2, 2 * len(client.scheduler_info().get("workers", {})) or 2)
        futures: deque = deque()
        parts = iter(partitions)
        for part in parts:
            futures.append(client.submit(_partition_records, spec, part, batch_size, max_chars, pure=False))
            if len(futures) >= window:
                break
        while futures:
            records, part_stats = futures.popleft().result()
            stats.merge(part_stats)
            for part in parts:
                futures.append(client.submit(_partition_records, spec, part, batch_size, max_chars,
                                             pure=False))
                break
            yield from records
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


EXIT_OK, EXIT_NOTHING, EXIT_SETUP, EXIT_PARTIAL = 0, 1, 2, 3
EXIT_CODES_HELP = (
    "Exit status: 0 = every letter has a record; 1 = no letters found, or none could be processed; "
    "2 = usage or setup error (bad option, model not found, output locked by another run, resume refused); "
    "3 = some letters are error rows (the others are written)."
)


@dataclass
class ExtractResult:
    total: int
    skipped: int
    stats: Stats
    seconds: float
    skipped_errors: int = 0  # error rows among the skipped (already written) letters
    replaced: int = 0  # letters redone because their input changed since they were written

    @property
    def exit_code(self) -> int:
        """``EXIT_CODES_HELP``, over every input: the ones done now and the ones already in the output."""
        errors = self.stats.errors + self.skipped_errors
        ok = self.stats.ok + self.skipped - self.skipped_errors
        if self.total == 0 or ok == 0:
            return EXIT_NOTHING
        return EXIT_PARTIAL if errors else EXIT_OK


def _input_sha(source: str) -> str | None:
    try:
        return file_sha256(source)
    except OSError:
        return None  # the error row names the cause


def run_extract(
    paths: Iterable[str | os.PathLike],
    *,
    model: str | None = None,
    output: Path | None = None,
    fmt: str = "jsonl",
    n_process: int = 1,
    batch_size: int = 16,
    resume: bool = False,
    allow_mixed_models: bool = False,
    engine: str = "local",
    scheduler: str | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
    quiet: bool = False,
    db: Path | None = None,
    stderr: TextIO | None = None,
    stdout: TextIO | None = None,
    nlp_factory: Callable[[str], Language] = load_model,
    partition_size: int = 8,
) -> ExtractResult:
    """The whole ``imr extract`` run; raises ``ModelNotFoundError``/``ValueError``/``OutputLockedError``
    for bad setup (before anything is written)."""
    err = stderr if stderr is not None else sys.stderr
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if engine not in ("local", "dask"):
        raise ValueError(f"unknown engine {engine!r}; choose local or dask")
    if resume and output is None:
        raise ValueError("--resume needs --output FILE")
    if fmt == "parquet" and output is None:
        raise ValueError("--format parquet needs --output DIR (it writes one .parquet file per table)")
    if n_process < 1 or batch_size < 1 or max_chars < 1:
        raise ValueError("--n-process, --batch-size and --max-chars must be positive")

    sources = [_source(p) for p in iter_letter_paths(paths)]
    spec = resolve_model(model)
    if not sources:
        err.write("imr extract: no .pdf or .txt letters found in the given paths\n")
        return ExtractResult(0, 0, Stats(), 0.0)
    identity = model_identity(spec)
    lock = OutputLock(output) if output is not None else contextlib.nullcontext()
    with lock:  # held from the resume scan to the last record
        stats = Stats()
        start = time.perf_counter()
        plan = ResumePlan()
        sink = _store_sink(db, output, fmt)
        if fmt == "parquet" and resume:
            plan.done = sink.stored_sources({source: _input_sha(source) for source in sources})
        elif output is not None and resume and output.exists() and output.stat().st_size > 0:
            current = {source: _input_sha(source) for source in sources}
            plan = plan_resume(output, fmt, current, model_label(identity), allow_mixed_models)
            for source in plan.replaced[:10]:
                err.write(f"imr extract: warning: {source} changed since it was written; "
                          "its record is replaced\n")
            if len(plan.replaced) > 10:
                err.write(f"imr extract: warning: ... and {len(plan.replaced) - 10} more changed inputs\n")
        todo = [source for source in sources if source not in plan.done]
        skipped = len(sources) - len(todo)
        err.write(f"imr extract: model {spec}; {len(sources)} letters"
                  + (f", {skipped} already done (resume)" if skipped else "") + f"; engine {engine}\n")

        target: int | TextIO | None = None
        if fmt == "parquet":
            pass  # the sink's store is the output
        elif output is not None:
            output.parent.mkdir(parents=True, exist_ok=True)
            new_file = not (resume and output.exists() and output.stat().st_size > 0)
            flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if not new_file else os.O_TRUNC)
            target = os.open(output, flags, 0o644)
        else:
            new_file = True
            target = stdout if stdout is not None else sys.stdout
        writer = RecordWriter(target, fmt, write_header=new_file) if target is not None else None
        progress = Progress(len(todo), err, live=(not quiet) and err.isatty())
        try:
            if todo:
                if engine == "dask":
                    records = _dask_records(spec, todo, batch_size=batch_size, max_chars=max_chars,
                                            n_workers=n_process, scheduler=scheduler, stats=stats,
                                            partition_size=partition_size)
                else:
                    nlp = nlp_factory(spec)
                    records = iter_records(nlp, todo, n_process=n_process, batch_size=batch_size,
                                           max_chars=max_chars, stats=stats)
                counted = Stats()
                for record in records:
                    record["model"] = dict(identity)
                    if writer is not None:
                        writer.write(record)
                    if sink is not None:
                        sink.add(record)
                    counted.add_record(record)
                    progress.update(counted.done)
                stats.done, stats.ok, stats.errors, stats.determinations = (
                    counted.done, counted.ok, counted.errors, counted.determinations)
        finally:
            progress.close()
            if isinstance(target, int):
                os.close(target)
            if sink is not None:
                _close_sink(sink, output, fmt, resume, err)
        seconds = time.perf_counter() - start
        result = ExtractResult(len(sources), skipped, stats, seconds, plan.done_errors, len(plan.replaced))
        err.write(summary_line(result) + "\n")
        return result


def _store_sink(db: Path | None, output: Path | None, fmt: str) -> Any:
    """The store the writer loop also feeds: ``--db FILE``, and for parquet the store the files are
    exported from (``--db``, else OUTPUT/records.duckdb, which --resume continues)."""
    if db is None and fmt != "parquet":
        return None
    from .store import StoreSink

    return StoreSink(db if db is not None else Path(output or ".") / "records.duckdb")


def _close_sink(sink: Any, output: Path | None, fmt: str, resume: bool, err: TextIO) -> None:
    """Flush the store; after --resume also load the JSONL output (letters an earlier run wrote
    before --db was given); for parquet export the tables."""
    from .store import export_parquet, load_jsonl

    sink.flush()
    if resume and fmt == "jsonl" and output is not None and output.exists():
        sink.result += load_jsonl(sink.con, output)
    if fmt == "parquet" and output is not None:
        export_parquet(sink.con, output)
    err.write(f"imr extract: store: {sink.result.summary()}\n")
    sink.close()


def summary_line(result: ExtractResult) -> str:
    s = result.stats
    rate = s.done / result.seconds if result.seconds > 0 else 0.0
    parts = [
        f"done: {s.done} letters ({s.ok} ok, {s.errors} errors)",
        f"{s.determinations} determinations",
        f"{result.seconds:.1f}s, {rate:.1f} letters/s",
        f"reading {s.read_seconds:.1f}s (PDF text extraction {s.pdf_seconds:.1f}s for {s.pdfs} PDFs)",
    ]
    if result.skipped:
        parts.append(f"{result.skipped} skipped (already in output"
                     + (f", {result.skipped_errors} of them error rows)" if result.skipped_errors else ")"))
    if result.replaced:
        parts.append(f"{result.replaced} replaced (input changed since it was written)")
    if s.pipeline_fallbacks:
        parts.append(f"{s.pipeline_fallbacks} letters re-run alone after a batch failure")
    if s.long_alone:
        parts.append(f"{s.long_alone} long letters run alone (over --max-chars / --batch-size characters)")
    return "; ".join(parts)
