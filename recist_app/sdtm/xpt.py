"""SDTM tables → SAS transport files, version 5 (the FDA submission format; CDISC.md §11); read back by
:mod:`recist_app.sdtm.table_readers`.

Written by :func:`xpt_bytes` to the layout of SAS technical note TS-140 (80-byte records, 140-byte NAMESTRs,
numbers as IBM hexadecimal floats), with the standard library only: pyreadstat would need a pandas data frame, whose
import alone is a second of every export; the tests read the files back with pyreadstat and pandas. The v5 limits
are checked first and broken ones raise :class:`XptConstraintError` naming the
name, label or value: dataset and variable names at most 8 characters (letters, digits,
underscore, not starting with a digit), labels at most 40 bytes, character values at most 200
bytes; ``--TESTCD`` and ``QNAM`` at most 8 characters, ``--TEST`` and ``QLABEL`` at most 40
(SDTMIG). Nothing is truncated. Numeric columns (``Table.numeric``) become SAS numbers (missing →
``.``), ADaM date columns (``Table.dates``) SAS dates with the ``DATE9.`` format, the others SAS character
variables (missing → blank).
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path

from recist_app.exports.files import Table
from recist_app.sdtm.errors import XptConstraintError
from recist_app.sdtm.xpt_layout import MISSING, RECORD_BYTES, SAS_EPOCH, header_prefix, ibm_float

MAX_NAME_CHARS = 8
MAX_LABEL_BYTES = 40
MAX_VALUE_BYTES = 200
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,7}$")
#: Variables whose values are names or labels with their own SDTMIG caps (CDISC.md §11).
_SHORT_VALUES = ("TESTCD", "QNAM")
_LABEL_VALUES = ("TEST", "QLABEL")


def check_xpt(table: Table, labels: Mapping[str, str], dataset_label: str) -> None:
    """Check ``table`` against the XPT v5 and SDTMIG limits (see the module docstring).

    Raises
    ------
    XptConstraintError
        At the first name, label or value beyond its limit.
    """
    if not _NAME.match(table.name):
        raise XptConstraintError(table.name, "dataset name", table.name,
                                 "at most 8 letters, digits or underscores, not starting with a digit")
    _check_label(table.name, dataset_label)
    for name in table.columns:
        if not _NAME.match(name):
            raise XptConstraintError(table.name, "variable name", name,
                                     "at most 8 letters, digits or underscores, not starting with a digit")
        _check_label(table.name, labels.get(name, ""))
    for index, name in enumerate(table.columns):
        if name in table.numeric or name in table.dates:
            continue
        short = name.endswith(_SHORT_VALUES)
        label = name.endswith(_LABEL_VALUES)
        for row in table.rows:
            value = row[index]
            if value is None:
                continue
            text = str(value)
            size = len(text.encode("utf-8"))
            if size > MAX_VALUE_BYTES:
                raise XptConstraintError(table.name, f"value of {name}", text, f"at most {MAX_VALUE_BYTES} bytes")
            if short and text and not _NAME.match(text):
                raise XptConstraintError(table.name, f"value of {name}", text,
                                         "at most 8 letters, digits or underscores, not starting with a digit")
            if label and size > MAX_LABEL_BYTES:
                raise XptConstraintError(table.name, f"value of {name}", text, f"at most {MAX_LABEL_BYTES} bytes")


def _check_label(dataset: str, label: str) -> None:
    if len(label.encode("utf-8")) > MAX_LABEL_BYTES:
        raise XptConstraintError(dataset, "label", label, f"at most {MAX_LABEL_BYTES} bytes")


def write_xpt(path: Path, table: Table, labels: Mapping[str, str], dataset_label: str) -> None:
    """Check ``table`` (:func:`check_xpt`) and write it to ``path`` as SAS transport v5.

    Raises
    ------
    XptConstraintError
        If a name, label or value breaks a v5 limit (nothing is written then).
    """
    check_xpt(table, labels, dataset_label)
    path.write_bytes(xpt_bytes(table, labels, dataset_label, datetime.now()))


def xpt_bytes(table: Table, labels: Mapping[str, str], dataset_label: str, created: datetime) -> bytes:
    """``table`` as a SAS transport v5 file (TS-140): library and member headers, one NAMESTR per variable, the
    observations; ``created`` stamps the headers."""
    stamp = _sas_datetime(created)
    numeric = [name in table.numeric or name in table.dates for name in table.columns]
    columns = [[_cell(row[index], name in table.dates) if numeric[index] else _text(row[index])
                for row in table.rows] for index, name in enumerate(table.columns)]
    lengths = [8 if numeric[index] else max((len(v) for v in values), default=1) or 1
               for index, values in enumerate(columns)]
    parts = [_header("LIBRARY", "000000000000000000000000000000"),
             _record(b"SAS     SAS     SASLIB  " + _SAS_VERSION + _SAS_OS + b" " * 24 + stamp),
             _record(stamp),
             _header("MEMBER", "000000000000000001600000000140"),
             _header("DSCRPTR", "000000000000000000000000000000"),
             _record(b"SAS     " + _padded(table.name, 8) + b"SASDATA " + _SAS_VERSION + _SAS_OS + b" " * 24 + stamp),
             _record(stamp + b" " * 16 + _padded(dataset_label, 40) + b" " * 8),
             _header("NAMESTR", f"000000{len(table.columns):04d}00000000000000000000")]
    namestrs, position = [], 0
    for number, (name, is_number, length) in enumerate(zip(table.columns, numeric, lengths, strict=True), start=1):
        date_format = name in table.dates
        namestrs.append(struct.pack(
            ">hhhh8s40s8shhh2s8shhi52s", 1 if is_number else 2, 0, length, number, _padded(name, 8),
            _padded(labels.get(name, ""), 40), _padded("DATE" if date_format else "", 8), 9 if date_format else 0,
            0, 0, b"\0\0", _padded("", 8), 0, 0, position, b"\0" * 52))
        position += length
    parts.append(_padded_to_records(b"".join(namestrs)))
    parts.append(_header("OBS", "000000000000000000000000000000"))
    observations = b"".join(value if is_number else value.ljust(length, b" ")
                            for row in zip(*columns, strict=True)
                            for value, is_number, length in zip(row, numeric, lengths, strict=True))
    parts.append(_padded_to_records(observations))
    return b"".join(parts)


#: SAS version and operating system written in the headers (as pyreadstat writes them).
_SAS_VERSION, _SAS_OS = b"9.4     ", b"X64_7PRO"


_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def _sas_datetime(when: datetime) -> bytes:
    """``ddMMMyy:hh:mm:ss`` in English whatever the locale (a GUI's locale would make ``%b`` 'déc.')."""
    return f"{when:%d}{_MONTHS[when.month - 1]}{when:%y:%H:%M:%S}".encode()


def _header(kind: str, numbers: str) -> bytes:
    return _record(header_prefix(kind) + numbers.encode())


def _record(content: bytes) -> bytes:
    """One 80-byte record, blank-padded."""
    return content.ljust(RECORD_BYTES, b" ")


def _padded(text: str, size: int) -> bytes:
    return text.encode("utf-8").ljust(size, b" ")


def _padded_to_records(content: bytes) -> bytes:
    """``content`` blank-padded to whole 80-byte records."""
    return content + b" " * (-len(content) % RECORD_BYTES)


def _text(value: object) -> bytes:
    return b"" if value is None else str(value).encode("utf-8")


def _cell(value: object, is_date: bool) -> bytes:
    """A SAS number (a date as days since 1960-01-01) as an 8-byte IBM float; missing → ``.``."""
    if value is None or value == "":
        return MISSING
    number = float((date.fromisoformat(str(value)) - SAS_EPOCH).days) if is_date else _number(value)
    return MISSING if math.isnan(number) else ibm_float(number)


def _number(value: object) -> float:
    if value is None or value == "":
        return math.nan
    return float(str(value))


