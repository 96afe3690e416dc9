"""Impossible input raises a typed error naming the argument (ARCHITECTURE C7, C8), on both engines."""

from __future__ import annotations

import dataclasses
import math
from datetime import date
from pathlib import Path

import pytest

from recist_app.evaluation.engine import evaluate
from recist_app.model.errors import InvalidRecordError
from recist_app.model.records import (
    Axis,
    LesionRole,
    LineMeasurement,
    ReaderRole,
    Status,
)
from recist_app.store import TrialStore
from recist_app.store.errors import ConflictError, DuplicateError, NotFoundError
from tests.recist_app.store.scenario import (
    FOR_UID,
    SERIES_UID,
    SOP_UID,
    SUBJECT,
    Trial,
    line,
)


def test_line_measurements_reject_impossible_geometry() -> None:
    uids = {"sop_uid": SOP_UID, "series_uid": SERIES_UID, "frame_of_reference_uid": FOR_UID}
    with pytest.raises(InvalidRecordError, match='"p2_mm" must be a point other than p1_mm'):
        LineMeasurement.from_points((1, 2, 3), (1, 2, 3), **uids)
    with pytest.raises(InvalidRecordError, match='"p1_mm" must be three finite coordinates'):
        LineMeasurement.from_points((math.nan, 0, 0), (1, 0, 0), **uids)
    with pytest.raises(InvalidRecordError, match='"point" must be three coordinates'):
        LineMeasurement.from_points((0, 0), (1, 0, 0), **uids)
    with pytest.raises(InvalidRecordError, match='"frame_of_reference_uid" must be a non-empty DICOM UID'):
        LineMeasurement.from_points((0, 0, 0), (1, 0, 0), sop_uid="1", series_uid="2", frame_of_reference_uid="")
    assert LineMeasurement.from_points((0, 0, 0), (3, 4, 0), **uids).length_mm == 5.0


def test_lesion_commands_reject_impossible_input(trial: Trial) -> None:
    session = trial.session()
    week8 = trial.timepoints[1].uid
    t01 = session.add_lesion("T01", LesionRole.TARGET, organ="LUNG")
    cases = [
        (lambda: session.add_lesion(" ", LesionRole.TARGET), InvalidRecordError,
         r"A lesion label has 1 to 32 characters \(e.g. T01\); type one\."),
        (lambda: session.add_lesion("T01", LesionRole.TARGET), DuplicateError, "lesion label 'T01' already exists"),
        (lambda: session.add_lesion("T02", "TUMOUR"), InvalidRecordError, '"role" must be one of'),
        (lambda: session.add_lesion("N01", LesionRole.NEW), InvalidRecordError,
         "A new lesion appears after baseline: add it at a follow-up time point, not at Baseline."),
        (lambda: session.add_lesion("T02", LesionRole.TARGET, first_timepoint_uid=week8), InvalidRecordError,
         r"A target lesion is chosen at baseline \(RECIST 1.1 §4.1\): add it at Baseline, not at Week 8"),
        (lambda: session.add_lesion("T02", LesionRole.TARGET, first_timepoint_uid="nope"), NotFoundError,
         "No time point 'nope'"),
        (lambda: session.edit_lesion(t01, colour="red"), InvalidRecordError, '"changes" must be names among'),
        (lambda: session.flag_irradiated(t01), InvalidRecordError,
         "Give the first day of T01's SBRT course: an irradiated lesion needs it."),
        (lambda: session.flag_irradiated(t01, sbrt_start=date(2024, 2, 1), sbrt_end=date(2024, 1, 1)),
         InvalidRecordError, r"T01's SBRT course ends \(2024-01-01\) before it starts \(2024-02-01\)"),
        (lambda: session.flag_irradiated(t01, sbrt_start=date(2024, 2, 1), dose_gy=0.0), InvalidRecordError,
         r"Give T01's SBRT dose in Gy, more than 0 \(not 0.0\)"),
        (lambda: session.flag_irradiated(t01, sbrt_start=date(2024, 2, 1), fractions=0), InvalidRecordError,
         r"Give T01's number of SBRT fractions as a whole number, 1 or more \(not 0\)"),
    ]
    for call, error, message in cases:
        with pytest.raises(error, match=message):
            call()
    n01 = session.add_lesion("N01", LesionRole.NEW, first_timepoint_uid=trial.timepoints[2].uid)
    with pytest.raises(InvalidRecordError, match=r"N01 first appears at Week 16, so nothing can be recorded for it at "
                                                 r"Week 8\. Choose Week 16 or a later time point\.") as info:
        session.set_status(n01.uid, week8, Status.PRESENT)
    assert (info.value.argument, info.value.value) == ("timepoint_uid", week8)
    t02 = session.add_lesion("T02", LesionRole.TARGET)
    session.set_status(t02.uid, week8, Status.MERGED, merged_into_uid=t01.uid)
    with pytest.raises(InvalidRecordError, match=r"T01 cannot be deleted: T02 was merged into it\. Change the status "
                                                 r"of T02 first\."):
        session.delete_lesion(session.snapshot().lesion("T01"))
    with pytest.raises(ConflictError, match="you saw version 7, it is now at version 1"):
        session.delete_lesion(dataclasses.replace(t01, version=7))
    assert [lesion.label for lesion in session.snapshot().lesions] == ["N01", "T01", "T02"]


def test_measurement_and_status_commands_reject_impossible_input(trial: Trial) -> None:
    session = trial.session()
    baseline = trial.timepoints[0].uid
    t01 = session.add_lesion("T01", LesionRole.TARGET)
    nt01 = session.add_lesion("NT01", LesionRole.NON_TARGET)
    measurement = session.record_measurement(t01.uid, baseline, line(30.0))
    cases = [
        (lambda: session.record_measurement(t01.uid, baseline, line(31.0)), DuplicateError,
         "T01 already has a long axis at Baseline; edit that line instead of adding another."),
        (lambda: session.record_measurement(t01.uid, baseline, line(31.0), fragment=-1), InvalidRecordError,
         '"fragment" must be 0, or the number'),
        (lambda: session.edit_measurement(measurement, line(31.0, Axis.SHORT)), InvalidRecordError,
         '"line.axis" must be the measurement\'s axis'),
        (lambda: session.set_status(t01.uid, baseline, Status.PRESENT), InvalidRecordError,
         'A target lesion cannot have the status "present"; choose one of: .*disappeared'),
        (lambda: session.set_status(nt01.uid, baseline, Status.TOO_SMALL), InvalidRecordError,
         'A non-target lesion cannot have the status "too small to measure"'),
        (lambda: session.set_status(nt01.uid, baseline, "MAYBE"), InvalidRecordError,
         "There is no lesion status 'MAYBE'; choose one of"),
        (lambda: session.set_status(t01.uid, baseline, Status.MERGED), InvalidRecordError,
         "Say which lesion T01 merged into: a merged lesion needs it."),
        (lambda: session.set_status(t01.uid, baseline, Status.MERGED, merged_into_uid=t01.uid), InvalidRecordError,
         "T01 cannot merge into itself; choose another lesion of this read."),
        (lambda: session.set_status(t01.uid, baseline, None, radiation_induced=True), InvalidRecordError,
         r"T01 is not marked irradiated on study, so its change cannot be radiation-induced. Mark it irradiated"),
    ]
    for call, error, message in cases:
        with pytest.raises(error, match=message):
            call()
    state = session.set_status(nt01.uid, baseline, Status.PRESENT)
    with pytest.raises(ConflictError, match="you saw no such record"):
        session.set_status(nt01.uid, baseline, Status.ABSENT)  # without saying which state it replaces
    assert session.set_status(nt01.uid, baseline, Status.ABSENT, replacing=state).status is Status.ABSENT
    with pytest.raises(ConflictError):
        session.set_status(nt01.uid, baseline, Status.PRESENT, replacing=state)  # stale

    link = session.assign_series(baseline, study_uid="1.2", series_uid=SERIES_UID, frame_of_reference_uid="9.9")
    assert link.series_uid == SERIES_UID
    with pytest.raises(DuplicateError, match=r"Series \(no modality\) is already linked to Baseline; nothing was "
                                             "changed.") as duplicate:
        session.assign_series(baseline, study_uid="1.2", series_uid=SERIES_UID)
    assert (duplicate.value.kind, duplicate.value.key) == ("series link", SERIES_UID)
    with pytest.raises(InvalidRecordError, match='"series_uid" must be a non-empty DICOM UID'):
        session.assign_series(baseline, study_uid="1.2", series_uid="")
    with pytest.raises(InvalidRecordError, match=r"The caliper's image does not belong to series \(no modality\) of "
                                                 r"Baseline \(another frame of reference\)") as info:
        session.edit_measurement(measurement, line(31.0))
    assert info.value.argument == "frame_of_reference_uid"
    other = LineMeasurement.from_points((0, 0, 0), (9, 0, 0), sop_uid="1", series_uid="7.7",
                                        frame_of_reference_uid="9.9")
    with pytest.raises(InvalidRecordError, match=r"The caliper was drawn on a series not imported for this subject, "
                                                 r"not on a series of Baseline: draw it again on one of them "
                                                 r"\(series \(no modality\)\)\.") as info:
        session.edit_measurement(measurement, other)
    assert (info.value.argument, info.value.value) == ("series_uid", "7.7")


def test_administration_rejects_impossible_input(trial: Trial, tmp_path: Path) -> None:
    store = trial.store
    cases = [
        (lambda: store.add_site("FR01"), DuplicateError, "site 'FR01' already exists"),
        (lambda: store.add_site(""), InvalidRecordError, '"code" must be a non-empty text'),
        (lambda: store.add_subject(SUBJECT, "FR01"), DuplicateError, "subject 'S-001'"),
        (lambda: store.add_subject("S-2", "XX"), NotFoundError, "No site 'XX'"),
        (lambda: store.add_subject("S-2", "FR01", prev_pfs_days=0), InvalidRecordError, '"prev_pfs_days"'),
        (lambda: store.add_timepoint(SUBJECT, "again", trial.timepoints[0].scan_date), DuplicateError,
         "time point 'S-001 on 2024-01-05'"),
        (lambda: store.add_timepoint(SUBJECT, "x", "2024-01-01"), InvalidRecordError, '"scan_date" must be a date'),
        (lambda: store.attach_series("nope", study_uid="1", series_uid="2"), InvalidRecordError,
         '"timepoint_uid" must be a time point'),
        (lambda: store.add_reader("Dr X", "radiologist", "pin-0000"), InvalidRecordError, '"role" must be one of'),
        (lambda: store.add_reader("Reader admin", ReaderRole.ADMIN, "pin-0000"), DuplicateError, "reader"),
        (lambda: store.reader_session("nobody", SUBJECT, password="pin-nobody"), NotFoundError, "No reader 'nobody'"),
        (lambda: store.subject("S-404"), NotFoundError, "No subject 'S-404'"),
        (lambda: TrialStore.create(tmp_path / "x.sqlite", code=" "), InvalidRecordError, '"code"'),
        (lambda: TrialStore.create(tmp_path / "x.sqlite", code="X", adjudicate_on=("orr",)),
         InvalidRecordError, '"adjudicate_on"'),
    ]
    for call, error, message in cases:
        with pytest.raises(error, match=message):
            call()
    trial.session()  # a read exists now: baseline cannot move earlier
    with pytest.raises(InvalidRecordError, match="already being read: it cannot become a new baseline"):
        store.add_timepoint(SUBJECT, "earlier", date(2023, 12, 1))
    with pytest.raises(InvalidRecordError, match="Say what your signature means"):
        trial.session().sign(trial.timepoints[0].uid, "pin-central_reader_1", meaning=" ")
    snapshot = trial.session().snapshot()
    hidden = dataclasses.replace(snapshot, timepoints=tuple(dataclasses.replace(tp, scan_date=None)
                                                            for tp in snapshot.timepoints))
    with pytest.raises(InvalidRecordError, match="an unblinded snapshot"):
        evaluate(hidden)
