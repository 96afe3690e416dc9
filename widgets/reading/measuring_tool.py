"""The measuring tool on the reading's views (issue 17; :mod:`recist_app.read.measuring` decides what is proposed).

A stroke (key s) on an editable time point is measured at once (a few hundredths of a second) and shown as a
proposal; M re-measures the lesion whose prior caliper the tracking placed on the view (the ghost of a jump to a
lesion at a follow-up); L moves the proposal to the image where the lesion is longest. Enter on the view commits
the proposal like a caliper drawn, so the :class:`~widgets.reading.caliper_router.CaliperRouter` sends it to the
selected lesion, a new baseline target or the lesion the reader picks. What went wrong is said in the status bar
in the reader's words, never raised.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

from PySide6 import QtCore, QtGui, QtWidgets

from recist_app.errors import RecistAppError
from recist_app.model.caliper import CaliperRecord
from recist_app.read.measuring import CaliperProposal, lesion_under, longest, propose, propose_again
from widgets.reading.session_bridge import SessionBridge
from widgets.viewer.slice_view import SliceView


class MeasuringContext(Protocol):
    """What the tool needs of the reading: the editable time point of a view, the read, the lesion the next caliper
    goes to, and the status bar."""

    bridge: SessionBridge | None
    selected_lesion: str

    def editable_timepoint(self, view: SliceView) -> str | None: ...
    def select_lesion(self, lesion_uid: str) -> None: ...
    def say(self, text: str, timeout_ms: int = 8000) -> None: ...


class MeasuringTool:
    """Connects the views' strokes and keys to the proposals (see the module docstring)."""

    def __init__(self, reading: MeasuringContext) -> None:
        self.reading = reading

    def connect(self, view: SliceView) -> None:
        """Measure ``view``'s strokes and answer its L and M keys; a proposal made from the prior's ghost takes the
        ghost away once accepted."""
        view.stroke_drawn.connect(lambda k, start, end: self.stroked(view, k, start, end))
        view.longest_requested.connect(lambda: self.go_longest(view))
        view.prior_measure_requested.connect(lambda: self.measure_prior(view))
        view.measurement_committed.connect(lambda _key, record: self._accepted(view, record))

    def stroked(self, view: SliceView, k: int, start: tuple[float, float], end: tuple[float, float]) -> None:
        """A stroke (or a click) on slice ``k``: the proposal, or why there is none."""
        volume = view.volume
        if volume is not None and self.reading.editable_timepoint(view) is not None:
            self._show(view, lambda: propose(volume, k, start, end))

    def measure_prior(self, view: SliceView) -> None:
        """M: the lesion under the prior caliper the tracking placed on ``view`` re-measured."""
        volume, ghost = view.volume, view.ghost_record
        if volume is None or self.reading.editable_timepoint(view) is None:
            return
        if ghost is None:
            self.reading.say("No prior caliper is shown here: jump to a lesion of the prior time point first "
                             "(double click its row), then press M.")
            return
        self._show(view, lambda: propose_again(volume, ghost))

    def go_longest(self, view: SliceView) -> None:
        """L: the proposal moved to the image where the lesion is longest."""
        volume, shown = view.volume, view.measurements.proposal
        if volume is None or shown is None:
            return
        with _busy():
            found, lengths = longest(volume, shown)
        view.show_proposal(found)
        numbers = volume.image_numbers
        first, last = numbers[min(lengths)], numbers[max(lengths)]
        where = f"image {numbers[found.record.slice_index]}"
        self.reading.say(f"Longest on {where} (images {min(first, last)}–{max(first, last)} followed). {found.text}",
                         15_000)

    def _show(self, view: SliceView, make: Callable[[], CaliperProposal]) -> None:
        try:
            with _busy():
                proposal = make()
        except RecistAppError as error:  # no lesion, a stroke off the image, an image without mm
            view.measurements.cancel()
            self.reading.say(str(error), 10_000)
            return
        view.show_proposal(proposal)
        self.reading.say(self._target(view, proposal) + proposal.text, 15_000)

    def _target(self, view: SliceView, proposal: CaliperProposal) -> str:
        """With no lesion chosen, the lesion already measured under the stroke becomes the one the proposal goes to
        (accepting replaces its caliper, never a second lesion on it); what to say of it."""
        bridge, volume, tp_uid = self.reading.bridge, view.volume, self.reading.editable_timepoint(view)
        snapshot = bridge.snapshot if bridge is not None else None
        if self.reading.selected_lesion or snapshot is None or volume is None or tp_uid is None:
            return ""
        lesion_uid = lesion_under(proposal, snapshot, tp_uid, volume)
        if lesion_uid is None:
            return ""
        self.reading.select_lesion(lesion_uid)
        return f"{snapshot.lesion(lesion_uid).label} (measured here): "

    def _accepted(self, view: SliceView, record: CaliperRecord) -> None:
        if record.method.proposed and view.ghost_record is not None:
            view.set_ghost(None)


@contextmanager
def _busy() -> Iterator[None]:
    """The wait cursor while the tool works (a survey of many slices takes a second or two)."""
    QtWidgets.QApplication.setOverrideCursor(QtGui.QCursor(QtCore.Qt.CursorShape.WaitCursor))
    try:
        yield
    finally:
        QtWidgets.QApplication.restoreOverrideCursor()
