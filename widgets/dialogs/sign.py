"""Electronic signature of a time point (21 CFR 11.50 / 11.200 style) and its reopening.

:class:`SignDialog` shows who signs what and the meaning of the signature, and asks for the
reader's password again; :class:`ReopenDialog` asks why a signed time point is reopened (the
reason is audited and carried by every later edit). The store checks the password and writes
both acts (:mod:`recist_app.store.signoff`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtWidgets

from recist_app.store.signoff import DEFAULT_MEANING

Buttons = QtWidgets.QDialogButtonBox.StandardButton


class SignDialog(QtWidgets.QDialog):
    """Sign ``timepoint`` of ``subject_id`` as ``reader_name``: meaning text and password.

    Parameters
    ----------
    reader_name, subject_id, timepoint : str
        Shown in the dialog ("Demo Reader signs WEEK 8 of STS-001").
    summary : str
        The time point's response as the reader will sign it (e.g. "Overall PR").
    parent : QWidget, optional
    verify : callable, optional
        ``verify(password)`` → True when it is the reader's (the store's check): a wrong password
        keeps the dialog open with a message, so that the reader can try again.
    """

    def __init__(self, reader_name: str, subject_id: str, timepoint: str, summary: str = "",
                 parent: QtWidgets.QWidget | None = None, verify: Callable[[str], bool] | None = None) -> None:
        super().__init__(parent)
        self._verify = verify
        self.setWindowTitle("Sign time point")
        self.setObjectName("signDialog")
        self.setMinimumWidth(440)
        what = QtWidgets.QLabel(f"<b>{reader_name}</b> signs <b>{timepoint}</b> of subject <b>{subject_id}</b>."
                                + (f"<br>{summary}" if summary else ""))
        what.setWordWrap(True)
        self.meaning_edit = QtWidgets.QPlainTextEdit(DEFAULT_MEANING)
        self.meaning_edit.setFixedHeight(64)
        self.password_edit = QtWidgets.QLineEdit()
        self.password_edit.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("your password or PIN")
        note = QtWidgets.QLabel("Once signed, the time point is read-only; reopening it needs a reason, "
                                "and both are recorded in the audit trail.")
        note.setObjectName("placeholderLabel")
        note.setWordWrap(True)
        self.error_label = QtWidgets.QLabel()
        self.error_label.setObjectName("signError")
        self.error_label.setStyleSheet("color: #ff8a65;")
        form = QtWidgets.QFormLayout()
        form.addRow("Meaning", self.meaning_edit)
        form.addRow("Password", self.password_edit)
        self.buttons = QtWidgets.QDialogButtonBox(Buttons.Ok | Buttons.Cancel)
        self.buttons.button(Buttons.Ok).setText("Sign")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(what)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.password_edit.textChanged.connect(self._update)
        self.meaning_edit.textChanged.connect(self._update)
        self._update()
        self.password_edit.setFocus()

    def _update(self) -> None:
        self.buttons.button(Buttons.Ok).setEnabled(bool(self.password_edit.text() and self.meaning.strip()))

    def accept(self) -> None:
        """Close when the password is the reader's; else say so and let them try again."""
        if self._verify is not None and not self._verify(self.password):
            self.error_label.setText("Wrong password or PIN: nothing was signed. Try again.")
            self.password_edit.clear()
            self.password_edit.setFocus()
            return
        super().accept()

    @property
    def password(self) -> str:
        """The password typed."""
        return self.password_edit.text()

    @property
    def meaning(self) -> str:
        """The meaning of the signature."""
        return self.meaning_edit.toPlainText()


class ReopenDialog(QtWidgets.QDialog):
    """Reopen a signed time point: the reason is required."""

    def __init__(self, subject_id: str, timepoint: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reopen time point")
        self.setObjectName("reopenDialog")
        self.setMinimumWidth(420)
        what = QtWidgets.QLabel(f"Reopen the signed time point <b>{timepoint}</b> of subject <b>{subject_id}</b> "
                                "for editing. Why?")
        what.setWordWrap(True)
        self.reason_edit = QtWidgets.QPlainTextEdit()
        self.reason_edit.setPlaceholderText("e.g. correction of T02 after query 17")
        self.reason_edit.setFixedHeight(72)
        self.buttons = QtWidgets.QDialogButtonBox(Buttons.Ok | Buttons.Cancel)
        self.buttons.button(Buttons.Ok).setText("Reopen")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(what)
        layout.addWidget(self.reason_edit)
        layout.addWidget(self.buttons)
        self.reason_edit.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        self.buttons.button(Buttons.Ok).setEnabled(bool(self.reason.strip()))

    @property
    def reason(self) -> str:
        """The reason typed."""
        return self.reason_edit.toPlainText()
