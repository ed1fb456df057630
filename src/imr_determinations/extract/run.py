"""The whole ``imr extract`` run: option checks, the resume plan, the output, an engine's records
through the writer (and the store), progress and the summary."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from spacy.language import Language

from ..io import DEFAULT_MAX_CHARS, file_sha256, iter_letter_paths
from .cluster import DaskRecords
from .local import Stats, iter_records, source_str
from .models import load_model, model_identity, model_label, resolve_model
from .pool import PoolRecords
from .resume import OutputLock, ResumePlan, plan_resume
from .writers import RecordWriter

FORMATS = ("jsonl", "csv", "parquet")  # parquet: one file per store table (store.py)


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


EXIT_OK, EXIT_NOTHING, EXIT_SETUP, EXIT_PARTIAL, EXIT_STOPPED = 0, 1, 2, 3, 4
EXIT_CODES_HELP = (
    "Exit status: 0 = every letter has a record; 1 = no letters found, or none could be processed; "
    "2 = usage or setup error (bad option, model not found, output locked by another run, resume refused, "
    "Dask scheduler unreachable); 3 = some letters are error rows (the others are written); "
    "4 = stopped before every letter was done (the Dask scheduler was lost): rerun with --resume."
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
    """The whole ``imr extract`` run (``n_process`` > 1: whole letters in forked workers, ``PoolRecords``,
    in partitions of ``partition_size`` letters, as Dask does); raises ``ModelNotFoundError``/
    ``ValueError``/``OutputLockedError``/``ClusterError`` for bad setup (before anything is written),
    ``ClusterLostError`` mid-run."""
    err = stderr if stderr is not None else sys.stderr
    _check_options(fmt, engine, resume, output, n_process, batch_size, max_chars)
    sources = [source_str(p) for p in iter_letter_paths(paths)]
    spec = resolve_model(model)
    if not sources:
        err.write("imr extract: no .pdf or .txt letters found in the given paths\n")
        return ExtractResult(0, 0, Stats(), 0.0)
    identity = model_identity(spec)
    lock = OutputLock(output) if output is not None else contextlib.nullcontext()
    with lock:  # held from the resume scan to the last record
        stats = Stats()
        start = time.perf_counter()
        sink = _store_sink(db, output, fmt)
        plan = _resume_plan(sources, output, fmt, resume, sink, model_label(identity),
                            allow_mixed_models, err)
        todo = [source for source in sources if source not in plan.done]
        skipped = len(sources) - len(todo)
        err.write(f"imr extract: model {spec}; {len(sources)} letters"
                  + (f", {skipped} already done (resume)" if skipped else "") + f"; engine {engine}\n")
        progress = Progress(len(todo), err, live=(not quiet) and err.isatty())
        records: Iterable[dict] = ()
        target: int | TextIO | None = None
        try:  # the engine first: a model or scheduler that fails leaves the output as it was
            if todo and engine == "dask":
                records = DaskRecords(spec, todo, batch_size=batch_size, max_chars=max_chars,
                                      n_workers=n_process, scheduler=scheduler, stats=stats,
                                      partition_size=partition_size)
            elif todo and n_process > 1:
                records = PoolRecords(_loaded(nlp_factory, spec), todo, n_process=n_process,
                                      batch_size=batch_size, max_chars=max_chars, stats=stats,
                                      partition_size=partition_size)
            elif todo:
                records = iter_records(_loaded(nlp_factory, spec), todo, batch_size=batch_size,
                                       max_chars=max_chars, stats=stats)
            target, new_file = _open_target(output, fmt, resume, stdout)
            writer = RecordWriter(target, fmt, write_header=new_file) if target is not None else None
            _write_records(records, identity, writer, sink, progress, stats)
        finally:
            gc.unfreeze()  # what the run froze (``_loaded``) is the caller's to collect again
            if isinstance(records, DaskRecords | PoolRecords):
                records.close()
            progress.close()
            if isinstance(target, int):
                os.close(target)
            if sink is not None:
                _close_sink(sink, output, fmt, resume, err)
        seconds = time.perf_counter() - start
        result = ExtractResult(len(sources), skipped, stats, seconds, plan.done_errors, len(plan.replaced))
        err.write(summary_line(result) + "\n")
        return result


def _loaded(nlp_factory: Callable[[str], Language], spec: str) -> Language:
    """The pipeline, its objects then moved out of the cyclic garbage collector's scans: they live as long
    as the run, and scanning them again and again cost about 8% of its time (and, in forked workers,
    copies of the pages the scans touch)."""
    nlp = nlp_factory(spec)
    gc.freeze()
    return nlp


def _check_options(fmt: str, engine: str, resume: bool, output: Path | None, n_process: int,
                   batch_size: int, max_chars: int) -> None:
    """Refuse (ValueError) option combinations that cannot run, before anything is read or written."""
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


def _resume_plan(sources: list[str], output: Path | None, fmt: str, resume: bool, sink: Any,
                 model: str | None, allow_mixed_models: bool, err: TextIO) -> ResumePlan:
    """The inputs --resume skips: those in the parquet run's store, or whole letters in the output
    file (which ``plan_resume`` trims to them), with a warning per input changed since."""
    if fmt == "parquet" and resume:
        return ResumePlan(done=sink.stored_sources({source: _input_sha(source) for source in sources}))
    if output is None or not resume or not output.exists() or output.stat().st_size == 0:
        return ResumePlan()
    current = {source: _input_sha(source) for source in sources}
    plan = plan_resume(output, fmt, current, model, allow_mixed_models)
    for source in plan.replaced[:10]:
        err.write(f"imr extract: warning: {source} changed since it was written; its record is replaced\n")
    if len(plan.replaced) > 10:
        err.write(f"imr extract: warning: ... and {len(plan.replaced) - 10} more changed inputs\n")
    return plan


def _open_target(output: Path | None, fmt: str, resume: bool,
                 stdout: TextIO | None) -> tuple[int | TextIO | None, bool]:
    """Where records go and whether it starts empty: the output file (appended to by --resume), stdout,
    or nothing for parquet (the store is its output)."""
    if fmt == "parquet":
        return None, False
    if output is None:
        return (stdout if stdout is not None else sys.stdout), True
    output.parent.mkdir(parents=True, exist_ok=True)
    new_file = not (resume and output.exists() and output.stat().st_size > 0)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if not new_file else os.O_TRUNC)
    return os.open(output, flags, 0o644), new_file


def _write_records(records: Iterable[dict], identity: dict, writer: RecordWriter | None, sink: Any,
                   progress: Progress, stats: Stats) -> None:
    """Write each record as it comes (file or stdout, and the store), counting what was written."""
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


def _store_sink(db: Path | None, output: Path | None, fmt: str) -> Any:
    """The store the writer loop also feeds: ``--db FILE``, and for parquet the store the files are
    exported from (``--db``, else OUTPUT/records.duckdb, which --resume continues)."""
    if db is None and fmt != "parquet":
        return None
    from ..store import StoreSink

    return StoreSink(db if db is not None else Path(output or ".") / "records.duckdb")


def _close_sink(sink: Any, output: Path | None, fmt: str, resume: bool, err: TextIO) -> None:
    """Flush the store; after --resume also load the JSONL output (letters an earlier run wrote
    before --db was given); for parquet export the tables."""
    from ..store import export_parquet, load_jsonl

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
