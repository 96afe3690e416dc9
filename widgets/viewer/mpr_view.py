"""``MprView``: the axial series with its coronal and sagittal reformats, linked by a crosshair.

VIEWER.md "Reformats and tools readers reach for": coronal and sagittal reformats of the loaded
axial series with a crosshair linking the three. The axial viewport is the ordinary
:class:`~widgets.viewer.slice_view.SliceView` with its calipers (RECIST measures axially); a length
line drawn on a reformat pane with a measuring tool on is handed out by :attr:`MprView.line_drawn`
and comes back flagged with its plane (:meth:`MprView.set_reformat_lines`). The two
:class:`~widgets.viewer.reformat_pane.ReformatPane` s follow its window / level and inversion.
The crosshair is the volume index ``(col, row, k)`` (view state only, C12): each pane draws two
thin lines in the colours of the other two planes (3D Slicer's red axial, green coronal, yellow
sagittal) with a gap at the point.

Moving the crosshair: a left click in the axial view (outside a caliper; a left *drag* there
stays window / level or the active caliper tool), a left click or drag in a reformat pane (a drag
draws a line while a measuring tool is on), the wheel in any pane (its own plane), the axial
view's keys, or :meth:`MprView.set_crosshair`.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from recist_app.imaging import geometry
from recist_app.imaging.reformat import COL_AXIS, Plane
from recist_app.imaging.volume import CtVolume
from recist_app.model.caliper import ReformatLine
from widgets.viewer.display import MouseClickEvent
from widgets.viewer.overlay import OverlayInfo
from widgets.viewer.reformat_pane import PLANE_COLOURS, CrosshairItem, ReformatPane
from widgets.viewer.slice_view import SliceView

#: Share of the width given to the axial view; the reformats stack in the rest.
AXIAL_SHARE = 0.55


class MprView(QtWidgets.QWidget):
    """Axial :class:`SliceView` (``axial``) plus ``coronal`` and ``sagittal`` reformat panes.

    Signals
    -------
    crosshair_changed(int col, int row, int k)
        The crosshair moved to volume index ``(col, row, k)`` (``k`` = the axial slice shown).
    line_drawn(str plane, tuple start, tuple end)
        A line drawn on a reformat pane (see :attr:`ReformatPane.line_drawn`).
    """

    crosshair_changed = QtCore.Signal(int, int, int)
    line_drawn = QtCore.Signal(str, object, object)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.axial = SliceView(self)
        self.coronal = ReformatPane(Plane.CORONAL, self)
        self.sagittal = ReformatPane(Plane.SAGITTAL, self)
        self.axial_crosshair = CrosshairItem(PLANE_COLOURS["SAGITTAL"], PLANE_COLOURS["CORONAL"])
        self.axial.view_box.addItem(self.axial_crosshair, ignoreBounds=True)
        column = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical, self)
        column.addWidget(self.coronal)
        column.addWidget(self.sagittal)
        column.setChildrenCollapsible(False)
        self.splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.axial)
        self.splitter.addWidget(column)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, round(AXIAL_SHARE * 100))
        self.splitter.setStretchFactor(1, round((1 - AXIAL_SHARE) * 100))
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self._volume: CtVolume | None = None
        self._cross = (0, 0, 0)
        self._syncing = False
        self._split = False
        self.axial.slice_changed.connect(self._on_axial_slice_changed)
        self.axial.window_changed.connect(self._on_axial_window_changed)
        self.axial.image_item.sigImageChanged.connect(self._on_axial_image_changed)
        self.axial.canvas.scene().sigMouseClicked.connect(self._on_axial_clicked)
        for pane in self.reformats:
            pane.voxel_picked.connect(self.set_crosshair)
            pane.line_drawn.connect(self.line_drawn)

    @property
    def reformats(self) -> tuple[ReformatPane, ReformatPane]:
        """The coronal and the sagittal pane."""
        return self.coronal, self.sagittal

    def set_measuring(self, on: bool) -> None:
        """Let a left drag on a reformat pane draw a length line (the reader chose a measuring tool)."""
        for pane in self.reformats:
            pane.set_measuring(on)

    def set_reformat_lines(self, lines: list[ReformatLine]) -> None:
        """The read's lines drawn on reformats of the volume shown (each pane draws those on its plane)."""
        for pane in self.reformats:
            pane.set_lines(lines)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        """The first time the view gets a width, give :data:`AXIAL_SHARE` of it to the axial view."""
        super().resizeEvent(event)
        width = self.splitter.width()
        if width > 0 and not self._split:
            self._split = True
            self.splitter.setSizes([round(width * AXIAL_SHARE), width - round(width * AXIAL_SHARE)])

    # -- volume and crosshair ----------------------------------------------------------------------
    def set_volume(self, volume: CtVolume, start_slice: int | None = None, info: OverlayInfo | None = None) -> None:
        """Show ``volume`` in the three panes, the crosshair at the centre of slice ``start_slice``
        (the middle slice by default); removes every caliper of the axial view."""
        slices, rows, cols = volume.shape
        k = int(np.clip(slices // 2 if start_slice is None else start_slice, 0, slices - 1))
        self._volume = volume
        self._cross = (cols // 2, rows // 2, k)
        self.coronal.set_volume(volume, self._cross)
        self.sagittal.set_volume(volume, self._cross)
        coronal_fixed = self.coronal.plane_geometry
        vertical, horizontal = ("CORONAL", "SAGITTAL") if coronal_fixed is not None and \
            coronal_fixed.fixed_axis == COL_AXIS else ("SAGITTAL", "CORONAL")
        self.axial_crosshair.set_colours(PLANE_COLOURS[vertical], PLANE_COLOURS[horizontal])
        self._syncing = True
        try:
            self.axial.set_volume(volume, info, start_slice=k)
        finally:
            self._syncing = False
        self._apply()
        self.crosshair_changed.emit(*self._cross)

    @property
    def volume(self) -> CtVolume | None:
        """The volume shown, or None."""
        return self._volume

    @property
    def crosshair(self) -> tuple[int, int, int]:
        """The crosshair's volume index ``(col, row, k)``."""
        return self._cross

    def set_crosshair(self, col: int, row: int, k: int) -> None:
        """Move the crosshair to volume index ``(col, row, k)`` (clamped): the axial view goes to
        slice ``k``, the reformats to the planes through it; emits ``crosshair_changed``."""
        if self._volume is None:
            return
        slices, rows, cols = self._volume.shape
        cross = (int(np.clip(col, 0, cols - 1)), int(np.clip(row, 0, rows - 1)), int(np.clip(k, 0, slices - 1)))
        if cross == self._cross:
            return
        self._cross = cross
        self._apply()
        self.crosshair_changed.emit(*cross)

    def set_crosshair_visible(self, visible: bool) -> None:
        """Show or hide the crosshair lines in the three panes (the linking stays)."""
        for item in (self.axial_crosshair, self.coronal.crosshair, self.sagittal.crosshair):
            item.setVisible(visible)

    def _apply(self) -> None:
        col, row, k = self._cross
        self._syncing = True
        try:
            self.axial.set_slice(k)
        finally:
            self._syncing = False
        item_point = QtCore.QPointF(*geometry.index_to_item(col, row))
        self.axial_crosshair.set_point(self.axial.view_box.mapFromItemToView(self.axial.image_item, item_point))
        self.coronal.set_crosshair(col, row, k)
        self.sagittal.set_crosshair(col, row, k)

    # -- the axial view's events ---------------------------------------------------------------------
    def _on_axial_slice_changed(self, k: int) -> None:
        if not self._syncing:
            col, row, _ = self._cross
            self.set_crosshair(col, row, k)

    def _on_axial_window_changed(self, width_hu: float, level_hu: float) -> None:
        for pane in self.reformats:
            pane.set_window(width_hu, level_hu, self.axial.inverted)

    def _on_axial_image_changed(self) -> None:
        """The axial view re-rendered: follow an inversion (``SliceView`` signals none of its own)."""
        inverted = self.axial.inverted
        for pane in self.reformats:
            if pane.inverted != inverted:
                pane.set_window(*self.axial.window_hu, inverted)

    def _on_axial_clicked(self, ev: MouseClickEvent) -> None:
        if (self._volume is None or ev.button() != QtCore.Qt.MouseButton.LeftButton
                or getattr(ev, "currentItem", None) is not self.axial.view_box):
            return  # another button, or a click on a caliper
        view = self.axial.view_box.mapSceneToView(ev.scenePos())
        item = self.axial.view_box.mapFromViewToItem(self.axial.image_item, view)
        col, row = geometry.item_to_index(item.x(), item.y())
        _, rows, cols = self._volume.shape
        if -0.5 <= col < cols - 0.5 and -0.5 <= row < rows - 0.5:
            self.set_crosshair(round(col), round(row), self.axial.slice_index)
