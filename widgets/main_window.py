"""The main window and the one error-display boundary (ARCHITECTURE C13).

For now the window is a shell: an empty image view, a "Trial" dock, a "Response" dock and a
status bar. The slice viewer, lesion table and response panel replace the placeholders later.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

import recist_app
from recist_app.errors import RecistAppError

log = logging.getLogger(__name__)

WINDOW_TITLE = "Tumour-response workstation"
PLACEHOLDER_TEXT = "Open a trial or a DICOM folder to begin"
#: Background of the image area: black, as in PACS viewers, so CT grey levels read true.
VIEW_BACKGROUND = "#000000"


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


class MainWindow(QtWidgets.QMainWindow):
    """Top-level window: image view in the centre, trial and response docks beside it.

    Parameters
    ----------
    parent : QWidget or None
        Parent widget (normally None).
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(WINDOW_TITLE)
        self.resize(_default_size(self.screen()))
        self._build_menus()
        self._build_view()
        self.trial_dock, self.trial_tree = self._build_trial_dock()
        self.response_dock, self.response_label = self._build_response_dock()
        self.resizeDocks([self.trial_dock, self.response_dock], [280, 300],
                         QtCore.Qt.Orientation.Horizontal)
        self.statusBar().showMessage("Ready")
        version = QtWidgets.QLabel(f"v{recist_app.__version__}")
        self.statusBar().addPermanentWidget(version)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        quit_action = file_menu.addAction("&Quit")
        quit_action.setShortcut(QtGui.QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        help_menu = self.menuBar().addMenu("&Help")
        about_action = help_menu.addAction("&About")
        about_action.triggered.connect(self.show_about)

    def _build_view(self) -> None:
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(VIEW_BACKGROUND)
        self.view_box = self.graphics.addViewBox(lockAspect=True, invertY=True)
        self.view_box.setMenuEnabled(False)
        self.placeholder_image = pg.ImageItem(_placeholder_image(), levels=(0, 255))
        self.view_box.addItem(self.placeholder_image)
        self.placeholder_text = pg.TextItem(PLACEHOLDER_TEXT, color="#9aa0a6", anchor=(0.5, 0.5))
        font = self.placeholder_text.textItem.font()
        font.setPointSizeF(13)
        self.placeholder_text.setFont(font)
        self.placeholder_text.setPos(256, 256)
        self.view_box.addItem(self.placeholder_text, ignoreBounds=True)
        self.view_box.setRange(QtCore.QRectF(0, 0, 512, 512), padding=0.02)
        self.setCentralWidget(self.graphics)

    def _build_trial_dock(self) -> tuple[QtWidgets.QDockWidget, QtWidgets.QTreeWidget]:
        tree = QtWidgets.QTreeWidget()
        tree.setHeaderLabels(["Subject / timepoint", "Date"])
        tree.setAlternatingRowColors(True)
        tree.header().setStretchLastSection(False)
        tree.header().setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Stretch)
        dock = self._add_dock("Trial", "trialDock", tree, QtCore.Qt.DockWidgetArea.LeftDockWidgetArea)
        return dock, tree

    def _build_response_dock(self) -> tuple[QtWidgets.QDockWidget, QtWidgets.QLabel]:
        label = QtWidgets.QLabel("No assessment yet.\n\nMeasure the baseline target lesions "
                                 "to see the sum of diameters and the response.")
        label.setObjectName("placeholderLabel")
        label.setWordWrap(True)
        label.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop | QtCore.Qt.AlignmentFlag.AlignLeft)
        dock = self._add_dock("Response", "responseDock", label,
                              QtCore.Qt.DockWidgetArea.RightDockWidgetArea)
        return dock, label

    def _add_dock(self, title: str, name: str, widget: QtWidgets.QWidget,
                  area: QtCore.Qt.DockWidgetArea) -> QtWidgets.QDockWidget:
        dock = QtWidgets.QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def show_about(self) -> None:
        """Show the About box with the application version."""
        QtWidgets.QMessageBox.about(
            self, f"About {WINDOW_TITLE}",
            f"<b>{WINDOW_TITLE}</b><br>Version {recist_app.__version__}<br><br>"
            "RECIST 1.1 / iRECIST tumour-response reading.")


def _placeholder_image(size: int = 512) -> np.ndarray:
    """A faint radial vignette (uint8, row-major) shown until an image is loaded."""
    axis = np.linspace(-1.0, 1.0, size, dtype=np.float32)
    radius = np.hypot(axis[None, :], axis[:, None])
    return (22.0 * np.clip(1.0 - radius, 0.0, 1.0)).astype(np.uint8)


def _default_size(screen: QtGui.QScreen | None) -> QtCore.QSize:
    """1280 × 800, or 90 % of the screen's free area when that is smaller (e.g. 1366 × 768 laptops)."""
    wanted = QtCore.QSize(1280, 800)
    if screen is None:
        return wanted
    free = screen.availableGeometry().size()
    return wanted.boundedTo(QtCore.QSize(int(free.width() * 0.9), int(free.height() * 0.9)))
