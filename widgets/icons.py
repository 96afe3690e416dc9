"""Small icons painted at run time (no image files to ship): a padlock for signed, read-only time points."""

from __future__ import annotations

from PySide6 import QtCore, QtGui

LOCK_COLOUR = "#e0b050"


def lock_icon(size: int = 16, colour: str = LOCK_COLOUR) -> QtGui.QIcon:
    """A closed padlock (signed time point)."""
    pixmap = QtGui.QPixmap(size, size)
    pixmap.fill(QtCore.Qt.GlobalColor.transparent)
    painter = QtGui.QPainter(pixmap)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
    pen = QtGui.QPen(QtGui.QColor(colour), max(1.5, size / 9))
    painter.setPen(pen)
    s = float(size)
    painter.drawArc(QtCore.QRectF(s * 0.28, s * 0.08, s * 0.44, s * 0.5), 0, 180 * 16)
    painter.drawLine(QtCore.QPointF(s * 0.28, s * 0.33), QtCore.QPointF(s * 0.28, s * 0.46))
    painter.drawLine(QtCore.QPointF(s * 0.72, s * 0.33), QtCore.QPointF(s * 0.72, s * 0.46))
    painter.setBrush(QtGui.QColor(colour))
    painter.drawRoundedRect(QtCore.QRectF(s * 0.16, s * 0.45, s * 0.68, s * 0.46), s * 0.08, s * 0.08)
    painter.end()
    return QtGui.QIcon(pixmap)
