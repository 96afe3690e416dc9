"""Issue "A worklist" on the demo trial: the reader's worklist panel and the adjudicator's view.

The module's demo trial gets two central reads of STS-003: reader 1 copies the demo read, reader 2
the same without the new liver lesion NL01. Both are signed, so they disagree on the date of
progression and the store opens an adjudication task (they part at WEEK 12: PD vs SD).
Screenshots of both widgets go to ``RECIST_SCREENSHOTS`` (default: the test's tmp folder).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6 import QtCore, QtWidgets
from pytestqt.qtbot import QtBot

from recist_app.model.records import ReaderRole, ReadSnapshot
from recist_app.read.worklist import WorkStatus, reader_worklist
from recist_app.store import ReadSession, TrialStore
from recist_app.store.errors import SignatureError
from tests.widgets.reading_support import Demo, build_demo
from widgets.dialogs.sign import SignDialog
from widgets.reading.adjudication_view import AdjudicationView
from widgets.reading.worklist_panel import DUE_COLUMN, STATUS_COLUMN, WorklistPanel

Key = QtCore.Qt.Key
SUBJECT = "STS-003"
SITE_READER, ADJUDICATOR = "Demo Reader", "Demo Adjudicator"
CENTRAL = {ReaderRole.CENTRAL_READER_1: "Demo Central Reader 1", ReaderRole.CENTRAL_READER_2: "Demo Central Reader 2"}


def copy_read(source: ReadSnapshot, target: ReadSession, skip: frozenset[str] = frozenset()) -> None:
    """Record ``source``'s lesions, lines and statements (except the lesions labelled in ``skip``) in ``target``."""
    uids = {}
    for lesion in source.lesions:
        if lesion.label in skip:
            continue
        new = target.add_lesion(lesion.label, lesion.role, organ=lesion.organ, nodal=lesion.nodal,
                                first_timepoint_uid=lesion.first_timepoint_uid,
                                previously_irradiated=lesion.previously_irradiated)
        if lesion.irradiated:
            new = target.flag_irradiated(new, sbrt_start=lesion.sbrt_start, sbrt_end=lesion.sbrt_end,
                                         dose_gy=lesion.sbrt_dose_gy, fractions=lesion.sbrt_fractions)
        uids[lesion.uid] = new.uid
    for measurement in source.measurements:
        if measurement.lesion_uid in uids:
            target.record_measurement(uids[measurement.lesion_uid], measurement.timepoint_uid, measurement.line,
                                      measurement.fragment)
    for state in source.states:
        if state.lesion_uid in uids:
            target.set_status(uids[state.lesion_uid], state.timepoint_uid, state.status,
                              merged_into_uid=uids.get(state.merged_into_uid or ""),
                              radiation_induced=state.radiation_induced)


def make_disagreement(demo: Demo, subject_id: str = SUBJECT, skip: frozenset[str] = frozenset({"NL01"})) -> None:
    """Both central reads of ``subject_id`` signed; reader 2 leaves out the lesions in ``skip``."""
    with TrialStore.open(demo.trial.db) as store:
        site = demo.reader(SITE_READER)
        source = store.reader_session(site.uid, subject_id, password=site.password).snapshot()
        for role, name in CENTRAL.items():
            reader = demo.reader(name)
            session = store.reader_session(reader.uid, subject_id, password=reader.password)
            copy_read(source, session, skip if role is ReaderRole.CENTRAL_READER_2 else frozenset())
            for tp in source.timepoints:
                session.sign(tp.uid, reader.password)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    built = build_demo(tmp_path_factory.mktemp("demo"))
    make_disagreement(built)
    return built


@pytest.fixture
def store(demo: Demo, tmp_path: Path) -> Iterator[TrialStore]:
    opened = TrialStore.open(demo.copy_db(tmp_path))
    yield opened
    opened.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("RECIST_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def panel_for(qtbot: QtBot, store: TrialStore, demo: Demo, name: str) -> WorklistPanel:
    panel = WorklistPanel()
    qtbot.addWidget(panel)
    panel.set_items(reader_worklist(store, store.authenticate(name, demo.reader(name).password)))
    panel.resize(760, 320)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def view_for(qtbot: QtBot, store: TrialStore, demo: Demo) -> AdjudicationView:
    view = AdjudicationView(store, store.authenticate(ADJUDICATOR, demo.reader(ADJUDICATOR).password))
    qtbot.addWidget(view)
    view.refresh()
    view.resize(1280, 760)
    view.show()
    qtbot.waitExposed(view)
    return view


def cell(table: QtWidgets.QTableWidget, row: int, column: int) -> QtWidgets.QTableWidgetItem:
    item = table.item(row, column)
    assert item is not None
    return item


def texts(table: QtWidgets.QTableWidget, row: int) -> list[str]:
    return [cell(table, row, column).text() for column in range(table.columnCount())]


def modal_sign_dialog() -> SignDialog:
    dialog = QtWidgets.QApplication.activeModalWidget()
    assert isinstance(dialog, SignDialog)
    return dialog


# -- the worklist panel ---------------------------------------------------------------------------------


def test_the_panel_shows_the_readers_reads(app: QtWidgets.QApplication, qtbot: QtBot, store: TrialStore,
                                           demo: Demo) -> None:
    panel = panel_for(qtbot, store, demo, SITE_READER)
    assert panel.table.rowCount() == 3
    first = texts(panel.table, 0)
    assert first[:3] == ["STS-001", "DEMO01", "In progress"]  # the demo read is filled, not signed
    assert first[3] == "BASELINE · 2024-01-10" and first[4] == "0 / 4 signed" and first[5] == "—"
    assert panel.table.currentRow() == 0 and panel.open_next_button.isEnabled()
    central = panel_for(qtbot, store, demo, CENTRAL[ReaderRole.CENTRAL_READER_1])
    rows = [texts(central.table, row) for row in range(3)]
    assert [row[2] for row in rows] == ["Not started", "Not started", "Signed"]
    assert rows[2][3:5] == ["all signed", "4 / 4 signed"]
    colour = cell(central.table, 2, STATUS_COLUMN).foreground().color().name()
    assert colour != cell(central.table, 0, STATUS_COLUMN).foreground().color().name()
    assert panel.table.isColumnHidden(DUE_COLUMN)  # no due date set: no column
    store.set_reads_due("STS-002", date(2024, 9, 30))
    due = panel_for(qtbot, store, demo, SITE_READER)
    assert not due.table.isColumnHidden(DUE_COLUMN) and texts(due.table, 1)[DUE_COLUMN] == "2024-09-30"


def test_enter_and_double_click_open_the_row_at_its_time_point(app: QtWidgets.QApplication, qtbot: QtBot,
                                                              store: TrialStore, demo: Demo) -> None:
    panel = panel_for(qtbot, store, demo, SITE_READER)
    items = panel.items
    panel.table.setFocus()
    panel.table.selectRow(1)
    with qtbot.waitSignal(panel.open_requested) as blocker:
        qtbot.keyClick(panel.table, Key.Key_Return)
    assert blocker.args == ["STS-002", items[1].next_timepoint_uid]
    rect = panel.table.visualItemRect(cell(panel.table, 2, 0))
    qtbot.mouseClick(panel.table.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(panel.open_requested) as blocker:  # a double-click follows a press (as a mouse does)
        qtbot.mouseDClick(panel.table.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == ["STS-003", items[2].next_timepoint_uid]


def test_open_next_goes_to_the_first_read_in_progress(app: QtWidgets.QApplication, qtbot: QtBot,
                                                      store: TrialStore, demo: Demo) -> None:
    name = CENTRAL[ReaderRole.CENTRAL_READER_2]
    session = store.reader_session(store.log_in(name, demo.reader(name).password), "STS-002")
    session.add_lesion("T01", "TARGET", organ="LUNG")  # STS-002 is now in progress, STS-001 not started
    panel = panel_for(qtbot, store, demo, name)
    assert panel.items[1].status is WorkStatus.IN_PROGRESS
    with qtbot.waitSignal(panel.open_requested) as blocker:
        qtbot.mouseClick(panel.open_next_button, QtCore.Qt.MouseButton.LeftButton)
    assert blocker.args == ["STS-002", panel.items[1].next_timepoint_uid]
    assert panel.table.currentRow() == 1
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow)
    with qtbot.waitSignal(panel.open_requested) as blocker:
        qtbot.keyClick(panel, Key.Key_N, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert blocker.args[0] == "STS-002"


def test_nothing_left_to_open_disables_open_next(app: QtWidgets.QApplication, qtbot: QtBot) -> None:
    panel = WorklistPanel()
    qtbot.addWidget(panel)
    panel.set_items(())
    assert not panel.open_next_button.isEnabled() and not panel.open_next()
    assert panel.summary.text() == "No subjects to read"


# -- the adjudication view ----------------------------------------------------------------------------------


def test_the_view_shows_both_reads_and_where_they_part(app: QtWidgets.QApplication, qtbot: QtBot,
                                                      store: TrialStore, demo: Demo) -> None:
    view = view_for(qtbot, store, demo)
    assert view.tasks.rowCount() == 1 and texts(view.tasks, 0)[:2] == [SUBJECT, "open"]
    assert "date of progression" in texts(view.tasks, 0)[2]
    assert "The reads part at <b>WEEK 12</b>: PD (reader 1) vs SD (reader 2)" in view.heading.text()
    one, two = view.columns
    assert one.title() == "Reader 1 · Demo Central Reader 1" and two.title() == "Reader 2 · Demo Central Reader 2"
    assert one.lesions.rowCount() == 4 and two.lesions.rowCount() == 3
    assert texts(one.lesions, 0) == ["NL01", "NEW", "LIVER, SEGMENT III"]
    assert [texts(one.timepoints, row)[2] for row in range(4)] == ["baseline", "SD", "PD", "PD"]
    assert [texts(two.timepoints, row)[2] for row in range(4)] == ["baseline", "SD", "SD", "SD"]
    parting = cell(one.timepoints, 2, 0)
    assert parting.text().startswith("WEEK 12") and "part here" in parting.text() and parting.font().bold()
    assert not cell(one.timepoints, 1, 0).font().bold()
    assert not any(button.isEnabled() for button in view.accept_buttons)  # no reason yet


def test_accepting_with_a_wrong_then_the_right_password_resolves_the_task(app: QtWidgets.QApplication,
                                                                        qtbot: QtBot, store: TrialStore,
                                                                        demo: Demo) -> None:
    view = view_for(qtbot, store, demo)
    task = view.items[0].task
    qtbot.keyClicks(view.reason_edit, "NL01 is a real new liver lesion")
    assert all(button.isEnabled() for button in view.accept_buttons)
    with pytest.raises(SignatureError):
        view.accept_read(0, password="not-the-password")
    assert store.adjudicator_session(demo.reader(ADJUDICATOR).uid).tasks() == (task,)  # still open
    with qtbot.waitSignal(view.resolved) as blocker:
        assert view.accept_read(0, password=demo.reader(ADJUDICATOR).password)
    assert blocker.args == [task.uid]
    adjudicator = store.adjudicator_session(demo.reader(ADJUDICATOR).uid)
    assert adjudicator.tasks() == ()
    (done,) = adjudicator.tasks(None)
    assert (done.accepted_read_uid, done.reason) == (task.read_uids[0], "NL01 is a real new liver lesion")
    accepted = {s.reader_role: s.read.accepted for s in store.reads(SUBJECT)}
    assert accepted[ReaderRole.CENTRAL_READER_1] and not accepted[ReaderRole.CENTRAL_READER_2]
    assert texts(view.tasks, 0)[1] == "resolved: reader 1 accepted"
    assert view.reason_edit.isReadOnly() and not any(button.isEnabled() for button in view.accept_buttons)
    assert view.columns[0].title().endswith("· accepted")


def test_the_accept_button_asks_for_the_signature_and_retries_a_wrong_password(
        app: QtWidgets.QApplication, qtbot: QtBot, store: TrialStore, demo: Demo) -> None:
    view = view_for(qtbot, store, demo)
    view.reason_edit.setText("reader 2 missed nothing: NL01 is scar")
    seen: dict[str, str] = {}

    def sign() -> None:
        dialog = modal_sign_dialog()
        assert dialog.objectName() == "adjudicationSignDialog"
        seen["title"], seen["meaning"] = dialog.windowTitle(), dialog.meaning
        dialog.password_edit.setText("wrong")
        dialog.buttons.accepted.emit()
        seen["error"] = dialog.error_label.text()
        dialog.password_edit.setText(demo.reader(ADJUDICATOR).password)
        dialog.buttons.accepted.emit()

    QtCore.QTimer.singleShot(0, sign)
    with qtbot.waitSignal(view.resolved):
        qtbot.mouseClick(view.accept_buttons[1], QtCore.Qt.MouseButton.LeftButton)
    assert seen["title"] == "Sign adjudication" and "accept reader 2's read" in seen["meaning"]
    assert seen["error"].startswith("Wrong password")
    (done,) = store.adjudicator_session(demo.reader(ADJUDICATOR).uid).tasks(None)
    assert done.status == "resolved" and done.reason == "reader 2 missed nothing: NL01 is scar"


def test_an_adjudicator_without_tasks_sees_why(app: QtWidgets.QApplication, qtbot: QtBot, store: TrialStore,
                                               demo: Demo) -> None:
    view = view_for(qtbot, store, demo)
    view.set_items(())
    assert "No adjudication task" in view.heading.text() and view.columns[0].lesions.rowCount() == 0


def test_screenshots(app: QtWidgets.QApplication, qtbot: QtBot, store: TrialStore, demo: Demo, shots: Path) -> None:
    name = CENTRAL[ReaderRole.CENTRAL_READER_2]
    store.reader_session(store.log_in(name, demo.reader(name).password), "STS-002").add_lesion(
        "T01", "TARGET", organ="LUNG")
    panel = panel_for(qtbot, store, demo, name)
    panel.resize(720, 260)
    assert panel.grab().save(str(shots / "worklist.png"))
    view = view_for(qtbot, store, demo)
    view.reason_edit.setText("NL01 is a new liver metastasis, visible on two consecutive scans")
    assert view.grab().save(str(shots / "adjudication.png"))

    def grab_and_cancel() -> None:
        dialog = modal_sign_dialog()
        assert dialog.grab().save(str(shots / "adjudication_sign.png"))
        dialog.reject()

    QtCore.QTimer.singleShot(0, grab_and_cancel)
    assert not view.accept_read(0)  # cancelled: nothing resolved
    assert view.items[0].is_open
