"""Lines measured on a coronal or sagittal reformat (VIEWER.md "Reformats": flagged, kept with their plane).

RECIST 1.1 measures on axial images; a reader may still measure a lesion best seen on a reformat.
:class:`ReformatLineLayer` draws, on one reformat pane's ``ViewBox``, the draft of a line being
dragged and the read's stored reformat lines of that plane (role colour, a dashed pen and a
"COR" / "SAG" mark, so they are never mistaken for axial calipers). Where the lines lie in the
volume and what they measure is the core's (:func:`recist_app.model.caliper.reformat_lines`); the
pane hands this layer view coordinates only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from recist_app.model.records import MeasurementPlane
from widgets.viewer.calipers.style import UNASSIGNED_COLOUR, role_colour

#: Above the crosshair (z 5), as calipers are.
LINE_Z = 10.0


@dataclass(frozen=True)
class ShownLine:
    """One line as the pane shows it: ends in view coordinates, label text and lesion role."""

    start: QtCore.QPointF
    end: QtCore.QPointF
    text: str
    role: str


def line_text(label: str, length_mm: float, plane: MeasurementPlane) -> str:
    """``"T01 32.4 mm · COR"``: the lesion, the length and the plane it was measured on."""
    return f"{label} {length_mm:.1f} mm · {plane.mark}"


class ReformatLineLayer:
    """The draft and the stored lines of one reformat pane (see the module docstring)."""

    def __init__(self, view_box: pg.ViewBox) -> None:
        self._view_box = view_box
        self._items: list[pg.GraphicsObject] = []
        self.draft = pg.PlotCurveItem(pen=_pen(QtGui.QColor(UNASSIGNED_COLOUR), dashed=False))
        self.draft.setZValue(LINE_Z)
        self.draft.setVisible(False)
        view_box.addItem(self.draft, ignoreBounds=True)

    def show(self, lines: Sequence[ShownLine]) -> None:
        """Replace the stored lines drawn."""
        for item in self._items:
            self._view_box.removeItem(item)
        self._items = []
        for line in lines:
            colour = role_colour(line.role)
            curve = pg.PlotCurveItem([line.start.x(), line.end.x()], [line.start.y(), line.end.y()],
                                     pen=_pen(colour, dashed=True))
            label = pg.TextItem(line.text, color=colour, anchor=(0.0, 1.0), fill=pg.mkBrush(0, 0, 0, 150))
            label.setPos(line.end)
            for item in (curve, label):
                item.setZValue(LINE_Z)
                self._view_box.addItem(item, ignoreBounds=True)
                self._items.append(item)

    @property
    def texts(self) -> list[str]:
        """The label texts drawn (for tests and the smoke mode)."""
        return [item.toPlainText() for item in self._items if isinstance(item, pg.TextItem)]

    def set_draft(self, start: QtCore.QPointF | None, end: QtCore.QPointF | None = None) -> None:
        """Draw the line being dragged from ``start`` to ``end`` (view coordinates); None hides it."""
        if start is None or end is None:
            self.draft.setVisible(False)
            return
        self.draft.setData([start.x(), end.x()], [start.y(), end.y()])
        self.draft.setVisible(True)


def _pen(colour: QtGui.QColor, dashed: bool) -> QtGui.QPen:
    pen = pg.mkPen(colour, width=2.0)
    if dashed:
        pen.setStyle(QtCore.Qt.PenStyle.DashLine)
    return pen
