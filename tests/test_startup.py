"""Start-up: ``main.py --smoke`` in a subprocess (mnelab), and the main window under qtbot."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pyqtgraph as pg
import pytest
from PySide6 import QtWidgets
from pytestqt.qtbot import QtBot

from recist_app.errors import RecistAppError
from widgets import app as app_module
from widgets.app import create_app
from widgets.error_display import show_errors
from widgets.main_window import WINDOW_TITLE, MainWindow


def test_smoke_subprocess(repo_root: Path, tmp_path: Path) -> None:
    """The GUI builds, renders and exits 0 in a fresh process (no second QApplication here)."""
    shot = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, "main.py", "--smoke", "--screenshot", str(shot)],
                          cwd=repo_root, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"smoke run failed:\n{proc.stdout}\n{proc.stderr}"
    assert "smoke: ok" in proc.stdout
    assert shot.stat().st_size > 0
    visited = [line.split("\t")[:2] for line in proc.stdout.splitlines() if "\t" in line]
    assert ["STS-001", "BASELINE"] in visited and ["STS-003", "WEEK 18"] in visited and len(visited) == 11


def test_smoke_with_a_database_needs_the_reader_and_the_password_from_stdin(repo_root: Path) -> None:
    """No password on the command line: ``--password`` does not exist, ``--db`` alone exits 2."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for extra in ([], ["--reader", "X", "--password", "pw"]):
        proc = subprocess.run([sys.executable, "main.py", "--smoke", "--db", "x.sqlite", *extra], cwd=repo_root,
                              env=env, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2 and "--password-stdin" in proc.stderr


def test_main_window_builds(qtbot: QtBot) -> None:
    """The window has its title, menus, its docks and a locked-aspect, inverted view."""
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle() == WINDOW_TITLE
    docks = {dock.windowTitle(): dock for dock in window.findChildren(QtWidgets.QDockWidget)}
    assert set(docks) == {"Worklist", "Trial", "Lesions", "Response", "Adjudication"}
    assert all(dock.isVisible() for title, dock in docks.items() if title != "Adjudication")
    assert not docks["Adjudication"].isVisible()  # shown to adjudicators only
    assert window.trial_tree.topLevelItemCount() == 0
    menus = [action.text().replace("&", "") for action in window.menuBar().actions()]
    assert menus == ["File", "Edit", "Read", "View", "Help"]
    assert window.view_box.yInverted()
    assert window.view_box.state["aspectLocked"]


def test_create_app_sets_row_major(qapp: QtWidgets.QApplication) -> None:
    """``create_app`` reuses the running QApplication and sets pyqtgraph to row-major."""
    app = create_app()
    assert app is qapp
    assert pg.getConfigOption("imageAxisOrder") == "row-major"
    assert app.styleSheet()
    # Cyclic garbage is collected from the event loop only, never inside a Qt call (widgets/app.py).
    collector = app_module._collector
    assert not gc.isenabled() and collector is not None and collector.timer.isActive()
    create_app()
    assert app_module._collector is collector  # one collector per process


def test_show_errors_reraises_under_pytest(qtbot: QtBot) -> None:
    """The error boundary shows a critical box and re-raises while tests run."""
    window = MainWindow()
    qtbot.addWidget(window)
    with pytest.raises(RecistAppError, match="bad trial"), show_errors("Could not open the trial", window):
        raise RecistAppError("bad trial")
    box = window.findChild(QtWidgets.QMessageBox, "errorBox")
    assert box is not None
    assert box.windowTitle() == "Could not open the trial"
    assert box.text() == "bad trial"
    box.close()
