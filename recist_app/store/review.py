"""Central review: two independent reads per subject and their adjudication (issue 5).

When both central reads of a subject are signed, they are compared on the protocol-defined points
(``Trial.adjudicate_on``; by default the date of progression and the best overall response). If
they disagree, an adjudication task is created. The adjudicator sees both reads, selects one with
a reason and their signature; the accepted read is flagged (``--ACPTFL`` in exports). Every step
is audited in the transaction that makes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from assessment.read_report import ReadReport
from recist_app.evaluation.engine import evaluate, outcome
from recist_app.model.records import (
    AdjudicationTask,
    Reader,
    ReaderRole,
    ReadSnapshot,
    new_uid,
)
from recist_app.store import audit, mapping, snapshots
from recist_app.store.db import Database
from recist_app.store.errors import PermissionDeniedError, RefusedInputError
from recist_app.store.repository import SYSTEM, Repository, Scope
from recist_app.store.schema import AdjudicationRow, ReadRow
from recist_app.store.signoff import authenticate
from recist_app.store.unit_of_work import UnitOfWork

#: Points two central reads may be compared on, with their labels.
ADJUDICATION_POINTS = {"pd_date": "date of progression", "bor": "best overall response"}


@dataclass(frozen=True)
class ReadVerdict:
    """What a read is compared on: its first RECIST 1.1 PD date and its best overall response."""

    pd_date: date | None
    bor: str


def verdict(snapshot: ReadSnapshot) -> ReadVerdict:
    """The comparison points of an unblinded snapshot, from the engine."""
    report = evaluate(snapshot)
    return ReadVerdict(report.recist.first_pd_date, outcome(snapshot, report).best_response.category)


def disagreement(a: ReadVerdict, b: ReadVerdict, points: tuple[str, ...], *, day_zero: date | None = None) -> str:
    """What two verdicts disagree on, in words ("" when they agree).

    With ``day_zero`` (a trial that blinds visits: the subject's baseline scan date) a date reads as
    "day N" from it, since the blinded adjudicator reads this text.
    """
    def when(day: date | None) -> str:
        if day is None:
            return "none"
        return f"day {(day - day_zero).days}" if day_zero is not None else day.isoformat()

    parts = []
    if "pd_date" in points and a.pd_date != b.pd_date:
        parts.append(f"{ADJUDICATION_POINTS['pd_date']}: {when(a.pd_date)} vs {when(b.pd_date)}")
    if "bor" in points and a.bor != b.bor:
        parts.append(f"{ADJUDICATION_POINTS['bor']}: {a.bor} vs {b.bor}")
    return "; ".join(parts)


def central_pair(repo: Repository, subject_uid: str) -> tuple[ReadRow, ReadRow] | None:
    """The subject's central reader 1 and 2 reads, when both exist."""
    by_role = {}
    for read in repo.reads(subject_uid):
        by_role[repo.reader(read.reader_uid).role] = read
    first, second = by_role.get(ReaderRole.CENTRAL_READER_1), by_role.get(ReaderRole.CENTRAL_READER_2)
    return (first, second) if first is not None and second is not None else None


def fully_signed(repo: Repository, read: ReadRow) -> bool:
    """True when every time point of the subject is signed in ``read``."""
    signed = {row.timepoint_uid for row in repo.read_timepoints(read.uid) if row.signed_at is not None}
    timepoints = repo.timepoints(read.subject_uid)
    return bool(timepoints) and all(tp.uid in signed for tp in timepoints)


def check_double_read(session: Session, trial_uid: str, subject_uid: str, actor: Reader | None,
                      *, require_signed: bool = True) -> AdjudicationTask | None:
    """Create (once) the adjudication task of a subject whose two central reads disagree.

    Returns the open task (new or existing), or None when the reads agree, are not both there
    (and, with ``require_signed``, fully signed), or this very disagreement was already adjudicated.
    """
    repo = Repository(session, trial_uid, SYSTEM)
    pair = central_pair(repo, subject_uid)
    if pair is None or (require_signed and not all(fully_signed(repo, read) for read in pair)):
        return None
    tasks = repo.tasks(subject_uid)
    open_task = next((t for t in tasks if t.status == "open"), None)
    if open_task is not None:
        return mapping.task(open_task)
    trial = mapping.trial(repo.trial())
    a, b = (verdict(snapshots.build(repo, read)) for read in pair)
    day_zero = min(tp.scan_date for tp in repo.timepoints(subject_uid)) if trial.blind_visits else None
    text = disagreement(a, b, trial.adjudicate_on, day_zero=day_zero)
    if not text or any(t.disagreement == text for t in tasks):
        return None
    uow = UnitOfWork(session)
    row = uow.insert(AdjudicationRow(uid=new_uid(), subject_uid=subject_uid, read_a_uid=pair[0].uid,
                                     read_b_uid=pair[1].uid, disagreement=text, status="open", accepted_read_uid=None,
                                     reason="", resolved_by_uid=None, created_at=audit.utc_now(), resolved_at=None))
    audit.append(session, actor_uid=actor.uid if actor else "", actor_name=actor.name if actor else "system",
                 action="create_adjudication_task", changes=uow.changes)
    return mapping.task(row)


class AdjudicationSession:
    """The adjudicator's view: open tasks, both reads of a task, and the decision.

    Use :meth:`recist_app.store.trial_store.TrialStore.adjudicator_session`.
    """

    def __init__(self, db: Database, trial_uid: str, reader: Reader) -> None:
        if reader.role is not ReaderRole.ADJUDICATOR:
            raise PermissionDeniedError(reader.uid, reader.role.value, "adjudicate")
        self._db = db
        self._trial_uid = trial_uid
        self.reader = reader
        self._scope = Scope(reader.uid, reader.role)

    def tasks(self, status: str | None = "open") -> tuple[AdjudicationTask, ...]:
        """Adjudication tasks (``status`` "open", "resolved" or None for all)."""
        with self._db.read() as session:
            rows = Repository(session, self._trial_uid, self._scope).tasks()
            return tuple(mapping.task(row) for row in rows if status is None or row.status == status)

    def snapshots(self, task_uid: str) -> tuple[ReadSnapshot, ReadSnapshot]:
        """Both reads of the task as the adjudicator sees them (blinded where the trial blinds)."""
        with self._db.read() as session:
            repo = Repository(session, self._trial_uid, self._scope)
            task = repo.task(task_uid)
            a, b = (snapshots.build(repo, repo.read(uid), blind_as=self.reader.role)
                    for uid in (task.read_a_uid, task.read_b_uid))
            return a, b

    def reports(self, task_uid: str) -> tuple[ReadReport, ReadReport]:
        """The engine's results of both reads."""
        with self._db.read() as session:
            repo = Repository(session, self._trial_uid, self._scope)
            task = repo.task(task_uid)
            a, b = (evaluate(snapshots.build(repo, repo.read(uid))) for uid in (task.read_a_uid, task.read_b_uid))
            return a, b

    def resolve(self, task_uid: str, accepted_read_uid: str, reason: str, password: str) -> AdjudicationTask:
        """Accept one read of the task, with a reason and the adjudicator's signature (audited)."""
        if not reason or not reason.strip():
            raise RefusedInputError("reason", reason, "why this read is accepted (audited)",
                                    "Give the reason for accepting this read; it is kept in the audit trail.")
        with self._db.write() as session:
            repo = Repository(session, self._trial_uid, self._scope)
            authenticate(repo.reader(self.reader.uid), password)
            task = repo.task(task_uid)
            if task.status != "open":
                raise RefusedInputError("task_uid", task_uid, "an open adjudication task",
                                        "This adjudication task was already resolved; nothing was changed. Reload "
                                        "the open tasks.")
            pair = (task.read_a_uid, task.read_b_uid)
            if accepted_read_uid not in pair:
                raise RefusedInputError("accepted_read_uid", accepted_read_uid, f"one of the task's reads {pair}",
                                        "The accepted read must be one of the two reads of this task: accept "
                                        "reader 1's or reader 2's read.")
            uow = UnitOfWork(session)
            for uid in pair:
                read = repo.read(uid)
                uow.update(read, None, accepted=uid == accepted_read_uid)
            row = uow.update(task, None, status="resolved", accepted_read_uid=accepted_read_uid,
                             reason=reason.strip(), resolved_by_uid=self.reader.uid, resolved_at=audit.utc_now())
            audit.append(session, actor_uid=self.reader.uid, actor_name=self.reader.name, action="adjudicate",
                         read_uid=accepted_read_uid, changes=uow.changes, reason=reason.strip())
            return mapping.task(row)
