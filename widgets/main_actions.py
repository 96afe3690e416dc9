"""The main window's actions, menus and tool bar (VIEWER.md "Keys": d length, o bidirectional, Ctrl+Z / Ctrl+Y;
s the measuring tool's stroke).

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
    trial_setup: QtGui.QAction
    export: QtGui.QAction
    login: QtGui.QAction
    quit: QtGui.QAction
    undo: QtGui.QAction
    redo: QtGui.QAction
    window_tool: QtGui.QAction
    length_tool: QtGui.QAction
    bidirectional_tool: QtGui.QAction
    stroke_tool: QtGui.QAction
    ellipse_tool: QtGui.QAction
    cine: QtGui.QAction
    new_target: QtGui.QAction
    new_non_target: QtGui.QAction
    new_lesion: QtGui.QAction
    sign: QtGui.QAction
    reopen: QtGui.QAction
    compare: QtGui.QAction
    compare_three: QtGui.QAction
    prior_here: QtGui.QAction
    mpr: QtGui.QAction
    focus_images: QtGui.QAction
    about: QtGui.QAction
    prior_box: QtWidgets.QComboBox

    def update(self, *, has_trial: bool, has_read: bool, has_image: bool, locked: bool, signed: bool,
               can_undo: bool, can_redo: bool, tool: str, compare: bool, compare_panes: int, mpr: bool,
               cine: bool) -> None:
        """Enable and check the actions for the window's state."""
        editable = has_read and not locked
        self.open_folder.setEnabled(has_trial)
        self.export.setEnabled(has_trial)
        self.login.setEnabled(has_trial)
        self.undo.setEnabled(has_read and can_undo)
        self.redo.setEnabled(has_read and can_redo)
        for action in (self.length_tool, self.bidirectional_tool, self.stroke_tool):
            action.setEnabled(editable and has_image)
        self.window_tool.setEnabled(has_image)
        self.ellipse_tool.setEnabled(has_image)
        self.ellipse_tool.setChecked(tool == "ellipse")
        self.cine.setEnabled(has_image)
        self.cine.setChecked(cine)
        self.length_tool.setChecked(tool == "length")
        self.bidirectional_tool.setChecked(tool == "bidirectional")
        self.stroke_tool.setChecked(tool == "stroke")
        self.window_tool.setChecked(tool == "window")
        for action in (self.new_target, self.new_non_target, self.new_lesion):
            action.setEnabled(editable)
        self.sign.setEnabled(has_read and not signed)
        self.reopen.setEnabled(has_read and signed)
        self.compare.setEnabled(has_image)
        self.compare.setChecked(compare)
        self.prior_box.setEnabled(has_image)
        self.compare_three.setEnabled(has_image)
        self.compare_three.setChecked(compare_panes == 3)
        self.prior_here.setEnabled(has_image)
        self.mpr.setEnabled(has_image)
        self.mpr.setChecked(mpr)


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
        open_folder=make("open_folder", "&Open folder or PACS…", Key.StandardKey.Open, "Scan a DICOM folder or "
                         "DICOMDIR, or query a PACS, and import the series"),
        trial_setup=make("trial_setup", "Trial &set-up…", None, "Sites, readers and subjects of the trial "
                         "(administrator)"),
        export=make("export", "&Export…", "Ctrl+E", "Export the trial (SDTM, timeline, SR …)"),
        login=make("login", "&Log in as another reader…", "Ctrl+L", short="Switch reader…"),
        quit=make("quit", "&Quit", Key.StandardKey.Quit),
        undo=make("undo", "&Undo", "Ctrl+Z", "Undo the last change of the read"),
        redo=make("redo", "&Redo", "Ctrl+Y", "Redo the last undone change"),
        window_tool=make("window_tool", "W/L", "W", "Window / level with the left mouse button", True),
        length_tool=make("length_tool", "&Length", "D", "Length caliper (long axis)", True),
        bidirectional_tool=make("bidirectional_tool", "&Bidirectional", "O",
                                "Bidirectional caliper (long and short axis; lymph nodes)", True),
        stroke_tool=make("stroke_tool", "&Stroke measure", "S", "Stroke across a lesion, or click inside it: its "
                         "contour and RECIST axes are proposed (Enter accepts, Esc rejects, drag an end to adjust; "
                         "L: the image where it is longest; M: re-measure from the prior's caliper)", True,
                         short="Stroke"),
        ellipse_tool=make("ellipse_tool", "&Ellipse ROI", "E", "Elliptical region: mean, SD, min and max HU and "
                          "area (not stored in the read)", True),
        cine=make("cine", "C&ine", None, "Play through the images (c over the image; [ and ] slower and faster)",
                  True),
        new_target=make("new_target", "New &target", None, "Add a target lesion at baseline", short="+ Target"),
        new_non_target=make("new_non_target", "New &non-target", None, "Add a non-target lesion at baseline",
                            short="+ Non-target"),
        new_lesion=make("new_lesion", "New &lesion", None, "Add a new lesion at this follow-up", short="+ New lesion"),
        sign=make("sign", "&Sign time point…", "Ctrl+Shift+S", "Sign this time point (electronic signature)",
                  short="Sign…"),
        reopen=make("reopen", "&Reopen time point…", None, "Reopen this signed time point, with a reason",
                    short="Reopen…"),
        compare=make("compare", "&Compare", "Ctrl+T", "The prior (previous time point, nadir, baseline or any) "
                     "beside the current time point; double-click a side to maximise it", True),
        compare_three=make("compare_three", "Compare 1×&3", None, "Baseline | prior | current (when the prior "
                           "is not baseline)", True, short="1×3"),
        prior_here=make("prior_here", "&Prior at this position", "Ctrl+Shift+P", "The prior scan at the same "
                        "anatomical position as the pointer (or the image's middle), through the registration: was a "
                        "suspected new lesion already there?"),
        mpr=make("mpr", "&MPR", "Ctrl+M", "Axial, coronal and sagittal views of the series, linked by a crosshair "
                 "(measure on the axial view)", True),
        focus_images=make("focus_images", "&Images only", "F11", "Hide or show the side panels", True),
        about=make("about", "&About"),
        prior_box=_prior_box(),
    )
    actions.redo.setShortcuts([Key("Ctrl+Y"), Key("Ctrl+Shift+Z")])
    _menus(window, actions)
    _toolbar(window, actions)
    return actions


def _menus(window: QtWidgets.QMainWindow, a: MainActions) -> None:
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([a.open_folder, a.trial_setup, a.export])
    file_menu.addSeparator()
    file_menu.addAction(a.login)
    file_menu.addSeparator()
    file_menu.addAction(a.quit)
    edit = bar.addMenu("&Edit")
    edit.addActions([a.undo, a.redo])
    read = bar.addMenu("&Read")
    read.addActions([a.new_target, a.new_non_target, a.new_lesion, a.prior_here])
    read.addSeparator()
    read.addActions([a.sign, a.reopen])
    view = bar.addMenu("&View")
    view.setObjectName("viewMenu")
    view.addActions([a.window_tool, a.length_tool, a.bidirectional_tool, a.stroke_tool, a.ellipse_tool, a.cine])
    view.addSeparator()
    view.addActions([a.compare, a.compare_three, a.mpr, a.focus_images])
    view.addSeparator()
    help_menu = bar.addMenu("&Help")
    help_menu.addAction(a.about)


#: The prior choices every time point has (``ReadingActions`` adds the subject's visits after them).
PRIOR_CHOICES = (("Prior: previous", "previous"), ("Prior: nadir", "nadir"), ("Prior: baseline", "baseline"))


def _prior_box() -> QtWidgets.QComboBox:
    box = QtWidgets.QComboBox()
    box.setObjectName("priorBox")
    box.setToolTip("What the left side of the comparison shows: the previous time point, the nadir (smallest "
                   "sum so far), baseline, or any time point")
    box.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(14)
    for text, key in PRIOR_CHOICES:
        box.addItem(text, key)
    return box


def _toolbar(window: QtWidgets.QMainWindow, a: MainActions) -> None:
    toolbar = QtWidgets.QToolBar("Tools", window)
    toolbar.setObjectName("mainToolbar")
    toolbar.setMovable(False)
    toolbar.setIconSize(QtCore.QSize(16, 16))
    toolbar.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextOnly)
    toolbar.setStyleSheet(TOOLBAR_STYLE)
    toolbar.addAction(a.open_folder)
    toolbar.addSeparator()
    toolbar.addActions([a.window_tool, a.length_tool, a.bidirectional_tool, a.stroke_tool, a.ellipse_tool])
    toolbar.addSeparator()
    toolbar.addActions([a.new_target, a.new_non_target, a.new_lesion])
    toolbar.addSeparator()
    toolbar.addActions([a.undo, a.redo])
    toolbar.addSeparator()
    toolbar.addAction(a.compare)
    toolbar.addWidget(a.prior_box)
    toolbar.addAction(a.compare_three)
    toolbar.addAction(a.mpr)
    toolbar.addSeparator()
    toolbar.addActions([a.sign, a.reopen])
    spacer = QtWidgets.QWidget()
    spacer.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Preferred)
    toolbar.addWidget(spacer)
    toolbar.addAction(a.export)
    window.addToolBar(QtCore.Qt.ToolBarArea.TopToolBarArea, toolbar)
