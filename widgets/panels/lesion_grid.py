"""``LesionGridModel``: the lesions × time points grid of a read, as a read-only Qt model.

VIEWER.md "Comparing timepoints": every lesion × time point with its value, status and change,
and whether it is irradiated. Rows are lesions grouped by role (targets, non-targets, new
lesions) under a title row; columns are label, organ / site, role, node, irradiated on study,
previously irradiated, then one column per time point of the snapshot (the reader's order,
blinded labels included). The texts come from :mod:`widgets.panels.lesion_cells`.

The model never changes a record (ARCHITECTURE C12): an edit through a delegate or a check box
only emits :attr:`LesionGridModel.edit_requested` / :attr:`LesionGridModel.irradiated_toggled`;
the main window applies it through ``ReadSession`` and calls ``set_read`` again.
"""

from __future__ import annotations

from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from assessment.domain import Finding
from assessment.read_report import ReadReport
from recist_app.model.records import (
    Lesion,
    LesionRole,
    LesionState,
    ReadSnapshot,
    Timepoint,
)
from widgets.panels import organs
from widgets.panels.frozen_table import anchored_option
from widgets.panels.lesion_cells import (
    ROLE_TEXT,
    Cell,
    GridRow,
    ReadIndex,
    allowed_roles,
    edit_changes,
    group_rows,
    sbrt_text,
    timepoint_header,
)
from widgets.viewer.calipers import role_colour

LABEL, ORGAN, ROLE, NODAL, IRRADIATED, PREVIOUSLY, FIRST_TIMEPOINT = range(7)
HEADERS = ("Lesion", "Organ / site", "Role", "Node", "SBRT", "Prior RT")
HEADER_TIPS = ("Label and role colour (⚠: a baseline finding)", "Organ and site (TULOC)", "RECIST 1.1 / iRECIST role",
               "Lymph node: the short axis counts (RECIST 1.1 §4.2)",
               "Irradiated on study (in field): dose / fractions; dates in the tooltip",
               "Previously irradiated, before the study (RULES §1.1)")
_EDITED = {LABEL: "label", ORGAN: "organ", ROLE: "role"}
#: Translucent tints: readable under the palette's own text colour on a dark or a light style.
WARNING_TINT = QtGui.QColor(230, 160, 40, 70)
GROUP_TINT = QtGui.QColor(128, 128, 128, 40)
MUTED = QtGui.QColor(128, 132, 138)
#: Item data role holding ``(lesion_uid, timepoint_uid)`` of a cell ("" where none applies).
KEY_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1
#: The invisible root index (default parent of the table model queries).
_ROOT = QtCore.QModelIndex()


class LesionGridModel(QtCore.QAbstractTableModel):
    """Lesions × time points of one read; edits are requests, never writes (see module doc).

    Signals
    -------
    edit_requested(str lesion_uid, dict changes)
        Keys as ``ReadSession.edit_lesion`` takes them (label, organ, nodal, role, previously_irradiated).
    irradiated_toggled(str lesion_uid, bool irradiated)
        The SBRT check box was clicked (the panel asks for the course).
    """

    edit_requested = QtCore.Signal(str, object)
    irradiated_toggled = QtCore.Signal(str, bool)

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.snapshot: ReadSnapshot | None = None
        self.report: ReadReport | None = None
        self.read_only = False
        self.rows: list[GridRow] = []
        self._index: ReadIndex | None = None

    # -- content ------------------------------------------------------------------------------
    def set_read(self, snapshot: ReadSnapshot, report: ReadReport | None, read_only: bool) -> None:
        """Rebuild from a snapshot and its report (model reset)."""
        self.beginResetModel()
        self.snapshot, self.report, self.read_only = snapshot, report, read_only
        self.rows = group_rows(snapshot.lesions)
        self._index = ReadIndex(snapshot, report)
        self.endResetModel()

    def read_findings(self) -> tuple[Finding, ...]:
        """Baseline findings not tied to one lesion of the grid (shown above it)."""
        return self._index.read_findings if self._index else ()

    def lesion_findings(self, lesion_uid: str) -> tuple[Finding, ...]:
        """Baseline findings on one lesion (shown on its row)."""
        return self._index.lesion_findings(lesion_uid) if self._index else ()

    def lesion_at(self, row: int) -> Lesion | None:
        """The lesion of a row (None for a title row or out of range)."""
        return self.rows[row].lesion if 0 <= row < len(self.rows) else None

    def timepoint_at(self, column: int) -> Timepoint | None:
        """The time point of a column (None for the fixed columns)."""
        if self.snapshot is None or not FIRST_TIMEPOINT <= column < FIRST_TIMEPOINT + len(self.snapshot.timepoints):
            return None
        return self.snapshot.timepoints[column - FIRST_TIMEPOINT]

    def row_of(self, lesion_uid: str) -> int:
        """Row of a lesion, -1 when absent."""
        return next((n for n, row in enumerate(self.rows) if row.lesion and row.lesion.uid == lesion_uid), -1)

    def column_of(self, timepoint_uid: str) -> int:
        """Column of a time point, -1 when absent."""
        order = self._index.order if self._index else {}
        return FIRST_TIMEPOINT + order[timepoint_uid] if timepoint_uid in order else -1

    def state(self, lesion_uid: str, timepoint_uid: str) -> LesionState | None:
        """The reader's stated status of a lesion at a time point, if any."""
        return self._index.state(lesion_uid, timepoint_uid) if self._index else None

    def is_before_first(self, lesion: Lesion, tp: Timepoint) -> bool:
        """True for time points before a new lesion appeared (nothing to record there)."""
        return self._index.is_before_first(lesion, tp) if self._index else False

    def cell(self, lesion: Lesion, tp: Timepoint) -> Cell:
        """What the cell of ``lesion`` at ``tp`` shows (see :meth:`ReadIndex.cell`)."""
        assert self._index is not None
        return self._index.cell(lesion, tp)

    # -- Qt model interface ---------------------------------------------------------------------
    def rowCount(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = _ROOT) -> int:
        if parent.isValid() or self.snapshot is None:
            return 0
        return FIRST_TIMEPOINT + len(self.snapshot.timepoints)

    def headerData(self, section: int, orientation: QtCore.Qt.Orientation, role: int = 0) -> Any:
        if orientation != QtCore.Qt.Orientation.Horizontal:
            return None
        tp = self.timepoint_at(section)
        if role == QtCore.Qt.ItemDataRole.DisplayRole:
            return timepoint_header(tp) if tp else HEADERS[section] if section < len(HEADERS) else None
        if role == QtCore.Qt.ItemDataRole.ToolTipRole:
            if tp is None:
                return HEADER_TIPS[section] if section < len(HEADER_TIPS) else None
            return f"{tp.visit}{' (baseline)' if tp.is_baseline else ''}: value in mm or the reader's status"
        return None

    def flags(self, index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> QtCore.Qt.ItemFlag:
        flag = QtCore.Qt.ItemFlag
        lesion = self.lesion_at(index.row())
        if lesion is None:
            return flag.ItemIsEnabled
        flags = flag.ItemIsEnabled | flag.ItemIsSelectable
        if self.read_only:
            return flags
        if index.column() in (LABEL, ORGAN, ROLE):
            flags |= flag.ItemIsEditable
        elif index.column() in (NODAL, IRRADIATED, PREVIOUSLY):
            flags |= flag.ItemIsUserCheckable
        return flags

    def data(self, index: QtCore.QModelIndex | QtCore.QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        row, column, R = self.rows[index.row()], index.column(), QtCore.Qt.ItemDataRole
        if row.lesion is None:
            return self._title_data(row.title, column, role)
        lesion = row.lesion
        if role == KEY_ROLE:
            tp = self.timepoint_at(column)
            return (lesion.uid, tp.uid if tp else "")
        tp = self.timepoint_at(column)
        if tp is not None:
            return self._cell_data(self.cell(lesion, tp), role)
        if role == R.CheckStateRole and column in (NODAL, IRRADIATED, PREVIOUSLY):
            on = (lesion.nodal, lesion.irradiated, lesion.previously_irradiated)[column - NODAL]
            return QtCore.Qt.CheckState.Checked if on else QtCore.Qt.CheckState.Unchecked
        return self._lesion_data(lesion, column, role)

    def _title_data(self, title: str, column: int, role: int) -> Any:
        R = QtCore.Qt.ItemDataRole
        if role == R.DisplayRole and column == LABEL:
            return title
        if role == R.FontRole:
            font = QtGui.QFont()
            font.setBold(True)
            return font
        if role == R.BackgroundRole:
            return QtGui.QBrush(GROUP_TINT)
        return None

    def _lesion_data(self, lesion: Lesion, column: int, role: int) -> Any:
        R = QtCore.Qt.ItemDataRole
        findings = self.lesion_findings(lesion.uid)
        if role in (R.DisplayRole, R.EditRole):
            if column == LABEL:
                return lesion.label
            if column == ORGAN:
                return organs.display(lesion.organ) if role == R.DisplayRole and lesion.organ else lesion.organ
            if column == ROLE:
                return ROLE_TEXT[lesion.role] if role == R.DisplayRole else lesion.role.value
            if column == IRRADIATED:
                return sbrt_text(lesion)[0]
            return None
        if role == R.ToolTipRole:
            if column == LABEL:
                tip = f"{lesion.label}: {ROLE_TEXT[lesion.role]}, {lesion.organ or 'organ not set'}"
                return tip + "".join(f"\n⚠ {f.message}" for f in findings)
            if column == ORGAN:
                return lesion.organ or "Organ not set"
            if column == ROLE and lesion.role is LesionRole.NEW:
                return ("New lesion: iRECIST takes it as a new-lesion target when measurable (at most 5, 2 per "
                        "organ), else a non-target; the response rationale names each (RULES §2.2)")
            if column == NODAL:
                return "Lymph node: measured on the short axis (RECIST 1.1 §4.2)" if lesion.nodal else "Not a node"
            if column == IRRADIATED:
                return sbrt_text(lesion)[1]
            if column == PREVIOUSLY:
                return "In a field irradiated before the study (RULES §1.1)" if lesion.previously_irradiated \
                    else "Not previously irradiated"
        if role == R.DecorationRole and column == LABEL:
            return _warning_icon() if findings else _swatch(lesion.role)
        if role == R.BackgroundRole and column == LABEL and findings:
            return QtGui.QBrush(WARNING_TINT)
        return None

    def _cell_data(self, cell: Cell, role: int) -> Any:
        R = QtCore.Qt.ItemDataRole
        if role == R.DisplayRole:
            return cell.text
        if role == R.ToolTipRole:
            return cell.tooltip
        if role == R.TextAlignmentRole:
            return int(QtCore.Qt.AlignmentFlag.AlignCenter)
        if role == R.ForegroundRole and cell.muted:
            return QtGui.QBrush(MUTED)
        if role == R.BackgroundRole and cell.warning:
            return QtGui.QBrush(WARNING_TINT)
        if role == R.DecorationRole and cell.warning:
            return _warning_icon()
        return None

    def setData(self, index: QtCore.QModelIndex | QtCore.QPersistentModelIndex, value: Any, role: int = 2) -> bool:
        """Turn an edit into a request signal; the data changes only when the read is set again."""
        lesion = self.lesion_at(index.row())
        if lesion is None or self.read_only or not self.flags(index) & (
                QtCore.Qt.ItemFlag.ItemIsEditable | QtCore.Qt.ItemFlag.ItemIsUserCheckable):
            return False
        column, R = index.column(), QtCore.Qt.ItemDataRole
        if role == R.CheckStateRole:
            on = QtCore.Qt.CheckState(value) == QtCore.Qt.CheckState.Checked
            if column == IRRADIATED:
                self.irradiated_toggled.emit(lesion.uid, on)
            elif column in (NODAL, PREVIOUSLY):
                self.edit_requested.emit(lesion.uid, {"nodal" if column == NODAL else "previously_irradiated": on})
            return False
        if role != R.EditRole:
            return False
        changes = edit_changes(lesion, _EDITED.get(column, ""), str(value))
        if changes:
            self.edit_requested.emit(lesion.uid, changes)
        return False


class LesionEditorDelegate(QtWidgets.QStyledItemDelegate):
    """Combo boxes for role (the roles the lesion may take) and organ / site (editable list)."""

    def __init__(self, model: LesionGridModel, parent: QtWidgets.QWidget) -> None:
        super().__init__(parent)
        self._model = model

    def paint(self, painter: QtGui.QPainter, option: QtWidgets.QStyleOptionViewItem,
              index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> None:
        """A group title spanning the row stays readable beside the frozen label column."""
        super().paint(painter, anchored_option(option, index), index)

    def createEditor(self, parent: QtWidgets.QWidget, option: QtWidgets.QStyleOptionViewItem,
                     index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> QtWidgets.QWidget:
        lesion = self._model.lesion_at(index.row())
        if lesion is None or index.column() not in (ROLE, ORGAN):
            return super().createEditor(parent, option, index)
        combo = QtWidgets.QComboBox(parent)
        if index.column() == ROLE:
            for role in allowed_roles(lesion):
                combo.addItem(ROLE_TEXT[role], role.value)
        else:
            combo.setEditable(True)
            combo.addItems(list(organs.choices()))
        return combo

    def setEditorData(self, editor: QtWidgets.QWidget,
                      index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> None:
        if isinstance(editor, QtWidgets.QComboBox):
            value = str(index.data(QtCore.Qt.ItemDataRole.EditRole) or "")
            found = editor.findData(value) if index.column() == ROLE else editor.findText(value)
            if found >= 0:
                editor.setCurrentIndex(found)
            elif editor.isEditable():
                editor.setEditText(value)
        else:
            super().setEditorData(editor, index)

    def setModelData(self, editor: QtWidgets.QWidget, model: QtCore.QAbstractItemModel,
                     index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> None:
        if isinstance(editor, QtWidgets.QComboBox):
            value = editor.currentData() if index.column() == ROLE else editor.currentText()
            model.setData(index, value, QtCore.Qt.ItemDataRole.EditRole)
        else:
            super().setModelData(editor, model, index)


def _swatch(role: LesionRole) -> QtGui.QPixmap:
    pixmap = QtGui.QPixmap(10, 10)
    pixmap.fill(role_colour(role.value))
    return pixmap


def _warning_icon() -> QtGui.QIcon:
    return QtWidgets.QApplication.style().standardIcon(QtWidgets.QStyle.StandardPixmap.SP_MessageBoxWarning)
