"""Records of the demo trial's design, its ground-truth read and its JSON form (issue 5).

A :class:`DemoDesign` says everything the demo trial is made of: subjects (pseudonymised id, arm,
randomisation and first-dose dates, previous-line PFS for the growth modulation index), their
lesions (role, location, node or not, irradiated on study with SBRT dates, dose and fractions,
or previously irradiated) and, per visit, every lesion's long and short axis in mm (0 when it has
disappeared) or its non-target state. It also carries the RECIST 1.1 / iRECIST categories the
design was made to show, written by hand from ``RULES.md`` (never copied from the engine): a test
compares them with :func:`assessment.read_report.assess_read` on :func:`ground_truth_read`.

The data of the STEREOSARC demo are in :mod:`recist_app.demo.trial`; the CT series in
:mod:`recist_app.demo.images`. Lesion positions are anatomical, ``(left_mm, posterior_mm, t)``
from the image centre with ``t`` the height in the slab from −1 (inferior) to +1 (superior), as
:meth:`recist_app.demo.phantom.spec.PhantomSpec.chest` places its lesions.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import Any

from assessment.domain import (
    Lesion,
    LesionRole,
    Observation,
    Read,
    Response,
    Status,
    Timepoint,
)
from assessment.irecist import IResponse
from recist_app.demo.errors import PhantomSpecError

#: Readers record millimetres to one decimal (RULES §1.3: sums are computed from these values).
RECORDED_MM = Decimal("0.1")
#: Evaluator of the pre-filled read (CDISC.md §3.4: TREVAL / TREVALID controlled terms).
READ_EVALUATOR = "INDEPENDENT ASSESSOR"
READ_EVALUATOR_ID = "RADIOLOGIST 1"
#: States a lesion may have at a visit, by role (RULES §1.4, §1.6, §1.7).
_TARGET_STATES = frozenset({Status.MEASURED, Status.DISAPPEARED})
_NON_TARGET_STATES = frozenset({Status.PRESENT, Status.ABSENT, Status.UNEQUIVOCAL_PROGRESSION})
_NEW_STATES = frozenset({Status.MEASURED, Status.PRESENT, Status.EQUIVOCAL})

Position = tuple[float, float, float]


@dataclass(frozen=True)
class Sbrt:
    """Stereotactic body radiotherapy of one lesion on study (RULES §3.2: dates, dose, fractions)."""

    start: date
    end: date
    dose_gy: Decimal
    fractions: int


@dataclass(frozen=True)
class DemoLesion:
    """One lesion of a subject, as identified at baseline (or when it appeared, if new).

    ``location`` is TULOC-like text whose part before the comma names the organ (RULES §1.2);
    ``position`` is ``(left_mm, posterior_mm, t)`` (module docstring); ``hu`` its density.
    """

    lesion_id: str
    role: LesionRole
    location: str
    position: Position
    hu: float
    nodal: bool = False
    angle_deg: float = 0.0
    sbrt: Sbrt | None = None
    previously_irradiated: bool = False

    @property
    def irradiated(self) -> bool:
        """True when the lesion is irradiated on study (RULES A16)."""
        return self.sbrt is not None

    @property
    def organ(self) -> str:
        """Organ label of the phantom: 'LYMPH NODE' for nodes, else the location before the comma."""
        return "LYMPH NODE" if self.nodal else self.location.split(",", 1)[0].strip().upper()


@dataclass(frozen=True)
class Size:
    """One lesion at one visit: both axes in mm (0 when gone), its state and the reader's mark.

    Targets and measured new lesions are ``MEASURED`` (or ``DISAPPEARED``, 0 mm); non-targets
    carry a state (``PRESENT``, ``ABSENT``, ``UNEQUIVOCAL PROGRESSION``) and sizes for the image
    only. ``radiation_induced`` is the reader's statement of RULES A9.
    """

    lesion_id: str
    long_axis_mm: Decimal
    short_axis_mm: Decimal
    state: Status = Status.MEASURED
    radiation_induced: bool = False

    @property
    def visible(self) -> bool:
        """True when the lesion is drawn in the image (a disappeared or absent lesion is not)."""
        return self.long_axis_mm > 0 and self.state not in (Status.DISAPPEARED, Status.ABSENT)


@dataclass(frozen=True)
class Expected:
    """Categories one follow-up was designed to show, by hand from the rules (``why`` says which).

    ``irradiated`` / ``non_irradiated`` are the subset responses (None: no such target);
    ``abscopal_*`` the two abscopal flags; ``local_progression`` the irradiated lesions in local
    progression at this visit (RULES §3.2, A9).
    """

    recist: Response
    irecist: IResponse
    irradiated: Response | None
    non_irradiated: Response | None
    abscopal_sum30: bool | None
    abscopal_any_lesion30: bool | None
    local_progression: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class DemoVisit:
    """One imaging visit: its date, every lesion's size and, for follow-ups, the expectation."""

    visit_id: str
    visit: str
    date: date
    sizes: tuple[Size, ...]
    expected: Expected | None = None

    def size(self, lesion_id: str) -> Size | None:
        """The size of ``lesion_id`` at this visit; None when it is not there (yet)."""
        return next((size for size in self.sizes if size.lesion_id == lesion_id), None)


@dataclass(frozen=True)
class ExpectedOutcome:
    """Patient-level results the design was made to show (RULES §1.10, §2.6, §4.1, §4.2)."""

    bor: Response
    confirmed_bor: Response
    ibor: IResponse
    pfs_days: int
    pfs_censored: bool
    gmi: str
    why: str


@dataclass(frozen=True)
class DemoSubject:
    """One subject: identity, arm, dates, lesions, visits (baseline first) and expected outcome."""

    subject_id: str
    arm: str
    randomisation: date
    first_dose: date
    previous_line_pfs_days: int
    story: str
    lesions: tuple[DemoLesion, ...]
    visits: tuple[DemoVisit, ...]
    outcome: ExpectedOutcome

    def __post_init__(self) -> None:
        _check_subject(self)

    def lesion(self, lesion_id: str) -> DemoLesion:
        """The lesion named ``lesion_id``."""
        return next(lesion for lesion in self.lesions if lesion.lesion_id == lesion_id)


@dataclass(frozen=True)
class DemoDesign:
    """The whole demo trial: study, protocol profile, image slice thickness and subjects."""

    study_id: str
    profile: str
    slice_thickness_mm: Decimal
    subjects: tuple[DemoSubject, ...]

    def subject(self, subject_id: str) -> DemoSubject:
        """The subject ``subject_id``.

        Raises
        ------
        KeyError
            If the design has no such subject.
        """
        for subject in self.subjects:
            if subject.subject_id == subject_id:
                return subject
        raise KeyError(f'Argument "subject_id" must be one of {[s.subject_id for s in self.subjects]}, '
                       f"got {subject_id!r}.")


def _check_subject(subject: DemoSubject) -> None:
    """Impossible designs raise: unknown lesions, wrong states, visits out of order (C8)."""
    roles = {lesion.lesion_id: lesion.role for lesion in subject.lesions}
    if len(roles) != len(subject.lesions):
        raise PhantomSpecError(f"Subject {subject.subject_id}: lesion ids must be unique.")
    dates = [visit.date for visit in subject.visits]
    if not dates or dates != sorted(dates) or subject.visits[0].expected is not None:
        raise PhantomSpecError(f"Subject {subject.subject_id}: visits must be in date order, baseline first "
                               "and without an expectation.")
    for number, visit in enumerate(subject.visits):
        if number and visit.expected is None:
            raise PhantomSpecError(f"Subject {subject.subject_id} {visit.visit_id}: a follow-up needs its "
                                   "expected categories.")
        for size in visit.sizes:
            role = roles.get(size.lesion_id)
            allowed = (_TARGET_STATES if role is LesionRole.TARGET else _NON_TARGET_STATES
                       if role is LesionRole.NON_TARGET else _NEW_STATES)
            if role is None or size.state not in allowed or (role.is_new and number == 0):
                raise PhantomSpecError(f"Subject {subject.subject_id} {visit.visit_id}: lesion "
                                       f"{size.lesion_id!r} ({role}) cannot be {size.state} here.")


def recorded_mm(value: Decimal) -> Decimal:
    """Millimetres as a reader records them: rounded half up to 0.1 mm."""
    return value.quantize(RECORDED_MM, rounding=ROUND_HALF_UP)


def _observation(lesion: DemoLesion, size: Size) -> Observation:
    """The reader's record: the short axis for a node, the long axis otherwise (RULES §1.2, §1.4)."""
    if size.state is Status.MEASURED:
        value = size.short_axis_mm if lesion.nodal else size.long_axis_mm
        return Observation(size.lesion_id, Status.MEASURED, diameter_mm=recorded_mm(value),
                           radiation_induced=size.radiation_induced)
    return Observation(size.lesion_id, size.state, radiation_induced=size.radiation_induced)


def ground_truth_read(design: DemoDesign, subject_id: str) -> Read:
    """The complete pre-filled read of ``subject_id`` made from the ground truth of ``design``.

    Every lesion at every visit is recorded as a reader would (mm to 0.1, states for non-targets,
    the radiation-induced mark); a new lesion is recorded from the visit it appears. The phantom
    draws the same sizes, so a reader measuring the images agrees within a voxel.
    """
    subject = design.subject(subject_id)
    lesions = tuple(
        Lesion(lesion.lesion_id, lesion.role, lesion.location, lesion.nodal, lesion.irradiated,
               lesion.previously_irradiated, lesion.sbrt.start if lesion.sbrt else None,
               lesion.sbrt.end if lesion.sbrt else None)
        for lesion in subject.lesions)
    timepoints = tuple(
        Timepoint(visit.visit_id, visit.date,
                  tuple(_observation(subject.lesion(size.lesion_id), size) for size in visit.sizes),
                  visit=visit.visit, date_text=visit.date.isoformat())
        for visit in subject.visits)
    return Read(subject.subject_id, lesions, timepoints, evaluator=READ_EVALUATOR,
                evaluator_id=READ_EVALUATOR_ID, slice_thickness_mm=design.slice_thickness_mm,
                study_id=design.study_id)


def to_jsonable(value: object) -> Any:
    """``value`` (records, tuples, enums, dates, Decimals) as plain JSON data.

    Decimals become JSON numbers (integers when whole), dates ISO text, enums their value.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
    if isinstance(value, (tuple, list)):
        return [to_jsonable(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def from_jsonable(kind: Any, data: Any) -> Any:
    """Rebuild a value of type ``kind`` from :func:`to_jsonable` output (inverse for these records).

    Numbers read back as Decimal go through their shortest text, so ``22.5`` is ``Decimal('22.5')``.
    """
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        if data is None:
            return None
        inner = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return from_jsonable(inner[0], data)
    if origin is tuple:
        args = typing.get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_jsonable(args[0], item) for item in data)
        return tuple(from_jsonable(arg, item) for arg, item in zip(args, data, strict=True))
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        return kind(**{f.name: from_jsonable(hints[f.name], data[f.name])
                       for f in dataclasses.fields(kind) if f.init and f.name in data})
    if kind is date:
        return date.fromisoformat(data)
    if kind is Decimal:
        return Decimal(str(data))
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(data)
    return data
