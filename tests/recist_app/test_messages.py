"""Issue 12 "Messages": every message a reader can meet says what happened and what to do, in the reader's words.

The common errors a reader meets are triggered through the public API; each message must hold no
record identifier (32-hex or dashed UUID, DICOM UID), no ``Argument "x" must …`` phrasing, no
exception class name and no traceback, and must name what it is about (the folder, the visit, the
series, the lesion). The identifiers stay on the errors as attributes, for the log file and tests.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from datetime import date
from pathlib import Path

import pytest

from recist_app.imaging.errors import NotDicomError, UncalibratedImageError
from recist_app.imaging.scan import UnreadableFile, examine_series, scan
from recist_app.model.caliper import CaliperKind, CaliperRecord
from recist_app.model.records import LesionRole, ReaderRole, Status
from recist_app.read import ReadService
from recist_app.store.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    SignatureError,
    TimepointLockedError,
)
from recist_app.store.read_session import ReadSession
from recist_app.store.signoff import hash_password
from tests.recist_app.imaging.test_scan import write_ct
from tests.recist_app.store.scenario import FOR_UID, PASSWORDS, SERIES_UID, SOP_UID, SUBJECT, Trial, line, make_trial

#: What a reader must never read: a record identifier (UUID, DICOM UID), developer phrasing, code.
UUID = re.compile(r"[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-")
DICOM_UID = re.compile(r"\b\d+\.\d+\.\d+\.\d+")
CLASS_NAME = re.compile(r"\b[A-Z]\w*(?:Error|Exception|Warning)\b")
ROLE = ReaderRole.CENTRAL_READER_1


def reader_words(error: BaseException, *names: str) -> str:
    """The message of ``error`` after checking it speaks the reader's words and names every one of ``names``."""
    message = str(error)
    assert message and message[0].isupper(), message
    assert not UUID.search(message), message
    assert not DICOM_UID.search(message), message
    assert 'Argument "' not in message and "Traceback" not in message, message
    assert not CLASS_NAME.search(message) and type(error).__name__ not in message, message
    for name in names:
        assert name in message, (name, message)
    return message


# -- folders and series -----------------------------------------------------------------------------------

def test_a_missing_folder_says_it_does_not_exist(tmp_path: Path) -> None:
    gone = tmp_path / "CT_2024"
    with pytest.raises(NotDicomError) as info:
        scan(gone)
    assert reader_words(info.value, str(gone)) == (f"The folder {gone} does not exist (moved or deleted?). Choose "
                                                   "another folder.")
    assert "unreadable" not in str(info.value) and info.value.problem == "missing"
    assert info.value.paths == (gone,)


def test_an_empty_folder_says_it_is_empty(tmp_path: Path) -> None:
    with pytest.raises(NotDicomError) as info:
        scan(tmp_path)
    message = reader_words(info.value, str(tmp_path), "is empty", "Choose the folder that holds the DICOM images")
    assert info.value.problem == "empty" and "0 files" not in message


def test_a_folder_of_text_files_counts_them(tmp_path: Path) -> None:
    for name in ("notes.txt", "report.txt", "readme.md"):
        (tmp_path / name).write_text("not an image")
    with pytest.raises(NotDicomError) as info:
        scan(tmp_path)
    reader_words(info.value, str(tmp_path), "3 files, none of them DICOM images")
    assert info.value.problem == "not_dicom" and len(info.value.unreadable) == 3


def test_unreadable_files_keep_the_count_and_the_first_reason_without_code(tmp_path: Path) -> None:
    for name in ("IM0001", "IM0002"):
        (tmp_path / name).symlink_to(tmp_path / "elsewhere" / name)  # a broken link: the file cannot be opened
    with pytest.raises(NotDicomError) as info:
        scan(tmp_path)
    message = reader_words(info.value, str(tmp_path), "2 DICOM files that could not be read",
                           "(the first, IM0001: ", "No such file or directory")
    assert "[Errno" not in message and info.value.problem == "unreadable"
    first = info.value.unreadable[0]
    assert isinstance(first, UnreadableFile) and "FileNotFoundError" in first.reason  # details stay, for the log


def test_a_series_moved_after_import_is_named_as_the_reader_knows_it(tmp_path: Path) -> None:
    write_ct(tmp_path / "series3", [0.0, 2.0])
    (found,) = scan(tmp_path / "series3").series
    label = 'series 3 "5mm" of Week 8'
    assert examine_series(tmp_path / "series3", found.series_uid, label) == found
    with pytest.raises(NotDicomError) as info:
        examine_series(tmp_path / "series3", "1.2.826.0.1.3680043.8.498.1", label)  # another series is there now
    reader_words(info.value, 'Series 3 "5mm" of Week 8 is no longer in', str(tmp_path / "series3"),
                 "File > Open folder")
    assert info.value.problem == "series_missing"
    with pytest.raises(NotDicomError) as info:
        examine_series(tmp_path / "moved", found.series_uid, label)
    reader_words(info.value, 'Series 3 "5mm" of Week 8 cannot be opened', str(tmp_path / "moved"),
                 "does not exist any more")
    (tmp_path / "emptied").mkdir()
    with pytest.raises(NotDicomError) as info:
        examine_series(tmp_path / "emptied", found.series_uid)
    reader_words(info.value, "The series cannot be opened.", "is empty", "Import the images again")


# -- the trial database ------------------------------------------------------------------------------------

@pytest.fixture
def session(trial: Trial) -> ReadSession:
    return trial.session(ROLE)


@pytest.mark.parametrize("missing", [uuid.uuid4().hex, str(uuid.uuid4())], ids=["hex", "dashed"])
def test_a_time_point_not_found_by_its_uid_is_not_quoted(trial: Trial, session: ReadSession, missing: str) -> None:
    lesion = session.add_lesion("T01", LesionRole.TARGET, organ="LUNG")
    with pytest.raises(NotFoundError) as info:
        session.record_measurement(lesion.uid, missing, line(30.0))
    reader_words(info.value, "No such time point in this trial", "Open the subject again")
    assert (info.value.kind, info.value.key) == ("time point", missing)
    with pytest.raises(NotFoundError) as info:
        session.set_status(f"2.25.{uuid.uuid4().int}", trial.timepoints[0].uid, Status.PRESENT)  # a tracking UID
    reader_words(info.value, "No such lesion")
    with pytest.raises(NotFoundError) as info:
        trial.store.subject("S-404")  # a name the reader typed stays quoted
    reader_words(info.value, "No subject 'S-404'")


def test_a_conflict_says_nothing_was_saved(session: ReadSession) -> None:
    lesion = session.add_lesion("T01", LesionRole.TARGET, organ="LUNG")
    with pytest.raises(ConflictError) as info:
        session.delete_lesion(dataclasses.replace(lesion, version=7))
    reader_words(info.value, "this lesion was changed by someone else", "nothing was saved")
    assert info.value.uid == lesion.uid


def test_a_signed_time_point_is_named_by_its_visit(trial: Trial, session: ReadSession) -> None:
    baseline, week8 = trial.timepoints[0].uid, trial.timepoints[1].uid
    lesion = session.add_lesion("T01", LesionRole.TARGET, organ="LUNG")
    session.record_measurement(lesion.uid, baseline, line(40.0))
    session.sign(baseline, PASSWORDS[ROLE])
    with pytest.raises(TimepointLockedError) as info:
        session.record_caliper(lesion.uid, baseline, [line(41.0)])
    reader_words(info.value, "Baseline is signed and read-only", "reopen it with a reason")
    assert info.value.timepoint_uid == baseline and info.value.visit == "Baseline"
    with pytest.raises(TimepointLockedError) as info:
        session.sign(baseline, PASSWORDS[ROLE])
    reader_words(info.value, "Baseline is already signed")
    with pytest.raises(ValueError) as refused:
        session.reopen(week8, "typo")
    reader_words(refused.value, "Week 8 is not signed, so there is nothing to reopen.")


def test_a_blinded_reader_reads_the_blinded_visit(db_url: str) -> None:
    trial = make_trial(db_url, blind_visits=True)
    try:
        session = trial.session(ROLE)
        visits = {tp.uid: tp.visit for tp in session.snapshot().timepoints}
        lesion = session.add_lesion("N01", LesionRole.NEW, first_timepoint_uid=trial.timepoints[2].uid)
        with pytest.raises(ValueError) as info:
            session.set_status(lesion.uid, trial.timepoints[1].uid, Status.PRESENT)
        message = reader_words(info.value, f"N01 first appears at {visits[trial.timepoints[2].uid]}",
                               f"at {visits[trial.timepoints[1].uid]}")
        assert "Week" not in message
    finally:
        trial.store.close()


def test_a_wrong_password_and_a_role_that_may_not(trial: Trial, session: ReadSession) -> None:
    with pytest.raises(SignatureError) as info:
        session.sign(trial.timepoints[0].uid, "not-my-pin")
    reader_words(info.value, "wrong password or PIN", "Type it again")
    with pytest.raises(PermissionDeniedError) as denied:
        trial.store.adjudicator_session(trial.readers[ROLE].uid)
    reader_words(denied.value, "central reader 1 role may not adjudicate", "File > Log in as another reader")
    assert "central_reader_1" not in str(denied.value) and denied.value.role == "central_reader_1"
    with pytest.raises(PermissionDeniedError) as denied:
        trial.store.reader_session(trial.readers[ReaderRole.ADJUDICATOR].uid, SUBJECT,
                                   password=PASSWORDS[ReaderRole.ADJUDICATOR])
    reader_words(denied.value, "may not own a read")
    with pytest.raises(ValueError) as short:
        hash_password("123")
    reader_words(short.value, "A password or PIN needs at least 4 characters")


def test_refusals_of_the_read_name_lesions_series_and_visits(trial: Trial, session: ReadSession) -> None:
    baseline = trial.timepoints[0].uid
    t01 = session.add_lesion("T01", LesionRole.TARGET, organ="LUNG")
    session.assign_series(baseline, study_uid="1.2.3.4", series_uid="1.2.3.4.5", description="5mm",
                          series_number=3)
    other = dataclasses.replace(line(30.0), series_uid="1.2.3.4.6")
    with pytest.raises(ValueError) as info:
        session.record_measurement(t01.uid, baseline, other)
    reader_words(info.value, "not on a series of Baseline", 'series 3 "5mm"')
    assert info.value.value == "1.2.3.4.6"  # type: ignore[attr-defined]
    with pytest.raises(ValueError) as info:
        session.set_status(t01.uid, baseline, Status.PRESENT)
    reader_words(info.value, 'A target lesion cannot have the status "present"')
    with pytest.raises(ValueError) as info:
        session.flag_irradiated(t01)
    reader_words(info.value, "T01's SBRT course")


def test_status_bar_messages_use_words(trial: Trial, session: ReadSession) -> None:
    service = ReadService(session)
    lesion = service.add_lesion("TARGET")
    with pytest.raises(ValueError) as info:
        service.set_irradiation(lesion.uid, True, {"start": "10/01/2024"})
    reader_words(info.value, "The SBRT date '10/01/2024' is not a date: write it as YYYY-MM-DD.")
    service.set_irradiation(lesion.uid, True, {"start": "2024-01-10"})
    assert service.undo() == "flag_irradiated" and service.state.message == "Undone: irradiation"
    assert service.redo() == "flag_irradiated" and service.state.message == "Redone: irradiation"
    assert service.undo() and service.undo() == "add_lesion" and service.state.message == "Undone: add lesion"
    assert trial.timepoints[0].uid not in service.state.message


def test_a_caliper_on_a_bad_image_names_the_series(trial: Trial, session: ReadSession) -> None:
    baseline = trial.timepoints[0].uid
    session.assign_series(baseline, study_uid="1.2.3.4", series_uid=SERIES_UID, description="5mm", series_number=3,
                          frame_of_reference_uid=FOR_UID)
    service = ReadService(session)
    uncalibrated = CaliperRecord(CaliperKind.LENGTH, None, None, None, None, 0, SOP_UID, SERIES_UID, FOR_UID)
    with pytest.raises(UncalibratedImageError) as info:
        service.measure_new_lesion("TARGET", baseline, uncalibrated)
    reader_words(info.value, 'The caliper on series 3 "5mm" of Baseline was drawn on an image without Pixel Spacing')
    no_frame = CaliperRecord(CaliperKind.LENGTH, (0.0, 0.0, 0.0), (9.0, 0.0, 0.0), None, None, 0, SOP_UID, SERIES_UID,
                             None)
    with pytest.raises(ValueError) as refused:
        service.measure_new_lesion("TARGET", baseline, no_frame)
    reader_words(refused.value, 'The image of series 3 "5mm" of Baseline has no Frame of Reference UID')
    point = CaliperRecord(CaliperKind.LENGTH, (1.0, 2.0, 3.0), (1.0, 2.0, 3.0), None, None, 0, SOP_UID, SERIES_UID,
                          FOR_UID)
    with pytest.raises(ValueError) as refused:
        service.measure_new_lesion("TARGET", baseline, point)
    reader_words(refused.value, "The caliper has no length")
    assert service.snapshot.lesions == ()


def test_a_scan_older_than_the_baseline_of_a_subject_being_read(trial: Trial, session: ReadSession) -> None:
    session.add_lesion("T01", LesionRole.TARGET, organ="LUNG")  # the subject is being read
    with pytest.raises(ValueError) as info:
        trial.store.add_timepoint(SUBJECT, "Screening", date(2023, 12, 1))
    reader_words(info.value, "The scan of 2023-12-01 is older than S-001's baseline", "Check the study date")
    assert info.value.argument == "scan_date"  # type: ignore[attr-defined]
    assert len(trial.store.timepoints(SUBJECT)) == len(trial.timepoints)  # nothing added
