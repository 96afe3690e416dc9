"""``python main.py --smoke [--screenshot PATH]``: the whole workstation once, offscreen, against a small demo trial.

Builds the demo trial in a temporary folder (small images keep it fast), logs in as the demo
reader, opens the first subject at its last time point (the series loads in a worker), renders
the main window, every dock and the compare view, optionally saves a screenshot, and exits 0 —
or 1 with the traceback if anything failed or Qt reported a critical message. ``tests/test_startup.py``
runs it in a subprocess (mnelab pattern).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6 import QtCore, QtWidgets

#: Demo images of the smoke run: small, so that building the trial takes a few seconds.
SMOKE_SIZE, SMOKE_SLICES = 128, 16
SMOKE_WINDOW = (1600, 960)
TIMEOUT_S = 20.0


def wait_until(condition: Callable[[], bool], timeout_s: float = TIMEOUT_S) -> None:
    """Process events until ``condition()`` holds; raise TimeoutError after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting after {timeout_s:.0f} s")
        QtWidgets.QApplication.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.005)


def run(argv: Sequence[str]) -> int:
    """``main.py --smoke [--screenshot PATH] [Qt options]``: parse, then :func:`smoke`."""
    parser = argparse.ArgumentParser(prog="main.py --smoke", description="Render every view once, offscreen.")
    parser.add_argument("--smoke", action="store_true", help="this smoke run")
    parser.add_argument("--screenshot", metavar="PATH", help="save the main window as PNG")
    args, qt_args = parser.parse_known_args(list(argv))
    return smoke(args.screenshot, qt_args)


def smoke(screenshot: str | None, qt_args: list[str]) -> int:
    """Build, render every view once, exit; 0 if all went well."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    critical: list[str] = []

    def handler(kind: QtCore.QtMsgType, _context: QtCore.QMessageLogContext, text: str) -> None:
        if kind in (QtCore.QtMsgType.QtCriticalMsg, QtCore.QtMsgType.QtFatalMsg):
            critical.append(text)
        print(f"qt: {text}", file=sys.stderr)

    previous = QtCore.qInstallMessageHandler(handler)
    try:
        with tempfile.TemporaryDirectory(prefix="recist-smoke-") as folder:
            size = _run(Path(folder), screenshot, qt_args)
        if critical:
            raise RuntimeError(f"Qt reported critical messages: {critical}")
        print(f"smoke: ok ({size[0]}x{size[1]})")
        return 0
    except Exception:
        traceback.print_exc()
        return 1
    finally:
        QtCore.qInstallMessageHandler(previous)


def _run(folder: Path, screenshot: str | None, qt_args: list[str]) -> tuple[int, int]:
    from recist_app.demo.store import build_demo_trial
    from recist_app.store import TrialStore
    from widgets.app import create_app, demo_paths, open_as
    from widgets.main_window import MainWindow

    db, images = demo_paths(folder)
    demo = build_demo_trial(db, images, size=SMOKE_SIZE, slices=SMOKE_SLICES)
    app = create_app([sys.argv[0], *qt_args])
    store = TrialStore.open(demo.db, demo.trial_code)
    window = MainWindow(store, demo.db)
    try:
        window.resize(*SMOKE_WINDOW)
        window.show()
        window.fit_docks()
        reader = demo.demo_reader
        if not open_as(window, reader.name, reader.password, note="smoke run"):
            raise RuntimeError("could not log in as the demo reader")
        reading = window.reading
        wait_until(lambda: "current" in reading.volumes)
        app.processEvents()
        _render(window, window, *window.findChildren(QtWidgets.QDockWidget), window.reading.central)
        pixmap = window.grab()
        reading.set_compare(True)
        wait_until(lambda: reading.compare_view.left.volume is not None)
        app.processEvents()
        _render(window, reading.compare_view)
        if screenshot and not pixmap.save(screenshot, "PNG"):
            raise RuntimeError(f"could not save the screenshot to {screenshot}")
        return pixmap.width(), pixmap.height()
    finally:
        window.close()
        app.processEvents()
        store.close()


def _render(window: QtWidgets.QWidget, *views: QtWidgets.QWidget) -> None:
    for view in views:
        if view.grab().isNull():
            raise RuntimeError(f"rendering {view.objectName() or type(view).__name__} failed")
