"""The two caliper ROIs: a length caliper and a bidirectional caliper (VIEWER.md "Measuring").

Calipers are pyqtgraph ROIs in the ViewBox's view coordinates, which are millimetres in the image
plane (the ``ImageItem`` carries ``scale(column spacing, row spacing)``, ARCHITECTURE §1.3 step 4),
so "perpendicular" means perpendicular in mm even with anisotropic (0028,0030) *Pixel Spacing*.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from recist_app.model.caliper import CaliperKind, CaliperRecord
from widgets.viewer.calipers.style import apply_pens, band, role_colour


class _CaliperMixin:
    """Bookkeeping shared by both calipers: lesion label, role, slice, last record emitted."""

    key: str = ""
    label: str = ""
    role: str = ""
    slice_index: int = 0
    record: CaliperRecord | None = None
    committed: bool = False
    selected: bool = False

    def style(self, selected: bool) -> None:
        """Apply the role colour; thicker when selected."""
        self.selected = selected
        apply_pens(self, role_colour(self.role), selected)

    def ends(self) -> list[QtCore.QPointF]:
        """Caliper ends in view (parent) coordinates: long axis, then short axis if drawn."""
        roi: Any = self
        return [roi.mapToParent(handle.pos()) for handle in roi.getHandles()[:self.end_count()]]

    def end_count(self) -> int:
        """Number of ends drawn so far (2, or 4 for a bidirectional with its short axis)."""
        return 2


class LengthCaliper(_CaliperMixin, pg.LineSegmentROI):
    """Two-point caliper (``LineSegmentROI``): drag a handle to edit, the line to move it."""

    kind = CaliperKind.LENGTH

    def __init__(self, p1: QtCore.QPointF, p2: QtCore.QPointF) -> None:
        pg.LineSegmentROI.__init__(self, positions=[pg.Point(p1), pg.Point(p2)], pos=(0, 0), movable=True)
        self.setAcceptedMouseButtons(QtCore.Qt.MouseButton.LeftButton)

    def set_ends(self, points: Sequence[QtCore.QPointF]) -> None:
        """Move both ends (view coordinates) without finishing a change."""
        for handle, point in zip(self.getHandles(), points, strict=True):
            self.movePoint(handle, point, finish=False)

    def shape(self) -> QtGui.QPainterPath:
        """The hit area: 4 screen pixels either side of the line (see :func:`_band`)."""
        path = QtGui.QPainterPath()
        if len(self.handles) == 2:
            band(self, self.endpoints[0].pos(), self.endpoints[1].pos(), path)
        return path


class BidirectionalCaliper(_CaliperMixin, pg.ROI):
    """Long axis (handles 0, 1) and a short axis (handles 2, 3) kept perpendicular to it.

    The short axis is stored relative to the long one: the fraction ``t`` along it where the axes
    cross and the distances ``d1``/``d2`` of its ends on each side, so moving a long-axis end
    carries the short axis along, still perpendicular (VIEWER.md "Bidirectional").
    """

    kind = CaliperKind.BIDIRECTIONAL
    _short_shown = False

    def __init__(self, a: QtCore.QPointF, b: QtCore.QPointF) -> None:
        pg.ROI.__init__(self, pos=(0, 0), size=(1, 1), movable=True, rotatable=False, resizable=False,
                        removable=False)
        self.setAcceptedMouseButtons(QtCore.Qt.MouseButton.LeftButton)
        self._t, self._d1, self._d2 = 0.5, 0.0, 0.0
        for point in (a, b, a, a):
            self.addFreeHandle(pg.Point(point))
        self._show_short(False)

    @property
    def has_short_axis(self) -> bool:
        """True once the short axis has been drawn."""
        return self._short_shown

    def end_count(self) -> int:
        return 4 if self._short_shown else 2

    def clear_short_axis(self) -> None:
        """Forget the short axis (back to a long axis only)."""
        self._t, self._d1, self._d2 = 0.5, 0.0, 0.0
        self._show_short(False)
        self._layout(self._local(0), self._local(1))

    def _show_short(self, shown: bool) -> None:
        self._short_shown = shown
        for handle in self.getHandles()[2:]:
            handle.setVisible(shown)

    def _local(self, index: int) -> pg.Point:
        return pg.Point(self.handles[index]["pos"])

    def _frame(self, a: pg.Point, b: pg.Point) -> tuple[pg.Point, pg.Point, float]:
        """Unit vector along a→b, unit perpendicular, length."""
        delta = b - a
        length = math.hypot(delta.x(), delta.y())
        if length == 0:
            return pg.Point(1, 0), pg.Point(0, 1), 0.0
        along = delta / length
        return along, pg.Point(-along.y(), along.x()), length

    def _layout(self, a: pg.Point, b: pg.Point) -> None:
        """Place all four handles from the long axis and the stored (t, d1, d2)."""
        _, across, _ = self._frame(a, b)
        cross = a + (b - a) * self._t
        points = (a, b, cross + across * self._d1, cross - across * self._d2)
        for handle, point in zip(self.handles, points, strict=True):
            handle["pos"] = pg.Point(point)
            handle["item"].setPos(point)

    def _short_from(self, index: int, local: pg.Point) -> None:
        """Update (t, d1 or d2) from a short-axis end dragged to ``local``: it slides along the
        perpendicular and carries the crossing point along the long axis."""
        a, b = self._local(0), self._local(1)
        along, across, length = self._frame(a, b)
        if length == 0:
            return
        offset = local - a
        self._t = min(1.0, max(0.0, (offset.x() * along.x() + offset.y() * along.y()) / length))
        side = offset.x() * across.x() + offset.y() * across.y()
        if index == 2:
            self._d1 = max(0.0, side)
        else:
            self._d2 = max(0.0, -side)

    def set_long_axis(self, a: QtCore.QPointF, b: QtCore.QPointF) -> None:
        """Set the long axis (view coordinates); the short axis follows."""
        self._layout(pg.Point(self.mapFromParent(a)), pg.Point(self.mapFromParent(b)))
        self.freeHandleMoved = True
        self.stateChanged(finish=False)

    def set_short_axis_from(self, p: QtCore.QPointF, q: QtCore.QPointF) -> None:
        """Short axis from a drag p → q: both ends projected on the perpendicular through the foot
        of the drag's midpoint on the long axis."""
        a, b = self._local(0), self._local(1)
        along, across, length = self._frame(a, b)
        if length == 0:
            return
        lp, lq = pg.Point(self.mapFromParent(p)), pg.Point(self.mapFromParent(q))
        middle = (lp + lq) * 0.5 - a
        self._t = min(1.0, max(0.0, (middle.x() * along.x() + middle.y() * along.y()) / length))
        cross = a + (b - a) * self._t
        sides = [(pt - cross).x() * across.x() + (pt - cross).y() * across.y() for pt in (lp, lq)]
        self._d1, self._d2 = max(0.0, max(sides)), max(0.0, -min(sides))
        self._show_short(True)
        self._layout(a, b)
        self.freeHandleMoved = True
        self.stateChanged(finish=False)

    def set_ends(self, points: Sequence[QtCore.QPointF]) -> None:
        """Long axis ends then short axis ends (view coordinates), e.g. from a stored record."""
        self.set_long_axis(points[0], points[1])
        if len(points) == 4:
            self.set_short_axis_from(points[2], points[3])

    def movePoint(self, handle: Any, pos: Any, modifiers: Any = None, finish: bool = True,
                  coords: str = "parent") -> None:
        """pyqtgraph hook for handle drags: apply the perpendicular constraint."""
        index = self.indexOfHandle(handle)
        point = pg.Point(pos) if coords == "parent" else pg.Point(self.mapSceneToParent(pos))
        local = pg.Point(self.mapFromParent(point))
        a, b = self._local(0), self._local(1)
        if index == 0:
            a = local
        elif index == 1:
            b = local
        else:
            self._short_from(index, local)
        self._layout(a, b)
        self.freeHandleMoved = True
        self.stateChanged(finish=finish)

    def getState(self) -> dict[str, Any]:
        state = pg.ROI.getState(self)
        state["points"] = [pg.Point(handle["pos"]) for handle in self.handles]
        return state

    def setState(self, state: dict[str, Any], update: bool = True) -> None:
        pg.ROI.setState(self, state, update=False)
        for handle, point in zip(self.handles, state["points"], strict=True):
            handle["pos"] = pg.Point(point)
            handle["item"].setPos(point)
        self.stateChanged(finish=update)

    def paint(self, painter: QtGui.QPainter, *args: Any) -> None:
        if len(self.handles) < 4:
            return
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        painter.setPen(self.currentPen)
        painter.drawLine(self._local(0), self._local(1))
        if self.has_short_axis:
            painter.drawLine(self._local(2), self._local(3))

    def shape(self) -> QtGui.QPainterPath:
        path = QtGui.QPainterPath()
        if len(self.handles) < 4:
            return path
        band(self, self._local(0), self._local(1), path)
        if self.has_short_axis:
            band(self, self._local(2), self._local(3), path)
        return path

    def boundingRect(self) -> QtCore.QRectF:
        return self.shape().boundingRect()


Caliper = LengthCaliper | BidirectionalCaliper
