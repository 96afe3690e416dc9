"""``WorklistPanel``: the reader's reads after login (issue "A worklist").

One row per subject the reader may read (:func:`recist_app.read.worklist.reader_worklist`):
subject, site, status, the visit to read next (blinded "TP2" for a blinded central reader, with
no date), time points signed out of those with images, and the due date (when the administrator set one). A
double-click or Enter on a row, or "Open next" (Ctrl+N, :func:`~recist_app.read.worklist.next_item`),
asks to open the read at its time point: :attr:`WorklistPanel.open_requested`. The panel only
shows the core's :class:`~recist_app.read.worklist.WorkItem` records; whoever owns it opens the read.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore, QtGui, QtWidgets

from recist_app.read.worklist import WorkItem, WorkStatus, next_item

HEADERS = ("Subject", "Site", "Status", "Next visit", "Time points", "Due")
HEADER_TIPS = ("Pseudonymised subject id", "Investigational site", "How far your read of the subject is",
               "The time point you read next (in your order; blinded reads show TP1, TP2 … without dates)",
               "Time points you signed / time points with images", "Due date (not recorded in this trial)")
SUBJECT_COLUMN, STATUS_COLUMN = 0, 2
#: Status text colours: quiet on the dark reading-room style (resources/style.qss greys and accent).
STATUS_COLOURS = {WorkStatus.NOT_STARTED: "#8b9097", WorkStatus.IN_PROGRESS: "#d9b36c",
                  WorkStatus.SIGNED: "#7fb685"}
STATUS_TEXT = {WorkStatus.NOT_STARTED: "Not started", WorkStatus.IN_PROGRESS: "In progress",
               WorkStatus.SIGNED: "Signed"}
MUTED_COLOUR = "#8b9097"
OPEN_NEXT_SHORTCUT = "Ctrl+N"
SUBJECT_ROLE = QtCore.Qt.ItemDataRole.UserRole


#: Below this width the Site and Time points columns are hidden (the dock beside the image).
NARROW_PX = 380
NARROW_HIDDEN = (1, 4)
DUE_COLUMN = 5


class WorklistPanel(QtWidgets.QWidget):
    """The reader's worklist: a table of :class:`WorkItem` and an "Open next" button.

    Signals
    -------
    open_requested(str subject_id, str timepoint_uid)
        Open the subject's read at this time point: the next one to read, else (a signed read) the
        last one; ``""`` when the subject has no images yet.
    """

    open_requested = QtCore.Signal(str, str)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("worklistPanel")
        self._items: tuple[WorkItem, ...] = ()
        self.summary = QtWidgets.QLabel("No reads")
        self.summary.setObjectName("worklistSummary")
        self.summary.setContentsMargins(6, 4, 6, 4)
        self.summary.setWordWrap(True)  # never widens the dock beside the image
        self.table = QtWidgets.QTableWidget(0, len(HEADERS))
        self.table.setObjectName("worklistTable")
        self.table.setHorizontalHeaderLabels(HEADERS)
        for column, tip in enumerate(HEADER_TIPS):
            header_item = self.table.horizontalHeaderItem(column)
            if header_item is not None:
                header_item.setToolTip(tip)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda index: self.open_row(index.row()))
        self.table.installEventFilter(self)
        self.open_next_button = QtWidgets.QPushButton(f"Open next ({OPEN_NEXT_SHORTCUT})")
        self.open_next_button.setObjectName("openNextButton")
        self.open_next_button.setShortcut(QtGui.QKeySequence(OPEN_NEXT_SHORTCUT))
        self.open_next_button.clicked.connect(self.open_next)
        buttons = QtWidgets.QHBoxLayout()
        buttons.setContentsMargins(6, 4, 6, 6)
        buttons.addStretch(1)
        buttons.addWidget(self.open_next_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._update_button()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        """In a narrow dock Site and Time points go (they are in the tooltips); Due stays when a date is set."""
        super().resizeEvent(event)
        for column in NARROW_HIDDEN:
            self.table.setColumnHidden(column, event.size().width() < NARROW_PX)

    # -- filling ---------------------------------------------------------------------------------
    @property
    def items(self) -> tuple[WorkItem, ...]:
        """The items shown, in row order."""
        return self._items

    def update_item(self, item: WorkItem) -> None:
        """Show ``item`` in place of the item of the same subject (nothing when the subject is not listed)."""
        if any(old.subject_id == item.subject_id for old in self._items):
            self.set_items([item if old.subject_id == item.subject_id else old for old in self._items])

    def set_items(self, items: Sequence[WorkItem]) -> None:
        """Show ``items`` (one row each, in their order); the next read to open becomes the current row."""
        self._items = tuple(items)
        self.table.setRowCount(len(self._items))
        for row, item in enumerate(self._items):
            for column, cell in enumerate(_cells(item)):
                self.table.setItem(row, column, cell)
        counts = {status: sum(1 for item in self._items if item.status is status) for status in WorkStatus}
        self.summary.setText(f"<b>{len(self._items)} subject{'s' if len(self._items) != 1 else ''}</b>"
                             f"<span style='color:{MUTED_COLOUR}'> · {counts[WorkStatus.IN_PROGRESS]} in progress · "
                             f"{counts[WorkStatus.NOT_STARTED]} not started · {counts[WorkStatus.SIGNED]} signed"
                             "</span>" if self._items else "No subjects to read")
        self.table.setColumnHidden(DUE_COLUMN, not any(item.due for item in self._items))  # no dates: no column
        nxt = next_item(self._items)
        if nxt is not None:
            self.table.selectRow(self._items.index(nxt))
        self._update_button()

    def _update_button(self) -> None:
        self.table.setColumnHidden(DUE_COLUMN, not any(item.due for item in self._items))  # no dates: no column
        nxt = next_item(self._items)
        self.open_next_button.setEnabled(nxt is not None)
        self.open_next_button.setToolTip(f"Open {nxt.subject_id} at {nxt.next_visit}" if nxt is not None
                                         else "Nothing left to read: every subject with images is signed")

    # -- opening ------------------------------------------------------------------------------------
    def open_next(self) -> bool:
        """Ask to open the next read (:func:`next_item`); False when nothing is left to read."""
        self.table.setColumnHidden(DUE_COLUMN, not any(item.due for item in self._items))  # no dates: no column
        nxt = next_item(self._items)
        if nxt is None:
            return False
        self.table.selectRow(self._items.index(nxt))
        self.open_requested.emit(nxt.subject_id, nxt.next_timepoint_uid or "")
        return True

    def open_row(self, row: int) -> bool:
        """Ask to open the read of row ``row`` at its time point (False for no such row)."""
        if not 0 <= row < len(self._items):
            return False
        item = self._items[row]
        self.open_requested.emit(item.subject_id, item.open_timepoint_uid or "")
        return True

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        """Enter or Return on the table opens the current row."""
        if watched is self.table and event.type() == QtCore.QEvent.Type.KeyPress \
                and isinstance(event, QtGui.QKeyEvent) \
                and event.key() in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter):
            return self.open_row(self.table.currentRow())
        return super().eventFilter(watched, event)


def _cells(item: WorkItem) -> list[QtWidgets.QTableWidgetItem]:
    """The row of an item: subject, site, status, next visit, time points, due."""
    if item.next_timepoint_uid is not None:
        date_text = f" · {item.next_scan_date.isoformat()}" if item.next_scan_date else ""
        visit, visit_tip = f"{item.next_visit}{date_text}", f"Read {item.next_visit} next"
    elif item.timepoints:
        visit, visit_tip = "all signed", "Every time point with images is signed; opening shows the last one"
    else:
        visit, visit_tip = "no images yet", "No time point of this subject has images yet"
    due = item.due.isoformat() if item.due else "—"
    texts = (item.subject_id, item.site, STATUS_TEXT[item.status], visit, f"{item.signed} / {item.timepoints} signed",
             due)
    tips = (item.subject_id, f"Site {item.site}", _status_tip(item), visit_tip,
            f"{item.signed} of {item.timepoints} time points with images signed",
            "The date by which this read is due" if item.due else "No due date was set for this read")
    cells = []
    for text, tip in zip(texts, tips, strict=True):
        cell = QtWidgets.QTableWidgetItem(text)
        cell.setToolTip(tip)
        cell.setData(SUBJECT_ROLE, item.subject_id)
        cells.append(cell)
    cells[STATUS_COLUMN].setForeground(QtGui.QBrush(QtGui.QColor(STATUS_COLOURS[item.status])))
    if item.next_timepoint_uid is None:
        cells[3].setForeground(QtGui.QBrush(QtGui.QColor(MUTED_COLOUR)))
    if item.due is None:
        cells[5].setForeground(QtGui.QBrush(QtGui.QColor(MUTED_COLOUR)))
    bold = cells[SUBJECT_COLUMN].font()
    bold.setBold(True)
    cells[SUBJECT_COLUMN].setFont(bold)
    return cells


def _status_tip(item: WorkItem) -> str:
    if item.status is WorkStatus.SIGNED:
        return "Every time point with images is signed"
    if item.status is WorkStatus.IN_PROGRESS:
        return "Started: some time points are not signed yet"
    return "Not started: no lesion recorded yet" if item.read_uid else "Not started: you have not opened this read"
