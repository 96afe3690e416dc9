"""The calipers of one slice view: drawing, editing, selection, deletion and records (C12).

While a handle moves (``sigRegionChanged``) only the label changes; a record leaves when the drag
ends (``sigRegionChangeFinished``). Handle positions are mapped into ``ImageItem`` coordinates,
turned into DICOM indices by :func:`recist_app.imaging.geometry.item_to_index` (corner → centre)
and into patient mm by :meth:`recist_app.model.caliper.CaliperRecord.from_index` (C4, C5). The
labels are laid out and painted by :mod:`widgets.viewer.overlay` (viewport pixels).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from enum import StrEnum

import pyqtgraph as pg
from PySide6 import QtCore

from recist_app.imaging import geometry
from recist_app.model.caliper import CaliperKind, CaliperRecord
from recist_app.read.measuring import CaliperProposal, accepted
from widgets.viewer.calipers.keyed import KeyedLayer
from widgets.viewer.calipers.rois import BidirectionalCaliper, Caliper, LengthCaliper
from widgets.viewer.calipers.style import caliper_text, role_colour
from widgets.viewer.overlay import LabelSpec

#: Key prefix of a caliper still being drawn (it belongs to no lesion yet).
DRAFT_KEY_PREFIX = "new-"
#: Colour of the outline of the measuring tool's proposal: apart from every role colour.
OUTLINE_COLOUR = "#ffee58"


class Tool(StrEnum):
    """What a left drag does (VIEWER.md "Mouse"): window/level, draw a caliper, draw an elliptical
    ROI (view-only, :mod:`widgets.viewer.calipers.ellipse`), or stroke across a lesion for the measuring
    tool's proposal (:mod:`recist_app.read.measuring`)."""

    WINDOW = "window"
    LENGTH = "length"
    BIDIRECTIONAL = "bidirectional"
    ELLIPSE = "ellipse"
    STROKE = "stroke"


class MeasureLayer(KeyedLayer[Caliper]):
    """The calipers on one slice view: drawing, editing, selection, deletion and records.

    Signals carry the view's key for each caliper: ``committed(key, record)`` when a new caliper
    is finished, ``edited(key, record)`` when a drag of an existing one ends, ``deleted(key)``,
    ``selected(key)`` (``""`` for none) and ``changed()`` whenever a label must be repainted.
    """

    committed = QtCore.Signal(str, object)
    edited = QtCore.Signal(str, object)

    def __init__(self, view_box: pg.ViewBox, image_item: pg.ImageItem,
                 parent: QtCore.QObject | None = None) -> None:
        super().__init__(view_box, image_item, parent)
        self._draft: Caliper | None = None
        self._draft_stage = ""  # "long", "await-short", "short"
        self._short_start = QtCore.QPointF()
        self._pending = ("", "")
        self._read_only = False
        self._held = False
        self._proposal: CaliperProposal | None = None
        self._proposed: Caliper | None = None
        self._outline = pg.PlotCurveItem(pen=pg.mkPen(OUTLINE_COLOUR, width=1.0))
        self._outline.setVisible(False)
        self._outline.setZValue(4)
        view_box.addItem(self._outline, ignoreBounds=True)

    # -- set-up ------------------------------------------------------------------------------
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
        for caliper in self._items.values():
            self._apply_read_only(caliper)

    def hold(self, held: bool) -> None:
        """Keep the stored calipers still (no handle or body dragging) while another tool owns the left button: with
        the stroke tool a press anywhere starts a stroke, never a drag of a caliper under it."""
        self._held = bool(held)
        for caliper in self._items.values():
            self._apply_read_only(caliper)

    def _apply_read_only(self, caliper: Caliper) -> None:
        # pyqtgraph hands a drag to whatever accepted it on hover: a ROI only when translatable, a
        # handle always (whatever its mouse buttons), so frozen calipers hide their handles.
        frozen = self._read_only or self._held
        buttons = QtCore.Qt.MouseButton.NoButton if frozen else QtCore.Qt.MouseButton.LeftButton
        caliper.translatable = not frozen
        caliper.setAcceptedMouseButtons(buttons)
        for index, handle in enumerate(caliper.getHandles()):
            handle.setAcceptedMouseButtons(buttons)
            handle.setVisible(not frozen and index < caliper.end_count())

    def begin(self, tool: Tool, point: QtCore.QPointF) -> None:
        """Start a drag of ``tool`` at ``point`` (view coordinates); only the caliper tools draw here."""
        if self._volume is None or tool not in (Tool.LENGTH, Tool.BIDIRECTIONAL) or self._read_only:
            return
        self._drop_proposal()
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
        self._commit(draft, self.record_of(draft))

    def _commit(self, caliper: Caliper, record: CaliperRecord) -> None:
        """A new caliper (drawn, or an accepted proposal) under a draft key, selected, and ``committed``."""
        self._counter += 1
        key = f"{DRAFT_KEY_PREFIX}{self._counter}"
        self._adopt(key, caliper)
        self._apply_read_only(caliper)
        caliper.record = record
        self.select(key)
        self.committed.emit(key, record)

    def cancel(self) -> bool:
        """Drop the caliper being drawn or the proposal shown (Esc); True if there was one."""
        rejected = self._drop_proposal()
        draft, self._draft, self._draft_stage = self._draft, None, ""
        if draft is None:
            return rejected
        self._view_box.removeItem(draft)
        self.changed.emit()
        return True

    # -- the measuring tool's proposal -------------------------------------------------------
    @property
    def proposal(self) -> CaliperProposal | None:
        """The proposal shown, None when there is none."""
        return self._proposal

    def propose(self, proposal: CaliperProposal) -> None:
        """Show the measuring tool's proposal on its slice (the view is there): its caliper, which the reader may
        adjust by its ends, and the lesion's outline. Replaces a caliper being drawn or an earlier proposal."""
        self.cancel()
        if self._volume is None or self._read_only:
            return
        caliper = self._placed(proposal.record)
        caliper.label, caliper.role = self._pending[0], ""  # drawn apart from the stored calipers, in amber
        caliper.record = proposal.record
        caliper.style(True)
        caliper.sigRegionChanged.connect(self._on_region_changed)
        self._view_box.addItem(caliper, ignoreBounds=True)
        xs, ys = [], []
        for segment in proposal.outline:
            for end in segment:
                point = self._item_to_view(end)
                xs.append(point.x())
                ys.append(point.y())
        self._outline.setData(xs, ys, connect="pairs")
        self._outline.setVisible(True)
        self._proposal, self._proposed = proposal, caliper
        self.changed.emit()

    def accept_proposal(self) -> bool:
        """Enter: the proposal, as the reader left it, is committed like a caliper drawn (PROPOSED, or PROPOSED
        EDITED once an end was moved); False when none is shown."""
        proposal, caliper = self._proposal, self._proposed
        if proposal is None or caliper is None:
            return False
        record = accepted(proposal, self.record_of(caliper))
        self._proposal = self._proposed = None
        self._outline.setVisible(False)
        caliper.sigRegionChanged.disconnect(self._on_region_changed)
        self._commit(caliper, record)
        return True

    def _drop_proposal(self) -> bool:
        caliper, self._proposal, self._proposed = self._proposed, None, None
        self._outline.setVisible(False)
        if caliper is None:
            return False
        self._view_box.removeItem(caliper)
        self.changed.emit()
        return True

    def _item_to_view(self, index: tuple[float, float]) -> QtCore.QPointF:
        """A DICOM index ``(col, row)`` of the slice as a point of the view."""
        return self._image.mapToParent(QtCore.QPointF(*geometry.index_to_item(*index)))

    # -- records -----------------------------------------------------------------------------
    def record_of(self, caliper: Caliper) -> CaliperRecord:
        """The caliper as a record: ends → ImageItem coordinates → DICOM index → patient mm; the method is the
        caliper's own (MANUAL for one being drawn)."""
        assert self._volume is not None
        index = [geometry.item_to_index(*_xy(self._image.mapFromParent(end))) for end in caliper.ends()]
        short = (index[2], index[3]) if len(index) == 4 else None
        record = CaliperRecord.from_index(self._volume, caliper.slice_index, (index[0], index[1]), short)
        return record if caliper.record is None else dataclasses.replace(record, method=caliper.record.method)

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
        if key in self._items:
            raise ValueError(f'Argument "key" must be new, got {key!r} (already shown).')
        caliper = self._placed(record)
        caliper.label, caliper.role = label, role
        caliper.style(False)
        self._view_box.addItem(caliper, ignoreBounds=True)
        self._adopt(key, caliper)
        self._apply_read_only(caliper)
        caliper.record = record
        caliper.setVisible(caliper.slice_index == self._slice)
        self.changed.emit()

    def _placed(self, record: CaliperRecord) -> Caliper:
        """The caliper graphics of ``record`` on the volume shown (patient mm → index → view), on its slice."""
        assert self._volume is not None
        placed = record.to_index(self._volume)
        lines = [placed.long_axis] + ([placed.short_axis] if placed.short_axis is not None else [])
        points = [self._item_to_view(end) for line in lines for end in line]
        caliper: Caliper = (LengthCaliper(points[0], points[1]) if record.kind is CaliperKind.LENGTH
                            else BidirectionalCaliper(points[0], points[1]))
        if isinstance(caliper, BidirectionalCaliper) and len(points) == 4:
            caliper.set_short_axis_from(points[2], points[3])
        caliper.slice_index = placed.k
        return caliper

    def _adopt(self, key: str, caliper: Caliper) -> None:
        caliper.key, caliper.committed = key, True
        self._items[key] = caliper
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
        if not roi.committed or roi.key not in self._items:
            return
        record = self.record_of(roi)
        if record != roi.record:
            roi.record = record = dataclasses.replace(record, method=record.method.edited())
            self.edited.emit(roi.key, record)

    def caliper(self, key: str) -> Caliper:
        """The caliper graphics of ``key`` (tests and the main window may read its ends)."""
        return self._items[key]

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
        shown = [c for c in self._items.values() if c.slice_index == self._slice]
        shown.extend(c for c in (self._draft, self._proposed) if c is not None)
        specs = []
        for caliper in shown:
            ends = caliper.ends()
            if _same(ends[0], ends[1]):
                continue
            drawing_long = (caliper is self._draft and isinstance(caliper, BidirectionalCaliper)
                            and not caliper.has_short_axis)
            text = caliper_text(caliper.label, self.record_of(caliper), drawing_long)
            if caliper is self._proposed:
                text += "\nproposed: Enter / Esc"
            specs.append(LabelSpec(text, role_colour(caliper.role), tuple(ends), caliper.selected))
        return specs

    def __iter__(self) -> Iterator[Caliper]:
        return iter(self._items.values())


def _xy(point: QtCore.QPointF) -> tuple[float, float]:
    return point.x(), point.y()


def _same(p: QtCore.QPointF, q: QtCore.QPointF) -> bool:
    return abs(p.x() - q.x()) < 1e-9 and abs(p.y() - q.y()) < 1e-9
