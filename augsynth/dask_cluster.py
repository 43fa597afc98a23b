"""Dask clients: local worker processes by default, or an existing cluster by address."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from distributed import Client, LocalCluster


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


@contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None) -> Iterator[Client]:
    """A client on ``scheduler`` (``tcp://HOST:PORT``), or on a new local cluster of ``workers`` processes."""
    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1, processes=True,
                      dashboard_address=":0", silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client
