"""The commands behind the main window's actions: tools, lesions, undo, sign, compare, export, import.

:class:`ReadingActions` is mixed into :class:`widgets.reading.controller.ReadingController` and works on its
state (the bridge, the views, the current time point). Long work (export, folder scan) runs in
workers with progress and Cancel in the status bar.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6 import QtCore, QtWidgets

from recist_app.model.caliper import CaliperRecord
from widgets.viewer.measure_tools import Tool
from widgets.workers import Progress, Task

if TYPE_CHECKING:
    from widgets.reading.controller import ReadingController

    _Base = ReadingController
else:
    _Base = object

PRIOR_CHANNEL = "prior"


class ReadingActions(_Base):
    """Action slots of the reading controller (see :meth:`action_slots`)."""

    def action_slots(self) -> dict[str, Callable[..., object]]:
        """What each action of :mod:`widgets.main_actions` calls."""
        return {
            "open_folder": self.open_folder, "export": self.export_trial, "login": self.login_other,
            "quit": self.window.close, "undo": self.undo, "redo": self.redo,
            "window_tool": lambda _checked: self.set_tool(Tool.WINDOW),
            "length_tool": lambda _checked: self.toggle_tool(Tool.LENGTH),
            "bidirectional_tool": lambda _checked: self.toggle_tool(Tool.BIDIRECTIONAL),
            "new_target": lambda: self.add_lesion("TARGET"), "new_non_target": lambda: self.add_lesion("NON-TARGET"),
            "new_lesion": lambda: self.add_lesion("NEW"), "sign": self.sign_timepoint,
            "reopen": self.reopen_timepoint, "compare": self.set_compare,
            "prior_baseline": lambda checked: checked and self.load_prior(),
            "prior_nadir": lambda checked: checked and self.load_prior(), "about": self.window.show_about,
        }

    def update_actions(self) -> None:
        """Enable and check the actions for the current state."""
        actions = getattr(self.window, "main_actions", None)
        if actions is None:
            return
        bridge = self.bridge
        has_read = bool(bridge and bridge.snapshot is not None and self.tp_uid)
        actions.update(has_trial=self.store is not None and self.reader is not None, has_read=has_read,
                       has_image=self.slice_view.volume is not None and self.tp_uid is not None,
                       locked=self.locked, signed=self.locked, can_undo=bool(bridge and bridge.can_undo),
                       can_redo=bool(bridge and bridge.can_redo), tool=self.slice_view.tool.value,
                       compare=self.comparing)
        actions.login.setEnabled(self.store is not None)

    # -- tools ----------------------------------------------------------------------------------------
    def set_tool(self, tool: Tool | str) -> None:
        """The left-drag tool of every view (measuring tools only on an editable time point)."""
        tool = Tool(tool)
        if tool is not Tool.WINDOW and (self.locked or self.preview):
            tool = Tool.WINDOW
        for view in self.views():
            view.set_tool(tool)
        self.update_actions()

    def toggle_tool(self, tool: Tool) -> None:
        """Keys d / o: the measuring tool, or back to window / level if it is on already."""
        self.set_tool(Tool.WINDOW if self.slice_view.tool is tool else tool)

    # -- read commands ------------------------------------------------------------------------------
    def undo(self) -> None:
        """Undo the reader's last change (Ctrl+Z)."""
        if self.bridge is not None and self.bridge.session is not None:
            self.bridge.undo()

    def redo(self) -> None:
        """Redo the last undone change (Ctrl+Y)."""
        if self.bridge is not None and self.bridge.session is not None:
            self.bridge.redo()

    def add_lesion(self, role: str) -> None:
        """Add a lesion with the next label and select it: the next caliper measures it."""
        if self.bridge is None or self.bridge.session is None:
            return
        lesion = self.bridge.add_lesion(role, self.tp_uid)
        if lesion is not None:
            self.select_lesion(lesion.uid)
            self.window.statusBar().showMessage(f"{lesion.label} added: draw its caliper (d length, o "
                                                "bidirectional).", 8000)

    def ask_lesion(self, tp_uid: str, record: CaliperRecord) -> QtWidgets.QInputDialog | None:
        """At a follow-up with no lesion selected: which lesion is this caliper? (or a new lesion)."""
        snapshot = self.bridge.snapshot if self.bridge is not None else None
        if snapshot is None:
            return None
        measured = {m.lesion_uid for m in snapshot.measurements if m.timepoint_uid == tp_uid}
        lesions = sorted(snapshot.lesions, key=lambda lesion: (lesion.uid in measured, lesion.label))
        choices = {f"{lesion.label} · {lesion.role.value.lower()}" + (" (replace)" if lesion.uid in measured else ""):
                   lesion.uid for lesion in lesions}
        new_text = f"New lesion {self.bridge.next_label('NEW')}"  # type: ignore[union-attr]
        dialog = QtWidgets.QInputDialog(self.window)
        dialog.setObjectName("lesionChooser")
        dialog.setWindowTitle("Which lesion?")
        dialog.setLabelText("This caliper measures:")
        dialog.setComboBoxItems([*choices, new_text])
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)

        def chosen(text: str) -> None:
            if self.bridge is None:
                return
            if text == new_text:
                self.bridge.measure_new_lesion("NEW", tp_uid, record)
            elif text in choices:
                self.bridge.store_caliper(choices[text], tp_uid, record)

        dialog.textValueSelected.connect(chosen)
        dialog.rejected.connect(self.schedule_sync)
        dialog.open()
        return dialog

    # -- sign-off ---------------------------------------------------------------------------------------
    def sign_timepoint(self, password: str | None = None, meaning: str | None = None) -> bool:
        """Sign the current time point (asks meaning and password unless given)."""
        from recist_app.store.signoff import DEFAULT_MEANING
        from widgets.dialogs.sign import SignDialog

        tp = self.timepoint(self.tp_uid)
        if tp is None or self.bridge is None or self.reader is None:
            return False
        if password is None:
            try:
                summary = f"RECIST 1.1 overall: {self.response_panel.category(tp.uid) or 'baseline'}"
            except KeyError:
                summary = ""
            dialog = SignDialog(self.reader.name, self.subject_id or "", tp.visit, summary, self.window)
            if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
                return False
            password, meaning = dialog.password, dialog.meaning
        return self.bridge.sign(tp.uid, password, meaning or DEFAULT_MEANING)

    def reopen_timepoint(self, reason: str | None = None) -> bool:
        """Reopen the current signed time point (asks the reason unless given)."""
        from widgets.dialogs.sign import ReopenDialog

        tp = self.timepoint(self.tp_uid)
        if tp is None or self.bridge is None:
            return False
        if reason is None:
            dialog = ReopenDialog(self.subject_id or "", tp.visit, self.window)
            if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
                return False
            reason = dialog.reason
        return self.bridge.reopen(tp.uid, reason)

    # -- compare ------------------------------------------------------------------------------------------
    def set_compare(self, on: bool) -> None:
        """Show the prior (baseline or nadir) beside the current time point, or the single view."""
        self.stack.setCurrentWidget(self.compare_view if on else self.slice_view)
        if on:
            self.load_prior()
        self.update_actions()

    def prior_timepoint(self) -> str | None:
        """The time point compared with: baseline, or the nadir (the smallest complete sum before the
        current time point, the latest if tied), per the Prior choice."""
        snapshot, report = (self.bridge.snapshot, self.bridge.report) if self.bridge else (None, None)
        if snapshot is None or not snapshot.timepoints or self.tp_uid is None:
            return None
        baseline = snapshot.timepoints[0].uid
        actions = getattr(self.window, "main_actions", None)
        if actions is None or not actions.prior_nadir.isChecked() or report is None:
            return baseline
        results = list(report.recist.timepoints)
        index = next((n for n, tp in enumerate(results) if tp.visit_id == self.tp_uid), len(results))
        earlier = [(tp.sum_mm, -n, tp.visit_id) for n, tp in enumerate(results[:index])
                   if tp.sum_mm is not None and tp.sum_complete]
        return min(earlier)[2] if earlier else baseline

    def load_prior(self) -> None:
        """Load the prior time point for the compare view."""
        prior = self.prior_timepoint()
        tp = self.timepoint(prior)
        if tp is None:
            return
        self.prior_uid = tp.uid
        self.volumes.pop(PRIOR_CHANNEL, None)
        self._load(PRIOR_CHANNEL, tp)

    def _show_compare(self) -> None:
        """Fill the compare view once both volumes are there."""
        left, right = self.volumes.get(PRIOR_CHANNEL), self.volumes.get("current")
        prior, current = self.timepoint(self.prior_uid), self.timepoint(self.tp_uid)
        if left is None or right is None or prior is None or current is None:
            return
        view = self.compare_view
        view.set_volumes(left, right, self.overlay_info(prior), self.overlay_info(current))
        view.set_titles(f"Prior · {prior.visit}" + (" (this is baseline)" if prior.uid == current.uid else ""),
                        f"Current · {current.visit}")
        self._shown[id(view.left)], self._shown[id(view.right)] = prior.uid, current.uid
        self.sync_calipers()
        self._finish_jump(compare_only=True)

    # -- trial-wide work ----------------------------------------------------------------------------------
    def export_trial(self, folder: str | Path | None = None, formats: tuple[str, ...] | None = None) -> Task | None:
        """Export the trial in a worker (asks folder and formats unless given)."""
        from widgets.dialogs.export import ExportDialog

        if self.store is None or self.window.db is None:
            return None
        if folder is None or formats is None:
            dialog = ExportDialog(Path.home() / f"{self.store.trial.code}-export", self.window)
            if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
                return None
            folder, formats = dialog.folder, dialog.formats
        db, out, chosen = self.window.db, Path(folder), tuple(formats)

        def run(on_progress: Progress, cancel: threading.Event) -> Any:
            from recist_app.exports import export_trial

            return export_trial(db, out, formats=chosen, on_progress=on_progress, cancel=cancel)

        task = Task(run, f"Exporting {self.store.trial.code}")
        task.signals.finished.connect(lambda result: self.window.statusBar().showMessage(
            f"Exported {len(result.files)} files ({', '.join(result.formats)}) to {result.out_dir}", 15000))
        task.signals.failed.connect(lambda error: self.window.show_error("Could not export the trial", error))
        task.signals.cancelled.connect(lambda: self.window.statusBar().showMessage(
            "Export cancelled: nothing was written.", 8000))
        self.window.runner.start(task)
        return task

    def open_folder(self, path: str | None = None) -> QtWidgets.QDialog | None:
        """Scan a DICOM folder or DICOMDIR and import its series into the trial."""
        from widgets.dialogs.open_folder import OpenFolderDialog

        if self.store is None:
            return None
        actor = self.reader.name if self.reader else "viewer"
        dialog = OpenFolderDialog(self.store, self.window.runner, actor, self.window)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.imported.connect(lambda _count: self._after_import())
        dialog.open()
        if path:
            dialog.start_scan(path)
        return dialog

    def _after_import(self) -> None:
        subject, tp = self.subject_id, self.tp_uid
        self._fill_browser()
        if subject is not None and self.bridge is not None and self.bridge.session is not None:
            self.bridge.refresh()
            snapshot = self.bridge.snapshot
            if snapshot is not None:
                self.browser.set_timepoints(subject, snapshot.timepoints, self._signed(snapshot))
            if tp is not None:
                self.browser.select_timepoint(tp, emit=False)

    def login_other(self) -> bool:
        """Log in as another reader (password checked); the views start afresh."""
        return self.window.show_login()
