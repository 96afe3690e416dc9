"""Domain records of the engine: frozen dataclasses in, frozen dataclasses out.

Millimetres are :class:`decimal.Decimal` so that every RECIST boundary is compared exactly
(RULES §7 A2: ``8.2 − 3.2`` is 5.0 here, not 4.999999999999999). Dates are :class:`datetime.date`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from assessment.errors import InvalidInputError


class LesionRole(StrEnum):
    """Role of a lesion, as SDTM ``TUSTRESC`` (CDISC.md §2, C123650)."""

    TARGET = "TARGET"
    NON_TARGET = "NON-TARGET"
    NEW = "NEW"
    NEW_TARGET = "NEW TARGET"
    NEW_NON_TARGET = "NEW NON-TARGET"

    @property
    def is_new(self) -> bool:
        """True for lesions that appeared after baseline."""
        return self in _NEW_ROLES


_NEW_ROLES = frozenset({LesionRole.NEW, LesionRole.NEW_TARGET, LesionRole.NEW_NON_TARGET})


class Status(StrEnum):
    """What the reader recorded for one lesion at one time point (RULES §1.4, §6.1)."""

    MEASURED = "MEASURED"
    TOO_SMALL = "TOO SMALL TO MEASURE"  # counts 5 mm (RULES §1.4)
    DISAPPEARED = "DISAPPEARED"  # counts 0 mm
    SPLIT = "SPLIT"  # fragments summed
    MERGED = "TUMOR MERGED"  # counts 0 mm; the survivor carries the mass
    NOT_ASSESSED = "NOT ASSESSED"
    PRESENT = "PRESENT"
    ABSENT = "ABSENT"
    UNEQUIVOCAL_PROGRESSION = "UNEQUIVOCAL PROGRESSION"
    EQUIVOCAL = "EQUIVOCAL"  # new lesions only (RULES §1.7)
    FURTHER_ENLARGEMENT = "FURTHER ENLARGEMENT"  # iRECIST confirmation (RULES §2.3)


class Response(StrEnum):
    """Time-point and best-response categories (CDISC C96785; RULES §1.8, §1.10)."""

    CR = "CR"
    PR = "PR"
    SD = "SD"
    NON_CR_NON_PD = "NON-CR/NON-PD"
    PD = "PD"
    NE = "NE"
    ND = "ND"
    MISSING = "MISSING"


#: Millimetres a "too small to measure" lesion counts for (RULES §1.4; CDISC TRSTRESN 5).
TOO_SMALL_DEFAULT_MM = Decimal(5)

_VALUE_STATUSES = {Status.MEASURED, Status.TOO_SMALL, Status.DISAPPEARED, Status.SPLIT, Status.MERGED}


@dataclass(frozen=True)
class Lesion:
    """A lesion of one read, identified at baseline (or when it first appeared, if new).

    ``location`` is free text (TULOC); ``nodal`` decides short axis vs long axis (RULES §1.2).
    """

    lesion_id: str
    role: LesionRole
    location: str = ""
    nodal: bool = False
    irradiated: bool = False
    previously_irradiated: bool = False
    sbrt_start: date | None = None
    sbrt_end: date | None = None

    def __post_init__(self) -> None:
        if not self.lesion_id:
            raise InvalidInputError("lesion_id", self.lesion_id, "a non-empty string")


def _check_mm(value: object) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise InvalidInputError("diameter_mm", value, "a finite, non-negative Decimal")


@dataclass(frozen=True)
class Observation:
    """One lesion at one time point. Use the named constructors.

    ``diameter_mm`` is the measured value (long axis, or short axis for nodes); for a split
    lesion ``fragments_mm`` holds the fragments; ``merged_into`` names the surviving lesion.
    ``radiation_induced`` is the reader's statement that a change of an irradiated lesion is
    radiation-induced (fibrosis, pneumonitis), not progression (RULES §7 A9).
    """

    lesion_id: str
    status: Status
    diameter_mm: Decimal | None = None
    fragments_mm: tuple[Decimal, ...] = ()
    merged_into: str | None = None
    radiation_induced: bool = False

    def __post_init__(self) -> None:
        if self.diameter_mm is not None:
            _check_mm(self.diameter_mm)
        elif self.status is Status.MEASURED:
            raise InvalidInputError("diameter_mm", None, "given for a measured lesion")
        for fragment in self.fragments_mm:
            _check_mm(fragment)
        if self.status is Status.SPLIT and not self.fragments_mm:
            raise InvalidInputError("fragments_mm", (), "at least one fragment for a split lesion")

    @classmethod
    def measured(cls, lesion_id: str, diameter_mm: Decimal | str | int) -> Observation:
        """A measured diameter (long axis; short axis for a node)."""
        return cls(lesion_id, Status.MEASURED, diameter_mm=Decimal(diameter_mm))

    @classmethod
    def too_small(cls, lesion_id: str) -> Observation:
        """Present but too small to measure: counts 5 mm (RULES §1.4)."""
        return cls(lesion_id, Status.TOO_SMALL)

    @classmethod
    def disappeared(cls, lesion_id: str) -> Observation:
        """A target judged to have disappeared: counts 0 mm (RULES §1.4)."""
        return cls(lesion_id, Status.DISAPPEARED)

    @classmethod
    def split(cls, lesion_id: str, fragments_mm: tuple[Decimal, ...]) -> Observation:
        """A fragmented lesion: the fragments' diameters are summed (RULES §1.4)."""
        return cls(lesion_id, Status.SPLIT, fragments_mm=tuple(Decimal(f) for f in fragments_mm))

    @classmethod
    def merged(cls, lesion_id: str, into: str | None = None) -> Observation:
        """Coalesced into another lesion: counts 0 mm, the survivor carries the mass (RULES §1.4)."""
        return cls(lesion_id, Status.MERGED, merged_into=into)

    @classmethod
    def not_assessed(cls, lesion_id: str) -> Observation:
        """Not evaluated at this time point."""
        return cls(lesion_id, Status.NOT_ASSESSED)

    @classmethod
    def state(cls, lesion_id: str, status: Status) -> Observation:
        """A qualitative state (non-target or new lesion): PRESENT, ABSENT, …"""
        return cls(lesion_id, status)

    @property
    def value_mm(self) -> Decimal | None:
        """The value that enters a sum of diameters, or None when there is none (RULES §1.4)."""
        if self.status is Status.MEASURED:
            return self.diameter_mm
        if self.status is Status.TOO_SMALL:
            return TOO_SMALL_DEFAULT_MM
        if self.status in (Status.DISAPPEARED, Status.MERGED):
            return Decimal(0)
        if self.status is Status.SPLIT:
            return sum(self.fragments_mm, Decimal(0))
        return None

    @property
    def has_value(self) -> bool:
        """True when the observation yields millimetres."""
        return self.status in _VALUE_STATUSES

    @property
    def is_present(self) -> bool:
        """True when the lesion was seen (any size above zero, or a present/progressing state)."""
        if self.has_value:
            value = self.value_mm
            return value is not None and value > 0
        return self.status in (Status.PRESENT, Status.UNEQUIVOCAL_PROGRESSION, Status.FURTHER_ENLARGEMENT)


@dataclass(frozen=True)
class Timepoint:
    """One imaging assessment of a read. ``date_text`` is the date as given (may be partial).

    ``cr_confirmed`` is the reader's statement that a CR at this time point was real (A5).
    ``by_lesion`` indexes ``observations`` by lesion id (derived; read it, never change it).
    """

    visit_id: str
    date: date
    observations: tuple[Observation, ...]
    visit: str = ""
    date_text: str = ""
    cr_confirmed: bool = False
    by_lesion: dict[str, Observation] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_lesion", {o.lesion_id: o for o in self.observations})

    def observation(self, lesion_id: str) -> Observation:
        """The observation of ``lesion_id``; a lesion with no record was not assessed."""
        found = self.by_lesion.get(lesion_id)
        return found if found is not None else Observation.not_assessed(lesion_id)


@dataclass(frozen=True)
class Read:
    """All lesions and time points of one subject by one reader. ``timepoints[0]`` is baseline."""

    subject_id: str
    lesions: tuple[Lesion, ...]
    timepoints: tuple[Timepoint, ...]
    evaluator: str = ""
    evaluator_id: str = ""
    slice_thickness_mm: Decimal | None = None
    study_id: str = ""

    def __post_init__(self) -> None:
        if not self.timepoints:
            raise InvalidInputError("timepoints", (), "at least a baseline time point")
        ids = [lesion.lesion_id for lesion in self.lesions]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise InvalidInputError("lesions", duplicates, "unique lesion ids")
        baseline = self.timepoints[0].date
        for tp in self.timepoints[1:]:
            if tp.date < baseline:
                raise InvalidInputError(
                    "timepoints", f"{tp.visit_id} on {tp.date}", f"dated on or after baseline ({baseline})"
                )

    @property
    def key(self) -> tuple[str, str, str]:
        """(subject, evaluator, evaluator id): what identifies a read."""
        return (self.subject_id, self.evaluator, self.evaluator_id)

    def with_role(self, *roles: LesionRole) -> tuple[Lesion, ...]:
        """Lesions having one of ``roles``, in input order."""
        return tuple(lesion for lesion in self.lesions if lesion.role in roles)


@dataclass(frozen=True)
class Finding:
    """A protocol deviation or a question for the reader: data, never an exception (C8)."""

    code: str
    message: str
    lesion_id: str = ""
    visit_id: str = ""


@dataclass(frozen=True)
class TimepointResult:
    """The engine's verdict on one follow-up (or baseline) time point, with its reasons."""

    visit_id: str
    visit: str
    date: date
    date_text: str
    sum_mm: Decimal | None
    sum_non_nodal_mm: Decimal | None
    nadir_mm: Decimal | None
    pct_change_baseline: Decimal | None
    pct_change_nadir: Decimal | None
    abs_change_nadir_mm: Decimal | None
    target_response: Response | None
    nontarget_response: Response | None
    new_lesion: bool
    overall: Response
    rationale: str
    findings: tuple[Finding, ...] = ()
    is_baseline: bool = False
    sum_complete: bool = True


@dataclass(frozen=True)
class ReadResult:
    """Everything the engine derives for one read under RECIST 1.1."""

    read: Read
    baseline_sum_mm: Decimal | None
    timepoints: tuple[TimepointResult, ...]
    baseline_findings: tuple[Finding, ...] = field(default=())
    first_pd_date: date | None = None
    first_pd_visit_id: str | None = None

    @property
    def follow_ups(self) -> tuple[TimepointResult, ...]:
        """Results of every time point after baseline."""
        return tuple(tp for tp in self.timepoints if not tp.is_baseline)
