"""A read's outcome: best overall response (unconfirmed and confirmed) and PFS from its time points.

The bridge from :func:`assessment.recist11.assess_recist11` to the patient level (RULES §6.2): the
follow-up overall responses become :class:`Assessment` records, with RULES §7 A6 applied — when PD
came from an equivocal new lesion later confirmed, the PD is dated to its first observation and
only time points before that date count for best response.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from assessment.best_response import (
    Assessment,
    BestResponse,
    best_overall_response,
    confirmed_best_overall_response,
)
from assessment.domain import ReadResult, Response
from assessment.profile import Profile
from assessment.survival import SurvivalTime, progression_free_survival


@dataclass(frozen=True)
class ReadOutcome:
    """Patient-level results of one read (ADaM-like BOR, CBOR, PFS; RULES §1.10, §4.1)."""

    best_response: BestResponse
    confirmed_best_response: BestResponse
    pfs: SurvivalTime
    first_pd_date: date | None


def response_assessments(result: ReadResult) -> tuple[Assessment, ...]:
    """The read's follow-up overall responses up to its first PD, back-dated per A6."""
    pd_date = result.first_pd_date
    assessments = []
    for tp in result.follow_ups:
        if pd_date is not None and tp.date >= pd_date:
            break
        assessments.append(Assessment(tp.date, tp.overall.value, tp.visit_id))
    if pd_date is not None:
        assessments.append(Assessment(pd_date, Response.PD.value, result.first_pd_visit_id or ""))
    return tuple(assessments)


def read_outcome(result: ReadResult, start_date: date, profile: Profile,
                 death_date: date | None = None) -> ReadOutcome:
    """BOR, confirmed BOR and PFS of one read, counted from ``start_date`` (the reference date)."""
    assessments = response_assessments(result)
    return ReadOutcome(
        best_overall_response(assessments, start_date, profile),
        confirmed_best_overall_response(assessments, start_date, profile),
        progression_free_survival(assessments, start_date, profile, death_date=death_date),
        result.first_pd_date,
    )
