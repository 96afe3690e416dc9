"""CDISC Dataset-JSON 1.1 (issue 18): each exported dataset as one JSON document ``<name>.json``, beside its CSV and
XPT, and read back by ``assess`` and ``bor`` as a CSV is (:mod:`recist_app.sdtm.table_readers`).

A document holds the dataset's name, label and record count, its columns (``itemOID`` as in ``define.xml``,
:mod:`recist_app.sdtm.define_xml`; SDTMIG label; data type; length of text) and its rows as lists. Whole numbers
are ``integer``; other numbers ``decimal`` with ``targetDataType`` ``decimal``: written as text, so that no digit is
lost (Dataset-JSON 1.1); an empty cell is ``null``. Standard library only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import recist_app
from recist_app.exports.files import Table
from recist_app.sdtm.terms import CellValue

VERSION = "1.1.0"


def dataset_json(table: Table, *, study: str, created: str, labels: Mapping[str, str], dataset_label: str,
                 metadata_version: str = "MDV.SDTM") -> dict[str, Any]:
    """The Dataset-JSON 1.1 document of ``table`` (``created``: ISO 8601 date-time of the export)."""
    columns: list[dict[str, object]] = []
    for name in table.columns:
        column: dict[str, object] = {"itemOID": f"IT.{table.name}.{name}", "name": name, "label": labels[name]}
        if name in table.dates:  # ISO 8601 text, a SAS numeric date in XPT (Dataset-JSON 1.1 targetDataType integer)
            column.update({"dataType": "date", "targetDataType": "integer", "displayFormat": "DATE9."})
        elif name in table.numeric:  # a decimal travels as its text (Dataset-JSON 1.1 targetDataType decimal)
            column.update({"dataType": "integer"} if table.whole(name) else
                          {"dataType": "decimal", "targetDataType": "decimal"})
        else:
            column.update({"dataType": "string", "length": table.text_length(name)})
        columns.append(column)
    kinds = [str(column["dataType"]) for column in columns]
    rows = [[_cell(value, kind) for value, kind in zip(row, kinds, strict=True)] for row in table.rows]
    return {"datasetJSONCreationDateTime": created, "datasetJSONVersion": VERSION,
            "fileOID": f"{study}.{table.name}", "originator": "RECIST workstation",
            "sourceSystem": {"name": "RECIST workstation", "version": recist_app.__version__},
            "studyOID": f"STUDY.{study}", "metaDataVersionOID": metadata_version, "metaDataRef": "define.xml",
            "itemGroupOID": f"IG.{table.name}", "records": len(rows), "name": table.name, "label": dataset_label,
            "columns": columns, "rows": rows}


def write_dataset_json(path: Path, table: Table, **metadata: Any) -> None:
    """Write :func:`dataset_json` of ``table`` to ``path`` (UTF-8, compact)."""
    path.write_text(json.dumps(dataset_json(table, **metadata), ensure_ascii=False, separators=(",", ":")),
                    encoding="utf-8")


def _cell(value: CellValue, kind: str) -> object:
    if value is None or value == "":
        return None
    if kind == "integer":
        return int(Decimal(str(value)))
    return str(value)

