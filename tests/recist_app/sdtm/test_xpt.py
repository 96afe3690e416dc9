"""SAS transport v5 writing (CDISC.md §11): limits raise typed errors, never truncate; files read back."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from recist_app.exports.files import Table
from recist_app.sdtm.errors import XptConstraintError
from recist_app.sdtm.xpt import write_xpt

LABELS = {"USUBJID": "Unique Subject Identifier", "TRTESTCD": "Tumor/Lesion Assessment Short Name",
          "TRTEST": "Tumor/Lesion Assessment Test Name", "TRSTRESN": "Numeric Result/Finding in Standard Units",
          "VISIT": "Visit Name"}
COLUMNS = ("USUBJID", "TRTESTCD", "TRTEST", "TRSTRESN", "VISIT")


def _table(*rows: tuple[object, ...], name: str = "TR", columns: tuple[str, ...] = COLUMNS) -> Table:
    return Table(name, columns, tuple(rows), frozenset({"TRSTRESN"}))


def test_round_trip_keeps_rows_labels_and_missing_values(tmp_path: Path) -> None:
    import pyreadstat

    path = tmp_path / "tr.xpt"
    write_xpt(path, _table(("S-1", "LDIAM", "Longest Diameter", "32.5", "Semaine é"),
                           ("S-1", "TUMSTATE", "Tumor State", None, "x" * 200)), LABELS, "Tumor/Lesion Results")
    frame, meta = pyreadstat.read_xport(str(path))
    assert (meta.table_name, meta.file_label, meta.column_labels) == ("TR", "Tumor/Lesion Results",
                                                                      [LABELS[c] for c in COLUMNS])
    records = frame.to_dict("records")
    assert records[0] == {"USUBJID": "S-1", "TRTESTCD": "LDIAM", "TRTEST": "Longest Diameter", "TRSTRESN": 32.5,
                          "VISIT": "Semaine é"}
    assert math.isnan(records[1]["TRSTRESN"]) and records[1]["VISIT"] == "x" * 200


def test_an_empty_dataset_is_written(tmp_path: Path) -> None:
    import pyreadstat

    write_xpt(tmp_path / "tr.xpt", _table(), LABELS, "Tumor/Lesion Results")
    frame, meta = pyreadstat.read_xport(str(tmp_path / "tr.xpt"))
    assert (len(frame), tuple(meta.column_names)) == (0, COLUMNS)


@pytest.mark.parametrize(("table", "labels", "message"), [
    (_table(name="SUPPTUMOR"), LABELS, "dataset name 'SUPPTUMOR' must be at most 8"),
    (_table(columns=("USUBJID", "TRTESTCODE")), LABELS, "variable name 'TRTESTCODE' must be at most 8"),
    (_table(), {**LABELS, "VISIT": "V" * 41}, "label 'V{41}' must be at most 40 bytes"),
    (_table(("S-1", "LDIAM", "Longest Diameter", "1", "é" * 101)), LABELS,
     "value of VISIT 'é{101}' must be at most 200"),
    (_table(("S-1", "LONGDIAMETER", "Longest Diameter", "1", "")), LABELS, "value of TRTESTCD 'LONGDIAMETER'"),
    (_table(("S-1", "1DIAM", "Longest Diameter", "1", "")), LABELS, "value of TRTESTCD '1DIAM'"),
    (_table(("S-1", "LDIAM", "L" * 41, "1", "")), LABELS, "value of TRTEST 'L{41}' must be at most 40"),
])
def test_limits_raise_and_nothing_is_written(tmp_path: Path, table: Table, labels: dict[str, str],
                                             message: str) -> None:
    path = tmp_path / "x.xpt"
    with pytest.raises(XptConstraintError, match=message) as info:
        write_xpt(path, table, labels, "Tumor/Lesion Results")
    assert "never truncates" in str(info.value) and not path.exists()


def test_dataset_label_limit(tmp_path: Path) -> None:
    with pytest.raises(XptConstraintError, match="label"):
        write_xpt(tmp_path / "x.xpt", _table(), LABELS, "D" * 41)
