"""ResponsePanel: the demo design's hand-derived categories as shown, rationales, findings, blinding.

Every expected category comes from ``recist_app.demo.trial.DEMO_DESIGN`` (derived by hand from
RULES.md), never from the engine; the panel shows the engine's report of the stored demo read.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from assessment.best_response import Assessment
from assessment.irecist_outcome import irecist_outcome
from recist_app.demo.trial import DEMO_DESIGN
from recist_app.evaluation.engine import outcome, trial_profile
from recist_app.store import ReadSession
from tests.widgets.panels.test_lesion_panel import Demo, open_demo, shots  # noqa: F401  (fixture)
from widgets.panels.response_panel import ResponsePanel
from widgets.panels.response_table import (
    HEADERS,
    PROGRESSION_TINT,
    RESPONSE_TINT,
    category_tint,
)

BACKGROUND = QtCore.Qt.ItemDataRole.BackgroundRole
#: A light style for one screenshot (the app ships a dark one; colours must read on both).
LIGHT = ("QWidget { background-color: #f4f5f7; color: #202124; selection-background-color: #c9daf0; "
         "selection-color: #202124; } QTableView { background-color: #ffffff; alternate-background-color: #f2f4f7; } "
         "QHeaderView::section { background-color: #e8eaee; color: #3c4043; }")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    yield from open_demo(tmp_path_factory.mktemp("demo"))


def outcomes(session: ReadSession) -> tuple[object, object]:
    """BOR / confirmed BOR (``recist_app.evaluation.engine.outcome``) and the iRECIST outcome of a read."""
    snapshot, report = session.snapshot(), session.evaluate()
    read_outcome = outcome(snapshot, report)
    start = snapshot.subject.randomised_on or report.recist.timepoints[0].date
    assessments = [Assessment(tp.date, tp.overall.value, tp.visit_id) for tp in report.irecist.timepoints]
    return read_outcome, irecist_outcome(assessments, start, trial_profile(snapshot))


def show_panel(qtbot: object, session: ReadSession, **kwargs: object) -> ResponsePanel:
    panel = ResponsePanel()
    qtbot.addWidget(panel)
    panel.resize(1400, 560)
    panel.set_report(session.evaluate(), outcomes(session), **kwargs)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


@pytest.mark.parametrize("subject", DEMO_DESIGN.subjects, ids=lambda s: s.subject_id)
def test_categories_of_the_demo_design(app: object, qtbot: object, demo: Demo, subject: object) -> None:
    session = demo.session(subject.subject_id)
    panel = show_panel(qtbot, session)
    assert panel.category("BASELINE") == "" and panel.cells("BASELINE")[HEADERS[4]].text == "Baseline"
    for visit in subject.visits[1:]:
        expected = visit.expected
        cells = panel.cells(visit.visit)
        assert (panel.category(visit.visit), panel.irecist_category(visit.visit)) == (
            expected.recist.value, expected.irecist.value), visit.visit
        assert cells["In field\nresponse"].text == expected.irradiated.value
        assert cells["Out of field\nresponse"].text == expected.non_irradiated.value
        flags = "yes" if expected.abscopal_sum30 else "no", "yes" if expected.abscopal_any_lesion30 else "no"
        assert cells["Abscopal\nsum30 / any"].text == " / ".join(flags)
    wanted = subject.outcome
    header = panel.outcome_label.text()
    assert "BOR so far <span" in header
    for name, category in (("BOR so far", wanted.bor), ("Confirmed BOR", wanted.confirmed_bor),
                           ("iBOR", wanted.ibor)):
        assert re.search(rf"{name} <span[^>]*>&nbsp;{re.escape(category.value)}&nbsp;</span>", header), name


def test_numbers_and_colours(app: object, qtbot: object, demo: Demo) -> None:
    panel = show_panel(qtbot, demo.session("STS-001"))
    cells = panel.cells("WEEK 8")
    sums = cells["Sum\nmm"].text, cells["Δ from\nbaseline"].text, cells["Δ from\nnadir"].text
    assert sums == ("66", "−36.5 %", "−36.5 %")
    assert (cells["In field\nsum mm (Δ)"].text, cells["Out of field\nsum mm (Δ)"].text) == ("21 (−34.3 %)",
                                                                                          "45 (−37.5 %)")
    assert "From nadir 32 mm: −34.3 %, −11 mm" in cells["In field\nsum mm (Δ)"].tooltip
    baseline = panel.cells("BASELINE")
    assert (baseline["Sum\nmm"].text, baseline["In field\nsum mm (Δ)"].text) == ("104", "32")
    row = panel.model.index(1, 4)  # WEEK 8, RECIST 1.1 overall: PR
    assert row.data() == "PR" and row.data(BACKGROUND) == QtGui.QBrush(RESPONSE_TINT)
    assert category_tint("PD") == PROGRESSION_TINT and category_tint("SD") is None
    assert category_tint("NE") is not None and category_tint("iUPD") not in (None, PROGRESSION_TINT)
    session = demo.session("STS-003")
    panel.set_report(session.evaluate())
    assert panel.model.index(3, 4).data(BACKGROUND) == QtGui.QBrush(PROGRESSION_TINT)  # WEEK 12 PD
    assert not panel.outcome_label.isVisible()  # no outcome given
    panel.set_report(dataclasses.replace(session.evaluate(), subsets=None))  # no irradiated lesion
    assert panel.model.columnCount() == HEADERS.index("In field\nsum mm (Δ)")  # no subset columns


def test_rationale_of_the_selected_row(app: object, qtbot: object, demo: Demo) -> None:
    panel = show_panel(qtbot, demo.session("STS-003"))
    assert "WEEK 18" in panel.rationale_text()  # the newest row is selected first
    panel.select_timepoint("WEEK 12")
    text = panel.rationale_text()
    assert text.startswith("WEEK 12 · 2024-06-03")
    for part in ("RECIST 1.1", "New lesion(s): NL01", "Overall PD (RECIST 1.1 Table 1)", "iRECIST",
                 "iUPD: RECIST 1.1 progression of new lesion, to be confirmed",
                 "In field / out of field (beside the protocol response)", "Irradiated subset PR",
                 "Abscopal response by subset sum (sum30): no", "Local control"):
        assert part in text, part
    panel.table.selectRow(1)  # WEEK 6
    assert panel.rationale_text().startswith("WEEK 6")
    panel.set_report(demo.session("STS-003").evaluate())  # a rebuild keeps the selected time point
    assert panel.rationale_text().startswith("WEEK 6")
    browser = panel.rationale
    assert browser.lineWrapMode() == QtWidgets.QTextEdit.LineWrapMode.WidgetWidth
    assert browser.textInteractionFlags() & browser.textInteractionFlags().TextSelectableByMouse


def test_findings_are_highlighted(app: object, qtbot: object, demo: Demo) -> None:
    panel = show_panel(qtbot, demo.session("STS-003"))
    first = panel.cells("WEEK 18")["Time point"]
    assert first.warning and "after the first PD" in first.tooltip
    assert panel.warnings_label.isVisible()
    assert "WEEK 18 · 2024-07-15: time point after the first PD: not RECIST-relevant" in panel.warnings_label.text()
    assert not panel.cells("WEEK 6")["Time point"].warning
    panel.select_timepoint("WEEK 18")
    assert "AFTER_FIRST_PD" in panel.rationale_text()
    panel.set_report(demo.session("STS-001").evaluate())
    assert not panel.warnings_label.isVisible()


def test_blinded_labels(app: object, qtbot: object, demo: Demo) -> None:
    session = demo.session("STS-003")
    snapshot = session.snapshot()
    labels = {tp.uid: "Baseline" if tp.is_baseline else f"TP{n}" for n, tp in enumerate(snapshot.timepoints)}
    panel = show_panel(qtbot, session, timepoint_labels=labels)
    model = panel.model
    assert [model.index(row, 0).data() for row in range(model.rowCount())] == ["Baseline", "TP1", "TP2", "TP3"]
    assert panel.category("TP2") == "PD" and panel.irecist_category("TP3") == "iCPD"
    panel.select_timepoint("TP3")
    shown = "\n".join([panel.rationale_text(), panel.warnings_label.text(), panel.outcome_label.text(),
                       panel.outcome_label.toolTip()] +
                      [str(model.index(r, c).data(role)) for r in range(model.rowCount())
                       for c in range(model.columnCount()) for role in (0, 3)])
    assert not re.search(r"\d{4}-\d{2}-\d{2}", shown), "a scan date leaks into a blinded read"
    assert "iUPD of TP2 confirmed" in panel.rationale_text()


def test_no_report(app: object, qtbot: object) -> None:
    panel = ResponsePanel()
    qtbot.addWidget(panel)
    panel.set_report(None)
    assert panel.model.rowCount() == 0 and "No response yet" in panel.rationale_text()
    with pytest.raises(KeyError):
        panel.category("WEEK 8")


def test_screenshot(app: object, qtbot: object, demo: Demo, shots: Path) -> None:  # noqa: F811
    panel = show_panel(qtbot, demo.session("STS-003"))
    panel.select_timepoint("WEEK 12")
    QtWidgets.QApplication.processEvents()
    assert panel.grab().save(str(shots / "response_panel_sts003.png"), "PNG")
    panel = show_panel(qtbot, demo.session("STS-001"))
    QtWidgets.QApplication.processEvents()
    assert panel.grab().save(str(shots / "response_panel_sts001.png"), "PNG")
    header = panel.table.horizontalHeader()
    for column in range(panel.model.columnCount()):
        assert header.sectionSize(column) >= panel.table.sizeHintForColumn(column)
    assert panel.table.horizontalScrollBar().maximum() == 0  # every column visible at 1400 px
    panel.setStyleSheet(LIGHT)  # the tints are translucent: readable on a light style too
    QtWidgets.QApplication.processEvents()
    assert panel.grab().save(str(shots / "response_panel_sts001_light.png"), "PNG")


def test_time_point_column_stays_in_view_when_scrolled(app: object, qtbot: object, demo: Demo,
                                                       shots: Path) -> None:  # noqa: F811
    panel = show_panel(qtbot, demo.session("STS-003"))
    panel.resize(500, 560)
    QtWidgets.QApplication.processEvents()
    table, frozen = panel.table, panel.table.frozen
    bar = table.horizontalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(bar.maximum())
    QtWidgets.QApplication.processEvents()
    assert table.columnViewportPosition(0) < 0 and frozen.width() == table.columnWidth(0)
    assert frozen.horizontalHeader().height() == table.horizontalHeader().height()  # two-line headers beside it
    area = frozen.viewport().rect()
    shown = [panel.model.index(row, 0).data() for row in range(panel.model.rowCount())
             if area.intersects(frozen.visualRect(panel.model.index(row, 0)))]
    assert shown and shown == [panel.model.index(row, 0).data() for row in range(len(shown))]
    assert shown[0].startswith("BASELINE")
    panel.select_timepoint("WEEK 6")
    assert frozen.selectionModel() is table.selectionModel()
    assert frozen.selectionModel().isRowSelected(1, QtCore.QModelIndex()) and "WEEK 6" in panel.rationale_text()
    assert panel.grab().save(str(shots / "response_panel_scrolled.png"), "PNG")
