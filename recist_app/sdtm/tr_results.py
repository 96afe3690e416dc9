"""One TR result → an engine :class:`~assessment.domain.Observation` (CDISC.md §3.1–§3.3).

- ``TUMSTATE``: the state in ``TRSTRESC`` (else ``TRORRES``), one of :data:`TUMOR_STATES`.
- A diameter (``LDIAM``, ``LPERP``, ``DIAMETER``, ``SAXIS``): ``TRORRES = TOO SMALL TO MEASURE``
  counts 5 mm (§3.3); otherwise the number in ``TRSTRESN`` (else ``TRSTRESC``) in the unit
  ``TRSTRESU``, or in ``TRORRES`` in the unit ``TRORRESU``. Centimetres are converted to mm;
  any other unit is refused, and so is a standard result without ``TRSTRESU`` when ``TRORRESU``
  is not mm (it could be either unit). With no unit at all, the value is in mm (CDISC C71620: the
  standard unit of a diameter). The value must be a number (:mod:`recist_app.sdtm.numeric`)
  from 0 to :data:`MAX_DIAMETER_MM`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from assessment.domain import Observation, Status
from recist_app.sdtm.errors import ResultProblem
from recist_app.sdtm.numeric import number_problem, parse_number

TOO_SMALL_TEXT = "TOO SMALL TO MEASURE"
TUMOR_STATES = {
    "PRESENT": Status.PRESENT,
    "ABSENT": Status.ABSENT,
    "UNEQUIVOCAL PROGRESSION": Status.UNEQUIVOCAL_PROGRESSION,
    "UNEQUIVOCAL": Status.UNEQUIVOCAL_PROGRESSION,
    "EQUIVOCAL": Status.EQUIVOCAL,
    "FURTHER ENLARGEMENT": Status.FURTHER_ENLARGEMENT,
    "TUMOR MERGED": Status.MERGED,
}
#: Millimetres per unit of a diameter (C71620 ``mm`` and ``cm``).
MM_PER_UNIT = {"mm": Decimal(1), "cm": Decimal(10)}
#: No lesion is a metre across: a larger diameter is a unit or typing error.
MAX_DIAMETER_MM = Decimal(1000)


class TrResult(NamedTuple):
    """The TR values of one result row that decide its observation (stripped, '' when missing)."""

    test: str
    original: str
    original_unit: str
    standard_text: str
    standard_number: str
    standard_unit: str


def state(link: str, result: TrResult) -> Observation:
    """The ``TUMSTATE`` observation of lesion ``link``."""
    text = (result.standard_text or result.original).upper()
    status = TUMOR_STATES.get(text)
    if status is None:
        raise ResultProblem(f"TUMSTATE result {text!r} is not one of {', '.join(TUMOR_STATES)}.")
    return Observation.state(link, status)


def measurement(link: str, result: TrResult) -> Observation:
    """The diameter observation of lesion ``link``, in mm."""
    if result.original.upper() == TOO_SMALL_TEXT:
        return Observation.too_small(link)
    return Observation.measured(link, diameter_mm(link, result))


def diameter_mm(link: str, result: TrResult) -> Decimal:
    """The diameter of a result row in mm (see the module docstring)."""
    test = result.test
    if result.standard_number or result.standard_text:
        column = "TRSTRESN" if result.standard_number else "TRSTRESC"
        text = result.standard_number or result.standard_text
        unit_column, unit = "TRSTRESU", result.standard_unit
        if not unit and result.original_unit and result.original_unit.lower() != "mm":
            raise ResultProblem(
                f"{test} {column} {text!r} for lesion {link!r} has no TRSTRESU while TRORRESU is "
                f"{result.original_unit!r}; give TRSTRESU (mm or cm) so the value has one unit.")
    elif result.original:
        column, text = "TRORRES", result.original
        unit_column, unit = "TRORRESU", result.original_unit or result.standard_unit
    else:
        raise ResultProblem(f"{test} for lesion {link!r} has no result; use TRSTAT = NOT DONE for a lesion "
                            "that was not assessed.")
    value = parse_number(text)
    if value is None:
        raise ResultProblem(f"{test} {column} {text!r} for lesion {link!r} {number_problem(text)}.")
    factor = MM_PER_UNIT.get(unit.lower() or "mm")
    if factor is None:
        raise ResultProblem(f"{test} {unit_column} {unit!r} for lesion {link!r} is not a unit of length read "
                            "here; give the diameter in mm or cm.")
    millimetres = value * factor
    if millimetres < 0:
        raise ResultProblem(f"{test} {text} {unit or 'mm'} for lesion {link!r} is negative.")
    if millimetres > MAX_DIAMETER_MM:
        raise ResultProblem(f"{test} {text} {unit or 'mm'} for lesion {link!r} is over {MAX_DIAMETER_MM} mm; "
                            "check the value and its unit.")
    return millimetres if millimetres else Decimal(0)  # no '-0'
