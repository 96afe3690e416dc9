"""One reader's read of one subject: its commands, undo/redo, sign-off and results (issue 5).

Every method that changes something is a command applied in ONE transaction together with its
audit row (who, when, what, before → after, and the reopening reason when the time point was
signed before). Commands touching a signed time point raise :class:`TimepointLockedError`.
Undo and redo are per read: they replay the recorded row changes inverted (or again) as new,
audited commands, and refuse with :class:`ConflictError` when someone changed those rows since.

Scoping: the session's repository only ever sees this reader's rows (issue 5, central review).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from assessment.profile import Profile
from assessment.read_report import ReadReport
from recist_app.evaluation import engine
from recist_app.model import completeness
from recist_app.model.records import (
    AdjudicationTask,
    Lesion,
    LesionRole,
    LesionState,
    LineMeasurement,
    Measurement,
    Reader,
    ReadSnapshot,
    ReadTimepoint,
    SeriesChoice,
    SeriesLink,
    Status,
    TimepointResultRecord,
)
from recist_app.store import audit, mapping, mutations, results, review, signoff, snapshots
from recist_app.store.db import Database
from recist_app.store.errors import IncompleteReadError, PermissionDeniedError
from recist_app.store.repository import Repository, Scope
from recist_app.store.schema import ReadRow
from recist_app.store.unit_of_work import RowChange, UnitOfWork

T = TypeVar("T")


@dataclass(frozen=True)
class AppliedCommand:
    """A command on the undo or redo stack: its name and the row changes it made."""

    action: str
    changes: tuple[RowChange, ...]


class ReadSession:
    """Commands and views of one read. Use :meth:`TrialStore.reader_session`."""

    def __init__(self, db: Database, trial_uid: str, reader: Reader, read_uid: str) -> None:
        if not reader.role.reads:
            raise PermissionDeniedError(reader.uid, reader.role.value,
                                        "own a read: adjudicators work on adjudication tasks")
        self._db = db
        self._trial_uid = trial_uid
        self.reader = reader
        self.read_uid = read_uid
        self._scope = Scope(reader.uid, reader.role)
        self._undo: list[AppliedCommand] = []
        self._redo: list[AppliedCommand] = []
        #: Called with the open adjudication task after a signature completes both central reads.
        self.on_adjudication: Callable[[AdjudicationTask], None] | None = None

    # Views.

    def snapshot(self) -> ReadSnapshot:
        """The read as this reader may see it (time points blinded where the trial asks)."""
        with self._db.read() as session:
            return self._snapshot(self._repo(session), blind=True)

    def timepoint_series(self, timepoint_uid: str) -> tuple[SeriesLink, ...]:
        """The series linked to a time point of the subject (paths included), by series number then
        description: what the reader chooses among (:meth:`choose_series`)."""
        with self._db.read() as session:
            repo = self._repo(session)
            return mutations.timepoint_series(repo, repo.read(self.read_uid).subject_uid, timepoint_uid)

    def chosen_series(self, timepoint_uid: str) -> str | None:
        """The Series Instance UID this read measures on at the time point (None: not chosen yet)."""
        with self._db.read() as session:
            repo = self._repo(session)
            read = repo.read(self.read_uid)
            repo.timepoint(timepoint_uid, read.subject_uid)
            return next((row.series_uid for row in mutations.series_choices(repo, read)
                         if row.timepoint_uid == timepoint_uid), None)

    def evaluate(self, profile: Profile | None = None) -> ReadReport:
        """The engine's RECIST 1.1, iRECIST and subset results of the stored read (refreshes the cache).

        A read needs a baseline: without any time point the engine's ``InvalidInputError`` is raised.
        """
        snapshot, report = self.evaluated(profile)
        return report if report is not None else engine.evaluate(snapshot, profile)  # raises: no baseline

    def evaluated(self, profile: Profile | None = None) -> tuple[ReadSnapshot, ReadReport | None]:
        """The read as this reader may see it and the engine's report of it, from ONE read of the database
        (the report is computed on the unblinded read; the result cache is refreshed when stale). The
        report is None while the subject has no time point (registered before its images arrive)."""
        snapshot, profile, digest, fresh = self._cache_state(profile)
        if not snapshot.timepoints:
            return snapshots.as_seen_by(snapshot, self.reader.role, self.reader.uid), None
        report = engine.evaluate(snapshot, profile)
        if fresh is None:
            with self._db.write() as session:
                results.store(session, self.read_uid, report, digest)
        return snapshots.as_seen_by(snapshot, self.reader.role, self.reader.uid), report

    def results(self, profile: Profile | None = None) -> tuple[TimepointResultRecord, ...]:
        """Cached results per time point; recomputed only when the read, profile or engine changed."""
        snapshot, profile, digest, fresh = self._cache_state(profile)
        if fresh is not None:
            return fresh
        if not snapshot.timepoints:
            return ()
        report = engine.evaluate(snapshot, profile)
        with self._db.write() as session:
            return results.store(session, self.read_uid, report, digest)

    # Commands.

    def add_lesion(self, label: str, role: LesionRole | str, *, organ: str = "", nodal: bool = False,
                   first_timepoint_uid: str | None = None, previously_irradiated: bool = False) -> Lesion:
        """Add a lesion with a new tracking UID (see :func:`mutations.add_lesion`)."""
        return self._run("add_lesion", lambda uow, repo, read: mutations.add_lesion(
            uow, repo, read, label, role, organ=organ, nodal=nodal, first_timepoint_uid=first_timepoint_uid,
            previously_irradiated=previously_irradiated))

    def edit_lesion(self, lesion: Lesion, **changes: Any) -> Lesion:
        """Change label, organ, nodal, role, first time point or previous irradiation of ``lesion``."""
        return self._run("edit_lesion", lambda uow, repo, read: mutations.edit_lesion(uow, repo, read, lesion, changes))

    def flag_irradiated(self, lesion: Lesion, irradiated: bool = True, *, sbrt_start: date | None = None,
                        sbrt_end: date | None = None, dose_gy: float | None = None,
                        fractions: int | None = None) -> Lesion:
        """Mark ``lesion`` irradiated on study with its SBRT course, or clear the mark."""
        return self._run("flag_irradiated", lambda uow, repo, read: mutations.flag_irradiated(
            uow, repo, read, lesion, irradiated, sbrt_start=sbrt_start, sbrt_end=sbrt_end, dose_gy=dose_gy,
            fractions=fractions))

    def delete_lesion(self, lesion: Lesion) -> None:
        """Delete ``lesion`` with its measurements and states."""
        self._run("delete_lesion", lambda uow, repo, read: mutations.delete_lesion(uow, repo, read, lesion))

    def record_measurement(self, lesion_uid: str, timepoint_uid: str, line: LineMeasurement,
                           fragment: int = 0) -> Measurement:
        """Store a caliper line of a lesion at a time point (points in patient LPS mm)."""
        return self._run("record_measurement", lambda uow, repo, read: mutations.record_measurement(
            uow, repo, read, lesion_uid, timepoint_uid, line, fragment))

    def record_caliper(self, lesion_uid: str, timepoint_uid: str, lines: Sequence[LineMeasurement],
                       fragment: int = 0) -> tuple[Measurement, ...]:
        """Store a caliper (one line, or a bidirectional caliper's two) as the lesion's lines at the time
        point, replacing that fragment's lines: one command, one transaction, one undo entry
        (see :func:`mutations.record_caliper`)."""
        return self._run("record_caliper", lambda uow, repo, read: mutations.record_caliper(
            uow, repo, read, lesion_uid, timepoint_uid, tuple(lines), fragment))

    def add_measured_lesion(self, label: str, role: LesionRole | str, timepoint_uid: str,
                            lines: Sequence[LineMeasurement], *, organ: str = "", nodal: bool = False) -> Lesion:
        """Add a lesion (new lesions first seen at ``timepoint_uid``) with its caliper: one command."""
        def build(uow: UnitOfWork, repo: Repository, read: ReadRow) -> Lesion:
            first = timepoint_uid if LesionRole(role).is_new else None
            lesion = mutations.add_lesion(uow, repo, read, label, role, organ=organ, nodal=nodal,
                                          first_timepoint_uid=first)
            mutations.record_caliper(uow, repo, read, lesion.uid, timepoint_uid, tuple(lines))
            return lesion
        return self._run("add_measured_lesion", build)

    def delete_caliper(self, lesion_uid: str, timepoint_uid: str, fragment: int = 0) -> None:
        """Delete the lesion's lines (one fragment) at the time point: one command."""
        self._run("delete_caliper", lambda uow, repo, read: mutations.delete_caliper(
            uow, repo, read, lesion_uid, timepoint_uid, fragment))

    def edit_measurement(self, measurement: Measurement, line: LineMeasurement) -> Measurement:
        """Replace the line of ``measurement``."""
        return self._run("edit_measurement", lambda uow, repo, read: mutations.edit_measurement(
            uow, repo, read, measurement, line))

    def delete_measurement(self, measurement: Measurement) -> None:
        """Delete ``measurement``."""
        self._run("delete_measurement", lambda uow, repo, read: mutations.delete_measurement(
            uow, repo, read, measurement))

    def set_status(self, lesion_uid: str, timepoint_uid: str, status: Status | str | None, *,
                   merged_into_uid: str | None = None, radiation_induced: bool = False,
                   replacing: LesionState | None = None, reason: str = "") -> LesionState | None:
        """State a lesion's status at a time point (too small, disappeared, split, merged, present …; not
        assessed with its ``reason``)."""
        return self._run("set_status", lambda uow, repo, read: mutations.set_status(
            uow, repo, read, lesion_uid, timepoint_uid, status, merged_into_uid=merged_into_uid,
            radiation_induced=radiation_induced, replacing=replacing, reason=reason))

    def assign_series(self, timepoint_uid: str, *, study_uid: str, series_uid: str, path: str = "",
                      modality: str = "", description: str = "", frame_of_reference_uid: str = "",
                      slice_thickness_mm: float | None = None, series_number: int | None = None) -> SeriesLink:
        """Link a DICOM series to a time point of the subject."""
        return self._run("assign_series", lambda uow, repo, read: mutations.assign_series(
            uow, repo, read.subject_uid, timepoint_uid, study_uid=study_uid, series_uid=series_uid, path=path,
            modality=modality, description=description, frame_of_reference_uid=frame_of_reference_uid,
            slice_thickness_mm=slice_thickness_mm, series_number=series_number))

    def choose_series(self, timepoint_uid: str, series_uid: str) -> SeriesChoice:
        """Measure on linked series ``series_uid`` (DICOM Series Instance UID) at this time point.

        One audited command on the undo stack, like every read change; choosing the series already
        chosen changes (and audits) nothing. Refused on a signed time point
        (:class:`TimepointLockedError`) and for a series not linked to it (:class:`InvalidRecordError`),
        the messages naming the visit and the series (see :func:`mutations.choose_series`).
        """
        return self._run("choose_series", lambda uow, repo, read: mutations.choose_series(
            uow, repo, read, timepoint_uid, series_uid))

    def confirm_cr(self, timepoint_uid: str, confirmed: bool = True) -> ReadTimepoint:
        """State that a CR at this time point was real (RULES §7 A5)."""
        return self._run("confirm_cr", lambda uow, repo, read: mutations.confirm_cr(
            uow, repo, read, timepoint_uid, confirmed))

    # Undo and redo.

    @property
    def can_undo(self) -> bool:
        """True when a command of this session can be undone."""
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        """True when an undone command can be redone."""
        return bool(self._redo)

    @property
    def undo_depth(self) -> int:
        """Commands on this session's undo stack (only commands that changed rows are pushed)."""
        return len(self._undo)

    def undo(self) -> str | None:
        """Undo the last command of this read; return its name (None when there is nothing to undo)."""
        if not self._undo:
            return None
        last = self._undo[-1]
        changes = self._replay(f"undo {last.action}", tuple(c.inverted() for c in reversed(last.changes)))
        self._undo.pop()
        self._redo.append(AppliedCommand(last.action, changes))
        return last.action

    def redo(self) -> str | None:
        """Redo the last undone command; return its name (None when there is nothing to redo)."""
        if not self._redo:
            return None
        last = self._redo[-1]
        changes = self._replay(f"redo {last.action}", tuple(c.inverted() for c in reversed(last.changes)))
        self._redo.pop()
        self._undo.append(AppliedCommand(last.action, changes))
        return last.action

    # Sign-off.

    def sign(self, timepoint_uid: str, password: str, meaning: str = signoff.DEFAULT_MEANING) -> ReadTimepoint:
        """Sign a time point with the reader's password or PIN; it becomes read-only (audited).

        A signature closes the undo history: what was signed is not undone (reopening, with a reason,
        is the way back). When this completes both central reads of the subject and they disagree, the
        adjudication task is created in the same transaction and passed to :attr:`on_adjudication`.
        :class:`IncompleteReadError` lists what the time point lacks (:mod:`recist_app.model.completeness`).
        """
        snapshot = self.snapshot()
        gaps = completeness.gaps_before_signing(snapshot, timepoint_uid)
        if gaps:
            raise IncompleteReadError(snapshot.timepoint(timepoint_uid).visit, gaps)
        with self._db.write() as session:
            repo = self._repo(session)
            read = repo.read(self.read_uid)
            repo.timepoint(timepoint_uid, read.subject_uid)
            uow = UnitOfWork(session)
            row = signoff.sign(uow, repo, read.uid, timepoint_uid, repo.reader(self.reader.uid), password, meaning,
                               audit.utc_now())
            self._audit(session, "sign", uow.changes, meaning)
            task = review.check_double_read(session, self._trial_uid, read.subject_uid, self.reader) \
                if self.reader.role.is_central else None
            record = mapping.read_timepoint(row)
        self._undo.clear()
        self._redo.clear()
        if task is not None and self.on_adjudication is not None:
            self.on_adjudication(task)
        return record

    def reopen(self, timepoint_uid: str, reason: str) -> ReadTimepoint:
        """Reopen a signed time point for editing; the reason is audited and carried by later edits."""
        with self._db.write() as session:
            repo = self._repo(session)
            uow = UnitOfWork(session)
            row = signoff.reopen(uow, repo, self.read_uid, timepoint_uid, reason)
            self._audit(session, "reopen", uow.changes, reason.strip())
            return mapping.read_timepoint(row)

    # Internals.

    def _repo(self, session: Session) -> Repository:
        return Repository(session, self._trial_uid, self._scope)

    def _snapshot(self, repo: Repository, *, blind: bool) -> ReadSnapshot:
        """The read (blinded for this reader when ``blind``) with its series choices."""
        read = repo.read(self.read_uid)
        snapshot = snapshots.build(repo, read, blind_as=self.reader.role if blind else None)
        choices = tuple(mapping.series_choice(row) for row in mutations.series_choices(repo, read))
        return dataclasses.replace(snapshot, series_choices=choices)

    def _run(self, action: str, build: Callable[[UnitOfWork, Repository, ReadRow], T]) -> T:
        """Apply one command in one transaction with its audit row; push it on the undo stack."""
        with self._db.write() as session:
            repo = self._repo(session)
            uow = UnitOfWork(session)
            result = build(uow, repo, repo.read(self.read_uid))
            changes = tuple(uow.changes)
            if changes:
                self._audit(session, action, uow.changes, signoff.check_unlocked(repo, self.read_uid, changes))
        if changes:
            self._undo.append(AppliedCommand(action, changes))
            self._redo.clear()
        return result

    def _replay(self, action: str, changes: tuple[RowChange, ...]) -> tuple[RowChange, ...]:
        """Apply recorded changes (undo/redo) as one audited command; return the changes made."""
        with self._db.write() as session:
            repo = self._repo(session)
            repo.read(self.read_uid)  # still visible to this reader
            uow = UnitOfWork(session)
            for change in changes:
                uow.apply(change)
            self._audit(session, action, uow.changes, signoff.check_unlocked(repo, self.read_uid, uow.changes))
            return tuple(uow.changes)

    def _audit(self, session: Session, action: str, changes: Sequence[RowChange], reason: str) -> None:
        audit.append(session, actor_uid=self.reader.uid, actor_name=self.reader.name, action=action,
                     read_uid=self.read_uid, changes=changes, reason=reason)

    def _cache_state(self, profile: Profile | None) -> tuple[ReadSnapshot, Profile, str,
                                                             tuple[TimepointResultRecord, ...] | None]:
        """The unblinded snapshot, the profile, the input fingerprint and the cached results if fresh."""
        with self._db.read() as session:
            repo = self._repo(session)
            snapshot = self._snapshot(repo, blind=False)
            cached = [mapping.result(row) for row in repo.results(self.read_uid)]
        profile = profile or engine.trial_profile(snapshot)
        digest = results.fingerprint(snapshot, profile)
        fresh = len(cached) == len(snapshot.timepoints) and all(r.input_sha256 == digest for r in cached)
        return snapshot, profile, digest, tuple(sorted(cached, key=_order(snapshot))) if fresh and cached else None


def _order(snapshot: ReadSnapshot) -> Callable[[TimepointResultRecord], int]:
    index = {tp.uid: n for n, tp in enumerate(sorted(snapshot.timepoints, key=lambda tp: tp.scan_date or date.min))}
    return lambda record: index.get(record.timepoint_uid, len(index))
