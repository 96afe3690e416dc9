"""``ResponsePanel``: the engine's verdict per time point, and why (ARCHITECTURE C10; RULES §6.2).

One row per time point, newest last: RECIST 1.1 target / non-target / new lesion / overall,
iRECIST overall, the target sum with its change from baseline and nadir, the irradiated (in-field)
and non-irradiated (out-of-field) subset sums, changes and responses, and both abscopal flags,
reported beside the protocol response, never instead of it (A16). Selecting a row shows its full
rationale below (RECIST 1.1, iRECIST, subsets, local control, findings); a header line gives BOR
so far, confirmed BOR and iBOR; findings are highlighted. The panel only shows engine records
(C3): every category, sum and percentage comes from the report, formatted as the engine prints
them (:mod:`recist_app.evaluation.response_text`: percentages truncated toward zero).

Blinded reads: with ``timepoint_labels`` the time points are shown as "TP1 …" and every ISO date
in the texts is replaced by the label of its time point (or "date hidden").
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from assessment.domain import Finding, TimepointResult
from assessment.irecist import IrecistTimepoint
from assessment.read_report import ReadReport
from assessment.subsets import SubsetResult, SubsetTimepoint
from recist_app.evaluation.response_text import mm, pct, signed_mm
from widgets.panels.frozen_table import FrozenColumnTableView
from widgets.panels.response_table import (
    FIRST_SUBSET,
    HEADERS,
    IRECIST,
    OVERALL,
    Cell,
    ChipDelegate,
    RowsModel,
    category_tint,
)

_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_SENTENCE = re.compile(r"(?<=\.)\s+(?=[A-Z]|i[A-Z])")


class ResponsePanel(QtWidgets.QWidget):
    """RECIST 1.1, iRECIST and subset results of one read, with each rationale and finding."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.outcome_label = QtWidgets.QLabel(self)
        self.outcome_label.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.outcome_label.setWordWrap(True)
        self.outcome_label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warnings_label = QtWidgets.QLabel(self)
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warnings_label.setStyleSheet("QLabel { background-color: rgba(230, 160, 40, 60); "
                                          "border-left: 3px solid rgb(230, 160, 40); padding: 4px 8px; }")
        self.model = RowsModel(self)
        self.table = FrozenColumnTableView(self)
        self.table.setModel(self.model)
        self.table.setItemDelegate(ChipDelegate(self.table))
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setDefaultAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.rationale = QtWidgets.QTextBrowser(self)
        self.rationale.setOpenLinks(False)
        self.rationale.setLineWrapMode(QtWidgets.QTextEdit.LineWrapMode.WidgetWidth)
        self.splitter = splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.rationale)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.outcome_label)
        layout.addWidget(self.warnings_label)
        layout.addWidget(splitter, 1)
        self._report: ReadReport | None = None
        self._labels: dict[str, str] = {}
        self._keys: list[str] = []
        self._dates: dict[str, str] = {}
        self._fitted_rows = -1
        self._size_pending = False
        self.set_report(None)

    # -- content ------------------------------------------------------------------------------
    def set_report(self, report: ReadReport | None, outcome: object | None = None, *,
                   timepoint_labels: Mapping[str, str] | None = None) -> None:
        """Show ``report`` (None: nothing yet) with ``outcome`` in the header line.

        ``outcome`` is what ``recist_app.evaluation.engine.outcome`` returns (BOR, confirmed BOR), an
        ``IrecistOutcome`` (iBOR), or a pair of both. ``timepoint_labels`` maps time-point uid →
        blinded label.
        """
        current = self._keys[self.table.currentIndex().row()] if self.table.currentIndex().isValid() else ""
        self._report, self._labels = report, dict(timepoint_labels or {})
        timepoints = report.recist.timepoints if report is not None else ()
        self._dates = {tp.date.isoformat(): self._labels[tp.visit_id] for tp in timepoints
                       if tp.visit_id in self._labels}
        self._keys = [tp.visit_id for tp in timepoints]
        rows = [self._row(tp) for tp in timepoints]
        subsets = report is not None and report.subsets is not None
        columns = tuple(range(len(HEADERS) if subsets else FIRST_SUBSET))
        selection = self.table.selectionModel()
        selection.blockSignals(True)
        try:
            self.model.set_rows(rows, columns)
            row = self._keys.index(current) if current in self._keys else len(rows) - 1
            if row >= 0:
                self.table.selectRow(row)
        finally:
            selection.blockSignals(False)
        self._fit_columns()
        self._show_outcome(outcome)
        self._show_warnings()
        self._show_rationale(self.table.currentIndex().row())

    def category(self, timepoint_uid_or_visit: str) -> str:
        """The RECIST 1.1 overall category shown for a time point (uid, visit or label); "" at baseline."""
        return self.cells(timepoint_uid_or_visit)[HEADERS[OVERALL]].category

    def irecist_category(self, timepoint_uid_or_visit: str) -> str:
        """The iRECIST overall category shown for a time point; "" at baseline."""
        return self.cells(timepoint_uid_or_visit)[HEADERS[IRECIST]].category

    def cells(self, timepoint_uid_or_visit: str) -> dict[str, Cell]:
        """Every cell of a time point's row by header text (including hidden subset columns)."""
        row = self._row_index(timepoint_uid_or_visit)
        return dict(zip(HEADERS, self.model.rows[row], strict=True))

    def select_timepoint(self, timepoint_uid_or_visit: str) -> None:
        """Select a time point's row (its rationale shows below)."""
        self.table.selectRow(self._row_index(timepoint_uid_or_visit))

    def rationale_text(self) -> str:
        """The rationale shown for the selected row, as plain text."""
        return self.rationale.toPlainText()

    def _row_index(self, key: str) -> int:
        if self._report is None:
            raise KeyError(key)
        for n, tp in enumerate(self._report.recist.timepoints):
            if key in (tp.visit_id, tp.visit, self._labels.get(tp.visit_id)):
                return n
        raise KeyError(key)

    # -- rows -----------------------------------------------------------------------------------
    def _label(self, tp: TimepointResult, separator: str = " · ") -> str:
        return self._labels.get(tp.visit_id) or f"{tp.visit}{separator}{tp.date_text}"

    def _row(self, tp: TimepointResult) -> list[Cell]:
        assert self._report is not None
        itp = next((i for i in self._report.irecist.timepoints if i.visit_id == tp.visit_id), None)
        stp = next((s for s in self._report.subsets.timepoints if s.visit_id == tp.visit_id), None) \
            if self._report.subsets is not None else None
        findings = self._findings(tp, itp)
        first = Cell(self._label(tp, "\n"), self._redact("\n".join(f"⚠ {f.message}" for f in findings)),
                     warning=bool(findings))
        sums = [Cell(_number(tp.sum_mm), "" if tp.sum_complete else "Sum incomplete: a target was not assessed"),
                Cell(pct(tp.pct_change_baseline) if not tp.is_baseline else "—"),
                Cell(pct(tp.pct_change_nadir) if not tp.is_baseline else "—",
                     "" if tp.is_baseline else f"Nadir {mm(tp.nadir_mm)}; {_signed(tp.abs_change_nadir_mm)} over it")]
        if tp.is_baseline:
            responses = [Cell("—"), Cell("—"), Cell("—"), Cell("Baseline"), Cell("—")]
        else:
            responses = [_category(tp.target_response), _category(tp.nontarget_response),
                         Cell("yes" if tp.new_lesion else "no", category="PD" if tp.new_lesion else ""),
                         Cell(tp.overall.value, self._redact(tp.rationale), tp.overall.value),
                         _category(itp.overall if itp else None, self._redact(itp.rationale) if itp else
                                   "Not assessed under iRECIST (after iCPD)")]
        return [first, *responses, *sums, *self._subset_cells(stp)]

    def _subset_cells(self, stp: SubsetTimepoint | None) -> list[Cell]:
        cells: list[Cell] = []
        for result in (stp.irradiated, stp.non_irradiated) if stp is not None else (None, None):
            cells += _subset(result)
        if stp is None or stp.is_baseline or stp.non_irradiated is None:
            cells.append(Cell("—"))
        else:
            flags = f"{_yes_no(stp.abscopal_sum30)} / {_yes_no(stp.abscopal_any_lesion30)}"
            cells.append(Cell(flags, self._redact(stp.summary), "PR" if stp.abscopal_sum30 or
                              stp.abscopal_any_lesion30 else ""))
        return cells

    def _findings(self, tp: TimepointResult, itp: IrecistTimepoint | None) -> list[Finding]:
        found = list(tp.findings) + (list(itp.findings) if itp else [])
        if tp.is_baseline and self._report is not None:
            found = list(self._report.recist.baseline_findings) + found
        return found

    # -- texts ----------------------------------------------------------------------------------
    def _redact(self, text: str) -> str:
        if not self._labels:
            return text
        return _DATE.sub(lambda m: self._dates.get(m.group(0), "(date hidden)"), text)

    def _show_outcome(self, outcome: object | None) -> None:
        parts = []
        for name, best in _outcome_parts(outcome):
            when = f" ({best.date.isoformat()})" if getattr(best, "date", None) else ""
            tint = category_tint(best.category)
            style = f"background-color: {tint.name(QtGui.QColor.NameFormat.HexArgb)};" if tint else ""
            chip = f'<span style="{style} font-weight: bold;">&nbsp;{html.escape(best.category)}&nbsp;</span>'
            parts.append(f"{name} {chip}{html.escape(self._redact(when))}")
        self.outcome_label.setText(" &nbsp;·&nbsp; ".join(parts))
        self.outcome_label.setToolTip(self._redact("\n".join(f"{n}: {b.rationale}" for n, b in
                                                             _outcome_parts(outcome))))
        self.outcome_label.setVisible(bool(parts))

    def _show_warnings(self) -> None:
        lines = []
        if self._report is not None:
            for tp in self._report.recist.timepoints:
                itp = next((i for i in self._report.irecist.timepoints if i.visit_id == tp.visit_id), None)
                lines += [f"⚠ {self._label(tp)}: {self._redact(f.message)}" for f in self._findings(tp, itp)]
        self.warnings_label.setText("\n".join(lines))
        self.warnings_label.setVisible(bool(lines))

    def _on_current_row_changed(self, current: QtCore.QModelIndex, _previous: QtCore.QModelIndex) -> None:
        self._show_rationale(current.row())

    def _show_rationale(self, row: int) -> None:
        if self._report is None or not 0 <= row < len(self._keys):
            self.rationale.setHtml("<p>No response yet: record baseline and follow-up measurements.</p>"
                                   if self._report is None else "")
            return
        report, key = self._report, self._keys[row]
        tp = report.recist.timepoints[row]
        sections = [("RECIST 1.1", tp.rationale)]
        itp = next((i for i in report.irecist.timepoints if i.visit_id == key), None)
        if itp is not None:
            sections.append(("iRECIST", itp.rationale))
        stp = next((s for s in report.subsets.timepoints if s.visit_id == key), None) if report.subsets else None
        if stp is not None and report.subsets is not None:
            sections.append(("In field / out of field (beside the protocol response)", stp.rationale))
            local = [v.rationale for c in report.subsets.local_control for v in c.verdicts if v.visit_id == key]
            if local:
                sections.append(("Local control", " ".join(local)))
        findings = self._findings(tp, itp)
        body = [f"<h3>{html.escape(self._label(tp))}</h3>"]
        for title, text in sections:
            items = "".join(f"<li>{html.escape(s)}</li>" for s in _SENTENCE.split(self._redact(text)) if s.strip())
            body.append(f"<p><b>{html.escape(title)}</b></p><ul>{items}</ul>")
        if findings:
            items = "".join(f"<li>⚠ {html.escape(self._redact(f.message))} ({html.escape(f.code)})</li>"
                            for f in findings)
            body.append(f"<p><b>Findings</b></p><ul>{items}</ul>")
        self.rationale.setHtml("".join(body))

    def _fit_columns(self) -> None:
        """Columns as wide as their content and chip; the table as tall as its rows (the rest: rationale)."""
        rows_before = self._fitted_rows
        self.table.resizeColumnsToContents()
        self.table.resizeRowsToContents()
        header = self.table.horizontalHeader()
        chips = {1, 2, 3, OVERALL, IRECIST, 10, 12, 13}  # columns whose categories may be drawn as chips
        for column in range(self.model.columnCount()):
            extra = 14 if self.model.columns[column] in chips else 4
            header.resizeSection(column, header.sectionSize(column) + extra)
        self.table.sync_frozen()
        if self.model.rowCount() != rows_before:
            self._fitted_rows = self.model.rowCount()
            self._size_pending = True
            self._size_splitter()

    def _size_splitter(self) -> None:
        """Give the table the height of its rows (once per new row count; the reader may drag after)."""
        if not self._size_pending or self.splitter.height() <= 0 or not self.isVisible():
            return
        self._size_pending = False
        rows = sum(self.table.rowHeight(r) for r in range(self.model.rowCount()))
        wanted = self.table.horizontalHeader().sizeHint().height() + rows + 2 * self.table.frameWidth() + \
            self.table.horizontalScrollBar().sizeHint().height() + 2
        total = sum(self.splitter.sizes())
        wanted = min(wanted, total - 120)
        self.splitter.setSizes([wanted, total - wanted])

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        self._size_splitter()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._size_splitter()


def _outcome_parts(outcome: object | None) -> list[tuple[str, Any]]:
    """(name, BestResponse) pairs: BOR so far and confirmed BOR of a ReadOutcome, iBOR of an IrecistOutcome."""
    items = outcome if isinstance(outcome, (tuple, list)) else (outcome,) if outcome is not None else ()
    parts: list[tuple[str, Any]] = []
    for item in items:
        if hasattr(item, "confirmed_best_response"):
            parts += [("BOR so far", item.best_response), ("Confirmed BOR", item.confirmed_best_response)]
        elif hasattr(item, "progression") and hasattr(item, "best_response"):
            parts.append(("iBOR", item.best_response))
    return parts


def _category(value: object | None, tooltip: str = "") -> Cell:
    text = str(value) if value is not None else "—"
    return Cell(text, tooltip, text if value is not None else "")


def _subset(result: SubsetResult | None) -> list[Cell]:
    if result is None:
        return [Cell("—", "No target lesion in this subset"), Cell("—")]
    why = f"Targets {', '.join(result.lesion_ids)}: {result.rationale}"
    if result.is_baseline:
        return [Cell(_number(result.sum_mm), why), Cell("—")]
    total = f"{_number(result.sum_mm)} ({pct(result.pct_change_baseline)})" if result.sum_mm is not None else "—"
    nadir = f"\nFrom nadir {mm(result.nadir_mm)}: {pct(result.pct_change_nadir)}, {_signed(result.abs_change_nadir_mm)}"
    return [Cell(total, why + nadir), _category(result.response, result.summary)]


def _number(value: Decimal | None) -> str:
    return mm(value).removesuffix(" mm") if value is not None else "—"


def _signed(value: Decimal | None) -> str:
    return signed_mm(value) if value is not None else "—"


def _yes_no(flag: bool | None) -> str:
    return "NE" if flag is None else "yes" if flag else "no"
