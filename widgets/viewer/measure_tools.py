"""Measuring tools of the slice view: a length caliper and a bidirectional caliper (VIEWER.md "Measuring").

The calipers' labels are laid out and painted by :mod:`widgets.viewer.overlay` (viewport pixels).

Calipers are pyqtgraph ROIs in the ViewBox's view coordinates, which are millimetres in the image
plane (the ``ImageItem`` carries ``scale(column spacing, row spacing)``, ARCHITECTURE §1.3 step 4),
so "perpendicular" means perpendicular in mm even with anisotropic (0028,0030) *Pixel Spacing*.
While a handle moves (``sigRegionChanged``) only the label changes; a record leaves when the drag
ends (``sigRegionChangeFinished``; C12). Handle positions are mapped into ``ImageItem``
coordinates, turned into DICOM indices by :func:`recist_app.imaging.geometry.item_to_index` (corner →
centre) and into patient mm by :meth:`recist_app.model.caliper.CaliperRecord.from_index` (C4, C5).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from enum import StrEnum
from typing import Any

import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from recist_app.imaging import geometry
from recist_app.imaging.volume import CtVolume
from recist_app.model.caliper import CaliperKind, CaliperRecord
from widgets.viewer.overlay import LabelSpec

#: Key prefix of a caliper still being drawn (it belongs to no lesion yet).
DRAFT_KEY_PREFIX = "new-"

class Tool(StrEnum):
    """What a left drag does (VIEWER.md "Mouse"): window/level, or draw a caliper."""

    WINDOW = "window"
    LENGTH = "length"
    BIDIRECTIONAL = "bidirectional"


#: Colour by lesion role (SDTM ``TUSTRESC`` values; VIEWER.md "colour by role").
ROLE_COLOURS: dict[str, str] = {
    "TARGET": "#5fd068",
    "NON-TARGET": "#4fc3f7",
    "NEW": "#ff8a65",
    "NEW TARGET": "#ff8a65",
    "NEW NON-TARGET": "#ff8a65",
}
#: Colour of a caliper not yet assigned to a lesion.
UNASSIGNED_COLOUR = "#ffd54f"
HANDLE_RADIUS_PX = 4.0


def role_colour(role: str) -> QtGui.QColor:
    """The colour of a lesion role (``"TARGET"``, ``"NON-TARGET"``, ``"NEW"`` …); amber if unknown."""
    return QtGui.QColor(ROLE_COLOURS.get(role.strip().upper(), UNASSIGNED_COLOUR))


def caliper_text(label: str, record: CaliperRecord, drawing_long_axis: bool = False) -> str:
    """Label text: ``"T1 42.3 mm"``, ``"N2 SA 12.1 mm"`` + ``"LA 20.4 mm"``; no mm when uncalibrated."""
    prefix = f"{label} " if label else ""
    if not record.calibrated:
        return f"{prefix}uncalibrated (no mm)"
    if record.kind is CaliperKind.LENGTH:
        return f"{prefix}{'LA ' if drawing_long_axis else ''}{record.long_axis_mm:.1f} mm"
    return f"{prefix}SA {record.short_axis_mm:.1f} mm\nLA {record.long_axis_mm:.1f} mm"


def _pens(colour: QtGui.QColor, selected: bool) -> dict[str, Any]:
    width = 3.0 if selected else 2.0
    return {"pen": pg.mkPen(colour, width=width), "hoverPen": pg.mkPen("#ffffff", width=width),
            "handlePen": pg.mkPen(colour, width=2.0), "handleHoverPen": pg.mkPen("#ffffff", width=2.0)}


def _band(roi: pg.ROI, h1: QtCore.QPointF, h2: QtCore.QPointF, path: QtGui.QPainterPath,
          half_width_px: float = 4.0) -> None:
    """Add a band ``half_width_px`` screen pixels either side of the segment h1–h2 to ``path``.

    Computed from the device transform: ``GraphicsItem.pixelVectors`` hands out its cached vectors
    and ``LineSegmentROI.shape`` scales them in place, so that cache cannot be trusted.
    """
    device = roi.deviceTransform_()
    if device is None:
        return
    d = device.map(h2) - device.map(h1)
    length = math.hypot(d.x(), d.y())
    if length == 0:
        return
    inverse = device.inverted()[0]
    normal = QtCore.QPointF(-d.y() / length * half_width_px, d.x() / length * half_width_px)
    across = inverse.map(normal) - inverse.map(QtCore.QPointF(0.0, 0.0))
    path.moveTo(h1 + across)
    path.lineTo(h2 + across)
    path.lineTo(h2 - across)
    path.lineTo(h1 - across)
    path.closeSubpath()


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
        roi: Any = self
        self.selected = selected
        pens = _pens(role_colour(self.role), selected)
        roi.setPen(pens["pen"])
        roi.hoverPen = pens["hoverPen"]
        for handle in roi.getHandles():
            handle.pen = pens["handlePen"]
            handle.hoverPen = pens["handleHoverPen"]
            handle.currentPen = handle.pen
            handle.radius = HANDLE_RADIUS_PX
            handle.buildPath()
            handle.update()

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
            _band(self, self.endpoints[0].pos(), self.endpoints[1].pos(), path)
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
        _band(self, self._local(0), self._local(1), path)
        if self.has_short_axis:
            _band(self, self._local(2), self._local(3), path)
        return path

    def boundingRect(self) -> QtCore.QRectF:
        return self.shape().boundingRect()


Caliper = LengthCaliper | BidirectionalCaliper


class MeasureLayer(QtCore.QObject):
    """The calipers on one slice view: drawing, editing, selection, deletion and records.

    Signals carry the view's key for each caliper: ``committed(key, record)`` when a new caliper
    is finished, ``edited(key, record)`` when a drag of an existing one ends, ``deleted(key)``,
    ``selected(key)`` (``""`` for none) and ``changed()`` whenever a label must be repainted.
    """

    committed = QtCore.Signal(str, object)
    edited = QtCore.Signal(str, object)
    deleted = QtCore.Signal(str)
    selected = QtCore.Signal(str)
    changed = QtCore.Signal()

    def __init__(self, view_box: pg.ViewBox, image_item: pg.ImageItem,
                 parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._view_box = view_box
        self._image = image_item
        self._volume: CtVolume | None = None
        self._slice = 0
        self._calipers: dict[str, Caliper] = {}
        self._draft: Caliper | None = None
        self._draft_stage = ""  # "long", "await-short", "short"
        self._short_start = QtCore.QPointF()
        self._pending = ("", "")
        self._selected = ""
        self._counter = 0
        self._read_only = False

    # -- set-up ------------------------------------------------------------------------------
    def set_volume(self, volume: CtVolume | None) -> None:
        """Show ``volume``: every caliper of the previous one is removed."""
        self.cancel()
        self.clear()
        self._volume = volume
        self._slice = 0

    def set_slice(self, k: int) -> None:
        """Show only the calipers of slice ``k``; a caliper being drawn is cancelled."""
        self.cancel()
        self._slice = k
        for caliper in self._calipers.values():
            caliper.setVisible(caliper.slice_index == k)
        self.changed.emit()

    def set_pending(self, label: str, role: str) -> None:
        """Lesion label and role given to the next caliper drawn (e.g. ``"T1"``, ``"TARGET"``)."""
        self._pending = (label, role)

    # -- drawing -----------------------------------------------------------------------------
    @property
    def in_progress(self) -> bool:
        """True while a caliper is being drawn (Esc cancels it)."""
        return self._draft is not None

    def _clamp(self, point: QtCore.QPointF) -> QtCore.QPointF:
        rect = self._image.mapRectToParent(self._image.boundingRect())
        return QtCore.QPointF(min(max(point.x(), rect.left()), rect.right()),
                              min(max(point.y(), rect.top()), rect.bottom()))

    @property
    def read_only(self) -> bool:
        """True when calipers can be neither drawn, dragged nor deleted."""
        return self._read_only

    def set_read_only(self, read_only: bool) -> None:
        """Freeze (or thaw) the calipers: no drawing, no handle or body dragging, no deletion.

        Frozen calipers accept no mouse button, so a press on one goes to the view underneath
        (window / level, pan, zoom)."""
        self._read_only = bool(read_only)
        if self._read_only:
            self.cancel()
        for caliper in self._calipers.values():
            self._apply_read_only(caliper)

    def _apply_read_only(self, caliper: Caliper) -> None:
        # pyqtgraph hands a drag to whatever accepted it on hover: a ROI only when translatable, a
        # handle always (whatever its mouse buttons), so frozen calipers hide their handles.
        frozen = self._read_only
        buttons = QtCore.Qt.MouseButton.NoButton if frozen else QtCore.Qt.MouseButton.LeftButton
        caliper.translatable = not frozen
        caliper.setAcceptedMouseButtons(buttons)
        for index, handle in enumerate(caliper.getHandles()):
            handle.setAcceptedMouseButtons(buttons)
            handle.setVisible(not frozen and index < caliper.end_count())

    def begin(self, tool: Tool, point: QtCore.QPointF) -> None:
        """Start a drag of ``tool`` at ``point`` (view coordinates)."""
        if self._volume is None or tool is Tool.WINDOW or self._read_only:
            return
        point = self._clamp(point)
        if self._draft_stage == "await-short" and isinstance(self._draft, BidirectionalCaliper):
            self._draft_stage = "short"
            self._short_start = point
            return
        self.cancel()
        caliper: Caliper = LengthCaliper(point, point) if tool is Tool.LENGTH else BidirectionalCaliper(point, point)
        caliper.label, caliper.role = self._pending
        caliper.slice_index = self._slice
        caliper.style(False)
        self._view_box.addItem(caliper, ignoreBounds=True)
        self._draft, self._draft_stage = caliper, "long"

    def drag_to(self, point: QtCore.QPointF) -> None:
        """Follow the mouse during the drag started by :meth:`begin`."""
        draft = self._draft
        if draft is None:
            return
        point = self._clamp(point)
        if self._draft_stage == "long":
            start = draft.ends()[0]
            if isinstance(draft, BidirectionalCaliper):
                draft.set_long_axis(start, point)
            else:
                draft.set_ends([start, point])
        elif self._draft_stage == "short" and isinstance(draft, BidirectionalCaliper):
            draft.set_short_axis_from(self._short_start, point)
        self.changed.emit()

    def finish(self, point: QtCore.QPointF) -> None:
        """End the drag: a length caliper (or a bidirectional's short axis) is committed."""
        draft = self._draft
        if draft is None:
            return
        self.drag_to(point)
        ends = draft.ends()
        if self._draft_stage == "long" and _same(ends[0], ends[1]):
            self.cancel()
            return
        if isinstance(draft, BidirectionalCaliper) and self._draft_stage == "long":
            self._draft_stage = "await-short"
            self.changed.emit()
            return
        if isinstance(draft, BidirectionalCaliper) and _same(ends[2], ends[3]):
            draft.clear_short_axis()  # a drag along the long axis gives no short axis: try again
            self._draft_stage = "await-short"
            self.changed.emit()
            return
        self._draft, self._draft_stage = None, ""
        self._counter += 1
        key = f"{DRAFT_KEY_PREFIX}{self._counter}"
        self._adopt(key, draft)
        draft.record = self.record_of(draft)
        self.select(key)
        self.committed.emit(key, draft.record)

    def cancel(self) -> bool:
        """Drop the caliper being drawn (Esc); True if there was one."""
        draft, self._draft, self._draft_stage = self._draft, None, ""
        if draft is None:
            return False
        self._view_box.removeItem(draft)
        self.changed.emit()
        return True

    # -- records -----------------------------------------------------------------------------
    def record_of(self, caliper: Caliper) -> CaliperRecord:
        """The caliper as a record: ends → ImageItem coordinates → DICOM index → patient mm."""
        assert self._volume is not None
        index = [geometry.item_to_index(*_xy(self._image.mapFromParent(end))) for end in caliper.ends()]
        short = (index[2], index[3]) if len(index) == 4 else None
        return CaliperRecord.from_index(self._volume, caliper.slice_index, (index[0], index[1]), short)

    def add(self, key: str, record: CaliperRecord, label: str = "", role: str = "") -> None:
        """Show a stored record (patient mm → index via ``geometry.patient_to_index``), editable.

        Raises
        ------
        UncalibratedImageError
            When the record or the volume has no mm.
        ValueError
            When no volume is shown, the record is of another series, or ``key`` is taken.
        """
        if self._volume is None:
            raise ValueError("No volume is shown; call set_volume first.")
        if key in self._calipers:
            raise ValueError(f'Argument "key" must be new, got {key!r} (already shown).')
        placed = record.to_index(self._volume)
        lines = [placed.long_axis] + ([placed.short_axis] if placed.short_axis is not None else [])
        points = [self._image.mapToParent(QtCore.QPointF(*geometry.index_to_item(*end)))
                  for line in lines for end in line]
        caliper: Caliper = (LengthCaliper(points[0], points[1]) if record.kind is CaliperKind.LENGTH
                            else BidirectionalCaliper(points[0], points[1]))
        if isinstance(caliper, BidirectionalCaliper) and len(points) == 4:
            caliper.set_short_axis_from(points[2], points[3])
        caliper.label, caliper.role, caliper.slice_index = label, role, placed.k
        caliper.style(False)
        self._view_box.addItem(caliper, ignoreBounds=True)
        self._adopt(key, caliper)
        self._apply_read_only(caliper)
        caliper.record = record
        caliper.setVisible(placed.k == self._slice)
        self.changed.emit()

    def _adopt(self, key: str, caliper: Caliper) -> None:
        caliper.key, caliper.committed = key, True
        self._calipers[key] = caliper
        caliper.sigRegionChanged.connect(self._on_region_changed)
        caliper.sigRegionChangeStarted.connect(self._on_region_started)
        caliper.sigRegionChangeFinished.connect(self._on_region_finished)
        caliper.sigClicked.connect(self._on_clicked)

    def _on_region_changed(self, _roi: Caliper) -> None:
        self.changed.emit()

    def _on_region_started(self, roi: Caliper) -> None:
        self.select(roi.key)

    def _on_clicked(self, roi: Caliper, _event: object) -> None:
        self.select(roi.key)

    def _on_region_finished(self, roi: Caliper) -> None:
        if not roi.committed or roi.key not in self._calipers:
            return
        record = self.record_of(roi)
        if record != roi.record:
            roi.record = record
            self.edited.emit(roi.key, record)

    def keys(self) -> list[str]:
        """Keys of every caliper shown (all slices)."""
        return list(self._calipers)

    def caliper(self, key: str) -> Caliper:
        """The caliper graphics of ``key`` (tests and the main window may read its ends)."""
        return self._calipers[key]

    def remove(self, key: str) -> bool:
        """Remove a caliper without emitting ``deleted`` (the core already knows)."""
        caliper = self._calipers.pop(key, None)
        if caliper is None:
            return False
        self._view_box.removeItem(caliper)
        if self._selected == key:
            self.select("")
        self.changed.emit()
        return True

    def clear(self) -> None:
        """Remove every caliper (no signals but ``selected``/``changed``)."""
        for key in list(self._calipers):
            self.remove(key)

    @property
    def selected_key(self) -> str:
        """Key of the selected caliper, ``""`` when none."""
        return self._selected

    def select(self, key: str) -> None:
        """Select one caliper (``""``: none); emits ``selected`` when it changes."""
        key = key if key in self._calipers else ""
        if key == self._selected:
            return
        for name, caliper in self._calipers.items():
            caliper.style(name == key)
        self._selected = key
        self.selected.emit(key)
        self.changed.emit()

    def delete_selected(self) -> str:
        """Delete the selected caliper (Delete/Backspace) and emit ``deleted``; its key or ``""``
        (nothing is deleted when read-only)."""
        key = self._selected
        if key and not self._read_only and self.remove(key):
            self.deleted.emit(key)
            return key
        return ""

    def labels(self) -> list[LabelSpec]:
        """Labels of the calipers visible on the current slice, the one being drawn included."""
        shown = [c for c in self._calipers.values() if c.slice_index == self._slice]
        if self._draft is not None:
            shown.append(self._draft)
        specs = []
        for caliper in shown:
            ends = caliper.ends()
            if _same(ends[0], ends[1]):
                continue
            drawing_long = (caliper is self._draft and isinstance(caliper, BidirectionalCaliper)
                            and not caliper.has_short_axis)
            text = caliper_text(caliper.label, self.record_of(caliper), drawing_long)
            specs.append(LabelSpec(text, role_colour(caliper.role), tuple(ends), caliper.selected))
        return specs

    def __iter__(self) -> Iterator[Caliper]:
        return iter(self._calipers.values())


def _xy(point: QtCore.QPointF) -> tuple[float, float]:
    return point.x(), point.y()


def _same(p: QtCore.QPointF, q: QtCore.QPointF) -> bool:
    return abs(p.x() - q.x()) < 1e-9 and abs(p.y() - q.y()) < 1e-9
