"""GUI entry point: ``run(argv)`` (``python main.py [--demo | --db DB] [--smoke]``).

- ``python main.py --demo`` (``make run``): the demo trial in the user data folder, built on first
  use exactly as ``python main.py demo`` builds it and reused afterwards, logged in automatically
  as "Demo Reader" with the documented demo password (said in the title and status bar).
- ``python main.py`` : the same trial, with the log-in dialog pre-filled for the demo reader.
- ``python main.py --db DB [--reader NAME --password PW]``: another trial; the log-in dialog
  unless both are given (a development option).
- ``--smoke [--screenshot PATH]``: offscreen, against a small demo trial built in a temporary
  folder: log in, open a subject and a time point, render every view once, exit 0
  (:mod:`widgets.smoke`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from PySide6 import QtCore

from widgets.app import APP_NAME, create_app, ensure_demo_trial, open_as, open_first_subject, open_store

AUTO_LOGIN_NOTE = "logged in automatically (demo)"


def parse_args(argv: Sequence[str] | None) -> tuple[argparse.Namespace, list[str]]:
    """The viewer's options and the rest (for Qt)."""
    parser = argparse.ArgumentParser(prog="main.py", description=f"{APP_NAME} (viewer).")
    parser.add_argument("--db", help="trial database (SQLite file or postgresql:// URL); default: the demo "
                                     "trial in the user data folder, built on first use")
    parser.add_argument("--trial", help="trial code, when the database holds several")
    parser.add_argument("--demo", action="store_true",
                        help="open the demo trial logged in as 'Demo Reader' (what `make run` does)")
    parser.add_argument("--reader", help="development: log in as this reader (with --password)")
    parser.add_argument("--password", help="development: the reader's password")
    parser.add_argument("--smoke", action="store_true",
                        help="offscreen: build a small demo trial, render every view once and exit")
    parser.add_argument("--screenshot", metavar="PATH", help="with --smoke: save the main window as PNG")
    return parser.parse_known_args(sys.argv[1:] if argv is None else list(argv))


def run(argv: Sequence[str] | None = None) -> int:
    """Start the viewer (see the module docstring); return the exit status."""
    args, qt_args = parse_args(argv)
    if args.smoke or args.screenshot:
        from widgets.smoke import smoke

        return smoke(args.screenshot, qt_args)
    from widgets.error_display import install_excepthook
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
        return args.db, args.reader, args.password, bool(args.reader and args.password)
    db, demo_reader, demo_password = ensure_demo_trial()
    if args.reader or args.password:
        return db, args.reader, args.password, bool(args.reader and args.password)
    return db, demo_reader, demo_password, args.demo


