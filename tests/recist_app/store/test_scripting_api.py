"""The scripting API of the README (issue 11), kept stable: exactly the names it documents, as a script
would use them (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from recist_app.model import LineMeasurement
from recist_app.model.records import ReaderRole
from recist_app.store import Login, TrialStore
from recist_app.store.errors import NotLoggedInError, ReaderDisabledError, SignatureError, TimepointLockedError
from tests.recist_app.store.scenario import FOR_UID, PASSWORDS, SERIES_UID, SOP_UID, SUBJECT, Trial


def test_a_script_reads_measures_and_signs(trial: Trial, db_url: str) -> None:
    store = TrialStore.open(db_url)
    try:
        reader = next(r for r in store.readers() if r.role == "central_reader_1")
        assert reader.uid and reader.name
        baseline = store.timepoints(SUBJECT)[0]
        assert baseline.uid and baseline.scan_date is not None
        session = store.reader_session(reader.uid, SUBJECT, password=PASSWORDS[reader.role])
        assert session.read_uid
        lesion = session.add_lesion("T01", "TARGET", organ="LUNG")
        line = LineMeasurement.from_points((0.0, 0.0, 0.0), (30.0, 40.0, 0.0), axis="long", sop_uid=SOP_UID,
                                           series_uid=SERIES_UID, frame_of_reference_uid=FOR_UID)
        measurement = session.record_measurement(lesion.uid, baseline.uid, line)
        assert measurement.uid and measurement.line.length_mm == pytest.approx(50.0)
        session.sign(baseline.uid, PASSWORDS[reader.role])
        with pytest.raises(TimepointLockedError, match="signed and read-only"):
            session.sign(baseline.uid, PASSWORDS[reader.role])
    finally:
        store.close()


def test_a_wrong_password_opens_no_session(trial: Trial) -> None:
    reader = trial.readers[next(iter(PASSWORDS))]
    with pytest.raises(SignatureError, match="wrong password"):
        trial.store.reader_session(reader.uid, SUBJECT, password="not-the-password")


def test_a_read_opens_only_for_a_reader_who_logged_in(trial: Trial, db_url: str) -> None:
    """Issue 14: the audit's actor is whoever authenticated, never a uid passed along without a password."""
    reader = trial.readers[ReaderRole.CENTRAL_READER_1]
    with pytest.raises(NotLoggedInError, match="Log in first"):
        trial.store.reader_session(reader.uid, SUBJECT)
    login = trial.store.log_in(reader.name, PASSWORDS[reader.role])
    session = trial.store.reader_session(login, SUBJECT)
    session.add_lesion("T01", "TARGET", organ="LUNG")
    assert [(e.action, e.actor_uid) for e in trial.store.audit_entries()[-2:]] == \
        [("create_read", reader.uid), ("add_lesion", reader.uid)]
    other = trial.readers[ReaderRole.CENTRAL_READER_2]
    forged = Login(other, login.proof)  # another reader's name on this login's proof
    with pytest.raises(NotLoggedInError):
        trial.store.reader_session(forged, SUBJECT)
    with TrialStore.open(db_url) as elsewhere, pytest.raises(NotLoggedInError):
        elsewhere.reader_session(login, SUBJECT)  # a login is good for the store object that issued it only
    with pytest.raises(SignatureError):
        trial.store.log_in(reader.name, "not-the-password")
    trial.store.set_reader_active(reader.uid, False)
    with pytest.raises(ReaderDisabledError):
        trial.store.reader_session(login, SUBJECT)  # disabled after log-in: no read either
