"""Results of Dask tasks as they finish, within bounds: a job whose cluster lost every worker, or whose tasks stopped
finishing, ends with a ``DataError`` that says what happened, instead of waiting forever.

A killed worker of a local cluster is restarted by its nanny and its task retried, up to Dask's
``distributed.scheduler.allowed-failures``; these bounds catch what retrying cannot fix. Both are Dask config keys,
so ``DASK_AUGSYNTH__NO_WORKERS_TIMEOUT=2m`` (or a Dask config file) raises them:

- ``augsynth.no-workers-timeout`` (default 30 s): the longest the cluster may have no worker at all;
- ``augsynth.task-timeout`` (default 30 minutes): the longest the job waits with no task finishing.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any

import dask
from dask.utils import format_time, parse_timedelta
from distributed import Client, Future, as_completed
from distributed.scheduler import KilledWorker

from augsynth.core.errors import DataError

NO_WORKERS_TIMEOUT = "augsynth.no-workers-timeout"
TASK_TIMEOUT = "augsynth.task-timeout"
DEFAULTS = {NO_WORKERS_TIMEOUT: "30s", TASK_TIMEOUT: "30 minutes"}
PROBE_SECONDS = 1.0  # how often the cluster's workers are counted while nothing finishes
RESUME = "what finished is kept on disk, so running the same command again resumes"


def limit(key: str) -> float:
    """A bound in seconds, from the Dask config (``augsynth.task-timeout`` or ``augsynth.no-workers-timeout``)."""
    return parse_timedelta(dask.config.get(key, DEFAULTS[key]), default="s")


def finished(client: Client, futures: Iterable[Future], what: str) -> Iterator[tuple[Future, Any]]:
    """``(future, result)`` in the order the tasks finish; a task's own exception is raised as it is.

    Raises ``DataError`` when the cluster has had no worker for ``augsynth.no-workers-timeout``, when no task has
    finished for ``augsynth.task-timeout``, when a task killed its worker more often than Dask allows, or when the
    cluster lost a task's input. Tasks still pending then are cancelled.
    """
    # with_results: results are fetched in the background, so a result lost with its worker (refetched when the
    # task is recomputed) is waited for here, under the bounds, not in a blocking ``future.result()``
    pending = as_completed(list(futures), with_results=True, raise_errors=False)
    no_workers, task_timeout = limit(NO_WORKERS_TIMEOUT), limit(TASK_TIMEOUT)
    last_finish = next_probe = time.monotonic()
    workerless_since: float | None = None
    try:
        while not pending.is_empty():
            ready = pending.next_batch(block=False)
            for future, result in ready:
                yield future, _result(future, result, what)
            now = time.monotonic()
            if ready:
                last_finish = now
                continue
            if now - last_finish > task_timeout:
                raise DataError(
                    f"no {what} task finished in the last {format_time(task_timeout)} "
                    f"({pending.count()} unfinished): a task is stuck or far slower than expected; "
                    f"{RESUME}. Fix: find why the task hangs, or allow more time with "
                    "--task-timeout SECONDS (or DASK_AUGSYNTH__TASK_TIMEOUT=2h)"
                )
            if now >= next_probe:
                next_probe = now + PROBE_SECONDS
                workerless_since = None if _workers(client) else workerless_since or now
                if workerless_since is not None and now - workerless_since > no_workers:
                    raise DataError(
                        f"the Dask cluster has had no worker for {format_time(no_workers)} while "
                        f"{pending.count()} {what} tasks were unfinished: every worker died or was "
                        f"killed and none came back; {RESUME}. Fix: look for what kills the workers "
                        "(out of memory?), restart the workers of a --scheduler cluster, or wait longer "
                        "with DASK_AUGSYNTH__NO_WORKERS_TIMEOUT=2m"
                    )
            time.sleep(0.05)
    finally:
        left = list(pending.futures)
        if left:
            client.cancel(left)


def _workers(client: Client) -> int:
    """How many workers the scheduler has now (0 when the scheduler cannot be reached)."""
    try:
        return len(client.scheduler_info(n_workers=-1)["workers"])
    except OSError:
        return 0


def _result(future: Future, result: Any, what: str) -> Any:
    """The task's return value; its exception raised as it is, or a DataError for what the cluster did to it."""
    if future.status == "cancelled":
        raise DataError(
            f"Dask cancelled a {what} task ({future.key}): the cluster lost it or its input, "
            f"usually because the workers holding them died; {RESUME}"
        )
    if future.status != "error":
        return result
    _, error, traceback = result
    if isinstance(error, KilledWorker):
        raise DataError(
            f"a {what} task ({error.task}) was running on a worker that died, "
            f"{error.allowed_failures + 1} times (Dask's distributed.scheduler.allowed-failures is "
            f"{error.allowed_failures}); {RESUME}. Fix: look for what kills the workers (a task that "
            "needs more memory than a worker has?); fewer --workers leave each more memory"
        )
    raise error.with_traceback(traceback)
