"""A reader's day on the demo trial: keys, jumps, quitting and signing behave as in a PACS (issue 12)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6 import QtCore, QtWidgets
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from tests.widgets.events import hover
from tests.widgets.reading_support import Demo, build_demo, click_timepoint, log_in, open_window
from widgets.main_window import MainWindow
from widgets.viewer.window_presets import LUNG

Key = QtCore.Qt.Key
DEMO = "Demo Reader"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return build_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def window(app: QtWidgets.QApplication, qtbot: QtBot, demo: Demo, tmp_path: Path) -> Iterator[MainWindow]:
    win = open_window(qtbot, demo.copy_db(tmp_path))
    yield win
    win.reading.bridge and win.reading.bridge.close_read()
    win.close()
    assert win.store is not None
    win.store.close()


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
