"""Numbers in SDTM CSV cells: finite, bounded, ASCII decimal (issue 13; CDISC.md §11).

``Decimal`` and ``int`` accept far more than a statistician means by a number: ``NaN``,
``Infinity``, ``1_0`` (read as 10), Arabic-Indic or full-width digits, and exponents such as
``1E+1000000`` whose arithmetic overflows or whose ``int()`` builds a number of a million digits.
:func:`parse_number` accepts only the plain decimal notation SAS and R write (an optional sign,
ASCII digits, one point, an optional short exponent), a magnitude below :data:`MAX_MAGNITUDE` and
at most :data:`MAX_DECIMALS` decimals; each reader then checks the range of its own variable.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal

#: ASCII decimal notation: sign, digits with at most one point, an exponent of at most 3 digits.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")
#: The same notation with an exponent of any length (to say "out of range" rather than "not a number").
_ANY_EXPONENT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
#: Longest number text accepted (SAS writes at most 17 significant digits).
MAX_NUMBER_CHARS = 40
#: No SDTM value this workstation reads is this large (days, visits, millimetres).
MAX_MAGNITUDE = Decimal("1e15")
#: Digits after the point, once any exponent is applied (SAS's 16.228800000000001 has 15).
MAX_DECIMALS = 20

NUMBER_FORM = "a plain decimal number such as 12, 12.5 or -3 (ASCII digits, no NaN, Infinity or '_')"


@functools.lru_cache(maxsize=4096)
def parse_number(text: str) -> Decimal | None:
    """The value of ``text`` if it is a finite ASCII decimal number of moderate size, else None.

    >>> parse_number("32.32"), parse_number("1_0"), parse_number("NaN"), parse_number("1E+1000000")
    (Decimal('32.32'), None, None, None)
    """
    if len(text) > MAX_NUMBER_CHARS or _NUMBER.fullmatch(text) is None:
        return None
    value = Decimal(text)
    exponent = value.as_tuple().exponent
    if abs(value) >= MAX_MAGNITUDE or (isinstance(exponent, int) and exponent < -MAX_DECIMALS):
        return None
    return value


def number_problem(text: str) -> str:
    """Why :func:`parse_number` refuses ``text``, as words that follow the value."""
    if _ANY_EXPONENT.fullmatch(text) is None:
        return f"is not a number; write {NUMBER_FORM}"
    if len(text) > MAX_NUMBER_CHARS:
        return f"is longer than {MAX_NUMBER_CHARS} characters"
    if _NUMBER.fullmatch(text) is None or abs(Decimal(text)) >= MAX_MAGNITUDE:
        return "is far out of range (larger than 1e15 in size)"
    return f"has more than {MAX_DECIMALS} decimals"


def is_whole(value: Decimal) -> bool:
    """True when ``value`` has no fractional part (``365`` and ``365.0``, not ``365.5``)."""
    return value == value.to_integral_value()
