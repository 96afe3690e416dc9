"""``LockBar``: the padlock strip above the image of a signed, read-only time point (with "Reopen…")."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from widgets.icons import lock_icon

STYLE = ("QFrame#lockBar { background-color: #3a3020; border-bottom: 1px solid #6b5a2e; }"
         "QLabel { color: #f0d9a0; }")


class LockBar(QtWidgets.QFrame):
    """Hidden until :meth:`set_lock` gets a text; ``reopen_requested`` when the button is clicked."""

    reopen_requested = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockBar")
        self.setStyleSheet(STYLE)
        icon = QtWidgets.QLabel()
        icon.setPixmap(lock_icon(16).pixmap(16, 16))
        self.label = QtWidgets.QLabel()
        self.label.setObjectName("lockText")
        self.reopen_button = QtWidgets.QPushButton("Reopen…")
        self.reopen_button.setToolTip("Reopen this time point for editing (a reason is asked and audited)")
        self.reopen_button.clicked.connect(self.reopen_requested)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(8, 3, 8, 3)
        layout.addWidget(icon)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.reopen_button)
        self.hide()

    def set_lock(self, text: str | None, reopenable: bool = True) -> None:
        """Show ``text`` with the padlock (and "Reopen…" when ``reopenable``), or hide the bar (None)."""
        self.label.setText(text or "")
        self.reopen_button.setVisible(reopenable)
        self.setVisible(bool(text))

    @property
    def locked(self) -> bool:
        """True while the bar is shown."""
        return not self.isHidden()
