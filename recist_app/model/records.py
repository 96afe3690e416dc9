"""Records of the trial database (issue 5): what a reader reads, as frozen dataclasses.

These are the values the store hands out and the viewer (issue 6) and exports (issue 7) consume.
They know nothing of SQL (row mapping lives in :mod:`recist_app.store.repository`) nor of the
engine (mapping to :mod:`assessment.domain` lives in :mod:`recist_app.evaluation.engine` only).

Identity: every record has a string ``uid``; a lesion's ``uid`` is its tracking UID (a DICOM
``2.25.`` UID, SR TID 1500 "Tracking Identifier"), stable across time points. ``version`` is the
optimistic-concurrency counter of the row the record came from; it takes no part in equality, so
snapshots taken before a command and after its undo compare equal.

Millimetres: points are patient coordinates (DICOM LPS, mm) as floats, exactly as drawn; a
length is derived from them when needed and never stored as the truth (ARCHITECTURE C4).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from assessment.domain import (  # one vocabulary of roles and statuses for the engine and the read model
    LesionRole,
    Status,
)
from recist_app.model.errors import InvalidRecordError

Point = tuple[float, float, float]


def new_uid() -> str:
    """A fresh record identifier (32 hex digits)."""
    return uuid.uuid4().hex


def new_tracking_uid() -> str:
    """A fresh DICOM UID under the ``2.25`` root (PS3.5 §B.2), used as lesion tracking UID."""
    return f"2.25.{uuid.uuid4().int}"


class ReaderRole(StrEnum):
    """Who a reader is in the trial (issue 5: site radiologist, central reader 1/2, …)."""

    SITE_RADIOLOGIST = "site_radiologist"
    CENTRAL_READER_1 = "central_reader_1"
    CENTRAL_READER_2 = "central_reader_2"
    ADJUDICATOR = "adjudicator"
    ADMIN = "admin"

    @property
    def reads(self) -> bool:
        """True for roles that measure lesions (own a read)."""
        return self in (ReaderRole.SITE_RADIOLOGIST, ReaderRole.CENTRAL_READER_1, ReaderRole.CENTRAL_READER_2)

    @property
    def is_central(self) -> bool:
        """True for the two independent central readers."""
        return self in (ReaderRole.CENTRAL_READER_1, ReaderRole.CENTRAL_READER_2)


class Axis(StrEnum):
    """Which diameter a line measures: long axis (non-nodal) or short axis (nodes, RECIST 1.1 §4.2)."""

    LONG = "long"
    SHORT = "short"


class MeasurementPlane(StrEnum):
    """The plane a line was drawn on (VIEWER.md "Reformats"): RECIST 1.1 measures on axial images, so a
    line drawn on a coronal or sagittal reformat is flagged and keeps its plane."""

    AXIAL = "AXIAL"
    CORONAL = "CORONAL"
    SAGITTAL = "SAGITTAL"

    @property
    def is_reformat(self) -> bool:
        """True for a line measured on a reformat rather than on an acquired axial image."""
        return self is not MeasurementPlane.AXIAL

    @property
    def mark(self) -> str:
        """``"COR"`` / ``"SAG"``: what flags a reformat line beside its length (``""`` for axial)."""
        return self.value[:3] if self.is_reformat else ""


class MeasurementMethod(StrEnum):
    """Who placed a line (issue 17, "Honesty"; exported as the sponsor-defined SUPPTR ``TRMEASMT`` of
    :mod:`recist_app.sdtm.terms`, and in SR as the line's Measurement Method): the reader's own caliper, the
    measuring tool's proposal accepted as it was, or that proposal moved by the reader before or after accepting."""

    MANUAL = "MANUAL"
    PROPOSED = "PROPOSED"
    PROPOSED_EDITED = "PROPOSED EDITED"

    @property
    def proposed(self) -> bool:
        """True when the measuring tool proposed the line (whether or not the reader moved it)."""
        return self is not MeasurementMethod.MANUAL

    def edited(self) -> MeasurementMethod:
        """The method once the reader moves the line: a proposal becomes an edited proposal."""
        return MeasurementMethod.PROPOSED_EDITED if self.proposed else self


_TARGET = frozenset({Status.TOO_SMALL, Status.DISAPPEARED, Status.NOT_ASSESSED, Status.SPLIT, Status.MERGED})
_NON_TARGET = frozenset({Status.PRESENT, Status.ABSENT, Status.UNEQUIVOCAL_PROGRESSION, Status.NOT_ASSESSED})
_NEW = _NON_TARGET | _TARGET | {Status.EQUIVOCAL, Status.FURTHER_ENLARGEMENT}
#: The statuses a reader may state for a lesion of each role (C8: anything else is impossible input).
#: Target statuses (RULES §1.4): too small (counts 5 mm), disappeared (0 mm), not assessed, split
#: (fragments summed), merged (0 mm, the survivor carries the mass). Non-target states (RULES §1.6):
#: present, absent, unequivocal progression, not assessed. New lesions (RULES §1.7, §2.3): any of
#: those, plus equivocal and further enlargement (iRECIST). ``Status.MEASURED`` is never a
#: statement: a lesion with no stated status is measured when it has lines, else not assessed.
STATUSES_BY_ROLE: dict[LesionRole, frozenset[Status]] = {
    LesionRole.TARGET: _TARGET, LesionRole.NON_TARGET: _NON_TARGET,
    LesionRole.NEW: _NEW, LesionRole.NEW_TARGET: _NEW, LesionRole.NEW_NON_TARGET: _NEW,
}


@dataclass(frozen=True)
class Trial:
    """A trial with its protocol profile (flat TOML over RULES §7) and review settings.

    ``blind_visits``: central readers see time points as "TP1, TP2 …" in a randomised order,
    without dates. ``adjudicate_on``: the points on which two central reads must agree
    (``pd_date``, ``bor``; issue 5 default both).
    """

    uid: str
    code: str
    name: str
    profile_toml: str = ""
    blind_visits: bool = False
    adjudicate_on: tuple[str, ...] = ("pd_date", "bor")
    version: int = field(default=1, compare=False)


@dataclass(frozen=True)
class Site:
    """An investigational site of the trial."""

    uid: str
    code: str
    name: str = ""


@dataclass(frozen=True)
class Subject:
    """A pseudonymised subject: arm, randomisation and first-dose dates, previous-line PFS (GMI, A10)."""

    uid: str
    subject_id: str
    site_code: str
    arm: str = ""
    randomised_on: date | None = None
    first_dose_on: date | None = None
    prev_pfs_days: int | None = None
    prev_pfs_censored: bool = False
    version: int = field(default=1, compare=False)
    #: The date by which the subject's reads are due (central review), when the administrator set one.
    reads_due_on: date | None = None


@dataclass(frozen=True)
class SeriesLink:
    """A DICOM series attached to an imaging time point, by UID and path.

    ``series_number`` is (0020,0011) *Series Number* (None for links made before it was recorded).
    """

    uid: str
    timepoint_uid: str
    study_uid: str
    series_uid: str
    path: str = ""
    modality: str = ""
    description: str = ""
    frame_of_reference_uid: str = ""
    slice_thickness_mm: float | None = None
    version: int = field(default=1, compare=False)
    series_number: int | None = None

    @property
    def label(self) -> str:
        """How a reader names the series: ``series 3 "5mm"`` (number and description, as recorded)."""
        number = f"series {self.series_number}" if self.series_number is not None else "series"
        return f'{number} "{self.description}"' if self.description else f"{number} ({self.modality or 'no modality'})"


@dataclass(frozen=True)
class Timepoint:
    """An imaging time point of a subject: visit label, scan date, linked series.

    In a blinded view ``visit`` is "Baseline" or "TP1", "TP2" … and ``scan_date`` is None.
    """

    uid: str
    subject_uid: str
    visit: str
    scan_date: date | None
    is_baseline: bool = False
    series: tuple[SeriesLink, ...] = ()
    blinded: bool = False
    version: int = field(default=1, compare=False)


@dataclass(frozen=True)
class Reader:
    """A person who reads, adjudicates or administers (the password hash never leaves the store).

    ``active`` is False once the trial administrator disabled the reader: the reader can no longer
    log in, start a read or sign, while past reads and signatures stay.
    """

    uid: str
    name: str
    role: ReaderRole
    active: bool = True
    #: The reader's PostgreSQL login role (None on SQLite): what their workstation connects as.
    db_role: str | None = None


@dataclass(frozen=True)
class Read:
    """One subject read by one reader; RECIST 1.1 and iRECIST both derive from it (never measured twice).

    ``accepted`` is set on the read an adjudicator selected (``--ACPTFL`` in exports).
    """

    uid: str
    subject_uid: str
    reader_uid: str
    accepted: bool = False
    version: int = field(default=1, compare=False)


@dataclass(frozen=True)
class ReadSummary:
    """A read as listed for administrators: who reads whom, how far signed, accepted (no measurements)."""

    read: Read
    subject_id: str
    reader_name: str
    reader_role: ReaderRole
    signed_timepoints: int
    total_timepoints: int


@dataclass(frozen=True)
class Lesion:
    """A lesion of a read with its stable tracking UID (``uid``) and label (e.g. T01).

    ``first_timepoint_uid`` is baseline for targets and non-targets, the time point a new lesion
    first appeared otherwise. Irradiated on study (SBRT dates, dose in Gy, fractions) and
    previously irradiated drive the in-field / out-of-field subsets (RULES §3.2).
    """

    uid: str
    read_uid: str
    label: str
    role: LesionRole
    first_timepoint_uid: str
    organ: str = ""
    nodal: bool = False
    irradiated: bool = False
    sbrt_start: date | None = None
    sbrt_end: date | None = None
    sbrt_dose_gy: float | None = None
    sbrt_fractions: int | None = None
    previously_irradiated: bool = False
    version: int = field(default=1, compare=False)

    @property
    def recist_axis(self) -> Axis:
        """The axis whose diameter counts: the short axis of a lymph node, else the long axis
        (RECIST 1.1 §4.2; RULES §1.2)."""
        return Axis.SHORT if self.nodal else Axis.LONG


@dataclass(frozen=True)
class LineMeasurement:
    """A caliper line: two points in patient LPS mm with the image it was drawn on.

    Use :meth:`from_points`. ``length_mm`` is derived (Euclidean distance), never stored. A
    bidirectional (four-point) measurement is two lines of one lesion: long and short axis. A line
    drawn on a reformat has ``plane`` CORONAL or SAGITTAL and ``sop_uid`` names the acquired slice
    nearest its midpoint. ``method`` says whether the reader drew it or accepted the measuring tool's proposal.
    """

    p1_mm: Point
    p2_mm: Point
    axis: Axis
    sop_uid: str
    series_uid: str
    frame_of_reference_uid: str
    plane: MeasurementPlane = MeasurementPlane.AXIAL
    method: MeasurementMethod = MeasurementMethod.MANUAL

    def __post_init__(self) -> None:
        for name in ("p1_mm", "p2_mm"):
            point = getattr(self, name)
            if len(point) != 3 or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in point):
                raise InvalidRecordError(name, point, "three finite coordinates in mm (x, y, z; LPS)")
        if self.length_mm <= 0:
            raise InvalidRecordError("p2_mm", self.p2_mm, "a point other than p1_mm (a line of zero length)")
        for name in ("sop_uid", "series_uid", "frame_of_reference_uid"):
            if not getattr(self, name):
                raise InvalidRecordError(name, getattr(self, name), "a non-empty DICOM UID (C4)")
        if not isinstance(self.plane, MeasurementPlane):
            raise InvalidRecordError("plane", self.plane, f"one of {[p.value for p in MeasurementPlane]}")
        if not isinstance(self.method, MeasurementMethod):
            raise InvalidRecordError("method", self.method, f"one of {[m.value for m in MeasurementMethod]}")

    @classmethod
    def from_points(cls, p1_mm: tuple[float, ...], p2_mm: tuple[float, ...], *, axis: Axis | str = Axis.LONG,
                    sop_uid: str, series_uid: str, frame_of_reference_uid: str,
                    plane: MeasurementPlane | str = MeasurementPlane.AXIAL,
                    method: MeasurementMethod | str = MeasurementMethod.MANUAL) -> LineMeasurement:
        """A line from two patient points (mm), as ``geometry.index_to_patient`` returns them."""
        return cls(_point(p1_mm), _point(p2_mm), Axis(axis), sop_uid, series_uid, frame_of_reference_uid,
                   MeasurementPlane(plane), MeasurementMethod(method))

    @property
    def length_mm(self) -> float:
        """Distance between the two points in mm (binary float; rounded only for the engine)."""
        return math.dist(self.p1_mm, self.p2_mm)


def _point(values: tuple[float, ...]) -> Point:
    if len(values) != 3:
        raise InvalidRecordError("point", values, "three coordinates (x, y, z) in mm")
    return (float(values[0]), float(values[1]), float(values[2]))


@dataclass(frozen=True)
class Measurement:
    """A recorded line of one lesion at one time point; ``fragment`` numbers split-lesion parts (1, 2 …)."""

    uid: str
    lesion_uid: str
    timepoint_uid: str
    line: LineMeasurement
    fragment: int = 0
    recorded_at: str = ""
    version: int = field(default=1, compare=False)


@dataclass(frozen=True)
class LesionState:
    """The reader's statement on one lesion at one time point (see :class:`Status`).

    ``merged_into_uid`` names the survivor of a merged lesion; ``radiation_induced`` says a change
    of an irradiated lesion is fibrosis or pneumonitis, not progression (RULES §7 A9).
    """

    uid: str
    lesion_uid: str
    timepoint_uid: str
    status: Status | None = None
    merged_into_uid: str | None = None
    radiation_induced: bool = False
    version: int = field(default=1, compare=False)
    #: Why the lesion was not assessed (``Status.NOT_ASSESSED``), in the reader's words.
    reason: str = ""


@dataclass(frozen=True)
class ReadTimepoint:
    """Per read × time point: CR confirmation (A5), the signature and the last reopening reason."""

    timepoint_uid: str
    cr_confirmed: bool = False
    signed_at: str | None = None
    signed_by_uid: str | None = None
    meaning: str = ""
    reopen_reason: str = ""
    version: int = field(default=1, compare=False)

    @property
    def signed(self) -> bool:
        """True while the time point is signed (read-only)."""
        return self.signed_at is not None


@dataclass(frozen=True)
class SeriesChoice:
    """Per read × time point: the linked series (DICOM Series Instance UID) the reader measures on."""

    timepoint_uid: str
    series_uid: str
    chosen_at: str = ""
    version: int = field(default=1, compare=False)


@dataclass(frozen=True)
class ReadSnapshot:
    """Everything one reader may see of one read, in the reader's (possibly blinded) time-point order."""

    trial: Trial
    subject: Subject
    reader: Reader
    read: Read
    timepoints: tuple[Timepoint, ...]
    lesions: tuple[Lesion, ...]
    measurements: tuple[Measurement, ...]
    states: tuple[LesionState, ...]
    read_timepoints: tuple[ReadTimepoint, ...] = ()
    #: The series chosen per time point (:meth:`chosen_series`), by time-point uid.
    series_choices: tuple[SeriesChoice, ...] = ()

    def chosen_series(self, timepoint_uid: str) -> str | None:
        """The Series Instance UID the reader chose at this time point (None: not chosen)."""
        return next((c.series_uid for c in self.series_choices if c.timepoint_uid == timepoint_uid), None)

    def lesion(self, label_or_uid: str) -> Lesion:
        """The lesion with this label or tracking UID."""
        for lesion in self.lesions:
            if label_or_uid in (lesion.label, lesion.uid):
                return lesion
        raise KeyError(label_or_uid)

    def timepoint(self, visit_or_uid: str) -> Timepoint:
        """The time point with this (possibly blinded) visit label or uid."""
        for tp in self.timepoints:
            if visit_or_uid in (tp.visit, tp.uid):
                return tp
        raise KeyError(visit_or_uid)


@dataclass(frozen=True)
class TimepointResultRecord:
    """The engine's cached verdict on one time point of a read, with engine and rules versions.

    Millimetres and percentages are the engine's exact decimals as text (``None`` when absent).
    ``input_sha256`` fingerprints the read the result was computed from: a different fingerprint
    means the cache is stale and is recomputed.
    """

    read_uid: str
    timepoint_uid: str
    recist_overall: str
    target_response: str | None
    nontarget_response: str | None
    new_lesion: bool
    sum_mm: str | None
    pct_change_baseline: str | None
    pct_change_nadir: str | None
    irecist_overall: str | None
    rationale: str
    engine_version: str
    rules_version: str
    input_sha256: str


@dataclass(frozen=True)
class AuditEntry:
    """One row of the append-only audit trail: who, when, what, before → after, why."""

    seq: int
    at_utc: str
    actor_uid: str
    actor_name: str
    action: str
    read_uid: str
    changes_json: str
    reason: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class AdjudicationTask:
    """Two central reads disagreeing on a protocol-defined point, and how it was resolved."""

    uid: str
    subject_uid: str
    read_uids: tuple[str, str]
    disagreement: str
    status: str = "open"
    accepted_read_uid: str | None = None
    reason: str = ""
    resolved_by_uid: str | None = None
    version: int = field(default=1, compare=False)
