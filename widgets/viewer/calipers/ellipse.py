"""Elliptical ROIs of one slice view with their HU statistics (VIEWER.md "Tools readers reach for").

The "Ellipse ROI" of OHIF and Weasis: a left drag with :attr:`Tool.ELLIPSE` draws the ellipse
inscribed in the drag box; its label gives mean, SD, min and max HU, the area and the pixel count,
computed by :func:`recist_app.imaging.roi_stats.ellipse_stats` (the widget computes nothing, C3).

An ROI is a reading aid, not part of the read: it is never stored, exported or undone, and it
changes nothing stored, so it may be drawn, moved, resized and deleted on a signed (read-only)
time point too. ROIs live per slice like calipers and are all removed when the volume changes.

The ellipse is a pyqtgraph ROI in view coordinates (millimetres in the image plane, see
:mod:`widgets.viewer.calipers.rois`); its box is mapped into ``ImageItem`` coordinates and through
:func:`recist_app.imaging.geometry.item_to_index` (corner → centre) into a DICOM-index centre and
semi-axes in pixels, which is what ``ellipse_stats`` takes.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from recist_app.imaging import geometry
from recist_app.imaging.roi_stats import EmptyRoi, RoiStats, ellipse_stats
from widgets.viewer.calipers.keyed import KeyedLayer
from widgets.viewer.calipers.style import ROI_COLOUR, apply_pens, roi_text
from widgets.viewer.overlay import LabelSpec

#: Key prefix of an elliptical ROI (``roi-1``, ``roi-2`` …): never a measurement key.
ROI_KEY_PREFIX = "roi-"
#: Scale handles (position, fixed point) in the ROI's unit box: right, left, top, bottom of the ellipse.
_HANDLES = (((1.0, 0.5), (0.0, 0.5)), ((0.0, 0.5), (1.0, 0.5)), ((0.5, 0.0), (0.5, 1.0)), ((0.5, 1.0), (0.5, 0.0)))


class EllipseRoi(pg.ROI):
    """An axis-aligned ellipse inscribed in its box; drag the body to move it, a handle to resize it."""

    def __init__(self, box: QtCore.QRectF, bounds: QtCore.QRectF | None = None) -> None:
        box = box.normalized()
        pg.ROI.__init__(self, pos=pg.Point(box.topLeft()), size=pg.Point(box.width(), box.height()), movable=True,
                        rotatable=False, resizable=False, removable=False, maxBounds=bounds)
        self.key = ""
        self.slice_index = 0
        self.selected = False
        self.stats_cache: tuple[tuple[float, ...], RoiStats | EmptyRoi] | None = None
        self.setAcceptedMouseButtons(QtCore.Qt.MouseButton.LeftButton)
        for position, fixed in _HANDLES:
            self.addScaleHandle(position, fixed)

    def box(self) -> QtCore.QRectF:
        """The ellipse's box in view coordinates (mm in the image plane)."""
        pos, size = self.pos(), self.size()
        return QtCore.QRectF(pos.x(), pos.y(), size.x(), size.y())

    def set_box(self, box: QtCore.QRectF) -> None:
        """Place the ellipse in ``box`` (view coordinates) without finishing a change."""
        box = box.normalized()
        self.setPos(pg.Point(box.topLeft()), update=False, finish=False)
        self.setSize(pg.Point(box.width(), box.height()), finish=False)

    def points(self) -> list[QtCore.QPointF]:
        """The ellipse's rightmost, leftmost, top and bottom points (view coordinates)."""
        box = self.box()
        centre = box.center()
        return [QtCore.QPointF(box.right(), centre.y()), QtCore.QPointF(box.left(), centre.y()),
                QtCore.QPointF(centre.x(), box.top()), QtCore.QPointF(centre.x(), box.bottom())]

    def style(self, selected: bool) -> None:
        """The ROI colour; thicker when selected."""
        self.selected = selected
        apply_pens(self, QtGui.QColor(ROI_COLOUR), selected)

    def _local_box(self) -> QtCore.QRectF:
        size = self.size()
        return QtCore.QRectF(0.0, 0.0, size.x(), size.y())

    def paint(self, painter: QtGui.QPainter, *args: Any) -> None:
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        painter.setPen(self.currentPen)
        painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        painter.drawEllipse(self._local_box())

    def shape(self) -> QtGui.QPainterPath:
        """The hit area: the whole ellipse (a press inside moves it)."""
        path = QtGui.QPainterPath()
        path.addEllipse(self._local_box())
        return path


class EllipseLayer(KeyedLayer[EllipseRoi]):
    """The elliptical ROIs of one slice view: drawing, moving, resizing, selection, deletion, labels.

    Signals: ``selected(key)`` (``""`` for none), ``added(key)`` when a drawing ends, ``deleted(key)``
    on Delete, and ``changed()`` whenever a label must be repainted. Nothing here is part of the
    read: there are no records.
    """

    added = QtCore.Signal(str)

    def __init__(self, view_box: pg.ViewBox, image_item: pg.ImageItem,
                 parent: QtCore.QObject | None = None) -> None:
        super().__init__(view_box, image_item, parent)
        self._draft: EllipseRoi | None = None
        self._start = QtCore.QPointF()

    # -- set-up ------------------------------------------------------------------------------
    def _image_rect(self) -> QtCore.QRectF:
        return self._image.mapRectToParent(self._image.boundingRect())

    def _clamp(self, point: QtCore.QPointF) -> QtCore.QPointF:
        rect = self._image_rect()
        return QtCore.QPointF(min(max(point.x(), rect.left()), rect.right()),
                              min(max(point.y(), rect.top()), rect.bottom()))

    # -- drawing -----------------------------------------------------------------------------
    @property
    def in_progress(self) -> bool:
        """True while an ROI is being drawn (Esc cancels it)."""
        return self._draft is not None

    def begin(self, point: QtCore.QPointF) -> None:
        """Start drawing at ``point`` (view coordinates; clamped to the image)."""
        if self._volume is None:
            return
        self.cancel()
        self._start = self._clamp(point)
        rect = self._image_rect()
        bounds = rect.adjusted(-1e-6 * rect.width(), -1e-6 * rect.height(), 1e-6 * rect.width(), 1e-6 * rect.height())
        roi = EllipseRoi(QtCore.QRectF(self._start, self._start), bounds)
        roi.slice_index = self._slice
        roi.style(False)
        self._view_box.addItem(roi, ignoreBounds=True)
        self._draft = roi

    def drag_to(self, point: QtCore.QPointF) -> None:
        """The box of the ROI being drawn runs from the press to ``point`` (clamped to the image)."""
        if self._draft is None:
            return
        self._draft.set_box(QtCore.QRectF(self._start, self._clamp(point)))
        self.changed.emit()

    def finish(self, point: QtCore.QPointF) -> str:
        """End the drawing: the ROI is kept and selected; its key, or ``""`` for an empty box."""
        draft = self._draft
        if draft is None:
            return ""
        self.drag_to(point)
        box = draft.box()
        if box.width() <= 0 or box.height() <= 0:
            self.cancel()
            return ""
        self._draft = None
        self._counter += 1
        key = f"{ROI_KEY_PREFIX}{self._counter}"
        draft.key = key
        self._items[key] = draft
        draft.sigRegionChanged.connect(self._on_region_changed)
        draft.sigRegionChangeStarted.connect(self._on_region_started)
        draft.sigClicked.connect(self._on_clicked)
        self.select(key)
        self.added.emit(key)
        self.changed.emit()
        return key

    def cancel(self) -> bool:
        """Drop the ROI being drawn (Esc); True if there was one."""
        draft, self._draft = self._draft, None
        if draft is None:
            return False
        self._view_box.removeItem(draft)
        self.changed.emit()
        return True

    def _on_region_changed(self, _roi: EllipseRoi) -> None:
        self.changed.emit()

    def _on_region_started(self, roi: EllipseRoi) -> None:
        self.select(roi.key)

    def _on_clicked(self, roi: EllipseRoi, _event: object) -> None:
        self.select(roi.key)

    # -- statistics ----------------------------------------------------------------------------
    def ellipse_index(self, roi: EllipseRoi) -> tuple[tuple[float, float], tuple[float, float]]:
        """``(centre (col, row), semi-axes (columns, rows))`` of ``roi`` in DICOM index units."""
        box = roi.box()
        c0, r0 = geometry.item_to_index(*self._image.mapFromParent(box.topLeft()).toTuple())
        c1, r1 = geometry.item_to_index(*self._image.mapFromParent(box.bottomRight()).toTuple())
        return ((c0 + c1) / 2.0, (r0 + r1) / 2.0), (abs(c1 - c0) / 2.0, abs(r1 - r0) / 2.0)

    def stats_of(self, roi: EllipseRoi) -> RoiStats | EmptyRoi:
        """The HU statistics of ``roi`` on its slice (cached until it moves)."""
        assert self._volume is not None
        centre, axes = self.ellipse_index(roi)
        cache_key = (roi.slice_index, *centre, *axes)
        if roi.stats_cache is not None and roi.stats_cache[0] == cache_key:
            return roi.stats_cache[1]
        stats: RoiStats | EmptyRoi
        if axes[0] > 0 and axes[1] > 0:
            stats = ellipse_stats(self._volume.hu[roi.slice_index], centre, axes, self._volume.pixel_spacing)
        else:
            stats = EmptyRoi(centre, axes)
        roi.stats_cache = (cache_key, stats)
        return stats

    def stats(self, key: str) -> RoiStats | EmptyRoi:
        """The HU statistics of ROI ``key``."""
        return self.stats_of(self._items[key])

    # -- ROIs ----------------------------------------------------------------------------------
    def roi(self, key: str) -> EllipseRoi:
        """The ROI graphics of ``key``."""
        return self._items[key]

    def delete_selected(self) -> str:
        """Delete the selected ROI (Delete / Backspace; allowed when read-only) and emit ``deleted``;
        its key or ``""``."""
        key = self._selected
        if key and self.remove(key):
            self.deleted.emit(key)
            return key
        return ""

    def labels(self) -> list[LabelSpec]:
        """Labels of the ROIs on the current slice, the one being drawn included."""
        shown = [roi for roi in self._items.values() if roi.slice_index == self._slice]
        if self._draft is not None:
            shown.append(self._draft)
        colour = QtGui.QColor(ROI_COLOUR)
        return [LabelSpec(roi_text(self.stats_of(roi)), colour, tuple(roi.points()), roi.selected)
                for roi in shown if roi.box().width() > 0 and roi.box().height() > 0]
