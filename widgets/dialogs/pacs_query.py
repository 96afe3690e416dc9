"""The PACS part of the Open dialog (issue 15): the remembered PACS nodes, the query's fields and its answer.

- :class:`PacsNodes`: the addresses used before (``QSettings`` key :data:`PACS_NODES_KEY`), offered as
  the address is typed; one is remembered when it answers an echo or a query, and forgotten on request.
- :class:`QueryFields`: Patient ID (wildcards ``*`` and ``?``), study dates from and to (inclusive; "any"
  at the lowest date), modality: a :class:`~recist_app.imaging.sources.query.StudyQuery`.
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
#: The lowest date of a date field: shown as "any", it bounds nothing.
NO_DATE = QtCore.QDate(1900, 1, 1)
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


def date_edit(tooltip: str) -> QtWidgets.QDateEdit:
    """A study date field that reads "any" until a date is chosen."""
    edit = QtWidgets.QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(NO_DATE)
    edit.setSpecialValueText("any")
    edit.setDate(NO_DATE)
    edit.setToolTip(tooltip)
    return edit


class QueryFields(QtWidgets.QWidget):
    """Patient ID, study dates and modality of a PACS query."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.patient_edit = QtWidgets.QLineEdit()
        self.patient_edit.setPlaceholderText("Patient ID")
        self.patient_edit.setToolTip("The Patient ID (0010,0020) whose studies are listed; * and ? are wildcards")
        self.since_edit = date_edit("Studies on or after this date (0008,0020)")
        self.until_edit = date_edit("Studies on or before this date (0008,0020)")
        self.modality_box = QtWidgets.QComboBox()
        for code, text in MODALITIES.items():
            self.modality_box.addItem(text, code)
        self.modality_box.setToolTip("Only studies with series of this modality (0008,0061), listing those series")
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for label, field in (("Patient", self.patient_edit), ("studied from", self.since_edit),
                             ("to", self.until_edit), ("modality", self.modality_box)):
            layout.addWidget(QtWidgets.QLabel(label))
            layout.addWidget(field, 1 if field is self.patient_edit else 0)

    @staticmethod
    def _day(edit: QtWidgets.QDateEdit) -> date | None:
        chosen = edit.date()
        return None if chosen == NO_DATE else date(chosen.year(), chosen.month(), chosen.day())

    def query(self) -> StudyQuery:
        """The query the fields describe."""
        return StudyQuery(patient_id=self.patient_edit.text().strip(), since=self._day(self.since_edit),
                          until=self._day(self.until_edit), modality=str(self.modality_box.currentData()))


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
