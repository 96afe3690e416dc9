"""``LoginDialog``: pick a reader of the trial and enter the password (checked like a signature).

The password is verified by the store's own check (:meth:`recist_app.store.TrialStore.authenticate`:
salted scrypt, constant-time comparison); the dialog never sees the hash. Every role is listed
(administrators and adjudicators see images without reading); readers the administrator disabled
are not, and one disabled while the dialog is open is refused with the store's message.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from recist_app.model.records import Reader
from recist_app.store import Login, TrialStore
from recist_app.store.errors import ReaderDisabledError, SignatureError

ROLE_NAMES = {"site_radiologist": "site radiologist", "central_reader_1": "central reader 1",
              "central_reader_2": "central reader 2", "adjudicator": "adjudicator", "admin": "administrator"}


def role_name(reader: Reader) -> str:
    """``"central reader 1"`` for display."""
    return ROLE_NAMES.get(reader.role.value, reader.role.value)


class LoginDialog(QtWidgets.QDialog):
    """Choose who reads and prove it with the password.

    Parameters
    ----------
    store : TrialStore
    parent : QWidget, optional
    reader_name : str
        Reader pre-selected (e.g. the demo reader).
    password : str
        Password pre-filled (the documented demo password only).
    """

    def __init__(self, store: TrialStore, parent: QtWidgets.QWidget | None = None, *, reader_name: str = "",
                 password: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Log in")
        self.setObjectName("loginDialog")
        self.setMinimumWidth(380)
        self._store = store
        self.reader: Reader | None = None
        self.login: Login | None = None
        # every role (administrators and adjudicators see images), but no disabled reader
        self._readers = [reader for reader in store.readers() if reader.active]
        self.reader_box = QtWidgets.QComboBox()
        for reader in self._readers:
            self.reader_box.addItem(f"{reader.name}  ({role_name(reader)})", reader.uid)
        index = next((i for i, r in enumerate(self._readers) if r.name == reader_name), 0)
        self.reader_box.setCurrentIndex(index)
        self.password_edit = QtWidgets.QLineEdit(password)
        self.password_edit.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("password or PIN")
        self.error_label = QtWidgets.QLabel()
        self.error_label.setObjectName("loginError")
        self.error_label.setStyleSheet("color: #ff8a65;")
        self.error_label.setWordWrap(True)
        trial = store.trial
        intro = QtWidgets.QLabel(f"<b>{trial.code}</b><br>{trial.name}")
        intro.setWordWrap(True)
        form = QtWidgets.QFormLayout()
        form.addRow("Reader", self.reader_box)
        form.addRow("Password", self.password_edit)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setText("Log in")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        if not self._readers:
            self.error_label.setText("This trial has no readers yet: an administrator adds them with "
                                     "`main.py trial reader add NAME --role ROLE --db DB`.")
            buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        layout.addWidget(buttons)
        self.password_edit.setFocus(QtCore.Qt.FocusReason.OtherFocusReason)

    def accept(self) -> None:
        """Verify the password; stay open with a message when it is wrong."""
        uid = self.reader_box.currentData()
        if uid is None:
            return
        try:
            self.login = self._store.log_in(uid, self.password_edit.text())
            self.reader = self.login.reader
        except ReaderDisabledError as exc:
            self.error_label.setText(str(exc))
            return
        except SignatureError:
            self.error_label.setText(f"Wrong password for {self.reader_box.currentText().split('  (')[0]}.")
            self.password_edit.selectAll()
            self.password_edit.setFocus()
            return
        super().accept()
