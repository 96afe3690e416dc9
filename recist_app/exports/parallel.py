"""Per-read work of an export in worker processes (issue 18: the PDF pages of 100 reads are minutes of one core).

:func:`parallel_map` runs a function over picklable tasks in the export's worker pool (:mod:`recist_app.exports.pool`)
and yields the results in task order; without a pool it runs them in this process. The tasks go to the pool when it
is called, so that a format can hand over more work (the trial summary once its plots are drawn) while the first
results come back. Cancelling the export (:meth:`ExportJob.check`) stops waiting and drops the tasks not started.

:class:`InWorker` names the function by its module, so that the export's own process never imports the libraries
that draw (ReportLab, highdicom: about a second of every export): the worker imports them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar, cast

if TYPE_CHECKING:
    from recist_app.exports.job import ExportJob

_POLL_SECONDS = 0.25

Task = TypeVar("Task")
Result = TypeVar("Result")


@dataclass(frozen=True)
class InWorker(Generic[Task, Result]):
    """The function ``name`` of ``module``, imported where it is called (a worker process, or this process when the
    export has no pool)."""

    module: str
    name: str

    def __call__(self, task: Task) -> Result:
        return cast(Result, getattr(importlib.import_module(self.module), self.name)(task))


def parallel_map(function: Callable[[Task], Result], tasks: Sequence[Task], job: ExportJob) -> Iterator[Result]:
    """``function(task)`` for every task, in task order, in the job's worker pool when it has one (the tasks are
    handed to it now, not when the first result is asked for).

    When the results have been read to the end, or the reading stopped at an error or a cancel, none of the tasks is
    running.

    Raises
    ------
    ExportCancelledError
        When the export is cancelled while waiting (no new task starts).
    Exception
        The first task's error, as the task raised it.
    """
    if job.pool is None:
        return _here(function, tasks, job)
    futures = [job.pool.executor.submit(function, task) for task in tasks]
    job.handed_over(futures)
    return _collected(futures, job)


def _here(function: Callable[[Task], Result], tasks: Sequence[Task], job: ExportJob) -> Iterator[Result]:
    for task in tasks:
        job.check()
        yield function(task)


def _collected(futures: list[Future[Result]], job: ExportJob) -> Iterator[Result]:
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
