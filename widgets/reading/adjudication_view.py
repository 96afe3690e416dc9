"""``AdjudicationView``: the adjudicator's tasks and both central reads of one, side by side (issue "A worklist").

At the top the adjudicator's worklist (:func:`recist_app.read.worklist.adjudication_worklist`):
one row per task, open first. Below, the current task: what the reads disagree on, then one
column per read (reader 1 | reader 2) with its best overall response, its lesions and, per time
point, the sum of diameters and the RECIST 1.1 category, the time point where the reads part
highlighted. The adjudicator gives a reason and accepts one read; the decision is signed with
the password (:class:`~widgets.dialogs.sign.SignDialog`) and stored by
:meth:`AdjudicationSession.resolve` through the error boundary. Every figure comes from the core's
:class:`~recist_app.read.worklist.TaskItem`; the view computes nothing.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6 import QtCore, QtGui, QtWidgets

from recist_app.model.records import AdjudicationTask, Reader
from recist_app.read.worklist import ReadSide, TaskItem, adjudication_worklist
from recist_app.store import TrialStore
from recist_app.store.errors import SignatureError
from widgets.dialogs.sign import SignDialog
from widgets.error_display import show_errors
from widgets.panels.response_table import category_tint

#: The parting time point's row: a quiet amber, like the lock bar (widgets/reading/lock_bar.py).
PARTING_TINT = QtGui.QColor(217, 179, 108, 70)
MUTED_COLOUR = "#8b9097"
SIDE_NAMES = ("Reader 1", "Reader 2")
#: The task list shows up to this many rows before it scrolls (the comparison keeps the room).
TASK_ROWS_SHOWN = 4
NOTE = ("Your decision is final: the accepted read is flagged in the exports, and the decision, its reason and "
        "your signature are recorded in the audit trail.")


class AdjudicationView(QtWidgets.QWidget):
    """The adjudicator's tasks and the comparison of one.

    Parameters
    ----------
    store : TrialStore
    adjudicator : Reader
        The logged-in adjudicator (the store refuses any other role).

    Signals
    -------
    resolved(str task_uid)
        A read of the task was accepted (the view has already reloaded the tasks).
    """

    resolved = QtCore.Signal(str)

    def __init__(self, store: TrialStore, adjudicator: Reader, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("adjudicationView")
        self._store, self._adjudicator = store, adjudicator
        self._session = store.adjudicator_session(adjudicator.uid)
        self._items: tuple[TaskItem, ...] = ()
        self.tasks = _table(("Subject", "State", "Disagreement"), "adjudicationTasks")
        self.tasks.horizontalHeader().setSectionResizeMode(2, QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.tasks.currentCellChanged.connect(lambda row, *_: self._show(row))
        self.heading = QtWidgets.QLabel()
        self.heading.setObjectName("adjudicationHeading")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.columns = (_ReadColumn(SIDE_NAMES[0]), _ReadColumn(SIDE_NAMES[1]))
        sides = QtWidgets.QHBoxLayout()
        sides.setSpacing(8)
        for column in self.columns:
            sides.addWidget(column, 1)
        self.reason_edit = QtWidgets.QLineEdit()
        self.reason_edit.setObjectName("adjudicationReason")
        self.reason_edit.setPlaceholderText("Why this read is accepted (required, audited), e.g. "
                                            "'the new liver lesion at TP2 is real'")
        self.reason_edit.textChanged.connect(self._update_buttons)
        self.accept_buttons = tuple(QtWidgets.QPushButton(f"Accept {name.lower()}'s read") for name in SIDE_NAMES)
        for side, button in enumerate(self.accept_buttons):
            button.setObjectName(f"acceptRead{side + 1}")
            button.clicked.connect(lambda _checked=False, side=side: self.accept_read(side))
        self.note = QtWidgets.QLabel(NOTE)
        self.note.setObjectName("placeholderLabel")
        self.note.setWordWrap(True)
        decision = QtWidgets.QHBoxLayout()
        decision.addWidget(QtWidgets.QLabel("Reason"))
        decision.addWidget(self.reason_edit, 1)
        for button in self.accept_buttons:
            decision.addWidget(button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.tasks)
        layout.addWidget(self.heading)
        layout.addLayout(sides, 1)
        layout.addLayout(decision)
        layout.addWidget(self.note)
        self._show(-1)

    # -- filling ---------------------------------------------------------------------------------
    @property
    def items(self) -> tuple[TaskItem, ...]:
        """The tasks shown, in row order."""
        return self._items

    @property
    def current(self) -> TaskItem | None:
        """The task shown below the list."""
        row = self.tasks.currentRow()
        return self._items[row] if 0 <= row < len(self._items) else None

    def refresh(self) -> None:
        """Reload the tasks from the store, keeping the current one."""
        with show_errors("Could not load the adjudication tasks", self):
            self.set_items(adjudication_worklist(self._store, self._adjudicator))

    def set_items(self, items: Sequence[TaskItem]) -> None:
        """Show ``items`` (open first, as the core orders them); the current task stays, else the first."""
        keep = self.current.task.uid if self.current is not None else None
        self._items = tuple(items)
        self.tasks.blockSignals(True)
        self.tasks.setRowCount(len(self._items))
        for row, item in enumerate(self._items):
            state = "open" if item.is_open else f"resolved: {SIDE_NAMES[item.accepted_side or 0].lower()} accepted"
            for column, text in enumerate((item.subject_id, state, item.comparison.disagreement)):
                cell = QtWidgets.QTableWidgetItem(text)
                cell.setToolTip(text)
                if not item.is_open:
                    cell.setForeground(QtGui.QBrush(QtGui.QColor(MUTED_COLOUR)))
                self.tasks.setItem(row, column, cell)
        uids = [item.task.uid for item in self._items]
        row = uids.index(keep) if keep in uids else (0 if self._items else -1)
        self.tasks.setCurrentCell(row, 0)
        self.tasks.blockSignals(False)
        _fit_rows(self.tasks, TASK_ROWS_SHOWN)
        self._show(row)

    def set_item(self, item: TaskItem) -> None:
        """Show one task (the list then holds it alone)."""
        self.set_items((item,))

    def _show(self, row: int) -> None:
        item = self._items[row] if 0 <= row < len(self._items) else None
        if item is None:
            self.heading.setText(f"<span style='color:{MUTED_COLOUR}'>No adjudication task: the central reads "
                                 "agree, or are not both signed yet.</span>")
            for column in self.columns:
                column.clear()
            self.reason_edit.clear()
            self._update_buttons()
            return
        comparison = item.comparison
        self.heading.setText(_heading(item))
        for side, column in enumerate(self.columns):
            column.show_side(comparison.sides[side], comparison.parting_timepoint_uid,
                             accepted=item.accepted_side == side)
        self.reason_edit.setText("" if item.is_open else item.task.reason)
        self.reason_edit.setReadOnly(not item.is_open)
        self._update_buttons()

    def _update_buttons(self) -> None:
        item = self.current
        ready = item is not None and item.is_open and bool(self.reason_edit.text().strip())
        for button in self.accept_buttons:
            button.setEnabled(ready)
            button.setToolTip("" if ready else "Give the reason first" if item is not None and item.is_open
                              else "No open task")

    # -- the decision -----------------------------------------------------------------------------
    def accept_read(self, side: int, password: str | None = None) -> bool:
        """Accept read ``side`` (0: reader 1, 1: reader 2) of the current task with the reason typed.

        Without ``password`` the adjudicator signs in :class:`SignDialog` (a wrong password is
        retried there). The store checks the password again and records the decision; its errors
        are shown through :func:`~widgets.error_display.show_errors`. True when the task was resolved.
        """
        item, reason = self.current, self.reason_edit.text().strip()
        if item is None or not item.is_open or not reason:
            return False
        read = item.comparison.sides[side]
        if password is None:
            password = self._ask_signature(item, side, read)
            if password is None:
                return False
        task: AdjudicationTask | None = None
        with show_errors("Could not accept the read", self):
            task = self._session.resolve(item.task.uid, read.read_uid, reason, password)
        if task is None:
            return False
        self.refresh()
        self.resolved.emit(task.uid)
        return True

    def _ask_signature(self, item: TaskItem, side: int, read: ReadSide) -> str | None:
        summary = (f"Accept {SIDE_NAMES[side].lower()}'s read ({html.escape(read.reader_name)}): best overall "
                   f"response {read.best_response}.<br>Reason: {html.escape(self.reason_edit.text().strip())}")
        dialog = SignDialog(self._adjudicator.name, item.subject_id, "the adjudication", summary, self,
                            verify=self._password_check)
        dialog.setObjectName("adjudicationSignDialog")
        dialog.setWindowTitle("Sign adjudication")
        dialog.meaning_edit.setPlainText(f"I accept {SIDE_NAMES[side].lower()}'s read as the assessment of "
                                         f"subject {item.subject_id}, for the reason given.")
        dialog.meaning_edit.setReadOnly(True)  # the decision and its reason are what is recorded
        note = dialog.findChild(QtWidgets.QLabel, "placeholderLabel")
        if note is not None:
            note.setText(NOTE)
        if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return None
        return dialog.password

    def _password_check(self, password: str) -> bool:
        """The store's password check of the adjudicator (a wrong password is retried in the dialog)."""
        try:
            return self._store.authenticate(self._adjudicator.uid, password).uid == self._adjudicator.uid
        except SignatureError:
            return False


class _ReadColumn(QtWidgets.QGroupBox):
    """One read: who, best overall response and PD, its lesions, and its time points."""

    def __init__(self, title: str) -> None:
        super().__init__(title)
        self.title_text = title
        self.summary = QtWidgets.QLabel()
        self.summary.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.lesions = _table(("Lesion", "Role", "Organ / site"), "adjudicationLesions")
        self.lesions.horizontalHeader().setSectionResizeMode(2, QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.timepoints = _table(("Time point", "Sum mm", "RECIST 1.1"), "adjudicationTimepoints")
        self.timepoints.horizontalHeader().setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Stretch)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.lesions, 1)
        layout.addWidget(self.timepoints, 1)

    def clear(self) -> None:
        self.setTitle(self.title_text)
        self.summary.clear()
        self.lesions.setRowCount(0)
        self.timepoints.setRowCount(0)

    def show_side(self, side: ReadSide, parting_uid: str | None, *, accepted: bool) -> None:
        self.setTitle(f"{self.title_text} · {side.reader_name}" + (" · accepted" if accepted else ""))
        pd = f"PD at {side.pd_visit}" if side.pd_visit else "no progression"
        self.summary.setText(f"Best overall response <b>{side.best_response}</b> · {html.escape(pd)} · "
                             f"{len(side.lesions)} lesion{'s' if len(side.lesions) != 1 else ''}")
        self.lesions.setRowCount(len(side.lesions))
        for row, lesion in enumerate(side.lesions):
            organ = f"{lesion.organ} (node)" if lesion.nodal else lesion.organ
            for column, text in enumerate((lesion.label, lesion.role.value, organ)):
                self.lesions.setItem(row, column, QtWidgets.QTableWidgetItem(text))
        self.timepoints.setRowCount(len(side.timepoints))
        for row, verdict in enumerate(side.timepoints):
            parting = verdict.timepoint_uid == parting_uid
            visit = f"{verdict.visit}  ◀ the reads part here" if parting else verdict.visit
            total = "—" if verdict.sum_mm is None else str(verdict.sum_mm)
            category = verdict.category or ("baseline" if verdict.is_baseline else "—")
            cells = [QtWidgets.QTableWidgetItem(text) for text in (visit, total, category)]
            cells[1].setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
            tint = category_tint(verdict.category)
            if tint is not None:
                cells[2].setBackground(QtGui.QBrush(tint))
            if not verdict.category:
                cells[2].setForeground(QtGui.QBrush(QtGui.QColor(MUTED_COLOUR)))
            if parting:
                for cell in cells:
                    font = cell.font()
                    font.setBold(True)
                    cell.setFont(font)
                    cell.setToolTip("The first time point where the two reads' RECIST 1.1 categories differ")
                for cell in cells if tint is None else cells[:2]:  # a category chip keeps its colour
                    cell.setBackground(QtGui.QBrush(PARTING_TINT))
            for column, cell in enumerate(cells):
                self.timepoints.setItem(row, column, cell)


def _heading(item: TaskItem) -> str:
    """Subject, state and what the reads disagree on; where they part, in words."""
    comparison = item.comparison
    parts = [f"<b>{html.escape(item.subject_id)}</b> · {html.escape(comparison.disagreement or 'the reads disagree')}"]
    if comparison.parting_timepoint_uid is not None:
        one, two = (side.verdict(comparison.parting_timepoint_uid).category for side in comparison.sides)
        parts.append(f"The reads part at <b>{html.escape(comparison.parting_visit or '')}</b>: {one} (reader 1) vs "
                     f"{two} (reader 2).")
    else:
        parts.append("The time-point categories agree; the reads part on the best overall response.")
    if not item.is_open:
        parts.append(f"<span style='color:{MUTED_COLOUR}'>Resolved: "
                     f"{SIDE_NAMES[item.accepted_side or 0].lower()}'s read accepted "
                     f"({html.escape(item.task.reason)}).</span>")
    return "<br>".join(parts)


def _table(headers: tuple[str, ...], name: str) -> QtWidgets.QTableWidget:
    table = QtWidgets.QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
    return table


def _fit_rows(table: QtWidgets.QTableWidget, rows: int) -> None:
    """Make ``table`` as tall as its header and ``rows`` rows (at least one), then scroll."""
    shown = max(1, min(rows, table.rowCount()))
    row_height = table.verticalHeader().defaultSectionSize()
    table.setFixedHeight(table.horizontalHeader().sizeHint().height() + shown * row_height + 2 * table.frameWidth())
