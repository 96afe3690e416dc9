"""Progression-free survival dates and durations (RULES §4.1; §7 A11, A12, A19).

PFS event = the earlier of the first PD time point and death from any cause. Without an event
the time is censored at the last assessment with an evaluable response (A11, default) or at the
last assessment of any value (A19, pharmaverse), and at the start date when there is none.
Duration in days = end − start + 1 (A12, pharmaverse ``AVAL``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from assessment.best_response import RECIST11, Assessment, CategoryScheme
from assessment.errors import InvalidInputError
from assessment.profile import Profile

#: Event and censoring descriptions (pharmaverse ADTTE ``EVNTDESC`` / ``CNSDTDSC`` wording).
PROGRESSION = "Disease Progression"
DEATH = "Death"
LAST_EVALUABLE = "Last Evaluable Tumor Assessment"
LAST_ASSESSMENT = "Last Tumor Assessment"
START_LABELS = {"randomisation": "Randomization", "first_dose": "First Dose"}


@dataclass(frozen=True)
class SurvivalTime:
    """A time-to-event result: end date, duration in days, censoring flag and why.

    Parameters
    ----------
    start : date
        Start of the time (randomisation or first dose, RULES §4.1).
    date : date
        Event or censoring date (ADaM ``ADT``).
    days : int
        ``date − start + 1`` (§7 A12; ADaM ``AVAL``).
    censored : bool
        False for an event (``CNSR`` 0), True when censored (``CNSR`` 1).
    description : str
        Short label of the event or censoring reason (ADaM ``EVNTDESC``).
    rationale : str
        The rule and dates that fired.
    """

    start: date
    date: date
    days: int
    censored: bool
    description: str
    rationale: str


def duration_days(start: date, end: date) -> int:
    """Days from ``start`` to ``end`` counting both ends: end − start + 1 (§7 A12).

    >>> duration_days(date(2014, 1, 2), date(2014, 3, 6))
    64
    """
    return (end - start).days + 1


def progression_free_survival(
    assessments: Iterable[Assessment],
    start_date: date,
    profile: Profile,
    *,
    death_date: date | None = None,
    scheme: CategoryScheme = RECIST11,
) -> SurvivalTime:
    """PFS of one read (RULES §4.1; §7 A11, A19).

    Only assessments on or after ``start_date`` count (pharmaverse ADRS ``ANL01FL``: ADT ≥
    RANDDT); earlier scans are baseline. The event is the earlier of the first PD and
    ``death_date``. Otherwise the time is censored at the last assessment whose response is
    evaluable (not NE or ND) when ``profile.pfs_censor_at == 'last_evaluable'``, or of any
    value when ``'last_assessment'``; with no such assessment, at ``start_date``.

    Raises
    ------
    InvalidInputError
        If a response is not a category of ``scheme`` or death precedes the start date.
    """
    items = _counted(assessments, start_date, scheme)
    if death_date is not None and death_date < start_date:
        expected = f"on or after the start date {start_date}"
        raise InvalidInputError("death_date", death_date, expected)
    first_pd = next((a.date for a in items if a.response == scheme.progression), None)
    if first_pd is not None and (death_date is None or first_pd <= death_date):
        why = f"event: first {scheme.progression} on {first_pd}"
        if death_date is not None:
            why += f" (death on {death_date} is later)"
        return _result(start_date, first_pd, False, PROGRESSION, why)
    if death_date is not None:
        why = f"event: death on {death_date}"
        if first_pd is not None:
            why += f" before the first {scheme.progression} on {first_pd}"
        return _result(start_date, death_date, False, DEATH, why)
    return _censored(items, start_date, profile, scheme)


def _counted(
    assessments: Iterable[Assessment], start_date: date, scheme: CategoryScheme
) -> tuple[Assessment, ...]:
    """Assessments on or after ``start_date``, sorted by date, categories checked."""
    allowed = scheme.timepoint_values
    items = tuple(assessments)
    for index, item in enumerate(items):
        if item.response not in allowed:
            expected = "one of " + ", ".join(r for r in scheme.ranking if r in allowed)
            raise InvalidInputError(f"assessments[{index}].response", item.response, expected)
    return tuple(sorted((a for a in items if a.date >= start_date), key=lambda a: a.date))


def _censored(
    items: tuple[Assessment, ...], start_date: date, profile: Profile, scheme: CategoryScheme
) -> SurvivalTime:
    """No PD and no death: censor per §7 A11 / A19, else at the start date."""
    if profile.pfs_censor_at == "last_evaluable":
        unevaluable = {scheme.not_evaluable, scheme.not_done}
        usable = [a for a in items if a.response not in unevaluable]
        label, rule = LAST_EVALUABLE, "last assessment with an evaluable response (A11)"
    else:
        usable = list(items)
        label, rule = LAST_ASSESSMENT, "last assessment of any value (A19)"
    if usable:
        last = usable[-1]
        why = f"censored at the {rule}: {last.response} on {last.date}"
        return _result(start_date, last.date, True, label, why)
    start_label = START_LABELS.get(profile.reference_date, "Start Date")
    why = f"censored at the start date {start_date}: no {rule.split(' (')[0]} on or after it"
    return _result(start_date, start_date, True, start_label, why)


def _result(start: date, end: date, censored: bool, label: str, why: str) -> SurvivalTime:
    days = duration_days(start, end)
    rationale = f"{why}; {days} days from {start} (end − start + 1)"
    return SurvivalTime(start, end, days, censored, label, rationale)
