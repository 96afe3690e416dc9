"""How calipers and ROIs look: colour by lesion role, label text, pens, and the band a click hits (VIEWER.md)."""

from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from recist_app.imaging.roi_stats import EmptyRoi, RoiStats
from recist_app.model.caliper import CaliperKind, CaliperRecord
from widgets.viewer.overlay import signed

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
#: Colour of an elliptical ROI (view-only, no lesion role): apart from every role colour.
ROI_COLOUR = "#ce93d8"


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


def roi_text(stats: RoiStats | EmptyRoi) -> str:
    """Label of an elliptical ROI: mean and (population) SD, min and max HU, area and pixel count.

    ``"Mean 41.2 HU  SD 11.8"`` / ``"Min 6  Max 77 HU"`` / ``"Area 312.5 mm²  (128 px)"``; without
    (0028,0030) the last line is ``"Area 128 px"`` and no "mm" appears anywhere (C6).
    """
    if isinstance(stats, EmptyRoi):
        return "No pixel inside"
    area = (f"Area {stats.area_mm2:.1f} mm²  ({stats.pixel_count} px)" if stats.area_mm2 is not None
            else f"Area {stats.pixel_count} px")
    return (f"Mean {signed(stats.mean_hu, 1)} HU  SD {stats.sd_hu:.1f}\n"
            f"Min {signed(stats.min_hu)}  Max {signed(stats.max_hu)} HU\n{area}")


def caliper_pens(colour: QtGui.QColor, selected: bool) -> dict[str, Any]:
    width = 3.0 if selected else 2.0
    return {"pen": pg.mkPen(colour, width=width), "hoverPen": pg.mkPen("#ffffff", width=width),
            "handlePen": pg.mkPen(colour, width=2.0), "handleHoverPen": pg.mkPen("#ffffff", width=2.0)}


def apply_pens(roi: Any, colour: QtGui.QColor, selected: bool) -> None:
    """Draw a caliper or an ROI and its handles in ``colour``; thicker when selected."""
    pens = caliper_pens(colour, selected)
    roi.setPen(pens["pen"])
    roi.hoverPen = pens["hoverPen"]
    for handle in roi.getHandles():
        handle.pen = pens["handlePen"]
        handle.hoverPen = pens["handleHoverPen"]
        handle.currentPen = handle.pen
        handle.radius = HANDLE_RADIUS_PX
        handle.buildPath()
        handle.update()


def band(roi: pg.ROI, h1: QtCore.QPointF, h2: QtCore.QPointF, path: QtGui.QPainterPath,
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
