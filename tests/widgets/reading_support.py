"""Helpers of the reading tests: a small demo trial per module, a shown main window, real clicks.

The demo trial (3 subjects, phantom CT series with ground truth, a pre-filled read by "Demo
Reader") is built once per test module with small images; each test works on its own copy of
the database, so tests never see each other's edits.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from PySide6 import QtCore, QtWidgets
from pytestqt.qtbot import QtBot

import resources
from recist_app.demo.images import DemoImages, load_demo_images
from recist_app.demo.phantom import LesionTruth
from recist_app.demo.store import DEMO_READERS, DemoReader, DemoTrial, build_demo_trial
from recist_app.model.records import Axis, ReaderRole
from recist_app.store import TrialStore
from tests.support import SHARED_DIR, require
from tests.widgets.events import rounded
from widgets.app import open_as
from widgets.main_window import MainWindow
from widgets.viewer.slice_view import SliceView

#: Small images keep the module set-up to a few seconds (3.125 mm pixels, 5 mm slices).
SIZE, SLICES = 128, 16
WINDOW_SIZE = (1600, 960)
LOAD_TIMEOUT_MS = 15_000


@dataclass(frozen=True)
class Demo:
    """The module's demo trial and its images (ground truth)."""

    trial: DemoTrial
    images: DemoImages

    def reader(self, name: str) -> DemoReader:
        """A demo reader by name ("Demo Reader", "Demo Central Reader 1" …)."""
        return next(r for r in self.trial.readers if r.name == name)

    def truth(self, subject_id: str, visit_id: str, lesion_id: str) -> LesionTruth:
        """Ground truth of a lesion in one series (visit ids V0, V1 …)."""
        series = self.images.series_of(subject_id, visit_id).truth
        return next(lesion for lesion in series.lesions if lesion.lesion_id == lesion_id)

    def copy_db(self, folder: Path) -> Path:
        """A private copy of the trial database (the images are shared, read-only)."""
        source = Path(self.trial.db)
        target = folder / "trial.sqlite"
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{source}{suffix}").exists():
                shutil.copy(f"{source}{suffix}", f"{target}{suffix}")
        return target


def build_demo(folder: Path) -> Demo:
    """The demo trial under ``folder`` with small images."""
    trial = build_demo_trial(folder / "demo.sqlite", folder / "images", size=SIZE, slices=SLICES)
    return Demo(trial, load_demo_images(trial.images))


def open_window(qtbot: QtBot, db: Path, size: tuple[int, int] = WINDOW_SIZE) -> MainWindow:
    """A shown main window on the trial in ``db`` (nobody logged in yet)."""
    store = TrialStore.open(db)
    window = MainWindow(store, db)
    qtbot.addWidget(window)
    window.destroyed.connect(store.close)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.fit_docks()
    return window


def log_in(window: MainWindow, reader: DemoReader) -> None:
    """Log in with the reader's password (the first subject opens at its last time point)."""
    assert open_as(window, reader.name, reader.password)


def click_timepoint(qtbot: QtBot, window: MainWindow, subject_id: str, visit: str) -> SliceView:
    """Click a time point in the trial browser and wait until its whole series is shown."""
    browser = window.reading.browser
    subject = browser.subject_item(subject_id)
    assert subject is not None
    if not subject.isExpanded() or subject.child(0).data(0, QtCore.Qt.ItemDataRole.UserRole) == "placeholder":
        click_item(qtbot, browser.tree, subject)
        qtbot.waitUntil(lambda: any(subject.child(i).text(0) == visit for i in range(subject.childCount())),
                        timeout=LOAD_TIMEOUT_MS)
    item = next(subject.child(i) for i in range(subject.childCount()) if subject.child(i).text(0) == visit)
    click_item(qtbot, browser.tree, item)
    tp_uid = item.data(0, QtCore.Qt.ItemDataRole.UserRole + 1)
    wait_loaded(qtbot, window, tp_uid)
    return window.reading.slice_view


def click_item(qtbot: QtBot, tree: QtWidgets.QTreeWidget, item: QtWidgets.QTreeWidgetItem) -> None:
    """A real left click in the middle of a tree row."""
    tree.scrollToItem(item)
    rect = tree.visualItemRect(item)
    qtbot.mouseClick(tree.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=rect.center())


def wait_loaded(qtbot: QtBot, window: MainWindow, tp_uid: str) -> None:
    """Wait until the time point's whole series is shown with the read's calipers."""
    reading = window.reading
    qtbot.waitUntil(lambda: reading.tp_uid == tp_uid and "current" in reading.volumes
                    and reading._shown.get(id(reading.slice_view)) == tp_uid and not reading.preview
                    and not reading._sync_scheduled, timeout=LOAD_TIMEOUT_MS)
    QtWidgets.QApplication.processEvents()


def to_screen(view: SliceView, point_mm: tuple[float, float, float]) -> QtCore.QPointF:
    """Viewport pixel (whole pixels, as a mouse gives) of a patient point on the shown volume."""
    assert view.volume is not None
    col, row, _ = view.volume.patient_to_index(point_mm)
    return rounded(view.index_to_viewport(col, row))


def stored_lines(db: str | Path, reader: str, subject_id: str, label: str, visit: str) -> dict[Axis, float]:
    """Lengths of a lesion's lines at a visit as a fresh connection reads them from the database."""
    with TrialStore.open(db) as store:
        password = {name: secret for name, _role, secret in DEMO_READERS}[reader]
        snapshot = store.reader_session(store.log_in(reader, password), subject_id).snapshot()
        lesion, tp = snapshot.lesion(label), snapshot.timepoint(visit)
        return {m.line.axis: m.line.length_mm for m in snapshot.measurements
                if m.lesion_uid == lesion.uid and m.timepoint_uid == tp.uid}


def check_shot(window: MainWindow, path: Path, size: tuple[int, int]) -> None:
    QtWidgets.QApplication.processEvents()
    pixmap = window.grab()
    assert pixmap.save(str(path), "PNG")
    ratio = window.devicePixelRatioF()
    shot, wanted = (pixmap.width(), pixmap.height()), (round(size[0] * ratio), round(size[1] * ratio))
    assert shot == wanted, f"the window is {shot} instead of {wanted}: it does not fit the screen"


def blinded_trial(demo: Demo, db: Path) -> Path:
    """A trial with blinded visits over the demo's STS-001 series, a site read and one central reader."""
    with TrialStore.create(db, code="BLIND", name="Blinded demo", blind_visits=True) as store:
        store.add_site("S1")
        store.add_subject("STS-001", "S1")
        site = store.add_reader("Site One", "site_radiologist", "site-1")
        store.add_reader("Central One", "central_reader_1", "central-1")
        for series in (s for s in demo.images.series if s.subject_id == "STS-001"):
            visit = next(v for v in demo.images.design.subjects[0].visits if v.visit_id == series.visit_id)
            tp = store.add_timepoint("STS-001", visit.visit, visit.date)
            truth = series.truth
            store.attach_series(tp.uid, study_uid=truth.study_instance_uid, series_uid=truth.series_instance_uid,
                                path=str(series.folder), modality="CT", description=f"demo CT {visit.visit}",
                                frame_of_reference_uid=truth.frame_of_reference_uid)
        session = store.reader_session(site.uid, "STS-001", password="site-1")
        session.add_lesion("T01", "TARGET")
    return db


#: The real studies of ``../shared`` a new user would import first (issue 12).
LUNG_DATA = SHARED_DIR / "data" / "ct" / "lung_pet_ct_dx"
COVID_DATA = SHARED_DIR / "data" / "ct" / "covid19_ny_sbu_A002304_two_timepoints"
#: Readers of :func:`build_real_trial`: name, role, password.
REAL_READERS = (("Ada Admin", ReaderRole.ADMIN, "admin-pass"),
                ("Cora Central", ReaderRole.CENTRAL_READER_1, "central-pass"),
                ("Sam Site", ReaderRole.SITE_RADIOLOGIST, "site-pass"))
WAITING_SUBJECT = "STS-WAITING"


def build_real_trial(folder: Path) -> Path:
    """A STEREOSARC trial in ``folder`` holding the real lung and COVID studies, imported as a new user
    would (``import-dicom --add-subjects --site TCIA``), and a subject registered before its images."""
    from recist_app.imaging.scan import scan
    from recist_app.store.dicom_import import apply_import, plan_import

    require(LUNG_DATA.is_dir() and COVID_DATA.is_dir(), "shared data is missing; clone ../shared beside the project")
    db = folder / "real.sqlite"
    profile = resources.read_text("profiles/stereosarc.toml")
    with TrialStore.create(db, code="STEREOSARC", profile_toml=profile) as store:
        for name, role, password in REAL_READERS:
            store.add_reader(name, role, password)
        store.add_site("FR01")
        store.add_subject(WAITING_SUBJECT, "FR01")
        plan = plan_import(store, scan([LUNG_DATA, COVID_DATA]), add_subjects_at="TCIA")
        assert apply_import(store, plan, "test") == 9
    return db
