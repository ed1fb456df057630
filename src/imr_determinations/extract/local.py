"""The local engine: letters streamed into ``nlp.pipe`` one by one, one record per input in input
order, whatever happens to any single letter (a read error, a failing batch, a letter too long to
share a batch). Partitions of the local pool and of Dask run the same ``iter_records``."""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from spacy.language import Language

from ..io import DEFAULT_MAX_CHARS, FolderError, LetterReadError, LetterText, file_sha256, read_letter


def _error_record(source: str, message: str, sha256: str | None, input_sha256: str | None) -> dict:
    from ..records import error_record

    record = error_record(source, message, sha256=sha256)
    record["input_sha256"] = input_sha256
    return record


def worker_died_record(source: str, how: str = "") -> dict:
    """The error row of a letter whose own run killed the worker process running it (pool or Dask)."""
    try:
        input_sha = file_sha256(source)
    except OSError:
        input_sha = None
    return _error_record(source, f"the worker process died while running this letter{how}", None, input_sha)


def _ok_record(doc: Any, letter: LetterText, input_sha256: str | None) -> dict:
    from ..records import doc_to_record

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
    root: str | None = None  # the folder relative sources are read from (a Dask client's)
    pending: deque = field(default_factory=deque)
    pulled: int = 0

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> tuple[str, int]:
        while True:
            index, source = next(self.sources)
            self.pulled += 1
            path = read_path(source, self.root)
            try:
                input_sha = file_sha256(path)
            except OSError:
                input_sha = None  # read_letter names the cause
            item = _Input(index, source, input_sha)
            self.pending.append(item)
            start = time.perf_counter()
            try:
                item.letter = replace(read_letter(path, max_chars=self.max_chars), source=source)
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


def source_str(path: str | os.PathLike) -> str:
    """An input as the batch carries it: its path as a str (a ``FolderError`` keeps its cause)."""
    return path if isinstance(path, FolderError) else str(path)


def read_path(source: str, root: str | None) -> str:
    """Where ``source`` is read: under ``root`` when it is relative (a Dask worker reads the client's
    paths, not ones in its own working directory); a ``FolderError`` stays itself, it carries its cause."""
    if root is None or isinstance(source, FolderError) or os.path.isabs(source):
        return source
    return os.path.join(root, source)


def iter_records(
    nlp: Language,
    sources: Iterable[str | os.PathLike],
    *,
    n_process: int = 1,
    batch_size: int = 16,
    max_chars: int = DEFAULT_MAX_CHARS,
    stats: Stats | None = None,
    root: str | None = None,
) -> Iterator[dict]:
    """One record per source, in input order, whatever happens to any single letter.

    A batch that raises inside the pipeline is re-run letter by letter (the failing letter
    gets an error row), then ``nlp.pipe`` restarts where the feed stopped. The pipeline's
    ``max_length`` is set to ``max_chars``: one limit, checked by ``read_letter`` before the pipe,
    so a long letter gets the "letter too large" row with its advice, never spaCy's E088 failing
    its whole batch. Letters longer than ``max_chars / batch_size`` run alone, so a batch never
    holds more than ``max_chars`` characters: memory per process is bounded by the limit.
    Relative sources are read under ``root`` (when given) and keep their name in the records.
    """
    stats = stats if stats is not None else Stats()
    handler = install_error_handler(nlp)
    nlp.max_length = max_chars
    feed = _Feed(enumerate(source_str(s) for s in sources), max_chars, stats,
                 alone_above=max(1, max_chars // batch_size), root=root)
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


def partition_records(nlp: Language, sources: list[str], *, batch_size: int, max_chars: int,
                      root: str | None = None) -> tuple[list[dict], Stats]:
    """One partition's records and stats, as a worker process (pool or Dask) sends them back."""
    stats = Stats()
    records = list(iter_records(nlp, sources, batch_size=batch_size, max_chars=max_chars, stats=stats,
                                root=root))
    return records, stats
