"""The workstation end to end with real widgets and mouse events (issue 6 acceptance).

Each test opens its own copy of a small demo trial (built once per module), logs in through the
store's password check and drives the real main window: the trial browser, the slice view (mouse
and keys), the lesion panel's signals, the response panel, signing and the workers.
"""

from __future__ import annotations

import math
import os
from datetime import date
from pathlib import Path

import pytest
from PySide6 import QtCore, QtWidgets
from pytestqt.qtbot import QtBot

from recist_app.exports.pool import WORKERS_VARIABLE
from recist_app.model.records import Axis
from recist_app.store import TrialStore
from recist_app.store.errors import SignatureError
from tests.widgets.events import drag, wheel
from tests.widgets.reading_support import (
    Demo,
    blinded_trial,
    check_shot,
    click_item,
    click_timepoint,
    log_in,
    open_window,
    stored_lines,
    to_screen,
)
from widgets.app import open_as
from widgets.main_window import MainWindow
from widgets.reading.trial_browser import NO_IMAGES_TEXT
from widgets.viewer.calipers import Tool

Key = QtCore.Qt.Key
DEMO, CENTRAL_1, CENTRAL_2 = "Demo Reader", "Demo Central Reader 1", "Demo Central Reader 2"


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("RECIST_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def spacing(window: MainWindow) -> float:
    volume = window.reading.slice_view.volume
    assert volume is not None and volume.pixel_spacing is not None
    return max(volume.pixel_spacing)


def test_layout_actions_and_login(window: MainWindow, demo: Demo) -> None:
    log_in(window, demo.reader(DEMO))
    docks = {dock.objectName(): dock for dock in window.findChildren(QtWidgets.QDockWidget)}
    assert set(docks) == {"worklistDock", "trialDock", "lesionDock", "responseDock", "adjudicationDock"}
    assert window.dockWidgetArea(docks["worklistDock"]) == QtCore.Qt.DockWidgetArea.LeftDockWidgetArea
    assert window.dockWidgetArea(docks["trialDock"]) == QtCore.Qt.DockWidgetArea.LeftDockWidgetArea
    assert window.dockWidgetArea(docks["lesionDock"]) == QtCore.Qt.DockWidgetArea.RightDockWidgetArea
    assert window.dockWidgetArea(docks["responseDock"]) == QtCore.Qt.DockWidgetArea.RightDockWidgetArea
    actions = window.main_actions
    shortcuts = {name: getattr(actions, name).shortcut().toString() for name in
                 ("length_tool", "bidirectional_tool", "undo", "redo", "compare")}
    assert shortcuts == {"length_tool": "D", "bidirectional_tool": "O", "undo": "Ctrl+Z", "redo": "Ctrl+Y",
                         "compare": "Ctrl+T"}
    assert "Demo Reader (site radiologist)" in window.windowTitle()
    assert "Demo Reader" in window.reader_label.text()
    assert window.view_box.yInverted() and window.view_box.state["aspectLocked"]


def test_timepoint_loads_series_with_the_reads_calipers(window: MainWindow, demo: Demo, qtbot: QtBot) -> None:
    log_in(window, demo.reader(DEMO))
    view = click_timepoint(qtbot, window, "STS-001", "WEEK 8")
    snapshot = window.reading.bridge.snapshot
    tp = snapshot.timepoint("WEEK 8")
    measured = {m.lesion_uid for m in snapshot.measurements if m.timepoint_uid == tp.uid}
    assert set(view.measurement_keys()) == measured
    labels = {c.label: c.role for c in view.measurements}
    assert labels == {"T01": "TARGET", "T02": "TARGET", "T03": "TARGET", "T04": "TARGET"}
    assert view.overlay_content().top_left[:2] == ("STS-001", "2024-03-11")
    series_uid = tp.series[0].series_uid
    qtbot.waitUntil(lambda: series_uid in window.reading.loader.catalog)
    item = window.reading.browser.timepoint_item(tp.uid).child(0)
    assert item.text(1).startswith(f"{SLICES_SMALL} images")


SLICES_SMALL = 16


def test_scroll_window_level_and_presets(window: MainWindow, demo: Demo, qtbot: QtBot) -> None:
    log_in(window, demo.reader(DEMO))
    view = click_timepoint(qtbot, window, "STS-002", "BASELINE")
    viewport = view.canvas.viewport()
    centre = QtCore.QPointF(viewport.width() / 2, viewport.height() / 2)
    start = view.slice_index
    wheel(viewport, centre, -2)
    assert view.slice_index == start + 2
    width, level = view.window_hu
    drag(viewport, centre, centre + QtCore.QPointF(40, -20))
    assert view.window_hu == pytest.approx((width + 160, level - 80))
    view.setFocus()
    qtbot.keyClick(view, Key.Key_2)
    assert view.window_hu == (1500.0, -600.0)


def test_lesion_cell_jumps_to_its_slice(window: MainWindow, demo: Demo, qtbot: QtBot) -> None:
    log_in(window, demo.reader(DEMO))
    view = click_timepoint(qtbot, window, "STS-001", "BASELINE")
    panel = window.reading.lesion_panel
    snapshot = window.reading.bridge.snapshot
    t02, baseline = snapshot.lesion("T02"), snapshot.timepoint("BASELINE")
    index = panel.model.index(panel.model.row_of(t02.uid), panel.model.column_of(baseline.uid))
    panel.table.activated.emit(index)  # Enter / double click on the cell
    truth = demo.truth("STS-001", "V0", "T02")
    assert view.slice_index == truth.slice_index
    assert view.selected_measurement == t02.uid
    week16 = snapshot.timepoint("WEEK 8")
    panel.lesion_activated.emit(snapshot.lesion("T04").uid, week16.uid)  # another time point: loads, then jumps
    qtbot.waitUntil(lambda: window.reading.tp_uid == week16.uid and "current" in window.reading.volumes
                    and view.selected_measurement == snapshot.lesion("T04").uid, timeout=15_000)
    assert view.slice_index == demo.truth("STS-001", "V1", "T04").slice_index


def test_central_reader_measures_and_the_response_follows(window: MainWindow, demo: Demo, qtbot: QtBot) -> None:
    log_in(window, demo.reader(CENTRAL_1))
    reading = window.reading
    view = click_timepoint(qtbot, window, "STS-001", "BASELINE")
    assert view.measurement_keys() == [] and reading.bridge.snapshot.lesions == ()  # the demo read is not shown
    truth = demo.truth("STS-001", "V0", "T01")
    view.set_slice(truth.slice_index)
    window.main_actions.length_tool.trigger()
    assert view.tool is Tool.LENGTH
    drag(view.canvas.viewport(), *(to_screen(view, p) for p in truth.long_axis_endpoints_mm))
    qtbot.waitUntil(lambda: bool(reading.bridge.snapshot.lesions) and not reading._sync_scheduled)
    lesion = reading.bridge.snapshot.lesion("T01")
    assert lesion.role.value == "TARGET"
    stored = stored_lines(window.db, CENTRAL_1, "STS-001", "T01", "BASELINE")
    assert stored[Axis.LONG] == pytest.approx(truth.long_axis_mm, abs=spacing(window))
    assert view.measurement_keys() == [lesion.uid]

    view = click_timepoint(qtbot, window, "STS-001", "WEEK 8")
    reading.activate_lesion(lesion.uid, reading.tp_uid)  # as a click in the lesion panel does
    follow = demo.truth("STS-001", "V1", "T01")
    view.set_slice(follow.slice_index)
    drag(view.canvas.viewport(), *(to_screen(view, p) for p in follow.long_axis_endpoints_mm))
    qtbot.waitUntil(lambda: window.response_panel.category("WEEK 8") == "PR")  # 21 vs 32 mm: −34 %
    assert stored_lines(window.db, CENTRAL_1, "STS-001", "T01", "WEEK 8")[Axis.LONG] == pytest.approx(
        follow.long_axis_mm, abs=spacing(window))

    assert reading.bridge.report.subsets is None
    window.lesion_panel.irradiation_edit_requested.emit(lesion.uid, True, {"sbrt_start": date(2024, 1, 15),
                                                                          "dose_gy": 45.0, "fractions": 3})
    assert reading.bridge.snapshot.lesion("T01").irradiated
    assert window.response_panel.cells("WEEK 8")[in_field_header()].category == "PR"


def in_field_header() -> str:
    """The response panel's column of the in-field subset response."""
    from widgets.panels.response_panel import HEADERS

    return next(h for h in HEADERS if h.lower().startswith(("in field", "in-field")) and "response" in h)


def test_bidirectional_on_a_node_edit_undo_redo(window: MainWindow, demo: Demo, qtbot: QtBot) -> None:
    log_in(window, demo.reader(DEMO))
    reading = window.reading
    view = click_timepoint(qtbot, window, "STS-001", "BASELINE")
    t03 = reading.bridge.snapshot.lesion("T03")
    assert t03.nodal
    reading.activate_lesion(t03.uid, reading.tp_uid)
    truth = demo.truth("STS-001", "V0", "T03")
    assert view.slice_index == truth.slice_index
    view.remove_measurement(t03.uid)  # draw it afresh where the stored caliper was
    qtbot.keyClick(window, Key.Key_O)
    assert view.tool is Tool.BIDIRECTIONAL
    reading.select_lesion(t03.uid)
    before = stored_lines(window.db, DEMO, "STS-001", "T03", "BASELINE")
    a, b = truth.long_axis_endpoints_mm
    far = tuple(b[i] + (b[i] - a[i]) * 0.25 for i in range(3))  # a long axis 25 % too long …
    drag(view.canvas.viewport(), to_screen(view, a), to_screen(view, far))
    drag(view.canvas.viewport(), *(to_screen(view, p) for p in truth.short_axis_endpoints_mm))
    qtbot.waitUntil(lambda: not reading._sync_scheduled and t03.uid in view.measurement_keys())
    drawn = stored_lines(window.db, DEMO, "STS-001", "T03", "BASELINE")
    assert drawn[Axis.SHORT] == pytest.approx(truth.short_axis_mm, abs=spacing(window))
    assert drawn[Axis.LONG] == pytest.approx(truth.long_axis_mm * 1.25, abs=spacing(window))

    ends = [view.view_to_viewport(p) for p in view.measurements.caliper(t03.uid).ends()]  # … edited back
    drag(view.canvas.viewport(), ends[1], to_screen(view, b))
    qtbot.waitUntil(lambda: stored_lines(window.db, DEMO, "STS-001", "T03", "BASELINE")[Axis.LONG]
                    == pytest.approx(truth.long_axis_mm, abs=spacing(window)))
    edited = stored_lines(window.db, DEMO, "STS-001", "T03", "BASELINE")

    qtbot.keyClick(window, Key.Key_Z, QtCore.Qt.KeyboardModifier.ControlModifier)  # undo the edit
    assert stored_lines(window.db, DEMO, "STS-001", "T03", "BASELINE") == pytest.approx(drawn)
    qtbot.keyClick(window, Key.Key_Z, QtCore.Qt.KeyboardModifier.ControlModifier)  # undo the caliper: both lines
    assert stored_lines(window.db, DEMO, "STS-001", "T03", "BASELINE") == pytest.approx(before)
    qtbot.keyClick(window, Key.Key_Y, QtCore.Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Key.Key_Y, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert stored_lines(window.db, DEMO, "STS-001", "T03", "BASELINE") == pytest.approx(edited)
    qtbot.waitUntil(lambda: not reading._sync_scheduled)
    record = view.measurements.caliper(t03.uid).record
    assert record.short_axis_mm == pytest.approx(truth.short_axis_mm, abs=spacing(window))


def test_signed_timepoint_is_locked_until_reopened(window: MainWindow, demo: Demo, qtbot: QtBot) -> None:
    log_in(window, demo.reader(DEMO))
    reading = window.reading
    view = click_timepoint(qtbot, window, "STS-002", "WEEK 16")
    with pytest.raises(SignatureError):
        window.commands.sign_timepoint(password="not the password")
    assert not reading.locked
    assert window.commands.sign_timepoint(password=demo.reader(DEMO).password)
    assert reading.locked and reading.lock_bar.locked and "WEEK 16 is signed" in reading.lock_bar.label.text()
    assert window.lesion_panel.read_only
    assert not window.main_actions.length_tool.isEnabled() and not window.main_actions.sign.isEnabled()
    qtbot.keyClick(window, Key.Key_D)
    assert view.tool is Tool.WINDOW
    qtbot.waitUntil(lambda: not reading._sync_scheduled)
    for caliper in view.measurements:
        assert caliper.acceptedMouseButtons() == QtCore.Qt.MouseButton.NoButton
    tp_item = reading.browser.timepoint_item(reading.tp_uid)
    assert not tp_item.icon(0).isNull()
    assert window.commands.reopen_timepoint(reason="query 12: T02 re-measured")
    assert not reading.locked and not reading.lock_bar.locked and window.main_actions.length_tool.isEnabled()


def test_export_runs_in_a_worker(window: MainWindow, demo: Demo, qtbot: QtBot, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker thread runs the export; its plots are drawn by worker processes started from the GUI's process."""
    monkeypatch.setenv(WORKERS_VARIABLE, "2")
    log_in(window, demo.reader(DEMO))
    reading = window.reading  # the log-in's series load first: its status line would race the export's
    qtbot.waitUntil(lambda: reading.tp_uid is not None and reading.is_showing(reading.tp_uid), timeout=15_000)
    out = tmp_path / "export"
    task = window.commands.export_trial(out, ("sdtm", "timeline", "plots"))
    assert task is not None
    assert any(w.task is task for w in window.progress_area.widgets())
    with qtbot.waitSignal(task.signals.finished, timeout=120_000):
        pass
    assert (out / "manifest.json").is_file() and len(list((out / "plots" / "subjects").glob("*.png"))) == 3
    qtbot.waitUntil(lambda: not any(w.task is task for w in window.progress_area.widgets()))
    assert "Exported" in window.statusBar().currentMessage()


def test_export_can_be_cancelled_from_the_status_bar(window: MainWindow, demo: Demo, qtbot: QtBot,
                                                     tmp_path: Path) -> None:
    log_in(window, demo.reader(DEMO))
    out = tmp_path / "cancelled"
    qtbot.waitUntil(lambda: not window.progress_area.widgets())  # the log-in's series load has ended
    QtWidgets.QApplication.processEvents()
    height = window.statusBar().height()
    task = window.commands.export_trial(out, ("sdtm", "timeline", "sr"))
    cancelled: list[bool] = []
    task.signals.cancelled.connect(lambda: cancelled.append(True))  # queued: delivered after this line
    widget = next(w for w in window.progress_area.widgets() if w.task is task)
    qtbot.waitUntil(lambda: widget.isVisible() and widget.height() > 0)
    QtWidgets.QApplication.processEvents()
    assert window.statusBar().height() == height  # the task's row fits: the window's content did not move
    qtbot.mouseClick(widget.cancel_button, QtCore.Qt.MouseButton.LeftButton)
    assert not widget.cancel_button.isEnabled() and "cancelling" in widget.label.text()
    qtbot.waitUntil(lambda: task.done and cancelled == [True], timeout=60_000)  # both queued, in either order
    assert not out.exists()
    assert window.statusBar().currentMessage() == "Export cancelled: nothing was written."


def test_a_cancelled_load_never_reaches_the_view(window: MainWindow, demo: Demo, qtbot: QtBot) -> None:
    log_in(window, demo.reader(DEMO))
    reading = window.reading
    qtbot.waitUntil(lambda: "current" in reading.volumes, timeout=15_000)
    shown = reading.slice_view.volume
    tp = reading.bridge.snapshot.timepoint("WEEK 8")  # not in the loader's cache (log-in lands on baseline)
    loaded: list[object] = []
    reading.loader.loaded.connect(lambda *args: loaded.append(args))
    task = reading.loader.load("test", tp, tp.series[0], "Loading BASELINE")
    assert task is not None
    reading.loader.cancel("test")
    qtbot.waitUntil(lambda: task.done, timeout=15_000)
    assert loaded == [] and reading.slice_view.volume is shown


def test_blinded_central_reader_sees_only_their_own_blinded_read(app: QtWidgets.QApplication, qtbot: QtBot,
                                                                 demo: Demo, tmp_path: Path, shots: Path) -> None:
    db = blinded_trial(demo, tmp_path / "blinded.sqlite")
    window = open_window(qtbot, db)
    try:
        assert open_as(window, "Central One", "central-1")
        reading = window.reading
        browser = reading.browser
        subject = browser.subject_item("STS-001")
        visits = [subject.child(i).text(0) for i in range(subject.childCount())]
        assert visits[0] == "Baseline" and sorted(visits[1:]) == ["TP1", "TP2", "TP3"]
        assert all(subject.child(i).text(1) == "" for i in range(subject.childCount()))  # no dates
        assert subject.child(1).child(0).text(0) == "CT series"  # descriptions name the visit
        qtbot.waitUntil(lambda: "current" in reading.volumes)
        top_left = reading.slice_view.overlay_content().top_left
        assert "2024" not in " ".join(top_left)
        assert reading.bridge.snapshot.lesions == ()  # the site reader's lesions are not this reader's
        assert reading.slice_view.measurement_keys() == []
        assert not window.main_actions.open_folder.isEnabled()  # a folder's studies would show their dates (issue 14)
        check_shot(window, shots / "blinded_central_reader.png", (1600, 960))
    finally:
        window.quit_anyway()
        window.store.close()


def test_smoke_rendering_helpers_are_distinct(window: MainWindow) -> None:
    """Without a reader the window is an empty shell with a trial browser listing subjects only."""
    tree = window.trial_tree
    assert tree.topLevelItemCount() == 3
    assert window.reading.bridge.snapshot is None
    assert not window.main_actions.length_tool.isEnabled()
    assert math.isclose(window.width(), 1600)


@pytest.mark.parametrize("size", [(1920, 1080), (1366, 768)], ids=["1920x1080", "1366x768"])
def test_screenshots(app: QtWidgets.QApplication, qtbot: QtBot, demo: Demo, tmp_path: Path, shots: Path,
                     size: tuple[int, int]) -> None:
    """The reading screen, the comparison and a signed time point, saved as PNG for a human look."""
    window = open_window(qtbot, demo.copy_db(tmp_path), size)
    try:
        log_in(window, demo.reader(DEMO))
        reading = window.reading
        view = click_timepoint(qtbot, window, "STS-001", "WEEK 8")
        reading.activate_lesion(reading.bridge.snapshot.lesion("T03").uid, reading.tp_uid)
        name = f"{size[0]}x{size[1]}"
        check_shot(window, shots / f"main_window_{name}.png", size)
        for _spec, box in view.label_boxes():
            assert QtCore.QRectF(view.canvas.viewport().rect()).contains(box)
        reading.set_compare(True)
        qtbot.waitUntil(lambda: reading.compare_view.left.volume is not None
                        and reading.compare_view.right.volume is not None, timeout=15_000)
        reading.activate_lesion(reading.bridge.snapshot.lesion("T01").uid, reading.tp_uid)
        check_shot(window, shots / f"compare_{name}.png", size)
        reading.set_compare(False)
        assert window.commands.sign_timepoint(password=demo.reader(DEMO).password)
        check_shot(window, shots / f"signed_{name}.png", size)
        docks = [window.trial_dock, window.lesion_dock, window.response_dock]
        assert all(dock.width() >= 200 for dock in docks)
        assert view.width() >= size[0] * 0.4, "the image keeps most of the width"
    finally:
        window.quit_anyway()
        window.store.close()



def test_follow_up_caliper_without_a_lesion_asks_which(window: MainWindow, demo: Demo, qtbot: QtBot) -> None:
    log_in(window, demo.reader(DEMO))
    reading = window.reading
    view = click_timepoint(qtbot, window, "STS-003", "WEEK 6")
    qtbot.keyClick(window, Key.Key_D)
    assert view.tool is Tool.LENGTH
    drag(view.canvas.viewport(), view.index_to_viewport(40, 96), view.index_to_viewport(46, 96))  # away from calipers
    qtbot.waitUntil(lambda: window.findChild(QtWidgets.QInputDialog, "lesionChooser") is not None)
    chooser = window.findChild(QtWidgets.QInputDialog, "lesionChooser")
    items = chooser.comboBoxItems()
    assert items[-1] == "New lesion NL02" and any(item.startswith("T02") for item in items)
    chooser.setTextValue(items[-1])
    chooser.accept()
    qtbot.waitUntil(lambda: any(lesion.label == "NL02" for lesion in reading.bridge.snapshot.lesions))
    assert window.response_panel.category("WEEK 6") == "PD"  # an unequivocal new lesion
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Key.Key_Z, QtCore.Qt.KeyboardModifier.ControlModifier)  # lesion and line in one step
    assert all(lesion.label != "NL02" for lesion in reading.bridge.snapshot.lesions)
    assert window.response_panel.category("WEEK 6") == "SD"


def test_compare_with_the_nadir(window: MainWindow, demo: Demo, qtbot: QtBot) -> None:
    log_in(window, demo.reader(DEMO))
    reading = window.reading
    click_timepoint(qtbot, window, "STS-003", "WEEK 18")
    box = window.main_actions.prior_box
    snapshot = reading.bridge.snapshot
    assert box.currentData() == "previous"  # issue 12: the previous time point by default
    assert [box.itemText(i) for i in range(box.count())][3:] == [f"Prior: {tp.visit}" for tp in snapshot.timepoints
                                                                 if tp.uid != reading.tp_uid]
    box.setCurrentIndex(box.findData("nadir"))
    window.main_actions.compare.trigger()
    assert reading.comparing
    assert reading.prior_uid == snapshot.timepoint("WEEK 6").uid  # 59 mm, the smallest sum before week 18
    qtbot.waitUntil(lambda: reading.compare_view.left.volume is not None and
                    reading._shown.get(id(reading.compare_view.left)) == reading.prior_uid, timeout=15_000)
    assert reading.compare_view.left_title.text() == "Prior · WEEK 6"
    box.setCurrentIndex(box.findData("baseline"))
    qtbot.waitUntil(lambda: reading._shown.get(id(reading.compare_view.left)) == snapshot.timepoint("BASELINE").uid,
                    timeout=15_000)
    left_keys = set(reading.compare_view.left.measurement_keys())
    assert snapshot.lesion("T01").uid in left_keys and snapshot.lesion("NL01").uid not in left_keys
    window.main_actions.compare.trigger()
    assert not reading.comparing


def test_response_header_shows_ibor_of_the_demo_read(window: MainWindow, demo: Demo, qtbot: QtBot) -> None:
    log_in(window, demo.reader(DEMO))
    click_timepoint(qtbot, window, "STS-003", "WEEK 18")
    header = window.response_panel.outcome_label
    assert header.isVisibleTo(window.response_panel)
    text = header.text()
    # STS-003 (recist_app/demo/trial.py): BOR SD, confirmed BOR SD, iBOR iSD (iSD ranks above iCPD).
    assert "BOR so far" in text and "Confirmed BOR" in text and "iBOR" in text
    assert text.split("iBOR", 1)[1].split("</span>", 1)[0].endswith("&nbsp;iSD&nbsp;")
    assert window.reading.bridge.irecist_outcome.best_response.category == "iSD"
    assert "iBOR: " in header.toolTip()


@pytest.mark.parametrize(("free", "expected"), [
    (QtCore.QRect(0, 0, 1920, 1050), QtCore.QRect(0, 0, 1920, 1050)),  # large screen: the whole free area
    (QtCore.QRect(0, 0, 1366, 738), QtCore.QRect(55, 30, 1256, 678)),  # laptop: 92 %, centred
])
def test_window_starts_filling_large_screens(free: QtCore.QRect, expected: QtCore.QRect) -> None:
    from widgets.main_window import _default_geometry

    class Screen:
        def availableGeometry(self) -> QtCore.QRect:
            return free

    assert _default_geometry(Screen()) == expected



def test_a_timepoint_opens_on_its_first_target(window: MainWindow, demo: Demo, qtbot: QtBot) -> None:
    """A measured time point opens on the slice of its first target (lowest label); otherwise the middle."""
    from recist_app.model.caliper import record_of_lesion

    log_in(window, demo.reader(DEMO))
    for subject_id, visit, visit_id in (("STS-001", "WEEK 8", "V1"), ("STS-002", "BASELINE", "V0")):
        view = click_timepoint(qtbot, window, subject_id, visit)
        snapshot = window.reading.bridge.snapshot
        t01, tp = snapshot.lesion("T01"), snapshot.timepoint(visit)
        assert view.volume is not None
        stored = record_of_lesion(snapshot, t01.uid, tp.uid, view.volume)
        assert stored is not None and stored.slice_index == demo.truth(subject_id, visit_id, "T01").slice_index
        assert view.slice_index == stored.slice_index, (subject_id, visit)
        assert view.selected_measurement == ""  # only the slice: no caliper is selected
    assert view.slice_index != view.volume.shape[0] // 2  # STS-002's T01 (slice 12) is off the middle
    log_in(window, demo.reader(CENTRAL_1))  # a reader with nothing measured yet: the middle slice
    view = click_timepoint(qtbot, window, "STS-002", "BASELINE")
    assert window.reading.bridge.snapshot.measurements == ()
    assert view.volume is not None and view.slice_index == view.volume.shape[0] // 2


def test_a_subject_registered_before_its_images_is_shown_as_such(app: QtWidgets.QApplication, qtbot: QtBot,
                                                                  demo: Demo, tmp_path: Path) -> None:
    """Issue 12: the normal order in a trial (subject first, images later) is never an error."""
    db = demo.copy_db(tmp_path)
    with TrialStore.open(db) as store:
        store.add_subject("STS-000", store.subjects()[0].site_code)
    window = open_window(qtbot, db)
    log_in(window, demo.reader(DEMO))
    assert window.reading.subject_id == "STS-001"  # the reader lands on the first subject with images
    subject = window.reading.browser.subject_item("STS-000")
    assert subject is not None
    click_item(qtbot, window.reading.browser.tree, subject)
    qtbot.waitUntil(lambda: subject.childCount() == 1 and subject.child(0).text(0) == NO_IMAGES_TEXT)
    assert window.reading.subject_id == "STS-000" and window.reading.tp_uid is None
    assert window.reading.slice_view.volume is None  # no image of the previous subject stays on screen
    assert "STS-000 has no images yet" in window.statusBar().currentMessage()
    assert window.findChild(QtWidgets.QMessageBox, "errorBox") is None
    assert window.reading.response_panel.table.model().rowCount() == 0
    window.quit_anyway()
