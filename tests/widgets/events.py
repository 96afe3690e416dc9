"""Real mouse events for the slice view's viewport (pyqtgraph ``ui_testing`` style).

pyqtgraph's scene drops move events closer than 10 ms (``mouseRateLimit``) and turns a press
into a drag only after a few pixels, so the helpers wait between moves like a hand would.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtTest import QTest

Button = QtCore.Qt.MouseButton
NO_MODIFIER = QtCore.Qt.KeyboardModifier.NoModifier
MOVE_PAUSE_MS = 15


def _send(widget: QtWidgets.QWidget, kind: QtCore.QEvent.Type, pos: QtCore.QPointF, button: Button,
          buttons: Button, modifiers: QtCore.Qt.KeyboardModifier = NO_MODIFIER) -> None:
    local = QtCore.QPointF(pos)
    event = QtGui.QMouseEvent(kind, local, widget.mapToGlobal(local), button, buttons, modifiers)
    QtWidgets.QApplication.sendEvent(widget, event)


def hover(widget: QtWidgets.QWidget, pos: QtCore.QPointF) -> None:
    """Move the mouse with no button pressed (hover: probe, handle highlighting)."""
    QTest.qWait(MOVE_PAUSE_MS)
    _send(widget, QtCore.QEvent.Type.MouseMove, pos, Button.NoButton, Button.NoButton)


def drag(widget: QtWidgets.QWidget, start: QtCore.QPointF, end: QtCore.QPointF,
         button: Button = Button.LeftButton, steps: int = 6,
         modifiers: QtCore.Qt.KeyboardModifier = NO_MODIFIER, release: bool = True) -> None:
    """Press at ``start`` (after hovering there, as pyqtgraph picks the dragged item from the last
    hover), move in ``steps`` to ``end`` (a final move exactly there), release."""
    hover(widget, start)
    _send(widget, QtCore.QEvent.Type.MouseButtonPress, start, button, button, modifiers)
    for i in range(1, steps + 1):
        t = i / steps
        point = QtCore.QPointF(start.x() + (end.x() - start.x()) * t, start.y() + (end.y() - start.y()) * t)
        QTest.qWait(MOVE_PAUSE_MS)
        _send(widget, QtCore.QEvent.Type.MouseMove, point, Button.NoButton, button, modifiers)
    if release:
        release_at(widget, end, button, modifiers)


def release_at(widget: QtWidgets.QWidget, pos: QtCore.QPointF, button: Button = Button.LeftButton,
               modifiers: QtCore.Qt.KeyboardModifier = NO_MODIFIER) -> None:
    """Release ``button`` at ``pos``."""
    QTest.qWait(MOVE_PAUSE_MS)
    _send(widget, QtCore.QEvent.Type.MouseButtonRelease, pos, button, Button.NoButton, modifiers)


def wheel(widget: QtWidgets.QWidget, pos: QtCore.QPointF, notches: int,
          modifiers: QtCore.Qt.KeyboardModifier = NO_MODIFIER) -> None:
    """Turn the wheel ``notches`` (positive = away from the user, 120 units each)."""
    local = QtCore.QPointF(pos)
    event = QtGui.QWheelEvent(local, widget.mapToGlobal(local), QtCore.QPoint(), QtCore.QPoint(0, 120 * notches),
                              Button.NoButton, modifiers, QtCore.Qt.ScrollPhase.NoScrollPhase, False)
    QtWidgets.QApplication.sendEvent(widget, event)


def rounded(point: QtCore.QPointF) -> QtCore.QPointF:
    """A point on whole viewport pixels, as a real mouse gives."""
    return QtCore.QPointF(round(point.x()), round(point.y()))

