"""``ReadingController``: what the reader sees and where their calipers go (ARCHITECTURE §1.3 steps 4–6).

It owns the views of the main window (trial browser, slice view, compare view, lesion and
response panels) and keeps them on the current subject, time point and lesion:

- choosing a time point loads its series in a worker (:class:`widgets.reading.image_loader.ImageLoader`;
  first slice at once) and shows the read's calipers of that time point with lesion label and role
  colour, on the slice of its first measured target (lowest label; the middle slice when nothing
  is measured there; :mod:`widgets.reading.navigation`);
- activating a lesion cell jumps every view to the slice where it was measured;
- a caliper drawn, edited or deleted goes where :class:`widgets.reading.caliper_router.CaliperRouter`
  says, always through :class:`widgets.reading.session_bridge.SessionBridge`, whose ``read_changed``
  then refreshes every view (C12);
- a signed time point is read-only: calipers frozen, measuring tools off, a padlock bar with
  "Reopen…";
- Compare shows the prior (baseline or nadir) beside the current time point.

The commands of the menus and tool bar (sign, export, open folder …) are
:class:`widgets.reading.actions.ReadingActions`, which drives this controller; the controller
knows nothing of them and says when their state may have changed (:attr:`ReadingController.state_changed`).
"""

from __future__ import annotations

import contextlib

import numpy as np
from PySide6 import QtCore, QtWidgets

from recist_app.evaluation.trial_profile import SeriesPreference, trial_series_preference
from recist_app.imaging.sources.query import StudyHit
from recist_app.imaging.volume import CtVolume
from recist_app.model.caliper import (
    CaliperRecord,
    VolumeIndex,
    caliper_key,
    record_of_lesion,
    reformat_lines,
)
from recist_app.model.records import Reader, ReadSnapshot, SeriesLink, Timepoint
from recist_app.read import ReadChanged
from recist_app.read.follow_up import PriorPosition, ghost_of, image_middle, prior_here
from recist_app.store import Login, TrialStore
from recist_app.store.dicom_import import study_date
from widgets.dialogs.login import role_name
from widgets.error_display import show_error, show_errors
from widgets.panels.lesion_panel import LesionPanel
from widgets.panels.response_panel import ResponsePanel
from widgets.reading import navigation
from widgets.reading.caliper_router import CaliperRouter
from widgets.reading.calipers import measurement_items
from widgets.reading.image_loader import ImageLoader, main_series
from widgets.reading.lock_bar import LockBar
from widgets.reading.measuring_tool import MeasuringTool
from widgets.reading.session_bridge import SessionBridge
from widgets.reading.tracking import Tracker
from widgets.reading.trial_browser import TrialBrowser
from widgets.viewer.calipers import Tool
from widgets.viewer.compare_view import CompareView
from widgets.viewer.key_router import ViewerKeyRouter
from widgets.viewer.mpr_view import MprView
from widgets.viewer.overlay import OverlayInfo
from widgets.viewer.slice_view import SliceView
from widgets.workers import TaskRunner

CURRENT, PRIOR, BASELINE = "current", "prior", "baseline"


class ReadingController(QtCore.QObject):
    """The reading state of the main window: trial, reader, subject, time point, lesion.

    Parameters
    ----------
    window : QMainWindow
        The main window: its status bar shows the reading's messages, it parents the dialogs.
    runner : TaskRunner
        Runs the series loads in workers.

    Signals
    -------
    state_changed()
        Whatever the actions' state depends on may have changed (read, time point, lock, tool, compare).
    read_changed()
        The open read changed (a reader's command, an undo, a signature).
    panels_replaced(LesionPanel, ResponsePanel)
        Fresh panels for the docks (another reader: nothing of the previous read stays).
    """

    state_changed = QtCore.Signal()
    read_changed = QtCore.Signal()
    #: Series were imported into the trial (its subjects and time points may have changed).
    trial_reloaded = QtCore.Signal()
    panels_replaced = QtCore.Signal(object, object)

    def __init__(self, window: QtWidgets.QMainWindow, runner: TaskRunner) -> None:
        super().__init__(window)
        self.window = window
        self.store: TrialStore | None = None
        self.db: str | None = None
        self.reader: Reader | None = None
        self.login: Login | None = None
        self.bridge: SessionBridge | None = None
        self.series_preference = SeriesPreference()
        self.subject_id: str | None = None
        self.tp_uid: str | None = None
        self.prior_uid: str | None = None
        self.prior = navigation.PREVIOUS
        self.compare_panes = 2
        self.selected_lesion = ""
        self.preview = False
        self.volumes: dict[str, CtVolume] = {}
        self._viewed: tuple[Timepoint, ...] = ()
        self._shown: dict[int, str] = {}
        self._pending_jump = self._last_jump = ""
        self._sync_scheduled = False
        self.router = CaliperRouter(self)
        self.measuring = MeasuringTool(self)
        self.keys = ViewerKeyRouter(self)
        self.keys.install()
        self.loader = ImageLoader(runner, self)
        self.tracker = Tracker(runner, self.loader.cached, self)
        #: The prior's series, where the point asked about is on it, and the point (current LPS mm): what
        #: :meth:`show_prior_here` waits to show.
        self._prior_here: tuple[str, PriorPosition, np.ndarray] | None = None
        self.tracker.aligned.connect(self._on_aligned)
        self.loader.loaded.connect(self._on_volume_loaded)
        self.loader.failed.connect(self._on_volume_failed)
        self.browser = TrialBrowser()
        self.browser.subject_selected.connect(self.open_subject_at_latest)
        self.browser.timepoint_selected.connect(self.show_timepoint)
        self.browser.series_selected.connect(self.choose_series)
        self.loader.examined.connect(self.browser.set_findings)
        self.loader.studies_found.connect(self._on_studies_found)
        self.lock_bar = LockBar()
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
        """Fresh slice and compare views (after a change of reader nothing of the last one stays); views that
        never showed an image are kept (building them costs about 0.05 s at start-up)."""
        built: MprView | None = getattr(self, "mpr_view", None)
        if built is not None and all(view.volume is None for view in (*self.views(), built.axial)):
            self._shown.clear()
            return
        for old in (getattr(self, "slice_view", None), getattr(self, "compare_view", None),
                    getattr(self, "mpr_view", None)):
            if old is not None:
                self.stack.removeWidget(old)
                old.deleteLater()
        self.slice_view = SliceView()
        self.slice_view.setObjectName("sliceView")
        self.compare_view = CompareView()
        self.compare_view.setObjectName("compareView")
        self.mpr_view = MprView()
        self.mpr_view.setObjectName("mprView")
        self.mpr_view.line_drawn.connect(self._on_reformat_line)
        self.stack.addWidget(self.slice_view)
        self.stack.addWidget(self.compare_view)
        self.stack.addWidget(self.mpr_view)
        self._shown.clear()
        self.keys.watch(list(self.views()))
        for view in self.views():
            self.router.connect(view)
            self.measuring.connect(view)
            view.undo_requested.connect(self.undo)
            view.redo_requested.connect(self.redo)
            view.tool_changed.connect(lambda _tool: self.state_changed.emit())
            view.cine_changed.connect(lambda *_: self.state_changed.emit())

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
            lambda uid, tp, status, induced, reason: self._bridge().set_status(uid, tp, status, induced, reason))
        lesions.delete_lesion_requested.connect(lambda uid: self._bridge().delete_lesion(uid))
        return lesions, response

    def views(self) -> tuple[SliceView, ...]:
        """The slice view, the panes of the compare view (current, prior, baseline) and the MPR's axial view."""
        return (self.slice_view, self.compare_view.right, self.compare_view.left, self.compare_view.first,
                self.mpr_view.axial)

    @property
    def comparing(self) -> bool:
        """True when the compare view is shown."""
        return self.stack.currentWidget() is self.compare_view

    def say(self, text: str, timeout_ms: int = 8000) -> None:
        """One line in the window's status bar."""
        self.window.statusBar().showMessage(text, timeout_ms)

    # -- trial and reader ---------------------------------------------------------------------------
    def set_store(self, store: TrialStore, db: str | None = None) -> None:
        """Open another trial (``db``: its path or URL, for workers): nobody is logged in until
        :meth:`set_reader`."""
        self.store, self.db = store, db
        self.series_preference = trial_series_preference(store.trial.profile_toml)
        self.bridge = SessionBridge(store, errors=lambda title: show_errors(title, self.window), parent=self)
        self.bridge.read_changed.connect(self._on_read_changed)
        self.bridge.history_changed.connect(lambda *_: self.state_changed.emit())
        self.bridge.message.connect(self.say)
        self.loader.clear()
        self.tracker.clear()
        self.reader, self.login = None, None
        self._reset()

    def set_reader(self, login: Login) -> None:
        """Work as the reader of ``login``: every view starts afresh with only what this reader may see."""
        self.login, self.reader = login, login.reader
        self.window.statusBar().clearMessage()
        self._reset()

    @property
    def blinded(self) -> bool:
        """True when the trial blinds visits for the logged-in reader (central readers)."""
        return bool(self.store and self.reader and self.store.blind_visits and self.reader.role.is_central)

    def _reset(self) -> None:
        if self.bridge is not None:
            self.bridge.close_read()
        self.subject_id = self.tp_uid = self.prior_uid = None
        self._viewed = ()
        self.selected_lesion, self._pending_jump, self._last_jump, self.volumes = "", "", "", {}
        self._build_views()
        self.lesion_panel, self.response_panel = self._new_panels()
        self.panels_replaced.emit(self.lesion_panel, self.response_panel)
        self.stack.setCurrentWidget(self.slice_view)
        self.lock_bar.set_lock(None)
        self._fill_browser()
        self.state_changed.emit()

    def _fill_browser(self) -> None:
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

    def reload_trial(self) -> None:
        """Show what changed in the trial (series imported): the browser, and the open read's time points."""
        subject, tp = self.subject_id, self.tp_uid
        self._fill_browser()
        if subject is not None and self.bridge is not None and self.bridge.session is not None:
            self.bridge.refresh()
            snapshot = self.bridge.snapshot
            if snapshot is not None:
                self.browser.set_timepoints(subject, snapshot.timepoints, navigation.signed_timepoints(snapshot))
            if tp is not None:
                self.browser.select_timepoint(tp, emit=False)
        self.trial_reloaded.emit()

    # -- subject and time point ------------------------------------------------------------------
    def open_subject(self, subject_id: str) -> bool:
        """Open the logged-in reader's read of ``subject_id`` (created on first use)."""
        if self.reader is None or self.bridge is None:
            self.say("Log in to read (File > Log in).")
            return False
        if subject_id == self.subject_id and (self.bridge.snapshot is not None or self.viewing_only):
            return True
        self.subject_id, self.tp_uid, self.prior_uid, self.selected_lesion = subject_id, None, None, ""
        self._last_jump = ""
        for channel in (CURRENT, PRIOR, BASELINE):
            self.loader.cancel(channel)
        self._forget_images()
        if self.viewing_only and self.store is not None:
            self._viewed = tuple(self.store.timepoints(subject_id))
            self.browser.set_timepoints(subject_id, self._viewed)
            return True
        if self.login is None or not self.bridge.open_read(self.login, subject_id):
            self.subject_id = None
            return False
        snapshot = self.bridge.snapshot
        assert snapshot is not None
        self.browser.set_timepoints(subject_id, snapshot.timepoints, navigation.signed_timepoints(snapshot))
        self.loader.prefetch(snapshot.timepoints)
        if self.store is not None and self.store.may_import_images(self.reader):  # never dates to a blinded reader
            self.loader.look_for_studies(subject_id, [link for tp in snapshot.timepoints for link in tp.series])
        return True

    def _on_studies_found(self, subject_id: str, found: list[tuple[str, StudyHit]]) -> None:
        """Say which of the open subject's studies on the PACS the trial has not imported yet."""
        if subject_id != self.subject_id or not found:
            return
        days = [study_date(study.study_date) for _server, study in found]
        dates = ", ".join(day.isoformat() if day else "no date" for day in days)
        servers = " and ".join(sorted({server for server, _study in found}))
        self.say(f"{servers} holds {len(found)} more {'study' if len(found) == 1 else 'studies'} of {subject_id} "
                 f"({dates}) not in the trial: import with File > Open folder or PACS.", 0)

    def open_subject_at_latest(self, subject_id: str) -> None:
        """A click on a subject: open its read at its latest time point (in the reader's order); a subject
        registered before its images arrived opens empty, with what to do."""
        if not self.open_subject(subject_id) or self.tp_uid is not None:
            return
        timepoints = self.reader_timepoints()
        if not timepoints:
            self._build_views()  # blank views: nothing of the previous subject stays on screen
            self.stack.setCurrentWidget(self.slice_view)
            self.say(f"{subject_id} has no images yet: import its study with File > Open folder.", 0)
            self.state_changed.emit()
            return
        self.show_timepoint(subject_id, timepoints[-1].uid)

    def open_work(self, subject_id: str, timepoint_uid: str) -> None:
        """Open a worklist item: its time point to read with the prior beside it (alone at baseline); a
        subject without images opens empty."""
        if not timepoint_uid:
            self.open_subject_at_latest(subject_id)
            return
        self.show_timepoint(subject_id, timepoint_uid)
        if self.tp_uid == timepoint_uid:
            self.set_compare(not self.is_baseline(timepoint_uid))

    def show_timepoint(self, subject_id: str, timepoint_uid: str) -> None:
        """Show a time point: its series loads in a worker, then the read's calipers appear on it."""
        if not self.open_subject(subject_id):
            return
        tp = self.timepoint(timepoint_uid)
        if tp is None:
            return
        if tp.uid != self.tp_uid:
            self._forget_images()
        self.tp_uid = tp.uid
        self.browser.select_timepoint(tp.uid, emit=False)
        self._select_response_column()
        self._refresh_lock()
        self._load(CURRENT, tp)
        if self.comparing:
            self.load_prior()
        self.state_changed.emit()

    def _select_response_column(self) -> None:
        if self.tp_uid is not None:
            with contextlib.suppress(KeyError):  # the report has no column for it yet
                self.response_panel.select_timepoint(self.tp_uid)

    def _forget_images(self) -> None:
        """Until the next series is in, no view counts as showing the read: nothing can be measured on
        an image of another time point or subject, and its calipers go."""
        self._shown.clear()
        self.volumes.clear()
        self.preview = False
        for view in self.views():
            if view.volume is not None:
                view.set_measurements([])

    def series_link(self, tp: Timepoint) -> SeriesLink | None:
        """The series the time point is read on: the read's choice, else the profile's ``[series]``
        preference among the series examined so far, else the first CT series."""
        snapshot = self.bridge.snapshot if self.bridge is not None and not self.viewing_only else None
        chosen = snapshot.chosen_series(tp.uid) if snapshot is not None else None
        if chosen is None:
            examined = [link for link in tp.series if link.series_uid in self.loader.options]
            index = self.series_preference.choose([self.loader.options[link.series_uid] for link in examined])
            chosen = examined[index].series_uid if index is not None else None
        return next((link for link in tp.series if link.series_uid == chosen), None) or main_series(tp)

    def choose_series(self, subject_id: str, timepoint_uid: str, series_uid: str) -> None:
        """Read the time point on another of its series (audited in the read) and show it; a role that
        does not read only looks at it."""
        if not self.open_subject(subject_id) or (tp := self.timepoint(timepoint_uid)) is None:
            return
        link = self.series_link(tp)
        if link is not None and link.series_uid != series_uid and not self.viewing_only and self.bridge is not None:
            option = self.loader.options.get(series_uid)
            if option is not None and not option.usable:
                self.say(f"This series cannot be measured on: {option.reason}.", 0)
                self.browser.select_timepoint(timepoint_uid, emit=False)
                return
            self.bridge.choose_series(timepoint_uid, series_uid)  # the current time point reloads on the change
        if timepoint_uid != self.tp_uid:
            self.show_timepoint(subject_id, timepoint_uid)

    def _load(self, channel: str, tp: Timepoint) -> None:
        link = self.series_link(tp)
        if link is None:
            self.say(f"{tp.visit} has no series: import one with File > Open folder.", 0)
            return
        first = ""
        if channel == CURRENT:
            self.browser.set_chosen(tp.uid, link.series_uid)
            snapshot = self.bridge.snapshot if self.bridge is not None else None
            if snapshot is not None:
                first = navigation.jump_image(snapshot, tp.uid, self._pending_jump, link.series_uid)
        self.loader.load(channel, tp, link, f"Loading {tp.visit}", first_image=first)

    def is_showing(self, timepoint_uid: str) -> bool:
        """True when the time point's whole series is on the single view (not a preview)."""
        return (self.tp_uid == timepoint_uid and CURRENT in self.volumes and not self.preview
                and self._shown.get(id(self.slice_view)) == timepoint_uid)

    def timepoint(self, uid: str | None) -> Timepoint | None:
        """A time point of the open read (or subject, for a role that does not read) as the reader sees it."""
        return next((tp for tp in self.reader_timepoints() if tp.uid == uid), None) if uid else None

    def reader_timepoints(self) -> tuple[Timepoint, ...]:
        """The open subject's time points in the reader's order (the read's, or the trial's for a viewer)."""
        if self.viewing_only:
            return self._viewed
        snapshot = self.bridge.snapshot if self.bridge is not None else None
        return snapshot.timepoints if snapshot is not None else ()

    @property
    def viewing_only(self) -> bool:
        """True for a logged-in role that reads no lesions (administrator, adjudicator): images only."""
        return self.reader is not None and not self.reader.role.reads

    def overlay_info(self, tp: Timepoint) -> OverlayInfo:
        """Corner text of a time point: no date and the blinded label instead of the description when blinded."""
        link = self.series_link(tp)
        if tp.blinded or self.blinded:
            return OverlayInfo(self.subject_id or "", "", tp.visit)
        date = tp.scan_date.isoformat() if tp.scan_date else ""
        description = link.description if link else ""
        if tp.visit and tp.visit.lower() not in description.lower():
            description = f"{tp.visit} · {description}" if description else tp.visit
        return OverlayInfo(self.subject_id or "", date, description)

    def _on_volume_loaded(self, channel: str, tp_uid: str, volume: CtVolume, preview: bool) -> None:
        wanted = {CURRENT: self.tp_uid, PRIOR: self.prior_uid, BASELINE: self._baseline_uid()}[channel]
        tp = self.timepoint(tp_uid)
        if tp_uid != wanted or tp is None:
            return
        if channel in (PRIOR, BASELINE):
            if not preview:
                self.volumes[channel] = volume
                self._show_compare()
            return
        self.preview = preview
        snapshot = self.bridge.snapshot if self.bridge is not None else None
        start = navigation.jump_slice(snapshot, tp_uid, self._pending_jump, volume) \
            if snapshot is not None and not preview else None
        self.slice_view.set_volume(volume, self.overlay_info(tp), start)
        self._shown[id(self.slice_view)] = tp_uid
        if not preview:
            self.volumes[CURRENT] = volume
            self.say(f"{tp.visit}: {volume.shape[0]} slices loaded", 5000)
            self._show_compare()
            self._show_mpr()
            self.sync_calipers()
            self._finish_jump()
            self._align_with_prior(tp, volume)
        self._apply_lock_to_views()
        self.state_changed.emit()

    def _on_volume_failed(self, channel: str, tp_uid: str, error: BaseException) -> None:
        tp = self.timepoint(tp_uid)
        show_error(f"Could not load {tp.visit if tp else 'the series'}", error, self.window)

    # -- the read changed -----------------------------------------------------------------------------
    def _on_read_changed(self, event: ReadChanged) -> None:
        snapshot = event.snapshot
        self.lesion_panel.set_read(snapshot, event.report, read_only=self.locked)
        labels = {tp.uid: tp.visit for tp in snapshot.timepoints} if self.blinded else None
        self.response_panel.set_report(event.report, (event.outcome, event.irecist_outcome), timepoint_labels=labels)
        self._select_response_column()
        self.browser.set_signed(navigation.signed_timepoints(snapshot))
        if self.selected_lesion and not any(lesion.uid == self.selected_lesion for lesion in snapshot.lesions):
            self.select_lesion("")
        elif self.selected_lesion:
            self.select_lesion(self.selected_lesion)
        self._refresh_lock()
        self._reload_if_series_changed()
        self.schedule_sync()
        self.state_changed.emit()
        self.read_changed.emit()

    def _reload_if_series_changed(self) -> None:
        """After a series choice (or its undo) the current time point shows the chosen series."""
        tp = self.timepoint(self.tp_uid)
        link = self.series_link(tp) if tp is not None else None
        shown = self.volumes.get(CURRENT)
        if tp is not None and link is not None and shown is not None and shown.series_uid != link.series_uid:
            self._forget_images()
            self._load(CURRENT, tp)
            if self.comparing:
                self.load_prior()

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
            view.set_measurements(measurement_items(snapshot, tp_uid, view.volume) if snapshot is not None else [])
        mpr = self.mpr_view
        shown = self._shown.get(id(mpr.axial))
        mpr.set_reformat_lines(reformat_lines(snapshot, shown, mpr.volume)
                               if snapshot is not None and shown is not None and mpr.volume is not None else [])
        self._apply_lock_to_views()

    # -- lesions ----------------------------------------------------------------------------------------
    def add_lesion(self, role: str) -> None:
        """Add a lesion with the next label and select it: the next caliper measures it."""
        if self.bridge is None or self.bridge.session is None:
            return
        lesion = self.bridge.add_lesion(role, self.tp_uid)
        if lesion is not None:
            self.select_lesion(lesion.uid)
            self.say(f"{lesion.label} added: draw its caliper (d length, o bidirectional).")

    def undo(self) -> None:
        """Undo the reader's last change (Ctrl+Z)."""
        if self.bridge is not None and self.bridge.session is not None:
            self.bridge.undo()

    def redo(self) -> None:
        """Redo the last undone change (Ctrl+Y)."""
        if self.bridge is not None and self.bridge.session is not None:
            self.bridge.redo()

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
        """Select a lesion and jump to the slice where it was measured at ``timepoint_uid`` (``""``: at the
        time point shown; not measured there yet, its prior caliper is drawn dashed where it was)."""
        self.select_lesion(lesion_uid)
        self._pending_jump = lesion_uid
        if timepoint_uid and timepoint_uid != self.tp_uid and self.subject_id is not None:
            self.show_timepoint(self.subject_id, timepoint_uid)
            return
        self._finish_jump()

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
        panes = (left_view, right_view, self.compare_view.first)
        views = panes if compare_only else (*panes, self.slice_view, self.mpr_view.axial)
        records = {}
        for view in views:
            tp_uid = self._shown.get(id(view))
            if view.volume is not None and tp_uid is not None:
                records[id(view)] = record_of_lesion(snapshot, lesion_uid, tp_uid, view.volume)
        left, right = records.get(id(left_view)), records.get(id(right_view))
        if left is not None and right is not None and left.p1_mm and right.p1_mm:
            self.compare_view.align_on(left.p1_mm, right.p1_mm)
        ghosted = ""
        for view in views:
            record = records.get(id(view))
            view.set_ghost(None)
            if record is not None:
                view.show_record(record)
                view.select_measurement(caliper_key(lesion_uid))
            elif view.volume is not None and (tp_uid := self._shown.get(id(view))) is not None:
                ghosted = self._show_prior_ghost(view, snapshot, lesion_uid, tp_uid) or ghosted
        self._centre_mpr(records.get(id(self.mpr_view.axial)))
        shown = records.get(id(self.slice_view))
        if not compare_only and shown is None and self.tp_uid is not None:
            self.say(ghosted or "This lesion has no caliper on the series shown.", 8000)
        elif not compare_only and shown is not None and shown.plane.is_reformat and not self.showing_mpr:
            self.say(f"{snapshot.lesion(lesion_uid).label} was measured on the {shown.plane.value.lower()} "
                     "reformat: MPR (Ctrl+M) shows the line.", 8000)

    def _centre_mpr(self, record: CaliperRecord | None) -> None:
        """Put the MPR crosshair on the middle of a lesion's line (axial or reformat)."""
        volume = self.mpr_view.volume
        if record is None or record.p1_mm is None or record.p2_mm is None or volume is None:
            return
        middle = [(a + b) / 2 for a, b in zip(record.p1_mm, record.p2_mm, strict=True)]
        col, row, k = volume.patient_to_index(middle)
        self.mpr_view.set_crosshair(round(col), round(row), round(k))

    def _show_prior_ghost(self, view: SliceView, snapshot: ReadSnapshot, lesion_uid: str, tp_uid: str) -> str:
        """Draw the lesion's latest earlier caliper dashed on ``view`` and go to its slice, where the registration
        with that scan puts it once aligned (``recist_app.read.follow_up``); what to say."""
        assert view.volume is not None
        volume = view.volume
        ghost = ghost_of(snapshot, lesion_uid, tp_uid, volume,
                         lambda series_uid: self.tracker.pair(self._link_of(series_uid), volume))
        if ghost is None:
            return ""
        view.set_ghost(ghost.record, ghost.caption)
        view.set_slice(ghost.record.slice_index)
        return ghost.message

    def show_prior_here(self) -> bool:
        """The compare view's prior at the same anatomical position as the pointer on the current image (or the
        image's middle), through the registration: a suspected new lesion, was it there before? The current image
        stays where it is. False (said why) when it cannot be shown yet."""
        view = self.compare_view.right if self.comparing else self.slice_view
        current, prior = self.volumes.get(CURRENT), self._prior_timepoint()
        link = self.series_link(prior) if prior is not None else None
        if current is None or view.volume is not current or prior is None or link is None or prior.uid == self.tp_uid:
            self.say("Open a follow-up time point: its prior is shown at the same position.")
            return False
        ready = self.tracker.pair(link, current)
        if ready is None:
            self.say(f"Aligning with {prior.visit}: ask again in a few seconds.", 8000)
            return False
        probe = view.probe() if view.under_pointer else None
        point = np.asarray(probe.position_mm) if probe is not None and probe.position_mm is not None else \
            image_middle(current, view.slice_index)
        found = prior_here(current, point, ready)
        self._prior_here = (link.series_uid, found, point)
        self.set_compare(True)
        self._show_prior_here()
        sure = f"confidence {found.confidence:.2f}" + (": check by eye" if found.low else "")
        self.say(f"{prior.visit} at the same position ({sure}) on the left.", 10_000)
        return True

    def _show_prior_here(self) -> None:
        """Put the compare view's prior on the slice :meth:`show_prior_here` found, once it is shown, lined up
        with the point asked about (the current side stays on its slice)."""
        left = self.compare_view.left
        if self._prior_here is not None and left.volume is not None and \
                left.volume.series_uid == self._prior_here[0]:
            _series_uid, found, point = self._prior_here
            left.set_slice(found.slice_index)
            self.compare_view.align_on(found.point_mm, point.tolist())
            self._prior_here = None

    def _link_of(self, series_uid: str) -> SeriesLink | None:
        """The link of a series of the open subject."""
        return next((link for tp in self.reader_timepoints() for link in tp.series if link.series_uid == series_uid),
                    None)

    def _align_with_prior(self, tp: Timepoint, volume: CtVolume) -> None:
        """Align a follow-up to the time point before it and to baseline, in the background (lesions then open
        where they are)."""
        order = [other.uid for other in self.reader_timepoints()]
        if tp.uid not in order or order.index(tp.uid) == 0:
            return
        for uid in dict.fromkeys((order[order.index(tp.uid) - 1], order[0])):
            earlier = self.timepoint(uid)
            link = self.series_link(earlier) if earlier is not None else None
            if link is not None:
                self.tracker.request(link, volume)

    def _on_aligned(self, prior_series_uid: str, followup_series_uid: str) -> None:
        """An alignment arrived: the compare view scrolls through it; a ghost still shown where the lesion was
        moves to where it is."""
        left, right = self.volumes.get(PRIOR), self.volumes.get(CURRENT)
        if left is not None and right is not None and (left.series_uid, right.series_uid) == (
                prior_series_uid, followup_series_uid):
            self._align_compare()
        view = self.slice_view
        if (self._last_jump and view.volume is not None and view.volume.series_uid == followup_series_uid
                and view.ghost_slice is not None and view.ghost_slice == view.slice_index):
            self._pending_jump = self._last_jump
            self._finish_jump()

    # -- calipers from the views ----------------------------------------------------------------------
    def editable_timepoint(self, view: SliceView) -> str | None:
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
            self.say(reason)
            self.schedule_sync()
            return None
        return tp_uid

    def is_baseline(self, tp_uid: str) -> bool:
        """True for the subject's baseline time point (first in the reader's order)."""
        snapshot = self.bridge.snapshot if self.bridge is not None else None
        return bool(snapshot and snapshot.timepoints and snapshot.timepoints[0].uid == tp_uid)

    # -- tools and lock ----------------------------------------------------------------------------------
    def set_tool(self, tool: Tool | str) -> None:
        """The left-drag tool of every view (measuring tools only on an editable time point)."""
        tool = Tool(tool)
        if tool not in (Tool.WINDOW, Tool.ELLIPSE) and (self.locked or self.preview):
            tool = Tool.WINDOW  # an ellipse ROI stores nothing: allowed on a signed time point
        for view in self.views():
            view.set_tool(tool)
        self.mpr_view.set_measuring(tool in (Tool.LENGTH, Tool.BIDIRECTIONAL))  # a length line on a reformat
        self.state_changed.emit()

    def toggle_tool(self, tool: Tool) -> None:
        """Keys d / o: the measuring tool, or back to window / level if it is on already."""
        self.set_tool(Tool.WINDOW if self.slice_view.tool is tool else tool)

    @property
    def locked(self) -> bool:
        """True when the current time point is signed (read-only), and always for a role that does not read."""
        return self.viewing_only or bool(self.bridge and self.tp_uid and self.bridge.is_signed(self.tp_uid))

    def _refresh_lock(self) -> None:
        snapshot = self.bridge.snapshot if self.bridge is not None else None
        reader = self.reader.name if self.reader else "the reader"
        text = navigation.lock_text(snapshot, self.tp_uid, reader) if snapshot and self.tp_uid else None
        if self.viewing_only and self.reader is not None:
            text = f"{self.reader.name} ({role_name(self.reader)}): images only, nothing can be measured here."
        self.lock_bar.set_lock(text, reopenable=not self.viewing_only)
        if text is not None:
            self.set_tool(Tool.WINDOW)
        self._apply_lock_to_views()

    def _apply_lock_to_views(self) -> None:
        for view in self.views():
            tp_uid = self._shown.get(id(view))
            frozen = tp_uid is None or self.viewing_only or (self.bridge is not None and self.bridge.is_signed(tp_uid))
            if frozen and view.selected_measurement:
                view.select_measurement("")
            view.set_read_only(frozen)

    # -- compare ------------------------------------------------------------------------------------------
    def active_view(self) -> SliceView:
        """The view a menu command acts on: the current side of the comparison, the MPR's axial view or
        the single view."""
        if self.comparing:
            return self.compare_view.right
        return self.mpr_view.axial if self.showing_mpr else self.slice_view

    @property
    def showing_mpr(self) -> bool:
        """True when the reformats (MPR) are shown."""
        return self.stack.currentWidget() is self.mpr_view

    def set_mpr(self, on: bool) -> None:
        """Show the current series as axial, coronal and sagittal views linked by a crosshair, or the single view."""
        self.stack.setCurrentWidget(self.mpr_view if on else self.slice_view)
        if on:
            self._show_mpr()
        self.state_changed.emit()

    def _show_mpr(self) -> None:
        volume, tp = self.volumes.get(CURRENT), self.timepoint(self.tp_uid)
        if volume is not None and tp is not None and self.showing_mpr and self.mpr_view.volume is not volume:
            self.mpr_view.set_volume(volume, self.slice_view.slice_index, self.overlay_info(tp))
            self._shown[id(self.mpr_view.axial)] = tp.uid
            self.schedule_sync()

    def _on_reformat_line(self, plane: str, start: VolumeIndex, end: VolumeIndex) -> None:
        """A line drawn on a coronal or sagittal pane: routed as an axial caliper is, flagged with its plane."""
        volume = self.mpr_view.volume
        if volume is not None:
            self.router.committed(self.mpr_view.axial, "", CaliperRecord.from_reformat(volume, plane, start, end))

    def set_compare(self, on: bool) -> None:
        """Show the prior (previous by default, nadir, baseline or any) beside the current time point, or the
        single view."""
        self.stack.setCurrentWidget(self.compare_view if on else self.slice_view)
        if on:
            self.load_prior()
        self.state_changed.emit()

    def set_prior(self, prior: str) -> None:
        """What the compare view's left side shows (previous, nadir, baseline or a time point's uid;
        :func:`~widgets.reading.navigation.prior_timepoint`); loaded at once when comparing."""
        self.prior = prior
        if self.comparing:
            self.load_prior()

    def _prior_timepoint(self) -> Timepoint | None:
        """The time point the compare view's left side shows (:attr:`prior`,
        :func:`~widgets.reading.navigation.prior_timepoint`)."""
        bridge = self.bridge
        if self.tp_uid is None:
            return None
        if self.viewing_only:
            order = [tp.uid for tp in self._viewed]
            previous = order[max(order.index(self.tp_uid) - 1, 0)] if self.tp_uid in order else None
            return self.timepoint(self.prior if self.prior in order else previous)
        if bridge is None or bridge.snapshot is None:
            return None
        return self.timepoint(navigation.prior_timepoint(bridge.snapshot, bridge.report, self.tp_uid, self.prior))

    def load_prior(self) -> None:
        """Load the prior time point (:meth:`_prior_timepoint`) and baseline beside it."""
        tp = self._prior_timepoint()
        if tp is None:
            return
        self.prior_uid = tp.uid
        self.volumes.pop(PRIOR, None)
        self._load(PRIOR, tp)
        self.volumes.pop(BASELINE, None)
        baseline = self.timepoint(self._baseline_uid())
        if baseline is not None:
            self._load(BASELINE, baseline)

    def set_compare_panes(self, panes: int) -> None:
        """2: prior | current; 3: baseline | prior | current (when the prior is not baseline already)."""
        self.compare_panes = panes
        if self.comparing:
            self.load_prior()
        self.state_changed.emit()

    def _baseline_uid(self) -> str | None:
        """The time point of the 1×3 layout's first pane: baseline, when it is neither the prior nor the current."""
        timepoints = self.reader_timepoints()
        if self.compare_panes < 3 or not timepoints or timepoints[0].uid in (self.prior_uid, self.tp_uid):
            return None
        return timepoints[0].uid

    def _show_compare(self) -> None:
        """Fill the compare view once both volumes are there."""
        left, right = self.volumes.get(PRIOR), self.volumes.get(CURRENT)
        prior, current = self.timepoint(self.prior_uid), self.timepoint(self.tp_uid)
        if left is None or right is None or prior is None or current is None:
            return
        view = self.compare_view
        view.set_volumes(left, right, self.overlay_info(prior), self.overlay_info(current))
        view.set_titles(f"Prior · {prior.visit}" + (" (this is baseline)" if prior.uid == current.uid else ""),
                        f"Current · {current.visit}")
        self._shown[id(view.left)], self._shown[id(view.right)] = prior.uid, current.uid
        baseline, first = self.timepoint(self._baseline_uid()), self.volumes.get(BASELINE)
        if baseline is not None and first is not None:
            view.set_first(first, self.overlay_info(baseline), f"Baseline · {baseline.visit}")
            self._shown[id(view.first)] = baseline.uid
            view.set_titles(f"Baseline · {baseline.visit}  |  Prior · {prior.visit}", f"Current · {current.visit}")
        else:
            view.set_first(None)
            self._shown.pop(id(view.first), None)
        self.sync_calipers()
        self._align_compare()
        self._finish_jump(compare_only=True)
        self._show_prior_here()

    def _align_compare(self) -> None:
        """Scroll the compare view's sides in step through the registration of the two series (different
        frames of reference): the offset where the prior's shown slice centre lands; aligned in the background
        first when not yet done (a lesion measured on both sides then lines up on itself)."""
        left, right = self.volumes.get(PRIOR), self.volumes.get(CURRENT)
        if left is None or right is None or left.series_uid == right.series_uid or not left.calibrated:
            return
        ready = self.tracker.pair(self._link_of(left.series_uid), right)
        if ready is None:
            return
        centre = image_middle(left, self.compare_view.left.slice_index)
        self.compare_view.align_on(centre.tolist(), ready[0].map(centre).tolist())

    def _bridge(self) -> SessionBridge:
        if self.bridge is None:
            raise RuntimeError("No trial is open.")
        return self.bridge
