"""The one error-display boundary of the GUI (ARCHITECTURE C13).

:func:`show_errors` turns a core error (:class:`~recist_app.errors.RecistAppError`) into a dialog in
the reader's words; :func:`install_excepthook` shows anything else that escapes a slot (a bug) in a
dialog after printing it; :func:`show_error` does the same for a worker's failure, delivered to the
GUI thread. Widgets catch core errors nowhere else.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from PySide6 import QtCore, QtWidgets

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
        log.exception("%s", title)
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Critical, title, str(exc),
                                    QtWidgets.QMessageBox.StandardButton.Ok, parent)
        box.setObjectName("errorBox")
        box.setDetailedText(traceback.format_exc())
        if os.environ.get("PYTEST_CURRENT_TEST"):
            box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
            box.show()
            raise
        box.exec()


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
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Critical, "Unexpected error",
                                    f"{kind.__name__}: {exc}",
                                    QtWidgets.QMessageBox.StandardButton.Ok, parent)
        box.setDetailedText("".join(traceback.format_exception(kind, exc, tb)))
        box.exec()

    sys.excepthook = hook
