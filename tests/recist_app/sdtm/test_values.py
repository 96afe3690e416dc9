"""The value rules of issue 13 one by one: numbers (``numeric``), dates (``iso_dates``, RULES A17),
TR results and units (``tr_results``), and file sniffing (``file_format``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from assessment.domain import Status
from recist_app.sdtm.csv_io import format_decimal
from recist_app.sdtm.errors import DateProblem, ResultProblem
from recist_app.sdtm.file_format import (
    delimiter_problem,
    encoding_problem,
    format_problem,
    nul_line,
    table_format,
)
from recist_app.sdtm.iso_dates import SdtmDate, is_partial, sdtm_date
from recist_app.sdtm.numeric import is_whole, number_problem, parse_number
from recist_app.sdtm.tr_results import TrResult, diameter_mm, measurement, state

# --- numbers --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("32.32", "32.32"), ("0", "0"), ("-3", "-3"), ("+5", "5"), (".5", "0.5"), ("5.", "5"), ("1e3", "1000"),
    ("16.228800000000001", "16.228800000000001"), ("999999999999999", "999999999999999"),
])
def test_plain_decimal_numbers_are_read(text: str, value: str) -> None:
    assert parse_number(text) == Decimal(value)


@pytest.mark.parametrize(("value", "places", "text"), [
    ("-36.5384615", 2, "-36.54"), ("-36.535", 2, "-36.54"), ("12.345", 2, "12.35"), ("-29.996", 2, "-30"),
    ("-0.004", 2, "0"), ("20", 2, "20"), ("32.3200", None, "32.32"), ("1E+2", None, "100"),
])
def test_derived_numbers_are_rounded_half_away_from_zero(value: str, places: int | None, text: str) -> None:
    """Issue 18: the data files round (as SAS ``round`` does), they do not truncate: −36.5385 % is −36.54."""
    assert format_decimal(Decimal(value), places) == text


@pytest.mark.parametrize(("text", "why"), [
    ("NaN", "not a number"), ("sNaN", "not a number"), ("-nan", "not a number"), ("Infinity", "not a number"),
    ("1_0", "not a number"), ("\u0661\u0660", "not a number"), ("\uff11\uff10", "not a number"),
    ("1,5", "not a number"), ("", "not a number"), (" 5", "not a number"), ("0x10", "not a number"),
    ("1E+1000000", "far out of range"), ("1e400", "far out of range"), ("1e15", "far out of range"),
    ("1e-400", "more than 20 decimals"), ("0." + "0" * 20 + "1", "more than 20 decimals"),
    ("1" * 41, "longer than 40 characters"),
])
def test_other_number_spellings_are_refused(text: str, why: str) -> None:
    assert parse_number(text) is None
    assert why in number_problem(text)


def test_is_whole() -> None:
    assert is_whole(Decimal("365")) and is_whole(Decimal("365.0")) and not is_whole(Decimal("365.5"))


# --- dates ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("2014-02-12", SdtmDate(date(2014, 2, 12), False)),
    ("2014-02", SdtmDate(date(2014, 2, 28), True)),              # A17: the month's last day, flagged
    ("2016-02", SdtmDate(date(2016, 2, 29), True)),              # leap year
    ("2014-02-12T10:30", SdtmDate(date(2014, 2, 12), False)),
    ("2014-02-12T10:30:15.25+01:00", SdtmDate(date(2014, 2, 12), False)),
    ("1900-01-01", SdtmDate(date(1900, 1, 1), False)),          # the range is inclusive
    ("2099-12-31", SdtmDate(date(2099, 12, 31), False)),
])
def test_iso_dates_are_read(text: str, expected: SdtmDate) -> None:
    assert sdtm_date(text) == expected


@pytest.mark.parametrize(("text", "why"), [
    ("2014", "has no month"),
    ("2014---12", "not an ISO 8601 date"),
    ("2014-1-2", "not an ISO 8601 date"),
    ("\u0662\u0660\u0661\u0664-\u0660\u0662-\u0661\u0662", "not an ISO 8601 date"),
    ("12/02/2014", "not an ISO 8601 date"),
    ("2014-02-30", "not a date of the calendar"),
    ("2014-13", "not a date of the calendar"),
    ("2014-02-12T", "time part"),
    ("2014-02-12T10:3", "time part"),
    ("2014-02T10:30", "time part"),
    ("1899-12-31", "outside the plausible range 1900-01-01 to 2099-12-31"),
    ("9999-12-31", "outside the plausible range"),
    ("2100-01", "outside the plausible range"),
])
def test_other_dates_are_refused(text: str, why: str) -> None:
    with pytest.raises(DateProblem, match=why):
        sdtm_date(text)


def test_a_complete_date_can_be_required() -> None:
    assert sdtm_date("2014-02-12", partial=False) == SdtmDate(date(2014, 2, 12), False)
    with pytest.raises(DateProblem, match="is a partial date; this column needs a complete date"):
        sdtm_date("2014-02", partial=False)


def test_is_partial() -> None:
    assert is_partial("2014-02") and not is_partial("2014-02-12") and not is_partial("2014") and not is_partial("x")


# --- TR results and units -------------------------------------------------------------------------

def result(original: str = "", original_unit: str = "", text: str = "", number: str = "",
           unit: str = "", test: str = "LDIAM") -> TrResult:
    return TrResult(test, original, original_unit, text, number, unit)


@pytest.mark.parametrize(("row", "millimetres"), [
    (result("32", "mm", "32", "32", "mm"), "32"),
    (result("3.2", "cm", "3.2", "3.2", "cm"), "32"),          # converted
    (result("3.2", "cm", "32", "32", "mm"), "32"),            # the standard result is in mm
    (result("3.2", "CM"), "32"),                              # only TRORRES: its own unit
    (result("32"), "32"),                                     # no unit at all: mm
    (result("", "", "", "0", "mm"), "0"),
    (result("", "", "", "-0", "mm"), "0"),
])
def test_diameters_in_mm(row: TrResult, millimetres: str) -> None:
    assert diameter_mm("T01", row) == Decimal(millimetres)
    assert str(diameter_mm("T01", row)) != "-0"


@pytest.mark.parametrize(("row", "why"), [
    (result("", "", "", "32", "in"), "TRSTRESU 'in' for lesion 'T01' is not a unit of length"),
    (result("32", "mm", "", "32", "%"), "TRSTRESU '%'"),
    (result("3.2", "cm", "", "3.2", ""), "has no TRSTRESU while TRORRESU is 'cm'"),
    (result("", "", "", "1_0", "mm"), "TRSTRESN '1_0' for lesion 'T01' is not a number"),
    (result("", "", "x", "", "mm"), "TRSTRESC 'x'"),
    (result("", "", "", "-1", "mm"), "is negative"),
    (result("", "", "", "101", "cm"), "over 1000 mm"),
    (result(), "has no result"),
])
def test_bad_diameters_are_refused(row: TrResult, why: str) -> None:
    with pytest.raises(ResultProblem, match=why.replace("(", r"\(")):
        diameter_mm("T01", row)


def test_too_small_to_measure_and_states() -> None:
    assert measurement("T01", result("TOO SMALL TO MEASURE", "", "", "5", "mm")).value_mm == 5
    assert state("NT01", result("PRESENT", test="TUMSTATE")).status is Status.PRESENT
    with pytest.raises(ResultProblem, match="TUMSTATE result 'GONE'"):
        state("NT01", result("GONE", test="TUMSTATE"))


# --- file sniffing --------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "head", "kind"), [
    ("tr.xpt", b"HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!000", "xpt"),
    ("tr.dat", b"HEADER RECORD*******LIBV8   HEADER RECORD!!!!!!!000", "xpt"),
    ("tr.json", b"", "json"), ("tr.txt", b'\xef\xbb\xbf \n {"datasetJSONVersion"', "json"),
    ("tr.csv", b"USUBJID,VISITNUM\n", "csv"), ("tr.json.csv", b"{not really", "json"),
])
def test_xpt_and_dataset_json_files_are_recognised(name: str, head: bytes, kind: str) -> None:
    """Issue 18: ``assess`` and ``bor`` read SAS transport and Dataset-JSON as they read CSV."""
    assert table_format(name, head) == kind


@pytest.mark.parametrize(("head", "named"), [
    (b"PK\x03\x04rest", "Excel workbook"),
    (b"\xd0\xcf\x11\xe0rest", "Excel 97-2003"),
    (b"\xff\xfeU\x00S\x00", "UTF-16"),
])
def test_files_that_are_not_csv_text_are_named(head: bytes, named: str) -> None:
    problem = format_problem(head)
    assert problem is not None and named in problem


def test_csv_text_is_not_flagged() -> None:
    assert format_problem(b'"USUBJID","VISITNUM"\n"S-1",1\n') is None
    assert format_problem(b"\xef\xbb\xbfUSUBJID\n") is None  # UTF-8 with a BOM is read


def test_encoding_problem_names_the_line_and_bytes(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("A,B\nS-1,LIVER\nS-2,CÔTE\n".encode("cp1252"))
    line, problem = encoding_problem(path) or (None, "")
    assert line == 3
    assert "D4" in problem and "CÔTE" in problem and "Windows-1252" in problem
    path.write_bytes("A,B\nS-2,CÔTE\n".encode())
    assert encoding_problem(path) is None


def test_nul_line_finds_binary_data_far_into_a_file(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    lines = [b"A,B"] + [b"S-%d,1" % n for n in range(200_000)]
    lines[150_000] = b"S-x,1\x00"
    path.write_bytes(b"\n".join(lines) + b"\n")  # past the first chunk of 1 MiB
    assert nul_line(path) == 150_001
    path.write_bytes(b"A,B\nS-1,1\n")
    assert nul_line(path) is None


@pytest.mark.parametrize(("header", "any_field", "named"), [
    (("USUBJID;TRLNKID;TRDTC",), False, "semicolons"),
    (("USUBJID\tTRLNKID",), False, "tabs"),
    (("USUBJID|TRLNKID",), False, "vertical bars"),
    (("USUBJID;TRLNKID", "TRDTC"), True, "semicolons"),
])
def test_delimiter_problem(header: tuple[str, ...], any_field: bool, named: str) -> None:
    problem = delimiter_problem(header, any_field)
    assert problem is not None and named in problem


def test_comma_headers_have_no_delimiter_problem() -> None:
    assert delimiter_problem(("USUBJID", "TRLNKID")) is None
    assert delimiter_problem(("USUBJID;X", "TRLNKID")) is None  # two columns: not one split header
    assert delimiter_problem(("USUBJID",)) is None
