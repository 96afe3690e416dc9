"""Issue 5: electronic sign-off. A signed time point is read-only; reopening needs a reason and is
audited; a wrong password or PIN signs nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from sqlalchemy import text

from recist_app.model.errors import InvalidRecordError
from recist_app.model.records import Axis, Lesion, LesionRole, ReaderRole, ReadTimepoint, Status
from recist_app.store.errors import IncompleteReadError, NotFoundError, SignatureError, TimepointLockedError
from recist_app.store.read_session import ReadSession
from recist_app.store.signoff import hash_password, verify_password
from tests.recist_app.store.scenario import PASSWORDS, Trial, line

ROLE = ReaderRole.CENTRAL_READER_1


@dataclass(frozen=True)
class SignedBaseline:
    """Reader 1's read with T01 measured at baseline and T02 (a node) not assessed: baseline signed."""

    trial: Trial
    session: ReadSession
    lesion: Lesion
    node: Lesion
    signed: ReadTimepoint

    @property
    def baseline(self) -> str:
        return self.trial.timepoints[0].uid

    @property
    def week8(self) -> str:
        return self.trial.timepoints[1].uid


@pytest.fixture
def signed_baseline(trial: Trial) -> SignedBaseline:
    session = trial.session(ROLE)
    lesion = session.add_lesion("T01", LesionRole.TARGET, organ="LUNG")
    node = session.add_lesion("T02", LesionRole.TARGET, organ="LYMPH NODE", nodal=True)
    session.record_measurement(lesion.uid, trial.timepoints[0].uid, line(40.0))
    session.set_status(node.uid, trial.timepoints[0].uid, Status.NOT_ASSESSED, reason="not in the field of view")
    return SignedBaseline(trial, session, lesion, node, session.sign(trial.timepoints[0].uid, PASSWORDS[ROLE]))


def test_signing_records_the_signer_and_the_meaning(signed_baseline: SignedBaseline) -> None:
    signed = signed_baseline.signed
    assert signed.signed and signed.signed_by_uid == signed_baseline.trial.readers[ROLE].uid and signed.meaning


def test_a_signed_timepoint_is_read_only(signed_baseline: SignedBaseline) -> None:
    session, baseline = signed_baseline.session, signed_baseline.baseline
    with pytest.raises(TimepointLockedError, match="signed and read-only") as info:
        session.record_measurement(signed_baseline.node.uid, baseline, line(12.0, Axis.SHORT))
    assert info.value.timepoint_uid == baseline
    with pytest.raises(TimepointLockedError):
        session.edit_lesion(signed_baseline.lesion, organ="LIVER")  # a baseline lesion belongs to the signed baseline
    assert session.undo() is None and not session.can_undo  # the signature closed the undo history
    with pytest.raises(TimepointLockedError):
        session.sign(baseline, PASSWORDS[ROLE])
    session.record_measurement(signed_baseline.lesion.uid, signed_baseline.week8, line(30.0))  # others stay open


def test_reopening_needs_a_reason_and_a_signed_timepoint(signed_baseline: SignedBaseline) -> None:
    session = signed_baseline.session
    with pytest.raises(InvalidRecordError, match=r"Give the reason for reopening Baseline; it is kept in the audit "
                                                 r"trail\."):
        session.reopen(signed_baseline.baseline, "  ")
    with pytest.raises(InvalidRecordError, match=r"^Week 8 is not signed, so there is nothing to reopen\.$") as info:
        session.reopen(signed_baseline.week8, "not signed")
    assert (info.value.argument, info.value.value) == ("timepoint_uid", signed_baseline.week8)


def test_reopened_edits_are_audited_with_the_reason_until_signed_again(signed_baseline: SignedBaseline) -> None:
    session, baseline = signed_baseline.session, signed_baseline.baseline
    reopened = session.reopen(baseline, "T02 short axis was missed")
    assert not reopened.signed and reopened.reopen_reason == "T02 short axis was missed"
    session.record_measurement(signed_baseline.node.uid, baseline, line(12.0, Axis.SHORT))
    entries = signed_baseline.trial.store.audit_entries()
    assert (entries[-2].action, entries[-2].reason) == ("reopen", "T02 short axis was missed")
    assert (entries[-1].action, entries[-1].reason) == ("record_measurement", "T02 short axis was missed")
    resigned = session.sign(baseline, PASSWORDS[ROLE])
    assert resigned.signed and resigned.reopen_reason == ""
    assert [rt.signed for rt in session.snapshot().read_timepoints] == [True]


def test_signing_refuses_an_incomplete_time_point_and_says_what_it_lacks(trial: Trial) -> None:
    session, baseline = trial.session(ROLE), trial.timepoints[0].uid
    t01 = session.add_lesion("T01", LesionRole.TARGET)  # no organ, not measured
    nt01 = session.add_lesion("NT01", LesionRole.NON_TARGET, organ="PLEURA")  # no status
    visit = session.snapshot().timepoint(baseline).visit  # "Baseline" for a blinded central reader
    with pytest.raises(IncompleteReadError) as info:
        session.sign(baseline, PASSWORDS[ROLE])
    assert info.value.gaps == (
        f"NT01: no status at {visit}: set present, absent, unequivocal progression or not assessed",
        "T01: no organ or site: choose one in the lesion table",
        f"T01: not measured at {visit}: measure it, or state why (too small, disappeared, merged or not assessed)")
    assert f"{visit} cannot be signed yet" in str(info.value) and t01.uid not in str(info.value)
    assert not any(rt.signed for rt in session.snapshot().read_timepoints)
    session.edit_lesion(t01, organ="LUNG")
    not_assessed = session.set_status(t01.uid, baseline, Status.NOT_ASSESSED)  # without a reason
    session.set_status(nt01.uid, baseline, Status.PRESENT)
    with pytest.raises(IncompleteReadError) as info:
        session.sign(baseline, PASSWORDS[ROLE])
    assert info.value.gaps == (f"T01: not assessed at {visit} without a reason: give the reason (status menu > "
                               "Not assessed…)",)
    stated = session.set_status(t01.uid, baseline, Status.NOT_ASSESSED, replacing=not_assessed,
                                reason="  liver out of the field of view ")
    assert stated is not None and stated.reason == "liver out of the field of view"
    assert session.sign(baseline, PASSWORDS[ROLE]).signed
    stored = next(state for state in session.snapshot().states if state.lesion_uid == t01.uid)
    assert stored.reason == "liver out of the field of view"  # stored, read back


def test_wrong_password_signs_nothing(trial: Trial) -> None:
    session = trial.session(ROLE)
    added = session.add_lesion("NT01", LesionRole.NON_TARGET, organ="PLEURA")
    session.set_status(added.uid, trial.timepoints[0].uid, Status.PRESENT)
    before = len(trial.store.audit_entries())
    with pytest.raises(SignatureError, match="wrong password or PIN"):
        session.sign(trial.timepoints[0].uid, "guess")
    with pytest.raises(SignatureError):
        session.sign(trial.timepoints[0].uid, PASSWORDS[ReaderRole.CENTRAL_READER_2])  # another reader's PIN
    assert session.snapshot().read_timepoints == () and len(trial.store.audit_entries()) == before
    lesion = session.snapshot().lesion("NT01")
    assert session.edit_lesion(lesion, organ="PLEURA, LEFT").organ == "PLEURA, LEFT"  # still editable


def test_only_a_salted_scrypt_hash_is_stored(trial: Trial) -> None:
    with trial.store.db.engine.connect() as connection:
        hashes = dict(connection.execute(text("SELECT role, password_hash FROM readers")).all())
    assert len(hashes) == len(ReaderRole)
    for role, stored in hashes.items():
        assert stored.startswith("scrypt$") and PASSWORDS[ReaderRole(role)] not in stored
        assert verify_password(PASSWORDS[ReaderRole(role)], stored) and not verify_password("pin-x", stored)
    assert len({stored.split("$")[4] for stored in hashes.values()}) == len(hashes)  # one salt each
    assert hash_password("1234") != hash_password("1234")
    with pytest.raises(InvalidRecordError, match="at least 4 characters"):
        hash_password("123")
    added = [e for e in trial.store.audit_entries() if e.action == "add_reader"]
    assert len(added) == len(ReaderRole)
    for entry in added:  # neither the PIN nor its hash goes into the (exported) audit trail
        assert "pin-" not in entry.changes_json and "scrypt$" not in entry.changes_json
        assert json.loads(entry.changes_json)[0]["after"]["password_hash"].startswith("sha256:")  # a digest only


def test_store_authenticates_a_reader_by_uid_or_name(trial: Trial) -> None:
    reader = trial.readers[ReaderRole.CENTRAL_READER_1]
    password = PASSWORDS[ReaderRole.CENTRAL_READER_1]
    assert trial.store.authenticate(reader.uid, password) == reader
    assert trial.store.authenticate(reader.name, password) == reader
    entries = len(trial.store.audit_entries())
    with pytest.raises(SignatureError):
        trial.store.authenticate(reader.uid, password + "x")
    with pytest.raises(NotFoundError):
        trial.store.authenticate("nobody", password)
    assert len(trial.store.audit_entries()) == entries  # a login is not audited (nor is signoff's check)
