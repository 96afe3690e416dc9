"""Lesions and calipers of the reading controller: selection, jumps, caliper routing, the lock.

:class:`LesionRouting` is mixed into :class:`widgets.reading.controller.ReadingController`: a caliper drawn
goes to the selected lesion, or at baseline to a new target, or (at a follow-up) to the lesion the
reader picks (:meth:`~widgets.reading.actions.ReadingActions.ask_lesion`); an edited or deleted
caliper to the lesion it belongs to; all through the session bridge. A signed time point freezes
its calipers and turns the measuring tools off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6 import QtCore

from recist_app.imaging.volume import CtVolume
from recist_app.model.caliper import CaliperRecord
from recist_app.model.records import LesionRole
from widgets.reading import calipers as read_calipers
from widgets.viewer.measure_tools import Tool
from widgets.viewer.slice_view import SliceView

if TYPE_CHECKING:
    from widgets.reading.controller import ReadingController

    _Base = ReadingController
else:
    _Base = object


class LesionRouting(_Base):
    """Lesion selection, jumps, caliper routing and the read-only lock (see the module docstring)."""

    # -- lesions ----------------------------------------------------------------------------------------
    def select_lesion(self, lesion_uid: str) -> None:
        """The lesion the next caliper goes to (``""``: none; the caliper then asks or adds a target)."""
        lesion = None
        if lesion_uid and self.bridge is not None:
            try:
                lesion = self.bridge.lesion(lesion_uid)
            except (KeyError, RuntimeError):
                lesion = None
        self.selected_lesion = lesion.uid if lesion is not None else ""
        for view in self.views():
            view.set_pending_label(lesion.label if lesion else "", lesion.role.value if lesion else "")
        if lesion is not None and self.lesion_panel.current_key()[0] != lesion.uid:
            self.lesion_panel.select(lesion.uid)  # the label column: the row stays readable

    def activate_lesion(self, lesion_uid: str, timepoint_uid: str) -> None:
        """Select a lesion and jump to the slice where it was measured at ``timepoint_uid``."""
        self.select_lesion(lesion_uid)
        if timepoint_uid and timepoint_uid != self.tp_uid and self.subject_id is not None:
            self._pending_jump = lesion_uid
            self.show_timepoint(self.subject_id, timepoint_uid)
            return
        self._pending_jump = lesion_uid
        self._finish_jump()

    def _jump_slice(self, volume: CtVolume) -> int | None:
        """The slice a loaded series opens on: the pending jump's lesion, else the first lesion measured
        at the time point (targets first, lowest label), else None (the middle slice)."""
        snapshot = self.bridge.snapshot if self.bridge is not None else None
        if snapshot is None or self.tp_uid is None:
            return None
        if self._pending_jump:
            candidates = [self._pending_jump]
        else:
            measured = {m.lesion_uid for m in snapshot.measurements if m.timepoint_uid == self.tp_uid}
            lesions = sorted((lesion for lesion in snapshot.lesions if lesion.uid in measured),
                             key=lambda lesion: (lesion.role is not LesionRole.TARGET, lesion.label))
            candidates = [lesion.uid for lesion in lesions]
        for lesion_uid in candidates:
            record = read_calipers.record_of_lesion(snapshot, lesion_uid, self.tp_uid, volume)
            if record is not None:
                return record.slice_index
        return None

    def _finish_jump(self, compare_only: bool = False) -> None:
        """Show the pending lesion's caliper on each view, at each view's time point (VIEWER.md); with
        ``compare_only`` again on the compare view for the last lesion jumped to (its prior arrived later)."""
        lesion_uid = self._last_jump if compare_only else self._pending_jump
        self._pending_jump = ""
        snapshot = self.bridge.snapshot if self.bridge is not None else None
        if not lesion_uid or snapshot is None:
            return
        self._last_jump = lesion_uid
        left_view, right_view = self.compare_view.left, self.compare_view.right
        views = (left_view, right_view) if compare_only else (left_view, right_view, self.slice_view)
        records = {}
        for view in views:
            tp_uid = self._shown.get(id(view))
            if view.volume is not None and tp_uid is not None:
                records[id(view)] = read_calipers.record_of_lesion(snapshot, lesion_uid, tp_uid, view.volume)
        left, right = records.get(id(left_view)), records.get(id(right_view))
        if left is not None and right is not None and left.p1_mm and right.p1_mm:
            self.compare_view.align_on(left.p1_mm, right.p1_mm)
        for view in views:
            record = records.get(id(view))
            if record is not None:
                view.show_record(record)
                view.select_measurement(read_calipers.caliper_key(lesion_uid))
        if not compare_only and records.get(id(self.slice_view)) is None and self.tp_uid is not None:
            self.window.statusBar().showMessage("This lesion has no caliper on the series shown.", 5000)

    # -- calipers from the views ----------------------------------------------------------------------
    def _on_committed(self, view: SliceView, key: str, record: CaliperRecord) -> None:
        tp_uid = self._editable_timepoint(view)
        if tp_uid is None or self.bridge is None:
            return
        if self.selected_lesion:
            lesion_uid = self.selected_lesion
            self.select_lesion("")  # the next caliper asks again: never overwrite a lesion by accident
            self.bridge.store_caliper(lesion_uid, tp_uid, record)
        elif self.is_baseline(tp_uid):
            self.bridge.measure_new_lesion("TARGET", tp_uid, record)
        else:
            QtCore.QTimer.singleShot(0, lambda: self.ask_lesion(tp_uid, record))

    def _on_edited(self, view: SliceView, key: str, record: CaliperRecord) -> None:
        tp_uid = self._editable_timepoint(view)
        if tp_uid is None or self.bridge is None or key.startswith("new-"):
            return
        lesion_uid, fragment = read_calipers.parse_key(key)
        self.bridge.store_caliper(lesion_uid, tp_uid, record, fragment)

    def _on_deleted(self, view: SliceView, key: str) -> None:
        tp_uid = self._editable_timepoint(view)
        if tp_uid is None or self.bridge is None or key.startswith("new-"):
            return
        lesion_uid, fragment = read_calipers.parse_key(key)
        self.bridge.delete_caliper(lesion_uid, tp_uid, fragment)

    def _on_caliper_selected(self, view: SliceView, key: str) -> None:
        if key and not key.startswith("new-"):
            lesion_uid, _ = read_calipers.parse_key(key)
            if self.lesion_panel.current_key()[0] != lesion_uid:
                self.lesion_panel.select(lesion_uid)

    def _editable_timepoint(self, view: SliceView) -> str | None:
        """The time point a view's caliper belongs to, if it may change; else resync and say why."""
        tp_uid = self._shown.get(id(view))
        reason = ""
        if tp_uid is None or self.bridge is None or self.bridge.snapshot is None:
            reason = "Open a subject and a time point first."
        elif view is self.slice_view and self.preview:
            reason = "The series is still loading; measure once it is complete."
        elif self.bridge.is_signed(tp_uid):
            reason = "This time point is signed and read-only: reopen it to change measurements."
        if reason:
            self.window.statusBar().showMessage(reason, 8000)
            self.schedule_sync()
            return None
        return tp_uid

    # -- lock ------------------------------------------------------------------------------------------
    @property
    def locked(self) -> bool:
        """True when the current time point is signed (read-only)."""
        return bool(self.bridge and self.tp_uid and self.bridge.is_signed(self.tp_uid))

    def _refresh_lock(self) -> None:
        snapshot = self.bridge.snapshot if self.bridge is not None else None
        tp = self.timepoint(self.tp_uid)
        state = next((rt for rt in snapshot.read_timepoints if tp and rt.timepoint_uid == tp.uid and rt.signed),
                     None) if snapshot else None
        self.lock_bar.set_lock(None if state is None or tp is None else
                               f"{tp.visit} is signed by {self.reader.name if self.reader else 'the reader'} "
                               f"on {_utc_text(state.signed_at)} and read-only.")
        if state is not None:
            self.set_tool(Tool.WINDOW)
        self._apply_lock_to_views()

    def _apply_lock_to_views(self) -> None:
        for view in self.views():
            tp_uid = self._shown.get(id(view))
            frozen = tp_uid is None or (self.bridge is not None and self.bridge.is_signed(tp_uid))
            if frozen and view.selected_measurement:
                view.select_measurement("")
            view.set_read_only(frozen)


def _utc_text(stamp: str | None) -> str:
    """``2026-11-24T01:29:11.856922Z`` as ``2026-11-24 01:29 UTC``."""
    text = stamp or ""
    return f"{text[:10]} {text[11:16]} UTC" if len(text) >= 16 and text[10] == "T" else text
