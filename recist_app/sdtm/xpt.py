"""SDTM tables → SAS transport files, version 5 (the FDA submission format; CDISC.md §11); read back by
:mod:`recist_app.sdtm.table_readers`.

Written with pyreadstat (``write_xport(..., file_format_version=5)``) from a pandas data frame.
The v5 limits are checked first and broken ones raise :class:`XptConstraintError` naming the
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
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from recist_app.exports.files import Table
from recist_app.sdtm.errors import XptConstraintError

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
    import pandas as pd
    import pyreadstat

    columns: dict[str, pd.Series[float] | pd.Series[str]] = {}
    for index, name in enumerate(table.columns):
        values = [row[index] for row in table.rows]
        if name in table.dates:
            days = [date.fromisoformat(str(v)) if v else None for v in values]
            columns[name] = (pd.Series(days, dtype=object) if any(days)
                             else pd.Series([math.nan] * len(days), dtype="float64"))
        elif name in table.numeric:
            columns[name] = pd.Series([_number(v) for v in values], dtype="float64")
        else:
            columns[name] = pd.Series(["" if v is None else str(v) for v in values], dtype=object)
    frame = pd.DataFrame(columns, columns=list(table.columns))
    pyreadstat.write_xport(frame, str(path), file_label=dataset_label,
                           column_labels=[labels.get(name, "") for name in table.columns],
                           table_name=table.name, file_format_version=5,
                           variable_format={name: "DATE9." for name in table.dates})


def _number(value: object) -> float:
    if value is None or value == "":
        return math.nan
    return float(str(value))


