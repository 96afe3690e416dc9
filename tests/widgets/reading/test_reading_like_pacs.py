"""A reader's day on the demo trial: keys, jumps, quitting and signing behave as in a PACS (issue 12)."""

from __future__ import annotations

import math

import pytest
from PySide6 import QtCore, QtWidgets
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from recist_app.model.caliper import caliper_key, record_of_lesion
from recist_app.model.records import LineMeasurement, MeasurementPlane
from recist_app.read.worklist import WorkStatus
from tests.widgets.events import drag, hover
from tests.widgets.reading_support import Demo, click_timepoint, log_in
from widgets.main_window import MainWindow
from widgets.panels.lesion_grid import LABEL
from widgets.viewer.calipers import Tool
from widgets.viewer.window_presets import LUNG

Key = QtCore.Qt.Key
DEMO = "Demo Reader"


def test_keys_go_to_the_image_under_the_pointer_whatever_had_the_focus(window: MainWindow, demo: Demo,
                                                                       qtbot: QtBot) -> None:
    log_in(window, demo.reader(DEMO))
    view = click_timepoint(qtbot, window, "STS-001", "WEEK 8")  # the click leaves the focus in the tree
    tree, tp_uid = window.trial_tree, window.reading.tp_uid
    assert tree.hasFocus() or QtWidgets.QApplication.focusWidget() is tree
    hover(view.canvas.viewport(), QtCore.QPointF(view.canvas.viewport().rect().center()))
    start = view.image_number
    assert start is not None
    QTest.keyClick(tree, Key.Key_Down)
    assert view.image_number == start + 1 and window.reading.tp_uid == tp_uid  # the slice, not the time point
    table = window.lesion_panel.table
    table.setFocus()
    QTest.keyClick(table, Key.Key_2)
    assert view.window_hu == (LUNG.width_hu, LUNG.level_hu)


def test_keys_stay_with_the_tree_when_the_pointer_is_elsewhere(window: MainWindow, demo: Demo,
                                                               qtbot: QtBot) -> None:
    log_in(window, demo.reader(DEMO))
    view = click_timepoint(qtbot, window, "STS-001", "WEEK 8")
    QtWidgets.QApplication.sendEvent(view, QtCore.QEvent(QtCore.QEvent.Type.Leave))
    tree, k = window.trial_tree, view.slice_index
    before = tree.currentItem()
    QTest.keyClick(tree, Key.Key_Up)
    assert view.slice_index == k and tree.currentItem() is not before


def double_click_label(qtbot: QtBot, window: MainWindow, label: str) -> None:
    panel = window.lesion_panel
    snapshot = panel.model.snapshot
    assert snapshot is not None
    cell = panel.model.index(panel.model.row_of(snapshot.lesion(label).uid), LABEL)
    panel.table.scrollTo(cell)
    centre = panel.table.visualRect(cell).center()
    qtbot.mouseClick(panel.table.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseDClick(panel.table.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=centre)


def test_double_clicking_a_label_jumps_on_the_time_point_shown(window: MainWindow, demo: Demo,
                                                              qtbot: QtBot) -> None:
    log_in(window, demo.reader(DEMO))
    view = click_timepoint(qtbot, window, "STS-001", "WEEK 8")
    tp_uid = window.reading.tp_uid
    view.set_slice(0)
    double_click_label(qtbot, window, "T02")
    snapshot = window.reading.bridge.snapshot
    record = record_of_lesion(snapshot, snapshot.lesion("T02").uid, tp_uid, view.volume)
    assert window.reading.tp_uid == tp_uid and record is not None  # not back to baseline
    assert view.slice_index == record.slice_index and view.selected_measurement.startswith(
        snapshot.lesion("T02").uid) and view.ghost_slice is None


def test_a_lesion_not_measured_yet_shows_its_prior_caliper_dashed_where_it_was(window: MainWindow, demo: Demo,
                                                                              qtbot: QtBot) -> None:
    log_in(window, demo.reader(DEMO))
    view = click_timepoint(qtbot, window, "STS-001", "WEEK 8")
    reading = window.reading
    snapshot = reading.bridge.snapshot
    t01, baseline = snapshot.lesion("T01").uid, snapshot.timepoint("BASELINE").uid
    reading.bridge.delete_caliper(t01, reading.tp_uid)
    qtbot.waitUntil(lambda: caliper_key(t01) not in view.measurement_keys())
    view.set_slice(0)
    double_click_label(qtbot, window, "T01")
    assert reading.tp_uid == snapshot.timepoint("WEEK 8").uid
    prior = reading.bridge.snapshot.measurements
    z_mm = next(m.line.p1_mm for m in prior if m.lesion_uid == t01 and m.timepoint_uid == baseline)
    assert view.ghost_slice == view.slice_index == round(view.volume.patient_to_index(z_mm)[2])
    assert "T01 is not measured at WEEK 8 yet: its BASELINE caliper is drawn dashed" in \
        window.statusBar().currentMessage()
    view.set_slice(view.slice_index + 1)
    assert not view._ghost.isVisible()
    view.set_slice(view.ghost_slice)
    assert view._ghost.isVisible()


def message_box(window: MainWindow, name: str) -> QtWidgets.QMessageBox:
    shown = [box for box in window.findChildren(QtWidgets.QMessageBox, name) if box.isVisible()]
    assert len(shown) == 1, f"no {name} shown"
    return shown[0]


def test_signing_lists_what_is_missing_and_refuses(window: MainWindow, demo: Demo, qtbot: QtBot) -> None:
    log_in(window, demo.reader(DEMO))
    click_timepoint(qtbot, window, "STS-001", "WEEK 8")
    reading = window.reading
    lesion = reading.bridge.add_lesion("NON-TARGET")
    assert lesion is not None
    assert not window.commands.sign_timepoint(password=demo.reader(DEMO).password)
    box = message_box(window, "incompleteReadBox")
    assert "WEEK 8 cannot be signed yet" in box.text()
    assert box.informativeText().splitlines() == [
        f"• {lesion.label}: no organ or site: choose one in the lesion table",
        f"• {lesion.label}: no status at WEEK 8: set present, absent, unequivocal progression or not assessed"]
    assert not reading.bridge.is_signed(reading.tp_uid)
    box.close()
    reading.bridge.edit_lesion(lesion.uid, {"organ": "PLEURA"})
    reading.bridge.set_status(lesion.uid, reading.tp_uid, "PRESENT")
    assert window.commands.sign_timepoint(password=demo.reader(DEMO).password)


def test_quitting_with_unsigned_changes_asks_and_stay_keeps_the_window(window: MainWindow, demo: Demo,
                                                                      qtbot: QtBot) -> None:
    log_in(window, demo.reader(DEMO))
    click_timepoint(qtbot, window, "STS-001", "WEEK 8")
    assert window.close()  # nothing changed yet: no question
    window.show()
    qtbot.waitExposed(window)
    log_in(window, demo.reader(DEMO))
    click_timepoint(qtbot, window, "STS-001", "WEEK 8")
    window.reading.bridge.add_lesion("NON-TARGET")
    assert not window.close() and window.isVisible()
    box = message_box(window, "unsignedWorkBox")
    assert box.informativeText().startswith("• STS-001: ") and "WEEK 8" in box.informativeText()
    stay = next(b for b in box.buttons() if b.text() == "Stay")
    qtbot.mouseClick(stay, QtCore.Qt.MouseButton.LeftButton)
    assert window.isVisible()
    assert not window.close()
    quit_button = next(b for b in message_box(window, "unsignedWorkBox").buttons() if b.text() == "Quit")
    qtbot.mouseClick(quit_button, QtCore.Qt.MouseButton.LeftButton)
    assert not window.isVisible()


def test_log_in_lands_on_the_worklists_next_read_with_the_prior_beside_it(window: MainWindow, demo: Demo,
                                                                         qtbot: QtBot) -> None:
    reader = demo.reader(DEMO)
    assert window.store is not None
    uid = next(r.uid for r in window.store.readers() if r.name == DEMO)
    session = window.store.reader_session(uid, "STS-001", password=reader.password)
    session.sign(session.snapshot().timepoint("BASELINE").uid, reader.password)  # baseline read and signed
    log_in(window, reader)
    reading = window.reading
    items = window.worklist.items
    assert [item.subject_id for item in items] == ["STS-001", "STS-002", "STS-003"]
    assert items[0].status is WorkStatus.IN_PROGRESS and items[0].next_visit == "WEEK 8"
    week8 = reading.bridge.snapshot.timepoint("WEEK 8").uid
    qtbot.waitUntil(lambda: reading.is_showing(week8), timeout=15_000)
    assert reading.subject_id == "STS-001" and reading.comparing  # the time point to read, the prior beside it
    assert reading.prior_uid == reading.bridge.snapshot.timepoint("BASELINE").uid
    assert window.worklist_dock.isVisible() and window.worklist.isVisible()


def test_compare_one_by_three_and_mpr(window: MainWindow, demo: Demo, qtbot: QtBot) -> None:
    log_in(window, demo.reader(DEMO))
    reading = window.reading
    click_timepoint(qtbot, window, "STS-001", "WEEK 16")
    snapshot = reading.bridge.snapshot
    baseline, week8 = snapshot.timepoint("BASELINE").uid, snapshot.timepoint("WEEK 8").uid
    actions = window.main_actions
    actions.compare.setChecked(False)
    actions.compare.trigger()
    actions.compare_three.trigger()
    first = reading.compare_view.first
    qtbot.waitUntil(lambda: reading._shown.get(id(first)) == baseline
                    and reading._shown.get(id(reading.compare_view.left)) == week8, timeout=15_000)
    assert reading.compare_view.panes == 3 and first.isVisible()
    assert {c.label for c in first.measurements} >= {"T01", "T02"}  # the read's calipers on every pane
    actions.compare_three.trigger()
    qtbot.waitUntil(lambda: reading.compare_view.panes == 2, timeout=15_000)
    actions.mpr.trigger()
    assert reading.showing_mpr and not reading.comparing
    assert reading.mpr_view.volume is reading.volumes["current"]
    axial = reading.mpr_view.axial  # the MPR's axial view reads as the single view does
    qtbot.waitUntil(lambda: {c.label for c in axial.measurements} >= {"T01", "T03"}, timeout=15_000)
    assert not axial.read_only
    actions.mpr.trigger()
    assert not reading.showing_mpr


def test_a_line_drawn_on_a_coronal_reformat_is_stored_flagged_with_its_plane(window: MainWindow, demo: Demo,
                                                                            qtbot: QtBot) -> None:
    """VIEWER.md "Reformats": measuring stays axial by default; a line drawn on a reformat keeps its plane."""
    log_in(window, demo.reader(DEMO))
    reading = window.reading
    click_timepoint(qtbot, window, "STS-001", "WEEK 16")
    window.main_actions.mpr.trigger()
    mpr = reading.mpr_view
    volume = reading.volumes["current"]
    assert mpr.volume is volume and not mpr.coronal.measuring
    snapshot = reading.bridge.snapshot
    t01, tp_uid = snapshot.lesion("T01").uid, reading.tp_uid
    reading.select_lesion(t01)
    reading.set_tool(Tool.LENGTH)
    assert mpr.coronal.measuring and mpr.sagittal.measuring
    col, row, k = mpr.crosshair
    ends = (col - 20, row, k - 4), (col + 20, row, k + 4)
    start, end = (mpr.coronal.voxel_to_viewport(*end) for end in ends)
    assert start is not None and end is not None
    drag(mpr.coronal.canvas.viewport(), start, end)

    def coronal_lines() -> list[LineMeasurement]:
        return [m.line for m in reading.bridge.snapshot.measurements
                if m.lesion_uid == t01 and m.timepoint_uid == tp_uid and m.line.plane is MeasurementPlane.CORONAL]

    qtbot.waitUntil(lambda: len(coronal_lines()) == 1, timeout=15_000)
    (line,) = coronal_lines()
    expected = math.dist(volume.index_to_patient(*ends[0]), volume.index_to_patient(*ends[1]))
    assert line.length_mm == pytest.approx(expected, abs=0.5 * max(volume.spacing_mm))  # within a pixel
    assert line.sop_uid == volume.sop_uids[k] and mpr.crosshair == (col, row, k)  # the drag moved no crosshair
    assert window.statusBar().currentMessage().endswith("mm (on the coronal reformat) stored")
    qtbot.waitUntil(lambda: any(text.startswith("T01 ") and text.endswith("· COR")
                                for text in mpr.coronal.line_layer.texts), timeout=15_000)
    assert mpr.sagittal.line_layer.texts == []  # drawn on its own plane only
    assert all(c.label != "T01" for c in mpr.axial.measurements)  # and not as an axial caliper
    grid = window.lesion_panel.model
    cell = grid.cell(reading.bridge.snapshot.lesion("T01"), reading.bridge.snapshot.timepoint(tp_uid))
    assert cell.text.endswith(" COR") and "coronal reformat" in cell.tooltip
    mpr.coronal.set_crosshair(col, row + 5, k)  # another plane: the line is not on it
    assert mpr.coronal.line_layer.texts == []


def test_an_adjudicator_logs_in_to_the_adjudication_tasks(window: MainWindow, demo: Demo) -> None:
    log_in(window, demo.reader("Demo Adjudicator"))
    assert window.reading.viewing_only and not window.worklist_dock.isVisible()
    assert window.adjudication_dock.isVisible()
    assert window.adjudication_dock.widget().objectName() == "adjudicationView"
    assert window.findChild(QtWidgets.QMessageBox, "errorBox") is None


def test_on_a_small_screen_the_panels_collapse_into_tabs(window: MainWindow, demo: Demo, qtbot: QtBot) -> None:
    log_in(window, demo.reader(DEMO))
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: window.compact)
    assert window.tabifiedDockWidgets(window.lesion_dock) == [window.response_dock]
    assert window.tabifiedDockWidgets(window.worklist_dock) == [window.trial_dock]
    assert window.trial_tree.isVisible() and window.lesion_panel.isVisible()  # the tabs in front
    qtbot.waitUntil(lambda: window.reading.slice_view.width() >= 1366 * 0.45)  # the image keeps about half
    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: not window.compact)
    assert window.tabifiedDockWidgets(window.lesion_dock) == []
    direct = QtCore.Qt.FindChildOption.FindDirectChildrenOnly
    assert not [bar for bar in window.findChildren(QtWidgets.QTabBar, options=direct) if bar.isVisible()]
    assert window.worklist.isVisible() and window.trial_tree.isVisible() and window.response_panel.isVisible()


def test_the_worklist_item_follows_the_open_read(window: MainWindow, demo: Demo, qtbot: QtBot) -> None:
    log_in(window, demo.reader(DEMO))  # lands on STS-001 at BASELINE, its first unsigned time point
    reading = window.reading
    qtbot.waitUntil(lambda: reading.tp_uid is not None and reading.is_showing(reading.tp_uid), timeout=15_000)
    others = window.worklist.items[1:]
    before = window.worklist.items[0]
    assert (before.subject_id, before.next_visit, before.signed) == ("STS-001", "BASELINE", 0)
    assert window.commands.sign_timepoint(password=demo.reader(DEMO).password)
    after = window.worklist.items[0]
    assert (after.subject_id, after.next_visit, after.signed, after.status) == (
        "STS-001", "WEEK 8", 1, WorkStatus.IN_PROGRESS)
    assert window.worklist.items[1:] == others  # the other subjects' items stay as they were
