"""The main window's actions, menus and tool bar (VIEWER.md "Keys": d length, o bidirectional, Ctrl+Z / Ctrl+Y).

Actions only call methods of the window; their state (enabled, checked) is set by the window
after every change of read, time point or lock (:meth:`MainActions.update`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6 import QtCore, QtGui, QtWidgets

Key = QtGui.QKeySequence

TOOLBAR_STYLE = """
QToolBar { background-color: #232427; border-bottom: 1px solid #2f3135; spacing: 2px; padding: 2px 4px; }
QToolBar::separator { background: #3a3d42; width: 1px; margin: 4px 6px; }
QToolButton { padding: 4px 8px; border: 1px solid transparent; border-radius: 3px; }
QToolButton:hover { background-color: #34373c; border-color: #3d4046; }
QToolButton:checked { background-color: #35506e; border-color: #4a6f96; color: #f0f2f4; }
QToolButton:disabled { color: #6c7076; }
"""


@dataclass
class MainActions:
    """Every action of the main window, by name."""

    open_folder: QtGui.QAction
    export: QtGui.QAction
    login: QtGui.QAction
    quit: QtGui.QAction
    undo: QtGui.QAction
    redo: QtGui.QAction
    window_tool: QtGui.QAction
    length_tool: QtGui.QAction
    bidirectional_tool: QtGui.QAction
    new_target: QtGui.QAction
    new_non_target: QtGui.QAction
    new_lesion: QtGui.QAction
    sign: QtGui.QAction
    reopen: QtGui.QAction
    compare: QtGui.QAction
    prior_baseline: QtGui.QAction
    prior_nadir: QtGui.QAction
    about: QtGui.QAction

    def update(self, *, has_trial: bool, has_read: bool, has_image: bool, locked: bool, signed: bool,
               can_undo: bool, can_redo: bool, tool: str, compare: bool) -> None:
        """Enable and check the actions for the window's state."""
        editable = has_read and not locked
        self.open_folder.setEnabled(has_trial)
        self.export.setEnabled(has_trial)
        self.login.setEnabled(has_trial)
        self.undo.setEnabled(has_read and can_undo)
        self.redo.setEnabled(has_read and can_redo)
        for action in (self.length_tool, self.bidirectional_tool):
            action.setEnabled(editable and has_image)
        self.window_tool.setEnabled(has_image)
        self.length_tool.setChecked(tool == "length")
        self.bidirectional_tool.setChecked(tool == "bidirectional")
        self.window_tool.setChecked(tool == "window")
        for action in (self.new_target, self.new_non_target, self.new_lesion):
            action.setEnabled(editable)
        self.sign.setEnabled(has_read and not signed)
        self.reopen.setEnabled(has_read and signed)
        self.compare.setEnabled(has_read)
        self.compare.setChecked(compare)


def build_actions(window: QtWidgets.QMainWindow, slots: dict[str, Callable[..., object]]) -> MainActions:
    """Create the actions (triggering ``slots[name]``), the menus and the tool bar of ``window``."""

    def make(name: str, text: str, shortcut: str | Key.StandardKey | None = None, tip: str = "",
             checkable: bool = False, short: str = "") -> QtGui.QAction:
        action = QtGui.QAction(text, window)
        if short:
            action.setIconText(short)  # the tool bar's shorter text
        action.setObjectName(f"action_{name}")
        if shortcut is not None:
            action.setShortcut(Key(shortcut))
        if checkable:
            action.setCheckable(True)
        shown = action.shortcut().toString(Key.SequenceFormat.NativeText)
        action.setToolTip(f"{tip or text.replace('&', '').rstrip('…')}" + (f" ({shown})" if shown else ""))
        slot = slots[name]
        if checkable:
            action.triggered.connect(lambda checked=False: slot(checked))
        else:
            action.triggered.connect(lambda _checked=False: slot())
        return action

    actions = MainActions(
        open_folder=make("open_folder", "&Open folder…", Key.StandardKey.Open, "Scan a DICOM folder or DICOMDIR "
                         "and import its series"),
        export=make("export", "&Export…", "Ctrl+E", "Export the trial (SDTM, timeline, SR …)"),
        login=make("login", "&Log in as another reader…", "Ctrl+L", short="Switch reader…"),
        quit=make("quit", "&Quit", Key.StandardKey.Quit),
        undo=make("undo", "&Undo", "Ctrl+Z", "Undo the last change of the read"),
        redo=make("redo", "&Redo", "Ctrl+Y", "Redo the last undone change"),
        window_tool=make("window_tool", "W/L", "W", "Window / level with the left mouse button", True),
        length_tool=make("length_tool", "&Length", "D", "Length caliper (long axis)", True),
        bidirectional_tool=make("bidirectional_tool", "&Bidirectional", "O",
                                "Bidirectional caliper (long and short axis; lymph nodes)", True),
        new_target=make("new_target", "New &target", None, "Add a target lesion at baseline", short="+ Target"),
        new_non_target=make("new_non_target", "New &non-target", None, "Add a non-target lesion at baseline",
                            short="+ Non-target"),
        new_lesion=make("new_lesion", "New &lesion", None, "Add a new lesion at this follow-up", short="+ New lesion"),
        sign=make("sign", "&Sign time point…", "Ctrl+Shift+S", "Sign this time point (electronic signature)",
                  short="Sign…"),
        reopen=make("reopen", "&Reopen time point…", None, "Reopen this signed time point, with a reason",
                    short="Reopen…"),
        compare=make("compare", "&Compare", "Ctrl+T", "Prior (baseline or nadir) beside the current time point",
                     True),
        prior_baseline=make("prior_baseline", "Prior: &baseline", None, "Compare with baseline", True),
        prior_nadir=make("prior_nadir", "Prior: &nadir", None, "Compare with the nadir (smallest sum so far)", True),
        about=make("about", "&About"),
    )
    group = QtGui.QActionGroup(window)
    for action in (actions.prior_baseline, actions.prior_nadir):
        group.addAction(action)
    actions.prior_baseline.setChecked(True)
    actions.redo.setShortcuts([Key("Ctrl+Y"), Key("Ctrl+Shift+Z")])
    _menus(window, actions)
    _toolbar(window, actions)
    return actions


def _menus(window: QtWidgets.QMainWindow, a: MainActions) -> None:
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([a.open_folder, a.export])
    file_menu.addSeparator()
    file_menu.addAction(a.login)
    file_menu.addSeparator()
    file_menu.addAction(a.quit)
    edit = bar.addMenu("&Edit")
    edit.addActions([a.undo, a.redo])
    read = bar.addMenu("&Read")
    read.addActions([a.new_target, a.new_non_target, a.new_lesion])
    read.addSeparator()
    read.addActions([a.sign, a.reopen])
    view = bar.addMenu("&View")
    view.setObjectName("viewMenu")
    view.addActions([a.window_tool, a.length_tool, a.bidirectional_tool])
    view.addSeparator()
    view.addActions([a.compare, a.prior_baseline, a.prior_nadir])
    view.addSeparator()
    help_menu = bar.addMenu("&Help")
    help_menu.addAction(a.about)


def _toolbar(window: QtWidgets.QMainWindow, a: MainActions) -> None:
    toolbar = QtWidgets.QToolBar("Tools", window)
    toolbar.setObjectName("mainToolbar")
    toolbar.setMovable(False)
    toolbar.setIconSize(QtCore.QSize(16, 16))
    toolbar.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextOnly)
    toolbar.setStyleSheet(TOOLBAR_STYLE)
    toolbar.addAction(a.open_folder)
    toolbar.addSeparator()
    toolbar.addActions([a.window_tool, a.length_tool, a.bidirectional_tool])
    toolbar.addSeparator()
    toolbar.addActions([a.new_target, a.new_non_target, a.new_lesion])
    toolbar.addSeparator()
    toolbar.addActions([a.undo, a.redo])
    toolbar.addSeparator()
    toolbar.addAction(a.compare)
    prior = QtWidgets.QComboBox()
    prior.setObjectName("priorBox")
    prior.addItems(["Baseline", "Nadir"])
    prior.setToolTip("What the left side of the comparison shows")
    prior.currentIndexChanged.connect(lambda index: (a.prior_nadir if index else a.prior_baseline).trigger())

    def follow(index: int) -> Callable[[bool], None]:
        def checked(on: bool) -> None:
            if on:
                prior.setCurrentIndex(index)
        return checked

    a.prior_baseline.toggled.connect(follow(0))
    a.prior_nadir.toggled.connect(follow(1))
    toolbar.addWidget(prior)
    toolbar.addSeparator()
    toolbar.addActions([a.sign, a.reopen])
    spacer = QtWidgets.QWidget()
    spacer.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Preferred)
    toolbar.addWidget(spacer)
    toolbar.addAction(a.export)
    window.addToolBar(QtCore.Qt.ToolBarArea.TopToolBarArea, toolbar)
