"""LesionPanel: the lesions × time points grid of a stored demo read, and its editors as signals.

The demo trial (``recist_app.demo.store``, small images) is built once for the module; the demo
reader's pre-filled reads are the input. Edits are driven through the real editors (context
menu actions, check boxes, the F2 combo box, the SBRT dialog) and must come out as the signals
the main window applies through ``ReadSession`` with exactly its keyword names.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from recist_app.demo.store import DemoTrial, build_demo_trial
from recist_app.model.records import ReadSnapshot
from recist_app.store import ReadSession, TrialStore, signoff
from widgets.panels.lesion_grid import (
    IRRADIATED,
    LABEL,
    NODAL,
    ORGAN,
    PREVIOUSLY,
    ROLE,
    WARNING_TINT,
)
from widgets.panels.lesion_panel import LesionPanel, SbrtDialog

SIZE, SLICES = 128, 16
Checked, Unchecked = QtCore.Qt.CheckState.Checked, QtCore.Qt.CheckState.Unchecked
R = QtCore.Qt.ItemDataRole


@dataclass
class Demo:
    """The demo trial, its open store and one session per subject for the demo reader."""

    trial: DemoTrial
    store: TrialStore

    def session(self, subject_id: str) -> ReadSession:
        return self.store.reader_session(self.trial.demo_reader.uid, subject_id,
                                         password=self.trial.demo_reader.password)


def open_demo(folder: Path) -> Iterator[Demo]:
    """Build the demo trial under ``folder`` (cheap password hashing) and keep its store open."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(signoff, "SCRYPT_N", 2**10)
        trial = build_demo_trial(folder / "demo.sqlite", folder / "images", size=SIZE, slices=SLICES)
    store = TrialStore.open(trial.db, trial.trial_code)
    try:
        yield Demo(trial, store)
    finally:
        store.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    yield from open_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("RECIST_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def show_panel(qtbot: object, session: ReadSession, read_only: bool = False) -> LesionPanel:
    panel = LesionPanel()
    qtbot.addWidget(panel)
    panel.resize(1000, 360)
    panel.set_read(session.snapshot(), session.evaluate(), read_only=read_only)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def index(panel: LesionPanel, label: str, column: int | str) -> QtCore.QModelIndex:
    """The cell of a lesion (label) in a fixed column (int) or a time-point column (visit)."""
    snapshot = panel.model.snapshot
    assert snapshot is not None
    row = panel.model.row_of(snapshot.lesion(label).uid)
    col = column if isinstance(column, int) else panel.model.column_of(snapshot.timepoint(column).uid)
    return panel.model.index(row, col)


def text(panel: LesionPanel, label: str, column: int | str, role: int = R.DisplayRole) -> object:
    return index(panel, label, column).data(role)


def action(menu: QtWidgets.QMenu, name: str) -> QtGui.QAction:
    found = [a for a in menu.findChildren(QtGui.QAction) if a.objectName() == name]
    assert len(found) == 1, (name, [a.objectName() for a in menu.findChildren(QtGui.QAction)])
    return found[0]


def names(menu: QtWidgets.QMenu) -> set[str]:
    return {a.objectName() for a in menu.findChildren(QtGui.QAction) if a.objectName()}


def uids(snapshot: ReadSnapshot, label: str, visit: str) -> tuple[str, str]:
    return snapshot.lesion(label).uid, snapshot.timepoint(visit).uid


# -- what the grid shows -------------------------------------------------------------------------
def test_rows_are_grouped_by_role_with_values_and_statuses(app: object, qtbot: object, demo: Demo) -> None:
    panel = show_panel(qtbot, demo.session("STS-001"))
    model = panel.model
    shown = [model.index(row, LABEL).data() for row in range(model.rowCount())]
    assert shown == ["Target lesions (4)", "T01", "T02", "T03", "T04", "Non-target lesions (1)", "NT01"]
    headers = [model.headerData(c, QtCore.Qt.Orientation.Horizontal, R.DisplayRole) for c in range(model.columnCount())]
    assert headers == ["Lesion", "Organ / site", "Role", "Node", "SBRT", "Prior RT", "BASELINE\n2024-01-10",
                       "WEEK 8\n2024-03-11", "WEEK 16\n2024-05-06", "WEEK 24\n2024-07-01"]
    assert [text(panel, "T01", visit) for visit in ("BASELINE", "WEEK 8", "WEEK 16", "WEEK 24")] == [
        "32.0", "21.0", "16.0", "13.0"]
    assert [text(panel, "T02", visit) for visit in ("WEEK 8", "WEEK 16", "WEEK 24")] == [
        "14.0", "disappeared", "disappeared"]
    assert text(panel, "T03", "BASELINE") == "18.0"  # node: the short axis (long axis 26 mm)
    assert "Short axis 18.0 mm (long axis 26.0 mm)" in str(text(panel, "T03", "BASELINE", R.ToolTipRole))
    assert text(panel, "NT01", "WEEK 16") == "present"
    assert (text(panel, "T04", ORGAN), text(panel, "T03", ORGAN)) == ("Liver, segment VI", "Lymph node, subcarinal")
    assert (text(panel, "T01", ROLE), text(panel, "NT01", ROLE)) == ("Target", "Non-target")
    assert text(panel, "T03", NODAL, R.CheckStateRole) == Checked
    assert text(panel, "T01", NODAL, R.CheckStateRole) == Unchecked


def test_irradiated_column_and_changes_in_tooltips(app: object, qtbot: object, demo: Demo) -> None:
    panel = show_panel(qtbot, demo.session("STS-001"))
    assert text(panel, "T01", IRRADIATED, R.CheckStateRole) == Checked
    assert text(panel, "T01", IRRADIATED) == "45 Gy / 3 fx"
    assert text(panel, "T01", IRRADIATED, R.ToolTipRole) == (
        "Irradiated on study (in field): SBRT 2024-01-15 to 2024-01-19, 45 Gy in 3 fractions")
    assert (text(panel, "T02", IRRADIATED), text(panel, "T02", IRRADIATED, R.CheckStateRole)) == ("", Unchecked)
    tip = str(text(panel, "T01", "WEEK 8", R.ToolTipRole))
    assert "T01: −34.3 % (−11 mm) from its baseline 32 mm" in tip  # 21 / 32: truncated, as the engine prints
    assert "Sum of targets 66 mm: −36.5 % from baseline, −36.5 % from nadir 104 mm" in tip
    tip = str(text(panel, "T01", "WEEK 24", R.ToolTipRole))
    assert "T01: −3 mm from its smallest earlier value 16 mm" in tip
    assert "from nadir 40 mm" in tip  # the sum's nadir was week 16
    assert "from its baseline" not in str(text(panel, "NT01", "WEEK 8", R.ToolTipRole))  # targets only


def test_radiation_induced_previously_irradiated_and_new_lesions(app: object, qtbot: object, demo: Demo) -> None:
    panel = show_panel(qtbot, demo.session("STS-002"))
    assert text(panel, "T01", "WEEK 8") == "31.0 RI"
    assert "radiation-induced" in str(text(panel, "T01", "WEEK 8", R.ToolTipRole))
    assert text(panel, "NT01", PREVIOUSLY, R.CheckStateRole) == Checked
    assert text(panel, "T02", IRRADIATED) == "50 Gy / 5 fx"
    panel.set_read(demo.session("STS-003").snapshot(), demo.session("STS-003").evaluate())
    rows = [panel.model.index(row, LABEL).data() for row in range(panel.model.rowCount())]
    assert rows[-2:] == ["New lesions (1)", "NL01"]
    assert [text(panel, "NL01", visit) for visit in ("BASELINE", "WEEK 6", "WEEK 12", "WEEK 18")] == [
        "—", "—", "14.0", "21.0"]
    assert text(panel, "NL01", "WEEK 6", R.ForegroundRole) is not None  # muted: not there yet
    assert text(panel, "NL01", ROLE) == "New"
    assert text(panel, "NT01", "BASELINE") == "present"


def test_baseline_findings_are_shown_inline(app: object, qtbot: object, demo: Demo, shots: Path) -> None:
    """A previously irradiated target marks its row; three lung targets give a read-level banner."""
    session = demo.session("STS-002")
    snapshot = session.snapshot()
    session.edit_lesion(snapshot.lesion("T03"), previously_irradiated=True)
    session.edit_lesion(snapshot.lesion("T02"), organ="LUNG, RIGHT LOWER LOBE")
    try:
        panel = show_panel(qtbot, session)
        assert text(panel, "T03", LABEL, R.BackgroundRole) == QtGui.QBrush(WARNING_TINT)
        assert isinstance(text(panel, "T03", LABEL, R.DecorationRole), QtGui.QIcon)
        assert "lies in a previously irradiated field" in str(text(panel, "T03", LABEL, R.ToolTipRole))
        assert text(panel, "T01", LABEL, R.BackgroundRole) is None
        assert isinstance(text(panel, "T01", LABEL, R.DecorationRole), QtGui.QPixmap)  # the role colour
        assert panel.findings_label.isVisible()
        assert "3 targets in LUNG (T01, T02, T03); at most 2 per organ" in panel.findings_label.text()
        panel.resize(1100, 330)
        QtWidgets.QApplication.processEvents()
        assert panel.grab().save(str(shots / "lesion_panel_findings.png"), "PNG")
    finally:
        session.undo()
        session.undo()
    panel.set_read(session.snapshot(), session.evaluate())
    assert not panel.findings_label.isVisible()
    assert text(panel, "T03", LABEL, R.BackgroundRole) is None


# -- editing emits requests ----------------------------------------------------------------------
def test_status_menu_of_a_cell(app: object, qtbot: object, demo: Demo) -> None:
    panel = show_panel(qtbot, demo.session("STS-001"))
    snapshot = panel.model.snapshot
    assert snapshot is not None
    seen: list[tuple[str, str, str, bool, str]] = []
    panel.status_requested.connect(lambda *args: seen.append(args))
    menu = panel.context_menu(index(panel, "T02", "WEEK 8"))
    assert menu is not None
    assert {"status:", "status:TOO SMALL TO MEASURE", "status:DISAPPEARED", "status:NOT ASSESSED", "status:SPLIT",
            "status:TUMOR MERGED"} <= names(menu)
    assert "status:PRESENT" not in names(menu)  # not a target status
    assert not action(menu, "radiation_induced").isEnabled()  # T02 is not irradiated
    action(menu, "status:DISAPPEARED").trigger()
    menu = panel.context_menu(index(panel, "T02", "WEEK 16"))
    assert menu is not None and action(menu, "status:DISAPPEARED").isChecked()
    action(menu, "status:").trigger()  # back to "measured"
    menu = panel.context_menu(index(panel, "T01", "WEEK 8"))
    assert menu is not None
    action(menu, "radiation_induced").trigger()
    menu = panel.context_menu(index(panel, "NT01", "WEEK 24"))
    assert menu is not None
    assert {"status:PRESENT", "status:ABSENT", "status:UNEQUIVOCAL PROGRESSION", "status:NOT ASSESSED"} <= names(menu)
    assert action(menu, "status:PRESENT").isChecked() and "status:DISAPPEARED" not in names(menu)
    action(menu, "status:UNEQUIVOCAL PROGRESSION").trigger()
    asked: list[str] = []
    panel.ask_reason = lambda label, _reason: asked.append(label) or (None if len(asked) == 1 else "out of field")
    menu = panel.context_menu(index(panel, "T03", "WEEK 8"))
    assert menu is not None and action(menu, "status:NOT ASSESSED").text() == "Not assessed (NA)…"
    action(menu, "status:NOT ASSESSED").trigger()  # the reader cancels the question: nothing is stated
    action(menu, "status:NOT ASSESSED").trigger()
    assert asked == ["T03", "T03"]
    assert seen == [(*uids(snapshot, "T02", "WEEK 8"), "DISAPPEARED", False, ""),
                    (*uids(snapshot, "T02", "WEEK 16"), "", False, ""),
                    (*uids(snapshot, "T01", "WEEK 8"), "", True, ""),
                    (*uids(snapshot, "NT01", "WEEK 24"), "UNEQUIVOCAL PROGRESSION", False, ""),
                    (*uids(snapshot, "T03", "WEEK 8"), "NOT ASSESSED", False, "out of field")]


def test_lesion_menu_role_organ_flags_rename_delete(app: object, qtbot: object, demo: Demo) -> None:
    panel = show_panel(qtbot, demo.session("STS-001"))
    snapshot = panel.model.snapshot
    assert snapshot is not None
    t02 = snapshot.lesion("T02").uid
    edits: list[tuple[str, dict[str, object]]] = []
    deleted: list[str] = []
    added: list[str] = []
    panel.lesion_edit_requested.connect(lambda uid, changes: edits.append((uid, changes)))
    panel.delete_lesion_requested.connect(deleted.append)
    panel.add_lesion_requested.connect(added.append)

    def menu() -> QtWidgets.QMenu:
        built = panel.context_menu(index(panel, "T02", ORGAN))
        assert built is not None
        return built

    assert {"role:TARGET", "role:NON-TARGET"} <= names(menu()) and "role:NEW" not in names(menu())
    action(menu(), "role:NON-TARGET").trigger()
    assert action(menu(), "organ:LUNG, LEFT UPPER LOBE").isChecked()
    action(menu(), "organ:LYMPH NODE, SUBCARINAL").trigger()
    action(menu(), "organ:LIVER").trigger()
    action(menu(), "nodal").trigger()
    action(menu(), "previously_irradiated").trigger()
    action(menu(), "delete").trigger()
    action(menu(), "add:NEW").trigger()
    action(menu(), "rename").trigger()
    dialog = panel.findChild(QtWidgets.QInputDialog)
    assert dialog is not None and dialog.textValue() == "T02"
    dialog.setTextValue("T05")
    dialog.accept()
    qtbot.mouseClick(panel.add_buttons["TARGET"], QtCore.Qt.MouseButton.LeftButton)
    assert edits == [(t02, {"role": "NON-TARGET"}), (t02, {"organ": "LYMPH NODE, SUBCARINAL", "nodal": True}),
                     (t02, {"organ": "LIVER"}), (t02, {"nodal": True}), (t02, {"previously_irradiated": True}),
                     (t02, {"label": "T05"})]
    assert (deleted, added) == ([t02], ["NEW", "TARGET"])


def test_check_boxes_and_sbrt_dialog(app: object, qtbot: object, demo: Demo) -> None:
    panel = show_panel(qtbot, demo.session("STS-001"))
    snapshot = panel.model.snapshot
    assert snapshot is not None
    edits: list[tuple[str, dict[str, object]]] = []
    irradiation: list[tuple[str, bool, dict[str, object]]] = []
    panel.lesion_edit_requested.connect(lambda uid, changes: edits.append((uid, changes)))
    panel.irradiation_edit_requested.connect(lambda uid, on, sbrt: irradiation.append((uid, on, sbrt)))
    model = panel.model
    assert not model.setData(index(panel, "T04", NODAL), Checked, R.CheckStateRole)  # a request, not a write
    model.setData(index(panel, "T04", PREVIOUSLY), Checked, R.CheckStateRole)
    assert text(panel, "T04", NODAL, R.CheckStateRole) == Unchecked  # unchanged until the read is set again
    model.setData(index(panel, "T01", IRRADIATED), Unchecked, R.CheckStateRole)  # clear the SBRT mark
    model.setData(index(panel, "T04", IRRADIATED), Checked, R.CheckStateRole)  # asks for the course
    dialog = panel.findChild(SbrtDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.start.date().toPython() == date(2024, 1, 10)  # defaults to the baseline scan
    dialog.start.setDate(QtCore.QDate(2024, 1, 22))
    dialog.has_end.setChecked(True)
    dialog.end.setDate(QtCore.QDate(2024, 1, 26))
    dialog.dose.setValue(40.0)
    dialog.fractions.setValue(5)
    dialog.accept()
    t01, t04 = snapshot.lesion("T01").uid, snapshot.lesion("T04").uid
    assert edits == [(t04, {"nodal": True}), (t04, {"previously_irradiated": True})]
    assert irradiation == [(t01, False, {}), (t04, True, {"sbrt_start": date(2024, 1, 22),
                                                           "sbrt_end": date(2024, 1, 26), "dose_gy": 40.0,
                                                           "fractions": 5})]
    menu = panel.context_menu(index(panel, "T01", LABEL))
    assert menu is not None
    action(menu, "irradiated").trigger()  # edit the course: prefilled from the lesion
    dialog = [d for d in panel.findChildren(SbrtDialog) if d.isVisible()][-1]
    assert dialog.values() == {"sbrt_start": date(2024, 1, 15), "sbrt_end": date(2024, 1, 19), "dose_gy": 45.0,
                               "fractions": 3}
    dialog.fractions.setValue(0)  # "unknown"
    dialog.accept()
    assert irradiation[-1] == (t01, True, {"sbrt_start": date(2024, 1, 15), "sbrt_end": date(2024, 1, 19),
                                           "dose_gy": 45.0, "fractions": None})


def test_role_editor_in_place(app: object, qtbot: object, demo: Demo) -> None:
    panel = show_panel(qtbot, demo.session("STS-001"))
    snapshot = panel.model.snapshot
    assert snapshot is not None
    edits: list[tuple[str, dict[str, object]]] = []
    panel.lesion_edit_requested.connect(lambda uid, changes: edits.append((uid, changes)))
    cell = index(panel, "T04", ROLE)
    panel.table.setCurrentIndex(cell)
    panel.table.setFocus()
    qtbot.keyClick(panel.table, QtCore.Qt.Key.Key_F2)
    combo = panel.table.findChild(QtWidgets.QComboBox)
    assert combo is not None and [combo.itemText(i) for i in range(combo.count())] == ["Target", "Non-target"]
    combo.setCurrentIndex(1)
    qtbot.keyClick(combo, QtCore.Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.table.findChild(QtWidgets.QComboBox) is None)
    assert len(edits) == 1
    cell = index(panel, "T04", ORGAN)
    panel.table.setCurrentIndex(cell)
    panel.table.edit(cell)
    combo = panel.table.findChild(QtWidgets.QComboBox)
    assert combo is not None and combo.isEditable() and combo.currentText() == "LIVER, SEGMENT VI"
    combo.setEditText("liver, segment vii")
    qtbot.keyClick(combo, QtCore.Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(edits) == 2)  # the delegate commits queued
    t04 = snapshot.lesion("T04").uid
    assert edits == [(t04, {"role": "NON-TARGET"}), (t04, {"organ": "LIVER, SEGMENT VII"})]


def test_activation_by_double_click_and_enter(app: object, qtbot: object, demo: Demo) -> None:
    panel = show_panel(qtbot, demo.session("STS-001"))
    snapshot = panel.model.snapshot
    assert snapshot is not None
    jumps: list[tuple[str, str]] = []
    panel.lesion_activated.connect(lambda lesion, tp: jumps.append((lesion, tp)))
    cell = index(panel, "T02", "WEEK 16")
    centre = panel.table.visualRect(cell).center()
    left = QtCore.Qt.MouseButton.LeftButton
    qtbot.mouseClick(panel.table.viewport(), left, pos=centre)
    qtbot.mouseDClick(panel.table.viewport(), left, pos=centre)
    panel.table.setCurrentIndex(index(panel, "T03", LABEL))
    panel.table.setFocus()
    qtbot.keyClick(panel.table, QtCore.Qt.Key.Key_Return)
    assert jumps == [uids(snapshot, "T02", "WEEK 16"), (snapshot.lesion("T03").uid, "")]  # label: time point shown
    panel.set_read(snapshot, None)  # a rebuild keeps the current cell
    assert panel.current_key() == (snapshot.lesion("T03").uid, "")


def test_read_only_disables_editing(app: object, qtbot: object, demo: Demo) -> None:
    panel = show_panel(qtbot, demo.session("STS-001"), read_only=True)
    emitted: list[object] = []
    for signal in (panel.lesion_edit_requested, panel.irradiation_edit_requested, panel.status_requested,
                   panel.delete_lesion_requested, panel.add_lesion_requested):
        signal.connect(lambda *args: emitted.append(args))
    flags = panel.model.flags(index(panel, "T02", NODAL))
    assert not flags & QtCore.Qt.ItemFlag.ItemIsUserCheckable
    assert not panel.model.flags(index(panel, "T02", ROLE)) & QtCore.Qt.ItemFlag.ItemIsEditable
    assert not panel.model.setData(index(panel, "T02", NODAL), Checked, R.CheckStateRole)
    assert not panel.model.setData(index(panel, "T02", ORGAN), "LIVER", R.EditRole)
    menu = panel.context_menu(index(panel, "T02", "WEEK 8"))
    assert menu is not None and names(menu) == {"activate"}
    assert panel.context_menu(QtCore.QModelIndex()) is None
    assert not any(button.isEnabled() for button in panel.add_buttons.values())
    assert panel.read_only and emitted == []
    jumps: list[tuple[str, str]] = []
    panel.lesion_activated.connect(lambda lesion, tp: jumps.append((lesion, tp)))
    action(menu, "activate").trigger()  # jumping still works
    assert len(jumps) == 1


def test_screenshot(app: object, qtbot: object, demo: Demo, shots: Path) -> None:
    panel = show_panel(qtbot, demo.session("STS-001"))
    panel.resize(1100, 300)
    QtWidgets.QApplication.processEvents()
    assert panel.grab().save(str(shots / "lesion_panel_sts001.png"), "PNG")
    session = demo.session("STS-003")
    panel.set_read(session.snapshot(), session.evaluate())
    QtWidgets.QApplication.processEvents()
    assert panel.grab().save(str(shots / "lesion_panel_sts003.png"), "PNG")
    header = panel.table.horizontalHeader()
    for column in range(panel.model.columnCount()):  # no clipped column: each is as wide as its content
        assert header.sectionSize(column) >= panel.table.sizeHintForColumn(column)


def visible_frozen_labels(panel: LesionPanel) -> list[str]:
    """Texts of column 0 as the frozen view shows them (rows inside its viewport, column shown)."""
    frozen = panel.table.frozen
    assert not frozen.isColumnHidden(LABEL)
    area = frozen.viewport().rect()
    shown = []
    for row in range(panel.model.rowCount()):
        cell = panel.model.index(row, LABEL)
        rect = frozen.visualRect(cell)
        if rect.width() > 0 and area.intersects(rect):
            shown.append(str(cell.data()))
    return shown


def test_label_column_stays_in_view_when_scrolled(app: object, qtbot: object, demo: Demo, shots: Path) -> None:
    panel = show_panel(qtbot, demo.session("STS-001"))
    panel.resize(500, 360)
    QtWidgets.QApplication.processEvents()
    table, frozen = panel.table, panel.table.frozen
    bar = table.horizontalScrollBar()
    assert bar.maximum() > 0, "the grid is wider than 500 px"
    bar.setValue(bar.maximum())
    QtWidgets.QApplication.processEvents()
    assert table.columnViewportPosition(LABEL) < 0  # the main view's label column has scrolled away
    assert frozen.isVisible() and frozen.x() == table.frameWidth() and frozen.width() == table.columnWidth(LABEL)
    assert all(frozen.isColumnHidden(column) for column in range(1, panel.model.columnCount()))
    labels = [panel.model.index(row, LABEL).data() for row in range(panel.model.rowCount())]
    assert visible_frozen_labels(panel) == labels == ["Target lesions (4)", "T01", "T02", "T03", "T04",
                                                      "Non-target lesions (1)", "NT01"]
    assert frozen.horizontalHeader().height() == table.horizontalHeader().height()
    assert all(frozen.rowHeight(row) == table.rowHeight(row) for row in range(panel.model.rowCount()))
    origin = QtCore.QPoint(0, 0)  # the frozen rows lie on the table's, pixel for pixel: a group title runs on
    assert frozen.viewport().mapTo(table, origin) == table.viewport().mapTo(table, origin)
    assert frozen.viewport().width() == frozen.width() == table.columnWidth(LABEL)
    # One selection: the main view's current cell is the frozen view's, and a click on the frozen label selects.
    assert frozen.selectionModel() is table.selectionModel()
    panel.select(demo.session("STS-001").snapshot().lesion("T02").uid)
    assert frozen.selectionModel().isSelected(index(panel, "T02", LABEL))
    assert bar.value() == bar.maximum(), "selecting a label keeps the sideways scroll"
    t03 = index(panel, "T03", LABEL)
    qtbot.mouseClick(frozen.viewport(), QtCore.Qt.MouseButton.LeftButton,
                     pos=frozen.visualRect(t03).center())
    assert table.currentIndex() == t03 and panel.current_key()[0] == demo.session("STS-001").snapshot().lesion(
        "T03").uid
    assert table.indexAt(frozen.visualRect(t03).center()) == t03  # context menus hit the frozen cell
    assert panel.grab().save(str(shots / "lesion_panel_scrolled.png"), "PNG")


def test_check_boxes_stand_out_from_the_dark_cells(app: object, qtbot: object, demo: Demo, shots: Path) -> None:
    """An unchecked box has a light outline on the dark cell; a checked one is filled with the accent."""
    panel = show_panel(qtbot, demo.session("STS-001"))
    panel.resize(900, 360)
    QtWidgets.QApplication.processEvents()
    picture = panel.table.viewport().grab().toImage()

    def lightest_and_bluest(label: str) -> tuple[int, int]:
        rect = panel.table.visualRect(index(panel, label, NODAL))
        colours = [picture.pixelColor(x, y) for x in range(rect.left(), rect.right())
                   for y in range(rect.top(), rect.bottom())]
        return max(c.lightness() for c in colours), max(c.blue() - c.red() for c in colours)

    unchecked, checked = lightest_and_bluest("T01"), lightest_and_bluest("T03")  # T03 is a lymph node
    assert unchecked[0] > 110, unchecked  # the outline: the cell itself is about 32
    assert checked[1] > 40 and unchecked[1] < 20, (checked, unchecked)  # the accent fill
    assert picture.save(str(shots / "lesion_panel_check_boxes.png"), "PNG")
