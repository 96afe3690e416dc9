"""``ReformatPane``: one coronal or sagittal reformat of a CT volume, with a crosshair (VIEWER.md "Reformats").

The geometry (which plane, flips, spacing, edge letters, pixel ↔ volume index) comes from
:mod:`recist_app.imaging.reformat`; this widget only draws. Display path as the axial
:class:`~widgets.viewer.slice_view.SliceView`: one ``np.take`` of the 65,536-entry window lookup
table (:func:`~widgets.viewer.slice_view.window_lut`, :func:`~widgets.viewer.slice_view.pixel_lut`)
on a strided *view* of the int16 volume (never copied, never converted to float) into opaque
32-bit pixels, an ``ImageItem`` with ``axisOrder='row-major'`` and an item transform
``scale(column spacing, row spacing)`` so view units are millimetres: the slice gap gives the
vertical aspect. Qt magnifies the image bilinearly (``SmoothPixmapTransform``), as OHIF and 3D Slicer
show reformats, so 5 mm slices do not paint as 6-pixel stairs; the pixels themselves are never
resampled. Without (0028,0030) *Pixel Spacing* the pane stays in square pixels and says so (C6).

Mouse: left click or drag picks the voxel under the mouse (:attr:`ReformatPane.voxel_picked`;
the :class:`~widgets.viewer.mpr_view.MprView` moves the crosshair and the other planes), wheel
moves the plane (one index per notch, Shift = 10; towards the user = increasing index), middle
drag pans, right drag zooms. With :meth:`ReformatPane.set_measuring` on (the reader chose a measuring
tool), a left drag draws a length line instead: :attr:`ReformatPane.line_drawn` hands its ends as
volume indices, and the read's lines drawn on this plane come back through :meth:`ReformatPane.set_lines`
(dashed, marked "COR" / "SAG": RECIST measures on axial images, so a reformat line is flagged).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from recist_app.imaging import geometry
from recist_app.imaging.reformat import Plane, ReformatPlane, plane_position_mm
from recist_app.imaging.volume import CtVolume
from recist_app.model.caliper import ReformatLine
from widgets.viewer import overlay
from widgets.viewer.calipers.reformat_lines import ReformatLineLayer, ShownLine, line_text
from widgets.viewer.display import (
    MouseClickEvent,
    MouseDragEvent,
    OverlayCanvas,
    ReadingViewBox,
    pixel_lut,
    show_grey,
    window_lut,
)
from widgets.viewer.overlay import OverlayContent
from widgets.viewer.slice_view import SHIFT_SLICE_STEP, WHEEL_NOTCH
from widgets.viewer.window_presets import DEFAULT_PRESET, preset_label

#: Plane colours of the crosshair lines (3D Slicer's red axial, green coronal, yellow sagittal views).
PLANE_COLOURS = {"AXIAL": QtGui.QColor("#f34a33"), "CORONAL": QtGui.QColor("#6eb04b"),
                 "SAGITTAL": QtGui.QColor("#edd54c")}
#: The crosshair lines leave this many screen pixels clear on each side of the point (the lesion stays visible).
CROSSHAIR_GAP_PX = 12.0
CROSSHAIR_WIDTH_PX = 1.0
#: A left drag shorter than this (screen pixels) draws no line: a click that slipped.
MIN_LINE_PX = 3.0
#: Above the image, below caliper handles and labels (pyqtgraph ROIs sit at z ≥ 0 as added later).
CROSSHAIR_Z = 5.0


class CrosshairItem(pg.GraphicsObject):
    """Two thin lines across the whole view through one point (view coordinates), with a gap at the point.

    Add it to a ``ViewBox``; it takes no mouse input and does not count in auto-range.
    """

    def __init__(self, vertical: QtGui.QColor, horizontal: QtGui.QColor, gap_px: float = CROSSHAIR_GAP_PX) -> None:
        super().__init__()
        self._pens = (self._pen(vertical), self._pen(horizontal))
        self._gap_px = gap_px
        self._point: QtCore.QPointF | None = None
        self.setAcceptedMouseButtons(QtCore.Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(False)
        self.setZValue(CROSSHAIR_Z)

    @staticmethod
    def _pen(colour: QtGui.QColor) -> QtGui.QPen:
        pen = QtGui.QPen(QtGui.QColor(colour), CROSSHAIR_WIDTH_PX)
        pen.setCosmetic(True)
        return pen

    @property
    def point(self) -> QtCore.QPointF | None:
        """The crossing point in view coordinates, or None (nothing drawn)."""
        return None if self._point is None else QtCore.QPointF(self._point)

    def set_point(self, point: QtCore.QPointF | None) -> None:
        """Move the crossing point (view coordinates); None hides the lines."""
        self._point = None if point is None else QtCore.QPointF(point)
        self.update()

    def colours(self) -> tuple[QtGui.QColor, QtGui.QColor]:
        """Colours of the vertical and the horizontal line."""
        return self._pens[0].color(), self._pens[1].color()

    def set_colours(self, vertical: QtGui.QColor, horizontal: QtGui.QColor) -> None:
        """Colour the vertical and the horizontal line."""
        self._pens = (self._pen(vertical), self._pen(horizontal))
        self.update()

    def dataBounds(self, axis: int, frac: float = 1.0, orthoRange: object = None) -> None:
        """No data bounds: the ViewBox's auto-range ignores the crosshair."""
        return None

    def boundingRect(self) -> QtCore.QRectF:
        rect = self.viewRect()
        return QtCore.QRectF() if rect is None else QtCore.QRectF(rect)

    def viewTransformChanged(self) -> None:
        super().viewTransformChanged()
        self.prepareGeometryChange()
        self.update()

    def paint(self, painter: QtGui.QPainter, *args: object) -> None:
        rect = self.viewRect()
        if self._point is None or rect is None:
            return
        x, y = self._point.x(), self._point.y()
        gap_x, gap_y = self._gap_px * self.pixelWidth(), self._gap_px * self.pixelHeight()
        painter.setPen(self._pens[0])
        painter.drawLine(QtCore.QLineF(x, rect.top(), x, y - gap_y))
        painter.drawLine(QtCore.QLineF(x, y + gap_y, x, rect.bottom()))
        painter.setPen(self._pens[1])
        painter.drawLine(QtCore.QLineF(rect.left(), y, x - gap_x, y))
        painter.drawLine(QtCore.QLineF(x + gap_x, y, rect.right(), y))


class _PaneViewBox(ReadingViewBox):
    """The reading mouse map; a left click or drag picks a voxel (the crosshair moves there)."""

    def __init__(self, owner: ReformatPane) -> None:
        super().__init__(owner)
        self._owner = owner

    def mouseClickEvent(self, ev: MouseClickEvent) -> None:
        if ev.button() == QtCore.Qt.MouseButton.LeftButton:
            ev.accept()
            self._owner._pick(self.mapToView(ev.pos()))
        else:
            ev.ignore()


class ReformatPane(QtWidgets.QWidget):
    """A coronal or sagittal reformat with window / level, crosshair, edge letters and plane label.

    Parameters
    ----------
    plane : Plane or str
        ``Plane.CORONAL`` or ``Plane.SAGITTAL``.
    parent : QWidget or None

    Signals
    -------
    voxel_picked(int col, int row, int k)
        The reader pointed at a voxel (click, drag) or moved the plane (wheel): the volume index
        the crosshair should move to, clamped to the volume. The pane itself moves only when
        :meth:`set_crosshair` is called.
    line_drawn(str plane, tuple start, tuple end)
        With measuring on, the reader drew a line on this plane: ``"CORONAL"`` or ``"SAGITTAL"`` and
        the fractional volume indices ``(col, row, k)`` of its ends.
    """

    voxel_picked = QtCore.Signal(int, int, int)
    line_drawn = QtCore.Signal(str, object, object)

    def __init__(self, plane: Plane | str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.plane = Plane(plane.value if isinstance(plane, Plane) else str(plane).upper())
        self.canvas = OverlayCanvas(self)
        self.canvas.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        # Bilinear magnification, as OHIF and Slicer show reformats: a 5 mm slice is ~6 screen pixels tall.
        self.canvas.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, True)
        self.view_box = _PaneViewBox(self)
        self.canvas.setCentralItem(self.view_box)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.view_box.addItem(self.image_item)
        other = "SAGITTAL" if self.plane is Plane.CORONAL else "CORONAL"
        self.crosshair = CrosshairItem(PLANE_COLOURS[other], PLANE_COLOURS["AXIAL"])
        self.view_box.addItem(self.crosshair, ignoreBounds=True)
        self.line_layer = ReformatLineLayer(self.view_box)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)
        self._volume: CtVolume | None = None
        self._bits: np.ndarray | None = None
        self._geometry: ReformatPlane | None = None
        self._voxel = (0, 0, 0)
        self._fixed = 0
        self._width, self._level = DEFAULT_PRESET.width_hu, DEFAULT_PRESET.level_hu
        self._inverted = False
        self._lut = pixel_lut(window_lut(self._width, self._level))
        self._wheel_rest = 0
        self._lines: tuple[ReformatLine, ...] = ()
        self._measuring = False
        self._draft_start: QtCore.QPointF | None = None
        self.view_box.sigTransformChanged.connect(self._refresh)

    # -- volume and position ---------------------------------------------------------------------
    def set_volume(self, volume: CtVolume, voxel: tuple[int, int, int] | None = None) -> None:
        """Show ``volume`` through ``voxel = (col, row, k)`` (the centre by default), fitted."""
        self._volume, self._bits = volume, volume.hu.view(np.uint16)
        self._geometry = ReformatPlane.for_volume(volume, self.plane)
        spacing = self._geometry.spacing_mm
        self.image_item.setTransform(QtGui.QTransform.fromScale(spacing[1], spacing[0]) if spacing
                                     else QtGui.QTransform())
        slices, rows, cols = volume.shape
        self._voxel = self._clamp(voxel if voxel is not None else (cols // 2, rows // 2, slices // 2))
        self._fixed = int(self._geometry.fixed_of(*self._voxel))
        self._wheel_rest = 0
        self._lines = ()
        self._render()
        self._place_crosshair()
        self.fit()

    @property
    def volume(self) -> CtVolume | None:
        """The volume shown, or None."""
        return self._volume

    @property
    def plane_geometry(self) -> ReformatPlane | None:
        """How the plane is cut and oriented (:mod:`recist_app.imaging.reformat`), or None before a volume."""
        return self._geometry

    @property
    def fixed_index(self) -> int:
        """The volume index held fixed by the plane shown (row for coronal, column for sagittal)."""
        return self._fixed

    @property
    def voxel(self) -> tuple[int, int, int]:
        """The crosshair's volume index ``(col, row, k)``."""
        return self._voxel

    def set_crosshair(self, col: int, row: int, k: int) -> None:
        """Show the plane through volume index ``(col, row, k)`` with the crosshair on it."""
        if self._geometry is None:
            return
        self._voxel = self._clamp((col, row, k))
        fixed = int(self._geometry.fixed_of(*self._voxel))
        if fixed != self._fixed:
            self._fixed = fixed
            self._render()
        self._place_crosshair()

    def set_crosshair_visible(self, visible: bool) -> None:
        """Show or hide the crosshair lines."""
        self.crosshair.setVisible(visible)

    # -- lines measured on the plane ------------------------------------------------------------------
    @property
    def measuring(self) -> bool:
        """True when a left drag draws a line (else it moves the crosshair)."""
        return self._measuring

    @property
    def can_measure(self) -> bool:
        """Measuring is on and the plane has millimetres and true anatomy (an axial acquisition; C6)."""
        plane = self._geometry
        return self._measuring and plane is not None and plane.axial and plane.spacing_mm is not None

    def set_measuring(self, on: bool) -> None:
        """Let a left drag draw a length line on the plane (:attr:`line_drawn`), or move the crosshair."""
        self._measuring = bool(on)
        if not on:
            self._draft_start = None
            self.line_layer.set_draft(None)
        self._refresh()

    def set_lines(self, lines: tuple[ReformatLine, ...] | list[ReformatLine]) -> None:
        """The read's lines drawn on a reformat of this volume; those on the plane shown are drawn."""
        self._lines = tuple(lines)
        self._draw_lines()

    def _draw_lines(self) -> None:
        plane = self._geometry
        shown = []
        for line in self._lines:
            if plane is None or line.plane.value != self.plane.value:
                continue
            (u1, v1, fixed1), (u2, v2, fixed2) = plane.from_volume(*line.start), plane.from_volume(*line.end)
            if max(abs(fixed1 - self._fixed), abs(fixed2 - self._fixed)) <= 0.5:
                shown.append(ShownLine(self._display_to_view(u1, v1), self._display_to_view(u2, v2),
                                       line_text(line.label, line.length_mm, line.plane), line.role))
        self.line_layer.show(shown)

    def _display_to_view(self, u: float, v: float) -> QtCore.QPointF:
        return self.view_box.mapFromItemToView(self.image_item, QtCore.QPointF(*geometry.index_to_item(u, v)))

    def image(self) -> np.ndarray | None:
        """The int16 HU image shown (a view of the volume; rows = slices, head at the top)."""
        if self._volume is None or self._geometry is None:
            return None
        return self._geometry.image(self._volume.hu, self._fixed)

    # -- window / level ----------------------------------------------------------------------------
    @property
    def window_hu(self) -> tuple[float, float]:
        """``(width_hu, level_hu)``."""
        return self._width, self._level

    @property
    def inverted(self) -> bool:
        """True when grey levels are inverted."""
        return self._inverted

    def set_window(self, width_hu: float, level_hu: float, inverted: bool | None = None) -> None:
        """Window width (≥ 1) and level in HU, and optionally the inversion (follows the axial view)."""
        width_hu, level_hu = max(1.0, float(width_hu)), float(level_hu)
        inverted = self._inverted if inverted is None else bool(inverted)
        if (width_hu, level_hu, inverted) == (self._width, self._level, self._inverted):
            return
        self._width, self._level, self._inverted = width_hu, level_hu, inverted
        self._lut = pixel_lut(window_lut(width_hu, level_hu, inverted))
        self._render()

    def fit(self) -> None:
        """Fit the whole reformat in the pane."""
        if self._volume is not None:
            self.view_box.setRange(rect=self.image_item.mapRectToParent(self.image_item.boundingRect()), padding=0.0)

    @property
    def zoom(self) -> float:
        """Screen pixels per display column."""
        if self._geometry is None or self.view_box.width() <= 0 or self.view_box.height() <= 0:
            return 1.0
        column = self._geometry.spacing_mm[1] if self._geometry.spacing_mm else 1.0
        return column / self.view_box.viewPixelSize()[0]

    # -- coordinates (for the MPR view and tests) --------------------------------------------------
    def voxel_to_view(self, col: float, row: float, k: float) -> QtCore.QPointF | None:
        """View coordinates (mm, or pixels when uncalibrated) of volume index ``(col, row, k)``."""
        if self._geometry is None:
            return None
        u, v, _ = self._geometry.from_volume(col, row, k)
        return self._display_to_view(u, v)

    def voxel_to_viewport(self, col: float, row: float, k: float) -> QtCore.QPointF | None:
        """Viewport pixel of volume index ``(col, row, k)`` projected on the plane shown."""
        point = self.voxel_to_view(col, row, k)
        if point is None:
            return None
        return self.canvas.viewportTransform().map(self.view_box.mapViewToScene(point))

    def view_to_voxel(self, point: QtCore.QPointF) -> tuple[float, float, float] | None:
        """Volume index ``(col, row, k)`` (fractional) of a point in view coordinates on the plane shown."""
        if self._geometry is None:
            return None
        item = self.view_box.mapFromViewToItem(self.image_item, point)
        u, v = geometry.item_to_index(item.x(), item.y())
        return self._geometry.to_volume(u, v, self._fixed)

    # -- overlay -----------------------------------------------------------------------------------
    def overlay_content(self) -> OverlayContent:
        """Plane label, plane index and position, W/L, edge letters, scale bar, uncalibrated banner."""
        volume, plane = self._volume, self._geometry
        if volume is None or plane is None:
            return OverlayContent()
        right = [f"{plane.fixed_name} {self._fixed + 1} / {plane.fixed_count}"]
        position = plane_position_mm(volume, plane, self._fixed)
        if position is not None:
            right.append(f"Loc {overlay.signed(position, 1)} mm")
        calibrated = plane.spacing_mm is not None
        bar = (overlay.scale_bar(self.view_box.viewPixelSize()[0], float(self.canvas.viewport().width()))
               if calibrated and self.view_box.width() > 0 else None)
        top = (plane.label, f"Drag to measure · {plane.label[:3]}") if self.can_measure else (plane.label,)
        return OverlayContent(
            top_left=top, top_right=tuple(right),
            bottom_left=overlay.bottom_left_lines(self._width, self._level, preset_label(self._width, self._level),
                                                  self.zoom, self._inverted),
            edges=plane.edges, scale_bar=bar, banner=None if calibrated else overlay.UNCALIBRATED_BANNER)

    def _paint_foreground(self, painter: QtGui.QPainter, rect: QtCore.QRectF) -> None:
        if self._volume is not None:
            overlay.paint_overlay(painter, rect, self.overlay_content(), self.canvas.devicePixelRatioF())

    def _refresh(self, *_args: object) -> None:
        self.canvas.viewport().update()

    def _render(self) -> None:
        if self._bits is None or self._geometry is None:
            return
        show_grey(self.image_item, self._lut, self._geometry.image(self._bits, self._fixed))
        self._draw_lines()
        self._refresh()

    def _place_crosshair(self) -> None:
        self.crosshair.set_point(self.voxel_to_view(*self._voxel))
        self._refresh()

    def _clamp(self, voxel: tuple[int, int, int]) -> tuple[int, int, int]:
        if self._volume is None:
            return voxel
        slices, rows, cols = self._volume.shape
        col, row, k = voxel
        return (int(np.clip(col, 0, cols - 1)), int(np.clip(row, 0, rows - 1)), int(np.clip(k, 0, slices - 1)))

    # -- input -------------------------------------------------------------------------------------
    def _pick(self, view_point: QtCore.QPointF) -> None:
        voxel = self.view_to_voxel(view_point)
        if voxel is not None:
            self.voxel_picked.emit(*self._clamp((round(voxel[0]), round(voxel[1]), round(voxel[2]))))

    def _on_left_drag(self, ev: MouseDragEvent) -> None:
        """A left drag picks the voxel under the mouse, as a click does (the crosshair follows); with
        measuring on it draws a line, handed to :attr:`line_drawn` on release."""
        if not self.can_measure:
            self._pick(self.view_box.mapToView(ev.pos()))
            return
        if ev.isStart():
            self._draft_start = self.view_box.mapToView(ev.buttonDownPos())
        start, end = self._draft_start, self.view_box.mapToView(ev.pos())
        self.line_layer.set_draft(start, end)
        if not ev.isFinish() or start is None:
            return
        self._draft_start = None
        self.line_layer.set_draft(None)
        ends = self.view_to_voxel(start), self.view_to_voxel(end)
        dragged = (ev.pos() - ev.buttonDownPos()).manhattanLength() >= MIN_LINE_PX
        if dragged and ends[0] is not None and ends[1] is not None:
            self.line_drawn.emit(self.plane.value, ends[0], ends[1])

    def _on_wheel(self, delta: int, modifiers: QtCore.Qt.KeyboardModifier) -> None:
        if self._geometry is None:
            return
        self._wheel_rest += delta
        notches = int(self._wheel_rest / WHEEL_NOTCH)
        self._wheel_rest -= notches * WHEEL_NOTCH
        if not notches:
            return
        step = SHIFT_SLICE_STEP if modifiers & QtCore.Qt.KeyboardModifier.ShiftModifier else 1
        fixed = int(np.clip(self._fixed - notches * step, 0, self._geometry.fixed_count - 1))
        col, row, k = self._voxel
        voxel = (fixed, row, k) if self._geometry.fixed_axis == 0 else (col, fixed, k)
        if voxel != self._voxel:
            self.voxel_picked.emit(*voxel)
