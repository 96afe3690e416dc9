"""Per-read work of an export in worker processes (issue 18: the PDF pages of 100 reads are minutes of one core).

:func:`parallel_map` runs a module-level function over picklable tasks in ``spawn``-started processes (safe from a
GUI's threads, unlike ``fork``) and yields the results in task order. Small exports stay in this process, where
starting workers would cost more than it saves. Cancelling the export (:meth:`ExportJob.check`) stops waiting and
drops the tasks not started. ``RECIST_EXPORT_WORKERS`` caps the workers (``1``: no worker process).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import TypeVar

from recist_app.exports.job import ExportJob

WORKERS_VARIABLE = "RECIST_EXPORT_WORKERS"
#: Below this many tasks the work stays in this process (a worker takes about a second to import the libraries).
MIN_PARALLEL_TASKS = 6
_POLL_SECONDS = 0.25

Task = TypeVar("Task")
Result = TypeVar("Result")


def worker_count(tasks: int) -> int:
    """Worker processes for ``tasks`` tasks: the CPUs (or ``RECIST_EXPORT_WORKERS``), 1 for a small export."""
    configured = os.environ.get(WORKERS_VARIABLE, "")
    cpus = int(configured) if configured.isdigit() and int(configured) > 0 else (os.cpu_count() or 1)
    return 1 if tasks < MIN_PARALLEL_TASKS else max(1, min(cpus, tasks))


def parallel_map(function: Callable[[Task], Result], tasks: Sequence[Task], job: ExportJob) -> Iterator[Result]:
    """``function(task)`` for every task, in task order, in worker processes when it pays.

    Raises
    ------
    ExportCancelledError
        When the export is cancelled while waiting (no new task starts).
    Exception
        The first task's error, as the task raised it.
    """
    workers = worker_count(len(tasks))
    if workers == 1:
        for task in tasks:
            job.check()
            yield function(task)
        return
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        futures: list[Future[Result]] = [pool.submit(function, task) for task in tasks]
        for future in futures:
            while not future.done():
                job.check()
                wait([future], timeout=_POLL_SECONDS, return_when=FIRST_COMPLETED)
            yield future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
