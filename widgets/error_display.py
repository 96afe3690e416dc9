"""The one error-display boundary of the GUI (ARCHITECTURE C13).

:func:`show_errors` turns a core error (:class:`~recist_app.errors.RecistAppError`) into a dialog in
the reader's words; :func:`install_excepthook` shows anything else that escapes a slot (a bug) in a
dialog; :func:`show_error` does the same for a worker's failure, delivered to the GUI thread.
Widgets catch core errors nowhere else. Dialogs hold no class name, UUID or traceback: those go to
the log file (:mod:`recist_app.log_file`), whose path the dialog gives.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from PySide6 import QtCore, QtWidgets

from recist_app import log_file
from recist_app.errors import RecistAppError

log = logging.getLogger(__name__)


@contextmanager
def show_errors(title: str, parent: QtWidgets.QWidget | None = None) -> Iterator[None]:
    """Turn a :class:`~recist_app.errors.RecistAppError` into a critical message box.

    The only place where widgets catch core errors (Slicer ``tryWithErrorDisplay``). The
    traceback is logged. Under pytest (``PYTEST_CURRENT_TEST`` set) the box is shown without
    blocking and the error is re-raised, so tests see it.

    Parameters
    ----------
    title : str
        Dialog title saying what failed, e.g. ``"Could not load series"``.
    parent : QWidget or None
        Parent of the message box.
    """
    try:
        yield
    except RecistAppError as exc:
        path = log_file.start_logging()
        log.exception("%s", title)
        if _reporter is not None:
            _reporter(title, str(exc))
            return
        box = _box(title, str(exc), path, parent)
        box.setObjectName("errorBox")
        if os.environ.get("PYTEST_CURRENT_TEST"):
            box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
            box.show()
            raise
        box.exec()


#: Where dialogs go instead of the screen (the smoke run: an error dialog fails it), or None.
_reporter: Callable[[str, str], None] | None = None


def report_to(reporter: Callable[[str, str], None] | None) -> None:
    """Send ``(title, message)`` of every error dialog to ``reporter`` instead of showing it (None: show)."""
    global _reporter
    _reporter = reporter


def show_error(title: str, error: BaseException, parent: QtWidgets.QWidget | None = None) -> None:
    """Show a worker's ``error``: typed errors through :func:`show_errors`, anything else (a bug)
    raised on to the excepthook."""
    with show_errors(title, parent):
        raise error


def install_excepthook(parent: QtWidgets.QWidget) -> None:
    """Show any otherwise uncaught exception in a dialog (mnelab), after printing it.

    Parameters
    ----------
    parent : QWidget
        Parent of the message box (the main window).
    """

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        sys.__excepthook__(kind, exc, tb)
        path = log_file.start_logging()
        log.critical("Unexpected error", exc_info=(kind, exc, tb))
        box = _box("Unexpected error", UNEXPECTED_TEXT, path, parent)
        box.setObjectName("unexpectedErrorBox")
        box.exec()

    sys.excepthook = hook


#: What the reader reads when the workstation itself failed (a bug): no class name, no traceback.
UNEXPECTED_TEXT = ("Something went wrong inside the workstation; it was not caused by what you did. Your saved "
                   "work is safe: every change is saved when it is made. Please send the log file to support.")


def _box(title: str, text: str, path: Path | None, parent: QtWidgets.QWidget | None) -> QtWidgets.QMessageBox:
    """A critical message box with ``text`` and, below it, where the details were written (``path``)."""
    box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Critical, title, text,
                                QtWidgets.QMessageBox.StandardButton.Ok, parent)
    box.setInformativeText(f"Details are in the log file {path}." if path is not None
                           else "Details could not be written to a log file.")
    box.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
    return box
