"""Issue 5 (central review): two independent reads; an adjudication task when they disagree on the date
of progression or the best overall response; the adjudicator accepts one read, which is flagged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from recist_app.model.errors import InvalidRecordError
from recist_app.model.records import AdjudicationTask, ReaderRole
from recist_app.store import AdjudicationSession, ReadSession
from recist_app.store.errors import (
    DuplicateError,
    PermissionDeniedError,
    SignatureError,
)
from recist_app.store.review import ReadVerdict, disagreement
from tests.recist_app.store.scenario import (
    PASSWORDS,
    SUBJECT,
    Trial,
    apply_full_read,
    line,
)

R1, R2, ADJ = ReaderRole.CENTRAL_READER_1, ReaderRole.CENTRAL_READER_2, ReaderRole.ADJUDICATOR


def _sign_all(trial: Trial, session: ReadSession, role: ReaderRole) -> None:
    for tp in trial.timepoints:
        session.sign(tp.uid, PASSWORDS[role])


def _stable_read(trial: Trial, session: ReadSession) -> None:
    """Reader 2's read: no new lesion, and T01 barely shrinks (SD throughout, no PD)."""
    lesions = apply_full_read(session, trial.timepoints)
    session.delete_lesion(session.snapshot().lesion("N01"))
    for tp in trial.timepoints[1:3]:
        measurement = next(m for m in session.snapshot().measurements
                           if m.lesion_uid == lesions["T01"].uid and m.timepoint_uid == tp.uid)
        session.edit_measurement(measurement, line(38.0))


@dataclass(frozen=True)
class Disagreement:
    """Both central reads signed, disagreeing, and the adjudication task they created."""

    trial: Trial
    one: ReadSession
    two: ReadSession
    task: AdjudicationTask
    adjudicator: AdjudicationSession


@pytest.fixture
def disagreeing(trial: Trial) -> Disagreement:
    one, two = trial.session(R1), trial.session(R2)
    apply_full_read(one, trial.timepoints)
    _stable_read(trial, two)
    created: list[AdjudicationTask] = []
    two.on_adjudication = created.append
    _sign_all(trial, one, R1)
    _sign_all(trial, two, R2)
    (task,) = created
    return Disagreement(trial, one, two, task, trial.store.adjudicator_session(trial.readers[ADJ].uid))


def test_signing_both_disagreeing_reads_opens_one_task_naming_the_disagreements(trial: Trial) -> None:
    one, two = trial.session(R1), trial.session(R2)
    apply_full_read(one, trial.timepoints)
    _stable_read(trial, two)
    created: list[AdjudicationTask] = []
    two.on_adjudication = created.append
    _sign_all(trial, one, R1)
    assert trial.store.check_double_read(SUBJECT) is None  # reader 2 has not signed yet
    _sign_all(trial, two, R2)
    (task,) = created
    assert "date of progression: 2024-06-21 vs none" in task.disagreement
    assert "best overall response: PR vs SD" in task.disagreement
    assert task.read_uids == (one.read_uid, two.read_uid) and task.status == "open"
    assert trial.store.check_double_read(SUBJECT) == task  # once only


def test_only_the_adjudicator_adjudicates_and_owns_no_read(trial: Trial) -> None:
    with pytest.raises(PermissionDeniedError, match="may not adjudicate"):
        trial.store.adjudicator_session(trial.readers[R1].uid)
    with pytest.raises(PermissionDeniedError, match="may not own a read"):
        trial.store.reader_session(trial.readers[ADJ].uid, SUBJECT, password=PASSWORDS[ADJ])


def test_the_adjudicator_sees_the_open_task_and_both_reads(disagreeing: Disagreement) -> None:
    adjudicator, task = disagreeing.adjudicator, disagreeing.task
    assert adjudicator.tasks() == (task,)
    first, second = adjudicator.snapshots(task.uid)
    assert {lesion.label for lesion in first.lesions} - {lesion.label for lesion in second.lesions} == {"N01"}
    reports = adjudicator.reports(task.uid)
    assert reports[0].recist.first_pd_date == date(2024, 6, 21) and reports[1].recist.first_pd_date is None


def test_resolving_needs_the_signature_a_reason_and_one_of_the_reads(disagreeing: Disagreement) -> None:
    adjudicator, task, one = disagreeing.adjudicator, disagreeing.task, disagreeing.one
    with pytest.raises(SignatureError):
        adjudicator.resolve(task.uid, one.read_uid, "new liver lesion is real", "wrong")
    with pytest.raises(InvalidRecordError, match="Give the reason for accepting this read") as info:
        adjudicator.resolve(task.uid, one.read_uid, "", PASSWORDS[ADJ])
    assert info.value.argument == "reason"
    with pytest.raises(InvalidRecordError, match="accept reader 1's or reader 2's read") as info:
        adjudicator.resolve(task.uid, "not-a-read", "x", PASSWORDS[ADJ])
    assert (info.value.argument, info.value.value) == ("accepted_read_uid", "not-a-read")
    assert not any(uid in str(info.value) for uid in task.read_uids)


def test_accepting_a_read_closes_the_task_flags_the_read_and_is_audited(disagreeing: Disagreement) -> None:
    trial, adjudicator, task, one = disagreeing.trial, disagreeing.adjudicator, disagreeing.task, disagreeing.one
    resolved = adjudicator.resolve(task.uid, one.read_uid, "new liver lesion is real", PASSWORDS[ADJ])
    assert (resolved.status, resolved.accepted_read_uid) == ("resolved", one.read_uid)
    assert adjudicator.tasks() == () and adjudicator.tasks(None)[0].reason == "new liver lesion is real"
    accepted = {s.reader_role: s.read.accepted for s in trial.store.reads(SUBJECT)}
    assert accepted == {R1: True, R2: False}
    last = trial.store.audit_entries()[-1]
    assert (last.action, last.reason, last.actor_name) == ("adjudicate", "new liver lesion is real",
                                                           "Reader adjudicator")
    assert trial.store.verify_chain().ok


def test_a_resolved_task_is_not_reopened_nor_resolved_again(disagreeing: Disagreement) -> None:
    trial, adjudicator, task = disagreeing.trial, disagreeing.adjudicator, disagreeing.task
    adjudicator.resolve(task.uid, disagreeing.one.read_uid, "new liver lesion is real", PASSWORDS[ADJ])
    assert trial.store.check_double_read(SUBJECT) is None  # already adjudicated
    with pytest.raises(InvalidRecordError, match="This adjudication task was already resolved; nothing was changed"):
        adjudicator.resolve(task.uid, disagreeing.two.read_uid, "changed my mind", PASSWORDS[ADJ])
    assert trial.store.verify_chain().ok


def test_agreeing_reads_need_no_adjudication(trial: Trial) -> None:
    one, two = trial.session(R1), trial.session(R2)
    apply_full_read(one, trial.timepoints)
    apply_full_read(two, trial.timepoints)
    _sign_all(trial, one, R1)
    _sign_all(trial, two, R2)
    assert trial.store.check_double_read(SUBJECT) is None
    assert trial.store.adjudicator_session(trial.readers[ADJ].uid).tasks(None) == ()
    assert not any(s.read.accepted for s in trial.store.reads(SUBJECT))


def test_central_review_allows_one_read_per_central_role(trial: Trial) -> None:
    trial.session(R1)
    second_reader = trial.store.add_reader("Another reader 1", R1, "pin-another")
    with pytest.raises(DuplicateError, match="central reader 1 read of subject"):
        trial.store.reader_session(second_reader.uid, SUBJECT, password="pin-another")


def test_disagreement_compares_the_protocol_points_only() -> None:
    a = ReadVerdict(date(2024, 6, 21), "PR")
    b = ReadVerdict(None, "PR")
    assert disagreement(a, b, ("pd_date", "bor")) == "date of progression: 2024-06-21 vs none"
    assert disagreement(a, b, ("bor",)) == ""
    assert disagreement(a, ReadVerdict(date(2024, 6, 21), "SD"), ("pd_date",)) == ""
    assert disagreement(a, a, ("pd_date", "bor")) == ""
    blinded = disagreement(a, b, ("pd_date",), day_zero=date(2024, 1, 5))  # what a blinded adjudicator reads
    assert blinded == "date of progression: day 168 vs none"
