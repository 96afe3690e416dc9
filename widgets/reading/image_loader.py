"""``ImageLoader``: the series of time points, loaded in workers and kept for a while.

Two channels, ``"current"`` and ``"prior"`` (the comparison's left side): a new request on a
channel cancels the one before. Each load scans the series' folder (headers: files and findings),
shows the first decoded slice as a one-slice preview, then the whole volume
(:func:`widgets.workers.series_load_task`). The last few volumes stay in memory, so going back to
a time point is immediate. :meth:`examine` checks every series of the trial in the background so
that the trial browser can show findings (gantry tilt, missing slices …) before anything is opened.
For a subject read from a PACS, :meth:`prefetch` retrieves its time points (latest, previous and
baseline first) and :meth:`look_for_studies` asks the server for the patient's studies the trial has
not imported yet.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from PySide6 import QtCore

from recist_app.imaging.catalog import SeriesOption, option_of
from recist_app.imaging.scan import SeriesSummary
from recist_app.imaging.sources.servers import is_server_address
from recist_app.imaging.volume import CtVolume
from recist_app.model.records import SeriesLink, Timepoint
from recist_app.pacs.patient_import import studies_not_in_trial
from widgets.workers import Progress, Task, TaskRunner, examine_all_task, series_load_task

#: Volumes kept in memory (a 512² × 300 CT is 150 MB of int16).
CACHE_SIZE = 4


def main_series(tp: Timepoint) -> SeriesLink | None:
    """The series a time point is read on: its first CT series, else its first series."""
    return next((s for s in tp.series if s.modality.upper() == "CT"), tp.series[0] if tp.series else None)


class ImageLoader(QtCore.QObject):
    """Loads time points' series off the GUI thread.

    Signals
    -------
    loaded(str channel, str timepoint_uid, CtVolume, bool preview)
        A one-slice preview first (``preview`` True), then the whole volume.
    failed(str channel, str timepoint_uid, object exception)
    examined(SeriesOption)
        What a reader chooses a series by (number, kernel, thickness, size, orientation, findings, usable),
        from its headers.
    studies_found(str subject_id, list)
        ``(server, StudyHit)`` of the subject's studies on a PACS that the trial has not imported (may be empty).
    """

    loaded = QtCore.Signal(str, str, object, bool)
    failed = QtCore.Signal(str, str, object)
    examined = QtCore.Signal(object)
    studies_found = QtCore.Signal(str, list)

    def __init__(self, runner: TaskRunner, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._tasks: dict[str, tuple[str, Task]] = {}
        self._cache: OrderedDict[str, CtVolume] = OrderedDict()
        self.catalog: dict[str, SeriesSummary] = {}
        self.options: dict[str, SeriesOption] = {}
        self._examine: Task | None = None
        self._prefetch: Task | None = None

    def load(self, channel: str, tp: Timepoint, link: SeriesLink, title: str, first_image: str = "") -> Task | None:
        """Load ``link`` for ``tp`` on ``channel`` (cancelling that channel's previous load); from a PACS, the
        image whose SOP Instance UID is ``first_image`` (the one the view opens on) is fetched first.

        A cached volume is announced at once (no task; returns None).
        """
        self.cancel(channel)
        cached = self._cache.get(link.series_uid)
        if cached is not None:
            self._cache.move_to_end(link.series_uid)
            self.loaded.emit(channel, tp.uid, cached, False)
            return None
        task = series_load_task(link.path, link.series_uid, title, self.catalog.get(link.series_uid),
                                label=f"{link.label} of {tp.visit}", first_image=first_image)
        self._tasks[channel] = (tp.uid, task)
        signals = task.signals
        signals.examined.connect(self._on_examined)
        signals.first_slice_ready.connect(lambda volume, c=channel, t=task: self._on_preview(c, t, volume))
        signals.finished.connect(lambda volume, c=channel, t=task: self._on_finished(c, t, volume))
        signals.failed.connect(lambda error, c=channel, t=task: self._on_failed(c, t, error))
        signals.cancelled.connect(lambda c=channel, t=task: self._forget(c, t))
        self._runner.start(task)
        return task

    def cancel(self, channel: str) -> None:
        """Cancel the load running on ``channel`` (its results are then ignored)."""
        entry = self._tasks.pop(channel, None)
        if entry is not None:
            entry[1].cancel()

    def loading(self, channel: str) -> str | None:
        """The time point being loaded on ``channel``, if any."""
        entry = self._tasks.get(channel)
        return entry[0] if entry else None

    def cached(self, series_uid: str) -> CtVolume | None:
        """A volume already in memory."""
        return self._cache.get(series_uid)

    def examine(self, links: list[SeriesLink]) -> Task | None:
        """Check every series' headers in the background (findings for the trial browser); a series on a
        PACS only once it is in the cache (:meth:`prefetch` retrieves those of the subject opened)."""
        if self._examine is not None and not self._examine.done:
            self._examine.cancel()
        self._examine = self._examine_task(links, retrieve=False, title="Checking series")
        return self._examine

    def prefetch(self, timepoints: tuple[Timepoint, ...]) -> Task | None:
        """Retrieve into the cache and examine, in the background, the series of the subject just opened that
        are on a PACS, so that they open at once: the latest time point first (a read opens there), then the
        previous and the baseline (its comparisons), then the others by date."""
        if self._prefetch is not None and not self._prefetch.done:
            self._prefetch.cancel()
        ordered = [timepoints[i] for i in dict.fromkeys((-1, -2, 0, *range(len(timepoints))))
                   if -len(timepoints) <= i < len(timepoints)]
        on_server = [link for tp in dict.fromkeys(ordered) for link in tp.series if is_server_address(link.path)]
        self._prefetch = self._examine_task(on_server, retrieve=True, title="Fetching the subject's images")
        return self._prefetch

    def look_for_studies(self, subject_id: str, links: list[SeriesLink]) -> Task | None:
        """Ask each PACS the subject's series come from for the patient's studies (Patient ID = subject ID)
        whose image series are not in ``links``; :attr:`studies_found` reports them."""
        servers = sorted({link.path for link in links if is_server_address(link.path)})
        if not servers:
            return None
        linked = {link.series_uid for link in links}

        def run(_progress: Progress, _cancel: threading.Event) -> list[tuple[str, object]]:
            return [(server, study) for server in servers for study in studies_not_in_trial(server, subject_id, linked)]

        task = Task(run, f"Looking for other studies of {subject_id}")
        task.signals.finished.connect(lambda found: self.studies_found.emit(subject_id, found))
        self._runner.start(task)
        return task

    def _examine_task(self, links: list[SeriesLink], *, retrieve: bool, title: str) -> Task | None:
        wanted = [(link.path, link.series_uid) for link in links if link.series_uid not in self.catalog and link.path]
        if not wanted:
            return None
        task = examine_all_task(wanted, retrieve=retrieve, title=title)
        task.signals.examined.connect(self._on_examined)
        self._runner.start(task)
        return task

    def clear(self) -> None:
        """Cancel everything and forget the cached volumes and findings (another trial)."""
        for channel in list(self._tasks):
            self.cancel(channel)
        for task in (self._examine, self._prefetch):
            if task is not None:
                task.cancel()
        self._cache.clear()
        self.catalog.clear()
        self.options.clear()

    # -- task outcomes (GUI thread) -----------------------------------------------------------------
    def _current(self, channel: str, task: Task) -> str | None:
        entry = self._tasks.get(channel)
        return entry[0] if entry is not None and entry[1] is task and not task.cancelled else None

    def _on_examined(self, summary: SeriesSummary) -> None:
        self.catalog[summary.series_uid] = summary
        self.options[summary.series_uid] = option = option_of(summary)
        self.examined.emit(option)

    def _on_preview(self, channel: str, task: Task, volume: CtVolume) -> None:
        tp_uid = self._current(channel, task)
        if tp_uid is not None:
            self.loaded.emit(channel, tp_uid, volume, True)

    def _on_finished(self, channel: str, task: Task, volume: CtVolume) -> None:
        self._cache[volume.series_uid] = volume
        self._cache.move_to_end(volume.series_uid)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        tp_uid = self._current(channel, task)
        if tp_uid is not None:
            del self._tasks[channel]
            self.loaded.emit(channel, tp_uid, volume, False)

    def _on_failed(self, channel: str, task: Task, error: BaseException) -> None:
        tp_uid = self._current(channel, task)
        if tp_uid is not None:
            del self._tasks[channel]
            self.failed.emit(channel, tp_uid, error)

    def _forget(self, channel: str, task: Task) -> None:
        if channel in self._tasks and self._tasks[channel][1] is task:
            del self._tasks[channel]
