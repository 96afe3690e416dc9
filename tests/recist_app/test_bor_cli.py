"""``main.py bor``: BOR, CBOR and PFS rows from RS + SUBJECTS CSVs, and its input errors (A18)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from recist_app.cli import main

RS_COLUMNS = ["STUDYID", "USUBJID", "RSTESTCD", "RSCAT", "RSORRES", "RSSTRESC",
              "RSEVAL", "RSEVALID", "VISITNUM", "RSDTC"]  # fmt: skip
OUT_COLUMNS = ["USUBJID", "RSEVAL", "RSEVALID", "PARAMCD", "AVALC", "ADT", "AVAL", "CNSR"]


def rs_row(usubjid: str, rsdtc: str, result: str, **extra: str) -> dict[str, str]:
    row = {"STUDYID": "S", "USUBJID": usubjid, "RSTESTCD": "OVRLRESP", "RSCAT": "RECIST 1.1",
           "RSORRES": result, "RSSTRESC": result, "RSEVAL": "INVESTIGATOR", "RSEVALID": "",
           "VISITNUM": "", "RSDTC": rsdtc}  # fmt: skip
    row.update(extra)
    return row


def write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> Path:
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def read_out(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def subjects(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "subjects.csv", ["USUBJID", "RANDDT", "TRTSDT", "DTHDT"], [
        {"USUBJID": "S-2", "RANDDT": "2014-01-02", "TRTSDT": "2014-01-09", "DTHDT": ""},
        {"USUBJID": "S-1", "RANDDT": "2014-01-02", "TRTSDT": "2014-01-02", "DTHDT": "2014-05-01"},
        {"USUBJID": "S-3", "RANDDT": "2014-01-02", "TRTSDT": "2014-01-02", "DTHDT": ""},
    ])  # fmt: skip


def run_bor(tmp_path: Path, rs_rows: list[dict[str, str]], subjects: Path, profile: str = "",
            columns: list[str] = RS_COLUMNS) -> tuple[int, Path]:  # fmt: skip
    rs = write_csv(tmp_path / "rs.csv", columns, rs_rows)
    out = tmp_path / "bor.csv"
    argv = ["bor", "--rs", str(rs), "--subjects", str(subjects), "--out", str(out)]
    if profile:
        (tmp_path / "p.toml").write_text(profile)
        argv += ["--profile", str(tmp_path / "p.toml")]
    return main(argv), out


def test_happy_path(tmp_path, subjects):
    rows = [
        # S-1, investigator: PR confirmed by CR 35 days later, then PD (event before death).
        rs_row("S-1", "2014-03-06", "PR"), rs_row("S-1", "2014-04-10", "CR"),
        rs_row("S-1", "2014-04-20", "PD"),
        # S-1, radiologist 1: SD (day 49), then NE; no PD, so PFS ends with S-1's death (DTHDT).
        rs_row("S-1", "2014-02-20", "SD", RSEVAL="INDEPENDENT ASSESSOR", RSEVALID="RADIOLOGIST 1"),
        rs_row("S-1", "2014-03-20", "NE", RSEVAL="INDEPENDENT ASSESSOR", RSEVALID="RADIOLOGIST 1"),
        # S-2: a single CR, not confirmed; 2014-02-12 is 41 days after RANDDT (< 42), so CBOR NE;
        # no PD, no death: censored at that CR (last evaluable assessment, A11), day 42.
        rs_row("S-2", "2014-02-12", "CR"),
    ]  # fmt: skip
    status, out = run_bor(tmp_path, rows, subjects)
    assert status == 0
    got = read_out(out)
    assert list(got[0]) == OUT_COLUMNS
    table = [tuple(r.values()) for r in got]
    inv, rad = ("S-1", "INVESTIGATOR", ""), ("S-1", "INDEPENDENT ASSESSOR", "RADIOLOGIST 1")
    assert table == [
        # Subjects in SUBJECTS order (S-2 first); reads sorted by RSEVAL, RSEVALID.
        ("S-2", "INVESTIGATOR", "", "BOR", "CR", "2014-02-12", "", ""),
        ("S-2", "INVESTIGATOR", "", "CBOR", "NE", "2014-02-12", "", ""),
        ("S-2", "INVESTIGATOR", "", "PFS", "Last Evaluable Tumor Assessment", "2014-02-12", "42", "1"),
        (*rad, "BOR", "SD", "2014-02-20", "", ""),
        (*rad, "CBOR", "SD", "2014-02-20", "", ""),
        (*rad, "PFS", "Death", "2014-05-01", "120", "0"),
        (*inv, "BOR", "CR", "2014-04-10", "", ""),
        (*inv, "CBOR", "PR", "2014-03-06", "", ""),
        (*inv, "PFS", "Disease Progression", "2014-04-20", "109", "0"),
        # S-3 has no RS rows: empty read, MISSING, censored at randomisation (day 1).
        ("S-3", "", "", "BOR", "MISSING", "", "", ""),
        ("S-3", "", "", "CBOR", "MISSING", "", "", ""),
        ("S-3", "", "", "PFS", "Randomization", "2014-01-02", "1", "1"),
    ]


def test_subject_without_rs_rows_missing_as_ne(tmp_path, subjects):
    status, out = run_bor(tmp_path, [rs_row("S-1", "2014-03-06", "SD")], subjects,
                          profile="missing_as_ne = true\n")  # fmt: skip
    assert status == 0
    s3 = {r["PARAMCD"]: r for r in read_out(out) if r["USUBJID"] == "S-3"}
    assert (s3["BOR"]["RSEVAL"], s3["BOR"]["AVALC"], s3["BOR"]["ADT"]) == ("", "NE", "")
    assert s3["CBOR"]["AVALC"] == "NE"


def test_profile_first_dose_uses_trtsdt(tmp_path, subjects):
    # S-2 starts 2014-01-09 by TRTSDT: an SD on 2014-02-19 is day 41 (NE), not day 48.
    status, out = run_bor(tmp_path, [rs_row("S-2", "2014-02-19", "SD")], subjects,
                          profile='reference_date = "first_dose"\n')  # fmt: skip
    assert status == 0
    s2 = {r["PARAMCD"]: r for r in read_out(out) if r["USUBJID"] == "S-2"}
    assert s2["BOR"]["AVALC"] == "NE"
    assert (s2["PFS"]["ADT"], s2["PFS"]["AVAL"]) == ("2014-02-19", "42")


def test_death_is_a_pfs_event(tmp_path, subjects):
    status, out = run_bor(tmp_path, [rs_row("S-1", "2014-03-06", "SD")], subjects)
    assert status == 0
    pfs = next(r for r in read_out(out) if r["USUBJID"] == "S-1" and r["PARAMCD"] == "PFS")
    assert (pfs["AVALC"], pfs["ADT"], pfs["AVAL"], pfs["CNSR"]) == ("Death", "2014-05-01", "120", "0")


def test_rsorres_fallback_other_categories_and_tests_ignored(tmp_path, subjects):
    rows = [
        rs_row("S-1", "2014-03-06", "PR", RSSTRESC=""),  # RSORRES used
        rs_row("S-1", "2014-04-10", "PR", RSCAT=""),  # empty RSCAT = RECIST 1.1
        rs_row("S-1", "2014-02-01", "iCR", RSCAT="iRECIST"),  # not a RECIST 1.1 row
        rs_row("S-1", "2014-02-02", "ANYTHING", RSTESTCD="TRGRESP"),  # not OVRLRESP
    ]  # fmt: skip
    status, out = run_bor(tmp_path, rows, subjects)
    assert status == 0
    s1 = {r["PARAMCD"]: r for r in read_out(out) if r["USUBJID"] == "S-1"}
    assert (s1["CBOR"]["AVALC"], s1["CBOR"]["ADT"]) == ("PR", "2014-03-06")


def test_unknown_overall_response_names_file_line_and_value(tmp_path, subjects, capsys):
    rows = [rs_row("S-1", "2014-03-06", "PR"), rs_row("S-1", "2014-04-10", "CRR")]
    status, out = run_bor(tmp_path, rows, subjects)
    assert status == 2
    assert not out.exists()
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {tmp_path / 'rs.csv'}, line 3: ")
    assert "'CRR'" in lines[0] and "expected one of CR, PR, SD" in lines[0]


def test_missing_column_is_an_error(tmp_path, subjects, capsys):
    columns = [c for c in RS_COLUMNS if c != "RSDTC"]
    rows = [{k: v for k, v in rs_row("S-1", "2014-03-06", "PR").items() if k != "RSDTC"}]
    status, _ = run_bor(tmp_path, rows, subjects, columns=columns)
    assert status == 2
    err = capsys.readouterr().err
    assert "rs.csv, line 1: required column(s) RSDTC missing" in err


def test_missing_subject_column_is_an_error(tmp_path, capsys):
    subjects = write_csv(tmp_path / "subjects.csv", ["USUBJID", "RANDDT"], [
        {"USUBJID": "S-1", "RANDDT": "2014-01-02"}])  # fmt: skip
    status, _ = run_bor(tmp_path, [], subjects)
    assert status == 2
    assert "subjects.csv, line 1: required column(s) TRTSDT missing" in capsys.readouterr().err


def test_rs_subject_not_in_subjects_is_an_error(tmp_path, subjects, capsys):
    rows = [rs_row("S-1", "2014-03-06", "PR"), rs_row("S-9", "2014-03-06", "PR")]
    status, _ = run_bor(tmp_path, rows, subjects)
    assert status == 2
    assert "rs.csv, line 3: USUBJID 'S-9' is not in the subject table" in capsys.readouterr().err


def test_empty_start_date_is_an_error(tmp_path, capsys):
    subjects = write_csv(tmp_path / "subjects.csv", ["USUBJID", "RANDDT", "TRTSDT"], [
        {"USUBJID": "S-1", "RANDDT": "2014-01-02", "TRTSDT": ""}])  # fmt: skip
    status, _ = run_bor(tmp_path, [], subjects, profile='reference_date = "first_dose"\n')
    assert status == 2
    err = capsys.readouterr().err
    assert "subjects.csv, line 2: TRTSDT is empty for subject 'S-1'" in err
    assert "reference_date is 'first_dose'" in err


def test_unreadable_or_invalid_profile_is_an_error(tmp_path, subjects, capsys):
    rs = write_csv(tmp_path / "rs.csv", RS_COLUMNS, [])
    argv = ["bor", "--rs", str(rs), "--subjects", str(subjects), "--out", str(tmp_path / "o.csv")]
    assert main([*argv, "--profile", str(tmp_path / "absent.toml")]) == 2
    assert "absent.toml: cannot be read" in capsys.readouterr().err
    (tmp_path / "bad.toml").write_text("sd_min_dayz = 3\n")
    assert main([*argv, "--profile", str(tmp_path / "bad.toml")]) == 2
    assert 'bad.toml: Profile key "sd_min_dayz": unknown key' in capsys.readouterr().err
