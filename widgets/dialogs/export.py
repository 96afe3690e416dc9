"""``ExportDialog``: where to export the trial and in which formats (:func:`recist_app.exports.export_trial`).

The dialog opens on the formats and the folder of the trial's last export (``QSettings``: :data:`FORMATS_KEY`, and
:data:`FOLDER_KEY` per trial), else on :data:`DEFAULT_CHECKED` and the folder the caller proposes.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtWidgets

#: What each known format writes (others registered later show their name), and the details in its tool tip.
FORMAT_LABELS = {
    "sdtm": "SDTM datasets and define.xml (CSV, SAS XPT, Dataset-JSON)",
    "adam": "ADaM datasets and define.xml (CSV, SAS XPT, Dataset-JSON)",
    "timeline": "Response timeline (CSV and XLSX, with data dictionary)",
    "sr": "DICOM SR TID 1500 per read and time point",
    "plots": "Plots per read, spider, waterfall, swimmer (PNG and SVG)",
    "pdf": "PDF report per read, and the trial report",
}
FORMAT_DETAILS = {
    "sdtm": "DM, TU, TR, RS, SUPPTU, SUPPTR, TS, TV, SV, PR (or EX) and RELREC",
    "adam": "ADSL, ADRS, ADTTE and ADTR",
    "pdf": "The trial report opens with the summary by arm: response rates, PFS, BOR × iBOR, the trial plots",
}
DEFAULT_CHECKED = ("sdtm", "timeline")
#: ``QSettings`` keys: the formats of the last export, and (``/<trial code>``) its folder.
FORMATS_KEY, FOLDER_KEY = "export/formats", "export/folder"


def available_formats() -> tuple[str, ...]:
    """The export formats registered in :data:`recist_app.exports.FORMATS`."""
    from recist_app.exports import FORMATS

    return tuple(FORMATS)


class ExportDialog(QtWidgets.QDialog):
    """Choose the output folder and the formats."""

    def __init__(self, default_folder: Path, parent: QtWidgets.QWidget | None = None, trial_code: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Export trial")
        self.setObjectName("exportDialog")
        self.setMinimumWidth(520)
        settings = QtCore.QSettings()
        self._folder_key = f"{FOLDER_KEY}/{trial_code}" if trial_code else ""
        last_folder = settings.value(self._folder_key, "") if self._folder_key else ""
        last_formats = settings.value(FORMATS_KEY, [])
        checked = [str(name) for name in last_formats] if isinstance(last_formats, list) and last_formats else \
            list(DEFAULT_CHECKED)
        self.folder_edit = QtWidgets.QLineEdit(str(last_folder or default_folder))
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
            check.setToolTip(FORMAT_DETAILS.get(name, ""))
            check.setChecked(name in checked)
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
        self.buttons.accepted.connect(self._remember)
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

    def _remember(self) -> None:
        """Keep the formats and (per trial) the folder for the next export."""
        settings = QtCore.QSettings()
        settings.setValue(FORMATS_KEY, list(self.formats))
        if self._folder_key:
            settings.setValue(self._folder_key, self.folder)

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
