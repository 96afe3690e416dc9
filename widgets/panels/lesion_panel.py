"""``LesionPanel``: every lesion × time point of a read, with its editors (VIEWER.md "Comparing timepoints").

The grid is :class:`widgets.panels.lesion_grid.LesionGridModel` in a ``QTableView``. The panel never
calls the store (ARCHITECTURE C3, C12): each edit is a signal the main window applies through
``ReadSession`` before it calls :meth:`LesionPanel.set_read` again with the new snapshot.

Editing (off when ``read_only``): the context menu of a row (role, organ / site from
:mod:`widgets.panels.organs`, node, irradiated on study with its SBRT course in :class:`SbrtDialog`,
previously irradiated, rename, delete) and of a time-point cell (status, radiation-induced mark);
F2 edits label, organ and role in place; check boxes toggle node, SBRT and prior irradiation.
Enter or a double click on a cell emits ``lesion_activated`` (jump every view to its slice).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from assessment.read_report import ReadReport
from recist_app.model.records import STATUSES_BY_ROLE, Lesion, ReadSnapshot, Status
from widgets.panels import organs
from widgets.panels.frozen_table import FrozenColumnTableView
from widgets.panels.lesion_cells import (
    ROLE_TEXT,
    STATUS_MENU,
    allowed_roles,
    organ_changes,
)
from widgets.panels.lesion_grid import (
    FIRST_TIMEPOINT,
    KEY_ROLE,
    LABEL,
    ORGAN,
    ROLE,
    LesionEditorDelegate,
    LesionGridModel,
)


class SbrtDialog(QtWidgets.QDialog):
    """The SBRT course of a lesion irradiated on study: first and last day, dose (Gy), fractions.

    :meth:`values` gives the keyword arguments of ``ReadSession.flag_irradiated`` (``sbrt_start``,
    ``sbrt_end``, ``dose_gy``, ``fractions``; None where unknown).
    """

    def __init__(self, lesion: Lesion, default_start: date | None = None,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"SBRT course of {lesion.label}")
        start = lesion.sbrt_start or default_start or date.today()
        self.start = _date_edit(start)
        self.has_end = QtWidgets.QCheckBox("Last day")
        self.end = _date_edit(lesion.sbrt_end or start)
        self.has_end.setChecked(lesion.sbrt_end is not None)
        self.end.setEnabled(self.has_end.isChecked())
        self.has_end.toggled.connect(self.end.setEnabled)
        self.start.dateChanged.connect(self.end.setMinimumDate)
        self.end.setMinimumDate(self.start.date())
        self.dose = QtWidgets.QDoubleSpinBox(decimals=1, minimum=0.0, maximum=200.0, suffix=" Gy")
        self.dose.setSpecialValueText("unknown")
        self.dose.setValue(lesion.sbrt_dose_gy or 0.0)
        self.fractions = QtWidgets.QSpinBox(minimum=0, maximum=50)
        self.fractions.setSpecialValueText("unknown")
        self.fractions.setValue(lesion.sbrt_fractions or 0)
        form = QtWidgets.QFormLayout()
        form.addRow("First day", self.start)
        form.addRow(self.has_end, self.end)
        form.addRow("Total dose", self.dose)
        form.addRow("Fractions", self.fractions)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        note = QtWidgets.QLabel("Irradiated lesions form the in-field subset; the others are out of field "
                                "(abscopal), reported beside the protocol response.")
        note.setWordWrap(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def values(self) -> dict[str, Any]:
        """``flag_irradiated`` keyword arguments from the fields."""
        return {"sbrt_start": self.start.date().toPython(),
                "sbrt_end": self.end.date().toPython() if self.has_end.isChecked() else None,
                "dose_gy": self.dose.value() or None, "fractions": self.fractions.value() or None}


class LesionPanel(QtWidgets.QWidget):
    """Lesions × time points of one read, with editors that emit requests.

    Signals
    -------
    lesion_activated(str lesion_uid, str timepoint_uid)
        Enter or double click on a cell (a fixed column gives ``""``: the time point shown).
    add_lesion_requested(str role)
        ``"TARGET"``, ``"NON-TARGET"`` or ``"NEW"``.
    lesion_edit_requested(str lesion_uid, dict changes)
        Keyword arguments of ``ReadSession.edit_lesion`` (label, organ, nodal, role, previously_irradiated).
    irradiation_edit_requested(str lesion_uid, bool irradiated, dict sbrt)
        Keyword arguments of ``ReadSession.flag_irradiated`` (sbrt_start, sbrt_end, dose_gy, fractions).
    status_requested(str lesion_uid, str timepoint_uid, str status_or_empty, bool radiation_induced, str reason)
        A :class:`~recist_app.model.records.Status` value, or "" for "measured, no status"; ``reason``
        says why a lesion is not assessed (asked with :attr:`LesionPanel.ask_reason`).
    delete_lesion_requested(str lesion_uid)
    """

    lesion_activated = QtCore.Signal(str, str)
    add_lesion_requested = QtCore.Signal(str)
    lesion_edit_requested = QtCore.Signal(str, object)
    irradiation_edit_requested = QtCore.Signal(str, bool, object)
    status_requested = QtCore.Signal(str, str, str, bool, str)
    delete_lesion_requested = QtCore.Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = LesionGridModel(self)
        self.table = FrozenColumnTableView(self)
        self.table.setModel(self.model)
        self.table.setItemDelegate(LesionEditorDelegate(self.model, self.table))
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setDefaultAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.table.setContextMenuPolicy(QtCore.Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._on_context_menu_requested)
        self.table.activated.connect(self._on_cell_activated)
        self.model.edit_requested.connect(self.lesion_edit_requested)
        self.model.irradiated_toggled.connect(self._on_irradiated_toggled)
        self.findings_label = QtWidgets.QLabel(self)
        self.findings_label.setWordWrap(True)
        self.findings_label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.findings_label.setStyleSheet("QLabel { background-color: rgba(230, 160, 40, 60); "
                                          "border-left: 3px solid rgb(230, 160, 40); padding: 4px 8px; }")
        self.findings_label.hide()
        self.add_buttons: dict[str, QtWidgets.QPushButton] = {}
        bar = QtWidgets.QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        for role, text in (("TARGET", "Add target"), ("NON-TARGET", "Add non-target"), ("NEW", "Add new lesion")):
            button = QtWidgets.QPushButton(text, self)
            button.clicked.connect(lambda _=False, r=role: self.add_lesion_requested.emit(r))
            self.add_buttons[role] = button
            bar.addWidget(button)
        bar.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.findings_label)
        layout.addWidget(self.table, 1)
        self._read_only = False
        #: Asks why a lesion is not assessed: ``(label, current reason) -> reason or None`` (cancelled).
        self.ask_reason: Callable[[str, str], str | None] = self._ask_reason

    # -- content ------------------------------------------------------------------------------
    def set_read(self, snapshot: ReadSnapshot, report: ReadReport | None, *, read_only: bool = False) -> None:
        """Show ``snapshot`` with ``report``'s findings; keep the selected cell (ARCHITECTURE §1.3 step 6)."""
        key = self.current_key()
        selection = self.table.selectionModel()
        self.table.blockSignals(True)
        selection.blockSignals(True)
        try:
            self._read_only = read_only
            self.model.set_read(snapshot, report, read_only)
            self.table.clearSpans()
            for row, grid_row in enumerate(self.model.rows):
                if grid_row.lesion is None:
                    self.table.setSpan(row, 0, 1, self.model.columnCount())
            self._restore(key)
        finally:
            selection.blockSignals(False)
            self.table.blockSignals(False)
        for button in self.add_buttons.values():
            button.setEnabled(not read_only)
        findings = self.model.read_findings()
        self.findings_label.setText("\n".join(f"⚠ {f.message}" for f in findings))
        self.findings_label.setVisible(bool(findings))
        self._fit_columns()

    @property
    def read_only(self) -> bool:
        """True when editing is off (signed time points, adjudicator's view)."""
        return self._read_only

    def current_key(self) -> tuple[str, str]:
        """``(lesion_uid, timepoint_uid)`` of the current cell (``""`` parts where none)."""
        index = self.table.currentIndex()
        key = index.data(KEY_ROLE) if index.isValid() else None
        return key if key else ("", "")

    def select(self, lesion_uid: str, timepoint_uid: str = "") -> None:
        """Make the cell of a lesion (and time point) current, e.g. after a caliper was selected."""
        self._restore((lesion_uid, timepoint_uid))

    def _restore(self, key: tuple[str, str]) -> None:
        row = self.model.row_of(key[0])
        if row < 0:
            return
        column = self.model.column_of(key[1]) if key[1] else LABEL
        index = self.model.index(row, column if column >= 0 else LABEL)
        self.table.setCurrentIndex(index)

    def _fit_columns(self) -> None:
        header = self.table.horizontalHeader()
        self.table.resizeColumnsToContents()
        self.table.resizeRowsToContents()
        for column in range(self.model.columnCount()):
            width = header.sectionSize(column) + (12 if column in (LABEL, ORGAN, ROLE) else 4)
            header.resizeSection(column, max(width, 78 if column >= FIRST_TIMEPOINT else 0))
        self.table.sync_frozen()

    # -- activation and menus -----------------------------------------------------------------
    def _on_cell_activated(self, index: QtCore.QModelIndex) -> None:
        lesion = self.model.lesion_at(index.row())
        if lesion is None:
            return
        tp = self.model.timepoint_at(index.column())
        if tp is not None and self.model.is_before_first(lesion, tp):
            return
        self.lesion_activated.emit(lesion.uid, tp.uid if tp else "")  # a fixed column: the time point shown

    def _on_context_menu_requested(self, pos: QtCore.QPoint) -> None:
        menu = self.context_menu(self.table.indexAt(pos))
        if menu is not None:
            menu.exec(self.table.viewport().mapToGlobal(pos))
            menu.deleteLater()

    def context_menu(self, index: QtCore.QModelIndex) -> QtWidgets.QMenu | None:
        """The menu of a cell (built, not shown; actions carry object names such as ``status:DISAPPEARED``)."""
        lesion = self.model.lesion_at(index.row()) if index.isValid() else None
        menu = QtWidgets.QMenu(self)
        if lesion is None:
            if self._read_only:
                return None
            self._add_lesion_actions(menu)
            return menu
        tp = self.model.timepoint_at(index.column())
        menu.addSection(f"{lesion.label} · {ROLE_TEXT[lesion.role]}")
        _action(menu, "Go to lesion", "activate", lambda: self._on_cell_activated(self.model.index(index.row(),
                                                                                                  index.column())))
        if self._read_only:
            return menu
        if tp is not None and not self.model.is_before_first(lesion, tp):
            self._status_menu(menu.addMenu(f"Status at {tp.visit}"), lesion, tp.uid)
        menu.addSeparator()
        self._lesion_actions(menu, lesion)
        menu.addSeparator()
        self._add_lesion_actions(menu)
        return menu

    def _status_menu(self, menu: QtWidgets.QMenu, lesion: Lesion, timepoint_uid: str) -> None:
        state = self.model.state(lesion.uid, timepoint_uid)
        current = state.status if state is not None else None
        induced = state.radiation_induced if state is not None else False
        reason = state.reason if state is not None else ""

        def emit(status: str, radiation_induced: bool, ask: bool = True) -> None:
            why = reason if status == Status.NOT_ASSESSED.value else ""
            if status == Status.NOT_ASSESSED.value and ask:
                asked = self.ask_reason(lesion.label, reason)
                if asked is None:
                    return  # cancelled: nothing is stated
                why = asked
            self.status_requested.emit(lesion.uid, timepoint_uid, status, radiation_induced, why)

        group = QtGui.QActionGroup(menu)
        measured = _action(menu, "Measured (no status)", "status:", lambda: emit("", induced), checked=current is None)
        group.addAction(measured)
        allowed = STATUSES_BY_ROLE[lesion.role]
        for status, text in STATUS_MENU:
            if status in allowed:
                group.addAction(_action(menu, text + ("…" if status is Status.NOT_ASSESSED else ""),
                                        f"status:{status.value}", partial(emit, status.value, induced),
                                        checked=status is current))
        menu.addSeparator()
        mark = _action(menu, "Radiation-induced change (RULES §7 A9)", "radiation_induced",
                       lambda: emit(current.value if current else "", not induced, ask=False), checked=induced)
        mark.setEnabled(lesion.irradiated or lesion.previously_irradiated)

    def _ask_reason(self, label: str, reason: str) -> str | None:
        text, ok = QtWidgets.QInputDialog.getText(
            self, "Not assessed", f"Why is {label} not assessed at this time point (e.g. not in the field of view, "
            "artefact, image missing)?", text=reason)
        return text.strip() if ok and text.strip() else None

    def _lesion_actions(self, menu: QtWidgets.QMenu, lesion: Lesion) -> None:
        edit = self.lesion_edit_requested.emit
        roles = menu.addMenu("Role")
        for role in allowed_roles(lesion):
            _action(roles, ROLE_TEXT[role], f"role:{role.value}", partial(edit, lesion.uid, {"role": role.value}),
                    checked=role is lesion.role)
        self._organ_menu(menu.addMenu("Organ / site"), lesion)
        _action(menu, "Lymph node (short axis)", "nodal", lambda: edit(lesion.uid, {"nodal": not lesion.nodal}),
                checked=lesion.nodal)
        _action(menu, "Irradiated on study (SBRT)…", "irradiated", lambda: self.open_sbrt_dialog(lesion.uid),
                checked=lesion.irradiated)
        if lesion.irradiated:
            _action(menu, "Not irradiated on study", "not_irradiated",
                    lambda: self.irradiation_edit_requested.emit(lesion.uid, False, {}))
        _action(menu, "Previously irradiated (before the study)", "previously_irradiated",
                lambda: edit(lesion.uid, {"previously_irradiated": not lesion.previously_irradiated}),
                checked=lesion.previously_irradiated)
        _action(menu, "Rename…", "rename", lambda: self._ask_text(lesion, "Rename lesion", "Label", lesion.label,
                                                                    lambda text: {"label": text}))
        menu.addSeparator()
        _action(menu, f"Delete {lesion.label}", "delete", lambda: self.delete_lesion_requested.emit(lesion.uid))

    def _organ_menu(self, menu: QtWidgets.QMenu, lesion: Lesion) -> None:
        edit = self.lesion_edit_requested.emit
        for organ in organs.ORGANS:
            entries = [(organ.label if not organ.sites else f"{organ.label} (no site)", organ.name)]
            entries += [(organs.site_display(site), organs.location(organ.name, site)) for site in organ.sites]
            target = menu.addMenu(organ.label) if organ.sites else menu
            for label, text in entries:
                _action(target, label, f"organ:{text}", partial(edit, lesion.uid, organ_changes(lesion, text)),
                        checked=text == lesion.organ)
        menu.addSeparator()
        _action(menu, "Type…", "organ_text", lambda: self._ask_text(
            lesion, "Organ / site", "Location (ORGAN, SITE)", lesion.organ, lambda text: organ_changes(lesion, text)))

    def _add_lesion_actions(self, menu: QtWidgets.QMenu) -> None:
        for role, button in self.add_buttons.items():
            _action(menu, button.text(), f"add:{role}", partial(self.add_lesion_requested.emit, role))

    # -- dialogs (opened window-modal, never blocking: tests and the main window stay in control) --
    def _ask_text(self, lesion: Lesion, title: str, label: str, value: str,
                  changes: Callable[[str], dict[str, Any]]) -> QtWidgets.QInputDialog:
        dialog = QtWidgets.QInputDialog(self)
        dialog.setWindowTitle(title)
        dialog.setLabelText(label)
        dialog.setTextValue(value)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)

        def done(text: str) -> None:
            if text.strip() and text.strip() != value:
                self.lesion_edit_requested.emit(lesion.uid, changes(text.strip()))

        dialog.textValueSelected.connect(done)
        dialog.open()
        return dialog

    def open_sbrt_dialog(self, lesion_uid: str) -> SbrtDialog:
        """Ask for the SBRT course of a lesion; on OK emit ``irradiation_edit_requested(uid, True, …)``."""
        lesion = next(row.lesion for row in self.model.rows if row.lesion and row.lesion.uid == lesion_uid)
        snapshot = self.model.snapshot
        first = snapshot.timepoints[0].scan_date if snapshot and snapshot.timepoints else None
        dialog = SbrtDialog(lesion, first, self)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.irradiation_edit_requested.emit(lesion_uid, True, dialog.values()))
        dialog.open()
        return dialog

    def _on_irradiated_toggled(self, lesion_uid: str, irradiated: bool) -> None:
        if irradiated:
            self.open_sbrt_dialog(lesion_uid)
        else:
            self.irradiation_edit_requested.emit(lesion_uid, False, {})


def _date_edit(day: date) -> QtWidgets.QDateEdit:
    """A date field with a calendar pop-up, ISO format."""
    field = QtWidgets.QDateEdit(QtCore.QDate(day.year, day.month, day.day))
    field.setCalendarPopup(True)
    field.setDisplayFormat("yyyy-MM-dd")
    return field


def _action(menu: QtWidgets.QMenu, text: str, name: str, slot: Callable[[], object],
            checked: bool | None = None) -> QtGui.QAction:
    action = menu.addAction(text)
    action.setObjectName(name)
    if checked is not None:
        action.setCheckable(True)
        action.setChecked(checked)
    action.triggered.connect(lambda _=False: slot())
    return action

