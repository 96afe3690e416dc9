"""iRECIST outcome of one read: iBOR, the iRECIST progression date and iPFS (RULES §2.6, §2.7, A13).

The input is a read's iRECIST time-point overall responses (SDTM RS ``OVRLRESP`` under ``RSCAT =
iRECIST``) as :class:`~assessment.best_response.Assessment` records with the categories of
:data:`~assessment.best_response.IRECIST`. They are prepared as in the admiralonco iRECIST vignette
(RULES §2.7 "Peer semantics"; ``ANL01FL`` / ``ANL02FL``): records before the reference date are
dropped, one record is kept per date (the worst one; NE or ND only when nothing else was recorded
that day), and records after the first iCPD are dropped (Table 3: "stopping at iCPD").

Interpretations (each checked against iRECIST Table 3, RULES §2.6)

- **iBOR** follows the admiralonco IBOR events in their order: iCR, iPR (on any date, as the
  vignette's ``ibor_icr`` / ``ibor_ipr`` and RECIST 1.1 unconfirmed BOR, RULES §1.10), iSD (an
  iCR, iPR or iSD on or after reference + ``sd_min_days``), NON-iCR/NON-iUPD (same window),
  iCPD, iUPD, NE, MISSING; ties go to the earliest date. RULES §2.7 prints "(iCR/iPR/iSD ≥
  RANDDT + 42 d)" after the iSD event: that window belongs to the iSD event (its condition in
  the vignette), not to iCR and iPR. An iSD or NON-iCR/NON-iUPD before the window counts as NE.
  This reproduces all eight Table 3 examples; an iUPD followed by a better category is
  "ignored" because the better category ranks first, and example 8 (iUPD, NE, …) gives iUPD
  because iUPD ranks above NE (A13).
- **iCPD** (admiralonco ``icpd_y``): an iUPD followed by the iCPD with only iUPD or NE in
  between; iBOR iCPD and the progression are dated at the *first* iUPD of that block
  ("iUPD, iUPD, iCPD → first iUPD"). iCR, iPR, iSD and NON-iCR/NON-iUPD end a block (the reset
  of RULES §2.4), so "SD, SD, iUPD, PR, PR, iUPD, iCPD" is dated at the second iUPD. ND (not
  done) is treated like NE here (admiralonco drops ND records, which has the same effect).
- **Where admiralonco and Table 3 differ**: an iCPD with no iUPD before it (or with a reset
  between them) cannot happen under iRECIST Table 2. admiralonco then derives no iCPD event
  (iBOR falls back to iUPD, NE or MISSING). Table 3 stops at iCPD and calls it iCPD, so we
  keep iCPD, dated at the iCPD itself, and say so in the rationale.
- **Unconfirmed iUPD** (A13): when the last iUPD is followed only by iUPD, NE or ND and no iCPD,
  iBOR is iUPD (Table 3 example 8) and iPFS has an *event* at the first iUPD of that trailing
  block, labelled :data:`UNCONFIRMED_PROGRESSION`. (admiralonco's separate ``IUPD`` parameter
  is dated at the last iUPD; we use the first, the date a later iCPD would be back-dated to,
  which equals the RECIST 1.1 PFS date.)
- **iPFS** (RULES §4.1): the event is the earlier of that progression date and death;
  otherwise it is censored exactly like PFS (:func:`~assessment.survival.progression_free_survival`,
  A11 / A19), with NE and ND as the unevaluable categories.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from assessment.best_response import (
    IRECIST,
    Assessment,
    BestResponse,
    best_overall_response,
)
from assessment.errors import InvalidInputError
from assessment.irecist import IResponse
from assessment.profile import Profile
from assessment.survival import (
    DEATH,
    SurvivalTime,
    duration_days,
    progression_free_survival,
)

ICR, IPR, ISD = IRECIST.complete, IRECIST.partial, IRECIST.stable
NON_ICR_NON_IUPD = IRECIST.non_measurable
ICPD = IRECIST.progression
IUPD = IResponse.IUPD.value
NE, ND = IRECIST.not_evaluable, IRECIST.not_done


#: iPFS event descriptions (ADaM ``EVNTDESC``); the unconfirmed one carries the A13 flag.
CONFIRMED_PROGRESSION = "Confirmed Progression (iCPD)"
UNCONFIRMED_PROGRESSION = "Unconfirmed Progression (iUPD)"

#: One record per date: the first of this order wins (admiralonco ``ANL01FL``: worst first, NE
#: last; ND has no rank there and is kept only when it is alone on its date).
_SAME_DATE_ORDER = (ICPD, IUPD, NON_ICR_NON_IUPD, ISD, IPR, ICR, NE, ND)
_BLOCK = frozenset({IUPD, NE, ND})


@dataclass(frozen=True)
class IrecistProgression:
    """The iRECIST progression of one read (RULES §2.7).

    Parameters
    ----------
    date : date
        Progression date for iPFS: the first iUPD of the block the iCPD confirms, or of the
        trailing unconfirmed block (A13); the iCPD's own date when no iUPD precedes it.
    confirmed : bool
        True when an iCPD confirms it; False for an unconfirmed iUPD (A13).
    confirmation_date : date or None
        Date of the confirming iCPD; None when unconfirmed.
    rationale : str
        The records and rule that fixed the date.
    """

    date: datetime.date
    confirmed: bool
    confirmation_date: datetime.date | None
    rationale: str


@dataclass(frozen=True)
class IrecistOutcome:
    """iBOR, progression and iPFS of one read (RULES §2.6, §2.7, §4.1)."""

    best_response: BestResponse
    progression: IrecistProgression | None
    pfs: SurvivalTime


def prepare_irecist(assessments: Iterable[Assessment], reference_date: date) -> tuple[Assessment, ...]:
    """The records the iRECIST derivations use (RULES §2.7 "Peer semantics").

    Records on or after ``reference_date``, one per date (the worst; NE/ND only when alone),
    sorted by date, up to and including the first iCPD.

    Raises
    ------
    InvalidInputError
        If a response is not an iRECIST time-point category.
    """
    return _prepare(assessments, reference_date)[0]


def irecist_progression(
    assessments: Iterable[Assessment], reference_date: date
) -> IrecistProgression | None:
    """The iRECIST progression date (RULES §2.7, A13), or None without progression.

    >>> import datetime
from datetime import date
    >>> items = [Assessment(date(2020, 3, 1), "iUPD"), Assessment(date(2020, 4, 1), "iUPD"),
    ...          Assessment(date(2020, 5, 1), "iCPD")]
    >>> irecist_progression(items, date(2020, 1, 1)).date
    datetime.date(2020, 3, 1)
    """
    return _progression(prepare_irecist(assessments, reference_date))


def irecist_best_overall_response(
    assessments: Iterable[Assessment], reference_date: date, profile: Profile
) -> BestResponse:
    """iBOR, confirmation not required (RULES §2.6 Table 3; admiralonco ``IBOR``).

    See the module docstring for the event order and the iSD window (``profile.sd_min_days``
    after ``reference_date``, A8); an iCPD is dated at the first iUPD of the block it confirms.
    With no record on or after the reference date: MISSING (NE with ``profile.missing_as_ne``).
    """
    kept, note = _prepare(assessments, reference_date)
    best = best_overall_response(kept, reference_date, profile, scheme=IRECIST)
    progression = _progression(kept)
    if best.category == ICPD and progression is not None:
        return BestResponse(ICPD, progression.date, f"{progression.rationale}{note}")
    return BestResponse(best.category, best.date, f"{best.rationale}{note}")


def irecist_progression_free_survival(
    assessments: Iterable[Assessment],
    start_date: date,
    profile: Profile,
    *,
    death_date: date | None = None,
) -> SurvivalTime:
    """iPFS of one read (RULES §4.1, §2.7; A11, A12, A13, A19).

    Event: the earlier of :func:`irecist_progression` (confirmed, or unconfirmed per A13 with
    :data:`UNCONFIRMED_PROGRESSION` as description) and ``death_date``. Otherwise censored as
    PFS is: at the last evaluable record (A11) or the last record (A19), else at ``start_date``.

    Raises
    ------
    InvalidInputError
        If a response is not an iRECIST category or death precedes the start date.
    """
    kept, _ = _prepare(assessments, start_date)
    progression = _progression(kept)
    if progression is None:
        return progression_free_survival(kept, start_date, profile, death_date=death_date, scheme=IRECIST)
    if death_date is not None and death_date < start_date:
        raise InvalidInputError("death_date", death_date, f"on or after the start date {start_date}")
    if death_date is not None and death_date < progression.date:
        why = f"event: death on {death_date} before the iRECIST progression on {progression.date}"
        return _time(start_date, death_date, DEATH, why)
    label = CONFIRMED_PROGRESSION if progression.confirmed else UNCONFIRMED_PROGRESSION
    why = f"event: {progression.rationale}"
    if death_date is not None:
        why += f" (death on {death_date} is not earlier)"
    return _time(start_date, progression.date, label, why)


def irecist_outcome(
    assessments: Iterable[Assessment],
    reference_date: date,
    profile: Profile,
    *,
    death_date: date | None = None,
) -> IrecistOutcome:
    """iBOR, progression and iPFS of one read, all counted from ``reference_date``."""
    items = tuple(assessments)
    return IrecistOutcome(
        irecist_best_overall_response(items, reference_date, profile),
        irecist_progression(items, reference_date),
        irecist_progression_free_survival(items, reference_date, profile, death_date=death_date),
    )


def _prepare(assessments: Iterable[Assessment], reference_date: date) -> tuple[tuple[Assessment, ...], str]:
    """Validated records on/after the reference, worst per date, up to the first iCPD; and a note."""
    items = tuple(assessments)
    allowed = IRECIST.timepoint_values
    by_date: dict[date, Assessment] = {}
    early = 0
    for index, item in enumerate(items):
        if item.response not in allowed:
            expected = "one of " + ", ".join(r for r in IRECIST.ranking if r in allowed)
            raise InvalidInputError(f"assessments[{index}].response", item.response, expected)
        if item.date < reference_date:
            early += 1
            continue
        kept = by_date.get(item.date)
        if kept is None or _SAME_DATE_ORDER.index(item.response) < _SAME_DATE_ORDER.index(kept.response):
            by_date[item.date] = item
    ordered = [by_date[day] for day in sorted(by_date)]
    first_icpd = next((i for i, a in enumerate(ordered) if a.response == ICPD), len(ordered))
    kept_items = tuple(ordered[: first_icpd + 1])
    notes = []
    if early:
        notes.append(f"{early} record(s) before the reference date {reference_date} ignored")
    if len(items) - early > len(ordered):
        notes.append(f"{len(items) - early - len(ordered)} other record(s) on the same date ignored (worst kept)")
    if len(ordered) > len(kept_items):
        notes.append(f"{len(ordered) - len(kept_items)} record(s) after the first {ICPD} ignored")
    return kept_items, "".join(f"; {n}" for n in notes)


def _progression(kept: Sequence[Assessment]) -> IrecistProgression | None:
    """Progression from prepared records (at most one iCPD, and only as the last record)."""
    if not kept:
        return None
    last = kept[-1]
    if last.response == ICPD:
        iupd = _first_iupd_of_trailing_block(kept[:-1])
        if iupd is None:
            why = (f"{ICPD} on {last.date} with no {IUPD} before it (only {IUPD}/NE allowed in "
                   f"between): dated at the {ICPD} itself (iRECIST Table 3; admiralonco has no event)")
            return IrecistProgression(last.date, True, last.date, why)
        why = (f"{IUPD} on {iupd.date} confirmed by {ICPD} on {last.date} (only {IUPD}/NE in "
               f"between): progression dated at the first {IUPD} of the block (RULES §2.7)")
        return IrecistProgression(iupd.date, True, last.date, why)
    iupd = _first_iupd_of_trailing_block(kept)
    if iupd is None:
        return None
    why = (f"unconfirmed progression: {IUPD} on {iupd.date} followed only by {IUPD}/NE up to the "
           f"last record on {last.date}, no {ICPD} (A13: event at the {IUPD} date, flagged unconfirmed)")
    return IrecistProgression(iupd.date, False, None, why)


def _first_iupd_of_trailing_block(items: Sequence[Assessment]) -> Assessment | None:
    """The earliest iUPD after which every record is iUPD, NE or ND (None if there is none)."""
    first = None
    for item in reversed(items):
        if item.response not in _BLOCK:
            break
        if item.response == IUPD:
            first = item
    return first


def _time(start: date, end: date, label: str, why: str) -> SurvivalTime:
    """An iPFS event (``CNSR`` 0) with its duration end − start + 1 (A12)."""
    days = duration_days(start, end)
    return SurvivalTime(start, end, days, False, label, f"{why}; {days} days from {start} (end − start + 1)")
