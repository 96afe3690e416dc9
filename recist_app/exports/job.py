"""What a running export hands each format: the folder to write in, progress, cancel, notes.

A format (``FORMATS`` in :mod:`recist_app.exports.runner`) is a callable
``(data: TrialData, job: ExportJob) -> tuple[ExportedFile, ...]``. It writes under ``job.folder``
(a temporary folder, moved into place only when every format succeeded), calls
:meth:`ExportJob.step` once per read it has written (its share of the progress bar), may call
:meth:`ExportJob.check` in long loops so that a cancel stops it promptly, and reports what a user
should know with :meth:`ExportJob.note`. Work spread over worker processes goes through
:func:`recist_app.exports.parallel.parallel_map`, in the export's ``pool``; the job keeps it, so that an export
stopping on an error or a cancel stops it too (:meth:`ExportJob.stop_work`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recist_app.exports.errors import ExportCancelledError

if TYPE_CHECKING:
    from recist_app.exports.pool import WorkerPool

ProgressCallback = Callable[[int, int], None]


class ExportJob:
    """Progress (``on_progress(done, total)``), cancellation (a :class:`threading.Event`) and notes;
    ``keep_identity``: DICOM files keep the source images' patient identity (else pseudonymised); ``pool``: the
    export's worker processes (None: everything runs in this process)."""

    def __init__(self, folder: Path, total: int, on_progress: ProgressCallback | None = None,
                 cancel: threading.Event | None = None, *, keep_identity: bool = False,
                 pool: WorkerPool | None = None) -> None:
        self.folder = folder
        self.pool = pool
        self.keep_identity = keep_identity
        self.total = max(total, 1)
        self.done = 0
        self._on_progress = on_progress
        self._cancel = cancel
        self.notes: list[str] = []
        self._handed_over: list[Future[Any]] = []

    def check(self) -> None:
        """Raise :class:`ExportCancelledError` when the cancel event is set."""
        if self._cancel is not None and self._cancel.is_set():
            raise ExportCancelledError("the export was cancelled; nothing was written to the output folder.")

    def step(self, count: int = 1) -> None:
        """Count ``count`` steps done (never beyond the total), report them, honour a cancel."""
        self.check()
        self.advance_to(self.done + count)

    def advance_to(self, done: int) -> None:
        """Report progress up to ``done`` steps (a format that stepped less is topped up)."""
        done = min(max(done, self.done), self.total)
        if done != self.done:
            self.done = done
            if self._on_progress is not None:
                self._on_progress(self.done, self.total)

    def note(self, text: str) -> None:
        """Record something the user should know about the files (listed in the manifest)."""
        if text not in self.notes:
            self.notes.append(text)

    def handed_over(self, futures: Iterable[Future[Any]]) -> None:
        """Keep the tasks handed to the worker pool, so that :meth:`stop_work` can stop them."""
        self._handed_over.extend(futures)

    def stop_work(self) -> None:
        """Drop the tasks handed to the pool and not started, and wait for the running ones (they write files): the
        export stops on an error or a cancel, its folder is removed next."""
        for future in self._handed_over:
            future.cancel()
        wait(self._handed_over)
