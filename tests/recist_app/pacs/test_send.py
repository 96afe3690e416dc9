"""Issue 15: the SR of every signed time point goes back to the PACS, into its source study, with the source
identity, once; nothing for an unsigned time point (a private Orthanc: tests/orthanc.py)."""

from __future__ import annotations

from pathlib import Path

import pydicom
import pytest

from recist_app.cli import main
from recist_app.imaging.catalog import catalog_links
from recist_app.imaging.load import load_series_from_folder
from recist_app.imaging.sources.query import StudyQuery
from recist_app.imaging.sources.retrieve import client_of
from recist_app.model.records import LesionRole, LineMeasurement, ReaderRole
from recist_app.sr.reader import read_sr
from recist_app.store import TrialStore
from tests.orthanc import Orthanc

PATIENT = "Lung_Dx-A0001"  # not the patient of the query tests: its study gains an SR here
PASSWORD = "site password"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    assert captured.err == ""
    return status, captured.out


@pytest.mark.parametrize("protocol", ["dicomweb", "dimse"])
def test_signed_reports_go_back_to_the_source_study_once(orthanc: Orthanc, protocol: str, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECIST_SERIES_CACHE", str(tmp_path / "cache"))
    server, db = orthanc.address(protocol), str(tmp_path / "trial.sqlite")
    with TrialStore.create(db, code="PACS") as store:
        store.add_reader("Dr Site", ReaderRole.SITE_RADIOLOGIST, PASSWORD)
    assert main(["import-dicom", server, "--patient", PATIENT, "--add-subjects", "--site", "FR01", "--db", db]) == 0
    with TrialStore.open(db) as store:
        (timepoint,) = store.timepoints(PATIENT)
        link = timepoint.series[0]
        session = store.reader_session(store.log_in("Dr Site", PASSWORD), PATIENT)
        lesion = session.add_lesion("T01", LesionRole.TARGET, organ="LUNG")
        volume = load_series_from_folder(Path(catalog_links([link])[0].path), link.series_uid)
        ends = [tuple(volume.index_to_patient(col, 250.0, 15)) for col in (200.0, 260.0)]
        session.record_measurement(lesion.uid, timepoint.uid, LineMeasurement.from_points(
            *ends, sop_uid=volume.sop_uids[15], series_uid=link.series_uid,
            frame_of_reference_uid=volume.frame_of_reference_uid))
        assert run(capsys, "pacs", "send", server, "--db", db)[1].endswith(
            "0 report(s) sent, 0 already on the server, 0 not sent.\n")  # unsigned: nothing
        session.sign(timepoint.uid, PASSWORD)
    before = {hit.series_uid for study in client_of(server).studies(StudyQuery(PATIENT)) for hit in study.series}
    status, out = run(capsys, "pacs", "send", server, "--db", db, "--subject", PATIENT)
    assert status == 0 and out == (f"{PATIENT}  BASELINE  Dr Site  → sent\n"
                                   "1 report(s) sent, 0 already on the server, 0 not sent.\n")
    status, out = run(capsys, "pacs", "send", server, "--db", db)
    assert status == 0 and out.endswith("0 report(s) sent, 1 already on the server, 0 not sent.\n")  # never twice

    client = client_of(orthanc.dicomweb)  # what the server holds now, over either protocol
    (study,) = client.studies(StudyQuery(PATIENT))
    reports = [hit for hit in study.series if hit.modality == "SR" and hit.series_uid not in before]
    assert study.study_uid == link.study_uid and len(reports) == 1 and reports[0].instances == 1
    folder = tmp_path / "sr"
    folder.mkdir()
    assert client.retrieve_series(study.study_uid, reports[0].series_uid, folder) == 1
    (path,) = folder.iterdir()
    sr, source = pydicom.dcmread(path), pydicom.dcmread(next(Path(catalog_links([link])[0].path).iterdir()))
    assert source.PatientSex  # which the statistics team's (pseudonymised) SR would not carry
    assert (sr.PatientID, sr.PatientSex, str(sr.PatientName)) == (source.PatientID, source.PatientSex,
                                                                  str(source.PatientName))
    assert read_sr(path).findings[0].measurements[0].value_mm == pytest.approx(60 * volume.spacing_mm[2])
