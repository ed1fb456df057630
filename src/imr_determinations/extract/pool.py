"""The local pool: ``imr extract --n-process N`` runs partitions of whole letters (reading, PDF text
extraction, the pipeline, the records) in N forked worker processes; the parent only writes.

The pipeline is loaded once in the parent and inherited by the workers through fork: no worker loads
it again, and a pipeline the caller built itself runs there too. A worker that dies (killed, out of
memory, a crash in native code) breaks the pool: a new pool takes the partitions that were in flight,
and the partition at the head runs again letter by letter, each in a one-worker pool of its own, so the
letter whose own run kills its worker is known and gets an error row. Every input still gets exactly
one record, in input order.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import islice

from spacy.language import Language

from .local import Stats, partition_records, worker_died_record

_NLP: Language | None = None  # the parent's pipeline, set before the workers fork so they inherit it


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the parent, which stops them (no traceback from every worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_partition(sources: list[str], batch_size: int, max_chars: int) -> tuple[list[dict], Stats]:
    if _NLP is None:
        raise RuntimeError("the pool's pipeline was not set before its workers started")
    return partition_records(_NLP, sources, batch_size=batch_size, max_chars=max_chars)


def _new_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_ignore_sigint)


def _stop(pool: ProcessPoolExecutor, terminate: bool) -> list[multiprocessing.process.BaseProcess]:
    """Shut ``pool`` down (cancelling what is queued; with ``terminate``, ending the partitions its
    workers are running instead of waiting for them); returns its worker processes, all ended."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    if terminate:
        for process in processes:
            process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)
    return processes


def _succeeded(future: Future) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None


def _death(processes: list[multiprocessing.process.BaseProcess]) -> str:
    """How a one-worker pool's worker ended, for the error row: its signal or its exit code."""
    codes = [p.exitcode for p in processes if p.exitcode]
    if not codes:
        return ""
    if codes[0] < 0:
        try:
            return f" (killed by {signal.Signals(-codes[0]).name})"
        except ValueError:
            return f" (killed by signal {-codes[0]})"
    return f" (exit code {codes[0]})"


class PoolRecords:
    """Records of ``todo`` in input order from ``n_process`` forked workers running partitions of
    ``partition_size`` letters, at most two partitions per worker in flight; ``close()`` stops them."""

    def __init__(self, nlp: Language, todo: list[str], *, n_process: int, batch_size: int, max_chars: int,
                 stats: Stats, partition_size: int):
        global _NLP
        _NLP = nlp
        self.workers = n_process
        self.partitions = [todo[i : i + partition_size] for i in range(0, len(todo), partition_size)]
        self.args = (batch_size, max_chars)
        self.stats = stats
        self.pool: ProcessPoolExecutor | None = None
        self.alone: ProcessPoolExecutor | None = None  # the one-worker pool of a letter-by-letter re-run
        self.flight: deque[tuple[list[str], Future]] = deque()

    def _submit(self, part: list[str]) -> Future:
        if self.pool is None:
            self.pool = _new_pool(self.workers)
        try:
            return self.pool.submit(_run_partition, part, *self.args)
        except BrokenProcessPool as exc:  # broke since the last result: lost like the ones in flight
            future: Future = Future()
            future.set_exception(exc)
            return future

    def __iter__(self) -> Iterator[dict]:
        parts = iter(self.partitions)
        while True:
            for part in islice(parts, max(0, 2 * self.workers - len(self.flight))):
                self.flight.append((part, self._submit(part)))
            if not self.flight:
                return
            part, future = self.flight.popleft()
            try:
                records, part_stats = future.result()
            except BrokenProcessPool:
                self._restart()
                records, part_stats = self._one_by_one(part)
            self.stats.merge(part_stats)
            yield from records

    def _restart(self) -> None:
        """A worker died: a new pool runs again every partition in flight that had not finished."""
        if self.pool is not None:
            _stop(self.pool, terminate=False)  # broken: its workers are ended already
            self.pool = None
        flight = list(self.flight)
        self.flight.clear()
        self.flight.extend((part, future if _succeeded(future) else self._submit(part))
                           for part, future in flight)

    def _one_by_one(self, part: list[str]) -> tuple[list[dict], Stats]:
        """The head partition of a broken pool, each letter alone in a one-worker pool: a letter whose
        own run kills its worker gets an error row, the others their records."""
        records: list[dict] = []
        stats = Stats()
        for source in part:
            if self.alone is None:
                self.alone = _new_pool(1)
            try:
                got, got_stats = self.alone.submit(_run_partition, [source], *self.args).result()
            except BrokenProcessPool:
                died = worker_died_record(source, _death(_stop(self.alone, terminate=False)))
                got, got_stats = [died], Stats()
                self.alone = None
            records += got
            stats.merge(got_stats)
        if self.alone is not None:
            _stop(self.alone, terminate=False)
            self.alone = None
        return records, stats

    def close(self) -> None:
        """Stop every worker: cancel the queued partitions and end the running ones (after the last
        record there are none; after Ctrl-C or an error nothing is left running)."""
        global _NLP
        running = bool(self.flight)
        for pool in (self.pool, self.alone):
            if pool is not None:
                _stop(pool, terminate=running or pool is self.alone)
        self.pool = self.alone = None
        self.flight.clear()
        _NLP = None
