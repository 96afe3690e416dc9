"""Scan dates → the planned visits of the trial's schedule (``[[visit]]``, :mod:`.trial_profile`).

:func:`match_visits` is pure and follows these rules:

- Day 0 is the baseline: the earliest date, or the ``baseline`` date when one is given (a subject's
  existing baseline). The study day of a date is its distance in days from the baseline, negative
  before it. This is not SDTM ``--DY``, which counts from ``RFSTDTC`` and has no day 0.
- A date gets the planned visit whose window holds its study day, both ends included. If two windows
  held it, the nearest planned day would win (the earlier on a tie), but the windows of a valid
  schedule never overlap.
- One scan per planned visit. Dates are matched in date order, so a later scan in a window that is
  already used, or whose visit is in ``taken``, is ``UNSCHEDULED``. The visit of the earlier scan
  never moves, so the names stay the same when the scans arrive over several imports.
- Without a schedule, the baseline date is ``BASELINE`` and every other date is ``UNSCHEDULED``,
  as before schedules existed.

:func:`match_with_existing` does the same for a subject who already has time points: their names
stay as they are and their planned visits are taken.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from recist_app.evaluation.trial_profile import (
    BASELINE_VISIT,
    UNSCHEDULED_VISIT,
    PlannedVisit,
    VisitSchedule,
)

#: What a trial without ``[[visit]]`` tables plans: the baseline, nothing else.
_BASELINE_ONLY = VisitSchedule((PlannedVisit(BASELINE_VISIT, 0),))


@dataclass(frozen=True)
class VisitMatch:
    """The visit of one scan date.

    ``study_day`` counts from the baseline scan (day 0); ``planned_day`` is the planned day of the
    matched visit (0 for the baseline), or None when the scan is ``UNSCHEDULED``; ``scheduled`` is
    True when the scan matched a planned visit.
    """

    scan_date: date
    study_day: int
    visit: str
    planned_day: int | None
    scheduled: bool

    @property
    def text(self) -> str:
        """``"WEEK 8 (day 61, planned 63)"``, ``"UNSCHEDULED (day 12)"``, ``"BASELINE (day 0)"``."""
        shown = self.planned_day is not None and self.planned_day != self.study_day
        planned = f", planned {self.planned_day}" if shown else ""
        return f"{self.visit} (day {self.study_day}{planned})"


def match_visits(scan_dates: Iterable[date], schedule: VisitSchedule | None = None, *,
                 baseline: date | None = None, taken: Iterable[str] = ()) -> tuple[VisitMatch, ...]:
    """The visit of each scan date (each date once, in date order) under ``schedule``.

    Parameters
    ----------
    scan_dates : iterable of date
        The study dates to match. Repeated dates count once.
    schedule : VisitSchedule or None
        The trial's ``[[visit]]`` schedule. If it is None or empty, the baseline is ``BASELINE`` and
        every other date is ``UNSCHEDULED``.
    baseline : date or None
        Day 0. Defaults to the earliest of ``scan_dates``.
    taken : iterable of str
        Names of planned visits that other scans already hold (case-insensitive). A scan in their
        windows is ``UNSCHEDULED``.

    Examples
    --------
    >>> from recist_app.evaluation.trial_profile import PlannedVisit, VisitSchedule
    >>> plan = VisitSchedule((PlannedVisit("BASELINE", 0), PlannedVisit("WEEK 2", 14, 3, 3)))
    >>> [(m.visit, m.study_day) for m in match_visits([date(2024, 1, 13), date(2024, 1, 1)], plan)]
    [('BASELINE', 0), ('WEEK 2', 12)]
    """
    dates = sorted(set(scan_dates))
    if not dates:
        return ()
    plan = schedule if schedule is not None and schedule.visits else _BASELINE_ONLY
    anchor = baseline if baseline is not None else dates[0]
    used = {name.strip().upper() for name in taken}
    matches = []
    for scan_date in dates:
        day = (scan_date - anchor).days
        open_visits = [visit for visit in plan.visits if visit.name.upper() not in used and visit.holds(day)]
        if not open_visits:
            matches.append(VisitMatch(scan_date, day, UNSCHEDULED_VISIT, None, False))
            continue
        visit = min(open_visits, key=lambda v: (abs(v.day - day), v.day))
        used.add(visit.name.upper())
        matches.append(VisitMatch(scan_date, day, visit.name, visit.day, True))
    return tuple(matches)


def match_with_existing(scan_dates: Iterable[date], schedule: VisitSchedule | None,
                        existing: Mapping[date, str]) -> tuple[VisitMatch, ...]:
    """The visits of a subject's new and existing scan dates, in date order.

    ``existing`` maps the scan dates of the subject's time points to their visit names, which stay
    as they are. Day 0 is the existing time point named like the schedule's baseline, or else the
    earliest existing one. The baseline and every planned visit an existing time point is named
    after are taken. A new date before the baseline therefore gets a negative study day and
    ``UNSCHEDULED``. Without existing time points this is :func:`match_visits`.
    """
    if not existing:
        return match_visits(scan_dates, schedule)
    plan = schedule if schedule is not None and schedule.visits else _BASELINE_ONLY
    base = plan.visits[0].name
    named = [when for when, name in sorted(existing.items()) if name.strip().upper() == base.upper()]
    anchor = named[0] if named else min(existing)
    fresh = set(scan_dates) - set(existing)
    matched = match_visits(fresh, plan, baseline=anchor, taken=[*existing.values(), base]) if fresh else ()
    kept = []
    for when, name in existing.items():
        planned = plan.visit(name)
        kept.append(VisitMatch(when, (when - anchor).days, name, planned.day if planned else None,
                               planned is not None))
    return tuple(sorted((*matched, *kept), key=lambda match: match.scan_date))
