"""SAS transport v5 writing (CDISC.md §11): limits raise typed errors, never truncate; files read back, by pyreadstat
and by our own reader (issue 18), which agree."""

from __future__ import annotations

import math
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from recist_app.errors import InputFileError
from recist_app.exports.files import Table
from recist_app.sdtm.errors import XptConstraintError
from recist_app.sdtm.table_readers import XptFormatError, parse_xpt_v5, read_xpt
from recist_app.sdtm.xpt import ibm_float, write_xpt, xpt_bytes
from tests.support import REPO_ROOT

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


def _from_ibm(data: bytes) -> float:
    """An 8-byte IBM hexadecimal float read back (the tests' own decoder)."""
    sign = -1.0 if data[0] & 0x80 else 1.0
    return sign * int.from_bytes(data[1:], "big") / 2**56 * 16.0 ** ((data[0] & 0x7F) - 64)


@pytest.mark.parametrize(("number", "encoded"), [
    (1.0, "4110000000000000"), (-1.0, "c110000000000000"), (100.0, "4264000000000000"),
    (-2.5, "c128000000000000"), (0.0, "0000000000000000"), (0.5, "4080000000000000"),
])
def test_numbers_are_ibm_hexadecimal_floats(number: float, encoded: str) -> None:
    """TS-140: sign bit, excess-64 power of 16, 56-bit fraction (values checked by hand)."""
    assert ibm_float(number).hex() == encoded


def test_every_double_survives_the_ibm_float_exactly() -> None:
    """The 56-bit fraction holds the 53-bit mantissa: a round trip gives the same number (measurements, study days,
    percentages, ratios)."""
    values = [0.1, -36.5385, 1e-10, 123456.789, 2.0**-60, 7.0, 22645.0, -0.3333333333333333, 1.7976e75]
    values += [math.ldexp(0.5 + i / 1024, e) for i in range(0, 512, 37) for e in range(-40, 41, 7)]
    for value in values:
        assert _from_ibm(ibm_float(value)) == value, value


def test_the_header_stamp_is_english_and_the_records_are_80_bytes() -> None:
    table = Table("TS", ("STUDYID", "TSSEQ"), (("S", 1),), frozenset({"TSSEQ"}))
    data = xpt_bytes(table, {"STUDYID": "Study Identifier"}, "Trial Summary", datetime(2026, 12, 7, 9, 5, 3))
    assert len(data) % 80 == 0 and data[160:176] == b"07DEC26:09:05:03"
    assert data.startswith(b"HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!")


def _as_text(value: object) -> str:
    """pyreadstat's value as CSV text (NaN empty, whole numbers without decimals, dates ISO 8601)."""
    if isinstance(value, float):
        return "" if math.isnan(value) else str(int(value)) if value.is_integer() else repr(value)
    return "" if value is None else str(value).rstrip()


def _pyreadstat_rows(path: Path) -> tuple[tuple[str, ...], list[list[str]]]:
    import pyreadstat

    frame, _ = pyreadstat.read_xport(str(path))
    return tuple(frame.columns), [[_as_text(v) for v in row] for row in frame.itertuples(index=False, name=None)]


def test_our_reader_reads_v5_as_pyreadstat_does_whoever_wrote_it(tmp_path: Path) -> None:
    """Issue 18: ``assess`` and ``bor`` read XPT v5 without pandas; on our files and on pyreadstat's (numbers with
    fractions, negative, huge and missing; DATE-formatted numbers; UTF-8 text) they get what pyreadstat reads, and v8
    still goes to pyreadstat."""
    import pandas as pd
    import pyreadstat

    ours = tmp_path / "tr.xpt"
    write_xpt(ours, _table(("S-1", "LDIAM", "Longest Diameter", "32.5", "Semaine é"),
                           ("S-1", "TUMSTATE", "Tumor State", None, "x" * 200),
                           ("S-2", "LDIAM", "Longest Diameter", "-0.1", "")), LABELS, "Tumor/Lesion Results")
    assert parse_xpt_v5(ours.read_bytes()) == (COLUMNS, [
        ["S-1", "LDIAM", "Longest Diameter", "32.5", "Semaine é"], ["S-1", "TUMSTATE", "Tumor State", "", "x" * 200],
        ["S-2", "LDIAM", "Longest Diameter", "-0.1", ""]])
    frame = pd.DataFrame({"USUBJID": ["S-1", "S-2", "", "é"], "AVAL": [1.5, math.nan, -1e10, 3.0],
                          "RANDDT": [date(2024, 3, 4), None, date(1959, 12, 31), date(2000, 1, 1)]})
    theirs, version8 = tmp_path / "adsl.xpt", tmp_path / "adsl8.xpt"
    pyreadstat.write_xport(frame, str(theirs), table_name="ADSL", file_format_version=5)
    pyreadstat.write_xport(frame, str(version8), table_name="ADSL", file_format_version=8)
    for path in (ours, theirs):
        assert parse_xpt_v5(path.read_bytes()) == _pyreadstat_rows(path) == read_xpt(path), path.name
    assert read_xpt(theirs)[1][2] == ["", "-10000000000", "1959-12-31"]
    assert read_xpt(version8) == read_xpt(theirs)
    timed = tmp_path / "adtte.xpt"  # a DATETIME-formatted number is an ISO 8601 date-time
    pyreadstat.write_xport(pd.DataFrame({"ADTM": [datetime(2024, 3, 4, 10, 5, 7), None]}), str(timed),
                           table_name="ADTTE", file_format_version=5)
    assert read_xpt(timed) == (("ADTM",), [["2024-03-04T10:05:07"], [""]])


def test_a_broken_xpt_is_a_typed_error_wherever_it_is_cut_or_flipped(tmp_path: Path) -> None:
    """Cut at any byte, or with a header byte changed, the file is refused with its reason (never another error),
    unless the cut falls between two observations (v5 holds no row count: any reader gives the rows before it) or in
    the blank padding after the last."""
    content = xpt_bytes(_table(*[("S-1", "LDIAM", "Longest Diameter", str(n), "Week 8") for n in range(9)]),
                        LABELS, "Tumor/Lesion Results", datetime(2026, 12, 7))
    header, rows = parse_xpt_v5(content)
    observations = content.index(b"HEADER RECORD*******OBS") + 80
    width = len(content[observations:].rstrip(b" ")) // len(rows)
    for cut in range(0, len(content), 7):
        if cut >= observations and ((cut - observations) % width == 0 or cut >= observations + width * len(rows)):
            assert parse_xpt_v5(content[:cut]) == (header, rows[:(cut - observations) // width])
            continue
        with pytest.raises(XptFormatError):
            parse_xpt_v5(content[:cut])
    path = tmp_path / "tr.xpt"
    for offset, what in ((240, "no MEMBER header"), (240 + 76, "NAMESTR length"), (560 + 55, "variable count"),
                         (640, "is not a variable")):
        broken = bytearray(content)
        broken[offset] ^= 0x5A
        path.write_bytes(bytes(broken))
        with pytest.raises(InputFileError, match=f"cannot be read .*{what}"):
            read_xpt(path)


def test_reading_v5_imports_neither_pandas_nor_pyreadstat(tmp_path: Path) -> None:
    """Issue 18: ``assess`` and ``bor`` on XPT start as fast as on CSV (pandas alone was 0.4 s of each run)."""
    path = tmp_path / "tr.xpt"
    write_xpt(path, _table(("S-1", "LDIAM", "Longest Diameter", "32.5", "Week 8")), LABELS, "Tumor/Lesion Results")
    code = (f"import sys; from recist_app.sdtm.table_readers import read_xpt; read_xpt({str(path)!r}); "
            "assert not {'pandas', 'pyreadstat'} & set(sys.modules), 'pandas or pyreadstat imported'")
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr
