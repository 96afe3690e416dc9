"""The PACS part of the Open dialog (issue 15): the remembered PACS nodes, the query's fields and its answer.

- :class:`PacsNodes`: the addresses used before (``QSettings`` key :data:`PACS_NODES_KEY`), offered as
  the address is typed; one is remembered when it answers an echo or a query, and forgotten on request.
- :class:`QueryFields`: Patient ID (wildcards ``*`` and ``?``), study dates from and to (inclusive, each
  ticked to apply), modality: a :class:`~recist_app.imaging.sources.query.StudyQuery`.
- :func:`show_studies` / :func:`ticked_series`: the studies found, each series a check box; the series the
  workstation reads are ticked; those already in the trial, and reports or other objects, cannot be.
"""

from __future__ import annotations

from datetime import date

from PySide6 import QtCore, QtWidgets

from recist_app.imaging.sources.query import SeriesHit, StudyHit, StudyQuery
from recist_app.pacs.patient_import import READABLE_MODALITIES

#: QSettings key of the PACS addresses used before.
PACS_NODES_KEY = "pacs/nodes"
#: The modalities offered ("" = any); the workstation reads CT (docs/VIEWER.md).
MODALITIES = {"CT": "CT", "": "any modality"}
SERIES_ROLE = QtCore.Qt.ItemDataRole.UserRole


class PacsNodes:
    """The PACS addresses used before, in the order first used, and a model for a completer."""

    def __init__(self) -> None:
        stored = QtCore.QSettings().value(PACS_NODES_KEY, [])
        self.addresses: list[str] = [str(node) for node in stored] if isinstance(stored, list) else []
        self.model = QtCore.QStringListModel(self.addresses)

    def remember(self, address: str) -> None:
        """Keep ``address`` (once)."""
        if address and address not in self.addresses:
            self.addresses.append(address)
            self._save()

    def forget(self, address: str) -> bool:
        """Drop ``address``; False when it was not remembered."""
        if address not in self.addresses:
            return False
        self.addresses.remove(address)
        self._save()
        return True

    def _save(self) -> None:
        QtCore.QSettings().setValue(PACS_NODES_KEY, self.addresses)
        self.model.setStringList(self.addresses)


class DateBound(QtWidgets.QWidget):
    """A study date bound: a check box ("from", "to") and the date it enables; unchecked, it bounds nothing."""

    def __init__(self, label: str, tooltip: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.check = QtWidgets.QCheckBox(label)
        self.edit = QtWidgets.QDateEdit(QtCore.QDate.currentDate())
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd")
        self.edit.setEnabled(False)
        for widget in (self.check, self.edit):
            widget.setToolTip(tooltip)
        self.check.toggled.connect(self.edit.setEnabled)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.check)
        layout.addWidget(self.edit)

    def set_day(self, day: date | None) -> None:
        """Bound at ``day`` (None: no bound)."""
        self.check.setChecked(day is not None)
        if day is not None:
            self.edit.setDate(QtCore.QDate(day.year, day.month, day.day))

    def day(self) -> date | None:
        """The date chosen, or None when unchecked."""
        if not self.check.isChecked():
            return None
        chosen = self.edit.date()
        return date(chosen.year(), chosen.month(), chosen.day())


class QueryFields(QtWidgets.QWidget):
    """Patient ID, study dates and modality of a PACS query."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.patient_edit = QtWidgets.QLineEdit()
        self.patient_edit.setPlaceholderText("Patient ID")
        self.patient_edit.setToolTip("The Patient ID (0010,0020) whose studies are listed; * and ? are wildcards")
        self.since = DateBound("studied from", "Only studies on or after this date (0008,0020)")
        self.until = DateBound("to", "Only studies on or before this date (0008,0020)")
        self.modality_box = QtWidgets.QComboBox()
        for code, text in MODALITIES.items():
            self.modality_box.addItem(text, code)
        self.modality_box.setToolTip("Only studies with series of this modality (0008,0061), listing those series")
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QtWidgets.QLabel("Patient"))
        layout.addWidget(self.patient_edit, 1)
        layout.addWidget(self.since)
        layout.addWidget(self.until)
        layout.addWidget(QtWidgets.QLabel("modality"))
        layout.addWidget(self.modality_box)

    def query(self) -> StudyQuery:
        """The query the fields describe."""
        return StudyQuery(patient_id=self.patient_edit.text().strip(), since=self.since.day(), until=self.until.day(),
                          modality=str(self.modality_box.currentData()))


def show_studies(tree: QtWidgets.QTreeWidget, studies: tuple[StudyHit, ...], linked: set[str]) -> int:
    """List ``studies`` in ``tree`` (columns: study or series, images, findings, import), each series checkable;
    return how many are ticked. ``linked``: the series UIDs already in the trial."""
    tree.clear()
    ticked = 0
    for study in studies:
        when = f"{study.study_date[:4]}-{study.study_date[4:6]}-{study.study_date[6:]}" if study.study_date else \
            "(no date)"
        study_item = QtWidgets.QTreeWidgetItem([f"Patient {study.patient_id or '(no id)'} · study {when}"])
        study_item.setToolTip(0, f"Study Instance UID {study.study_uid}")
        tree.addTopLevelItem(study_item)
        for hit in study.series:
            images = f"{hit.instances} images" if hit.instances is not None else ""
            row = QtWidgets.QTreeWidgetItem([f"{hit.number if hit.number is not None else ''} {hit.modality} "
                                             f"{hit.description}".strip(), images, "", ""])
            row.setToolTip(0, f"Series Instance UID {hit.series_uid}")
            row.setData(0, SERIES_ROLE, hit)
            wanted = hit.series_uid not in linked and hit.modality in READABLE_MODALITIES
            row.setCheckState(0, QtCore.Qt.CheckState.Checked if wanted else QtCore.Qt.CheckState.Unchecked)
            if wanted:
                row.setText(3, "retrieve to see the plan")
                ticked += 1
            else:
                row.setFlags(row.flags() & ~QtCore.Qt.ItemFlag.ItemIsEnabled)
                row.setText(3, "already in the trial" if hit.series_uid in linked else
                            "not an image series the workstation reads")
            study_item.addChild(row)
    tree.expandAll()
    for column in (1, 3):
        tree.resizeColumnToContents(column)
    return ticked


def ticked_series(tree: QtWidgets.QTreeWidget) -> list[SeriesHit]:
    """The series ticked in a tree :func:`show_studies` filled."""
    found = []
    iterator = QtWidgets.QTreeWidgetItemIterator(tree, QtWidgets.QTreeWidgetItemIterator.IteratorFlag.Checked)
    while (row := iterator.value()) is not None:
        hit = row.data(0, SERIES_ROLE)
        if isinstance(hit, SeriesHit):
            found.append(hit)
        iterator += 1
    return found
