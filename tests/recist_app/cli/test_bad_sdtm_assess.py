"""Issue 13, SDTM half, ``main.py assess``: every class of bad TU / TR / SUPPTU input the issue
lists ends with exit 2 and one line naming file, line and value, or with the corrected result.

Line numbers: the header is line 1, so data row ``i`` (0-based) of a file written here is line
``i + 2``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.recist_app.cli.contract import assert_refused, run_cli
from tests.recist_app.cli.sdtm_mutants import XPT_HEADER
from tests.recist_app.sdtm.test_tumor_reader import (
    SUPPTU_COLUMNS,
    TU_COLUMNS,
    supptu,
    tr,
    tu,
    write_csv,
)

#: TR columns of these tests: the usual ones plus TRSTRESU (units are part of the contract).
TR_COLUMNS = ("STUDYID", "DOMAIN", "USUBJID", "TRLNKID", "TRTESTCD", "TRORRES", "TRORRESU", "TRSTRESC",
              "TRSTRESN", "TRSTRESU", "TRSTAT", "TRREASND", "VISITNUM", "VISIT", "TREVAL", "TREVALID", "TRDTC")
Rows = list[dict[str, object]]


def study() -> tuple[Rows, Rows]:
    """One read: T01 (liver) and T02 (node) are targets, NT01 a non-target.
    Sums 60 → 42 (−30 %: PR) → 40 (PR) on 2020-01-06, 2020-02-17, 2020-03-30."""
    tu_rows = [tu("T01"), tu("T02", loc="LYMPH NODE"), tu("NT01", "NON-TARGET", "BONE")]
    tr_rows: Rows = []
    for visit, when, t01, t02 in ((1, "2020-01-06", 40, 20), (2, "2020-02-17", 30, 12), (3, "2020-03-30", 28, 12)):
        tr_rows += [{**tr("T01", "LDIAM", t01, visit, when), "TRSTRESU": "mm"},
                    {**tr("T02", "LPERP", t02, visit, when), "TRSTRESU": "mm"},
                    tr("NT01", "TUMSTATE", "PRESENT", visit, when)]
    return tu_rows, tr_rows


def line_of(index: int) -> int:
    """The file line of data row ``index``."""
    return index + 2


def files(tmp_path: Path, tu_rows: Rows, tr_rows: Rows, supp_rows: Rows | None = None) -> list[str]:
    """Write the tables; the ``assess`` arguments for them (output folder ``out``)."""
    argv = ["assess", "--tu", str(write_csv(tmp_path / "tu.csv", TU_COLUMNS, tu_rows)),
            "--tr", str(write_csv(tmp_path / "tr.csv", TR_COLUMNS, tr_rows)), "--out", str(tmp_path / "out")]
    if supp_rows is not None:
        argv += ["--supptu", str(write_csv(tmp_path / "supptu.csv", SUPPTU_COLUMNS, supp_rows))]
    return argv


def overall(out: Path) -> dict[str, str]:
    """VISITNUM → RECIST 1.1 OVRLRESP of ``out/rs.csv``."""
    with open(out / "rs.csv", newline="", encoding="utf-8") as handle:
        return {r["VISITNUM"]: r["RSSTRESC"] for r in csv.DictReader(handle)
                if r["RSTESTCD"] == "OVRLRESP" and r["RSCAT"] == "RECIST 1.1"}


def test_the_study_is_a_pr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, *files(tmp_path, *study()))[0] == 0
    assert overall(tmp_path / "out") == {"2": "PR", "3": "PR"}


# --- numbers: finite, bounded, ASCII decimal ----------------------------------------------------

#: 2 in Arabic-Indic and in full-width digits (str.isdigit and Decimal accept both).
OTHER_TWOS = ("\u0662", "\uff12")


@pytest.mark.parametrize("visitnum", ["NaN", "sNaN", "-nan", "Infinity", "1E+1000000", "1e400", "1_0", *OTHER_TWOS])
def test_visitnum_that_is_not_a_number_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  visitnum: str) -> None:
    tu_rows, tr_rows = study()
    tr_rows[4]["VISITNUM"] = visitnum
    result = run_cli(capsys, *files(tmp_path, tu_rows, tr_rows))
    assert_refused(result, tmp_path / "tr.csv", line_of(4), f"VISITNUM {visitnum!r}")
    assert not (tmp_path / "out" / "rs.csv").exists()


def test_visitnum_in_tu_that_is_not_a_number_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tu_rows, tr_rows = study()
    tu_rows[1]["VISITNUM"] = "NaN"
    assert_refused(run_cli(capsys, *files(tmp_path, tu_rows, tr_rows)), tmp_path / "tu.csv", 3, "'NaN'")


def test_blank_visitnum_is_refused_not_a_phantom_visit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before: the row became a visit of its own, sorted last, and week 6's PR turned NE (T02 missing).
    tu_rows, tr_rows = study()
    tr_rows[4]["VISITNUM"] = None  # T02 at visit 2
    assert_refused(run_cli(capsys, *files(tmp_path, tu_rows, tr_rows)), tmp_path / "tr.csv", line_of(4),
                   "VISITNUM is empty")


@pytest.mark.parametrize("value", ["1e400", "1E+1000000", "NaN", "-Infinity", "3_0", "\u0663\u0660", "30 mm",
                                   "1e-400"])
def test_diameter_that_is_not_a_number_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  value: str) -> None:
    tu_rows, tr_rows = study()
    tr_rows[3]["TRSTRESN"] = value  # T01 at visit 2
    message = assert_refused(run_cli(capsys, *files(tmp_path, tu_rows, tr_rows)), tmp_path / "tr.csv",
                             line_of(3), f"TRSTRESN {value!r}", "'T01'")
    assert "LDIAM" in message


@pytest.mark.parametrize(("value", "why"), [("-3", "negative"), ("1500", "over 1000 mm")])
def test_diameter_out_of_range_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str,
                                          why: str) -> None:
    tu_rows, tr_rows = study()
    tr_rows[3]["TRSTRESN"] = value
    assert_refused(run_cli(capsys, *files(tmp_path, tu_rows, tr_rows)), tmp_path / "tr.csv", line_of(3), value, why)


# --- units --------------------------------------------------------------------------------------

def in_cm(row: dict[str, object]) -> dict[str, object]:
    """The same measurement written in centimetres (original and standard results)."""
    cm = f"{float(str(row['TRSTRESN'])) / 10:g}"
    return {**row, "TRORRES": cm, "TRORRESU": "cm", "TRSTRESC": cm, "TRSTRESN": cm, "TRSTRESU": "cm"}


def test_centimetres_are_converted_to_mm(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before: centimetres were read as millimetres (the 4 cm lesion as 4 mm, the 2 cm node as a normal 2 mm).
    tu_rows, tr_rows = study()
    (tmp_path / "mm").mkdir()
    (tmp_path / "cm").mkdir()
    assert run_cli(capsys, *files(tmp_path / "mm", tu_rows, tr_rows))[0] == 0
    converted = [in_cm(row) if row["TRTESTCD"] != "TUMSTATE" else row for row in tr_rows]
    assert run_cli(capsys, *files(tmp_path / "cm", tu_rows, converted))[0] == 0
    assert overall(tmp_path / "cm" / "out") == overall(tmp_path / "mm" / "out") == {"2": "PR", "3": "PR"}
    for name in ("rs.csv", "tr_derived.csv", "timeline.csv"):
        assert (tmp_path / "cm" / "out" / name).read_bytes() == (tmp_path / "mm" / "out" / name).read_bytes(), name


def test_original_in_cm_with_standard_in_mm_uses_the_standard(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    tu_rows, tr_rows = study()
    tr_rows[3].update(TRORRES="3", TRORRESU="cm")  # TRSTRESN 30 mm stays the value
    assert run_cli(capsys, *files(tmp_path, tu_rows, tr_rows))[0] == 0
    assert overall(tmp_path / "out") == {"2": "PR", "3": "PR"}


@pytest.mark.parametrize(("changes", "named"), [
    ({"TRSTRESU": "in"}, "TRSTRESU 'in'"),                                  # not a unit read here
    ({"TRSTRESU": "%"}, "TRSTRESU '%'"),
    ({"TRSTRESU": None, "TRORRESU": "cm"}, "has no TRSTRESU while TRORRESU is 'cm'"),  # which unit?
])
def test_unknown_or_ambiguous_unit_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              changes: dict[str, object], named: str) -> None:
    tu_rows, tr_rows = study()
    tr_rows[3].update(changes)
    assert_refused(run_cli(capsys, *files(tmp_path, tu_rows, tr_rows)), tmp_path / "tr.csv", line_of(3), named)


# --- dates (ISO 8601, plausible range; A17) ------------------------------------------------------

@pytest.mark.parametrize(("text", "why"), [
    ("9999-12-31", "outside the plausible range"),
    ("2020", "has no month"),                      # before: imputed to 31 December, visits reordered
    ("2020-2-17", "not an ISO 8601 date"),
    ("\u0662\u0660\u0662\u0660-\u0660\u0662-\u0661\u0667", "not an ISO 8601 date"),  # Arabic-Indic digits
    ("2020-02-30", "not a date of the calendar"),
    ("2020-02-17T25:99x", "time part"),
])
def test_bad_scan_date_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, why: str) -> None:
    tu_rows, tr_rows = study()
    tr_rows[3]["TRDTC"] = text
    assert_refused(run_cli(capsys, *files(tmp_path, tu_rows, tr_rows)), tmp_path / "tr.csv", line_of(3),
                   f"TRDTC {text!r}", why)


def test_year_month_scan_date_is_imputed_and_flagged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """RULES §7 A17: YYYY-MM → the month's last day for the calculations; RSDTC and the timeline's
    DATE keep the partial date, RSDY is empty, and stdout says how many were imputed."""
    tu_rows, tr_rows = study()
    for row in tr_rows[3:6]:
        row["TRDTC"] = "2020-02"  # visit 2, imputed to 2020-02-29
    subjects = tmp_path / "subjects.csv"
    subjects.write_text("USUBJID,RANDDT,TRTSDT\nS-001,2020-01-06,2020-01-06\n", encoding="utf-8")
    code, out, err = run_cli(capsys, *files(tmp_path, tu_rows, tr_rows), "--subjects", str(subjects))
    assert (code, err) == (0, "")
    assert out.startswith("assess: 1 time point(s) dated YYYY-MM were imputed to the month's last day (RULES A17)")
    with open(tmp_path / "out" / "rs.csv", newline="", encoding="utf-8") as handle:
        rs = {(r["VISITNUM"], r["RSTESTCD"], r["RSCAT"]): r for r in csv.DictReader(handle)}
    visit2, visit3 = rs["2", "OVRLRESP", "RECIST 1.1"], rs["3", "OVRLRESP", "RECIST 1.1"]
    assert (visit2["RSDTC"], visit2["RSDY"], visit2["RSSTRESC"]) == ("2020-02", "", "PR")
    assert (visit3["RSDTC"], visit3["RSDY"]) == ("2020-03-30", "85")
    with open(tmp_path / "out" / "timeline.csv", newline="", encoding="utf-8") as handle:
        dates = {r["VISITNUM"]: (r["DATE"], r["STUDY_DAY"]) for r in csv.DictReader(handle)}
    assert dates == {"1": ("2020-01-06", "1"), "2": ("2020-02", ""), "3": ("2020-03-30", "85")}  # no day, as RSDY


# --- header problems ----------------------------------------------------------------------------

@pytest.mark.parametrize(("table", "column"), [("tu", "TULNKID"), ("tr", "TRDTC"), ("tr", "TRSTRESN")])
def test_duplicated_column_is_refused_at_line_1(tmp_path: Path, capsys: pytest.CaptureFixture[str], table: str,
                                                column: str) -> None:
    # Before: TU took the last copy and TR the first, so every response could vanish.
    argv = files(tmp_path, *study())
    path = tmp_path / f"{table}.csv"
    header, *rows = path.read_text(encoding="utf-8").splitlines()
    # A second copy of the column, spelled in lower case (column names match case-insensitively).
    path.write_text("\n".join([f'{header},"{column.lower()}"', *(f"{row},x" for row in rows)]) + "\n",
                    encoding="utf-8")
    message = assert_refused(run_cli(capsys, *argv), path, 1, f"column {column} appears twice")
    assert "columns" in message


@pytest.mark.parametrize(("delimiter", "named"), [(";", "semicolons"), ("\t", "tabs")])
def test_other_delimiter_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str], delimiter: str,
                                  named: str) -> None:
    argv = files(tmp_path, *study())
    path = tmp_path / "tr.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        records = list(csv.reader(handle))
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(records)
    assert_refused(run_cli(capsys, *argv), path, 1, f"split by {named}, not commas")


def test_cp1252_file_names_the_encoding_and_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tu_rows, tr_rows = study()
    tu_rows[2]["TULOC"] = "CÔTE"  # line 4
    argv = files(tmp_path, tu_rows, tr_rows)
    path = tmp_path / "tu.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    message = assert_refused(run_cli(capsys, *argv), path, 4, "not UTF-8", "Windows-1252", "CÔTE")
    assert "utf-8' codec" not in message


def test_an_xpt_without_the_columns_or_broken_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """XPT is read (issue 18): one lacking TR's columns is refused for them, one that is not SAS transport past its
    header for that."""
    import pandas as pd
    import pyreadstat

    argv = files(tmp_path, *study())
    xpt = tmp_path / "tr.xpt"
    pyreadstat.write_xport(pd.DataFrame({"USUBJID": ["S-001"], "VISITNUM": [1.0]}), str(xpt), table_name="TR",
                           file_format_version=5)
    argv[argv.index("--tr") + 1] = str(xpt)
    assert_refused(run_cli(capsys, *argv), xpt, 1, "required column(s)", "TRTESTCD", "missing")
    xpt.write_bytes(XPT_HEADER + b"USUBJID,VISITNUM\nS-001,1\n")
    assert_refused(run_cli(capsys, *argv), xpt, 1, "SAS transport (XPT) file that cannot be read")


def test_nul_byte_far_into_a_file_names_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tu_rows, tr_rows = study()
    tr_rows[7]["VISIT"] = "WEEK\x006"
    assert_refused(run_cli(capsys, *files(tmp_path, tu_rows, tr_rows)), tmp_path / "tr.csv", line_of(7), "NUL byte")


@pytest.mark.parametrize("table", ["tu", "tr", "supptu"])
def test_header_only_table_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str], table: str) -> None:
    # Before: a header-only TR gave empty outputs and exit 0.
    argv = files(tmp_path, *study(), [supptu("T01", "TUIRRSTD", "Y")])
    path = tmp_path / f"{table}.csv"
    path.write_text(path.read_text(encoding="utf-8").split("\n", 1)[0] + "\n", encoding="utf-8")
    assert_refused(run_cli(capsys, *argv), path, 1, "no data rows")
    assert not (tmp_path / "out" / "rs.csv").exists()


# --- nothing dropped, nothing overwritten ------------------------------------------------------

def test_tu_read_without_tr_rows_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before: S-002 was dropped without a word.
    tu_rows, tr_rows = study()
    tu_rows.append({**tu("T01"), "USUBJID": "S-002"})  # line 5
    assert_refused(run_cli(capsys, *files(tmp_path, tu_rows, tr_rows)), tmp_path / "tu.csv", 5,
                   "USUBJID 'S-002'", "no TR results")


def test_conflicting_supptu_values_name_both_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before: the last value won and the irradiated / non-irradiated subset rows vanished.
    supp = [supptu("T01", "TUIRRSTD", "Y"), supptu("T02", "TUIRRSTD", "N"), supptu("T01", "TUIRRSTD", "N")]
    assert_refused(run_cli(capsys, *files(tmp_path, *study(), supp)), tmp_path / "supptu.csv", 4,
                   "TUIRRSTD", "'T01'", "lines 2 and 4")


def test_repeated_identical_supptu_value_is_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    supp = [supptu("T01", "TUIRRSTD", "Y"), supptu("T02", "TUIRRSTD", "N"), supptu("T01", "TUIRRSTD", "Y")]
    code, _, err = run_cli(capsys, *files(tmp_path, *study(), supp))
    assert (code, err) == (0, "")
    with open(tmp_path / "out" / "rs.csv", newline="", encoding="utf-8") as handle:
        assert {r["RSSCAT"] for r in csv.DictReader(handle)} >= {"IRRADIATED LESIONS", "NON-IRRADIATED LESIONS"}


@pytest.mark.parametrize(("index", "changes", "test"), [
    (3, {"TRORRES": "31", "TRSTRESC": "31", "TRSTRESN": "31"}, "LDIAM"),   # T01 visit 2: 30 or 31?
    (5, {"TRORRES": "ABSENT", "TRSTRESC": "ABSENT"}, "TUMSTATE"),          # NT01 visit 2: PRESENT or ABSENT?
])
def test_conflicting_results_name_both_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str], index: int,
                                             changes: dict[str, object], test: str) -> None:
    tu_rows, tr_rows = study()
    tr_rows.append({**tr_rows[index], **changes})
    last = len(tr_rows) - 1
    assert_refused(run_cli(capsys, *files(tmp_path, tu_rows, tr_rows)), tmp_path / "tr.csv", line_of(last),
                   f"two different {test} results", f"lines {line_of(index)} and {line_of(last)}")


def test_an_identical_repeated_result_counts_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tu_rows, tr_rows = study()
    tr_rows.append(dict(tr_rows[3]))
    assert run_cli(capsys, *files(tmp_path, tu_rows, tr_rows))[0] == 0
    assert overall(tmp_path / "out") == {"2": "PR", "3": "PR"}


def test_duplicate_lesion_names_both_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tu_rows, tr_rows = study()
    tu_rows.append(tu("T01", loc="LUNG"))
    assert_refused(run_cli(capsys, *files(tmp_path, tu_rows, tr_rows)), tmp_path / "tu.csv", 5, "'T01'",
                   "lines 2 and 5")
