"""The Dask engine: partitions of inputs run through ``iter_records`` on the workers of a local or
remote cluster; the client gets their records back in input order and writes them."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from .local import Stats, iter_records
from .models import ModelNotFoundError, cached_model


def _partition_records(spec: str, sources: list[str], batch_size: int,
                       max_chars: int) -> tuple[list[dict], Stats]:
    """Run one partition on a Dask worker (pipeline loaded once per worker process)."""
    nlp = cached_model(spec)
    stats = Stats()
    records = list(iter_records(nlp, sources, batch_size=batch_size, max_chars=max_chars, stats=stats))
    return records, stats


def dask_records(
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
