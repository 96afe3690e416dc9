"""GUI entry point: ``create_app()`` and ``run(argv)`` (``python main.py [--smoke]``).

The one place that sets pyqtgraph's global configuration (ARCHITECTURE §3: ``imageAxisOrder``
is global mutable state; set it once at start-up and assert it in a test).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

import resources

APP_NAME = "Tumour-response workstation"


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
    pg.setConfigOptions(imageAxisOrder="row-major")
    app.setStyleSheet(resources.read_text("style.qss"))
    return app


def run(argv: Sequence[str] | None = None) -> int:
    """Start the viewer; with ``--smoke`` build and render once, then exit.

    Parameters
    ----------
    argv : sequence of str or None
        Command-line arguments without the program name (``sys.argv[1:]`` when None).

    Returns
    -------
    int
        Exit status: 0 on success, 1 if the smoke run failed.
    """
    parser = argparse.ArgumentParser(prog="main.py", description=f"{APP_NAME} (viewer).")
    parser.add_argument("--smoke", action="store_true",
                        help="build the window, render it once and exit (no event loop)")
    parser.add_argument("--screenshot", metavar="PATH",
                        help="with --smoke: save the rendered window as PNG")
    args, qt_args = parser.parse_known_args(sys.argv[1:] if argv is None else list(argv))
    if args.smoke or args.screenshot:
        return _smoke(args.screenshot, qt_args)
    from widgets.main_window import MainWindow, install_excepthook

    app = create_app([sys.argv[0], *qt_args])
    window = MainWindow()
    install_excepthook(window)
    window.show()
    return app.exec()


def _smoke(screenshot: str | None, qt_args: list[str]) -> int:
    """Build the window, render every view once, process events; 0 if all went well."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    critical: list[str] = []

    def handler(kind: QtCore.QtMsgType, _context: QtCore.QMessageLogContext, text: str) -> None:
        if kind in (QtCore.QtMsgType.QtCriticalMsg, QtCore.QtMsgType.QtFatalMsg):
            critical.append(text)
        print(f"qt: {text}", file=sys.stderr)

    previous = QtCore.qInstallMessageHandler(handler)
    try:
        from widgets.main_window import MainWindow

        app = create_app([sys.argv[0], *qt_args])
        window = MainWindow()
        window.show()
        app.processEvents()
        for view in [window, *window.findChildren(QtWidgets.QDockWidget), window.centralWidget()]:
            if view.grab().isNull():
                raise RuntimeError(f"rendering {view.objectName() or type(view).__name__} failed")
        pixmap = window.grab()
        if screenshot and not pixmap.save(screenshot, "PNG"):
            raise RuntimeError(f"could not save the screenshot to {screenshot}")
        window.close()
        app.processEvents()
        if critical:
            raise RuntimeError(f"Qt reported critical messages: {critical}")
        print(f"smoke: ok ({pixmap.width()}x{pixmap.height()})")
        return 0
    except Exception:  # the smoke test reports any failure as exit status 1
        traceback.print_exc()
        return 1
    finally:
        QtCore.qInstallMessageHandler(previous)
