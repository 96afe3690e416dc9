"""The response table of :class:`widgets.panels.response_panel.ResponsePanel`: its model, chips and colours.

Colour by category (VIEWER.md; readable on the app's dark style and on a light one): PD and iCPD
red, an unconfirmed iUPD orange, CR / PR (iCR / iPR) green, NE grey, SD and NON-CR/NON-PD neutral.
Tints are translucent so the palette's own text colour stays readable, and categories are painted
as chips, which a selected row never hides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from widgets.panels.lesion_grid import WARNING_TINT

#: Category tints, translucent so the palette's own text colour stays readable (dark or light style).
PROGRESSION_TINT = QtGui.QColor(214, 69, 65, 130)
UNCONFIRMED_TINT = QtGui.QColor(230, 126, 34, 120)
RESPONSE_TINT = QtGui.QColor(67, 160, 71, 120)
NOT_EVALUABLE_TINT = QtGui.QColor(128, 128, 128, 80)
#: Opacity of a category chip: saturated enough to read on a selected row, light or dark style.
CHIP_ALPHA = 165
_TINTS = {"PD": PROGRESSION_TINT, "iCPD": PROGRESSION_TINT, "iUPD": UNCONFIRMED_TINT,
          "CR": RESPONSE_TINT, "PR": RESPONSE_TINT, "iCR": RESPONSE_TINT, "iPR": RESPONSE_TINT,
          "NE": NOT_EVALUABLE_TINT, "ND": NOT_EVALUABLE_TINT, "MISSING": NOT_EVALUABLE_TINT}
HEADERS = ("Time point", "Target", "Non-target", "New\nlesion", "RECIST 1.1\noverall", "iRECIST\noverall",
           "Sum\nmm", "Δ from\nbaseline", "Δ from\nnadir", "In field\nsum mm (Δ)", "In field\nresponse",
           "Out of field\nsum mm (Δ)", "Out of field\nresponse", "Abscopal\nsum30 / any")
HEADER_TIPS = ("Visit and scan date (blinded reads: TP1 …)", "RECIST 1.1 target response",
               "RECIST 1.1 non-target response",
               "Unequivocal new lesion (RULES §1.7)", "RECIST 1.1 overall response (Table 1 / 2): the protocol's",
               "iRECIST overall response (from the same measurements)", "Sum of target diameters (nodes: short axis)",
               "Change of the sum from baseline (PR ≤ −30 %)",
               "Change of the sum from the nadir (PD ≥ +20 % and ≥ +5 mm)",
               "Sum of the irradiated (in-field) targets and its change from the subset baseline",
               "In-field subset response (RECIST 1.1 thresholds), beside the protocol response",
               "Sum of the non-irradiated (out-of-field) targets and its change from the subset baseline",
               "Out-of-field subset response (RECIST 1.1 thresholds)",
               "Abscopal response: out-of-field sum ≥ 30 % below baseline / any out-of-field target ≥ 30 % below")
OVERALL, IRECIST, FIRST_SUBSET = 4, 5, 9
#: Item data role of a cell's category tint (painted as a chip, which a row selection never hides).
TINT_ROLE = QtCore.Qt.ItemDataRole.UserRole + 2


def category_tint(category: str) -> QtGui.QColor | None:
    """PD red, unconfirmed iUPD orange, CR / PR green, NE grey, SD and NON-CR/NON-PD neutral (None)."""
    return _TINTS.get(category)


#: The invisible root index (default parent of the table model queries).
_ROOT = QtCore.QModelIndex()


@dataclass(frozen=True)
class Cell:
    """One shown value: text, tooltip, and the category it is tinted by ("" for none)."""

    text: str
    tooltip: str = ""
    category: str = ""
    warning: bool = False


class RowsModel(QtCore.QAbstractTableModel):
    """Rows of :class:`Cell` under fixed headers (rebuilt whole by the panel)."""

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[list[Cell]] = []
        self.columns: tuple[int, ...] = ()

    def set_rows(self, rows: list[list[Cell]], columns: tuple[int, ...]) -> None:
        self.beginResetModel()
        self.rows, self.columns = rows, columns
        self.endResetModel()

    def rowCount(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: QtCore.Qt.Orientation, role: int = 0) -> Any:
        if orientation != QtCore.Qt.Orientation.Horizontal:
            return None
        if role == QtCore.Qt.ItemDataRole.DisplayRole:
            return HEADERS[self.columns[section]]
        if role == QtCore.Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS[self.columns[section]]
        return None

    def data(self, index: QtCore.QModelIndex | QtCore.QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        cell, R = self.rows[index.row()][self.columns[index.column()]], QtCore.Qt.ItemDataRole
        if role == R.DisplayRole:
            return cell.text
        if role == R.ToolTipRole:
            return cell.tooltip or None
        if role == R.BackgroundRole:
            tint = WARNING_TINT if cell.warning else category_tint(cell.category)
            return QtGui.QBrush(tint) if tint is not None else None
        if role == TINT_ROLE and not cell.warning:
            return category_tint(cell.category)
        if role == R.FontRole and category_tint(cell.category) is not None:
            font = QtGui.QFont()
            font.setBold(True)
            return font
        if role == R.DecorationRole and cell.warning:
            return QtWidgets.QApplication.style().standardIcon(QtWidgets.QStyle.StandardPixmap.SP_MessageBoxWarning)
        if role == R.TextAlignmentRole and index.column() > 0:
            return int(QtCore.Qt.AlignmentFlag.AlignCenter)
        return None


class ChipDelegate(QtWidgets.QStyledItemDelegate):
    """Paints a category as a rounded chip in its tint, so colours stay visible on a selected row."""

    def paint(self, painter: QtGui.QPainter, option: QtWidgets.QStyleOptionViewItem,
              index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> None:
        tint = index.data(TINT_ROLE)
        if tint is None:
            super().paint(painter, option, index)
            return
        opt = QtWidgets.QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text, opt.text = opt.text, ""
        opt.backgroundBrush = QtGui.QBrush()
        widget = opt.widget
        style = widget.style() if widget is not None else QtWidgets.QApplication.style()
        style.drawControl(QtWidgets.QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        metrics = QtGui.QFontMetrics(opt.font)
        chip = QtCore.QRectF(metrics.boundingRect(text)).adjusted(-7, -2, 7, 2)
        chip.moveCenter(QtCore.QRectF(opt.rect).center())
        painter.save()
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.setBrush(QtGui.QColor(tint.red(), tint.green(), tint.blue(), CHIP_ALPHA))
        painter.drawRoundedRect(chip, 4, 4)
        painter.setFont(opt.font)
        painter.setPen(opt.palette.color(QtGui.QPalette.ColorRole.Text))
        painter.drawText(chip, int(QtCore.Qt.AlignmentFlag.AlignCenter), text)
        painter.restore()
