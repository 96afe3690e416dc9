"""SQLAlchemy 2 models of the trial database (issue 5). The schema itself is made by the migrations.

Rows are keyed by string UIDs (32 hex digits; lesions by their DICOM tracking UID). Every row a
reader or an administrator edits carries a ``version`` column used as the mapper's
``version_id_col``: an UPDATE or DELETE of a stale version matches no row and becomes a
:class:`~recist_app.store.errors.ConflictError`, never a silent overwrite.

Points are stored as double-precision patient coordinates in mm (LPS), never pixels; lengths are
not stored (ARCHITECTURE C4). Timestamps are UTC ISO-8601 text so that the audit hash reproduces
byte for byte on both engines.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    Date,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

UID = String(64)
#: Constraint names fixed so that migrations and models compare equal on both engines.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    kind: ClassVar[str] = "row"


def _uid_fk(target: str, nullable: bool = False) -> Mapped[str]:
    return mapped_column(UID, ForeignKey(target), nullable=nullable, index=True)


class TrialRow(Base):
    """A trial: code, name, protocol profile (TOML text) and review settings."""

    __tablename__ = "trials"
    kind = "trial"
    uid: Mapped[str] = mapped_column(UID, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)
    profile_toml: Mapped[str] = mapped_column(Text)
    blind_visits: Mapped[bool] = mapped_column(Boolean)
    adjudicate_on: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    __mapper_args__: Mapping[str, Any] = {"version_id_col": version}


class SiteRow(Base):
    """An investigational site."""

    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("trial_uid", "code"),)
    kind = "site"
    uid: Mapped[str] = mapped_column(UID, primary_key=True)
    trial_uid: Mapped[str] = _uid_fk("trials.uid")
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    __mapper_args__: Mapping[str, Any] = {"version_id_col": version}


class SubjectRow(Base):
    """A pseudonymised subject with its dates and previous-line PFS."""

    __tablename__ = "subjects"
    __table_args__ = (UniqueConstraint("trial_uid", "subject_id"),)
    kind = "subject"
    uid: Mapped[str] = mapped_column(UID, primary_key=True)
    trial_uid: Mapped[str] = _uid_fk("trials.uid")
    site_uid: Mapped[str] = _uid_fk("sites.uid")
    subject_id: Mapped[str] = mapped_column(String(64))
    arm: Mapped[str] = mapped_column(String(64))
    randomised_on: Mapped[date | None] = mapped_column(Date)
    first_dose_on: Mapped[date | None] = mapped_column(Date)
    prev_pfs_days: Mapped[int | None] = mapped_column(Integer)
    prev_pfs_censored: Mapped[bool] = mapped_column(Boolean)
    reads_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    __mapper_args__: Mapping[str, Any] = {"version_id_col": version}


class TimepointRow(Base):
    """An imaging time point of a subject (one per scan date)."""

    __tablename__ = "timepoints"
    __table_args__ = (UniqueConstraint("subject_uid", "scan_date"),)
    kind = "time point"
    uid: Mapped[str] = mapped_column(UID, primary_key=True)
    subject_uid: Mapped[str] = _uid_fk("subjects.uid")
    visit: Mapped[str] = mapped_column(String(64))
    scan_date: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    __mapper_args__: Mapping[str, Any] = {"version_id_col": version}


class SeriesRow(Base):
    """A DICOM series linked to a time point, by UID and path."""

    __tablename__ = "series_links"
    __table_args__ = (UniqueConstraint("timepoint_uid", "series_uid"),)
    kind = "series link"
    uid: Mapped[str] = mapped_column(UID, primary_key=True)
    timepoint_uid: Mapped[str] = _uid_fk("timepoints.uid")
    study_uid: Mapped[str] = mapped_column(UID)
    series_uid: Mapped[str] = mapped_column(UID)
    path: Mapped[str] = mapped_column(Text)
    modality: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    frame_of_reference_uid: Mapped[str] = mapped_column(UID)
    slice_thickness_mm: Mapped[float | None] = mapped_column(Double)
    version: Mapped[int] = mapped_column(Integer)
    #: (0020,0011) Series Number, so that readers tell apart series of one description (revision 0002).
    series_number: Mapped[int | None] = mapped_column(Integer)
    __mapper_args__: Mapping[str, Any] = {"version_id_col": version}


class ReaderRow(Base):
    """A reader with role, salted scrypt password hash and whether the reader may log in (``active``).

    The hash is loaded only when a password is checked: on PostgreSQL a reader's role may not read it.
    """

    __tablename__ = "readers"
    __table_args__ = (UniqueConstraint("trial_uid", "name"), Index("uq_readers_db_role", "db_role", unique=True))
    kind = "reader"
    uid: Mapped[str] = mapped_column(UID, primary_key=True)
    trial_uid: Mapped[str] = _uid_fk("trials.uid")
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(255), deferred=True)
    version: Mapped[int] = mapped_column(Integer)
    #: False once the administrator disabled the reader: no log-in; reads and signatures stay (revision 0003).
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    #: The reader's PostgreSQL login role (None on SQLite; revision 0008, :mod:`recist_app.store.db_roles`).
    db_role: Mapped[str | None] = mapped_column(String(63), nullable=True)
    __mapper_args__: Mapping[str, Any] = {"version_id_col": version}


class ReadRow(Base):
    """One subject read by one reader (``accepted`` after adjudication)."""

    __tablename__ = "reads"
    __table_args__ = (UniqueConstraint("subject_uid", "reader_uid"),
                      Index("uq_reads_subject_uid_central_role", "subject_uid", "central_role", unique=True))
    kind = "read"
    uid: Mapped[str] = mapped_column(UID, primary_key=True)
    subject_uid: Mapped[str] = _uid_fk("subjects.uid")
    reader_uid: Mapped[str] = _uid_fk("readers.uid")
    accepted: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    #: The reader's role for a central read, None otherwise: one per subject and central role (revision 0008).
    central_role: Mapped[str | None] = mapped_column(String(32), nullable=True)
    __mapper_args__: Mapping[str, Any] = {"version_id_col": version}


class LesionRow(Base):
    """A lesion of a read; ``uid`` is its tracking UID."""

    __tablename__ = "lesions"
    __table_args__ = (UniqueConstraint("read_uid", "label"),)
    kind = "lesion"
    uid: Mapped[str] = mapped_column(UID, primary_key=True)
    read_uid: Mapped[str] = _uid_fk("reads.uid")
    label: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16))
    first_timepoint_uid: Mapped[str] = _uid_fk("timepoints.uid")
    organ: Mapped[str] = mapped_column(String(128))
    nodal: Mapped[bool] = mapped_column(Boolean)
    irradiated: Mapped[bool] = mapped_column(Boolean)
    sbrt_start: Mapped[date | None] = mapped_column(Date)
    sbrt_end: Mapped[date | None] = mapped_column(Date)
    sbrt_dose_gy: Mapped[float | None] = mapped_column(Double)
    sbrt_fractions: Mapped[int | None] = mapped_column(Integer)
    previously_irradiated: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)
    __mapper_args__: Mapping[str, Any] = {"version_id_col": version}


class MeasurementRow(Base):
    """A caliper line: two points in patient LPS mm and the image's UIDs."""

    __tablename__ = "measurements"
    __table_args__ = (UniqueConstraint("lesion_uid", "timepoint_uid", "axis", "fragment"),)
    kind = "measurement"
    uid: Mapped[str] = mapped_column(UID, primary_key=True)
    lesion_uid: Mapped[str] = _uid_fk("lesions.uid")
    timepoint_uid: Mapped[str] = _uid_fk("timepoints.uid")
    axis: Mapped[str] = mapped_column(String(8))
    fragment: Mapped[int] = mapped_column(Integer)
    p1_x_mm: Mapped[float] = mapped_column(Double)
    p1_y_mm: Mapped[float] = mapped_column(Double)
    p1_z_mm: Mapped[float] = mapped_column(Double)
    p2_x_mm: Mapped[float] = mapped_column(Double)
    p2_y_mm: Mapped[float] = mapped_column(Double)
    p2_z_mm: Mapped[float] = mapped_column(Double)
    sop_uid: Mapped[str] = mapped_column(UID)
    series_uid: Mapped[str] = mapped_column(UID)
    frame_of_reference_uid: Mapped[str] = mapped_column(UID)
    #: AXIAL, or CORONAL / SAGITTAL for a line drawn on a reformat (migration 0006).
    plane: Mapped[str] = mapped_column(String(8), default="AXIAL", server_default="AXIAL")
    #: MANUAL, PROPOSED or PROPOSED EDITED: who placed the line (migration 0009).
    method: Mapped[str] = mapped_column(String(16), default="MANUAL", server_default="MANUAL")
    recorded_at: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    __mapper_args__: Mapping[str, Any] = {"version_id_col": version}


class LesionStateRow(Base):
    """A reader's statement on one lesion at one time point."""

    __tablename__ = "lesion_states"
    __table_args__ = (UniqueConstraint("lesion_uid", "timepoint_uid"),)
    kind = "lesion state"
    uid: Mapped[str] = mapped_column(UID, primary_key=True)
    lesion_uid: Mapped[str] = _uid_fk("lesions.uid")
    timepoint_uid: Mapped[str] = _uid_fk("timepoints.uid")
    status: Mapped[str | None] = mapped_column(String(32))
    merged_into_uid: Mapped[str | None] = _uid_fk("lesions.uid", nullable=True)
    radiation_induced: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    version: Mapped[int] = mapped_column(Integer)
    __mapper_args__: Mapping[str, Any] = {"version_id_col": version}


class ReadTimepointRow(Base):
    """Per read × time point: CR confirmation and the signature."""

    __tablename__ = "read_timepoints"
    __table_args__ = (UniqueConstraint("read_uid", "timepoint_uid"),)
    kind = "read time point"
    uid: Mapped[str] = mapped_column(UID, primary_key=True)
    read_uid: Mapped[str] = _uid_fk("reads.uid")
    timepoint_uid: Mapped[str] = _uid_fk("timepoints.uid")
    cr_confirmed: Mapped[bool] = mapped_column(Boolean)
    signed_at: Mapped[str | None] = mapped_column(String(32))
    signed_by_uid: Mapped[str | None] = _uid_fk("readers.uid", nullable=True)
    meaning: Mapped[str] = mapped_column(Text)
    reopen_reason: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    __mapper_args__: Mapping[str, Any] = {"version_id_col": version}


class ReadSeriesRow(Base):
    """Per read × time point: the linked series (by DICOM Series Instance UID) the reader measures on."""

    __tablename__ = "read_series"
    __table_args__ = (UniqueConstraint("read_uid", "timepoint_uid"),)
    kind = "series choice"
    uid: Mapped[str] = mapped_column(UID, primary_key=True)
    read_uid: Mapped[str] = _uid_fk("reads.uid")
    timepoint_uid: Mapped[str] = _uid_fk("timepoints.uid")
    series_uid: Mapped[str] = mapped_column(UID)
    chosen_at: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    __mapper_args__: Mapping[str, Any] = {"version_id_col": version}


class TimepointResultRow(Base):
    """The engine's cached verdict on one read × time point (derived; always recomputable)."""

    __tablename__ = "timepoint_results"
    kind = "result"
    read_uid: Mapped[str] = mapped_column(UID, ForeignKey("reads.uid"), primary_key=True)
    timepoint_uid: Mapped[str] = mapped_column(UID, ForeignKey("timepoints.uid"), primary_key=True)
    recist_overall: Mapped[str] = mapped_column(String(16))
    target_response: Mapped[str | None] = mapped_column(String(16))
    nontarget_response: Mapped[str | None] = mapped_column(String(16))
    new_lesion: Mapped[bool] = mapped_column(Boolean)
    sum_mm: Mapped[str | None] = mapped_column(String(32))
    pct_change_baseline: Mapped[str | None] = mapped_column(String(32))
    pct_change_nadir: Mapped[str | None] = mapped_column(String(32))
    irecist_overall: Mapped[str | None] = mapped_column(String(32))
    rationale: Mapped[str] = mapped_column(Text)
    engine_version: Mapped[str] = mapped_column(String(32))
    rules_version: Mapped[str] = mapped_column(String(128))
    input_sha256: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[str] = mapped_column(String(32))


class AdjudicationRow(Base):
    """An adjudication task between two central reads."""

    __tablename__ = "adjudication_tasks"
    kind = "adjudication task"
    uid: Mapped[str] = mapped_column(UID, primary_key=True)
    subject_uid: Mapped[str] = _uid_fk("subjects.uid")
    read_a_uid: Mapped[str] = _uid_fk("reads.uid")
    read_b_uid: Mapped[str] = _uid_fk("reads.uid")
    disagreement: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    accepted_read_uid: Mapped[str | None] = _uid_fk("reads.uid", nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    resolved_by_uid: Mapped[str | None] = _uid_fk("readers.uid", nullable=True)
    created_at: Mapped[str] = mapped_column(String(32))
    resolved_at: Mapped[str | None] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    __mapper_args__: Mapping[str, Any] = {"version_id_col": version}


class AuditRow(Base):
    """One append-only audit entry; ``hash`` = SHA-256 over its content and ``prev_hash`` (``mac``: revision 0007)."""

    __tablename__ = "audit_log"
    kind = "audit entry"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at_utc: Mapped[str] = mapped_column(String(32))
    actor_uid: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    read_uid: Mapped[str] = mapped_column(String(64))
    changes: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    #: SQLite: HMAC-SHA256 of ``hash`` under the trial's audit key (:mod:`~recist_app.store.audit_keys`);
    #: None on PostgreSQL, where the owner's key signs checkpoints instead, and before revision 0007.
    mac: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AuditHeadRow(Base):
    """The single row holding the last audit sequence number and hash; locked by every append."""

    __tablename__ = "audit_head"
    kind = "audit head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


#: Models by table name (the undo/redo applier finds rows by table and key).
MODELS: dict[str, type[Base]] = {mapper.class_.__tablename__: mapper.class_ for mapper in Base.registry.mappers}
