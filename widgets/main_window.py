"""The main window: docks, menus and status bar around the reading (ARCHITECTURE §1.3).

Layout: the trial browser on the left; the slice view in the centre (or, with Compare, the prior
and the current time point side by side); the lesion panel and the response panel on the right;
actions in menus and a tool bar (:mod:`widgets.main_actions`); progress of long work in the status
bar. The reading itself (which time point is shown, where calipers go, what is locked) lives in
:class:`widgets.reading.controller.ReadingController`; the read's commands in
:class:`widgets.reading.session_bridge.SessionBridge`.
"""

from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

import recist_app
from recist_app.model.records import Reader
from recist_app.store import Login, TrialStore
from widgets.main_actions import build_actions
from widgets.panels.lesion_panel import LesionPanel
from widgets.panels.response_panel import ResponsePanel
from widgets.reading.actions import ReadingActions
from widgets.reading.controller import ReadingController
from widgets.reading.worklist_panel import WorklistPanel
from widgets.task_progress import TaskProgressArea
from widgets.viewer.slice_view import SliceView
from widgets.workers import TaskRunner

WINDOW_TITLE = "Tumour-response workstation"
LEFT_DOCK_WIDTH, RIGHT_DOCK_WIDTH = 240, 660


class MainWindow(QtWidgets.QMainWindow):
    """Top-level window of the workstation.

    Parameters
    ----------
    store : TrialStore, optional
        The open trial (without one the window is an empty shell).
    db : str, optional
        The database path or URL of ``store`` (workers open their own connections with it).
    parent : QWidget, optional
    """

    def __init__(self, store: TrialStore | None = None, db: str | Path | None = None,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.db = str(db) if db is not None else None
        self.reader: Reader | None = None
        self.login_note = ""
        self._quitting = False
        self._compact = False
        self.setWindowTitle(WINDOW_TITLE)
        self.setGeometry(_default_geometry(self.screen()))
        self.runner = TaskRunner(self)
        self.reading = ReadingController(self, self.runner)
        self.commands = ReadingActions(self.reading, self, self.runner)
        self.main_actions = build_actions(self, {**self.commands.slots(), "login": self.show_login, "quit": self.close,
                                                 "about": self.show_about})
        self.setCentralWidget(self.reading.central)
        self.trial_dock = self._add_dock("Trial", "trialDock", self.reading.browser,
                                         QtCore.Qt.DockWidgetArea.LeftDockWidgetArea)
        self.lesion_dock = self._add_dock("Lesions", "lesionDock", self.reading.lesion_panel,
                                          QtCore.Qt.DockWidgetArea.RightDockWidgetArea)
        self.response_dock = self._add_dock("Response", "responseDock", self.reading.response_panel,
                                            QtCore.Qt.DockWidgetArea.RightDockWidgetArea)
        self.splitDockWidget(self.lesion_dock, self.response_dock, QtCore.Qt.Orientation.Vertical)
        self.worklist = WorklistPanel()
        self.worklist.setObjectName("worklistPanel")
        self.worklist.open_requested.connect(self.reading.open_work)
        self.worklist_dock = self._add_dock("Worklist", "worklistDock", self.worklist,
                                            QtCore.Qt.DockWidgetArea.LeftDockWidgetArea)
        self.splitDockWidget(self.worklist_dock, self.trial_dock, QtCore.Qt.Orientation.Vertical)
        self.adjudication_dock = self._add_dock("Adjudication", "adjudicationDock", QtWidgets.QWidget(),
                                                QtCore.Qt.DockWidgetArea.BottomDockWidgetArea)
        self.adjudication_dock.hide()
        for dock in (self.trial_dock, self.worklist_dock, self.lesion_dock, self.response_dock):
            self.actions_menu("View").addAction(dock.toggleViewAction())
        self.progress_area = TaskProgressArea(self.runner, self.statusBar())
        self.reader_label = QtWidgets.QLabel("Not logged in")
        self.reader_label.setObjectName("readerLabel")
        self.statusBar().addPermanentWidget(self.reader_label)
        self.statusBar().addPermanentWidget(QtWidgets.QLabel(f"v{recist_app.__version__}"))
        self.statusBar().showMessage("Ready")
        self.reading.panels_replaced.connect(self._set_panels)
        self.reading.read_changed.connect(self._update_worklist_item)
        self.reading.trial_reloaded.connect(self.refresh_worklist)  # an import may add subjects to read
        self.fit_docks()
        self.commands.bind(self.main_actions)
        if store is not None:
            self.reading.set_store(store, self.db)

    # -- layout -------------------------------------------------------------------------------
    @property
    def trial_tree(self) -> QtWidgets.QTreeWidget:
        """The trial browser's tree."""
        return self.reading.browser.tree

    @property
    def slice_view(self) -> SliceView:
        """The central slice view."""
        return self.reading.slice_view

    @property
    def view_box(self) -> pg.ViewBox:
        """The slice view's ViewBox (row-major image, y inverted, aspect locked)."""
        return self.reading.slice_view.view_box

    @property
    def lesion_panel(self) -> LesionPanel:
        """The lesion panel (right dock)."""
        return self.reading.lesion_panel

    @property
    def response_panel(self) -> ResponsePanel:
        """The response panel (right dock)."""
        return self.reading.response_panel

    def actions_menu(self, title: str) -> QtWidgets.QMenu:
        """The menu of the menu bar titled ``title`` (without the ``&``)."""
        for action in self.menuBar().actions():
            menu = action.menu()
            if action.text().replace("&", "") == title and isinstance(menu, QtWidgets.QMenu):
                return menu
        raise KeyError(title)

    def _add_dock(self, title: str, name: str, widget: QtWidgets.QWidget,
                  area: QtCore.Qt.DockWidgetArea) -> QtWidgets.QDockWidget:
        dock = QtWidgets.QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetClosable)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _set_panels(self, lesions: LesionPanel, response: ResponsePanel) -> None:
        """Put fresh panels in the docks (another reader: nothing of the previous read stays)."""
        for dock, widget in ((self.lesion_dock, lesions), (self.response_dock, response)):
            old = dock.widget()
            dock.setWidget(widget)
            if old is not None:
                old.deleteLater()

    def fit_docks(self) -> None:
        """Dock widths for the window size: the image keeps at least about half of the width. Below
        :data:`COMPACT_WIDTH_PX` the panels collapse into tabs (worklist | trial, lesions | response), each
        then getting the whole height of a small screen."""
        width = max(self.width(), 800)
        self._set_compact(width < COMPACT_WIDTH_PX)
        right = min(RIGHT_DOCK_WIDTH, int(width * (0.32 if self.compact else 0.35)))
        left = min(LEFT_DOCK_WIDTH, int(width * 0.16))
        self.resizeDocks([self.trial_dock, self.lesion_dock], [left, right], QtCore.Qt.Orientation.Horizontal)
        height = max(self.height(), 600)
        self.resizeDocks([self.lesion_dock, self.response_dock], [int(height * 0.45), int(height * 0.55)],
                         QtCore.Qt.Orientation.Vertical)
        self.resizeDocks([self.worklist_dock, self.trial_dock], [int(height * 0.3), int(height * 0.7)],
                         QtCore.Qt.Orientation.Vertical)

    @property
    def compact(self) -> bool:
        """True while the side panels are collapsed into tabs (a small screen, e.g. 1366 × 768)."""
        return self._compact

    def _set_compact(self, compact: bool) -> None:
        if compact == self._compact:
            return
        self._compact = compact
        pairs = ((self.worklist_dock, self.trial_dock, QtCore.Qt.DockWidgetArea.LeftDockWidgetArea),
                 (self.lesion_dock, self.response_dock, QtCore.Qt.DockWidgetArea.RightDockWidgetArea))
        for first, second, area in pairs:
            if compact:
                self.tabifyDockWidget(first, second)
                continue
            shown = not second.isHidden()  # out of the tabs, then below the first again
            self.removeDockWidget(second)
            self.addDockWidget(area, second)
            self.splitDockWidget(first, second, QtCore.Qt.Orientation.Vertical)
            second.setVisible(shown)
        docks = self.findChildren(QtWidgets.QDockWidget)
        if not compact and not any(self.tabifiedDockWidgets(dock) for dock in docks):
            for bar in self.findChildren(QtWidgets.QTabBar, options=QtCore.Qt.FindChildOption.FindDirectChildrenOnly):
                bar.hide()  # Qt leaves the emptied tab groups' bars on screen
        self.trial_dock.raise_()
        self.lesion_dock.raise_()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._compact != (event.size().width() < COMPACT_WIDTH_PX):
            self.fit_docks()

    # -- trial and reader -----------------------------------------------------------------------
    def set_store(self, store: TrialStore, db: str | Path) -> None:
        """Show another trial (the reader must log in again)."""
        self.store, self.db = store, str(db)
        self.reading.set_store(store, self.db)

    def login(self, login: Login, note: str = "") -> None:
        """Work as the reader of ``login`` (authenticated by the store); ``note`` says how (e.g. automatic
        demo log-in).

        A reader gets the worklist of their reads, an adjudicator the adjudication tasks."""
        reader = login.reader
        self.reader, self.login_note = reader, note
        self.reading.set_reader(login)
        self.refresh_worklist()
        for dock in (self.worklist_dock, self.lesion_dock, self.response_dock):
            dock.setVisible(reader.role.reads)  # a role that does not read has no read to show
        self._show_adjudication(reader)
        self.update_title()

    def refresh_worklist(self) -> None:
        """The logged-in reader's reads with their state (not started, in progress, signed)."""
        from recist_app.read.worklist import reader_worklist

        if self.store is not None and self.reader is not None and self.reader.role.reads:
            self.worklist.set_items(reader_worklist(self.store, self.reader))
        else:
            self.worklist.set_items(())

    def _update_worklist_item(self) -> None:
        """The open read changed: its worklist item follows, from the read already in memory (no query
        of every subject's read on a reader's every edit)."""
        from recist_app.read.worklist import work_item

        bridge = self.reading.bridge
        snapshot = bridge.snapshot if bridge is not None else None
        if snapshot is None or self.reader is None or not self.reader.role.reads:
            return
        self.worklist.update_item(work_item(snapshot, snapshot.subject, exists=True))

    def _show_adjudication(self, reader: Reader) -> None:
        from recist_app.model.records import ReaderRole
        from widgets.reading.adjudication_view import AdjudicationView

        old = self.adjudication_dock.widget()
        if reader.role is ReaderRole.ADJUDICATOR and self.store is not None:
            view = AdjudicationView(self.store, reader)
            view.setObjectName("adjudicationView")
            view.resolved.connect(lambda _uid: self.statusBar().showMessage("Adjudication signed.", 8000))
            view.refresh()
            self.adjudication_dock.setWidget(view)
            self.adjudication_dock.show()
        else:
            self.adjudication_dock.setWidget(QtWidgets.QWidget())
            self.adjudication_dock.hide()
        if old is not None:
            old.deleteLater()

    def show_login(self, reader_name: str = "", password: str = "") -> bool:
        """Ask who reads (password checked by the store); True when someone logged in."""
        from widgets.dialogs.login import LoginDialog

        if self.store is None:
            return False
        dialog = LoginDialog(self.store, self, reader_name=reader_name, password=password)
        if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted or dialog.login is None:
            return False
        self.login(dialog.login)
        return True

    def update_title(self) -> None:
        """Window title and status-bar label: trial, reader and role (and how they logged in)."""
        from widgets.dialogs.login import role_name

        if self.store is None:
            self.setWindowTitle(WINDOW_TITLE)
            return
        parts = [WINDOW_TITLE, self.store.trial.code]
        if self.reader is not None:
            parts.append(f"{self.reader.name} ({role_name(self.reader)})")
            self.reader_label.setText(f"Reader: {self.reader.name} · {role_name(self.reader)}"
                                      + (f" · {self.login_note}" if self.login_note else ""))
        else:
            self.reader_label.setText("Not logged in")
        if self.login_note:
            parts.append(self.login_note)
        self.setWindowTitle(" — ".join(parts))

    def show_about(self) -> None:
        """Show the About box with the application version."""
        QtWidgets.QMessageBox.about(
            self, f"About {WINDOW_TITLE}",
            f"<b>{WINDOW_TITLE}</b><br>Version {recist_app.__version__}<br><br>"
            "RECIST 1.1 / iRECIST tumour-response reading.")

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        """Ask first when changes are saved but unsigned; then wait for background work and close."""
        if not self._quitting and self.commands.ask_before_quit(self.quit_anyway):
            event.ignore()
            return
        self.runner.wait()
        super().closeEvent(event)

    def quit_anyway(self) -> None:
        """Close without asking about unsigned changes (they stay saved)."""
        self._quitting = True
        self.close()


DEFAULT_SIZE = QtCore.QSize(1600, 960)
#: Below this window width the side panels collapse into tabs (VIEWER.md; issue 12 "usable at 1366 × 768").
COMPACT_WIDTH_PX = 1500


def _default_geometry(screen: QtGui.QScreen | None) -> QtCore.QRect:
    """Where the window starts: the screen's whole free area when 1600 × 960 fits in it (large
    screens: maximised-like), else 92 % of the free area, centred (e.g. 1366 × 768 laptops)."""
    if screen is None:
        return QtCore.QRect(QtCore.QPoint(0, 0), DEFAULT_SIZE)
    free = screen.availableGeometry()
    if free.width() >= DEFAULT_SIZE.width() and free.height() >= DEFAULT_SIZE.height():
        return QtCore.QRect(free)
    size = DEFAULT_SIZE.boundedTo(QtCore.QSize(int(free.width() * 0.92), int(free.height() * 0.92)))
    rect = QtCore.QRect(QtCore.QPoint(0, 0), size)
    rect.moveCenter(free.center())
    return rect
