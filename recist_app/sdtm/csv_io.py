"""SDTM tables as CSV: reading with line numbers, ISO 8601 dates, atomic writing.

Input conventions (CDISC.md §11; conformance README): quoted or unquoted fields, ``NA`` or an
empty field means missing, SDTMIG v3.4 column names (matched case-insensitively).
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import operator
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, NamedTuple

from recist_app.errors import InputFileError
from recist_app.sdtm.errors import DateProblem
from recist_app.sdtm.file_format import (
    delimiter_problem,
    encoding_problem,
    format_problem,
    nul_line,
    read_head,
    table_format,
)
from recist_app.sdtm.iso_dates import SdtmDate, sdtm_date
from recist_app.sdtm.numeric import number_problem, parse_number
from recist_app.sdtm.table_readers import read_dataset_json, read_xpt

MISSING_TOKENS = frozenset({"", "NA"})

#: The process's file-creation mask (read once: os.umask can only be read by setting it).
_UMASK = os.umask(0)
os.umask(_UMASK)

#: What a written cell may hold: text, a whole number, or nothing.
CellValue = str | int | None


class Row(NamedTuple):
    """One data row: its 1-based line number in the file (header = line 1) and its values.

    A named tuple rather than a dataclass: tables have tens of thousands of rows.
    """

    path: str
    line: int | None
    values: Mapping[str, str]

    def get(self, column: str) -> str:
        """The stripped value of ``column`` ('' when missing, ``NA`` or absent)."""
        return self.values.get(column, "")

    def error(self, message: str) -> InputFileError:
        """An :class:`InputFileError` pointing at this row."""
        return InputFileError(self.path, self.line, message)


@dataclass(frozen=True)
class Columns:
    """A whole table held column by column, for large tables (TR) read in a tight loop.

    ``column(name)`` gives the cleaned values of one column ('' for every row when the column is
    absent); ``row(i)`` rebuilds the :class:`Row` of record ``i`` to word an error.
    """

    path: str
    header: tuple[str, ...]
    records: list[list[str]]

    def column(self, name: str) -> tuple[str, ...]:
        """The stripped values of column ``name``, with missing tokens made ''."""
        if name not in self.header:
            return ("",) * len(self.records)
        values = tuple(map(operator.itemgetter(self.header.index(name)), self.records))
        joined = "\x1f" + "\x1f".join(values) + "\x1f"
        if " \x1f" in joined or "\x1f " in joined or "\t" in joined:
            values = tuple(v.strip() for v in values)
        if "NA" in values:
            values = tuple("" if v == "NA" else v for v in values)
        return values

    def row(self, index: int) -> Row:
        """Record ``index`` as a :class:`Row`, with its line number (for error messages)."""
        values = dict(zip(self.header, _clean(self.records[index]), strict=False))  # a short record lacks the tail
        return Row(self.path, _line_of(self.path, index), values)


def read_columns(path: str | Path, required: Sequence[str] = ()) -> Columns:
    """Read a CSV table column by column; see :func:`read_table` for the conventions."""
    name = str(path)
    with _reader(path) as (reader, header):
        _check_required(name, header, required)
        records = list(reader)
    if [] in records or not all(map(str.strip, map(operator.itemgetter(0), filter(None, records)))):
        records = [fields for fields in records if _has_data(fields)]  # blank lines or blank first fields
    if not records:
        raise _no_data(name)
    if min(map(len, records)) < len(header):
        records = [fields + [""] * (len(header) - len(fields)) for fields in records]
    return Columns(name, header, records)


def read_table(path: str | Path, required: Sequence[str] = ()) -> list[Row]:
    """Read a CSV table; column names are upper-cased and missing tokens become ''.

    Raises
    ------
    InputFileError
        If the file cannot be read, is not UTF-8 comma-separated text (XPT, Excel, another
        encoding or delimiter), has a column twice or lacks a ``required`` one, or has no data row.
    """
    name = str(path)
    with _reader(path) as (reader, header):
        _check_required(name, header, required)
        rows = [Row(name, reader.line_num, dict(zip(header, _clean(fields), strict=False)))
                for fields in reader if _has_data(fields)]
    if not rows:
        raise _no_data(name)
    return rows


def _no_data(name: str) -> InputFileError:
    return InputFileError(name, 1, "the file has a header but no data rows, so there is nothing to read; "
                                   "check that the export was not cut short.")


@contextmanager
def _reader(path: str | Path) -> Iterator[tuple[Any, tuple[str, ...]]]:
    """A csv reader past the header, and the header upper-cased; I/O and format problems →
    InputFileError naming the line (:mod:`recist_app.sdtm.file_format`)."""
    name = str(path)
    reader: Any = None
    try:
        head = read_head(path)
        kind = table_format(path, head)
        if kind != "csv":
            columns, records = read_xpt(path) if kind == "xpt" else read_dataset_json(path)
            yield _Records(records), _header(name, list(columns))
            return
        problem = format_problem(head)
        if problem is not None:
            raise InputFileError(name, 1, f"{problem}.")
        if (line := nul_line(path)) is not None:
            raise InputFileError(name, line, "holds a NUL byte (binary data, not CSV text); export the dataset "
                                             "again as UTF-8 CSV.")
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise InputFileError(name, None, "the file is empty; expected a CSV header row.")
            yield reader, _header(name, header)
    except OSError as exc:
        raise InputFileError(name, None, f"cannot be read ({exc.strerror or exc}).") from exc
    except UnicodeDecodeError as exc:
        found = encoding_problem(path)
        line, problem = found if found is not None else (None, f"is not UTF-8 ({exc})")
        raise InputFileError(name, line, f"the file {problem}.") from exc
    except csv.Error as exc:
        line = reader.line_num if reader is not None else None
        raise InputFileError(name, line, f"is not a readable CSV file ({exc}).") from exc


class _Records:
    """The records of an XPT or Dataset-JSON table as a csv reader gives them (``line_num``: the record's number,
    the header counting as line 1)."""

    def __init__(self, records: list[list[str]]) -> None:
        self._records = records
        self.line_num = 1

    def __iter__(self) -> Iterator[list[str]]:
        for number, fields in enumerate(self._records, start=2):
            self.line_num = number
            yield fields


def _header(name: str, fields: list[str]) -> tuple[str, ...]:
    """The header upper-cased and stripped; a column named twice (case-insensitively) is an error."""
    header = tuple(c.strip().upper() for c in fields)
    problem = delimiter_problem(header)
    if problem is not None:
        raise InputFileError(name, 1, f"{problem}.")
    seen: dict[str, int] = {}
    for position, column in enumerate(header, start=1):
        if column and column in seen:
            raise InputFileError(name, 1, f"column {column} appears twice in the header (columns {seen[column]} "
                                          f"and {position}); keep one copy so every value has one meaning.")
        seen.setdefault(column, position)
    return header


def _check_required(name: str, header: tuple[str, ...], required: Sequence[str]) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        problem = delimiter_problem(header, any_field=True)
        hint = f" ({problem})" if problem else ""
        raise InputFileError(name, 1, f"required column(s) {', '.join(missing)} missing from the header{hint}.")


def _line_of(path: str, index: int) -> int | None:
    """Line number of data record ``index`` (blank lines skipped), found by reading the file again."""
    with _reader(path) as (reader, _):
        records = (reader.line_num for fields in reader if _has_data(fields))
        return next(itertools.islice(records, index, None), None)


def _has_data(fields: list[str]) -> bool:
    """False for a blank line or a row of empty or blank fields (",,," or "  ,  ")."""
    return bool(fields) and (bool(fields[0].strip()) or any(map(str.strip, fields)))


def _clean(fields: list[str]) -> list[str]:
    """Fields stripped, with the missing tokens (``NA``) made ''.

    Fast path: one join tells whether any field starts or ends with a blank (SAS exports pad
    character fields); only then is every field stripped.
    """
    joined = "\x1f" + "\x1f".join(fields) + "\x1f"
    if " \x1f" in joined or "\x1f " in joined or "\t" in joined:
        fields = [f.strip() for f in fields]
    if "NA" in fields:
        fields = ["" if f == "NA" else f for f in fields]
    return fields


def parse_date(row: Row, column: str, partial: bool = True) -> SdtmDate:
    """The ISO 8601 date of ``column`` (:mod:`recist_app.sdtm.iso_dates`); a ``YYYY-MM`` date is
    imputed to the month's last day and flagged (RULES §7 A17) unless ``partial`` is False.

    Raises
    ------
    InputFileError
        Naming the row's file, line and value when the date is empty or refused.
    """
    text = row.get(column)
    if not text:
        raise row.error(f"{column} is empty; a date (YYYY-MM-DD) is required.")
    try:
        return sdtm_date(text, partial)
    except DateProblem as problem:
        raise row.error(f"{column} {text!r} {problem}.") from None


@functools.lru_cache(maxsize=1024)
def canonical_visit(text: str) -> str:
    """VISITNUM as one spelling per visit: '2', '2.0' and '02' are visit '2'; 9.2 stays '9.2'.

    Text that is not a number (:func:`~recist_app.sdtm.numeric.parse_number`) is returned as is;
    the readers refuse it first (:func:`visit_problem`).
    """
    value = parse_number(text)
    return text if value is None else format_decimal(value)


def visit_key(text: str) -> Decimal:
    """VISITNUM as a number for ordering (9.2 sorts between 9 and 10); '' sorts last."""
    value = parse_number(text)
    return Decimal("Infinity") if value is None else value


def visit_problem(text: str) -> str | None:
    """Why ``text`` is not a usable VISITNUM (SDTM: a number), or None when it is one."""
    if not text:
        return "VISITNUM is empty; every result needs the number of its visit."
    if parse_number(text) is None:
        return f"VISITNUM {text!r} {number_problem(text)}."
    return None


def format_decimal(value: Decimal | None, places: int | None = None) -> str:
    """Plain decimal text without exponent or trailing zeros ('' for None); ``places`` rounds half away from zero
    (as SAS ``round`` does), the precision of the derived numbers of the data files (issue 18: a statistician's
    double programming rounds, e.g. −36.5385 % is −36.54; only displays truncate)."""
    if value is None:
        return ""
    if places is not None:
        value = value.quantize(_QUANTUM[places], rounding=ROUND_HALF_UP)
    text = str(value)
    if "E" in text or ("." in text and text[-1] == "0") or text.startswith("-0"):
        text = format(value.normalize(), "f")  # exponent or trailing zeros: the slow, exact path
        return "0" if text in ("-0", "") else text
    return text


_QUANTUM = {places: Decimal(1).scaleb(-places) for places in range(7)}


def render_rows(columns: Sequence[str], rows: Iterable[Mapping[str, CellValue]]) -> bytes:
    """CSV of ``rows`` as UTF-8 (no header row).

    Every row maps each column to ``str``, ``int`` or ``None`` (written as ''); callers format
    decimals with :func:`format_decimal`, so the csv module writes the values as they are. A
    missing column raises KeyError; keys beyond ``columns`` are not written.
    """
    return render_tuples(map(operator.itemgetter(*columns), rows))


def write_table(path: str | Path, columns: Sequence[str], rows: Iterable[Mapping[str, CellValue]]) -> None:
    """Write a CSV table atomically (see :func:`render_rows` for the values a row may hold)."""
    write_csv(path, columns, [render_rows(columns, rows)])


def render_tuples(rows: Iterable[Sequence[CellValue]]) -> bytes:
    """CSV of ``rows`` already in column order, as UTF-8 (no header row; values as for
    :func:`render_rows`). Bytes, so that a worker process encodes its part and the parent only
    writes it."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def write_csv(path: str | Path, columns: Sequence[str], bodies: Iterable[bytes]) -> None:
    """Write a header row then the rendered ``bodies`` (:func:`render_tuples`) atomically: a
    temporary file in the same folder, then an atomic rename, so a failure never leaves a
    half-written table."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(render_tuples([columns]))
            handle.writelines(bodies)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes the file private; give it a normal file's mode
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
