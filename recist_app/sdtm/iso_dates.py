"""SDTM ``--DTC`` dates: ISO 8601, within a plausible range, year-month imputed (RULES §7 A17).

Accepted: ``YYYY-MM-DD`` with an optional ISO 8601 time part (``T10:30``, ``T10:30:15.5``, a
``Z`` or ``±hh:mm`` zone; the time is not used), and on SDTM import the partial ``YYYY-MM``,
imputed to the last day of its month and flagged (ADaM ``--DTF = "D"``). Refused: a date without
a month (``2024`` would become 31 December and reorder visits), any other notation (``2014-1-2``,
non-ASCII digits), a day that is not in the calendar, and a date outside
:data:`EARLIEST` … :data:`LATEST`. The range is for SDTM input only: DICOM study dates (which
de-identification may shift to 1900) are read elsewhere and never pass through here.
"""

from __future__ import annotations

import calendar
import functools
import re
from datetime import date
from typing import NamedTuple

from recist_app.sdtm.errors import DateProblem

#: Plausible dates of a trial record (randomisation, scan, response, death).
EARLIEST = date(1900, 1, 1)
LATEST = date(2099, 12, 31)

_DATE = re.compile(r"(?P<year>[0-9]{4})(?:-(?P<month>[0-9]{2})(?:-(?P<day>[0-9]{2}))?)?(?P<time>T.*)?")
_TIME = re.compile(r"T(?:[01][0-9]|2[0-3])(?::[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,9})?)?)?"
                   r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?")
_FORM = "YYYY-MM-DD (or YYYY-MM, imputed to the month's last day, RULES A17)"


class SdtmDate(NamedTuple):
    """A parsed date and whether its day was imputed (A17; ADaM ``--DTF = "D"``)."""

    value: date
    imputed: bool


@functools.lru_cache(maxsize=4096)
def sdtm_date(text: str, partial: bool = True) -> SdtmDate:
    """Parse ``text`` (see the module docstring); ``partial=False`` refuses ``YYYY-MM`` too.

    Raises
    ------
    DateProblem
        Saying what is wrong and what to write instead (``'2024' has no month …``).

    >>> sdtm_date("2014-02")
    SdtmDate(value=datetime.date(2014, 2, 28), imputed=True)
    """
    match = _DATE.fullmatch(text)
    if match is None:
        raise DateProblem(f"is not an ISO 8601 date; write {_FORM}")
    if match["time"] and (match["day"] is None or _TIME.fullmatch(match["time"]) is None):
        raise DateProblem("has a time part that is not ISO 8601 (THH:MM or THH:MM:SS after YYYY-MM-DD)")
    if match["month"] is None:
        raise DateProblem("has no month: a year alone cannot be imputed (RULES A17 imputes YYYY-MM only); "
                          "give at least YYYY-MM")
    if match["day"] is None and not partial:
        raise DateProblem("is a partial date; this column needs a complete date (YYYY-MM-DD), as an ADaM "
                          "date is imputed, with its flag, before the analysis")
    year, month = int(match["year"]), int(match["month"])
    try:
        if match["day"] is None:
            parsed = SdtmDate(date(year, month, calendar.monthrange(year, month)[1]), True)
        else:
            parsed = SdtmDate(date(year, month, int(match["day"])), False)
    except (ValueError, calendar.IllegalMonthError):
        raise DateProblem("is not a date of the calendar") from None
    if not EARLIEST <= parsed.value <= LATEST:
        raise DateProblem(f"is outside the plausible range {EARLIEST} to {LATEST} of a trial date")
    return parsed


def iso_date(text: str) -> SdtmDate | None:
    """:func:`sdtm_date` of ``text``, None when it is refused (for loops that word the error later)."""
    try:
        return sdtm_date(text)
    except DateProblem:
        return None


def is_partial(text: str) -> bool:
    """True for a ``YYYY-MM`` date (imputed, A17): SDTM leaves ``--DY`` empty for it (SDTMIG §4.4.4)."""
    match = _DATE.fullmatch(text)
    return match is not None and match["month"] is not None and match["day"] is None
