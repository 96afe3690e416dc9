"""``ReadingController``: what the reader sees and where their calipers go (ARCHITECTURE §1.3 steps 4–6).

It owns the views of the main window (trial browser, slice view, compare view, lesion and
response panels) and keeps them on the current subject, time point and lesion:

- choosing a time point loads its series in a worker (:class:`widgets.reading.image_loader.ImageLoader`;
  first slice at once) and shows the read's calipers of that time point with lesion label and role
  colour, on the slice of its first measured target (lowest label; the middle slice when nothing
  is measured there);
- activating a lesion cell jumps every view to the slice where it was measured;
- a caliper drawn goes to the selected lesion, or at baseline to a new target, or (follow-ups)
  to the lesion the reader picks; edits and deletions go to the lesion they belong to — always
  through :class:`widgets.reading.session_bridge.SessionBridge`, whose ``read_changed`` then refreshes
  every view (C12);
- a signed time point is read-only: calipers frozen, measuring tools off, a padlock bar with
  "Reopen…".

Lesion selection, jumps, caliper routing and the lock are in
:class:`widgets.reading.lesion_routing.LesionRouting`; the commands of the menus and tool bar (sign,
export, open folder, compare …) in :class:`widgets.reading.actions.ReadingActions`; this class
extends both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets

from assessment.outcome import ReadOutcome
from assessment.read_report import ReadReport
from recist_app.imaging.volume import CtVolume
from recist_app.model.records import Reader, ReadSnapshot, Timepoint
from recist_app.store import TrialStore
from widgets.panels.lesion_panel import LesionPanel
from widgets.panels.response_panel import ResponsePanel
from widgets.reading import calipers as read_calipers
from widgets.reading.actions import ReadingActions
from widgets.reading.image_loader import ImageLoader, main_series
from widgets.reading.lesion_routing import LesionRouting
from widgets.reading.lock_bar import LockBar
from widgets.reading.session_bridge import SessionBridge
from widgets.reading.trial_browser import TrialBrowser
from widgets.viewer.compare_view import CompareView
from widgets.viewer.overlay import OverlayInfo
from widgets.viewer.slice_view import SliceView

if TYPE_CHECKING:
    from widgets.main_window import MainWindow

CURRENT, PRIOR = "current", "prior"


class ReadingController(LesionRouting, ReadingActions, QtCore.QObject):
    """The reading state of the main window: trial, reader, subject, time point, lesion."""

    def __init__(self, window: MainWindow) -> None:
        QtCore.QObject.__init__(self, window)
        self.window = window
        self.store: TrialStore | None = None
        self.reader: Reader | None = None
        self.bridge: SessionBridge | None = None
        self.subject_id: str | None = None
        self.tp_uid: str | None = None
        self.prior_uid: str | None = None
        self.selected_lesion = ""
        self.preview = False
        self.volumes: dict[str, CtVolume] = {}
        self._shown: dict[int, str] = {}
        self._pending_jump = self._last_jump = ""
        self._sync_scheduled = False
        self.loader = ImageLoader(window.runner, self)
        self.loader.loaded.connect(self._on_volume_loaded)
        self.loader.failed.connect(self._on_volume_failed)
        self.browser = TrialBrowser()
        self.browser.subject_selected.connect(self.open_subject_at_latest)
        self.browser.timepoint_selected.connect(self.show_timepoint)
        self.loader.examined.connect(self.browser.set_findings)
        self.lock_bar = LockBar()
        self.lock_bar.reopen_requested.connect(lambda: self.reopen_timepoint())
        self.stack = QtWidgets.QStackedWidget()
        self.central = QtWidgets.QWidget()
        self.central.setObjectName("centralArea")
        layout = QtWidgets.QVBoxLayout(self.central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.lock_bar)
        layout.addWidget(self.stack, 1)
        self._build_views()
        self.lesion_panel, self.response_panel = self._new_panels()

    # -- widgets ------------------------------------------------------------------------------------
    def _build_views(self) -> None:
        """Fresh slice and compare views (after a change of reader nothing of the last one stays)."""
        for old in (getattr(self, "slice_view", None), getattr(self, "compare_view", None)):
            if old is not None:
                self.stack.removeWidget(old)
                old.deleteLater()
        self.slice_view = SliceView()
        self.slice_view.setObjectName("sliceView")
        self.compare_view = CompareView()
        self.compare_view.setObjectName("compareView")
        self.stack.addWidget(self.slice_view)
        self.stack.addWidget(self.compare_view)
        self._shown.clear()
        for view in self.views():
            view.measurement_committed.connect(lambda key, record, v=view: self._on_committed(v, key, record))
            view.measurement_edited.connect(lambda key, record, v=view: self._on_edited(v, key, record))
            view.measurement_deleted.connect(lambda key, v=view: self._on_deleted(v, key))
            view.measurement_selected.connect(lambda key, v=view: self._on_caliper_selected(v, key))
            view.undo_requested.connect(self.undo)
            view.redo_requested.connect(self.redo)
            view.tool_changed.connect(lambda _tool: self.update_actions())

    def _new_panels(self) -> tuple[LesionPanel, ResponsePanel]:
        lesions, response = LesionPanel(), ResponsePanel()
        lesions.setObjectName("lesionPanel")
        response.setObjectName("responsePanel")
        lesions.lesion_activated.connect(self.activate_lesion)
        lesions.add_lesion_requested.connect(self.add_lesion)
        lesions.lesion_edit_requested.connect(lambda uid, changes: self._bridge().edit_lesion(uid, dict(changes)))
        lesions.irradiation_edit_requested.connect(
            lambda uid, irradiated, sbrt: self._bridge().set_irradiation(uid, irradiated, dict(sbrt or {})))
        lesions.status_requested.connect(
            lambda uid, tp, status, induced: self._bridge().set_status(uid, tp, status, induced))
        lesions.delete_lesion_requested.connect(lambda uid: self._bridge().delete_lesion(uid))
        return lesions, response

    def views(self) -> tuple[SliceView, SliceView, SliceView]:
        """The slice view and the two sides of the compare view."""
        return self.slice_view, self.compare_view.right, self.compare_view.left

    @property
    def comparing(self) -> bool:
        """True when the compare view is shown."""
        return self.stack.currentWidget() is self.compare_view

    # -- trial and reader ---------------------------------------------------------------------------
    def set_store(self, store: TrialStore) -> None:
        """Open another trial: nobody is logged in until :meth:`set_reader`."""
        self.store = store
        self.bridge = SessionBridge(store, errors=self._errors, parent=self)
        self.bridge.read_changed.connect(self._on_read_changed)
        self.bridge.history_changed.connect(lambda *_: self.update_actions())
        self.bridge.message.connect(lambda text: self.window.statusBar().showMessage(text, 8000))
        self.loader.clear()
        self.reader = None
        self._reset()

    def set_reader(self, reader: Reader) -> None:
        """Work as ``reader``: every view starts afresh with only what this reader may see."""
        self.reader = reader
        self.window.statusBar().clearMessage()
        self._reset()

    @property
    def blinded(self) -> bool:
        """True when the trial blinds visits for the logged-in reader (central readers)."""
        return bool(self.store and self.reader and self.store.trial.blind_visits and self.reader.role.is_central)

    def _reset(self) -> None:
        if self.bridge is not None:
            self.bridge.close_read()
        self.subject_id = self.tp_uid = self.prior_uid = None
        self.selected_lesion, self._pending_jump, self._last_jump, self.volumes = "", "", "", {}
        self._build_views()
        lesions, response = self._new_panels()
        if hasattr(self.window, "lesion_dock"):  # not while the window is being built
            self.window.set_dock_widget(self.window.lesion_dock, lesions)
            self.window.set_dock_widget(self.window.response_dock, response)
        self.lesion_panel, self.response_panel = lesions, response
        self.stack.setCurrentWidget(self.slice_view)
        self.lock_bar.set_lock(None)
        self._fill_browser()
        self.update_actions()

    def _fill_browser(self) -> None:
        from widgets.dialogs.login import role_name

        if self.store is None:
            self.browser.set_trial(None, ())
            return
        subjects = self.store.subjects()
        who = f"{self.reader.name} · {role_name(self.reader)}" if self.reader else "log in to read"
        self.browser.set_trial(self.store.trial, subjects, blinded=self.blinded, reader_text=who)
        links = []
        for subject in subjects:
            timepoints = self.store.timepoints(subject.subject_id)
            links += [link for tp in timepoints for link in tp.series]
            if self.reader is not None and not self.blinded:
                self.browser.set_timepoints(subject.subject_id, timepoints)
        self.loader.examine(links)

    # -- subject and time point ------------------------------------------------------------------
    def open_subject(self, subject_id: str) -> bool:
        """Open the logged-in reader's read of ``subject_id`` (created on first use)."""
        if self.reader is None or self.bridge is None:
            self.window.statusBar().showMessage("Log in to read (File > Log in).", 8000)
            return False
        if subject_id == self.subject_id and self.bridge.snapshot is not None:
            return True
        self.subject_id, self.tp_uid, self.prior_uid, self.selected_lesion = subject_id, None, None, ""
        self._last_jump = ""
        self.loader.cancel(CURRENT)
        self.loader.cancel(PRIOR)
        self._forget_images()
        if not self.bridge.open_read(self.reader, subject_id):
            self.subject_id = None
            return False
        snapshot = self.bridge.snapshot
        assert snapshot is not None
        self.browser.set_timepoints(subject_id, snapshot.timepoints, self._signed(snapshot))
        return True

    def open_subject_at_latest(self, subject_id: str) -> None:
        """A click on a subject: open its read at its latest time point (in the reader's order)."""
        if self.open_subject(subject_id) and self.bridge is not None and self.bridge.snapshot is not None \
                and self.tp_uid is None and self.bridge.snapshot.timepoints:
            self.show_timepoint(subject_id, self.bridge.snapshot.timepoints[-1].uid)

    def show_timepoint(self, subject_id: str, timepoint_uid: str) -> None:
        """Show a time point: its series loads in a worker, then the read's calipers appear on it."""
        if not self.open_subject(subject_id) or self.bridge is None or self.bridge.snapshot is None:
            return
        tp = self.bridge.snapshot.timepoint(timepoint_uid)
        if tp.uid != self.tp_uid:
            self._forget_images()
        self.tp_uid = tp.uid
        self.browser.select_timepoint(tp.uid, emit=False)
        try:
            self.response_panel.select_timepoint(tp.uid)
        except KeyError:
            pass
        self._refresh_lock()
        self._load(CURRENT, tp)
        if self.comparing:
            self.load_prior()
        self.update_actions()

    def _forget_images(self) -> None:
        """Until the next series is in, no view counts as showing the read: nothing can be measured on
        an image of another time point or subject, and its calipers go."""
        self._shown.clear()
        self.volumes.clear()
        self.preview = False
        for view in self.views():
            if view.volume is not None:
                view.set_measurements([])

    def _load(self, channel: str, tp: Timepoint) -> None:
        link = main_series(tp)
        if link is None:
            self.window.statusBar().showMessage(f"{tp.visit} has no series: import one with File > Open folder.")
            return
        self.loader.load(channel, tp, link, f"Loading {tp.visit}")

    def timepoint(self, uid: str | None) -> Timepoint | None:
        """A time point of the open read as the reader sees it."""
        snapshot = self.bridge.snapshot if self.bridge is not None else None
        if snapshot is None or uid is None:
            return None
        return next((tp for tp in snapshot.timepoints if tp.uid == uid), None)

    def overlay_info(self, tp: Timepoint) -> OverlayInfo:
        """Corner text of a time point: no date and the blinded label instead of the description when blinded."""
        link = main_series(tp)
        if tp.blinded or self.blinded:
            return OverlayInfo(self.subject_id or "", "", tp.visit)
        date = tp.scan_date.isoformat() if tp.scan_date else ""
        description = link.description if link else ""
        if tp.visit and tp.visit.lower() not in description.lower():
            description = f"{tp.visit} · {description}" if description else tp.visit
        return OverlayInfo(self.subject_id or "", date, description)

    def _on_volume_loaded(self, channel: str, tp_uid: str, volume: CtVolume, preview: bool) -> None:
        wanted = self.tp_uid if channel == CURRENT else self.prior_uid
        tp = self.timepoint(tp_uid)
        if tp_uid != wanted or tp is None:
            return
        if channel == PRIOR:
            if not preview:
                self.volumes[PRIOR] = volume
                self._show_compare()
            return
        self.preview = preview
        start = self._jump_slice(volume) if not preview else None
        self.slice_view.set_volume(volume, self.overlay_info(tp), start)
        self._shown[id(self.slice_view)] = tp_uid
        if not preview:
            self.volumes[CURRENT] = volume
            self.window.statusBar().showMessage(f"{tp.visit}: {volume.shape[0]} slices loaded", 5000)
            self._show_compare()
            self.sync_calipers()
            self._finish_jump()
        self._apply_lock_to_views()
        self.update_actions()

    def _on_volume_failed(self, channel: str, tp_uid: str, error: BaseException) -> None:
        tp = self.timepoint(tp_uid)
        self.window.show_error(f"Could not load {tp.visit if tp else 'the series'}", error)

    # -- the read changed -----------------------------------------------------------------------------
    def _on_read_changed(self, snapshot: ReadSnapshot, report: ReadReport, outcome: ReadOutcome | None) -> None:
        locked = self.locked
        self.lesion_panel.set_read(snapshot, report, read_only=locked)
        labels = {tp.uid: tp.visit for tp in snapshot.timepoints} if self.blinded else None
        irecist = self.bridge.irecist_outcome if self.bridge is not None else None
        self.response_panel.set_report(report, (outcome, irecist), timepoint_labels=labels)
        if self.tp_uid is not None:
            try:
                self.response_panel.select_timepoint(self.tp_uid)
            except KeyError:
                pass
        self.browser.set_signed(self._signed(snapshot))
        if self.selected_lesion and not any(lesion.uid == self.selected_lesion for lesion in snapshot.lesions):
            self.select_lesion("")
        elif self.selected_lesion:
            self.select_lesion(self.selected_lesion)
        self._refresh_lock()
        self.schedule_sync()
        self.update_actions()

    def schedule_sync(self) -> None:
        """Rebuild the calipers from the read once control is back in the event loop (never inside a
        caliper's own mouse handler)."""
        if not self._sync_scheduled:
            self._sync_scheduled = True
            QtCore.QTimer.singleShot(0, self.sync_calipers)

    def sync_calipers(self) -> None:
        """Show the read's calipers on every view, for the time point each view shows."""
        self._sync_scheduled = False
        snapshot = self.bridge.snapshot if self.bridge is not None else None
        for view in self.views():
            tp_uid = self._shown.get(id(view))
            if view.volume is None or tp_uid is None or (view is self.slice_view and self.preview):
                continue
            items = read_calipers.measurement_items(snapshot, tp_uid, view.volume) if snapshot is not None else []
            view.set_measurements(items)
        self._apply_lock_to_views()

    # -- helpers --------------------------------------------------------------------------------------------
    def is_baseline(self, tp_uid: str) -> bool:
        """True for the subject's baseline time point (first in the reader's order)."""
        snapshot = self.bridge.snapshot if self.bridge is not None else None
        return bool(snapshot and snapshot.timepoints and snapshot.timepoints[0].uid == tp_uid)

    @staticmethod
    def _signed(snapshot: ReadSnapshot) -> set[str]:
        return {rt.timepoint_uid for rt in snapshot.read_timepoints if rt.signed}

    def _bridge(self) -> SessionBridge:
        if self.bridge is None:
            raise RuntimeError("No trial is open.")
        return self.bridge

    def _errors(self, title: str) -> object:
        from widgets.main_window import show_errors

        return show_errors(title, self.window)

