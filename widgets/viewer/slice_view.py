"""``SliceView``: one :class:`~recist_app.imaging.volume.CtVolume` shown the way radiologists expect (VIEWER.md).

pyqtgraph ``GraphicsView`` + ``ViewBox`` (``invertY``, aspect locked) + ``ImageItem`` with
``axisOrder='row-major'`` passed explicitly (ARCHITECTURE §3) and an item transform
``scale(column spacing, row spacing)``, so view units are millimetres in the image plane even with
anisotropic (0028,0030) *Pixel Spacing* (ARCHITECTURE §1.3 step 4). Without Pixel Spacing the
view stays in pixels and says so ("UNCALIBRATED — no mm", C6).

Display path, canvas and mouse map: :mod:`widgets.viewer.display` (one lookup table from int16 HU
to grey pixels, never a float image); cine: :mod:`widgets.viewer.cine`.

Mouse (VIEWER.md "Mouse"): wheel = slice (Shift = 10), left drag = the active tool (W/L: right =
wider, down = higher level; a caliper; an elliptical ROI; or a stroke across a lesion, or a click inside it,
for the measuring tool, which the view forwards as ``stroke_drawn`` and whose proposal it shows until Enter
accepts or Esc rejects it: :mod:`recist_app.read.measuring`), middle drag = pan, right drag = zoom,
right *click* (no drag) = the window menu (presets, the header's windows, invert, reset). Keys are
:data:`DEFAULT_KEY_BINDINGS` (VIEWER.md "Keys"), replaceable per instance. Undo/redo live in the
core: Ctrl+Z / Ctrl+Y only emit :attr:`SliceView.undo_requested` / :attr:`SliceView.redo_requested`.

Reading aids that change nothing stored (VIEWER.md "Tools readers reach for"), so they also work on
a read-only (signed) time point: elliptical ROIs with HU statistics (key e,
:mod:`widgets.viewer.calipers.ellipse`) and cine (key c; ``[`` / ``]`` slower / faster), which plays
through the images in the PACS's order and wraps from the last image to the first; any wheel turn,
navigation key or new volume stops it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from recist_app.imaging import geometry, orientation
from recist_app.imaging.roi_stats import EmptyRoi, RoiStats
from recist_app.imaging.volume import CtVolume
from recist_app.model.caliper import CaliperRecord
from recist_app.read.measuring import CaliperProposal
from widgets.viewer import overlay
from widgets.viewer.calipers import EllipseLayer, MeasureLayer, Tool
from widgets.viewer.cine import Cine, next_fps
from widgets.viewer.display import (
    MouseClickEvent,
    MouseDragEvent,
    OverlayCanvas,
    ReadingViewBox,
    pixel_lut,
    show_grey,
    window_lut,
)
from widgets.viewer.overlay import (
    LabelSpec,
    OverlayContent,
    OverlayInfo,
    ProbeReading,
    layout_labels,
    paint_labels,
)
from widgets.viewer.window_presets import (
    DEFAULT_PRESET,
    PRESETS,
    WindowPreset,
    header_window_text,
    preset_label,
    preset_menu_text,
)

#: Action → key sequences (``QKeySequence`` portable text). VIEWER.md "Keys" (OHIF, ePAD letters).
DEFAULT_KEY_BINDINGS: dict[str, tuple[str, ...]] = {
    "previous_slice": ("Up",), "next_slice": ("Down",), "first_slice": ("Home",), "last_slice": ("End",),
    **{f"preset_{p.key}": (p.key,) for p in PRESETS if p.key},
    "invert": ("I",), "fit": ("=",), "reset": ("Space",), "cancel": ("Esc",),
    "delete": ("Del", "Backspace"), "length_tool": ("D",), "bidirectional_tool": ("O",), "ellipse_tool": ("E",),
    "stroke_tool": ("S",), "accept": ("Return", "Enter"), "longest": ("L",), "measure_prior": ("M",),
    "cine": ("C",), "cine_slower": ("[",), "cine_faster": ("]",),
    "undo": ("Ctrl+Z",), "redo": ("Ctrl+Y", "Ctrl+Shift+Z"),
}
#: HU of width / level per screen pixel of a W/L drag (cornerstone: dynamic range / 1024 ≈ 4 for CT).
WL_HU_PER_PX = 4.0
#: Colour of a ghost caliper (a lesion's prior caliper where it was): magenta dashes (apart from every role colour,
#: seen on black lung and on a white lesion alike) over a thin dark halo; its caption sits below it, on a dark band.
GHOST_COLOUR, GHOST_HALO = "#ff66e0", (0, 0, 0, 140)
#: Colour of the reader's stroke while it is drawn (the measuring tool, key s).
STROKE_COLOUR = "#ffee58"
WHEEL_NOTCH = 120
SHIFT_SLICE_STEP = 10


@dataclass(frozen=True)
class MeasurementItem:
    """A stored measurement to show: the caller's key, the record, the lesion label and role."""

    key: str
    record: CaliperRecord
    label: str = ""
    role: str = ""


class _SliceViewBox(ReadingViewBox):
    """The slice view's box: a left click clears the selection, a right click opens the window menu."""

    def __init__(self, owner: SliceView) -> None:
        super().__init__(owner)
        self._owner = owner

    def mouseClickEvent(self, ev: MouseClickEvent) -> None:
        if ev.button() == QtCore.Qt.MouseButton.LeftButton:
            ev.accept()
            owner = self._owner
            owner.measurements.select("")
            owner.rois.select("")
            if owner.tool is Tool.STROKE and not owner.read_only and owner.volume is not None:
                point = self.mapToView(ev.pos())
                owner.stroke(point, point)  # a click inside the lesion
        elif ev.button() == QtCore.Qt.MouseButton.RightButton:  # a click; a right drag zooms
            ev.accept()
            self._owner.show_window_menu(ev.screenPos().toPoint())


class SliceView(QtWidgets.QWidget):
    """One CT volume, one slice at a time, with W/L, navigation, overlay and calipers.

    Parameters
    ----------
    parent : QWidget or None
    key_bindings : mapping of action → key sequences, optional
        Overrides of :data:`DEFAULT_KEY_BINDINGS` (VIEWER.md: keys should be configurable).

    Signals
    -------
    slice_changed(int), window_changed(float width_hu, float level_hu), tool_changed(str),
    measurement_committed(str key, CaliperRecord), measurement_edited(str key, CaliperRecord),
    measurement_deleted(str key), measurement_selected(str key or ""), undo_requested(),
    redo_requested(), cine_changed(bool playing, float fps).
    """

    slice_changed = QtCore.Signal(int)
    window_changed = QtCore.Signal(float, float)
    tool_changed = QtCore.Signal(str)
    measurement_committed = QtCore.Signal(str, object)
    measurement_edited = QtCore.Signal(str, object)
    measurement_deleted = QtCore.Signal(str)
    measurement_selected = QtCore.Signal(str)
    stroke_drawn = QtCore.Signal(int, object, object)
    longest_requested = QtCore.Signal()
    prior_measure_requested = QtCore.Signal()
    undo_requested = QtCore.Signal()
    redo_requested = QtCore.Signal()
    cine_changed = QtCore.Signal(bool, float)

    def __init__(self, parent: QtWidgets.QWidget | None = None,
                 key_bindings: Mapping[str, Sequence[str]] | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.canvas = OverlayCanvas(self)
        self.canvas.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.view_box = _SliceViewBox(self)
        self.canvas.setCentralItem(self.view_box)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.view_box.addItem(self.image_item)
        self.measurements = MeasureLayer(self.view_box, self.image_item, self)
        self.rois = EllipseLayer(self.view_box, self.image_item, self)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)
        self._keys = {_portable(seq): action
                      for action, seqs in {**DEFAULT_KEY_BINDINGS, **(key_bindings or {})}.items() for seq in seqs}
        self._volume: CtVolume | None = None
        self._hu_bits: np.ndarray | None = None
        self._info = OverlayInfo()
        self._k = 0
        self._initial_window = (DEFAULT_PRESET.width_hu, DEFAULT_PRESET.level_hu)
        self._width, self._level = self._initial_window
        self._inverted = False
        self._lut = pixel_lut(window_lut(self._width, self._level))
        self._tool = Tool.WINDOW
        self._read_only = False
        self._wl_start = self._initial_window
        self._wheel_rest = 0
        self._probe_pixel: tuple[int, int] | None = None
        self._under_pointer = False
        self.cine = Cine(self._next_cine_image, self)
        self.cine.changed.connect(self.cine_changed)
        self.cine.changed.connect(self._refresh)
        self._menu: QtWidgets.QMenu | None = None
        self._ghost_slice: int | None = None
        self._ghost_record: CaliperRecord | None = None
        self._stroke = pg.PlotCurveItem(pen=pg.mkPen(STROKE_COLOUR, width=2.0, style=QtCore.Qt.PenStyle.DotLine))
        self._stroke.setVisible(False)
        self._stroke.setZValue(6)
        self.view_box.addItem(self._stroke, ignoreBounds=True)
        self._ghost_halo = pg.PlotCurveItem(pen=pg.mkPen(GHOST_HALO, width=3.5))
        self._ghost = pg.PlotCurveItem(pen=pg.mkPen(GHOST_COLOUR, width=1.5, style=QtCore.Qt.PenStyle.DashLine))
        self._ghost_label = pg.TextItem(color=GHOST_COLOUR, anchor=(0.5, 0), fill=pg.mkBrush(GHOST_HALO))
        for item in (self._ghost_halo, self._ghost, self._ghost_label):
            item.setVisible(False)
            item.setZValue(5)
            self.view_box.addItem(item, ignoreBounds=True)
        self.measurements.committed.connect(self.measurement_committed)
        self.measurements.edited.connect(self.measurement_edited)
        self.measurements.deleted.connect(self.measurement_deleted)
        self.measurements.selected.connect(self.measurement_selected)
        self.measurements.changed.connect(self._refresh)
        self.measurements.selected.connect(self._on_caliper_selected)
        self.rois.selected.connect(self._on_roi_selected)
        self.rois.changed.connect(self._refresh)
        self.view_box.sigTransformChanged.connect(self._refresh)
        self.canvas.scene().sigMouseMoved.connect(self._on_mouse_moved)

    # -- volume and navigation -----------------------------------------------------------------
    def set_volume(self, volume: CtVolume, info: OverlayInfo | None = None, start_slice: int | None = None) -> None:
        """Show ``volume`` (middle slice unless ``start_slice``), fitted, with the header's first
        window (0028,1050)/(0028,1051) or else Soft tissue; removes every caliper and ROI, stops cine."""
        self.set_cine(False)
        self.measurements.set_volume(volume)
        self.rois.set_volume(volume)
        self.set_ghost(None)
        self._volume, self._hu_bits = volume, volume.hu.view(np.uint16)
        self._info = info or OverlayInfo()
        spacing = volume.pixel_spacing
        self.image_item.setTransform(QtGui.QTransform.fromScale(spacing[1], spacing[0]) if spacing
                                     else QtGui.QTransform())
        if volume.window_presets:
            centre, width = volume.window_presets[0]
            self._initial_window = (float(width), float(centre))
        else:
            self._initial_window = (DEFAULT_PRESET.width_hu, DEFAULT_PRESET.level_hu)
        self._width, self._level = self._initial_window
        self._inverted = False
        self._lut = pixel_lut(window_lut(self._width, self._level))
        self._k = int(np.clip(volume.shape[0] // 2 if start_slice is None else start_slice, 0, volume.shape[0] - 1))
        self._probe_pixel = None
        self._render()
        self.measurements.set_slice(self._k)
        self.rois.set_slice(self._k)
        self.fit()
        self.slice_changed.emit(self._k)
        self.window_changed.emit(self._width, self._level)

    @property
    def volume(self) -> CtVolume | None:
        """The volume shown, or None."""
        return self._volume

    @property
    def slice_index(self) -> int:
        """Index of the slice shown (0-based, volume order: ascending along the slice normal)."""
        return self._k

    def set_slice(self, k: int) -> None:
        """Show slice ``k`` (clamped to the volume); emits ``slice_changed`` when it changes."""
        if self._volume is None:
            return
        k = int(np.clip(k, 0, self._volume.shape[0] - 1))
        if k == self._k:
            return
        self._k = k
        self._render()
        self.measurements.set_slice(k)
        self.rois.set_slice(k)
        self._show_ghost()
        self.slice_changed.emit(k)

    def step_images(self, images: int) -> None:
        """Go ``images`` images on in the PACS's order (negative: back): towards increasing (0020,0013)
        *Instance Number*, whichever way that runs along the slice normal (VIEWER.md "Numbering")."""
        if self._volume is not None:
            self.set_slice(self._k + images * self._volume.next_image_step)

    @property
    def image_number(self) -> int | None:
        """The PACS's label of the slice shown (Instance Number, see ``CtVolume.image_numbers``)."""
        return self._volume.image_numbers[self._k] if self._volume is not None else None

    def show_record(self, record: CaliperRecord) -> None:
        """Jump to the slice where ``record`` was measured (VIEWER.md "Jumping to a lesion")."""
        if self._volume is not None:
            self.set_slice(record.to_index(self._volume).k)

    def set_ghost(self, record: CaliperRecord | None, text: str = "") -> None:
        """Draw ``record`` (on this view's series) dashed and inert on its slice, with ``text`` beside it,
        e.g. a lesion's prior caliper where it was (VIEWER.md "Jumping to a lesion"); None removes it."""
        self._ghost_slice, self._ghost_record = None, None
        self._show_ghost()
        if record is None or self._volume is None:
            return
        place = record.to_index(self._volume)
        xs: list[float] = []
        ys: list[float] = []
        for line in (place.long_axis, place.short_axis):
            if line is None:
                continue
            for col, row in line:
                x, y = self.image_item.mapToParent(QtCore.QPointF(*geometry.index_to_item(col, row))).toTuple()
                xs.append(x)
                ys.append(y)
        for curve in (self._ghost_halo, self._ghost):
            curve.setData(xs, ys, connect="pairs")
        self._ghost_label.setText(text)
        (left, right), _rows = self.view_box.viewRange()
        share = ((min(xs) + max(xs)) / 2 - left) / ((right - left) or 1.0)  # where the caliper is across the view
        side = 0.0 if share < 0.4 else 1.0 if share > 0.6 else 0.5  # the caption reaches inward, not off the view
        self._ghost_label.setAnchor((side, 0.0))
        self._ghost_label.setPos(min(xs) + side * (max(xs) - min(xs)), max(ys) + 2.0)  # below the caliper
        self._ghost_slice, self._ghost_record = place.k, record
        self._show_ghost()

    @property
    def ghost_slice(self) -> int | None:
        """The slice of the ghost caliper, None when there is none."""
        return self._ghost_slice

    @property
    def ghost_record(self) -> CaliperRecord | None:
        """The ghost caliper (a lesion's prior where the tracking placed it), None when there is none."""
        return self._ghost_record

    def show_proposal(self, proposal: CaliperProposal) -> None:
        """Go to the proposal's slice and show it (:meth:`MeasureLayer.propose`): Enter accepts, Esc rejects."""
        self.set_slice(proposal.record.slice_index)
        self.measurements.propose(proposal)

    @property
    def ghost_text(self) -> str:
        """The text beside the ghost caliper ("" when there is none)."""
        return self._ghost_label.toPlainText() if self._ghost_slice is not None else ""

    def _show_ghost(self) -> None:
        shown = self._ghost_slice is not None and self._ghost_slice == self._k
        for item in (self._ghost_halo, self._ghost, self._ghost_label):
            item.setVisible(shown)

    # -- window / level, inversion, view ------------------------------------------------------
    @property
    def window_hu(self) -> tuple[float, float]:
        """``(width_hu, level_hu)`` (not ``window``: that is ``QWidget.window()``)."""
        return self._width, self._level

    def set_window(self, width_hu: float, level_hu: float) -> None:
        """Set window width (≥ 1) and level in HU; emits ``window_changed`` when it changes."""
        width_hu, level_hu = max(1.0, float(width_hu)), float(level_hu)
        if (width_hu, level_hu) == (self._width, self._level):
            return
        self._width, self._level = width_hu, level_hu
        self._lut = pixel_lut(window_lut(width_hu, level_hu, self._inverted))
        self._render()
        self.window_changed.emit(width_hu, level_hu)

    def apply_preset(self, preset: WindowPreset) -> None:
        """Apply a preset of :mod:`widgets.viewer.window_presets`."""
        self.set_window(preset.width_hu, preset.level_hu)

    @property
    def inverted(self) -> bool:
        """True when grey levels are inverted (key i)."""
        return self._inverted

    def set_inverted(self, inverted: bool) -> None:
        """Invert the grey scale or not."""
        if inverted != self._inverted:
            self._inverted = inverted
            self._lut = pixel_lut(window_lut(self._width, self._level, inverted))
            self._render()

    def fit(self) -> None:
        """Fit the whole slice in the view (key =)."""
        if self._volume is not None:
            self.view_box.setRange(rect=self.image_item.mapRectToParent(self.image_item.boundingRect()), padding=0.0)

    def reset_view(self) -> None:
        """Space: fit, the initial window, no inversion."""
        self.set_inverted(False)
        self.set_window(*self._initial_window)
        self.fit()

    @property
    def zoom(self) -> float:
        """Screen pixels per image column (1.0 = one image pixel per screen pixel)."""
        if self._volume is None or self.view_box.width() <= 0 or self.view_box.height() <= 0:
            return 1.0
        column_mm = self._volume.pixel_spacing[1] if self._volume.pixel_spacing else 1.0
        return column_mm / self.view_box.viewPixelSize()[0]

    # -- cine (widgets.viewer.cine) -------------------------------------------------------------------
    @property
    def cine_playing(self) -> bool:
        """True while cine plays (key c)."""
        return self.cine.playing

    @property
    def cine_fps(self) -> float:
        """Cine frame rate in images per second (default 10, within 1–60)."""
        return self.cine.fps

    def set_cine(self, on: bool, fps: float | None = None) -> None:
        """Play cine (one image on in the PACS's order per frame, wrapping from the last image to the
        first) or stop it; ``fps`` (clamped to 1–60) sets the rate, None keeps it. Without a volume cine
        stays off. Emits ``cine_changed(playing, fps)`` when either changes; ``ValueError`` for a
        ``fps`` that is not finite."""
        self.cine.set(bool(on) and self._volume is not None, fps)

    def _next_cine_image(self) -> bool:
        volume = self._volume
        if volume is None:
            return False
        count, step = volume.shape[0], volume.next_image_step
        if 0 <= self._k + step < count:
            self.step_images(1)
        else:  # wrap from the last image of the PACS's order to its first
            self.set_slice(0 if step > 0 else count - 1)
        return True

    def hideEvent(self, event: QtGui.QHideEvent) -> None:
        self.set_cine(False)  # no timer for a view nobody sees
        super().hideEvent(event)

    # -- window menu (right click) ---------------------------------------------------------------
    def window_menu(self) -> QtWidgets.QMenu:
        """The "Window" menu, built but not shown: every preset of
        :data:`~widgets.viewer.window_presets.PRESETS` with its key, every window of the header
        (0028,1050)/(0028,1051) ("Header 1: W 350 L 40"), "Invert (I)" and "Reset (Space)"; the
        current window is checked. Choosing an entry applies it. Each call builds a new menu (the
        previous one is deleted)."""
        if self._menu is not None:
            self._menu.deleteLater()
        menu = self._menu = QtWidgets.QMenu("Window", self)
        menu.setObjectName("windowMenu")
        for preset in PRESETS:
            self._add_window_action(menu, preset_menu_text(preset), preset.width_hu, preset.level_hu)
        header = self._volume.window_presets if self._volume is not None else ()
        if header:
            menu.addSeparator()
            for number, (center, width) in enumerate(header, start=1):
                self._add_window_action(menu, header_window_text(number, center, width), width, center)
        menu.addSeparator()
        invert = menu.addAction("Invert (I)")
        invert.setCheckable(True)
        invert.setChecked(self._inverted)
        invert.triggered.connect(lambda _checked=False: self.set_inverted(not self._inverted))
        menu.addAction("Reset (Space)").triggered.connect(lambda _checked=False: self.reset_view())
        return menu

    def _add_window_action(self, menu: QtWidgets.QMenu, text: str, width_hu: float, level_hu: float) -> None:
        action = menu.addAction(text)
        action.setCheckable(True)
        action.setChecked((max(1.0, float(width_hu)), float(level_hu)) == (self._width, self._level))
        action.triggered.connect(lambda _checked=False: self.set_window(width_hu, level_hu))

    def show_window_menu(self, screen_pos: QtCore.QPoint) -> None:
        """Pop the window menu up at ``screen_pos`` (right click without drag); no-op without a volume."""
        if self._volume is not None:
            self.window_menu().popup(screen_pos)

    # -- tools and measurements ----------------------------------------------------------------
    @property
    def tool(self) -> Tool:
        """The active left-drag tool (W/L unless a caliper tool is on)."""
        return self._tool

    def set_tool(self, tool: Tool | str) -> None:
        """Activate a tool; it stays active after each measurement (VIEWER.md, Weasis request)."""
        tool = Tool(tool)
        if tool is self._tool:
            return
        self.measurements.cancel()
        self.rois.cancel()
        self._tool = tool
        self.measurements.hold(tool is Tool.STROKE)
        cursor = QtCore.Qt.CursorShape.ArrowCursor if tool is Tool.WINDOW else QtCore.Qt.CursorShape.CrossCursor
        self.canvas.viewport().setCursor(cursor)
        self.tool_changed.emit(tool.value)

    @property
    def read_only(self) -> bool:
        """True when calipers can be neither drawn, edited nor deleted (e.g. a signed time point)."""
        return self._read_only

    def set_read_only(self, read_only: bool) -> None:
        """Freeze the calipers (no drawing, no handle or body dragging, no Delete) or thaw them.

        Window / level, scrolling, zoom, pan, presets, selection, cine and elliptical ROIs still work
        (an ROI changes nothing stored): while read-only a left drag is window / level whatever the
        caliper tool (the tool is kept for when the view thaws), and draws an ROI with the ellipse tool."""
        self._read_only = bool(read_only)
        self.measurements.set_read_only(self._read_only)

    def set_pending_label(self, label: str, role: str = "") -> None:
        """Lesion label and role (``"TARGET"``, ``"NON-TARGET"``, ``"NEW"``) of the next caliper drawn."""
        self.measurements.set_pending(label, role)

    def add_measurement(self, key: str, record: CaliperRecord, label: str = "", role: str = "") -> None:
        """Show a stored record, editable (raises ``UncalibratedImageError`` / ``ValueError``, see
        :meth:`MeasureLayer.add`)."""
        self.measurements.add(key, record, label, role)

    def set_measurements(self, items: Iterable[MeasurementItem]) -> None:
        """Replace every caliper by ``items`` (e.g. rebuilt from a session snapshot after undo)."""
        selected = self.measurements.selected_key
        self.measurements.cancel()
        self.measurements.clear()
        for item in items:
            self.measurements.add(item.key, item.record, item.label, item.role)
        self.measurements.select(selected)

    def remove_measurement(self, key: str) -> bool:
        """Remove one caliper without emitting ``measurement_deleted``."""
        return self.measurements.remove(key)

    def roi_keys(self) -> list[str]:
        """Keys of every elliptical ROI shown, on any slice (``roi-1`` …; never part of the read)."""
        return self.rois.keys()

    def roi_stats(self, key: str) -> RoiStats | EmptyRoi:
        """HU statistics of ROI ``key`` (see :func:`recist_app.imaging.roi_stats.ellipse_stats`)."""
        return self.rois.stats(key)

    def _on_caliper_selected(self, key: str) -> None:
        if key:  # one selection at a time, so Delete is never ambiguous
            self.rois.select("")

    def _on_roi_selected(self, key: str) -> None:
        if key:
            self.measurements.select("")

    def measurement_keys(self) -> list[str]:
        """Keys of every caliper shown, on any slice."""
        return self.measurements.keys()

    @property
    def selected_measurement(self) -> str:
        """Key of the selected caliper, ``""`` when none."""
        return self.measurements.selected_key

    def select_measurement(self, key: str) -> None:
        """Select a caliper by key (``""`` clears the selection)."""
        self.measurements.select(key)

    # -- coordinates (for the main window and tests) -------------------------------------------
    def index_to_viewport(self, col: float, row: float) -> QtCore.QPointF:
        """Viewport pixel of DICOM index ``(col, row)`` (integer at the pixel centre).

        Goes through the ViewBox's mapping, which applies a pending range change first (the child
        transform is otherwise updated only at the next paint).
        """
        item = QtCore.QPointF(*geometry.index_to_item(col, row))
        return self.view_to_viewport(self.view_box.mapFromItemToView(self.image_item, item))

    def view_to_viewport(self, point: QtCore.QPointF) -> QtCore.QPointF:
        """Viewport pixel of a point in view coordinates (mm in the image plane)."""
        return self.canvas.viewportTransform().map(self.view_box.mapViewToScene(point))

    def viewport_to_index(self, point: QtCore.QPointF) -> tuple[float, float]:
        """DICOM index ``(col, row)`` under a viewport pixel."""
        scene = self.canvas.viewportTransform().inverted()[0].map(QtCore.QPointF(point))
        item = self.view_box.mapFromViewToItem(self.image_item, self.view_box.mapSceneToView(scene))
        return geometry.item_to_index(item.x(), item.y())

    # -- overlay ---------------------------------------------------------------------------------
    def probe(self) -> ProbeReading | None:
        """HU and position of the pixel under the mouse on the current slice, if any."""
        if self._volume is None or self._probe_pixel is None:
            return None
        col, row = self._probe_pixel
        hu = int(self._volume.hu[self._k, row, col])
        position: tuple[float, float, float] | None = None
        if self._volume.calibrated:
            x, y, z = self._volume.index_to_patient(col, row, self._k)
            position = (float(x), float(y), float(z))
        return ProbeReading(hu, col, row, position)

    def overlay_content(self) -> OverlayContent:
        """What the overlay shows now (VIEWER.md "On the image")."""
        volume = self._volume
        if volume is None:
            return OverlayContent()
        calibrated, k = volume.calibrated, self._k
        position = float(volume.slice_positions[k] @ geometry.slice_normal(volume.iop)) if calibrated else None
        thicknesses = volume.slice_thicknesses_mm
        thickness = thicknesses[k] if calibrated and k < len(thicknesses) else None
        width_px = float(self.canvas.viewport().width())
        bar = (overlay.scale_bar(self.view_box.viewPixelSize()[0], width_px)
               if calibrated and self.view_box.width() > 0 else None)
        return OverlayContent(
            top_left=overlay.top_left_lines(self._info),
            top_right=overlay.top_right_lines(volume.image_numbers[k], volume.shape[0], position, thickness),
            bottom_left=overlay.bottom_left_lines(self._width, self._level, preset_label(self._width, self._level),
                                                  self.zoom, self._inverted,
                                                  self.cine.fps if self.cine.playing else None),
            bottom_right=overlay.bottom_right_lines(self.probe()),
            edges=orientation.edge_letters(volume.iop), scale_bar=bar,
            banner=None if calibrated else overlay.UNCALIBRATED_BANNER)

    def labels(self) -> list[LabelSpec]:
        """The labels on this slice: calipers, then elliptical ROIs."""
        return self.measurements.labels() + self.rois.labels()

    def label_boxes(self) -> list[tuple[LabelSpec, QtCore.QRectF]]:
        """Each caliper and ROI label on this slice with its box in viewport pixels (as painted)."""
        specs = self.labels()
        boxes = layout_labels(specs, self.view_to_viewport, QtCore.QRectF(self.canvas.viewport().rect()))
        return list(zip(specs, boxes, strict=True))

    def _paint_foreground(self, painter: QtGui.QPainter, rect: QtCore.QRectF) -> None:
        if self._volume is None:
            return
        overlay.paint_overlay(painter, rect, self.overlay_content(), self.canvas.devicePixelRatioF())
        paint_labels(painter, self.labels(), self.view_to_viewport, rect)

    def _refresh(self, *_args: object) -> None:
        self.canvas.viewport().update()

    def _render(self) -> None:
        if self._hu_bits is None:
            return
        show_grey(self.image_item, self._lut, self._hu_bits[self._k])
        self._refresh()

    # -- input -----------------------------------------------------------------------------------
    def _on_wheel(self, delta: int, modifiers: QtCore.Qt.KeyboardModifier) -> None:
        self.set_cine(False)
        self._wheel_rest += delta
        notches = int(self._wheel_rest / WHEEL_NOTCH)
        self._wheel_rest -= notches * WHEEL_NOTCH
        if notches:
            step = SHIFT_SLICE_STEP if modifiers & QtCore.Qt.KeyboardModifier.ShiftModifier else 1
            self.step_images(-notches * step)  # wheel towards the user (negative) = next image

    def _on_left_drag(self, ev: MouseDragEvent) -> None:
        if self._volume is None:
            return
        if self._tool is Tool.WINDOW or (self._read_only and self._tool is not Tool.ELLIPSE):
            if ev.isStart():
                self._wl_start = (self._width, self._level)
            moved = ev.scenePos() - ev.buttonDownScenePos()
            width, level = self._wl_start
            self.set_window(width + moved.x() * WL_HU_PER_PX, level + moved.y() * WL_HU_PER_PX)
            return
        point = self.view_box.mapToView(ev.pos())
        if self._tool is Tool.STROKE:
            self._stroke_to(self.view_box.mapToView(ev.buttonDownPos()), point, ev.isFinish())
            return
        if self._tool is Tool.ELLIPSE:
            if ev.isStart():
                self.rois.begin(self.view_box.mapToView(ev.buttonDownPos()))
            if ev.isFinish():
                self.rois.finish(point)
            else:
                self.rois.drag_to(point)
            return
        if ev.isStart():
            self.measurements.begin(self._tool, self.view_box.mapToView(ev.buttonDownPos()))
        if ev.isFinish():
            self.measurements.finish(point)
        else:
            self.measurements.drag_to(point)

    def _stroke_to(self, start: QtCore.QPointF, end: QtCore.QPointF, finished: bool) -> None:
        """Draw the reader's stroke; when it ends, forward it as DICOM indices of the slice (``stroke_drawn``)."""
        self._stroke.setData([start.x(), end.x()], [start.y(), end.y()])
        self._stroke.setVisible(not finished)
        if finished:
            self.stroke(start, end)

    def stroke(self, start: QtCore.QPointF, end: QtCore.QPointF) -> None:
        """Forward a stroke (or a click: ``start`` = ``end``) in view coordinates as ``stroke_drawn(k, (col, row),
        (col, row))``, DICOM indices of the slice shown."""
        ends = [geometry.item_to_index(*self.view_box.mapFromViewToItem(self.image_item, p).toTuple())
                for p in (start, end)]
        self.stroke_drawn.emit(self._k, ends[0], ends[1])

    def _on_mouse_moved(self, scene_pos: QtCore.QPointF) -> None:
        self._under_pointer = True
        if self._volume is None:
            return
        item = self.view_box.mapFromViewToItem(self.image_item, self.view_box.mapSceneToView(scene_pos))
        col, row = math.floor(item.x()), math.floor(item.y())
        _, rows, cols = self._volume.shape
        pixel = (col, row) if 0 <= col < cols and 0 <= row < rows else None
        if pixel != self._probe_pixel:
            self._probe_pixel = pixel
            self._refresh()

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        if self.handle_key(event):
            event.accept()
        else:
            super().keyPressEvent(event)

    def handle_key(self, event: QtGui.QKeyEvent) -> bool:
        """Perform the viewer action bound to ``event``'s key; False when none applies (the key goes on)."""
        action = self._keys.get(_event_sequence(event))
        return action is not None and self._run(action)

    @property
    def under_pointer(self) -> bool:
        """True while the mouse pointer is over this view (its keys then come here, see ``key_router``)."""
        return self._under_pointer

    def leaveEvent(self, event: QtCore.QEvent) -> None:
        self._under_pointer = False
        super().leaveEvent(event)

    def _run(self, action: str) -> bool:
        """Perform a key action; False when it does not apply (so the key propagates)."""
        steps = {"previous_slice": -1, "next_slice": 1, "first_slice": -1_000_000, "last_slice": 1_000_000}
        if action in steps:
            self.set_cine(False)
            self.step_images(steps[action])
        elif action.startswith("preset_"):
            preset = next(p for p in PRESETS if p.key == action.removeprefix("preset_"))
            self.apply_preset(preset)
        elif action == "invert":
            self.set_inverted(not self._inverted)
        elif action == "fit":
            self.fit()
        elif action == "reset":
            self.reset_view()
        elif action == "cancel":
            cancelled = self.rois.cancel()
            return self.measurements.cancel() or cancelled
        elif action == "delete":
            if self.rois.selected_key:  # allowed when read-only: an ROI is not part of the read
                return bool(self.rois.delete_selected())
            return bool(self.measurements.delete_selected())
        elif action == "ellipse_tool":  # allowed when read-only too
            self.set_tool(Tool.WINDOW if self._tool is Tool.ELLIPSE else Tool.ELLIPSE)
        elif action in ("cine", "cine_slower", "cine_faster"):
            if self._volume is None:
                return False
            if action == "cine":
                self.set_cine(not self.cine_playing)
            else:
                self.set_cine(self.cine_playing, next_fps(self.cine.fps, 1 if action == "cine_faster" else -1))
        elif action in ("length_tool", "bidirectional_tool", "stroke_tool"):
            if self._read_only:
                return False  # the key goes on to the window, which says why
            tool = {"length_tool": Tool.LENGTH, "bidirectional_tool": Tool.BIDIRECTIONAL}.get(action, Tool.STROKE)
            self.set_tool(Tool.WINDOW if self._tool is tool else tool)
        elif action == "accept":
            return self.measurements.accept_proposal()
        elif action == "longest":
            if self.measurements.proposal is None:
                return False
            self.longest_requested.emit()
        elif action == "measure_prior":
            if self._read_only or self._volume is None:
                return False
            self.prior_measure_requested.emit()
        elif action == "undo":
            self.undo_requested.emit()
        elif action == "redo":
            self.redo_requested.emit()
        else:
            return False
        return True


def _portable(sequence: str) -> str:
    return QtGui.QKeySequence(sequence).toString(QtGui.QKeySequence.SequenceFormat.PortableText)


def _event_sequence(event: QtGui.QKeyEvent) -> str:
    """The key event as portable key-sequence text (keypad digits count as digits)."""
    modifiers = event.modifiers() & ~QtCore.Qt.KeyboardModifier.KeypadModifier
    combination = QtCore.QKeyCombination(modifiers, QtCore.Qt.Key(event.key()))
    return QtGui.QKeySequence(combination).toString(QtGui.QKeySequence.SequenceFormat.PortableText)
