"""Workers report a series that cannot be loaded in the reader's words (issue 12, "Messages").

A series moved or deleted after import fails its load with a :class:`NotDicomError` that names the
series as the reader knows it (number, description, visit) and its folder, never its UID.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pydicom
import pytest
from PySide6 import QtWidgets
from pytestqt.qtbot import QtBot

from recist_app.imaging.errors import DicomError, NotDicomError
from recist_app.imaging.load import load_series_from_folder
from recist_app.imaging.sources.retrieve import is_cached
from recist_app.imaging.volume import CtVolume
from recist_app.model.records import SeriesLink, Timepoint
from tests.orthanc import Orthanc
from widgets.reading.image_loader import ImageLoader
from widgets.workers import TaskRunner, examine_series

SERIES_UID = "1.2.826.0.1.3680043.8.498.77"


def test_examine_series_names_the_series_and_the_folder(tmp_path: Path) -> None:
    try:
        examine_series(str(tmp_path / "gone"), SERIES_UID, 'series 3 "5mm" of Week 8')
    except NotDicomError as error:
        message = str(error)
    assert message.startswith('Series 3 "5mm" of Week 8 cannot be opened: its folder ')
    assert str(tmp_path / "gone") in message and SERIES_UID not in message and "File > Open folder" in message


def test_a_moved_series_fails_its_load_with_the_visit_and_series(app: QtWidgets.QApplication, qtbot: QtBot,
                                                                 tmp_path: Path) -> None:
    link = SeriesLink(uid="link", timepoint_uid="tp", study_uid="1.2.3", series_uid=SERIES_UID,
                      path=str(tmp_path / "moved"), modality="CT", description="5mm", series_number=3)
    tp = Timepoint(uid="tp", subject_uid="s", visit="Week 8", scan_date=date(2024, 3, 1), series=(link,))
    runner = TaskRunner()
    loader = ImageLoader(runner)
    with qtbot.waitSignal(loader.failed, timeout=15_000) as failed:
        loader.load("current", tp, link, "Loading Week 8")
    channel, tp_uid, error = failed.args
    assert (channel, tp_uid, type(error)) == ("current", "tp", NotDicomError)
    assert str(error).startswith('Series 3 "5mm" of Week 8 cannot be opened: its folder ')
    assert SERIES_UID not in str(error) and error.problem == "missing"
    runner.wait()


def test_a_corrupt_image_on_a_pacs_fails_its_load_naming_it_on_the_server(app: QtWidgets.QApplication, qtbot: QtBot,
                                                                          orthanc: Orthanc, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15: the reader is told which image of the PACS is corrupt (not a cache file), and the cached copy
    is dropped so that the next open fetches the series again."""
    monkeypatch.setenv("RECIST_SERIES_CACHE", str(tmp_path / "cache"))
    series_uid, broken = orthanc.upload_corrupt_series(tmp_path / "corrupt", "CORRUPT-GUI")
    header = pydicom.dcmread(broken, stop_before_pixels=True)
    link = SeriesLink(uid="link", timepoint_uid="tp", study_uid=str(header.StudyInstanceUID), series_uid=series_uid,
                      path=orthanc.dicomweb, modality="CT", description="phantom", series_number=1)
    tp = Timepoint(uid="tp", subject_uid="s", visit="Baseline", scan_date=date(2024, 9, 2), series=(link,))
    runner = TaskRunner()
    loader = ImageLoader(runner)
    with qtbot.waitSignal(loader.failed, timeout=30_000) as failed:
        loader.load("current", tp, link, "Loading Baseline")
    error = failed.args[2]
    assert isinstance(error, DicomError) and str(error).startswith(
        f"Image {header.InstanceNumber} (SOP Instance UID {header.SOPInstanceUID}) of series {series_uid} on "
        f"{orthanc.dicomweb}: the JPEG codestream")
    assert not is_cached(orthanc.dicomweb, series_uid)
    runner.wait()


def test_the_image_the_view_opens_on_comes_first_from_a_pacs(app: QtWidgets.QApplication, qtbot: QtBot,
                                                             orthanc: Orthanc, shared_dir: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15: the preview of a series on a PACS is the image asked for (a caliper's), fetched alone."""
    monkeypatch.setenv("RECIST_SERIES_CACHE", str(tmp_path / "cache"))
    whole = load_series_from_folder(shared_dir / "data" / "ct" / "lung_pet_ct_dx" / "Lung_Dx-A0002")
    link = SeriesLink(uid="link", timepoint_uid="tp", study_uid=str(whole.study_uid), series_uid=whole.series_uid,
                      path=orthanc.dicomweb, modality="CT", description="lung", series_number=3)
    tp = Timepoint(uid="tp", subject_uid="s", visit="Baseline", scan_date=date(2007, 4, 25), series=(link,))
    runner = TaskRunner()
    loader = ImageLoader(runner)
    shown: list[tuple[CtVolume, bool]] = []
    loader.loaded.connect(lambda _channel, _tp, volume, preview: shown.append((volume, preview)))
    with qtbot.waitSignal(loader.loaded, check_params_cb=lambda *args: not args[3], timeout=30_000):
        loader.load("current", tp, link, "Loading Baseline", first_image=whole.sop_uids[5])
    first, preview = shown[0]
    assert preview and first.sop_uids == (whole.sop_uids[5],) and np.array_equal(first.hu[0], whole.hu[5])
    assert np.array_equal(shown[-1][0].hu, whole.hu)
    runner.wait()
