"""Issue 15: a patient imported from a PACS (a private Orthanc, tests/orthanc.py) is read in the workstation
straight from the server: the series is retrieved through the cache when its time point opens."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6 import QtWidgets
from pytestqt.qtbot import QtBot

from recist_app.cli import main
from recist_app.imaging.sources.query import SeriesHit
from recist_app.imaging.sources.retrieve import client_of
from recist_app.model.records import ReaderRole, SeriesLink
from recist_app.pacs.patient_import import plan_patient_import, scan_series, studies_not_in_trial
from recist_app.store import TrialStore
from recist_app.store.dicom_import import apply_import
from tests.orthanc import Orthanc
from tests.widgets.reading_support import check_shot, open_window
from widgets.app import open_as
from widgets.dialogs.open_folder import OpenFolderDialog

PATIENTS = ("Lung_Dx-A0001", "Lung_Dx-A0002")
LOAD_TIMEOUT_MS = 30_000


@pytest.mark.parametrize("protocol", ["dicomweb", "dimse"])
def test_a_patient_imported_from_the_pacs_is_read_from_it(app: QtWidgets.QApplication, qtbot: QtBot, orthanc: Orthanc,
                                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          protocol: str) -> None:
    """Only the opened subject's series are fetched (all its time points, in the background), not the trial's."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("RECIST_SERIES_CACHE", str(cache))
    db = tmp_path / "pacs.sqlite"
    with TrialStore.create(db, code="PACS") as store:
        store.add_reader("Dr Site", ReaderRole.SITE_RADIOLOGIST, "site password")
    for patient in PATIENTS:
        assert main(["import-dicom", orthanc.address(protocol), "--patient", patient, "--add-subjects",
                     "--site", "FR01", "--db", str(db)]) == 0
    shutil.rmtree(cache)  # as on a workstation that has opened nothing yet
    window = open_window(qtbot, db)
    try:
        assert open_as(window, "Dr Site", "site password")
        reading = window.reading
        for opened, patient in enumerate(PATIENTS, start=1):
            reading.open_subject(patient)
            links = [link for tp in reading.reader_timepoints() for link in tp.series]
            qtbot.waitUntil(lambda links=links: all(link.series_uid in reading.loader.options for link in links),
                            timeout=LOAD_TIMEOUT_MS)
            fetched = {link.series_uid for patient in PATIENTS[:opened] for link in series_of(db, patient)}
            assert len(list(cache.iterdir())) == len(fetched)  # this subject's and the ones opened before only
        tp = reading.reader_timepoints()[0]
        reading.show_timepoint(PATIENTS[-1], tp.uid)
        qtbot.waitUntil(lambda: reading.is_showing(tp.uid) and reading.slice_view.volume is not None,
                        timeout=LOAD_TIMEOUT_MS)
        volume = reading.slice_view.volume
        assert volume is not None and volume.shape == (30, 512, 512)
        check_shot(window, tmp_path / "read_from_pacs.png", window.size().toTuple())
    finally:
        window.quit_anyway()
        window.store.close()


def series_of(db: Path, patient: str) -> list[SeriesLink]:
    with TrialStore.open(db) as store:
        return [link for tp in store.timepoints(patient) for link in tp.series]


def test_opening_a_subject_says_which_of_its_studies_on_the_pacs_are_not_in_the_trial(
        app: QtWidgets.QApplication, qtbot: QtBot, orthanc: Orthanc, shared_dir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15, priors: the server holds a baseline (imported) and a follow-up (not imported) of the patient;
    opening the subject asks the server and names the follow-up's date. A study holding an imported series
    is never counted."""
    monkeypatch.setenv("RECIST_SERIES_CACHE", str(tmp_path / "cache"))
    patient = "PRIORS-1"
    scans = sorted((shared_dir / "data" / "ct" / "lung_pet_ct_dx" / PATIENTS[1]).rglob("*.dcm"))
    baseline = orthanc.upload_as_study(scans, patient, "20070425")
    follow_up = orthanc.upload_as_study(scans, patient, "20070620")
    assert [study.study_date for study in studies_not_in_trial(orthanc.dicomweb, patient, {baseline})] == ["20070620"]
    assert studies_not_in_trial(orthanc.dicomweb, patient, {baseline, follow_up}) == ()
    db = tmp_path / "priors.sqlite"
    with TrialStore.create(db, code="PRIORS") as store:
        store.add_reader("Dr Site", ReaderRole.SITE_RADIOLOGIST, "site password")
        plan = plan_patient_import(store, scan_series(orthanc.dicomweb, [store_hit(orthanc, baseline)]),
                                   orthanc.dicomweb, add_subjects_at="FR01")
        assert apply_import(store, plan, "test") == 1
    window = open_window(qtbot, db)
    said: list[str] = []  # every status message (later ones, as the series loads, replace it on screen)
    window.statusBar().messageChanged.connect(said.append)
    try:
        assert open_as(window, "Dr Site", "site password")
        window.reading.open_subject(patient)  # logging in opened it already: once is enough
        expected = (f"{orthanc.dicomweb} holds 1 more study of {patient} (2007-06-20) not in the trial: import "
                    "with File > Open folder or PACS.")
        qtbot.waitUntil(lambda: expected in said, timeout=LOAD_TIMEOUT_MS)
        assert sum("not in the trial" in text for text in said) == 1
    finally:
        window.quit_anyway()
        window.store.close()


def store_hit(orthanc: Orthanc, series_uid: str) -> SeriesHit:
    return client_of(orthanc.dicomweb).find_series(series_uid)


def test_an_import_puts_its_new_subjects_on_the_worklist(app: QtWidgets.QApplication, qtbot: QtBot, orthanc: Orthanc,
                                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A subject the Open dialog adds is on the reader's worklist at once, not after a restart."""
    monkeypatch.setenv("RECIST_SERIES_CACHE", str(tmp_path / "cache"))
    db = tmp_path / "worklist.sqlite"
    with TrialStore.create(db, code="PACS") as store:
        store.add_reader("Dr Site", ReaderRole.SITE_RADIOLOGIST, "site password")
    window = open_window(qtbot, db)
    try:
        assert open_as(window, "Dr Site", "site password")
        assert window.worklist.items == ()
        dialog = window.commands.open_folder()
        assert isinstance(dialog, OpenFolderDialog)
        dialog.path_edit.setText(orthanc.dicomweb)
        dialog.query_fields.patient_edit.setText(PATIENTS[1])
        dialog.add_subjects.setChecked(True)
        dialog.site_box.setEditText("FR01")
        dialog.start_scan(orthanc.dicomweb)
        qtbot.waitUntil(dialog.retrieve_button.isEnabled, timeout=LOAD_TIMEOUT_MS)
        dialog.retrieve_ticked()
        qtbot.waitUntil(dialog.import_button.isEnabled, timeout=LOAD_TIMEOUT_MS)
        dialog.import_series()
        assert [item.subject_id for item in window.worklist.items] == [PATIENTS[1]]
        dialog.close()
    finally:
        window.quit_anyway()
        window.store.close()
