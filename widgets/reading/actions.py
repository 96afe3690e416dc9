"""The commands behind the main window's actions: tools, lesions, undo, sign, compare, export, import.

:class:`ReadingActions` drives a :class:`widgets.reading.controller.ReadingController` through its
public methods and keeps the actions' state (enabled, checked) in step with it. Commands that ask
the reader something (sign, reopen, export folder, DICOM folder) open their dialog here; long work
(export, folder scan) runs in workers with progress and Cancel in the status bar.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets

from recist_app.model.completeness import gaps_before_signing
from recist_app.model.records import ReaderRole
from recist_app.store.errors import SignatureError
from recist_app.store.signoff import DEFAULT_MEANING
from widgets.dialogs.export import ExportDialog
from widgets.dialogs.open_folder import OpenFolderDialog
from widgets.dialogs.sign import ReopenDialog, SignDialog
from widgets.error_display import show_error
from widgets.main_actions import PRIOR_CHOICES, MainActions
from widgets.reading.controller import ReadingController
from widgets.viewer.calipers import Tool
from widgets.workers import Progress, Task, TaskRunner

if TYPE_CHECKING:
    from recist_app.exports.runner import ExportResult


class ReadingActions:
    """Action slots of the reading (see :meth:`slots`).

    Parameters
    ----------
    reading : ReadingController
        The reading the actions work on.
    window : QMainWindow
        Parent of the dialogs; its status bar says what happened.
    runner : TaskRunner
        Runs exports and folder scans in workers.
    """

    def __init__(self, reading: ReadingController, window: QtWidgets.QMainWindow, runner: TaskRunner) -> None:
        self.reading = reading
        self.window = window
        self.runner = runner
        self.actions: MainActions | None = None
        reading.state_changed.connect(self.update_actions)
        reading.lock_bar.reopen_requested.connect(lambda: self.reopen_timepoint())

    def slots(self) -> dict[str, Callable[..., object]]:
        """What each reading action of :mod:`widgets.main_actions` calls."""
        reading = self.reading
        return {
            "open_folder": self.open_folder, "trial_setup": self.trial_setup, "export": self.export_trial,
            "undo": reading.undo, "redo": reading.redo,
            "window_tool": lambda _checked: reading.set_tool(Tool.WINDOW),
            "length_tool": lambda _checked: reading.toggle_tool(Tool.LENGTH),
            "bidirectional_tool": lambda _checked: reading.toggle_tool(Tool.BIDIRECTIONAL),
            "stroke_tool": lambda _checked: reading.toggle_tool(Tool.STROKE),
            "ellipse_tool": lambda _checked: reading.toggle_tool(Tool.ELLIPSE),
            "cine": lambda on: reading.active_view().set_cine(on),
            "new_target": lambda: reading.add_lesion("TARGET"),
            "new_non_target": lambda: reading.add_lesion("NON-TARGET"),
            "new_lesion": lambda: reading.add_lesion("NEW"), "sign": self.sign_timepoint,
            "reopen": self.reopen_timepoint, "compare": reading.set_compare, "mpr": reading.set_mpr,
            "compare_three": lambda on: reading.set_compare_panes(3 if on else 2),
            "prior_here": reading.show_prior_here,
            "focus_images": self.set_images_only,
        }

    def bind(self, actions: MainActions) -> None:
        """Keep ``actions`` in step with the reading (the prior's choice goes to the controller)."""
        self.actions = actions
        box = actions.prior_box
        box.currentIndexChanged.connect(lambda _index: self.reading.set_prior(str(box.currentData())))
        self.reading.set_prior(str(box.currentData()))
        self.update_actions()

    def set_images_only(self, on: bool) -> None:
        """Hide the side panels (the image takes the window) or show them again."""
        for dock in self.window.findChildren(QtWidgets.QDockWidget):
            dock.setVisible(not on)

    def _fill_prior_box(self) -> None:
        """The fixed prior choices, then every other time point of the subject (as the reader sees it)."""
        assert self.actions is not None
        box, reading = self.actions.prior_box, self.reading
        visits = [(f"Prior: {tp.visit}", tp.uid) for tp in reading.reader_timepoints() if tp.uid != reading.tp_uid]
        wanted = [*PRIOR_CHOICES, *visits]
        if [(box.itemText(i), box.itemData(i)) for i in range(box.count())] == wanted:
            return
        chosen = box.currentData()
        box.blockSignals(True)
        box.clear()
        for text, key in wanted:
            box.addItem(text, key)
        index = box.findData(chosen)
        box.setCurrentIndex(max(index, 0))
        box.blockSignals(False)
        if index < 0:
            reading.set_prior(str(box.currentData()))

    def update_actions(self) -> None:
        """Enable and check the actions for the current state."""
        if self.actions is None:
            return
        reading, bridge = self.reading, self.reading.bridge
        self.actions.update(has_trial=reading.store is not None and reading.reader is not None,
                            has_read=bool(bridge and bridge.snapshot is not None and reading.tp_uid),
                            has_image=reading.slice_view.volume is not None and reading.tp_uid is not None,
                            locked=reading.locked, signed=reading.locked, can_undo=bool(bridge and bridge.can_undo),
                            can_redo=bool(bridge and bridge.can_redo), tool=reading.slice_view.tool.value,
                            compare=reading.comparing, compare_panes=reading.compare_panes,
                            mpr=reading.showing_mpr,
                            cine=reading.active_view().cine_playing)
        self._fill_prior_box()
        self.actions.login.setEnabled(reading.store is not None)
        if reading.store is not None and not reading.store.may_import_images(reading.reader):
            self.actions.open_folder.setEnabled(False)
        self.actions.trial_setup.setEnabled(reading.reader is not None and reading.reader.role is ReaderRole.ADMIN)

    # -- sign-off ---------------------------------------------------------------------------------------
    def sign_timepoint(self, password: str | None = None, meaning: str | None = None) -> bool:
        """Sign the current time point (asks meaning and password unless given)."""
        reading = self.reading
        tp = reading.timepoint(reading.tp_uid)
        if tp is None or reading.bridge is None or reading.reader is None or reading.bridge.snapshot is None:
            return False
        gaps = gaps_before_signing(reading.bridge.snapshot, tp.uid)
        if gaps:
            self._show_gaps(tp.visit, [str(gap) for gap in gaps])
            return False
        if password is None:
            try:
                summary = f"RECIST 1.1 overall: {reading.response_panel.category(tp.uid) or 'baseline'}"
            except KeyError:
                summary = ""
            dialog = SignDialog(reading.reader.name, reading.subject_id or "", tp.visit, summary, self.window,
                                verify=self._password_check(reading.reader.uid))
            if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
                return False
            password, meaning = dialog.password, dialog.meaning
        return reading.bridge.sign(tp.uid, password, meaning or DEFAULT_MEANING)

    def ask_before_quit(self, quit_anyway: Callable[[], None]) -> bool:
        """When changes of this session are saved but not signed, say which and offer Quit or Stay
        (window-modal, not blocking; Quit calls ``quit_anyway``); False when there is nothing to ask."""
        bridge = self.reading.bridge
        work = bridge.unsigned_work() if bridge is not None else ()
        if not work:
            return False
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Question, "Quit with unsigned changes?",
                                    "These time points have changes that are saved but not signed:", parent=self.window)
        box.setObjectName("unsignedWorkBox")
        box.setInformativeText("\n".join(f"• {subject}: {', '.join(visits)}" for subject, visits in work)
                               + "\n\nStay to sign them now, or quit and sign them later: nothing is lost.")
        quit_button = box.addButton("Quit", QtWidgets.QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(box.addButton("Stay", QtWidgets.QMessageBox.ButtonRole.RejectRole))
        quit_button.clicked.connect(quit_anyway)
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return True

    def _show_gaps(self, visit: str, gaps: list[str]) -> None:
        """Say what the time point lacks before it can be signed (window-modal, not blocking)."""
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Warning, "Not ready to sign",
                                    f"{visit} cannot be signed yet. Complete these first:",
                                    QtWidgets.QMessageBox.StandardButton.Ok, self.window)
        box.setObjectName("incompleteReadBox")
        box.setInformativeText("\n".join(f"• {gap}" for gap in gaps))
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _password_check(self, reader_uid: str) -> Callable[[str], bool]:
        """The store's password check for the sign dialog (a wrong password is retried there)."""
        store = self.reading.store

        def verify(password: str) -> bool:
            try:
                return store is not None and store.authenticate(reader_uid, password).uid == reader_uid
            except SignatureError:
                return False
        return verify

    def reopen_timepoint(self, reason: str | None = None) -> bool:
        """Reopen the current signed time point (asks the reason unless given)."""
        reading = self.reading
        tp = reading.timepoint(reading.tp_uid)
        if tp is None or reading.bridge is None:
            return False
        if reason is None:
            dialog = ReopenDialog(reading.subject_id or "", tp.visit, self.window)
            if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
                return False
            reason = dialog.reason
        return reading.bridge.reopen(tp.uid, reason)

    # -- trial-wide work ----------------------------------------------------------------------------------
    def export_trial(self, folder: str | Path | None = None, formats: tuple[str, ...] | None = None) -> Task | None:
        """Export the trial in a worker (asks folder and formats unless given)."""
        store, db = self.reading.store, self.reading.db
        if store is None or db is None:
            return None
        if folder is None or formats is None:
            dialog = ExportDialog(Path.home() / f"{store.trial.code}-export", self.window, store.trial.code)
            if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
                return None
            folder, formats = dialog.folder, dialog.formats
        out, chosen = Path(folder), tuple(formats)

        def run(on_progress: Progress, cancel: threading.Event) -> ExportResult:
            from recist_app.exports import export_trial  # the exports' heavy imports only when exporting

            return export_trial(db, out, formats=chosen, on_progress=on_progress, cancel=cancel)

        task = Task(run, f"Exporting {store.trial.code}")
        task.signals.finished.connect(lambda result: self.reading.say(
            f"Exported {len(result.files)} files ({', '.join(result.formats)}) to {result.out_dir}", 15000))
        task.signals.failed.connect(lambda error: show_error("Could not export the trial", error, self.window))
        task.signals.cancelled.connect(lambda: self.reading.say("Export cancelled: nothing was written."))
        self.runner.start(task)
        return task

    def trial_setup(self) -> QtWidgets.QDialog | None:
        """The administrator's set-up of the trial: sites, readers, subjects (the trial browser follows)."""
        from widgets.dialogs.setup import SetupDialog

        reading = self.reading
        if reading.store is None or reading.reader is None:
            return None
        dialog = SetupDialog(reading.store, reading.reader, self.window)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.changed.connect(reading.reload_trial)
        dialog.open()
        return dialog

    def open_folder(self, path: str | None = None) -> QtWidgets.QDialog | None:
        """Scan a DICOM folder or DICOMDIR and import its series into the trial."""
        reading = self.reading
        if reading.store is None:
            return None
        actor = reading.reader.name if reading.reader else "viewer"
        dialog = OpenFolderDialog(reading.store, self.runner, actor, self.window)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.imported.connect(lambda _count: reading.reload_trial())
        dialog.open()
        if path:
            dialog.start_scan(path)
        return dialog
