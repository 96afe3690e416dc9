"""GUI entry point: ``run(argv)`` (``python main.py [--demo | --db DB]``) and ``create_app()``.

- ``python main.py --demo`` (``make run``): the demo trial in the user data folder, built on first
  use exactly as ``python main.py demo`` builds it and reused afterwards, logged in automatically
  as "Demo Reader" with the documented demo password (said in the title and status bar).
- ``python main.py`` : the same trial, with the log-in dialog pre-filled for the demo reader.
- ``python main.py --db DB [--reader NAME]``: another trial; the log-in dialog (pre-filled with the
  reader). No password is ever taken from the command line (it would show in the process list).
- ``python main.py --smoke …`` goes to :mod:`widgets.smoke` (from ``main.py``: the smoke run uses
  this module, never the other way round).

The one place that sets pyqtgraph's global configuration (ARCHITECTURE §3: ``imageAxisOrder``
is global mutable state; set it once at start-up and assert it in a test).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

import recist_app
import resources

if TYPE_CHECKING:
    from pyqtgraph.util.garbage_collector import GarbageCollector

    from recist_app.store import TrialStore
    from widgets.main_window import MainWindow

APP_NAME = "Tumour-response workstation"
#: The folder where ``QSettings`` keeps the window's state and the PACS nodes, as the logs and caches are named.
ORGANIZATION = recist_app.APP_NAME
AUTO_LOGIN_NOTE = "logged in automatically (demo)"


def create_app(argv: Sequence[str] | None = None) -> QtWidgets.QApplication:
    """The QApplication, configured: reuses an existing instance (one per process).

    Parameters
    ----------
    argv : sequence of str or None
        Arguments for Qt (program name first); ``sys.argv[:1]`` when None.

    Returns
    -------
    QApplication
        The application with pyqtgraph configured and the stylesheet applied.
    """
    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication(list(argv) if argv is not None else sys.argv[:1])
    assert isinstance(app, QtWidgets.QApplication)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANIZATION)  # QSettings: <config>/recist-workstation/, not "Unknown Organization"
    pg.setConfigOptions(imageAxisOrder="row-major")
    app.setStyleSheet(resources.stylesheet())
    _collect_garbage_in_the_event_loop()
    return app


#: pyqtgraph's collector, once per process (see :func:`_collect_garbage_in_the_event_loop`).
_collector: GarbageCollector | None = None


def _collect_garbage_in_the_event_loop() -> None:
    """Python's cyclic garbage collector runs from a timer of the event loop, never inside a Qt call.

    Collected in the middle of one, a dropped window or dialog can be destroyed there, and its C++
    destructor then waits for a Qt mutex its own thread already holds: the process hangs (seen in the
    tests: ``QObject::disconnect`` → ``gc_collect_main`` → ``~QAction`` → ``QBasicMutex::lockInternal``).
    pyqtgraph's ``GarbageCollector`` turns automatic collection off and collects every second instead.
    """
    global _collector
    if _collector is None:
        from pyqtgraph.util.garbage_collector import GarbageCollector

        _collector = GarbageCollector(interval=1.0)


def parse_args(argv: Sequence[str] | None) -> tuple[argparse.Namespace, list[str]]:
    """The viewer's options and the rest (for Qt)."""
    parser = argparse.ArgumentParser(prog="main.py", description=f"{APP_NAME} (viewer).", allow_abbrev=False)
    parser.add_argument("--db", help="trial database (SQLite file or postgresql:// URL); default: the demo "
                                     "trial in the user data folder, built on first use")
    parser.add_argument("--trial", help="trial code, when the database holds several")
    parser.add_argument("--demo", action="store_true",
                        help="open the demo trial logged in as 'Demo Reader' (what `make run` does)")
    parser.add_argument("--reader", help="the reader the log-in dialog proposes")
    return parser.parse_known_args(sys.argv[1:] if argv is None else list(argv))


def run(argv: Sequence[str] | None = None) -> int:
    """Start the viewer (see the module docstring); return the exit status."""
    args, qt_args = parse_args(argv)
    from recist_app.log_file import start_logging
    from widgets.error_display import install_excepthook

    start_logging()
    from widgets.main_window import MainWindow

    db, reader, password, automatic = _trial_and_login(args)
    app = create_app([sys.argv[0], *qt_args])
    store = open_store(db, args.trial)
    if store is None:
        return 2
    window = MainWindow(store, db)
    install_excepthook(window)
    window.show()
    if automatic and reader and password:
        open_as(window, reader, password, note=AUTO_LOGIN_NOTE if args.demo else "")
    else:
        def log_in() -> None:
            if window.show_login(reader or "", password or ""):
                open_first_subject(window)

        QtCore.QTimer.singleShot(0, log_in)
    code = app.exec()
    store.close()
    return code


def _trial_and_login(args: argparse.Namespace) -> tuple[str, str | None, str | None, bool]:
    """Database, reader, password and whether to log in without the dialog."""
    if args.db:
        return args.db, args.reader, None, False
    db, demo_reader, demo_password = ensure_demo_trial()
    if args.reader and args.reader != demo_reader:
        return db, args.reader, None, False
    return db, demo_reader, demo_password, args.demo


def ensure_demo_trial() -> tuple[str, str, str]:
    """The default demo trial (``python main.py demo`` on first use, reused afterwards); its demo reader."""
    from recist_app.demo import store as demo_store
    from recist_app.store import default_trial_path

    db = default_trial_path(demo_store.demo_code())
    images = demo_store.default_images_dir()
    name, _role, password = demo_store.DEMO_READERS[0]
    if not db.exists() or not (images / "demo_ground_truth.json").exists():
        import time

        from recist_app.cli.commands import demo

        print(f"First run: building the demo trial in {db.parent} (phantom CT series; once only)…", flush=True)
        started = time.perf_counter()
        demo.run(argparse.Namespace(db=None, images=None, force=False))
        print(f"Demo trial built in {time.perf_counter() - started:.1f} s.", flush=True)
    return str(db), name, password


def open_store(db: str, trial_code: str | None) -> TrialStore | None:
    """The trial in ``db`` (its only trial unless ``trial_code`` says which), or None after an error dialog."""
    from recist_app.store import TrialStore
    from widgets.error_display import show_errors

    with show_errors("Could not open the trial"):
        return TrialStore.open(db, trial_code)
    return None


def open_as(window: MainWindow, reader_name: str, password: str, note: str = "") -> bool:
    """Log ``window`` in as ``reader_name`` (password checked by the store) and open the first subject."""
    from widgets.error_display import show_errors

    assert window.store is not None
    reader = next((r for r in window.store.readers() if r.name == reader_name), None)
    if reader is None:
        window.statusBar().showMessage(f"No reader named {reader_name!r} in this trial.")
        return window.show_login(reader_name, password)
    with show_errors("Could not log in", window):
        window.login(window.store.log_in(reader.uid, password), note)
        open_first_subject(window)
        return True
    return False


def open_first_subject(window: MainWindow) -> None:
    """Where a reader lands after log-in: the worklist's next read, at its time point to read with the prior
    beside it; else (all signed, or a role that does not read) the first subject with images at its latest
    time point."""
    if window.store is None or window.reader is None:
        return
    from recist_app.read.worklist import next_item

    work = next_item(window.worklist.items) if window.reader.role.reads else None
    if work is not None:
        window.reading.open_work(work.subject_id, work.open_timepoint_uid or "")
        return
    store = window.store
    subjects = [subject.subject_id for subject in store.subjects()]
    first = next((subject_id for subject_id in subjects if store.timepoints(subject_id)), None)  # stops early
    if first or subjects:
        window.reading.open_subject_at_latest(first or subjects[0])


def demo_paths(root: Path) -> tuple[Path, Path]:
    """Database and image folder of a demo trial under ``root`` (smoke runs, tests)."""
    return root / "demo.sqlite", root / "images"
