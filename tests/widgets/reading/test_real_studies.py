"""The workstation on the real studies of ``../shared`` imported as a new user would (issue 12):
the series a time point is read on (profile default, the reader's audited choice), roles that do
not read, and the smoke mode on that trial."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6 import QtCore, QtWidgets
from pytestqt.qtbot import QtBot

from tests.widgets.reading_support import (
    REAL_READERS,
    WAITING_SUBJECT,
    build_real_trial,
    click_item,
    open_window,
)
from widgets.app import open_as
from widgets.main_window import MainWindow
from widgets.reading.trial_browser import NO_IMAGES_TEXT

pytestmark = pytest.mark.shared_data
ADMIN, CENTRAL, SITE = REAL_READERS
A0001 = "Lung_Dx-A0001"
LOAD_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def real_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_real_trial(tmp_path_factory.mktemp("real"))


@pytest.fixture
def window(app: QtWidgets.QApplication, qtbot: QtBot, real_db: Path, tmp_path: Path) -> Iterator[MainWindow]:
    db = tmp_path / "copy.sqlite"
    db.write_bytes(real_db.read_bytes())
    win = open_window(qtbot, db)
    yield win
    win.quit_anyway()
    assert win.store is not None
    win.store.close()


def open_a0001(window: MainWindow, qtbot: QtBot) -> str:
    """Open A0001's only time point and wait for its examined series and its volume; its uid."""
    reading = window.reading
    reading.open_subject(A0001)
    tp = reading.reader_timepoints()[0]
    qtbot.waitUntil(lambda: all(link.series_uid in reading.loader.options for link in tp.series),
                    timeout=LOAD_TIMEOUT_MS)
    reading.show_timepoint(A0001, tp.uid)
    qtbot.waitUntil(lambda: reading.is_showing(tp.uid), timeout=LOAD_TIMEOUT_MS)
    return tp.uid


def test_the_profile_picks_the_soft_tissue_kernel_and_the_reader_may_choose_the_other(
        window: MainWindow, qtbot: QtBot) -> None:
    name, _role, password = CENTRAL
    assert open_as(window, name, password)
    reading = window.reading
    assert not window.main_actions.trial_setup.isEnabled()  # administrators only
    tp_uid = open_a0001(window, qtbot)
    tp = reading.timepoint(tp_uid)
    assert tp is not None and len(tp.series) == 2
    kernels = {link.series_uid: reading.loader.options[link.series_uid].kernel for link in tp.series}
    assert sorted(kernels.values()) == ["B", "L"]  # both "5mm"; [series] kernel = "soft" picks B
    soft = next(uid for uid, kernel in kernels.items() if kernel == "B")
    lung = next(uid for uid, kernel in kernels.items() if kernel == "L")
    assert reading.volumes["current"].series_uid == soft
    row = next(reading.browser.timepoint_item(tp_uid).child(i) for i in range(2)
               if reading.browser.timepoint_item(tp_uid).child(i).data(0, QtCore.Qt.ItemDataRole.UserRole + 1) == lung)
    assert row.text(0) == "#2 5mm"  # numbered as in the PACS
    assert "64 images · axial · L · 5 mm" in row.text(1)
    click_item(qtbot, reading.browser.tree, row)
    qtbot.waitUntil(lambda: reading.volumes.get("current") is not None
                    and reading.volumes["current"].series_uid == lung, timeout=LOAD_TIMEOUT_MS)
    assert reading.bridge.snapshot.chosen_series(tp_uid) == lung
    assert window.store.audit_entries()[-1].action == "choose_series"
    assert row.font(0).bold()
    reading.undo()  # the choice is a read change like any other
    qtbot.waitUntil(lambda: reading.volumes.get("current") is not None
                    and reading.volumes["current"].series_uid == soft, timeout=LOAD_TIMEOUT_MS)


def test_an_administrator_logs_in_and_sees_every_image_read_only(window: MainWindow, qtbot: QtBot) -> None:
    name, _role, password = ADMIN
    assert open_as(window, name, password)
    reading = window.reading
    assert reading.viewing_only and window.findChild(QtWidgets.QMessageBox, "errorBox") is None
    tp_uid = open_a0001(window, qtbot)
    assert reading.locked and reading.slice_view.read_only
    assert "images only" in reading.lock_bar.label.text() and not reading.lock_bar.reopen_button.isVisibleTo(window)
    assert not window.main_actions.length_tool.isEnabled() and not window.main_actions.sign.isEnabled()
    window.main_actions.trial_setup.trigger()  # the administrator sets the trial up in the GUI
    setup = window.findChild(QtWidgets.QDialog, "setupDialog")
    assert setup is not None and setup.isVisible()
    setup.close()
    window.main_actions.mpr.trigger()
    assert reading.showing_mpr and reading.mpr_view.volume is reading.volumes["current"]
    window.main_actions.mpr.trigger()
    assert not reading.showing_mpr
    reading.open_subject(WAITING_SUBJECT)
    item = reading.browser.subject_item(WAITING_SUBJECT)
    assert item is not None and item.child(0).text(0) == NO_IMAGES_TEXT
    assert tp_uid


def smoke(db: Path, reader: tuple[str, object, str], password: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "main.py", "--smoke", "--db", str(db), "--reader", str(reader[0]),
                           "--password-stdin"], input=(password or reader[2]) + "\n", cwd=Path(__file__).parents[3],
                          env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("reader", [ADMIN, CENTRAL], ids=["admin", "central_reader"])
def test_smoke_mode_visits_every_subject_and_time_point(real_db: Path, reader: tuple[str, object, str]) -> None:
    proc = smoke(real_db, reader)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [line.split("\t") for line in proc.stdout.splitlines() if "\t" in line]
    assert {line[0] for line in lines} == {"A002304", A0001, "Lung_Dx-A0002", WAITING_SUBJECT}
    assert [WAITING_SUBJECT, "-", "no images"] in lines
    assert len([line for line in lines if line[0] == "A002304"]) == 2
    assert proc.stdout.splitlines()[-1].startswith("smoke: ok")


def test_smoke_mode_fails_on_a_wrong_password(real_db: Path) -> None:
    proc = smoke(real_db, CENTRAL, "wrong")
    assert proc.returncode == 1 and "log-in failed" in proc.stderr and "Traceback" not in proc.stderr
