"""Issue 13, SDTM half, ``main.py bor``: bad RS and subject tables end with exit 2 and one line
naming file, line and value, or with the corrected result; imputed dates are flagged (A17).
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest

from tests.recist_app.cli.contract import assert_refused, run_cli
from tests.recist_app.cli.test_bor_cli import RS_COLUMNS, rs_row, write_csv

SUBJECT_COLUMNS = ["USUBJID", "RANDDT", "TRTSDT", "DTHDT", "PFS_PREV_DAYS"]


def subject(usubjid: str = "S-1", **changes: str) -> dict[str, str]:
    return {"USUBJID": usubjid, "RANDDT": "2014-01-02", "TRTSDT": "2014-01-02", "DTHDT": "",
            "PFS_PREV_DAYS": "100", **changes}


def responses() -> list[dict[str, str]]:
    """S-1: PR, PR (confirmed 35 days later), PD."""
    return [rs_row("S-1", "2014-03-06", "PR"), rs_row("S-1", "2014-04-10", "PR"), rs_row("S-1", "2014-05-20", "PD")]


def bor(tmp_path: Path, capsys: pytest.CaptureFixture[str], rs_rows: list[dict[str, str]],
        subjects: list[dict[str, str]] | None = None) -> tuple[tuple[int, str, str], Path]:
    rs = write_csv(tmp_path / "rs.csv", RS_COLUMNS, rs_rows)
    subj = write_csv(tmp_path / "subjects.csv", SUBJECT_COLUMNS, subjects or [subject()])
    out = tmp_path / "bor.csv"
    return run_cli(capsys, "bor", "--rs", str(rs), "--subjects", str(subj), "--out", str(out)), out


def params(out: Path) -> dict[str, dict[str, str]]:
    with open(out, newline="", encoding="utf-8") as handle:
        return {row["PARAMCD"]: row for row in csv.DictReader(handle)}


def test_the_base_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result, out = bor(tmp_path, capsys, responses())
    assert result[0] == 0
    rows = params(out)
    assert (rows["BOR"]["AVALC"], rows["CBOR"]["AVALC"], rows["PFS"]["ADT"]) == ("PR", "PR", "2014-05-20")
    assert rows["GMI"]["AVALC"] == "> 1.33"  # PFS 139 days / 100


# --- dates ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "why"), [
    ("9999-12-31", "outside the plausible range"),      # before: OverflowError traceback
    ("2014", "has no month"),
    ("\u0662\u0660\u0661\u0664-\u0660\u0663-\u0660\u0666", "not an ISO 8601 date"),
    ("2014-3-6", "not an ISO 8601 date"),
])
def test_bad_rsdtc_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, why: str) -> None:
    rows = responses()
    rows[1]["RSDTC"] = text
    result, out = bor(tmp_path, capsys, rows)
    assert_refused(result, tmp_path / "rs.csv", 3, f"RSDTC {text!r}", why)
    assert not out.exists()


@pytest.mark.parametrize(("column", "text", "why"), [
    ("RANDDT", "9999-12-31", "outside the plausible range"),   # before: OverflowError traceback
    ("RANDDT", "2014-01", "is a partial date"),               # before: imputed, PFS moved by weeks
    ("RANDDT", "2014", "has no month"),
    ("DTHDT", "2014-06", "is a partial date"),
])
def test_bad_subject_date_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], column: str, text: str,
                                     why: str) -> None:
    result, _ = bor(tmp_path, capsys, responses(), [subject("S-0"), subject(**{column: text})])
    assert_refused(result, tmp_path / "subjects.csv", 3, f"{column} {text!r}", why)


def test_year_month_rsdtc_is_imputed_and_flagged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """RULES §7 A17: 2014-05 → 2014-05-31 for the calculations; ADTF = D (ADaM) on every row whose
    ADT comes from it, as pharmaverseadam adrs_onco does."""
    rows = responses()
    rows[2]["RSDTC"] = "2014-05"
    result, out = bor(tmp_path, capsys, rows)
    assert result[0] == 0
    got = {paramcd: (row["ADT"], row["AVAL"], row["ADTF"]) for paramcd, row in params(out).items()}
    assert got == {"BOR": ("2014-03-06", "", ""), "CBOR": ("2014-03-06", "", ""),
                   "PFS": ("2014-05-31", "150", "D"), "GMI": ("", "1.5", "")}


def test_death_date_is_never_flagged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [rs_row("S-1", "2014-03", "SD")]
    result, out = bor(tmp_path, capsys, rows, [subject(DTHDT="2014-03-31")])
    assert result[0] == 0
    pfs = params(out)["PFS"]
    assert (pfs["AVALC"], pfs["ADT"], pfs["ADTF"]) == ("Death", "2014-03-31", "")
    assert params(out)["BOR"]["ADTF"] == "D"


# --- numbers --------------------------------------------------------------------------------------

def test_huge_previous_pfs_is_refused_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before: int() built an integer of 10⁹ digits and the command hung.
    started = time.perf_counter()
    result, _ = bor(tmp_path, capsys, responses(), [subject(PFS_PREV_DAYS="1e999999999")])
    assert time.perf_counter() - started < 5
    assert_refused(result, tmp_path / "subjects.csv", 2, "PFS_PREV_DAYS '1e999999999'")


@pytest.mark.parametrize("text", ["1_00", "\u0661\u0660\u0660", "NaN", "Infinity", "36526", "1e5"])
def test_previous_pfs_must_be_an_ascii_whole_number_of_days(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                            text: str) -> None:
    result, _ = bor(tmp_path, capsys, responses(), [subject(PFS_PREV_DAYS=text)])
    assert_refused(result, tmp_path / "subjects.csv", 2, f"PFS_PREV_DAYS {text!r}", "whole number of days")


def test_visitnum_of_rs_must_be_a_number(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = responses()
    rows[0]["VISITNUM"] = "sNaN"
    result, _ = bor(tmp_path, capsys, rows)
    assert_refused(result, tmp_path / "rs.csv", 2, "VISITNUM 'sNaN'")


# --- duplicates and conflicts ---------------------------------------------------------------------

def test_two_different_responses_on_one_date_name_both_lines(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    # Before: both were kept and the order of the file decided the BOR.
    rows = [*responses(), rs_row("S-1", "2014-04-10", "SD")]
    result, out = bor(tmp_path, capsys, rows)
    assert_refused(result, tmp_path / "rs.csv", 5, "'PR'", "'SD'", "2014-04-10", "lines 3 and 5")
    assert not out.exists()


def test_the_same_response_twice_on_one_date_counts_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [*responses(), rs_row("S-1", "2014-04-10", "PR", VISITNUM="3")]
    (tmp_path / "twice").mkdir()
    result, out = bor(tmp_path, capsys, responses())
    again, out_twice = bor(tmp_path / "twice", capsys, rows)
    assert result[0] == again[0] == 0
    assert out_twice.read_bytes() == out.read_bytes()


def test_two_readers_on_one_date_are_not_a_conflict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [*responses(), rs_row("S-1", "2014-04-10", "SD", RSEVAL="INDEPENDENT ASSESSOR", RSEVALID="RADIOLOGIST 1")]
    assert bor(tmp_path, capsys, rows)[0][0] == 0


def test_duplicate_subject_names_both_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result, _ = bor(tmp_path, capsys, responses(), [subject(), subject("S-2"), subject()])
    assert_refused(result, tmp_path / "subjects.csv", 4, "'S-1'", "lines 2 and 4")


# --- empty inputs ---------------------------------------------------------------------------------

@pytest.mark.parametrize("table", ["rs", "subjects"])
def test_header_only_table_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str], table: str) -> None:
    rs = write_csv(tmp_path / "rs.csv", RS_COLUMNS, [] if table == "rs" else responses())
    subj = write_csv(tmp_path / "subjects.csv", SUBJECT_COLUMNS, [] if table == "subjects" else [subject()])
    result = run_cli(capsys, "bor", "--rs", str(rs), "--subjects", str(subj), "--out", str(tmp_path / "bor.csv"))
    assert_refused(result, tmp_path / f"{table}.csv", 1, "no data rows")


def test_rs_without_overall_responses_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [{**row, "RSTESTCD": "TRGRESP"} for row in responses()]
    result, _ = bor(tmp_path, capsys, rows)
    assert_refused(result, tmp_path / "rs.csv", None, "no OVRLRESP rows")


def test_semicolon_rs_names_the_delimiter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rs = write_csv(tmp_path / "rs.csv", RS_COLUMNS, responses())
    rs.write_text(rs.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")
    subj = write_csv(tmp_path / "subjects.csv", SUBJECT_COLUMNS, [subject()])
    result = run_cli(capsys, "bor", "--rs", str(rs), "--subjects", str(subj), "--out", str(tmp_path / "b.csv"))
    assert_refused(result, rs, 1, "split by semicolons, not commas")
