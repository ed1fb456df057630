"""The Dask engine: partitions of inputs run through ``iter_records`` on the workers of a local or
remote cluster; the client gets their records back in input order and writes them.

Workers see only what the client ships: the model as an absolute folder (or a package name) and the
client's working directory, under which they read relative letter paths, so a worker started in any
folder reads the same files, given the same paths exist on its machine (shared storage).
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import CancelledError
from pathlib import Path
from typing import Any

from .local import Stats, partition_records, worker_died_record
from .models import RULES_MODEL, ModelNotFoundError, cached_model

CONNECT_TIMEOUT = 30  # seconds to reach --scheduler at the start


class ClusterError(Exception):
    """The Dask scheduler cannot be reached at the start; nothing was written."""


class ClusterLostError(ClusterError):
    """The Dask scheduler went away mid-run; the records written so far stay, --resume finishes."""


def shipped_model(spec: str) -> str:
    """The model as a worker must be told it: a folder that exists here as its absolute path (a worker
    would resolve a relative one in its own working directory); "rules" and package names as they are."""
    return os.path.abspath(spec) if spec != RULES_MODEL and Path(spec).exists() else spec


def _partition_records(spec: str, sources: list[str], root: str, batch_size: int,
                       max_chars: int) -> tuple[list[dict], Stats]:
    """Run one partition on a Dask worker (pipeline loaded once per worker process); relative
    sources are read under the client's folder ``root``."""
    return partition_records(cached_model(spec), sources, batch_size=batch_size, max_chars=max_chars,
                             root=root)


class DaskRecords:
    """Records of ``todo`` in input order from a Dask cluster, a bounded window of partitions in flight
    (a partition lost with its worker is run again by the scheduler; one that killed every worker it
    ran on, Dask's KilledWorker, runs again letter by letter, and the letter that still kills its worker
    gets an error row). Connects when made, so a
    scheduler that cannot be reached within ``CONNECT_TIMEOUT`` is a ``ClusterError`` before anything
    is written; iterating raises ``ClusterLostError`` when the scheduler goes away mid-run."""

    def __init__(self, spec: str, todo: list[str], *, batch_size: int, max_chars: int, n_workers: int,
                 scheduler: str | None, stats: Stats, partition_size: int):
        try:
            from distributed import Client, KilledWorker, LocalCluster
        except ImportError as exc:
            raise ModelNotFoundError(
                "--engine dask needs dask and distributed: pip install 'imr-determinations[scale]'"
            ) from exc
        self.killed_worker = KilledWorker
        self.cluster = None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout=CONNECT_TIMEOUT)
            except (OSError, TimeoutError) as exc:
                raise ClusterError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from exc
        else:
            self.cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                        dashboard_address=None)
            self.client = Client(self.cluster)
        self.where = scheduler or "of the local cluster"
        self.partitions = [todo[i : i + partition_size] for i in range(0, len(todo), partition_size)]
        self.args = (shipped_model(spec), os.getcwd(), batch_size, max_chars)
        self.stats = stats

    def _submit(self, part: list[str]) -> Any:
        model, root, batch_size, max_chars = self.args
        return self.client.submit(_partition_records, model, part, root, batch_size, max_chars, pure=False)

    def __iter__(self) -> Iterator[dict]:
        window = max(2, 2 * len(self.client.scheduler_info().get("workers", {})) or 2)
        futures: deque = deque()
        parts = iter(self.partitions)
        for part in parts:
            futures.append((part, self._submit(part)))
            if len(futures) >= window:
                break
        while futures:
            part, future = futures.popleft()
            try:
                records, part_stats = self._result(future)
            except self.killed_worker:
                # the partition killed every worker it ran on: letter by letter, the killer gets an error row
                records, part_stats = self._one_by_one(part)
            self.stats.merge(part_stats)
            for part in parts:
                futures.append((part, self._submit(part)))
                break
            yield from records

    def _result(self, future: Any) -> tuple[list[dict], Stats]:
        try:
            return future.result()
        except (CancelledError, OSError, TimeoutError) as exc:
            # the client's reconnect attempt, cut short by close(), would log a traceback
            logging.getLogger("distributed.client").setLevel(logging.CRITICAL)
            raise ClusterLostError(
                f"lost the Dask scheduler {self.where} ({type(exc).__name__}); the records done so far "
                "are written: rerun the same command with --resume once a scheduler and workers are up"
            ) from exc

    def _one_by_one(self, part: list[str]) -> tuple[list[dict], Stats]:
        records: list[dict] = []
        stats = Stats()
        for source in part:
            try:
                got, got_stats = self._result(self._submit([source]))
            except self.killed_worker:
                died = worker_died_record(source, " (Dask: it killed every worker it ran on)")
                got, got_stats = [died], Stats()
            records += got
            stats.merge(got_stats)
        return records, stats

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
