"""Queries of one trial, always through the caller's :class:`Scope` (issue 5, central review).

A reader never sees another reader's reads, lesions, measurements, states, signatures or results:
every query of those rows is filtered here, in the store, by the reads the scope may see — the
reader's own, or every read of the trial for an adjudicator or administrator. A row outside the
scope is reported as not found, exactly like a row that does not exist.

Subjects, sites, time points and their series are trial data shared by every reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, select, text
from sqlalchemy.orm import Session

from recist_app.model.records import ReaderRole
from recist_app.store.errors import NotFoundError
from recist_app.store.schema import (
    AdjudicationRow,
    Base,
    LesionRow,
    LesionStateRow,
    MeasurementRow,
    ReaderRow,
    ReadRow,
    ReadTimepointRow,
    SeriesRow,
    SiteRow,
    SubjectRow,
    TimepointResultRow,
    TimepointRow,
    TrialRow,
)

RowT = TypeVar("RowT", bound=Base)


@dataclass(frozen=True)
class Scope:
    """Whose rows a repository may return: one reader's, or all (adjudicator, administrator)."""

    reader_uid: str
    role: ReaderRole

    @property
    def sees_all_reads(self) -> bool:
        """True for the adjudicator (sees both reads) and the administrator."""
        return self.role in (ReaderRole.ADJUDICATOR, ReaderRole.ADMIN)


#: The store's own scope for administrative work (listing, adjudication checks).
SYSTEM = Scope("", ReaderRole.ADMIN)


class Repository:
    """Row queries of trial ``trial_uid`` within ``scope``, in the caller's session."""

    def __init__(self, session: Session, trial_uid: str, scope: Scope) -> None:
        self.session = session
        self.trial_uid = trial_uid
        self.scope = scope

    # Trial data shared by every reader.

    def trial(self) -> TrialRow:
        """The trial row."""
        return self._one(select(TrialRow).where(TrialRow.uid == self.trial_uid), "trial", self.trial_uid)

    def site(self, code: str) -> SiteRow:
        """The site with ``code``."""
        query = select(SiteRow).where(SiteRow.trial_uid == self.trial_uid, SiteRow.code == code)
        return self._one(query, "site", code)

    def sites(self) -> list[SiteRow]:
        """Every site, by code."""
        return list(self.session.scalars(select(SiteRow).where(SiteRow.trial_uid == self.trial_uid)
                                         .order_by(SiteRow.code)))

    def subject(self, subject_id: str) -> SubjectRow:
        """The subject with pseudonymised id ``subject_id``."""
        query = select(SubjectRow).where(SubjectRow.trial_uid == self.trial_uid, SubjectRow.subject_id == subject_id)
        return self._one(query, "subject", subject_id)

    def lock_subject(self, subject_id: str) -> SubjectRow:
        """The subject row, its reads locked until the transaction ends: check-then-insert of a subject's
        reads by two workstations at once cannot both insert. On PostgreSQL a transaction advisory lock
        on the subject (a reader's role may not lock the row itself, nor the blinded view of it); on
        SQLite the write transaction's ``BEGIN IMMEDIATE`` already serialises."""
        if self.session.get_bind().dialect.name == "postgresql":
            key = f"recist subject {self.trial_uid} {subject_id}"
            self.session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})
        return self.subject(subject_id)

    def subject_by_uid(self, uid: str) -> SubjectRow:
        """The subject row ``uid``."""
        query = select(SubjectRow).where(SubjectRow.trial_uid == self.trial_uid, SubjectRow.uid == uid)
        return self._one(query, "subject", uid)

    def subjects(self) -> list[SubjectRow]:
        """Every subject, by id."""
        return list(self.session.scalars(select(SubjectRow).where(SubjectRow.trial_uid == self.trial_uid)
                                         .order_by(SubjectRow.subject_id)))

    def timepoints(self, subject_uid: str) -> list[TimepointRow]:
        """The subject's imaging time points by scan date (the first is baseline)."""
        return list(self.session.scalars(select(TimepointRow).where(TimepointRow.subject_uid == subject_uid)
                                         .order_by(TimepointRow.scan_date)))

    def timepoint(self, uid: str, subject_uid: str) -> TimepointRow:
        """Time point ``uid``, which must belong to subject ``subject_uid``."""
        query = select(TimepointRow).where(TimepointRow.uid == uid, TimepointRow.subject_uid == subject_uid)
        return self._one(query, "time point", uid)

    def series(self, timepoint_uids: list[str]) -> list[SeriesRow]:
        """Series linked to these time points."""
        query = select(SeriesRow).where(SeriesRow.timepoint_uid.in_(timepoint_uids))
        return list(self.session.scalars(query.order_by(SeriesRow.series_uid)))

    def reader(self, uid: str) -> ReaderRow:
        """Reader ``uid`` of this trial."""
        query = select(ReaderRow).where(ReaderRow.trial_uid == self.trial_uid, ReaderRow.uid == uid)
        return self._one(query, "reader", uid)

    def readers(self) -> list[ReaderRow]:
        """Every reader, by name."""
        return list(self.session.scalars(select(ReaderRow).where(ReaderRow.trial_uid == self.trial_uid)
                                         .order_by(ReaderRow.name)))

    # Reader-scoped rows.

    def visible_reads(self) -> Select[Any]:
        """The uids of the reads this scope may see (a subquery every scoped query filters by)."""
        query = select(ReadRow.uid).join(SubjectRow, ReadRow.subject_uid == SubjectRow.uid) \
            .where(SubjectRow.trial_uid == self.trial_uid)
        if not self.scope.sees_all_reads:
            query = query.where(ReadRow.reader_uid == self.scope.reader_uid)
        return query

    def read(self, uid: str) -> ReadRow:
        """Read ``uid`` if visible."""
        return self._one(select(ReadRow).where(ReadRow.uid == uid, ReadRow.uid.in_(self.visible_reads())),
                         "read", uid)

    def reads(self, subject_uid: str | None = None) -> list[ReadRow]:
        """Visible reads (of one subject), oldest first."""
        query = select(ReadRow).where(ReadRow.uid.in_(self.visible_reads()))
        if subject_uid is not None:
            query = query.where(ReadRow.subject_uid == subject_uid)
        return list(self.session.scalars(query.order_by(ReadRow.created_at, ReadRow.uid)))

    def lesions(self, read_uid: str) -> list[LesionRow]:
        """The lesions of a visible read, by label."""
        query = select(LesionRow).where(LesionRow.read_uid == read_uid, LesionRow.read_uid.in_(self.visible_reads()))
        return list(self.session.scalars(query.order_by(LesionRow.label)))

    def lesion(self, uid: str, read_uid: str) -> LesionRow:
        """Lesion ``uid`` of read ``read_uid`` (visible)."""
        query = select(LesionRow).where(LesionRow.uid == uid, LesionRow.read_uid == read_uid,
                                        LesionRow.read_uid.in_(self.visible_reads()))
        return self._one(query, "lesion", uid)

    def measurements(self, read_uid: str, lesion_uid: str | None = None) -> list[MeasurementRow]:
        """The measurements of a visible read (of one lesion)."""
        query = self._of_lesions(MeasurementRow, read_uid)
        if lesion_uid is not None:
            query = query.where(MeasurementRow.lesion_uid == lesion_uid)
        return list(self.session.scalars(query.order_by(MeasurementRow.lesion_uid, MeasurementRow.timepoint_uid,
                                                        MeasurementRow.axis, MeasurementRow.fragment)))

    def measurement(self, uid: str, read_uid: str) -> MeasurementRow:
        """Measurement ``uid`` of read ``read_uid`` (visible)."""
        return self._one(self._of_lesions(MeasurementRow, read_uid).where(MeasurementRow.uid == uid),
                         "measurement", uid)

    def states(self, read_uid: str, lesion_uid: str | None = None) -> list[LesionStateRow]:
        """The lesion states of a visible read (of one lesion)."""
        query = self._of_lesions(LesionStateRow, read_uid)
        if lesion_uid is not None:
            query = query.where(LesionStateRow.lesion_uid == lesion_uid)
        return list(self.session.scalars(query.order_by(LesionStateRow.lesion_uid, LesionStateRow.timepoint_uid)))

    def merged_into(self, read_uid: str, lesion_uid: str) -> list[LesionStateRow]:
        """States of the read that name ``lesion_uid`` as the survivor of a merge."""
        query = self._of_lesions(LesionStateRow, read_uid).where(LesionStateRow.merged_into_uid == lesion_uid)
        return list(self.session.scalars(query))

    def read_timepoints(self, read_uid: str) -> list[ReadTimepointRow]:
        """Signatures and CR confirmations of a visible read."""
        query = select(ReadTimepointRow).where(ReadTimepointRow.read_uid == read_uid,
                                               ReadTimepointRow.read_uid.in_(self.visible_reads()))
        return list(self.session.scalars(query))

    def read_timepoint(self, read_uid: str, timepoint_uid: str) -> ReadTimepointRow | None:
        """The read × time-point row, if any."""
        return next((row for row in self.read_timepoints(read_uid) if row.timepoint_uid == timepoint_uid), None)

    def results(self, read_uid: str) -> list[TimepointResultRow]:
        """Cached engine results of a visible read."""
        query = select(TimepointResultRow).where(TimepointResultRow.read_uid == read_uid,
                                                 TimepointResultRow.read_uid.in_(self.visible_reads()))
        return list(self.session.scalars(query))

    def tasks(self, subject_uid: str | None = None) -> list[AdjudicationRow]:
        """Adjudication tasks (adjudicator and administrator only; empty for readers)."""
        if not self.scope.sees_all_reads:
            return []
        query = select(AdjudicationRow).join(SubjectRow, AdjudicationRow.subject_uid == SubjectRow.uid) \
            .where(SubjectRow.trial_uid == self.trial_uid)
        if subject_uid is not None:
            query = query.where(AdjudicationRow.subject_uid == subject_uid)
        return list(self.session.scalars(query.order_by(AdjudicationRow.created_at)))

    def task(self, uid: str) -> AdjudicationRow:
        """Adjudication task ``uid``."""
        found = next((row for row in self.tasks() if row.uid == uid), None)
        if found is None:
            raise NotFoundError("adjudication task", uid)
        return found

    def _of_lesions(self, model: type[RowT], read_uid: str) -> Select[RowT]:
        """Rows of ``model`` (measurements, states) whose lesion belongs to a visible read."""
        column = model.__table__.c.lesion_uid
        return select(model).join(LesionRow, column == LesionRow.uid) \
            .where(LesionRow.read_uid == read_uid, LesionRow.read_uid.in_(self.visible_reads()))

    def _one(self, query: Select[RowT], kind: str, key: object) -> RowT:
        row = self.session.scalars(query).one_or_none()
        if row is None:
            raise NotFoundError(kind, key)
        return row
