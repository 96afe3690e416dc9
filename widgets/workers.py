"""Long work off the GUI thread (ARCHITECTURE §1.4 "Threads"): ``QThreadPool`` runnables around Qt-free loaders.

A :class:`Task` runs ``fn(on_progress, cancel)`` in the global ``QThreadPool`` and reports through
the signals of its :class:`TaskSignals` (queued to the GUI thread): ``progress(done, total)``,
then exactly one of ``finished(result)``, ``failed(exception)`` or ``cancelled()``. The GUI side
receives only plain records and arrays (a :class:`~recist_app.imaging.volume.CtVolume`, a
:class:`~recist_app.imaging.scan.ScanResult`, an export result); it never touches the session from
here (only the GUI thread mutates the read).

:func:`series_load_task` scans the series' folder (headers only), then loads it with
:class:`~recist_app.imaging.load.SeriesLoad`: the first decoded slice arrives at once as a
one-slice preview volume (``first_slice_ready``), the whole volume when done (VIEWER.md "Long
work"). A series on a PACS not in the cache yet shows its middle image first, fetched alone, then
is retrieved with its compressed images decoded as they arrive
(:mod:`recist_app.imaging.sources.streaming`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Callable
from typing import Any

from PySide6 import QtCore, QtWidgets

from recist_app.errors import Cancelled, RecistAppError
from recist_app.imaging.load import Predecoded, SeriesLoad
from recist_app.imaging.scan import ScanResult, SeriesSummary, find_series
from recist_app.imaging.scan import examine_series as scan_examine_series
from recist_app.imaging.sources.first_image import first_image as fetch_first_image
from recist_app.imaging.sources.retrieve import in_server_terms, is_cached
from recist_app.imaging.sources.servers import is_server_address
from recist_app.imaging.sources.streaming import retrieve_decoding
from recist_app.imaging.volume import CtVolume

#: ``on_progress(done, total)`` as handed to the task's function.
Progress = Callable[[int, int], None]
TaskFunction = Callable[[Progress, threading.Event], Any]


class TaskSignals(QtCore.QObject):
    """What a :class:`Task` reports; lives in the GUI thread, emitted from the worker."""

    progress = QtCore.Signal(int, int)
    first_slice_ready = QtCore.Signal(object)
    examined = QtCore.Signal(object)
    finished = QtCore.Signal(object)
    failed = QtCore.Signal(object)
    cancelled = QtCore.Signal()


class Task(QtCore.QRunnable):
    """One job for the thread pool: ``fn(on_progress, cancel_event)``; cancel with :meth:`cancel`.

    Parameters
    ----------
    fn : callable
        Runs in a worker thread; must not touch Qt widgets.
    title : str
        What the job does, for the progress bar ("Loading WEEK 8").
    """

    def __init__(self, fn: TaskFunction, title: str) -> None:
        super().__init__()
        self.setAutoDelete(False)  # Python keeps the runnable until its last signal is handled
        self.fn = fn
        self.title = title
        self.signals = TaskSignals()
        self.cancel_event = threading.Event()
        self.done = False

    def cancel(self) -> None:
        """Ask the job to stop at its next check (it then reports ``cancelled``)."""
        self.cancel_event.set()

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` was called."""
        return self.cancel_event.is_set()

    def run(self) -> None:
        """Worker thread: run the function and emit exactly one outcome signal."""
        try:
            result = self.fn(self.signals.progress.emit, self.cancel_event)
        except Cancelled:  # every long job's cancel error (recist_app.errors)
            self.signals.cancelled.emit()
        except BaseException as exc:
            if self.cancel_event.is_set():
                self.signals.cancelled.emit()
            else:
                self.signals.failed.emit(exc)
        else:
            if self.cancel_event.is_set():
                self.signals.cancelled.emit()
            else:
                self.signals.finished.emit(result)


class TaskRunner(QtCore.QObject):
    """Starts tasks in the global thread pool and keeps them alive until they report an outcome."""

    task_started = QtCore.Signal(object)
    task_ended = QtCore.Signal(object)

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: list[Task] = []
        self.pool = QtCore.QThreadPool.globalInstance()

    def start(self, task: Task) -> Task:
        """Run ``task``; its outcome signals end its life here."""
        for signal in (task.signals.finished, task.signals.failed, task.signals.cancelled):
            signal.connect(self._on_task_ended)
        self._tasks.append(task)
        self.task_started.emit(task)
        self.pool.start(task)
        return task

    def _on_task_ended(self, *_args: object) -> None:
        for task in [t for t in self._tasks if t.signals is self.sender()]:
            task.done = True
            self._tasks.remove(task)
            self.task_ended.emit(task)

    @property
    def running(self) -> tuple[Task, ...]:
        """Tasks started and not yet ended."""
        return tuple(self._tasks)

    def cancel_all(self) -> None:
        """Cancel every running task."""
        for task in self._tasks:
            task.cancel()

    def wait(self, timeout_ms: int = 10_000) -> bool:
        """Cancel everything and wait for the worker threads (on close); True if all stopped."""
        self.cancel_all()
        done = self.pool.waitForDone(timeout_ms)
        QtWidgets.QApplication.processEvents()
        return done


def series_files(summary_or_scan: ScanResult, series_uid: str, where: str, label: str = "") -> SeriesSummary:
    """The scanned series ``series_uid`` (:func:`recist_app.imaging.scan.find_series`: raises
    :class:`~recist_app.imaging.errors.NotDicomError` naming the series by ``label`` and the folder if absent)."""
    return find_series(summary_or_scan, series_uid, where, label)


def examine_series(path: str, series_uid: str, label: str = "", *, retrieve: bool = True) -> SeriesSummary:
    """Headers only: the series' files in order and its findings (tilt, gaps, spacing …).

    ``label`` names the series in messages as the reader knows it (``series 3 "5mm" of Week 8``); a
    series on a PACS is retrieved into the cache first unless ``retrieve`` is False; see
    :func:`recist_app.imaging.scan.examine_series`.
    """
    return scan_examine_series(path, series_uid, label, retrieve=retrieve)


def preview_volume(load: SeriesLoad) -> CtVolume | None:
    """A one-slice volume of the first decoded slice (shown while the rest decodes); None if not possible."""
    from recist_app.imaging.series_plan import build_volume

    first = load.first_slice()
    k, plan = load.first_index, load.plan
    try:
        one = dataclasses.replace(plan, frames=plan.frames[k:k + 1], positions=plan.positions[k:k + 1])
        return build_volume(one, first.copy()[None], False)
    except (RecistAppError, ValueError, IndexError):
        return None


def series_load_task(path: str, series_uid: str, title: str, summary: SeriesSummary | None = None,
                     label: str = "", first_image: str = "") -> Task:
    """A task that examines (unless ``summary`` is known) and loads one series progressively.

    ``label`` names the series in error messages (``series 3 "5mm" of Week 8``), never its UID; from a PACS,
    the image ``first_image`` (a SOP Instance UID; default the middle one) is fetched and shown first.
    Signals: ``examined(SeriesSummary)``, ``first_slice_ready(CtVolume of one slice)``,
    ``progress(done, total)``, then ``finished(CtVolume)`` (or ``failed`` / ``cancelled``).
    """
    holder: dict[str, Task] = {}

    def load(on_progress: Progress, cancel: threading.Event) -> CtVolume:
        task = holder["task"]
        slices: Predecoded = {}
        if summary is None and is_server_address(path) and not is_cached(path, series_uid):
            # A series on a PACS: the image the view opens on (else the middle one) alone first (whatever fails
            # here, the retrieval below says), then the whole series, each compressed image decoded as it
            # arrives; progress counts the images.
            with contextlib.suppress(RecistAppError):
                task.signals.first_slice_ready.emit(fetch_first_image(path, series_uid, sop_uid=first_image))
            slices = retrieve_decoding(path, series_uid, cancel=cancel,
                                       on_file=lambda _file, done, total: on_progress(done, total or done))[1]
        found = summary or examine_series(path, series_uid, label)
        task.signals.examined.emit(found)
        if cancel.is_set():
            raise Cancelled("cancelled")
        with in_server_terms(path, series_uid):  # a PACS's corrupt copy is fetched again next time
            loader = SeriesLoad(found.files, on_progress=on_progress, cancel=cancel, predecoded=slices)
            preview = preview_volume(loader)
            if preview is not None:
                task.signals.first_slice_ready.emit(preview)
            return loader.run()

    task = Task(load, title)
    holder["task"] = task
    return task


def examine_all_task(series: list[tuple[str, str]], *, retrieve: bool = False, title: str = "Checking series") -> Task:
    """A task that examines many ``(path, series_uid)`` pairs, emitting ``examined`` for each found; series on a
    PACS only when already in the cache, unless ``retrieve`` (the prefetch of an opened subject's series)."""
    holder: dict[str, Task] = {}

    def run(on_progress: Progress, cancel: threading.Event) -> int:
        found = 0
        for done, (path, uid) in enumerate(series, start=1):
            if cancel.is_set():
                raise Cancelled("cancelled")
            try:
                holder["task"].signals.examined.emit(examine_series(path, uid, retrieve=retrieve))
                found += 1
            except RecistAppError:
                pass  # the load of that series will report it when the reader opens it
            on_progress(done, len(series))
        return found

    task = Task(run, title)
    holder["task"] = task
    return task
