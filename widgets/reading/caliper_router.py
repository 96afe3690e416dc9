"""Where a caliper drawn, edited or deleted on a view goes (VIEWER.md; ARCHITECTURE §1.3 step 6).

A new caliper goes to the selected lesion (which is then unselected: never overwrite a lesion by
accident), or at baseline to a new target, or at a follow-up to the lesion the reader picks
(:func:`widgets.dialogs.lesion_chooser.ask_lesion`, a new lesion among the choices); an edited or
deleted caliper to the lesion and fragment its key names. Every change goes through the session
bridge as one command. The router works on a :class:`RoutingContext` (the reading controller).
"""

from __future__ import annotations

from typing import Protocol

from PySide6 import QtCore, QtWidgets

from recist_app.model.caliper import CaliperRecord, parse_key
from widgets.dialogs.lesion_chooser import ask_lesion
from widgets.panels.lesion_panel import LesionPanel
from widgets.reading.session_bridge import SessionBridge
from widgets.viewer.calipers import DRAFT_KEY_PREFIX
from widgets.viewer.slice_view import SliceView


class RoutingContext(Protocol):
    """What the router needs of the reading: the read, the selection and the editable time point."""

    bridge: SessionBridge | None
    selected_lesion: str
    lesion_panel: LesionPanel
    window: QtWidgets.QMainWindow

    def editable_timepoint(self, view: SliceView) -> str | None: ...
    def select_lesion(self, lesion_uid: str) -> None: ...
    def is_baseline(self, timepoint_uid: str) -> bool: ...
    def schedule_sync(self) -> None: ...


class CaliperRouter:
    """Routes the calipers of the views it is connected to (see the module docstring)."""

    def __init__(self, reading: RoutingContext) -> None:
        self.reading = reading

    def connect(self, view: SliceView) -> None:
        """Route ``view``'s caliper signals."""
        view.measurement_committed.connect(lambda key, record: self.committed(view, key, record))
        view.measurement_edited.connect(lambda key, record: self.edited(view, key, record))
        view.measurement_deleted.connect(lambda key: self.deleted(view, key))
        view.measurement_selected.connect(self.selected)

    def committed(self, view: SliceView, _key: str, record: CaliperRecord) -> None:
        """A caliper drawn: to the selected lesion, a new baseline target, or the lesion the reader picks."""
        reading = self.reading
        tp_uid = reading.editable_timepoint(view)
        if tp_uid is None or reading.bridge is None:
            return
        if reading.selected_lesion:
            lesion_uid = reading.selected_lesion
            reading.select_lesion("")  # the next caliper asks again: never overwrite a lesion by accident
            reading.bridge.store_caliper(lesion_uid, tp_uid, record)
        elif reading.is_baseline(tp_uid):
            reading.bridge.measure_new_lesion("TARGET", tp_uid, record)
        else:
            QtCore.QTimer.singleShot(0, lambda: self.ask(tp_uid, record))

    def ask(self, tp_uid: str, record: CaliperRecord) -> None:
        """At a follow-up with no lesion selected: which lesion is this caliper? (or a new lesion)."""
        bridge = self.reading.bridge
        snapshot = bridge.snapshot if bridge is not None else None
        if bridge is None or snapshot is None:
            return

        def chosen(lesion_uid: str | None) -> None:
            if lesion_uid is None:
                bridge.measure_new_lesion("NEW", tp_uid, record)
            else:
                bridge.store_caliper(lesion_uid, tp_uid, record)

        ask_lesion(self.reading.window, snapshot, tp_uid, bridge.next_label("NEW"), chosen,
                   self.reading.schedule_sync)

    def edited(self, view: SliceView, key: str, record: CaliperRecord) -> None:
        """A caliper moved: the lines of its lesion and fragment are replaced."""
        tp_uid = self.reading.editable_timepoint(view)
        if tp_uid is None or self.reading.bridge is None or key.startswith(DRAFT_KEY_PREFIX):
            return
        lesion_uid, fragment = parse_key(key)
        self.reading.bridge.store_caliper(lesion_uid, tp_uid, record, fragment)

    def deleted(self, view: SliceView, key: str) -> None:
        """A caliper deleted: the lines of its lesion and fragment go."""
        tp_uid = self.reading.editable_timepoint(view)
        if tp_uid is None or self.reading.bridge is None or key.startswith(DRAFT_KEY_PREFIX):
            return
        lesion_uid, fragment = parse_key(key)
        self.reading.bridge.delete_caliper(lesion_uid, tp_uid, fragment)

    def selected(self, key: str) -> None:
        """A caliper clicked: its lesion's row is selected in the lesion panel."""
        if key and not key.startswith(DRAFT_KEY_PREFIX):
            lesion_uid, _ = parse_key(key)
            if self.reading.lesion_panel.current_key()[0] != lesion_uid:
                self.reading.lesion_panel.select(lesion_uid)
