"""Local control of each irradiated lesion against its own nadir (RULES §3.2, §7 A9).

Reported beside the protocol response with the in-field / out-of-field subsets of
:mod:`assessment.subsets`. The reader's "radiation-induced change, not progression" mark
(``Observation.radiation_induced``) overrides a local progression. Rationales render on demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from assessment.domain import Lesion, LesionRole, Read, Timepoint
from assessment.profile import Profile
from assessment.rationale import mm, pct, percent_change, signed_mm


@dataclass(frozen=True)
class LocalVerdict:
    """Local control of one irradiated lesion at one follow-up (RULES A9).
    ``local_progression`` is None when the lesion has no value now or no earlier value."""

    lesion_id: str
    visit_id: str
    date: date
    value_mm: Decimal | None
    nadir_mm: Decimal | None
    pct_change_nadir: Decimal | None
    abs_change_nadir_mm: Decimal | None
    local_progression: bool | None
    radiation_induced: bool
    local_pd_pct: Decimal
    local_pd_mm: Decimal

    @property
    def rationale(self) -> str:
        """Why: the lesion's value against its own nadir and the A9 thresholds (rendered on demand)."""
        value, nadir, change = self.value_mm, self.nadir_mm, self.pct_change_nadir
        if value is None or nadir is None:
            why = "no value at this visit" if value is None else "no earlier value to compare with"
            return f"{self.lesion_id} local control not evaluable: {why}"
        rule = f"≥ {_number(self.local_pd_pct)} %" + (
            f" and ≥ {_number(self.local_pd_mm)} mm" if self.local_pd_mm else ", 5 mm rule off")
        numbers = (f"{mm(value)} is {pct(change) + ' and ' if change is not None else ''}"
                   f"{signed_mm(value - nadir)} over its nadir {mm(nadir)}")
        if self.radiation_induced and is_local_progression(value, nadir, self.local_pd_pct, self.local_pd_mm):
            return (f"{self.lesion_id} not local progression: {numbers} ({rule}), but the reader marked the "
                    "change radiation-induced (A9)")
        if self.local_progression:
            return f"{self.lesion_id} local progression: {numbers} ({rule})"
        return f"{self.lesion_id} locally controlled: {numbers} (local PD needs {rule})"


@dataclass(frozen=True)
class LocalControl:
    """Local control of one irradiated lesion over the read, with its first local progression."""

    lesion_id: str
    role: LesionRole
    local_progression_date: date | None
    local_progression_visit_id: str | None
    verdicts: tuple[LocalVerdict, ...]
    rationale: str


def is_local_progression(value_mm: Decimal, nadir_mm: Decimal, local_pd_pct: Decimal, local_pd_mm: Decimal) -> bool:
    """Local PD of an irradiated lesion (RULES §3.2, A9): value ≥ (1 + local_pd_pct/100) × its own
    nadir and ≥ nadir + local_pd_mm, both inclusive and exact (A2). ``local_pd_mm = 0`` switches the
    millimetre rule off; an increase over the nadir is still required (a 0 mm lesion staying 0 mm
    is not progression). The thresholds are the profile's ``local_pd_pct`` and ``local_pd_mm``."""
    return (value_mm > nadir_mm and value_mm >= (1 + local_pd_pct / 100) * nadir_mm
            and value_mm - nadir_mm >= local_pd_mm)


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def local_verdict(lesion_id: str, tp: Timepoint, nadir_mm: Decimal | None, profile: Profile) -> LocalVerdict:
    """Local control of ``lesion_id`` at ``tp`` against its own nadir; the reader's radiation-induced
    mark overrides progression (RULES A9)."""
    obs = tp.observation(lesion_id)
    value, induced = obs.value_mm, obs.radiation_induced
    thresholds = (profile.local_pd_pct, profile.local_pd_mm)
    if value is None or nadir_mm is None:
        return LocalVerdict(lesion_id, tp.visit_id, tp.date, value, nadir_mm, None, None, None, induced, *thresholds)
    met = is_local_progression(value, nadir_mm, *thresholds)
    return LocalVerdict(lesion_id, tp.visit_id, tp.date, value, nadir_mm, percent_change(value, nadir_mm),
                        value - nadir_mm, met and not induced, induced, *thresholds)


def local_control(lesion: Lesion, read: Read, profile: Profile) -> LocalControl:
    """Per-visit local control of one irradiated lesion; its nadir is the minimum of its own earlier
    values, baseline included (RULES §3.2, A9)."""
    earlier = [v for v in [read.timepoints[0].observation(lesion.lesion_id).value_mm] if v is not None]
    verdicts: list[LocalVerdict] = []
    for tp in read.timepoints[1:]:
        verdict = local_verdict(lesion.lesion_id, tp, min(earlier, default=None), profile)
        verdicts.append(verdict)
        if verdict.value_mm is not None:
            earlier.append(verdict.value_mm)
    first = next((v for v in verdicts if v.local_progression), None)
    text = (f"{lesion.lesion_id}: first local progression on {first.date.isoformat()} (visit {first.visit_id})"
            if first else f"{lesion.lesion_id}: no local progression")
    return LocalControl(lesion.lesion_id, lesion.role, first.date if first else None,
                        first.visit_id if first else None, tuple(verdicts), text)


def local_control_lesions(read: Read) -> tuple[Lesion, ...]:
    """Irradiated targets, and irradiated non-targets only when they have a measurement (RULES A9)."""
    def measured(lesion: Lesion) -> bool:
        return any(tp.observation(lesion.lesion_id).value_mm is not None for tp in read.timepoints)
    return tuple(lesion for lesion in read.lesions if lesion.irradiated and (
        lesion.role is LesionRole.TARGET or (lesion.role is LesionRole.NON_TARGET and measured(lesion))))
