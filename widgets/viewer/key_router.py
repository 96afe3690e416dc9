"""Viewer keys go to the slice view under the mouse pointer, whatever widget has the focus.

VIEWER.md "Keys": a reader who clicked the trial tree or edited a lesion row and then, with the
pointer on the image, presses ↓ or a preset key expects the image to react, as in a PACS. The
router filters the key presses of whichever widget has the focus (it follows the application's
``focusChanged``; an application-wide Python event filter crashes PySide on some internal
objects): a key goes to the slice view under the pointer when that view has an action for it,
unless a text field, spin box or combo box has the focus (the reader is typing) or a modal dialog
is open.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable

import shiboken6
from PySide6 import QtCore, QtGui, QtWidgets

from widgets.viewer.slice_view import SliceView

#: Widgets that keep their keys: the reader is typing or choosing a value.
_TYPING = (QtWidgets.QLineEdit, QtWidgets.QTextEdit, QtWidgets.QPlainTextEdit, QtWidgets.QAbstractSpinBox,
           QtWidgets.QComboBox)


class ViewerKeyRouter(QtCore.QObject):
    """Sends viewer keys to the slice view under the pointer; install with :meth:`install`."""

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._views: list[weakref.ref[SliceView]] = []

    def watch(self, views: Iterable[SliceView]) -> None:
        """The slice views keys may go to (instead of those watched before)."""
        self._views = [weakref.ref(view) for view in views]

    def install(self) -> None:
        """Follow the focus (no-op without a ``QApplication``)."""
        app = QtWidgets.QApplication.instance()
        if isinstance(app, QtWidgets.QApplication):
            app.focusChanged.connect(self._on_focus_changed)
            self._on_focus_changed(None, app.focusWidget())

    def _on_focus_changed(self, old: QtWidgets.QWidget | None, new: QtWidgets.QWidget | None) -> None:
        if old is not None and shiboken6.isValid(old):
            old.removeEventFilter(self)
        if new is not None and not isinstance(new, (SliceView, *_TYPING)):
            new.installEventFilter(self)

    def target(self) -> SliceView | None:
        """The watched, visible view under the pointer, or None."""
        for ref in self._views:
            view = ref()
            if view is not None and shiboken6.isValid(view) and view.isVisible() and view.under_pointer:
                return view
        return None

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() != QtCore.QEvent.Type.KeyPress or not isinstance(event, QtGui.QKeyEvent):
            return False
        view = self.target()
        if view is None or QtWidgets.QApplication.activeModalWidget() is not None:
            return False
        return view.handle_key(event)
