"""Widget test set-up: the configured QApplication, a phantom series per module, a shown SliceView,
the demo trial per module with its store and a shown main window.

``QT_QPA_PLATFORM=offscreen`` comes from ``tests/conftest.py``.
"""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6 import QtCore, QtWidgets
from pytestqt.qtbot import QtBot

from recist_app.demo.phantom import GroundTruth, LesionTruth, PhantomSpec, write_series
from recist_app.imaging.load import load_series_from_folder
from recist_app.imaging.volume import CtVolume
from recist_app.store import TrialStore
from tests.widgets.reading_support import Demo, build_demo, open_window
from widgets.main_window import MainWindow
from widgets.viewer.overlay import OverlayInfo
from widgets.viewer.slice_view import SliceView

VIEW_SIZE = (800, 600)
INFO = OverlayInfo("PHANTOM-001", "20250101", "Synthetic chest CT")


@dataclasses.dataclass(frozen=True)
class Phantom:
    """A written phantom series, loaded, with its ground truth."""

    volume: CtVolume
    truth: GroundTruth

    def lesion(self, lesion_id: str) -> LesionTruth:
        """Ground truth of one lesion (``L1``, ``L2``, ``L3``, ``N1``)."""
        return next(item for item in self.truth.lesions if item.lesion_id == lesion_id)


def make_phantom(folder: Path, **kwargs: object) -> Phantom:
    """Write ``PhantomSpec.chest(slices=24, rows=256, columns=256, **kwargs)`` and load it back."""
    options: dict[str, object] = {"slices": 24, "rows": 256, "columns": 256, **kwargs}
    truth = write_series(PhantomSpec.chest(**options), folder)
    return Phantom(load_series_from_folder(folder), truth)


@pytest.fixture(autouse=True, scope="session")
def qt_settings_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The GUI's settings (``QSettings``: the PACS addresses used) go to a temporary folder, never the user's."""
    folder = tmp_path_factory.mktemp("qt-settings")
    for settings_format in (QtCore.QSettings.Format.NativeFormat, QtCore.QSettings.Format.IniFormat):
        QtCore.QSettings.setPath(settings_format, QtCore.QSettings.Scope.UserScope, str(folder))
    return folder


@pytest.fixture(autouse=True)
def collect_garbage_between_tests() -> Iterator[None]:
    """Python's cyclic garbage collector runs only between tests, after Qt has deleted what the test
    closed (as the app collects only from its event loop, ``widgets/app.py``): run in the middle of a
    Qt call, it can destroy a previous test's window there, whose destructor then waits for the
    signal mutex its own thread holds (seen once as a hang in CI). Automatic collection stays as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        QtWidgets.QApplication.processEvents()  # the deleteLater() of closed widgets
        gc.collect()
        if enabled:
            gc.enable()


@pytest.fixture(scope="session")
def app() -> QtWidgets.QApplication:
    """The application as ``widgets.app.create_app`` configures it (stylesheet, pyqtgraph options)."""
    from widgets.app import create_app

    return create_app()


@pytest.fixture(scope="module")
def phantom(tmp_path_factory: pytest.TempPathFactory) -> Phantom:
    """A 24 × 256² chest phantom (1.5625 mm pixels), written once per test module."""
    return make_phantom(tmp_path_factory.mktemp("phantom"))


def show_view(qtbot: object, volume: CtVolume, info: OverlayInfo = INFO) -> SliceView:
    """A shown, laid-out SliceView of ``VIEW_SIZE`` with ``volume``."""
    view = SliceView()
    qtbot.addWidget(view)
    view.resize(*VIEW_SIZE)
    view.show()
    qtbot.waitExposed(view)
    # on a real display (xvfb) the layout may settle after exposure: wait until the view box is laid out
    qtbot.waitUntil(lambda: view.view_box.width() > 0 and view.view_box.height() > 0)
    view.set_volume(volume, info)
    QtWidgets.QApplication.processEvents()
    view.setFocus()
    return view


@pytest.fixture
def view(app: QtWidgets.QApplication, qtbot: object, phantom: Phantom) -> Iterator[SliceView]:
    """A SliceView showing the module's phantom."""
    yield show_view(qtbot, phantom.volume)


# -- the demo trial (built once per module; each test works on its own copy of the database) ------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return build_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def store(demo: Demo, tmp_path: Path) -> Iterator[TrialStore]:
    """The demo trial's store, on a copy of its database."""
    with TrialStore.open(demo.copy_db(tmp_path)) as opened:
        yield opened


@pytest.fixture
def window(app: QtWidgets.QApplication, qtbot: QtBot, demo: Demo, tmp_path: Path) -> Iterator[MainWindow]:
    """A shown main window on a copy of the demo trial, nobody logged in; closed without asking afterwards."""
    win = open_window(qtbot, demo.copy_db(tmp_path))
    yield win
    win.quit_anyway()
    assert win.store is not None
    win.store.close()
