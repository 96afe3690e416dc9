"""Worklists (issue "A worklist"): a reader's reads, and the adjudicator's adjudication tasks.

Qt-free and read-only: every query runs in one read transaction that is rolled back
(:meth:`recist_app.store.db.Database.read`), so asking for a worklist never creates a read, a
result-cache row or an audit entry. Opening a read stays :meth:`TrialStore.reader_session`'s job.

- :func:`reader_worklist`: one :class:`WorkItem` per subject the reader may read, in subject order,
  with its :class:`WorkStatus`, the time point to read next (in the reader's own, possibly
  blinded, order, labelled as the reader sees it) and the time points with images.
- :func:`next_item`: the item "Open next" goes to (a read in progress before a new one).
- :func:`adjudication_worklist`: the adjudication tasks (open first), each with a
  :class:`ReadsComparison` of the two central reads: lesions, per time point the sum of diameters
  and the RECIST 1.1 category, and the time point where the reads part. Every number and category
  comes from the engine (:mod:`recist_app.evaluation.engine`); no RECIST rule is written here.

Example
-------
>>> items = reader_worklist(store, reader)                        # doctest: +SKIP
>>> item = next_item(items)                                       # doctest: +SKIP
>>> session = store.reader_session(login, item.subject_id)   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from assessment.read_report import ReadReport
from recist_app.evaluation import engine
from recist_app.model.records import (
    AdjudicationTask,
    LesionRole,
    Read,
    Reader,
    ReaderRole,
    ReadSnapshot,
    Subject,
)
from recist_app.store import mapping, snapshots
from recist_app.store.repository import SYSTEM, Repository, Scope
from recist_app.store.trial_store import TrialStore


class WorkStatus(StrEnum):
    """How far a reader's read of a subject is."""

    NOT_STARTED = "not started"
    """No read yet, or a read without any lesion, measurement, statement or signature."""
    IN_PROGRESS = "in progress"
    """Some work recorded, and some time point with images not signed."""
    SIGNED = "signed"
    """Every time point with images signed."""


@dataclass(frozen=True)
class WorkItem:
    """One subject of a reader's worklist.

    Attributes
    ----------
    subject_id, site : str
        The pseudonymised subject and its site code.
    status : WorkStatus
    next_timepoint_uid : str or None
        The first time point with images that is not signed, in the reader's order (baseline
        first, then the follow-ups, blinded and shuffled where the trial blinds visits); None
        when all are signed or the subject has no images yet.
    next_visit : str
        That time point's label as the reader sees it ("WEEK 8", or "TP2" when blinded; "" if none).
    next_scan_date : date or None
        Its scan date (None when blinded or none).
    next_is_baseline : bool
        True when the next time point is baseline (nothing before it to compare with).
    timepoints : int
        Time points with images (at least one linked series).
    signed : int
        Of those, how many the reader signed.
    last_timepoint_uid : str or None
        The last time point with images in the reader's order (to review a signed read).
    read_uid : str or None
        The reader's read of the subject (None: not created yet).
    due : date or None
        The date by which the subject's reads are due (set by the administrator), or None.
    """

    subject_id: str
    site: str
    status: WorkStatus
    next_timepoint_uid: str | None
    next_visit: str
    next_scan_date: date | None
    next_is_baseline: bool
    timepoints: int
    signed: int
    last_timepoint_uid: str | None
    read_uid: str | None
    due: date | None = None

    @property
    def open_timepoint_uid(self) -> str | None:
        """Where opening the item lands: the next time point to read, else the last one (None: no images)."""
        return self.next_timepoint_uid or self.last_timepoint_uid


def reader_worklist(store: TrialStore, reader: Reader) -> tuple[WorkItem, ...]:
    """The reader's worklist: one item per subject they may read, in subject order (read-only).

    A subject whose central read of the reader's role belongs to another reader of that role is
    not theirs (:meth:`TrialStore.reader_session` would refuse it). Roles that own no read
    (adjudicator, administrator) get an empty worklist.

    Parameters
    ----------
    store : TrialStore
    reader : Reader
        A reader of the trial (its role is taken from the database).

    Returns
    -------
    tuple of WorkItem
        With each subject's reads due date when the administrator set one.

    Raises
    ------
    NotFoundError
        When ``reader`` is not a reader of this trial.
    """
    with store.db.read() as session:
        system = Repository(session, store.trial_uid, SYSTEM)
        row = system.reader(reader.uid)
        role = ReaderRole(row.role)
        if not role.reads:
            return ()
        scoped = Repository(session, store.trial_uid, Scope(reader.uid, role))
        trial = mapping.trial(scoped.trial())
        who = mapping.reader(row)
        sites = {site.uid: site.code for site in scoped.sites()}
        own = {read.subject_uid: read for read in scoped.reads()}
        taken = _taken_by_others(system, who) if role.is_central else set()
        items = []
        for subject_row in scoped.subjects():
            if subject_row.uid in taken:
                continue
            subject = mapping.subject(subject_row, sites.get(subject_row.site_uid, ""))
            read_row = own.get(subject_row.uid)
            if read_row is not None:
                snapshot = snapshots.build(scoped, read_row, blind_as=role)
            else:  # what the reader's read would hold once created: nothing, on the subject's time points
                empty = ReadSnapshot(trial, subject, who, Read("", subject.uid, who.uid),
                                     snapshots.subject_timepoints(scoped, subject.uid), (), (), ())
                snapshot = snapshots.as_seen_by(empty, role, who.uid)
            items.append(work_item(snapshot, subject, read_row is not None))
        return tuple(items)


def work_item(snapshot: ReadSnapshot, subject: Subject, exists: bool) -> WorkItem:
    """The work item of a read as its reader sees it (``exists``: the read is stored)."""
    with_images = [tp for tp in snapshot.timepoints if tp.series]
    signed = {rt.timepoint_uid for rt in snapshot.read_timepoints if rt.signed}
    pending = [tp for tp in with_images if tp.uid not in signed]
    worked = bool(snapshot.lesions or snapshot.measurements or snapshot.states or signed)
    if with_images and not pending:
        status = WorkStatus.SIGNED
    elif worked:
        status = WorkStatus.IN_PROGRESS
    else:
        status = WorkStatus.NOT_STARTED
    nxt = pending[0] if pending else None
    return WorkItem(
        subject_id=subject.subject_id, site=subject.site_code, status=status,
        next_timepoint_uid=nxt.uid if nxt else None, next_visit=nxt.visit if nxt else "",
        next_scan_date=nxt.scan_date if nxt else None, next_is_baseline=bool(nxt and nxt.is_baseline),
        timepoints=len(with_images), signed=len(with_images) - len(pending),
        last_timepoint_uid=with_images[-1].uid if with_images else None,
        read_uid=snapshot.read.uid if exists else None, due=subject.reads_due_on)


def next_item(items: Sequence[WorkItem]) -> WorkItem | None:
    """The item "Open next" goes to: the first read in progress, else the first not started.

    Only items with a time point left to read count (a subject without images waits). None when
    everything is signed.
    """
    for status in (WorkStatus.IN_PROGRESS, WorkStatus.NOT_STARTED):
        for item in items:
            if item.status is status and item.next_timepoint_uid is not None:
                return item
    return None


def _taken_by_others(system: Repository, reader: Reader) -> set[str]:
    """Subjects (uids) whose read of ``reader``'s central role belongs to another reader."""
    roles = {row.uid: row.role for row in system.readers()}
    return {read.subject_uid for read in system.reads()
            if read.reader_uid != reader.uid and roles.get(read.reader_uid) == reader.role.value}


# -- adjudication ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LesionSummary:
    """A lesion of a read as the adjudicator compares it."""

    label: str
    role: LesionRole
    organ: str
    nodal: bool = False


@dataclass(frozen=True)
class TimepointVerdict:
    """The engine's verdict on one time point of one read.

    ``visit`` is the label the adjudicator sees ("TP2" when the trial blinds visits); ``category``
    is the RECIST 1.1 overall response ("" at baseline, which has none); ``sum_mm`` the sum of
    target diameters (nodes: short axis).
    """

    timepoint_uid: str
    visit: str
    sum_mm: Decimal | None
    category: str
    is_baseline: bool = False


@dataclass(frozen=True)
class ReadSide:
    """One of the two central reads of a task, as the engine reads it."""

    read_uid: str
    reader_name: str
    reader_role: ReaderRole
    lesions: tuple[LesionSummary, ...]
    timepoints: tuple[TimepointVerdict, ...]
    """In the adjudicator's order (blinded and shuffled follow-ups where the trial blinds visits)."""
    best_response: str
    pd_visit: str | None
    """The label of the first RECIST 1.1 PD time point (None: no progression)."""

    def verdict(self, timepoint_uid: str) -> TimepointVerdict:
        """The verdict at a time point (KeyError when the read has none there)."""
        found = next((v for v in self.timepoints if v.timepoint_uid == timepoint_uid), None)
        if found is None:
            raise KeyError(timepoint_uid)
        return found


@dataclass(frozen=True)
class ReadsComparison:
    """Both reads of an adjudication task side by side, and where they part.

    ``parting_timepoint_uid`` is the first follow-up, by scan date, where the two RECIST 1.1
    overall categories differ (one PD and the other not included); None when they never do (the
    reads may still disagree on the best overall response, e.g. through confirmation).
    """

    subject_id: str
    disagreement: str
    first: ReadSide
    second: ReadSide
    parting_timepoint_uid: str | None
    parting_visit: str | None

    @property
    def sides(self) -> tuple[ReadSide, ReadSide]:
        """``(first, second)``: central reader 1's read, then central reader 2's."""
        return self.first, self.second


@dataclass(frozen=True)
class TaskItem:
    """One adjudication task of the adjudicator's worklist."""

    task: AdjudicationTask
    subject_id: str
    comparison: ReadsComparison

    @property
    def state(self) -> str:
        """``"open"`` or ``"resolved"``."""
        return self.task.status

    @property
    def is_open(self) -> bool:
        """True while the task waits for the adjudicator's decision."""
        return self.task.status == "open"

    @property
    def accepted_side(self) -> int | None:
        """0 or 1: which read was accepted (None while open)."""
        uids = [side.read_uid for side in self.comparison.sides]
        return uids.index(self.task.accepted_read_uid) if self.task.accepted_read_uid in uids else None


def adjudication_worklist(store: TrialStore, adjudicator: Reader) -> tuple[TaskItem, ...]:
    """The adjudicator's tasks, open first (each group oldest first), with both reads compared.

    Read-only: the reads come from :meth:`AdjudicationSession.snapshots` (blinded for the
    adjudicator where the trial blinds visits) and their results from
    :meth:`AdjudicationSession.reports`.

    Raises
    ------
    PermissionDeniedError
        When ``adjudicator`` does not have the adjudicator role.
    """
    session = store.adjudicator_session(adjudicator.uid)
    subjects = {subject.uid: subject.subject_id for subject in store.subjects()}
    tasks = sorted(session.tasks(None), key=lambda task: task.status != "open")  # stable: oldest first
    items = []
    for task in tasks:
        seen = session.snapshots(task.uid)
        reports = session.reports(task.uid)
        comparison = compare_reads(subjects.get(task.subject_uid, ""), task.disagreement, seen, reports)
        items.append(TaskItem(task, comparison.subject_id, comparison))
    return tuple(items)


def compare_reads(subject_id: str, disagreement: str, seen: tuple[ReadSnapshot, ReadSnapshot],
                  reports: tuple[ReadReport, ReadReport]) -> ReadsComparison:
    """Both reads side by side from the engine's reports.

    Parameters
    ----------
    subject_id, disagreement : str
        Shown as given (the task's words for the disagreement).
    seen : pair of ReadSnapshot
        The reads as the adjudicator sees them (labels and order; blinded where the trial asks).
    reports : pair of ReadReport
        The engine's reports of the same reads (computed on the unblinded reads).
    """
    first, second = (_side(snapshot, report) for snapshot, report in zip(seen, reports, strict=True))
    categories = [{tp.visit_id: tp.overall.value for tp in report.recist.timepoints} for report in reports]
    parting = next((tp.visit_id for tp in reports[0].recist.follow_ups  # engine order: by scan date
                    if categories[0].get(tp.visit_id) != categories[1].get(tp.visit_id)), None)
    labels = {tp.uid: tp.visit for tp in seen[0].timepoints}
    return ReadsComparison(subject_id, disagreement, first, second, parting,
                           labels.get(parting, parting) if parting else None)


def _side(snapshot: ReadSnapshot, report: ReadReport) -> ReadSide:
    results = {tp.visit_id: tp for tp in report.recist.timepoints}
    verdicts = []
    for tp in snapshot.timepoints:
        result = results.get(tp.uid)
        if result is not None:
            category = "" if result.is_baseline else result.overall.value
            verdicts.append(TimepointVerdict(tp.uid, tp.visit, result.sum_mm, category, result.is_baseline))
    lesions = tuple(LesionSummary(lesion.label, lesion.role, lesion.organ, lesion.nodal)
                    for lesion in sorted(snapshot.lesions, key=lambda lesion: lesion.label))
    labels = {tp.uid: tp.visit for tp in snapshot.timepoints}
    pd_uid = report.recist.first_pd_visit_id
    # The best overall response depends on the subject's dates and the profile only, never on the
    # time points' labels, so the adjudicator's (blinded) snapshot serves.
    best = engine.outcome(snapshot, report).best_response.category
    return ReadSide(snapshot.read.uid, snapshot.reader.name, snapshot.reader.role, lesions, tuple(verdicts), best,
                    labels.get(pd_uid, pd_uid) if pd_uid else None)
