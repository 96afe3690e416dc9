"""SDTM tables as CSV: reading with line numbers, ISO 8601 dates, atomic writing.

Input conventions (CDISC.md §11; conformance README): quoted or unquoted fields, ``NA`` or an
empty field means missing, SDTMIG v3.4 column names (matched case-insensitively).
"""

from __future__ import annotations

import calendar
import csv
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from pathlib import Path

from recist_app.errors import InputFileError

MISSING_TOKENS = frozenset({"", "NA"})


@dataclass(frozen=True)
class Row:
    """One data row: its 1-based line number in the file (header = line 1) and its values."""

    path: str
    line: int
    values: Mapping[str, str]

    def get(self, column: str) -> str:
        """The stripped value of ``column`` ('' when missing, ``NA`` or absent)."""
        return self.values.get(column, "")

    def error(self, message: str) -> InputFileError:
        """An :class:`InputFileError` pointing at this row."""
        return InputFileError(self.path, self.line, message)


def read_table(path: str | Path, required: Sequence[str] = ()) -> list[Row]:
    """Read a CSV table; column names are upper-cased and missing tokens become ''.

    Raises
    ------
    InputFileError
        If the file cannot be read or a ``required`` column is absent.
    """
    name = str(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise InputFileError(name, None, "the file is empty; expected a CSV header row.")
            columns = [c.strip().upper() for c in header]
            missing = [c for c in required if c not in columns]
            if missing:
                raise InputFileError(
                    name, 1, f"required column(s) {', '.join(missing)} missing from the header."
                )
            rows = []
            for line, fields in enumerate(reader, start=2):
                if not any(f.strip() for f in fields):
                    continue
                values = {c: _clean(v) for c, v in zip(columns, fields)}
                rows.append(Row(name, line, values))
            return rows
    except OSError as exc:
        raise InputFileError(name, None, f"cannot be read ({exc.strerror or exc}).") from exc
    except (csv.Error, UnicodeDecodeError) as exc:
        raise InputFileError(name, None, f"is not a readable CSV file ({exc}).") from exc


def _clean(value: str) -> str:
    value = value.strip()
    return "" if value in MISSING_TOKENS else value


def parse_date(row: Row, column: str) -> tuple[date, bool]:
    """Parse an ISO 8601 date (time part ignored); a partial date is imputed (RULES §7 A17).

    ``YYYY-MM`` → last day of that month; ``YYYY`` → 31 December. Returns (date, imputed).
    """
    text = row.get(column)
    if not text:
        raise row.error(f"{column} is empty; a date (YYYY-MM-DD) is required.")
    head = text.split("T", 1)[0]
    parts = head.split("-")
    try:
        if len(parts) == 3:
            return date(int(parts[0]), int(parts[1]), int(parts[2])), False
        if len(parts) == 2:
            year, month = int(parts[0]), int(parts[1])
            return date(year, month, calendar.monthrange(year, month)[1]), True
        if len(parts) == 1 and len(parts[0]) == 4:
            return date(int(parts[0]), 12, 31), True
    except ValueError:
        pass
    raise row.error(f"{column} {text!r} is not an ISO 8601 date (YYYY-MM-DD, YYYY-MM or YYYY).")


def parse_decimal(row: Row, column: str) -> Decimal | None:
    """A decimal number, or None when the field is missing."""
    text = row.get(column)
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise row.error(f"{column} {text!r} is not a number.") from None
    if not value.is_finite():
        raise row.error(f"{column} {text!r} is not a finite number.")
    return value


def visit_key(text: str) -> Decimal:
    """VISITNUM as a number for ordering (9.2 sorts between 9 and 10); '' sorts last."""
    try:
        return Decimal(text)
    except InvalidOperation:
        return Decimal("Infinity")


def format_decimal(value: Decimal | None, places: int | None = None) -> str:
    """Plain decimal text without exponent or trailing zeros ('' for None); ``places`` truncates."""
    if value is None:
        return ""
    if places is not None:  # truncated toward zero: never shows a threshold the value did not reach
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def write_table(path: str | Path, columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> None:
    """Write a CSV atomically: a temporary file in the same folder, then an atomic rename."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="raise")
            writer.writeheader()
            for row in rows:
                writer.writerow({c: _text(row.get(c)) for c in columns})
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, bool):
        return "Y" if value else "N"
    return str(value)
