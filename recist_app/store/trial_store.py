"""The trial database's front door (issue 5): open or create a trial, administer it, hand out sessions.

    store = TrialStore.create("stereosarc.sqlite", code="STEREOSARC", name="…", profile_toml=text)
    store.add_site("FR01"); store.add_subject("S-001", "FR01", randomised_on=date(2024, 1, 2))
    tp = store.add_timepoint("S-001", "Baseline", date(2024, 1, 5))
    reader = store.add_reader("Dr A", ReaderRole.CENTRAL_READER_1, password="…")
    read = store.reader_session(store.log_in("Dr A", "…"), "S-001")
    t01 = read.add_lesion("T01", "TARGET", organ="LUNG")

Administrative changes (trial, sites, subjects, time points, series, readers, new reads) are
audited like the readers' commands, with the acting user's name (``actor``). A reader the
administrator disabled (:meth:`TrialStore.set_reader_active`) can no longer log in, start a read
or adjudicate (:class:`~recist_app.store.errors.ReaderDisabledError`); their reads and signatures stay.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Self, TypeVar

from sqlalchemy import literal_column, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assessment.profile import Profile
from recist_app.evaluation.trial_profile import parse_trial_profile
from recist_app.model.errors import InvalidRecordError
from recist_app.model.records import (
    AdjudicationTask,
    AuditEntry,
    Reader,
    ReaderRole,
    ReadSnapshot,
    ReadSummary,
    SeriesLink,
    Site,
    Subject,
    Timepoint,
    Trial,
    new_uid,
)
from recist_app.store import audit, db_roles, mapping, review, signoff, snapshots
from recist_app.store import mutations as commands
from recist_app.store.db import HEAD_REVISION, Database, known_revisions, unique_violation
from recist_app.store.errors import (
    ConstraintError,
    DatabaseError,
    DuplicateError,
    NotLoggedInError,
    PermissionDeniedError,
    ReaderDisabledError,
    RefusedInputError,
)
from recist_app.store.logins import Login, LoginKeys
from recist_app.store.read_session import ReadSession
from recist_app.store.repository import SYSTEM, Repository
from recist_app.store.review import AdjudicationSession
from recist_app.store.schema import (
    ReaderRow,
    ReadRow,
    SiteRow,
    SubjectRow,
    TimepointRow,
    TrialRow,
)
from recist_app.store.signoff import hash_password
from recist_app.store.unit_of_work import UnitOfWork

SYSTEM_ACTOR = "system"
T = TypeVar("T")


class TrialStore:
    """One trial in one database. Use :meth:`create` or :meth:`open`; :meth:`close` when done."""

    def __init__(self, db: Database, trial_uid: str) -> None:
        """Wrap an open database and the uid of its trial (use :meth:`create` or :meth:`open`)."""
        self.db = db
        self.trial_uid = trial_uid
        self._logins = LoginKeys()

    # Opening.

    @classmethod
    def create(cls, db: str | Path, *, code: str, name: str = "", profile_toml: str = "",
               blind_visits: bool = False, adjudicate_on: tuple[str, ...] = ("pd_date", "bor"),
               actor: str = SYSTEM_ACTOR) -> TrialStore:
        """Create the schema (migrations) if needed and the trial ``code`` in it."""
        if not code or not code.strip():
            raise InvalidRecordError("code", code, "a non-empty trial code (e.g. STEREOSARC)")
        if profile_toml:
            parse_trial_profile(profile_toml)  # ProfileError naming the key (engine keys, [series], [[visit]])
        unknown = sorted(set(adjudicate_on) - set(review.ADJUDICATION_POINTS))
        if unknown:
            raise InvalidRecordError("adjudicate_on", unknown, f"points among {sorted(review.ADJUDICATION_POINTS)}")
        database = Database.connect(db, create=True)
        try:
            database.migrate()
            with database.write() as session:
                existing = list(session.scalars(select(TrialRow.code)))
                if code.strip() in existing:
                    raise DuplicateError("trial", code.strip())
                if existing and database.dialect == "sqlite":
                    raise DatabaseError(f"{database.name} already holds trial {existing[0]}: a SQLite file holds "
                                        "one trial; give another --db.")
                uow = UnitOfWork(session)
                row = uow.insert(TrialRow(uid=new_uid(), code=code.strip(), name=name, profile_toml=profile_toml,
                                          blind_visits=blind_visits, adjudicate_on=",".join(adjudicate_on),
                                          created_at=audit.utc_now()))
                audit.append(session, actor_uid="", actor_name=actor, action="create_trial", changes=uow.changes)
                if database.dialect == "postgresql":
                    db_roles.create_group_roles(session, row.code, blind_visits)
        except BaseException:
            database.dispose()
            raise
        return cls(database, row.uid)

    @classmethod
    def open(cls, db: str | Path, trial_code: str | None = None) -> TrialStore:
        """Open an existing trial database (upgrading its schema); ``trial_code`` when it holds several."""
        database = Database.connect(db)
        try:
            revision = database.revision()
            if revision is None:
                raise DatabaseError(f"{database.name} is not a trial database (no schema); use `trial create`.")
            if revision != HEAD_REVISION:  # Alembic only when the schema is not the newest
                if revision not in known_revisions():
                    raise DatabaseError(f"{database.name} has schema revision {revision}, unknown to this version "
                                        "of the workstation: update the workstation.")
                try:
                    database.migrate()
                except DatabaseError as exc:
                    raise DatabaseError(f"{database.name} has schema revision {revision}, older than this "
                                        f"workstation's {HEAD_REVISION}, and could not be upgraded ({exc}). A reader's "
                                        "database role cannot upgrade it: ask the trial's administrator to open it "
                                        "once as the database's owner (e.g. `trial info`).") from exc
            with database.read() as session:
                rows = list(session.scalars(select(TrialRow).order_by(TrialRow.code)))
            chosen = [row for row in rows if trial_code in (None, row.code)]
            if len(chosen) != 1:
                codes = ", ".join(row.code for row in rows) or "none"
                wanted = f"trial {trial_code!r}" if trial_code else "a single trial"
                raise DatabaseError(f"{database.name} does not hold {wanted} (trials: {codes}).")
        except BaseException:
            database.dispose()
            raise
        return cls(database, chosen[0].uid)

    def close(self) -> None:
        """Release the database connections."""
        self.db.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @functools.cached_property
    def connected_reader(self) -> Reader | None:
        """The reader whose own PostgreSQL login role this store is connected as (:mod:`~recist_app.store.db_roles`);
        None for the schema owner and on SQLite. Such a store changes that reader's reads only."""
        if self.db.dialect != "postgresql":
            return None
        with self.db.read() as session:
            row = session.scalars(select(ReaderRow).where(ReaderRow.db_role == literal_column("current_user"))).first()
            return mapping.reader(row) if row is not None else None

    def may_import_images(self, reader: Reader | None) -> bool:
        """True when images may be imported into the trial here, for the logged-in ``reader``: not through a
        reader's own database role (the owner adds time points and series), and not by a reader the trial
        blinds to visits (a folder's studies show their dates)."""
        blinded = reader is not None and snapshots.is_blinded_for(self.blind_visits, reader.role)
        return self.connected_reader is None and not blinded

    @functools.cached_property
    def blind_visits(self) -> bool:
        """Whether the trial blinds visits (set when the trial is created and never changed): read once, since
        the workstation asks at every change of its state."""
        return self.trial.blind_visits

    # Trial data.

    @property
    def trial(self) -> Trial:
        """The trial record."""
        with self.db.read() as session:
            return mapping.trial(self._repo(session).trial())

    @property
    def profile(self) -> Profile:
        """The trial's protocol profile for the engine (RULES §7 defaults when none); its flat keys only."""
        text = self.trial.profile_toml
        return parse_trial_profile(text).engine if text else Profile()

    def sites(self) -> tuple[Site, ...]:
        """Every site, by code."""
        with self.db.read() as session:
            return tuple(mapping.site(row) for row in self._repo(session).sites())

    def subjects(self) -> tuple[Subject, ...]:
        """Every subject, by id."""
        with self.db.read() as session:
            repo = self._repo(session)
            codes = {row.uid: row.code for row in repo.sites()}
            return tuple(mapping.subject(row, codes[row.site_uid]) for row in repo.subjects())

    def subject(self, subject_id: str) -> Subject:
        """The subject ``subject_id``."""
        with self.db.read() as session:
            repo = self._repo(session)
            row = repo.subject(subject_id)
            site = next(s for s in repo.sites() if s.uid == row.site_uid)
            return mapping.subject(row, site.code)

    def timepoints(self, subject_id: str) -> tuple[Timepoint, ...]:
        """The subject's imaging time points by date, with their series (unblinded: administrators)."""
        with self.db.read() as session:
            repo = self._repo(session)
            return snapshots.subject_timepoints(repo, repo.subject(subject_id).uid)

    def readers(self) -> tuple[Reader, ...]:
        """Every reader, by name."""
        with self.db.read() as session:
            return tuple(mapping.reader(row) for row in self._repo(session).readers())

    def read_snapshots(self, subject_ids: Iterable[str] | None = None) -> list[ReadSnapshot]:
        """Every read (of ``subject_ids``), unblinded, from one read transaction: what exports and reports
        sent back to a PACS are made from (the administrator's; a reader's role sees its own reads only)."""
        with self.db.read() as session:
            repo = self._repo(session)
            wanted = None if subject_ids is None else {repo.subject(subject_id).uid for subject_id in subject_ids}
            return [snapshots.build(repo, row) for row in repo.reads() if wanted is None or row.subject_uid in wanted]

    def reads(self, subject_id: str | None = None) -> tuple[ReadSummary, ...]:
        """Who reads whom, how far signed, which read was accepted (no measurements)."""
        with self.db.read() as session:
            repo = self._repo(session)
            subjects = {row.uid: row for row in repo.subjects()}
            readers = {row.uid: row for row in repo.readers()}
            wanted = repo.subject(subject_id).uid if subject_id is not None else None
            summaries = []
            for read in repo.reads(wanted):
                total = len(repo.timepoints(read.subject_uid))
                signed = sum(1 for row in repo.read_timepoints(read.uid) if row.signed_at is not None)
                reader = readers[read.reader_uid]
                summaries.append(ReadSummary(mapping.read(read), subjects[read.subject_uid].subject_id, reader.name,
                                             ReaderRole(reader.role), signed, total))
            return tuple(sorted(summaries, key=lambda s: (s.subject_id, s.reader_role, s.reader_name)))

    # Administration (audited).

    def add_site(self, code: str, name: str = "", actor: str = SYSTEM_ACTOR) -> Site:
        """Add an investigational site."""
        code = _required("code", code)

        def build(uow: UnitOfWork, repo: Repository) -> Site:
            if any(row.code == code for row in repo.sites()):
                raise DuplicateError("site", code)
            return mapping.site(uow.insert(SiteRow(uid=new_uid(), trial_uid=self.trial_uid, code=code, name=name)))
        return self._admin("add_site", actor, build)

    def add_subject(self, subject_id: str, site_code: str, *, arm: str = "", randomised_on: date | None = None,
                    first_dose_on: date | None = None, prev_pfs_days: int | None = None,
                    prev_pfs_censored: bool = False, actor: str = SYSTEM_ACTOR) -> Subject:
        """Add a pseudonymised subject at a site (previous-line PFS for the GMI, RULES §7 A10)."""
        subject_id = _required("subject_id", subject_id)
        if prev_pfs_days is not None and (isinstance(prev_pfs_days, bool) or prev_pfs_days < 1):
            raise InvalidRecordError("prev_pfs_days", prev_pfs_days, "a whole number of days ≥ 1")

        def build(uow: UnitOfWork, repo: Repository) -> Subject:
            site = repo.site(site_code)
            if any(row.subject_id == subject_id for row in repo.subjects()):
                raise DuplicateError("subject", subject_id)
            row = uow.insert(SubjectRow(uid=new_uid(), trial_uid=self.trial_uid, site_uid=site.uid,
                                        subject_id=subject_id, arm=arm, randomised_on=randomised_on,
                                        first_dose_on=first_dose_on, prev_pfs_days=prev_pfs_days,
                                        prev_pfs_censored=prev_pfs_censored))
            return mapping.subject(row, site.code)
        return self._admin("add_subject", actor, build)

    def set_reads_due(self, subject_id: str, due_on: date | None, actor: str = SYSTEM_ACTOR) -> Subject:
        """Set (or clear, None) the date by which the subject's reads are due; audited. The readers'
        worklists show it."""
        if due_on is not None and not isinstance(due_on, date):
            raise InvalidRecordError("due_on", due_on, "a date or None")

        def build(uow: UnitOfWork, repo: Repository) -> Subject:
            row = repo.subject(subject_id)
            site = next(site for site in repo.sites() if site.uid == row.site_uid)
            if row.reads_due_on == due_on:
                return mapping.subject(row, site.code)
            return mapping.subject(uow.update(row, row.version, reads_due_on=due_on), site.code)
        return self._admin("set_reads_due", actor, build)

    def add_timepoint(self, subject_id: str, visit: str, scan_date: date, actor: str = SYSTEM_ACTOR) -> Timepoint:
        """Add an imaging time point (one per scan date); the earliest is baseline."""
        if not isinstance(scan_date, date):
            raise InvalidRecordError("scan_date", scan_date, "a date")

        def build(uow: UnitOfWork, repo: Repository) -> Timepoint:
            subject = repo.subject(subject_id)
            existing = repo.timepoints(subject.uid)
            if any(tp.scan_date == scan_date for tp in existing):
                raise DuplicateError("time point", f"{subject_id} on {scan_date}")
            if existing and scan_date < existing[0].scan_date and repo.reads(subject.uid):
                raise RefusedInputError(
                    "scan_date", scan_date, f"after baseline ({existing[0].scan_date}): the subject already has reads",
                    f"The scan of {scan_date} is older than {subject_id}'s baseline ({existing[0].scan_date}), and "
                    f"{subject_id} is already being read: it cannot become a new baseline. Check the study date; "
                    "nothing was added for that scan.")
            row = uow.insert(TimepointRow(uid=new_uid(), subject_uid=subject.uid, visit=visit, scan_date=scan_date))
            return mapping.timepoint(row, not existing or scan_date < existing[0].scan_date, ())
        return self._admin("add_timepoint", actor, build)

    def attach_series(self, timepoint_uid: str, *, study_uid: str, series_uid: str, path: str = "",
                      modality: str = "", description: str = "", frame_of_reference_uid: str = "",
                      slice_thickness_mm: float | None = None, series_number: int | None = None,
                      actor: str = SYSTEM_ACTOR) -> SeriesLink:
        """Link a DICOM series (by UID and path, with its (0020,0011) Series Number) to a time point."""
        def build(uow: UnitOfWork, repo: Repository) -> SeriesLink:
            tp = self._timepoint_row(repo, timepoint_uid)
            return commands.assign_series(uow, repo, tp.subject_uid, timepoint_uid, study_uid=study_uid,
                                          series_uid=series_uid, path=path, modality=modality,
                                          description=description, frame_of_reference_uid=frame_of_reference_uid,
                                          slice_thickness_mm=slice_thickness_mm, series_number=series_number)
        return self._admin("attach_series", actor, build)

    def timepoint_series(self, timepoint_uid: str) -> tuple[SeriesLink, ...]:
        """The series linked to a time point of the trial, with their paths, by series number then description."""
        with self.db.read() as session:
            repo = self._repo(session)
            tp = self._timepoint_row(repo, timepoint_uid)
            return commands.timepoint_series(repo, tp.subject_uid, tp.uid)

    def edit_trial(self, *, name: str, actor: str = SYSTEM_ACTOR) -> Trial:
        """Rename the trial (audited as ``edit_trial``; nothing is written when the name is the same).

        The code stays: it names the database file, the exports and the SDTM STUDYID.
        """
        if not isinstance(name, str):
            raise InvalidRecordError("name", name, "a text (may be empty)")

        def build(uow: UnitOfWork, repo: Repository) -> Trial:
            row = repo.trial()
            return mapping.trial(uow.update(row, row.version, name=name.strip()))
        return self._admin("edit_trial", actor, build)

    def add_reader(self, name: str, role: ReaderRole | str, password: str, actor: str = SYSTEM_ACTOR) -> Reader:
        """Add an active reader; only a salted scrypt hash of the password or PIN is stored.

        On PostgreSQL a reader who reads or adjudicates also gets a login role with this password
        (:func:`recist_app.store.db_roles.create_login_role`; ``Reader.db_role``).
        """
        name = _required("name", name)
        try:
            role = ReaderRole(role)
        except ValueError:
            raise InvalidRecordError("role", role, f"one of {[r.value for r in ReaderRole]}") from None
        password_hash = hash_password(password)

        def build(uow: UnitOfWork, repo: Repository) -> Reader:
            if any(row.name == name for row in repo.readers()):
                raise DuplicateError("reader", name)
            db_role = None
            if self.db.dialect == "postgresql" and role in db_roles.GROUP_ROLES:
                trial = repo.trial()
                db_role = db_roles.create_login_role(repo.session, trial.code, role, trial.blind_visits, password)
            return mapping.reader(uow.insert(ReaderRow(uid=new_uid(), trial_uid=self.trial_uid, name=name,
                                                       role=role.value, password_hash=password_hash, active=True,
                                                       db_role=db_role)))
        return self._admin("add_reader", actor, build)

    def set_reader_active(self, reader_uid: str, active: bool, actor: str = SYSTEM_ACTOR) -> Reader:
        """Disable reader ``reader_uid`` (``active=False``) or enable the reader again.

        A disabled reader cannot log in, start a read, adjudicate or sign; their reads and signatures
        stay. Audited as ``disable_reader`` / ``enable_reader``; nothing is written when the reader
        already is so.

        Raises
        ------
        ConstraintError
            When disabling the trial's last active administrator.
        NotFoundError
            When no reader of the trial has this uid.
        """
        if not isinstance(active, bool):
            raise InvalidRecordError("active", active, "True (enable) or False (disable)")

        def build(uow: UnitOfWork, repo: Repository) -> Reader:
            row = repo.reader(reader_uid)
            admin = ReaderRole.ADMIN.value
            if row.active and not active and row.role == admin and not any(
                    other.active and other.role == admin and other.uid != row.uid for other in repo.readers()):
                raise ConstraintError(f"{row.name} is the trial's last active administrator and cannot be "
                                      "disabled: add or enable another administrator first.")
            if row.db_role is not None and row.active != active:
                db_roles.set_login_allowed(repo.session, row.db_role, active)
            return mapping.reader(uow.update(row, row.version, active=active))
        return self._admin("enable_reader" if active else "disable_reader", actor, build)

    def set_reader_password(self, reader_uid: str, password: str, actor: str = SYSTEM_ACTOR) -> Reader:
        """Give reader ``reader_uid`` a new password or PIN (only its salted scrypt hash is stored).

        Audited as ``set_reader_password``; the audit trail shows a SHA-256 digest of the hash only.
        """
        password_hash = hash_password(password)

        def build(uow: UnitOfWork, repo: Repository) -> Reader:
            row = repo.reader(reader_uid)
            if row.db_role is not None:
                db_roles.set_login_password(repo.session, row.db_role, password)
            return mapping.reader(uow.update(row, row.version, password_hash=password_hash))
        return self._admin("set_reader_password", actor, build)

    def authenticate(self, reader: str, password: str) -> Reader:
        """The reader (by uid, or by name) when ``password`` is theirs.

        The check is the signature's (:func:`signoff.authenticate`: salted scrypt, constant-time
        comparison); like it, a login is not audited. The hash never leaves the store.

        Raises
        ------
        SignatureError
            On a wrong password or PIN.
        ReaderDisabledError
            When the password is right but the administrator disabled the reader.
        NotFoundError
            When no reader of the trial has this uid or name.
        """
        with self.db.read() as session:
            repo = self._repo(session)
            rows = repo.readers()
            row = next((r for r in rows if r.uid == reader), None) or next((r for r in rows if r.name == reader), None)
            if row is None:
                row = repo.reader(reader)  # raises NotFoundError
            signoff.authenticate(row, password)  # first: a wrong password says nothing of the reader's state
            if not row.active:
                raise ReaderDisabledError(row.uid)
            return mapping.reader(row)

    # Sessions.

    def log_in(self, reader: str, password: str) -> Login:
        """The :class:`Login` of the reader (by uid or name) when ``password`` is theirs (as :meth:`authenticate`)."""
        return self._logins.issue(self.authenticate(reader, password))

    def reader_session(self, reader: Login | str, subject_id: str, *, password: str | None = None) -> ReadSession:
        """The read of ``subject_id`` by a logged-in reader (created, audited, on first use).

        ``reader`` is a :class:`Login` of this store (:meth:`log_in`), or a reader's uid with their
        ``password``; anything else is refused (:class:`NotLoggedInError`), so the audit's actor is
        always the reader who authenticated. Keep the returned session while the reader works: its
        undo/redo stack lives in it. A wrong password raises :class:`SignatureError`; a disabled
        reader gets no session (:class:`ReaderDisabledError`).
        """
        if isinstance(reader, Login):
            reader_uid = self._logins.check(reader).uid
        elif password is None:
            raise NotLoggedInError()
        else:
            reader_uid = reader
        with self.db.write() as session:
            repo = self._repo(session)
            row = repo.reader(reader_uid)
            if not isinstance(reader, Login):
                signoff.authenticate(row, password or "")
            if not row.active:
                raise ReaderDisabledError(row.uid)
            who = mapping.reader(row)
            if not who.role.reads:
                raise PermissionDeniedError(who.uid, who.role.value,
                                            "own a read: adjudicators work on adjudication tasks")
            subject = repo.lock_subject(subject_id)  # one read per subject and central role, even in a race
            reads = repo.reads(subject.uid)
            read = next((r for r in reads if r.reader_uid == reader_uid), None)
            if read is None:
                if who.role.is_central and any(repo.reader(r.reader_uid).role == who.role for r in reads):
                    raise DuplicateError(f"{who.role.value.replace('_', ' ')} read of subject", subject_id)
                uow = UnitOfWork(session)
                try:  # the unique index catches the read of a reader this role may not see (PostgreSQL roles)
                    read = uow.insert(ReadRow(uid=new_uid(), subject_uid=subject.uid, reader_uid=reader_uid,
                                              accepted=False, created_at=audit.utc_now(),
                                              central_role=who.role.value if who.role.is_central else None))
                except IntegrityError as exc:
                    if not unique_violation(exc):
                        raise
                    raise DuplicateError(f"{who.role.value.replace('_', ' ')} read of subject", subject_id) from exc
                audit.append(session, actor_uid=who.uid, actor_name=who.name, action="create_read",
                             read_uid=read.uid, changes=uow.changes)
        return ReadSession(self.db, self.trial_uid, who, read.uid)

    def adjudicator_session(self, reader_uid: str) -> AdjudicationSession:
        """The adjudicator's session (the reader must have the adjudicator role and be active)."""
        with self.db.read() as session:
            reader = mapping.reader(self._repo(session).reader(reader_uid))
        if not reader.active:
            raise ReaderDisabledError(reader.uid)
        return AdjudicationSession(self.db, self.trial_uid, reader)

    def check_double_read(self, subject_id: str, *, require_signed: bool = True) -> AdjudicationTask | None:
        """Compare the subject's two central reads now; create the adjudication task if they disagree."""
        with self.db.write() as session:
            subject = self._repo(session).subject(subject_id)
            return review.check_double_read(session, self.trial_uid, subject.uid, None, require_signed=require_signed)

    # Audit.

    def audit_entries(self) -> tuple[AuditEntry, ...]:
        """The whole audit trail, in order."""
        with self.db.read() as session:
            return audit.entries(session)

    def verify_chain(self) -> audit.ChainReport:
        """Check the audit trail's hash chain; the report names the first tampered entry."""
        with self.db.read() as session:
            return audit.verify_chain(session)

    def export_audit(self, path: Path, fmt: str | None = None) -> str:
        """Write the audit trail as CSV or JSON; return the format written."""
        return audit.export(self.audit_entries(), Path(path), fmt)

    # Internals.

    def _repo(self, session: Session) -> Repository:
        return Repository(session, self.trial_uid, SYSTEM)

    @staticmethod
    def _timepoint_row(repo: Repository, timepoint_uid: str) -> TimepointRow:
        """Time point ``timepoint_uid`` of this trial (else :class:`InvalidRecordError`)."""
        tp = repo.session.get(TimepointRow, timepoint_uid)
        if tp is None:
            raise InvalidRecordError("timepoint_uid", timepoint_uid, "a time point of the trial")
        repo.subject_by_uid(tp.subject_uid)  # of this trial, else NotFoundError
        return tp

    def _admin(self, action: str, actor: str, build: Callable[[UnitOfWork, Repository], T]) -> T:
        """Run ``build`` in one write transaction with its audit entry (none when it changed nothing).

        Refused (:class:`PermissionDeniedError`) on a reader's own database role, which may not write trial data.
        """
        reader = self.connected_reader
        if reader is not None:
            raise PermissionDeniedError(reader.uid, reader.role.value, "change the trial itself (sites, subjects, "
                                        "time points, series, readers)",
                                        "Connected as your own database role you change your reads only: the "
                                        "trial's administrator does this, connected as the database's owner.")
        with self.db.write() as session:
            uow = UnitOfWork(session)
            result = build(uow, self._repo(session))
            if uow.changes:
                audit.append(session, actor_uid="", actor_name=actor, action=action, changes=uow.changes)
            return result


def _required(name: str, value: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidRecordError(name, value, "a non-empty text")
    return value.strip()
