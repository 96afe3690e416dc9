"""The layout of a SAS transport v5 file (SAS technical note TS-140) that the writer (:mod:`recist_app.sdtm.xpt`)
and the reader (:mod:`recist_app.sdtm.table_readers`) share: 80-byte records, their header records, IBM hexadecimal
floats and SAS's day zero. Standard library only (the CSV reader imports it)."""

from __future__ import annotations

import math
from datetime import date

RECORD_BYTES = 80
#: SAS dates count days (date-times seconds) from this day's midnight.
SAS_EPOCH = date(1960, 1, 1)
#: The standard missing number, ".".
MISSING = b"\x2e" + b"\0" * 7
#: First bytes of SAS's missing numbers: ``.``, ``._`` and ``.A`` … ``.Z``.
MISSING_CODES = frozenset(b"._ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def header_prefix(kind: str) -> bytes:
    """The first 48 bytes of the header record of ``kind`` (``LIBRARY``, ``MEMBER``, ``OBS`` …)."""
    return f"HEADER RECORD*******{kind:<8}HEADER RECORD!!!!!!!".encode()


def ibm_float(number: float) -> bytes:
    """``number`` as an 8-byte IBM System/360 hexadecimal float (sign, excess-64 power of 16, 56-bit fraction): exact
    for every IEEE double in range (its 53-bit mantissa fits the 56-bit fraction)."""
    if number == 0:
        return b"\0" * 8
    mantissa, exponent = math.frexp(abs(number))  # abs(number) = mantissa × 2**exponent, 0.5 ≤ mantissa < 1
    shift = -exponent % 4
    fraction = int(mantissa * 2 ** (56 - shift))  # the mantissa over 16**power, 1/16 ≤ it < 1
    power = (exponent + shift) // 4 + 64
    return bytes([(0x80 if number < 0 else 0) | power]) + fraction.to_bytes(7, "big")


def ibm_float_value(value: bytes) -> float | None:
    """An IBM hexadecimal float of 2 to 8 bytes (a shortened number keeps its leading bytes); None when missing."""
    value = value.ljust(8, b"\0")
    if value[1:] == b"\0" * 7 and value[0] in MISSING_CODES:
        return None
    number = math.ldexp(int.from_bytes(value[1:], "big"), 4 * ((value[0] & 0x7F) - 64) - 56)
    return -number if value[0] & 0x80 else number
