"""Small builders for engine inputs in tests: reads from plain values."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from assessment.domain import Lesion, LesionRole, Observation, Read, Status, Timepoint

BASELINE_DAY = date(2026, 1, 5)


def target(lesion_id: str, location: str = "LIVER", nodal: bool = False, **flags: bool) -> Lesion:
    """A target lesion."""
    return Lesion(lesion_id, LesionRole.TARGET, location, nodal, **flags)


def node(lesion_id: str, role: LesionRole = LesionRole.TARGET) -> Lesion:
    """A lymph node (short axis)."""
    return Lesion(lesion_id, role, "MEDIASTINAL LYMPH NODE", nodal=True)


def nontarget(lesion_id: str, location: str = "BONE") -> Lesion:
    """A non-target lesion."""
    return Lesion(lesion_id, LesionRole.NON_TARGET, location)


def new(lesion_id: str, location: str = "LUNG") -> Lesion:
    """A new lesion."""
    return Lesion(lesion_id, LesionRole.NEW, location)


def obs(lesion_id: str, value: object) -> Observation:
    """An observation from a shorthand: a number (mm), a Status, or an Observation."""
    if isinstance(value, Observation):
        return value
    if isinstance(value, Status):
        named = {Status.TOO_SMALL: Observation.too_small, Status.DISAPPEARED: Observation.disappeared,
                 Status.NOT_ASSESSED: Observation.not_assessed}
        return named[value](lesion_id) if value in named else Observation.state(lesion_id, value)
    return Observation.measured(lesion_id, Decimal(str(value)))


def make_read(lesions: list[Lesion], visits: list[dict[str, object]], days: list[int] | None = None,
              **read_args: object) -> Read:
    """A read whose visit k is dated ``days[k]`` after baseline (default: every 42 days).

    Each visit maps lesion id → shorthand value; a lesion absent from the mapping has no record.
    """
    days = days if days is not None else [42 * k for k in range(len(visits))]
    timepoints = tuple(
        Timepoint(str(k + 1), BASELINE_DAY + timedelta(days=day),
                  tuple(obs(i, v) for i, v in visit.items()), visit=f"VISIT {k + 1}")
        for k, (visit, day) in enumerate(zip(visits, days, strict=True))
    )
    return Read("S-001", tuple(lesions), timepoints, **read_args)
