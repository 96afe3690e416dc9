"""Per-read work of an export in worker processes (issue 18: the PDF pages of 100 reads are minutes of one core).

:func:`parallel_map` runs a module-level function over picklable tasks in the export's worker pool
(:mod:`recist_app.exports.pool`) and yields the results in task order; without a pool it runs them in this process.
Cancelling the export (:meth:`ExportJob.check`) stops waiting and drops the tasks not started.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from recist_app.exports.job import ExportJob

_POLL_SECONDS = 0.25

Task = TypeVar("Task")
Result = TypeVar("Result")


def parallel_map(function: Callable[[Task], Result], tasks: Sequence[Task], job: ExportJob) -> Iterator[Result]:
    """``function(task)`` for every task, in task order, in the job's worker pool when it has one.

    When it ends, early or not, none of its tasks is running.

    Raises
    ------
    ExportCancelledError
        When the export is cancelled while waiting (no new task starts).
    Exception
        The first task's error, as the task raised it.
    """
    if job.pool is None or len(tasks) < 2:
        for task in tasks:
            job.check()
            yield function(task)
        return
    futures: list[Future[Result]] = [job.pool.executor.submit(function, task) for task in tasks]
    try:
        for future in futures:
            while not future.done():
                job.check()
                wait([future], timeout=_POLL_SECONDS, return_when=FIRST_COMPLETED)
            yield future.result()
    finally:  # on an error or a cancel: drop the tasks not started, let the running ones end (they write files)
        for future in futures:
            future.cancel()
        wait(futures)
