"""What every image pane of the viewer shares: the W/L lookup table, the canvas with its overlay, the
mouse map (VIEWER.md "Mouse") and the types pyqtgraph's mouse events are used by.

Display path: window/level and inversion are one 65,536-entry lookup table of opaque 32-bit grey
pixels indexed by the int16 HU viewed as uint16, so a frame is one ``np.take`` and an image Qt
draws without conversion — the int16 pixels are never converted to float
(``benchmarks/bench_slice_view.py``, ``benchmarks/bench_reformat.py``).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

#: Screen pixels of a right drag that double (upwards) or halve the zoom (VIEWER.md "Mouse").
ZOOM_DOUBLING_PX = 200.0
#: Each uint16 bit pattern read back as int16 HU, as float32: the domain of the W/L lookup table.
_LUT_DOMAIN = np.arange(65536, dtype=np.uint16).view(np.int16).astype(np.float32)


def window_lut(width_hu: float, level_hu: float, inverted: bool = False) -> np.ndarray:
    """uint8 grey of every int16 value (indexed by its uint16 bit pattern).

    The linear VOI function of DICOM PS3.3 C.11.2.1.2.1 (window centre = level).
    """
    scale = np.float32(1.0 / max(width_hu - 1.0, 1.0))
    grey = np.clip((_LUT_DOMAIN - np.float32(level_hu - 0.5)) * scale + np.float32(0.5), 0.0, 1.0)
    lut = (grey * np.float32(255.0) + np.float32(0.5)).astype(np.uint8)
    return 255 - lut if inverted else lut


def pixel_lut(grey: np.ndarray) -> np.ndarray:
    """The grey table as opaque 32-bit pixels (bytes g, g, g, 255): drawn without conversion.

    Qt draws 32-bit images about twice as fast as Grayscale8 ones, which it converts each paint.
    """
    return np.uint32(0xFF000000) | grey.astype(np.uint32) * np.uint32(0x010101)


def show_grey(image_item: pg.ImageItem, lut: np.ndarray, hu_bits: np.ndarray) -> None:
    """Show the int16 HU image ``hu_bits`` (viewed as uint16) through ``lut`` (:func:`pixel_lut`): one
    ``np.take``, no float image."""
    pixels = np.take(lut, hu_bits)
    image_item.setImage(pixels.view(np.uint8).reshape(*pixels.shape, 4), autoLevels=False, levels=None)


class ForegroundPainter(Protocol):
    """What :class:`OverlayCanvas` asks of its owner: paint the overlay in viewport pixels."""

    def _paint_foreground(self, painter: QtGui.QPainter, rect: QtCore.QRectF) -> None: ...


class OverlayCanvas(pg.GraphicsView):
    """The graphics view of a slice or reformat pane; its owner paints the overlay (corner text, labels)
    in viewport pixels on top."""

    def __init__(self, owner: ForegroundPainter) -> None:
        super().__init__(background="k")
        self._owner = owner

    def drawForeground(self, painter: QtGui.QPainter, rect: QtCore.QRectF) -> None:
        super().drawForeground(painter, rect)
        painter.save()
        painter.resetTransform()
        self._owner._paint_foreground(painter, QtCore.QRectF(self.viewport().rect()))
        painter.restore()


class MouseClickEvent(Protocol):
    """What the slice view uses of pyqtgraph's ``MouseClickEvent`` (pyqtgraph ships no type information)."""

    def button(self) -> QtCore.Qt.MouseButton: ...
    def accept(self) -> None: ...
    def ignore(self) -> None: ...
    def pos(self) -> QtCore.QPointF: ...
    def scenePos(self) -> QtCore.QPointF: ...
    def screenPos(self) -> QtCore.QPointF: ...


class MouseDragEvent(MouseClickEvent, Protocol):
    """What the slice view uses of pyqtgraph's ``MouseDragEvent``: a drag's start, end and button-down point."""

    def isStart(self) -> bool: ...
    def isFinish(self) -> bool: ...
    def buttonDownPos(self) -> QtCore.QPointF: ...
    def buttonDownScenePos(self) -> QtCore.QPointF: ...
    def lastScreenPos(self) -> QtCore.QPointF: ...


class PaneOwner(Protocol):
    """What :class:`ReadingViewBox` forwards to its pane: the wheel and the left drag."""

    def _on_wheel(self, delta: int, modifiers: QtCore.Qt.KeyboardModifier) -> None: ...
    def _on_left_drag(self, ev: MouseDragEvent) -> None: ...


class ReadingViewBox(pg.ViewBox):
    """ViewBox with the reading mouse map (VIEWER.md "Mouse"): wheel and left drag go to the pane,
    middle drag pans, right drag zooms ×2 per :data:`ZOOM_DOUBLING_PX` upwards about the pressed point
    (pyqtgraph's own: ×7 per 100 px)."""

    def __init__(self, owner: PaneOwner) -> None:
        super().__init__(lockAspect=True, invertY=True, enableMenu=False, defaultPadding=0.0)
        self._pane = owner

    def wheelEvent(self, ev: QtWidgets.QGraphicsSceneWheelEvent, axis: int | None = None) -> None:
        self._pane._on_wheel(ev.delta(), ev.modifiers())
        ev.accept()

    def mouseDragEvent(self, ev: MouseDragEvent, axis: int | None = None) -> None:
        button = ev.button()
        if button == QtCore.Qt.MouseButton.MiddleButton:
            super().mouseDragEvent(ev, axis)
        elif button == QtCore.Qt.MouseButton.RightButton:
            ev.accept()
            factor = 2.0 ** ((ev.screenPos().y() - ev.lastScreenPos().y()) / ZOOM_DOUBLING_PX)
            self.scaleBy(x=factor, y=factor, center=self.mapToView(ev.buttonDownPos()))
        elif button == QtCore.Qt.MouseButton.LeftButton:
            ev.accept()
            self._pane._on_left_drag(ev)
        else:
            ev.ignore()
