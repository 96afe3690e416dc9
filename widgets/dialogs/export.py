"""``ExportDialog``: where to export the trial and in which formats (:func:`recist_app.exports.export_trial`)."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtWidgets

#: What each known format writes (others registered later show their name).
FORMAT_LABELS = {
    "sdtm": "SDTM TU, TR, RS, SUPPTU (CSV and SAS XPT)",
    "timeline": "Response timeline (CSV and XLSX, with data dictionary)",
    "sr": "DICOM SR TID 1500 per read and time point",
    "pdf": "PDF report per subject",
    "plots": "Plots (spider, waterfall, swimmer)",
}
DEFAULT_CHECKED = ("sdtm", "timeline")


def available_formats() -> tuple[str, ...]:
    """The export formats registered in :data:`recist_app.exports.FORMATS`."""
    from recist_app.exports import FORMATS

    return tuple(FORMATS)


class ExportDialog(QtWidgets.QDialog):
    """Choose the output folder and the formats."""

    def __init__(self, default_folder: Path, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export trial")
        self.setObjectName("exportDialog")
        self.setMinimumWidth(520)
        self.folder_edit = QtWidgets.QLineEdit(str(default_folder))
        browse = QtWidgets.QPushButton("Browse…")
        browse.clicked.connect(self._on_browse_clicked)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.folder_edit, 1)
        row.addWidget(browse)
        self.checks: dict[str, QtWidgets.QCheckBox] = {}
        box = QtWidgets.QGroupBox("Formats")
        checks = QtWidgets.QVBoxLayout(box)
        for name in available_formats():
            check = QtWidgets.QCheckBox(FORMAT_LABELS.get(name, name))
            check.setChecked(name in DEFAULT_CHECKED)
            check.toggled.connect(self._update)
            self.checks[name] = check
            checks.addWidget(check)
        note = QtWidgets.QLabel("The folder is written whole or not at all, with a manifest of versions and "
                                "checksums; a previous export there is replaced.")
        note.setObjectName("placeholderLabel")
        note.setWordWrap(True)
        self.buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                                  | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setText("Export")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(QtWidgets.QLabel("Output folder"))
        layout.addLayout(row)
        layout.addWidget(box)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.folder_edit.textChanged.connect(self._update)
        self._update()

    def _on_browse_clicked(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(self, "Export folder", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    def _update(self) -> None:
        ok = bool(self.folder.strip()) and bool(self.formats)
        self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    @property
    def folder(self) -> str:
        """The output folder typed or chosen."""
        return self.folder_edit.text()

    @property
    def formats(self) -> tuple[str, ...]:
        """The formats checked."""
        return tuple(name for name, check in self.checks.items() if check.isChecked())
