"""SAS transport (XPT v5, v8) and CDISC Dataset-JSON 1.1 files read as tables of text (issue 18), so that ``assess``
and ``bor`` take them as they take CSV (:mod:`recist_app.sdtm.csv_io` reads them through here; the writers are
:mod:`recist_app.sdtm.xpt` and :mod:`recist_app.sdtm.dataset_json`). XPT v5 is parsed here (TS-140), so that reading
it costs no pandas import; v8 goes to pyreadstat."""

from __future__ import annotations

import json
import math
import struct
from datetime import datetime, time, timedelta
from pathlib import Path

from recist_app.errors import InputFileError
from recist_app.sdtm.file_format import TRANSPORT_MAGIC
from recist_app.sdtm.xpt_layout import RECORD_BYTES, SAS_EPOCH, header_prefix, ibm_float_value


def read_xpt(path: str | Path) -> tuple[tuple[str, ...], list[list[str]]]:
    """The column names and rows of a SAS transport file (v5 or v8) as CSV text: a missing number is ``""``, a
    whole number has no decimals, a number with a SAS date (date-time) format is an ISO 8601 date (date-time),
    character values lose SAS's trailing blanks.

    Version 5 (what the FDA takes and the export writes) is read here by :func:`parse_xpt_v5`, with the standard
    library; version 8 by pyreadstat, which needs pandas (a second of imports).

    Raises
    ------
    InputFileError
        The file cannot be read as a SAS transport file (with the reason).
    """
    name = str(path)
    try:
        content = Path(path).read_bytes()
        if not content.startswith(TRANSPORT_MAGIC[8]):
            return parse_xpt_v5(content)
        import pyreadstat

        frame, _meta = pyreadstat.read_xport(name)
    except Exception as error:  # OSError, XptFormatError; pyreadstat's ReadstatError / PyreadstatError
        raise InputFileError(name, 1, f"is a SAS transport (XPT) file that cannot be read ({error}); export "
                                      "it again as XPT, CSV or Dataset-JSON.") from error
    header = tuple(str(column) for column in frame.columns)
    return header, [[_xpt_text(value) for value in record] for record in frame.itertuples(index=False, name=None)]


class XptFormatError(ValueError):
    """A SAS transport v5 file that breaks TS-140's layout (the message says where)."""


#: Common SAS formats of dates (a number of days since 1960-01-01) and of date-times (seconds since its midnight).
_DATE_FORMATS = frozenset({"DATE", "E8601DA", "IS8601DA", "B8601DA", "YYMMDD", "MMDDYY", "DDMMYY", "WORDDATE",
                           "WEEKDATE", "JULIAN", "EURDFDE", "YYMMDDN"})
_DATETIME_FORMATS = frozenset({"DATETIME", "E8601DT", "IS8601DT", "B8601DT"})
_SAS_MIDNIGHT = datetime.combine(SAS_EPOCH, time())


def parse_xpt_v5(content: bytes) -> tuple[tuple[str, ...], list[list[str]]]:
    """The first member of a SAS transport v5 file (SAS technical note TS-140), as :func:`read_xpt` gives it.

    Raises
    ------
    XptFormatError
        A header is missing or out of place, a NAMESTR is inconsistent, or the file ends early.
    """
    if not content.startswith(TRANSPORT_MAGIC[5]):
        raise XptFormatError("no LIBRARY header record at the start")
    member = _expect(content, 3 * RECORD_BYTES, "MEMBER")
    namestr_bytes = _number(member[74:78], "the MEMBER header's NAMESTR length")
    if namestr_bytes not in (136, 140):
        raise XptFormatError(f"a NAMESTR length of {namestr_bytes} bytes (TS-140: 140, or 136 on VAX/VMS)")
    _expect(content, 4 * RECORD_BYTES, "DSCRPTR")
    count = _number(_expect(content, 7 * RECORD_BYTES, "NAMESTR")[54:58], "the NAMESTR header's variable count")
    start = 8 * RECORD_BYTES
    variables = []
    for index in range(count):
        field = content[start + index * namestr_bytes:start + (index + 1) * namestr_bytes]
        if len(field) < 88:
            raise XptFormatError(f"the file ends inside NAMESTR {index + 1} of {count}")
        kind, _, length, _, name, _, form = struct.unpack(">hhhh8s40s8s", field[:64])
        position = struct.unpack(">i", field[84:88])[0]
        if kind not in (1, 2) or length < 1 or (kind == 1 and length > 8) or position < 0:
            raise XptFormatError(f"NAMESTR {index + 1} is not a variable (type {kind}, length {length})")
        variables.append((name.decode("ascii", "replace").strip(), kind == 1, length, position,
                          form.decode("ascii", "replace").strip().upper()))
    start += -(-count * namestr_bytes // RECORD_BYTES) * RECORD_BYTES
    _expect(content, start, "OBS")
    start += RECORD_BYTES
    end = content.find(header_prefix("MEMBER"), start)  # a next member, if any, ends this one's observations
    observations = content[start:end if end >= 0 else len(content)]
    width = max((position + length for _, _, length, position, _ in variables), default=0)
    if width == 0:
        raise XptFormatError("no variable")
    rows: list[list[str]] = []
    for offset in range(0, len(observations), width):
        record = observations[offset:offset + width]
        if len(observations) - offset < RECORD_BYTES and not record.strip(b" "):
            break  # the blank padding of the last 80-byte record
        if len(record) < width:
            raise XptFormatError(f"observation {len(rows) + 1} is cut short")
        rows.append([_xpt_number(record[position:position + length], form) if numeric else
                     record[position:position + length].decode("utf-8", "replace").rstrip()
                     for _, numeric, length, position, form in variables])
    return tuple(name for name, *_ in variables), rows


def _expect(content: bytes, offset: int, kind: str) -> bytes:
    """The 80-byte header record of ``kind`` at ``offset``."""
    record = content[offset:offset + RECORD_BYTES]
    if len(record) < RECORD_BYTES or not record.startswith(header_prefix(kind)):
        raise XptFormatError(f"no {kind} header record at byte {offset}")
    return record


def _number(text: bytes, what: str) -> int:
    if not text.isdigit():
        raise XptFormatError(f"{what} is not a number ({text!r})")
    return int(text)


def _xpt_number(value: bytes, form: str) -> str:
    """An IBM hexadecimal float of 2 to 8 bytes as text: missing (``.``, ``._``, ``.A`` … ``.Z``) is ``""``; with a
    date format an ISO 8601 date, with a date-time format an ISO 8601 date-time (to the second)."""
    number = ibm_float_value(value)
    if number is None:
        return ""
    try:
        if form in _DATE_FORMATS and number.is_integer():
            return (SAS_EPOCH + timedelta(days=number)).isoformat()
        if form in _DATETIME_FORMATS:
            return (_SAS_MIDNIGHT + timedelta(seconds=number)).isoformat(timespec="seconds")
    except OverflowError:
        raise XptFormatError(f"the {form} value {number!r} is no date of years 1 to 9999") from None
    return _xpt_text(number)


def _xpt_text(value: object) -> str:
    """A number or text as CSV text (whole numbers without decimals, NaN empty, trailing blanks dropped)."""
    if isinstance(value, float):
        return "" if math.isnan(value) else str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return "" if value is None else str(value).rstrip()


def read_dataset_json(path: str | Path) -> tuple[tuple[str, ...], list[list[str]]]:
    """The column names and rows (every cell as CSV text: ``null`` → ``""``) of a Dataset-JSON file.

    Raises
    ------
    InputFileError
        The file is not JSON, or not a Dataset-JSON document (no ``columns`` with names, or rows that do not
        match them).
    """
    name = str(path)
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputFileError(name, None, f"is not a Dataset-JSON file ({error}); export it again.") from error
    columns = document.get("columns") if isinstance(document, dict) else None
    if not isinstance(columns, list) or not all(isinstance(c, dict) and isinstance(c.get("name"), str)
                                                for c in columns):
        raise InputFileError(name, None, 'is not a Dataset-JSON document (no "columns" with their names).')
    header = tuple(str(c["name"]) for c in columns)
    rows = document.get("rows", [])
    if not isinstance(rows, list) or not all(isinstance(r, list) and len(r) == len(header) for r in rows):
        raise InputFileError(name, None, f'has a row of "rows" without the {len(header)} columns declared.')
    return header, [["" if v is None else _text(v) for v in row] for row in rows]


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "Y" if value else "N"
    return str(value)
