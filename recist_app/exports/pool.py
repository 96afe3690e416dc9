"""An export's worker processes (issue 18): one pool for all the formats that draw.

An export that writes pictures or DICOM (:data:`POOLED_FORMATS`) opens one :class:`WorkerPool`: its processes start
with ``spawn`` (safe from a GUI's threads, unlike ``fork``) at the start of the export and import the drawing
libraries while the export's own process derives the SDTM and ADaM, so that no format waits for a worker's start-up
(about a second of imports each), and they end with the export's process, even a killed one.
``RECIST_EXPORT_WORKERS`` caps the workers (``1``: no worker process). The work goes to them through
:func:`recist_app.exports.parallel.parallel_map`.
"""

from __future__ import annotations

import importlib
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType

WORKERS_VARIABLE = "RECIST_EXPORT_WORKERS"
#: The formats that draw in worker processes, and the modules a worker imports for each before its first task.
POOLED_FORMATS = {"sr": ("recist_app.sr.writer", "highdicom"),
                  "plots": ("recist_app.exports.plots.charts",),
                  "pdf": ("recist_app.exports.pdf.report", "recist_app.exports.plots.charts")}


def worker_count() -> int:
    """Worker processes of an export: the CPUs, or ``RECIST_EXPORT_WORKERS`` when set to a positive number."""
    configured = os.environ.get(WORKERS_VARIABLE, "")
    return int(configured) if configured.isdigit() and int(configured) > 0 else (os.cpu_count() or 1)


def import_modules(names: Sequence[str]) -> None:
    """Import ``names`` (a worker's warm-up task)."""
    for name in names:
        importlib.import_module(name)


def _exit_with_the_export() -> None:
    """A worker's initializer: end the worker when the export's process ends, even killed (a worker waiting for
    tasks would otherwise outlive it)."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_when_ended, args=(parent.sentinel,), daemon=True).start()


def _exit_when_ended(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


class WorkerPool:
    """An export's worker processes (a context manager), started at once, each importing ``modules`` in the
    background."""

    def __init__(self, workers: int, modules: Sequence[str] = ()) -> None:
        self.workers = workers
        self.executor = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_exit_with_the_export)
        for _ in range(workers):
            self.executor.submit(import_modules, tuple(modules))

    def close(self) -> None:
        """Stop the workers once their running tasks end; tasks not started are dropped."""
        self.executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def export_pool(formats: Iterable[str]) -> WorkerPool | None:
    """The pool of an export writing ``formats``: None when none of them draws (:data:`POOLED_FORMATS`) or only one
    worker is allowed."""
    modules = [module for name in formats for module in POOLED_FORMATS.get(name, ())]
    workers = worker_count()
    return WorkerPool(workers, tuple(dict.fromkeys(modules))) if modules and workers > 1 else None
