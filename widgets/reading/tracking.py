"""``Tracker``: aligns a follow-up series to an earlier one in the background (issue 16), so that a lesion not
measured at the follow-up yet is proposed where the registration puts it (``recist_app.imaging.tracking``).

The reader never waits: the viewer works unaided until :attr:`Tracker.aligned` arrives. An alignment is kept
per pair of series (prior, follow-up) for the session, with the prior volume its refinements read, and on disk
between sessions (``recist_app.imaging.tracking.kept``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from PySide6 import QtCore

from recist_app.imaging.load import load_series_from_paths
from recist_app.imaging.sources.retrieve import local_folder
from recist_app.imaging.tracking.alignment import Alignment
from recist_app.imaging.tracking.kept import alignment_of
from recist_app.imaging.volume import CtVolume
from recist_app.model.records import SeriesLink
from widgets.workers import Progress, Task, TaskRunner

#: Pairs kept (each holds the prior volume: a 512² × 300 CT is 150 MB).
KEPT_PAIRS = 3


class Tracker(QtCore.QObject):
    """Alignments of follow-up series to prior ones, made in workers.

    Signals
    -------
    aligned(str prior_series_uid, str followup_series_uid)
    """

    aligned = QtCore.Signal(str, str)

    def __init__(self, runner: TaskRunner, cached: Callable[[str], CtVolume | None],
                 parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._cached = cached  # a volume already in memory, by series UID (the image loader's)
        self._pairs: OrderedDict[tuple[str, str], tuple[Alignment, CtVolume]] = OrderedDict()
        self._running: dict[tuple[str, str], Task] = {}

    def pair(self, prior: SeriesLink | None, followup: CtVolume) -> tuple[Alignment, CtVolume] | None:
        """The alignment of ``followup`` to the series ``prior`` and the prior volume, once made; until then
        None, the alignment being made in the background (:meth:`request`)."""
        if prior is None:
            return None
        made = self._pairs.get((prior.series_uid, followup.series_uid))
        if made is None:
            self.request(prior, followup)
        return made

    def request(self, prior: SeriesLink, followup: CtVolume) -> Task | None:
        """Align ``followup`` to the series ``prior`` (loaded unless in memory) in the background; nothing when
        done or under way."""
        key = (prior.series_uid, followup.series_uid)
        if key in self._pairs or key in self._running or prior.series_uid == followup.series_uid:
            return None
        prior_volume = self._cached(prior.series_uid)

        def run(_progress: Progress, _cancel: threading.Event) -> tuple[Alignment, CtVolume]:
            volume = prior_volume or load_series_from_paths([local_folder(prior.path, prior.series_uid)],
                                                            prior.series_uid)
            return alignment_of(volume, followup), volume

        task = Task(run, "Aligning with the prior scan")
        task.signals.finished.connect(lambda result, key=key: self._on_aligned(key, result))
        task.signals.failed.connect(lambda _error, key=key: self._running.pop(key, None))
        task.signals.cancelled.connect(lambda key=key: self._running.pop(key, None))
        self._running[key] = task
        self._runner.start(task)
        return task

    def clear(self) -> None:
        """Forget every alignment (another trial or subject)."""
        for task in self._running.values():
            task.cancel()
        self._running.clear()
        self._pairs.clear()

    def _on_aligned(self, key: tuple[str, str], result: tuple[Alignment, CtVolume]) -> None:
        if self._running.pop(key, None) is None:
            return  # cleared meanwhile
        self._pairs[key] = result
        while len(self._pairs) > KEPT_PAIRS:
            self._pairs.popitem(last=False)
        self.aligned.emit(*key)
