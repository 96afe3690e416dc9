"""``python main.py --smoke``: the whole workstation once, offscreen, on a demo trial or on any trial.

- ``--smoke [--screenshot PATH]``: builds a small demo trial in a temporary folder and works as its
  demo reader.
- ``--smoke --db DB --reader NAME --password-stdin [--trial CODE]``: opens that trial as that reader,
  the password read from the first line of standard input (never from the command line); a failed
  log-in exits 1.

Either way it visits every subject and time point the reader may see (every one, read-only, for an
administrator), renders the single view of each, the compare view and the reformats (MPR) once,
prints one line per subject × time point (``subject  visit  series`` or ``no images``; a subject
without time points gets its line too) and exits 0 — or 1 with the message when an error dialog
would have opened, an exception escaped or Qt reported a critical message. ``tests/test_startup.py``
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
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets

if TYPE_CHECKING:
    from recist_app.store import TrialStore
    from widgets.main_window import MainWindow
    from widgets.reading.controller import ReadingController

#: Demo images of the smoke run: small, so that building the trial takes a few seconds.
SMOKE_SIZE, SMOKE_SLICES = 128, 16
SMOKE_WINDOW = (1600, 960)
TIMEOUT_S = 60.0


class SmokeError(RuntimeError):
    """What made the smoke run fail, in one line."""


def wait_until(condition: Callable[[], bool], timeout_s: float = TIMEOUT_S) -> None:
    """Process events until ``condition()`` holds; raise :class:`SmokeError` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SmokeError(f"gave up waiting after {timeout_s:.0f} s")
        QtWidgets.QApplication.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.002)


def run(argv: Sequence[str]) -> int:
    """``main.py --smoke …`` (see the module docstring): parse, then :func:`smoke`."""
    parser = argparse.ArgumentParser(prog="main.py --smoke", allow_abbrev=False,
                                     description="Visit and render every view once, offscreen.")
    parser.add_argument("--smoke", action="store_true", help="this smoke run")
    parser.add_argument("--screenshot", metavar="PATH", help="save the main window as PNG")
    parser.add_argument("--db", help="trial database (SQLite file or postgresql:// URL); default: a small demo trial")
    parser.add_argument("--trial", help="trial code, when the database holds several")
    parser.add_argument("--reader", help="log in as this reader (with --db)")
    parser.add_argument("--password-stdin", action="store_true", help="read the reader's password from stdin")
    args, qt_args = parser.parse_known_args(list(argv))
    if args.db and not (args.reader and args.password_stdin):
        print("main.py --smoke: --db needs --reader NAME and --password-stdin.", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else None
    return smoke(args.screenshot, qt_args, db=args.db, trial=args.trial, reader=args.reader, password=password)


def smoke(screenshot: str | None, qt_args: list[str], *, db: str | None = None, trial: str | None = None,
          reader: str | None = None, password: str | None = None) -> int:
    """Log in, visit and render everything once, exit; 0 if all went well."""
    from widgets import error_display

    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    problems: list[str] = []

    def on_qt_message(kind: QtCore.QtMsgType, _context: QtCore.QMessageLogContext, text: str) -> None:
        if kind in (QtCore.QtMsgType.QtCriticalMsg, QtCore.QtMsgType.QtFatalMsg):
            problems.append(f"Qt: {text}")
        print(f"qt: {text}", file=sys.stderr)

    def on_exception(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        traceback.print_exception(kind, exc, tb)
        problems.append(f"uncaught {kind.__name__}: {exc}")

    previous_handler = QtCore.qInstallMessageHandler(on_qt_message)
    previous_hook, sys.excepthook = sys.excepthook, on_exception
    error_display.report_to(lambda title, message: problems.append(f"error dialog '{title}': {message}"))
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="recist-smoke-") as folder:
            size = _run(Path(folder), screenshot, qt_args, db, trial, reader, password, problems)
        if problems:
            raise SmokeError(problems[0])
        print(f"smoke: ok ({size[0]}x{size[1]}, {time.perf_counter() - started:.1f} s)")
        return 0
    except SmokeError as exc:
        print(f"smoke: failed: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: the traceback helps whoever fixes it
        traceback.print_exc()
        print(f"smoke: failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        error_display.report_to(None)
        sys.excepthook = previous_hook
        QtCore.qInstallMessageHandler(previous_handler)


def _run(folder: Path, screenshot: str | None, qt_args: list[str], db: str | None, trial: str | None,
         reader_name: str | None, password: str | None, problems: list[str]) -> tuple[int, int]:
    from recist_app.errors import RecistAppError
    from recist_app.store import TrialStore
    from widgets.app import create_app
    from widgets.main_window import MainWindow

    if db is None:
        db, trial, reader_name, password = _demo(folder)
    assert reader_name is not None and password is not None
    app = create_app([sys.argv[0], *qt_args])
    try:
        store = TrialStore.open(db, trial)
    except RecistAppError as exc:
        raise SmokeError(f"could not open the trial: {exc}") from exc
    window = MainWindow(store, db)
    try:
        window.resize(*SMOKE_WINDOW)
        window.show()
        window.fit_docks()
        _log_in(window, store, reader_name, password)
        pixmap = _visit_everything(window, problems)
        _render(window, window, *window.findChildren(QtWidgets.QDockWidget), window.reading.central)
        if screenshot and not pixmap.save(screenshot, "PNG"):
            raise SmokeError(f"could not save the screenshot to {screenshot}")
        return pixmap.width(), pixmap.height()
    finally:
        window.quit_anyway()
        app.processEvents()
        store.close()


def _demo(folder: Path) -> tuple[str, str, str, str]:
    """A small demo trial under ``folder``: database, trial code, demo reader and password."""
    from recist_app.demo.store import build_demo_trial
    from widgets.app import demo_paths

    db, images = demo_paths(folder)
    demo = build_demo_trial(db, images, size=SMOKE_SIZE, slices=SMOKE_SLICES)
    return str(demo.db), demo.trial_code, demo.demo_reader.name, demo.demo_reader.password


def _log_in(window: MainWindow, store: TrialStore, reader_name: str, password: str) -> None:
    from recist_app.errors import RecistAppError

    reader = next((r for r in store.readers() if r.name == reader_name), None)
    if reader is None:
        raise SmokeError(f"log-in failed: no reader named {reader_name!r} in this trial")
    try:
        window.login(store.log_in(reader.uid, password), "smoke run")
    except RecistAppError as exc:
        raise SmokeError(f"log-in failed: {exc}") from exc


def _visit_everything(window: MainWindow, problems: list[str]) -> QtGui.QPixmap:
    """Every subject and time point the reader may see, one line each; compare and MPR once."""
    assert window.store is not None
    reading, app = window.reading, QtWidgets.QApplication.instance()
    first_shot = None
    compared = reformatted = False
    for subject in window.store.subjects():
        if not reading.open_subject(subject.subject_id):
            raise SmokeError(problems[0] if problems else f"could not open {subject.subject_id}")
        timepoints = reading.reader_timepoints()
        if not timepoints:
            print(f"{subject.subject_id}\t-\tno images", flush=True)
        for tp in timepoints:
            link = reading.series_link(tp)
            reading.show_timepoint(subject.subject_id, tp.uid)
            if link is None:
                print(f"{subject.subject_id}\t{tp.visit}\tno images", flush=True)
                continue
            wait_until(partial(_shown_or_failed, reading, tp.uid, problems))
            if problems:
                raise SmokeError(problems[0])
            _render(window, reading.slice_view)
            print(f"{subject.subject_id}\t{tp.visit}\t{link.description or link.series_uid}", flush=True)
            if first_shot is None and app is not None:
                app.processEvents()
                first_shot = window.grab()
            if not reformatted:
                reading.set_mpr(True)
                wait_until(lambda: bool(problems) or reading.mpr_view.volume is not None)
                _render(window, reading.mpr_view)
                reading.set_mpr(False)
                reformatted = True
            if not compared and tp is not timepoints[0]:
                reading.set_compare(True)
                wait_until(lambda: bool(problems) or reading.compare_view.left.volume is not None)
                _render(window, reading.compare_view)
                reading.set_compare(False)
                compared = True
    return first_shot if first_shot is not None else window.grab()


def _shown_or_failed(reading: ReadingController, tp_uid: str, problems: list[str]) -> bool:
    return bool(problems) or reading.is_showing(tp_uid)


def _render(window: QtWidgets.QWidget, *views: QtWidgets.QWidget) -> None:
    for view in views:
        if view.grab().isNull():
            raise SmokeError(f"rendering {view.objectName() or type(view).__name__} failed")
