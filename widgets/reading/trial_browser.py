"""``TrialBrowser``: the trial as a tree, subject → time point → series (left dock).

Time points show their visit and study date; series their number and description, then what a
reader chooses a series by (images, plane, kernel, thickness) and the scan findings to know before
measuring (gantry tilt, missing slices …; from the headers, :mod:`recist_app.imaging.catalog`). The
series the time point is read on is bold; clicking another series reads on it (the choice is part
of the read, audited). A series that cannot be measured on says why. A signed time point of the
current read carries a padlock. For a blinded central reader the tree shows only what the store hands that reader:
"Baseline", "TP1", "TP2" … in the reader's own order, without dates or series descriptions (which
name the visit), and a subject's time points are listed once the reader opens the subject.

The browser holds no domain state beyond what it displays; the main window fills it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6 import QtCore, QtGui, QtWidgets

from recist_app.imaging.catalog import SeriesOption
from recist_app.model.records import Subject, Timepoint, Trial
from widgets.icons import lock_icon

KIND_ROLE = QtCore.Qt.ItemDataRole.UserRole
KEY_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1
SUBJECT, TIMEPOINT, SERIES, PLACEHOLDER = "subject", "timepoint", "series", "placeholder"
WARNING_COLOUR = "#ffb74d"
MUTED_COLOUR = "#8b9097"
PLACEHOLDER_TEXT = "open the subject to list its time points"
#: Shown under a subject registered before its images arrived, and under a time point without a series.
NO_IMAGES_TEXT = "no images yet: import its study with File > Open folder"


class TrialBrowser(QtWidgets.QWidget):
    """Subjects, their time points and series.

    Signals
    -------
    subject_selected(str subject_id)
        A subject row became current (or was expanded while its time points are unknown).
    timepoint_selected(str subject_id, str timepoint_uid)
        A time point became current.
    series_selected(str subject_id, str timepoint_uid, str series_uid)
        One of a time point's series became current (the reader wants to read on it).
    """

    subject_selected = QtCore.Signal(str)
    timepoint_selected = QtCore.Signal(str, str)
    series_selected = QtCore.Signal(str, str, str)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QtWidgets.QLabel("No trial open")
        self.title.setObjectName("trialTitle")
        self.title.setWordWrap(True)
        self.title.setContentsMargins(6, 4, 6, 4)
        self.tree = QtWidgets.QTreeWidget()
        self.tree.setObjectName("trialTree")
        self.tree.setHeaderLabels(["Subject / visit", "Date"])
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setIconSize(QtCore.QSize(14, 14))
        self.tree.setIndentation(14)
        self.tree.setTextElideMode(QtCore.Qt.TextElideMode.ElideRight)
        self.tree.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 128)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.title)
        layout.addWidget(self.tree, 1)
        self._subjects: dict[str, QtWidgets.QTreeWidgetItem] = {}
        self._timepoints: dict[str, QtWidgets.QTreeWidgetItem] = {}
        self._series: dict[str, list[QtWidgets.QTreeWidgetItem]] = {}
        self._findings: dict[str, SeriesOption] = {}
        self._blinded = False
        self._lock = lock_icon(14)
        self._warning = self.style().standardIcon(QtWidgets.QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.tree.currentItemChanged.connect(self._on_current_item_changed)
        self.tree.itemExpanded.connect(self._on_item_expanded)

    # -- filling ---------------------------------------------------------------------------------
    def set_trial(self, trial: Trial | None, subjects: Sequence[Subject], *, blinded: bool = False,
                  reader_text: str = "") -> None:
        """Show ``subjects`` of ``trial`` (time points are added by :meth:`set_timepoints`)."""
        self.tree.blockSignals(True)
        self.tree.clear()
        self._subjects.clear()
        self._timepoints.clear()
        self._series.clear()
        self._blinded = blinded
        if trial is None:
            self.title.setText("No trial open")
        else:
            blind = " · blinded visits" if blinded else ""
            self.title.setText(f"<b>{trial.code}</b>{blind}<br><span style='color:{MUTED_COLOUR}'>"
                               f"{reader_text}</span>" if reader_text else f"<b>{trial.code}</b>{blind}")
            self.title.setToolTip(trial.name)
        for subject in subjects:
            item = QtWidgets.QTreeWidgetItem([subject.subject_id, subject.arm])
            item.setData(0, KIND_ROLE, SUBJECT)
            item.setData(0, KEY_ROLE, subject.subject_id)
            arm = f" · {subject.arm}" if subject.arm else ""
            item.setToolTip(0, f"{subject.subject_id} · site {subject.site_code}{arm}")
            item.setToolTip(1, subject.arm)
            _muted(item, 1)
            placeholder = QtWidgets.QTreeWidgetItem([PLACEHOLDER_TEXT])
            placeholder.setData(0, KIND_ROLE, PLACEHOLDER)
            placeholder.setFlags(QtCore.Qt.ItemFlag.NoItemFlags)
            item.addChild(placeholder)
            self.tree.addTopLevelItem(item)
            self._subjects[subject.subject_id] = item
        self.tree.blockSignals(False)

    def set_timepoints(self, subject_id: str, timepoints: Sequence[Timepoint],
                       signed: Iterable[str] = ()) -> None:
        """Show the subject's time points (as this reader may see them) with their series."""
        subject = self._subjects.get(subject_id)
        if subject is None:
            return
        current = self.current_timepoint()
        signed = set(signed)
        self.tree.blockSignals(True)
        for child in subject.takeChildren():
            if child.data(0, KIND_ROLE) == TIMEPOINT:
                self._timepoints.pop(child.data(0, KEY_ROLE), None)
        if not timepoints:
            _add_note(subject, NO_IMAGES_TEXT)
        for tp in timepoints:
            blinded = tp.blinded or self._blinded
            date_text = "" if blinded or tp.scan_date is None else tp.scan_date.isoformat()
            item = QtWidgets.QTreeWidgetItem([tp.visit or date_text, date_text])
            item.setData(0, KIND_ROLE, TIMEPOINT)
            item.setData(0, KEY_ROLE, tp.uid)
            if tp.uid in signed:
                item.setIcon(0, self._lock)
                item.setToolTip(0, f"{tp.visit}: signed (read-only)")
            for link in tp.series:
                text = "CT series" if blinded else (link.description or link.modality or "series")
                if link.series_number is not None:
                    text = f"#{link.series_number} {text}"
                row = QtWidgets.QTreeWidgetItem([text, ""])
                row.setData(0, KIND_ROLE, SERIES)
                row.setData(0, KEY_ROLE, link.series_uid)
                row.setToolTip(0, text)
                _muted(row, 1)
                item.addChild(row)
                self._series.setdefault(link.series_uid, []).append(row)
                if link.series_uid in self._findings:
                    self._show_findings(row, self._findings[link.series_uid])
            subject.addChild(item)
            if not tp.series:
                _add_note(item, NO_IMAGES_TEXT)
            self._timepoints[tp.uid] = item
        subject.setExpanded(True)
        if current and current[1] in self._timepoints:
            self.tree.setCurrentItem(self._timepoints[current[1]])
        self.tree.blockSignals(False)

    def set_signed(self, signed: Iterable[str]) -> None:
        """Padlocks on the signed time points of the current read (others cleared)."""
        signed = set(signed)
        for uid, item in self._timepoints.items():
            item.setIcon(0, self._lock if uid in signed else QtGui.QIcon())
            item.setToolTip(0, f"{item.text(0)}: signed (read-only)" if uid in signed else item.text(0))

    def set_findings(self, option: SeriesOption) -> None:
        """Show what a series is (images, plane, kernel, thickness), its findings and whether it can be used."""
        self._findings[option.series_uid] = option
        for row in self._series.get(option.series_uid, []):
            self._show_findings(row, option)

    def set_chosen(self, timepoint_uid: str, series_uid: str) -> None:
        """Bold the series the time point is read on (the others plain)."""
        item = self._timepoints.get(timepoint_uid)
        for i in range(item.childCount() if item is not None else 0):
            row = item.child(i) if item is not None else None
            if row is not None and row.data(0, KIND_ROLE) == SERIES:
                font = row.font(0)
                font.setBold(row.data(0, KEY_ROLE) == series_uid)
                row.setFont(0, font)

    def _show_findings(self, row: QtWidgets.QTreeWidgetItem, option: SeriesOption) -> None:
        parts = [f"{option.slice_count} images", option.orientation.value.lower()]
        thickness = f"{option.thickness_mm:g} mm" if option.thickness_mm else ""
        parts += [text for text in (option.kernel, thickness) if text]
        text = " · ".join(parts)
        if not option.usable:
            row.setText(1, f"not usable · {text}" if option.slice_count else "not usable")
            row.setIcon(1, self._warning)
            row.setForeground(1, QtGui.QBrush(QtGui.QColor(WARNING_COLOUR)))
            row.setToolTip(1, f"Not usable: {option.reason}.")
        elif option.findings:
            codes = ", ".join(f.code.replace("_", " ").lower() for f in option.findings)
            row.setText(1, f"{text} · {codes}")
            row.setIcon(1, self._warning)
            row.setForeground(1, QtGui.QBrush(QtGui.QColor(WARNING_COLOUR)))
            row.setToolTip(1, "\n".join(f.message for f in option.findings))
        else:
            row.setText(1, text)
            row.setToolTip(1, f"{text}; no findings (geometry and headers checked). Click to read on this series.")

    # -- selection ---------------------------------------------------------------------------------
    def current_timepoint(self) -> tuple[str, str] | None:
        """``(subject_id, timepoint_uid)`` of the current row, if a time point (or its series)."""
        item = self.tree.currentItem()
        while item is not None and item.data(0, KIND_ROLE) == SERIES:
            item = item.parent()
        parent = item.parent() if item is not None else None
        if item is None or parent is None or item.data(0, KIND_ROLE) != TIMEPOINT:
            return None
        return parent.data(0, KEY_ROLE), item.data(0, KEY_ROLE)

    def select_timepoint(self, timepoint_uid: str, emit: bool = True) -> bool:
        """Make the time point current (emits :attr:`timepoint_selected` unless ``emit`` is False)."""
        return self._select(self._timepoints.get(timepoint_uid), emit)

    def select_subject(self, subject_id: str, emit: bool = True) -> bool:
        """Make the subject current (emits :attr:`subject_selected` unless ``emit`` is False)."""
        return self._select(self._subjects.get(subject_id), emit)

    def _select(self, item: QtWidgets.QTreeWidgetItem | None, emit: bool) -> bool:
        if item is None:
            return False
        self.tree.blockSignals(not emit)
        self.tree.setCurrentItem(item)
        self.tree.blockSignals(False)
        return True

    def timepoint_item(self, timepoint_uid: str) -> QtWidgets.QTreeWidgetItem | None:
        """The row of a time point (tests)."""
        return self._timepoints.get(timepoint_uid)

    def subject_item(self, subject_id: str) -> QtWidgets.QTreeWidgetItem | None:
        """The row of a subject (tests)."""
        return self._subjects.get(subject_id)

    def _on_current_item_changed(self, item: QtWidgets.QTreeWidgetItem | None, _previous: object) -> None:
        if item is not None and item.data(0, KIND_ROLE) == SERIES:
            tp_item = item.parent()
            subject = tp_item.parent() if tp_item is not None else None
            if tp_item is not None and subject is not None:
                self.series_selected.emit(subject.data(0, KEY_ROLE), tp_item.data(0, KEY_ROLE), item.data(0, KEY_ROLE))
            return
        if item is None:
            return
        kind, parent = item.data(0, KIND_ROLE), item.parent()
        if kind == SUBJECT:
            self.subject_selected.emit(item.data(0, KEY_ROLE))
        elif kind == TIMEPOINT and parent is not None:
            self.timepoint_selected.emit(parent.data(0, KEY_ROLE), item.data(0, KEY_ROLE))

    def _on_item_expanded(self, item: QtWidgets.QTreeWidgetItem) -> None:
        first = item.child(0) if item.childCount() == 1 else None
        if item.data(0, KIND_ROLE) == SUBJECT and first is not None and first.data(0, KIND_ROLE) == PLACEHOLDER:
            self.subject_selected.emit(item.data(0, KEY_ROLE))


def _muted(item: QtWidgets.QTreeWidgetItem, column: int) -> None:
    item.setForeground(column, QtGui.QBrush(QtGui.QColor(MUTED_COLOUR)))


def _add_note(parent: QtWidgets.QTreeWidgetItem, text: str) -> None:
    """A muted row that cannot be selected, across both columns: what is missing and what to do."""
    item = QtWidgets.QTreeWidgetItem([text])
    item.setData(0, KIND_ROLE, PLACEHOLDER)
    item.setFlags(QtCore.Qt.ItemFlag.NoItemFlags)
    item.setToolTip(0, text)
    parent.addChild(item)
    item.setFirstColumnSpanned(True)
