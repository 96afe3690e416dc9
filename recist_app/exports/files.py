"""Tables and written files of an export: the in-memory table, CSV writing, file fingerprints.

CSV files stay plain machine-readable tables (header row, then data; no comment line), so that
``assess`` and ``bor`` read them back; the engine and rules versions, the export time and each
file's SHA-256 go to the export's ``manifest.json`` (see :mod:`recist_app.exports.runner`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from recist_app.sdtm.csv_io import CellValue, render_tuples, write_csv

#: Bytes read at a time when hashing a file.
_CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class Table:
    """A table to write: its name (SDTM dataset or sheet), columns and rows (values in column order).

    Values are text, whole numbers or None (missing); decimals are already formatted as text.
    ``numeric`` names the columns written as numbers where the format has types (XPT, XLSX); ``dates`` the
    columns of ISO 8601 dates (``YYYY-MM-DD`` text) that are ADaM numeric dates: SAS dates in XPT, ``date`` in
    Dataset-JSON and Define-XML.
    """

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[CellValue, ...], ...]
    numeric: frozenset[str] = field(default_factory=frozenset)
    dates: frozenset[str] = field(default_factory=frozenset)

    def column(self, name: str) -> tuple[CellValue, ...]:
        """The values of column ``name``."""
        index = self.columns.index(name)
        return tuple(row[index] for row in self.rows)

    def whole(self, name: str) -> bool:
        """True when every value of column ``name`` is a whole number (an integer in Define-XML and Dataset-JSON)."""
        return all(isinstance(v, int) or str(v).lstrip("-").isdigit() for v in self.column(name) if v not in (None, ""))

    def text_length(self, name: str) -> int:
        """The longest value of column ``name`` in UTF-8 bytes, at least 1 (its length in Define-XML and
        Dataset-JSON)."""
        return max((len(str(v).encode("utf-8")) for v in self.column(name) if v not in (None, "")), default=1)

    def records(self) -> list[dict[str, CellValue]]:
        """The rows as dictionaries (for tests and small tables)."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class ExportedFile:
    """A written file: path relative to the export folder (POSIX), format, rows, SHA-256 and size."""

    path: str
    format: str
    rows: int | None
    sha256: str
    size_bytes: int


def write_table_csv(path: Path, table: Table) -> None:
    """Write ``table`` as CSV (UTF-8, header row, ``\\r\\n`` line ends as the csv module writes)."""
    write_csv(path, table.columns, [render_tuples(table.rows)])


def describe(path: Path, root: Path, fmt: str, rows: int | None) -> ExportedFile:
    """The :class:`ExportedFile` of a file written under ``root``."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            digest.update(chunk)
    return ExportedFile(path.relative_to(root).as_posix(), fmt, rows, digest.hexdigest(), path.stat().st_size)
