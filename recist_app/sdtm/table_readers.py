"""SAS transport (XPT v5, v8) and CDISC Dataset-JSON 1.1 files read as tables of text (issue 18), so that ``assess``
and ``bor`` take them as they take CSV (:mod:`recist_app.sdtm.csv_io` reads them through here; the writers are
:mod:`recist_app.sdtm.xpt` and :mod:`recist_app.sdtm.dataset_json`)."""

from __future__ import annotations

import json
import math
from pathlib import Path

from recist_app.errors import InputFileError


def read_xpt(path: str | Path) -> tuple[tuple[str, ...], list[list[str]]]:
    """The column names and rows of a SAS transport file (v5 or v8) as CSV text: a missing number is ``""``, a
    whole number has no decimals, character values lose SAS's trailing blanks.

    Raises
    ------
    InputFileError
        The file cannot be read as a SAS transport file (the reason is pyreadstat's).
    """
    import pyreadstat

    try:
        frame, _meta = pyreadstat.read_xport(str(path))
    except Exception as error:  # pyreadstat's ReadstatError / PyreadstatError, or an OSError
        raise InputFileError(str(path), 1, f"is a SAS transport (XPT) file that cannot be read ({error}); export "
                                           "it again as XPT, CSV or Dataset-JSON.") from error
    header = tuple(str(name) for name in frame.columns)
    return header, [[_xpt_text(value) for value in record] for record in frame.itertuples(index=False, name=None)]


def _xpt_text(value: object) -> str:
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
