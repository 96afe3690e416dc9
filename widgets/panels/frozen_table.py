"""``FrozenColumnTableView``: a ``QTableView`` whose first column stays put while the rest scrolls sideways.

The Qt "Frozen Column" example: a second ``QTableView`` (:attr:`FrozenColumnTableView.frozen`) lies
over the first column of the main view. It shares the model and the selection model, shows only
column 0, scrolls vertically with the main view and takes its column width, row heights and header
height. Clicks, activation and context menus on it reach the main view's signals, and keyboard
focus stays with the main view (the one whose ``currentIndex`` and editors the panels use).

Rows spanning every column (group titles) are drawn by both views from the viewport's left edge
(:func:`anchored_option`, for the main view's delegate), so a title under the frozen column
continues seamlessly in the main view however far it is scrolled.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

#: Columns kept in view (the label column).
FROZEN_COLUMNS = 1


class FrozenColumnTableView(QtWidgets.QTableView):
    """A table view with its first column frozen (see the module docstring)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.frozen = frozen = QtWidgets.QTableView(self)
        frozen.setObjectName("frozenColumn")
        frozen.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        frozen.verticalHeader().hide()
        frozen.horizontalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Fixed)
        frozen.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        frozen.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        frozen.setVerticalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        frozen.setTextElideMode(QtCore.Qt.TextElideMode.ElideNone)  # a group title continues in the main view
        frozen.setContextMenuPolicy(QtCore.Qt.ContextMenuPolicy.CustomContextMenu)
        frozen.setItemDelegate(_FrozenGridDelegate(self, frozen))
        for view in (self, frozen):
            view.setHorizontalScrollMode(QtWidgets.QAbstractItemView.ScrollMode.ScrollPerPixel)
            view.setVerticalScrollMode(QtWidgets.QAbstractItemView.ScrollMode.ScrollPerPixel)
        frozen.verticalScrollBar().valueChanged.connect(self.verticalScrollBar().setValue)
        self.verticalScrollBar().valueChanged.connect(frozen.verticalScrollBar().setValue)
        self.horizontalHeader().sectionResized.connect(self._on_column_resized)
        self.verticalHeader().sectionResized.connect(self._on_row_resized)
        for signal in ("activated", "clicked", "doubleClicked", "pressed", "entered"):
            getattr(frozen, signal).connect(getattr(self, signal))
        frozen.pressed.connect(lambda _index: self.setFocus(QtCore.Qt.FocusReason.MouseFocusReason))
        frozen.customContextMenuRequested.connect(self._on_frozen_context_menu)
        self.viewport().stackUnder(frozen)
        frozen.show()

    # -- model -----------------------------------------------------------------------------------
    def setModel(self, model: QtCore.QAbstractItemModel | None) -> None:
        super().setModel(model)
        self.frozen.setModel(model)
        if model is None:
            return
        self.frozen.setSelectionModel(self.selectionModel())
        for signal in (model.modelReset, model.layoutChanged, model.columnsInserted, model.columnsRemoved,
                       model.rowsInserted, model.rowsRemoved):
            signal.connect(self.sync_frozen)
        self.sync_frozen()

    def sync_frozen(self, *_args: object) -> None:
        """Give the frozen view the main view's first column: settings, widths, heights, place."""
        frozen, model = self.frozen, self.model()
        if model is None:
            return
        for column in range(model.columnCount()):
            frozen.setColumnHidden(column, column >= FROZEN_COLUMNS)
        for column in range(min(FROZEN_COLUMNS, model.columnCount())):
            frozen.setColumnWidth(column, self.columnWidth(column))
        for row in range(model.rowCount()):
            if frozen.rowHeight(row) != self.rowHeight(row):
                frozen.setRowHeight(row, self.rowHeight(row))
        frozen.setSelectionBehavior(self.selectionBehavior())
        frozen.setSelectionMode(self.selectionMode())
        frozen.setEditTriggers(self.editTriggers())
        frozen.setAlternatingRowColors(self.alternatingRowColors())
        frozen.setWordWrap(self.wordWrap())
        frozen.setShowGrid(False)  # drawn by _FrozenGridDelegate: none across a spanning group title
        frozen.horizontalHeader().setDefaultAlignment(self.horizontalHeader().defaultAlignment())
        self._place_frozen()

    def frozen_width(self) -> int:
        """Width of the frozen columns (0 without a model)."""
        model = self.model()
        count = min(FROZEN_COLUMNS, model.columnCount()) if model is not None else 0
        return sum(self.columnWidth(column) for column in range(count))

    def _place_frozen(self) -> None:
        header = self.horizontalHeader()
        header_height = header.height() if header.isVisible() else 0
        self.frozen.horizontalHeader().setVisible(header.isVisible())
        self.frozen.horizontalHeader().setFixedHeight(max(header_height, 0))
        viewport = self.viewport().geometry()  # the frozen viewport lies exactly on the main one
        self.frozen.setGeometry(viewport.x(), viewport.y() - header_height, self.frozen_width(),
                                viewport.height() + header_height)
        self.frozen.verticalScrollBar().setValue(self.verticalScrollBar().value())

    def _on_column_resized(self, column: int, _old: int, new: int) -> None:
        if column < FROZEN_COLUMNS:
            self.frozen.setColumnWidth(column, new)
            self._place_frozen()

    def _on_row_resized(self, row: int, _old: int, new: int) -> None:
        self.frozen.setRowHeight(row, new)

    # -- geometry, scrolling, hit testing ------------------------------------------------------------
    def updateGeometries(self) -> None:
        super().updateGeometries()
        self._place_frozen()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_frozen()

    def indexAt(self, pos: QtCore.QPoint) -> QtCore.QModelIndex:
        """The cell shown at a viewport point: the frozen view's over the first column."""
        if self.frozen.isVisible() and 0 <= pos.x() < self.frozen_width():
            return self.frozen.indexAt(pos)
        return super().indexAt(pos)

    def scrollTo(self, index: QtCore.QModelIndex | QtCore.QPersistentModelIndex,
                 hint: QtWidgets.QAbstractItemView.ScrollHint = QtWidgets.QAbstractItemView.ScrollHint.EnsureVisible,
                 ) -> None:
        bar = self.horizontalScrollBar()
        before = bar.value()
        super().scrollTo(index, hint)
        if not index.isValid():
            return
        if index.column() < FROZEN_COLUMNS:
            bar.setValue(before)  # always in view: only scroll vertically
            return
        hidden = self.frozen_width() - self.visualRect(index).left()
        if hidden > 0:
            bar.setValue(bar.value() - hidden)

    def moveCursor(self, action: QtWidgets.QAbstractItemView.CursorAction,
                   modifiers: QtCore.Qt.KeyboardModifier) -> QtCore.QModelIndex:
        current = super().moveCursor(action, modifiers)
        if action == QtWidgets.QAbstractItemView.CursorAction.MoveLeft and current.column() >= FROZEN_COLUMNS:
            hidden = self.frozen_width() - self.visualRect(current).left()
            if hidden > 0:
                self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - hidden)
        return current

    def _on_frozen_context_menu(self, pos: QtCore.QPoint) -> None:
        if self.contextMenuPolicy() == QtCore.Qt.ContextMenuPolicy.CustomContextMenu:
            # Both viewports start at the same point of the table, so the position holds for both.
            self.customContextMenuRequested.emit(pos)


class _FrozenGridDelegate(QtWidgets.QStyledItemDelegate):
    """Paints the frozen view's grid like the main view's, without the line that would cut a title
    spanning the main view's row."""

    def __init__(self, table: FrozenColumnTableView, parent: QtWidgets.QWidget) -> None:
        super().__init__(parent)
        self._table = table

    def paint(self, painter: QtGui.QPainter, option: QtWidgets.QStyleOptionViewItem,
              index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> None:
        table = self._table
        spanning = table.columnSpan(index.row(), index.column()) > 1
        if spanning:  # the title's text runs to the view's edge (not the cell's text margin), then the main view's
            wide = QtWidgets.QStyleOptionViewItem(option)
            wide.rect = option.rect.adjusted(0, 0, 40, 0)
            super().paint(painter, wide, index)
        else:
            super().paint(painter, option, index)
        if not table.showGrid():
            return
        hint = table.style().styleHint(QtWidgets.QStyle.StyleHint.SH_Table_GridLineColor, option, table)
        painter.save()
        painter.setPen(QtGui.QPen(QtGui.QColor.fromRgba(hint & 0xFFFFFFFF), 1, table.gridStyle()))
        rect = option.rect
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        if not spanning:
            painter.drawLine(rect.topRight(), rect.bottomRight())
        painter.restore()


def anchored_option(option: QtWidgets.QStyleOptionViewItem,
                    index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> QtWidgets.QStyleOptionViewItem:
    """For a delegate of a :class:`FrozenColumnTableView`: a cell spanning from the frozen column,
    scrolled to the left, drawn from the viewport's left edge (where the frozen view draws it too)."""
    view = option.widget
    if not isinstance(view, FrozenColumnTableView) or option.rect.left() >= 0 \
            or index.column() >= FROZEN_COLUMNS or view.columnSpan(index.row(), index.column()) <= 1:
        return option
    anchored = QtWidgets.QStyleOptionViewItem(option)
    rect = QtCore.QRect(option.rect)
    rect.setLeft(0)
    anchored.rect = rect
    return anchored
