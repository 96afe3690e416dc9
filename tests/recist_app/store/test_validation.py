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
        (lambda: session.add_lesion(" ", LesionRole.TARGET), InvalidRecordError, '"label" must be a non-empty label'),
        (lambda: session.add_lesion("T01", LesionRole.TARGET), DuplicateError, "lesion label 'T01' already exists"),
        (lambda: session.add_lesion("T02", "TUMOUR"), InvalidRecordError, '"role" must be one of'),
        (lambda: session.add_lesion("N01", LesionRole.NEW), InvalidRecordError, "a follow-up time point for a new"),
        (lambda: session.add_lesion("T02", LesionRole.TARGET, first_timepoint_uid=week8), InvalidRecordError,
         "the baseline time point for a target"),
        (lambda: session.add_lesion("T02", LesionRole.TARGET, first_timepoint_uid="nope"), NotFoundError,
         "No time point 'nope'"),
        (lambda: session.edit_lesion(t01, colour="red"), InvalidRecordError, '"changes" must be names among'),
        (lambda: session.flag_irradiated(t01), InvalidRecordError, '"sbrt_start" must be the first SBRT date'),
        (lambda: session.flag_irradiated(t01, sbrt_start=date(2024, 2, 1), sbrt_end=date(2024, 1, 1)),
         InvalidRecordError, '"sbrt_end" must be on or after sbrt_start'),
        (lambda: session.flag_irradiated(t01, sbrt_start=date(2024, 2, 1), dose_gy=0.0), InvalidRecordError,
         '"dose_gy" must be a positive dose'),
        (lambda: session.flag_irradiated(t01, sbrt_start=date(2024, 2, 1), fractions=0), InvalidRecordError,
         '"fractions" must be a whole number'),
    ]
    for call, error, message in cases:
        with pytest.raises(error, match=message):
            call()
    n01 = session.add_lesion("N01", LesionRole.NEW, first_timepoint_uid=trial.timepoints[2].uid)
    with pytest.raises(InvalidRecordError, match=f'"timepoint_uid" must be on or after {n01.label}'):
        session.set_status(n01.uid, week8, Status.PRESENT)
    t02 = session.add_lesion("T02", LesionRole.TARGET)
    session.set_status(t02.uid, week8, Status.MERGED, merged_into_uid=t01.uid)
    with pytest.raises(InvalidRecordError, match="change the merged lesion's status first"):
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
         "measurement 'T01 long axis"),
        (lambda: session.record_measurement(t01.uid, baseline, line(31.0), fragment=-1), InvalidRecordError,
         '"fragment" must be 0, or the number'),
        (lambda: session.edit_measurement(measurement, line(31.0, Axis.SHORT)), InvalidRecordError,
         '"line.axis" must be the measurement\'s axis'),
        (lambda: session.set_status(t01.uid, baseline, Status.PRESENT), InvalidRecordError,
         '"status" must be one of .* for a TARGET lesion'),
        (lambda: session.set_status(nt01.uid, baseline, Status.TOO_SMALL), InvalidRecordError,
         "for a NON-TARGET lesion"),
        (lambda: session.set_status(nt01.uid, baseline, "MAYBE"), InvalidRecordError, '"status" must be one of'),
        (lambda: session.set_status(t01.uid, baseline, Status.MERGED), InvalidRecordError,
         '"merged_into_uid" must be the surviving lesion'),
        (lambda: session.set_status(t01.uid, baseline, Status.MERGED, merged_into_uid=t01.uid), InvalidRecordError,
         "another lesion of this read"),
        (lambda: session.set_status(t01.uid, baseline, None, radiation_induced=True), InvalidRecordError,
         "which is not irradiated"),
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
    with pytest.raises(DuplicateError, match="series link"):
        session.assign_series(baseline, study_uid="1.2", series_uid=SERIES_UID)
    with pytest.raises(InvalidRecordError, match='"series_uid" must be a non-empty DICOM UID'):
        session.assign_series(baseline, study_uid="1.2", series_uid="")
    with pytest.raises(InvalidRecordError, match='"frame_of_reference_uid" must be the series\' frame of reference'):
        session.edit_measurement(measurement, line(31.0))
    other = LineMeasurement.from_points((0, 0, 0), (9, 0, 0), sop_uid="1", series_uid="7.7",
                                        frame_of_reference_uid="9.9")
    with pytest.raises(InvalidRecordError, match='"series_uid" must be a series assigned to this time point'):
        session.edit_measurement(measurement, other)


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
        (lambda: store.reader_session("nobody", SUBJECT), NotFoundError, "No reader 'nobody'"),
        (lambda: store.subject("S-404"), NotFoundError, "No subject 'S-404'"),
        (lambda: TrialStore.create(tmp_path / "x.sqlite", code=" "), InvalidRecordError, '"code"'),
        (lambda: TrialStore.create(tmp_path / "x.sqlite", code="X", adjudicate_on=("orr",)),
         InvalidRecordError, '"adjudicate_on"'),
    ]
    for call, error, message in cases:
        with pytest.raises(error, match=message):
            call()
    trial.session()  # a read exists now: baseline cannot move earlier
    with pytest.raises(InvalidRecordError, match="the subject already has reads"):
        store.add_timepoint(SUBJECT, "earlier", date(2023, 12, 1))
    with pytest.raises(InvalidRecordError, match='"meaning"'):
        trial.session().sign(trial.timepoints[0].uid, "pin-central_reader_1", meaning=" ")
    snapshot = trial.session().snapshot()
    hidden = dataclasses.replace(snapshot, timepoints=tuple(dataclasses.replace(tp, scan_date=None)
                                                            for tp in snapshot.timepoints))
    with pytest.raises(InvalidRecordError, match="an unblinded snapshot"):
        evaluate(hidden)
