"""An export's worker processes (issue 18): one pool for all the formats that draw.

An export that writes pictures or DICOM (:data:`POOLED_FORMATS`) opens one :class:`WorkerPool`: its processes start
at the start of the export, forked from a server process that has imported the export's libraries once (up to a
second; ``spawn`` where there is no ``forkserver``, each worker then importing them), while the export's own process
derives the SDTM and ADaM, so that no format waits for a worker's start-up; they end with the export's process, even
a killed one.
``RECIST_EXPORT_WORKERS`` caps the workers (``1``: no worker process). The work goes to them through
:func:`recist_app.exports.parallel.parallel_map`.
"""

from __future__ import annotations

import atexit
import importlib
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from types import TracebackType

WORKERS_VARIABLE = "RECIST_EXPORT_WORKERS"
#: The formats that draw in worker processes, and the modules a worker imports for each before its first task.
POOLED_FORMATS = {"sr": ("recist_app.sr.writer", "highdicom"),
                  "plots": ("recist_app.exports.plots.charts",),
                  "pdf": ("recist_app.exports.pdf.report",)}  # it imports the plots' charts


#: The fork server's last preload: it ends without tearing its libraries down.
FORK_SERVER_EXIT = "recist_app.exports.fork_server"


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
    tasks would otherwise outlive it); and end it at once when the pool closes, skipping the interpreter's teardown
    of the drawing libraries' objects (half a second that the export's process waited for). By then multiprocessing
    has sent the worker's last result and its tasks have closed their files."""
    atexit.register(os._exit, 0)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_when_ended, args=(parent.sentinel,), daemon=True).start()


def _exit_when_ended(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


def _start_method(modules: Sequence[str]) -> multiprocessing.context.BaseContext:
    """``forkserver`` where the system has it: one server process per export process, started fresh (safe from a
    GUI's threads), imports ``modules`` once and forks the workers from itself, so that they start with them loaded
    (a later export of the same process, e.g. from the GUI, starts with no import at all; modules its first export
    did not need are imported by each worker). ``spawn`` elsewhere (Windows)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([*modules, FORK_SERVER_EXIT])  # no effect once the server runs
    return context


class WorkerPool:
    """An export's worker processes (a context manager), started at once, each importing ``modules`` in the
    background."""

    def __init__(self, workers: int, modules: Sequence[str] = ()) -> None:
        self.workers = workers
        self.executor = ProcessPoolExecutor(workers, mp_context=_start_method(modules),
                                            initializer=_exit_with_the_export)
        # Started from a thread: a process start waits for the fork server's imports, the export's process does not.
        self._starting = threading.Thread(target=self._warm_up, args=(tuple(modules),), daemon=True)
        self._starting.start()

    def _warm_up(self, modules: tuple[str, ...]) -> None:
        try:
            for _ in range(self.workers):
                self.executor.submit(import_modules, modules)
        except BrokenExecutor:  # a worker could not start: the export's own first task reports it
            pass

    def close(self) -> None:
        """Stop the workers once their running tasks end; tasks not started are dropped."""
        self._starting.join()
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
