"""Issue 15: a patient imported from a PACS (a private Orthanc, tests/orthanc.py) is read in the workstation
straight from the server: the series is retrieved through the cache when its time point opens."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6 import QtWidgets
from pytestqt.qtbot import QtBot

from recist_app.cli import main
from recist_app.model.records import ReaderRole
from recist_app.store import TrialStore
from tests.orthanc import Orthanc
from tests.widgets.reading_support import check_shot, open_window
from widgets.app import open_as

PATIENT = "Lung_Dx-A0002"
LOAD_TIMEOUT_MS = 30_000


def test_a_patient_imported_from_the_pacs_is_read_from_it(app: QtWidgets.QApplication, qtbot: QtBot, orthanc: Orthanc,
                                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECIST_SERIES_CACHE", str(tmp_path / "cache"))
    db = tmp_path / "pacs.sqlite"
    with TrialStore.create(db, code="PACS") as store:
        store.add_reader("Dr Site", ReaderRole.SITE_RADIOLOGIST, "site password")
    assert main(["import-dicom", orthanc.dicomweb, "--patient", PATIENT, "--add-subjects", "--site", "FR01",
                 "--db", str(db)]) == 0
    for folder in (tmp_path / "cache").iterdir():  # as on a workstation that has not opened it yet
        for file in folder.iterdir():
            file.unlink()
        folder.rmdir()
    window = open_window(qtbot, db)
    try:
        assert open_as(window, "Dr Site", "site password")
        reading = window.reading
        reading.open_subject(PATIENT)
        (tp,) = reading.reader_timepoints()
        qtbot.waitUntil(lambda: all(link.series_uid in reading.loader.options for link in tp.series),
                        timeout=LOAD_TIMEOUT_MS)
        reading.show_timepoint(PATIENT, tp.uid)
        qtbot.waitUntil(lambda: reading.is_showing(tp.uid) and reading.slice_view.volume is not None,
                        timeout=LOAD_TIMEOUT_MS)
        volume = reading.slice_view.volume
        assert volume is not None and volume.shape == (30, 512, 512)
        assert [path.name for path in (tmp_path / "cache").iterdir()]  # retrieved again, through the cache
        check_shot(window, tmp_path / "read_from_pacs.png", window.size().toTuple())
    finally:
        window.quit_anyway()
        window.store.close()
