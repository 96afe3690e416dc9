"""``main.py bor``: BOR, CBOR and PFS rows from RS + SUBJECTS CSVs, and its input errors (A18)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from recist_app.cli import main

RS_COLUMNS = ["STUDYID", "USUBJID", "RSTESTCD", "RSCAT", "RSORRES", "RSSTRESC",
              "RSEVAL", "RSEVALID", "VISITNUM", "RSDTC"]  # fmt: skip
OUT_COLUMNS = ["USUBJID", "RSEVAL", "RSEVALID", "PARAMCD", "AVALC", "ADT", "AVAL", "CNSR", "ADTF"]


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
    assert {r["ADTF"] for r in got} == {""}  # complete dates: nothing imputed (A17)
    table = [tuple(r.values())[:-1] for r in got]
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


# --- iRECIST (IBOR, IPFS; RULES §2.6, §2.7, A13) and GMI (RULES §4.2, A10) ------------------------

def irecist_row(usubjid: str, rsdtc: str, result: str, **extra: str) -> dict[str, str]:
    return rs_row(usubjid, rsdtc, result, **{"RSCAT": "iRECIST", **extra})


def by_read(path: Path) -> dict[tuple[str, str, str], dict[str, tuple[str, ...]]]:
    """{(USUBJID, RSEVAL, RSEVALID): {PARAMCD: (AVALC, ADT, AVAL, CNSR)}}, in file order."""
    reads: dict[tuple[str, str, str], dict[str, tuple[str, ...]]] = {}
    for r in read_out(path):
        reads.setdefault((r["USUBJID"], r["RSEVAL"], r["RSEVALID"]), {})[r["PARAMCD"]] = (
            r["AVALC"], r["ADT"], r["AVAL"], r["CNSR"])  # fmt: skip
    return reads


INV, RAD = ("S-1", "INVESTIGATOR", ""), ("S-1", "INDEPENDENT ASSESSOR", "RADIOLOGIST 1")
Reads = dict[tuple[str, str, str], dict[str, tuple[str, ...]]]


@pytest.fixture
def irecist_reads(tmp_path: Path, subjects: Path) -> Reads:
    """``bor`` on S-1 (investigator: both criteria; radiologist 1: iRECIST only) and S-2 (RECIST 1.1 only)."""
    rad = {"RSEVAL": "INDEPENDENT ASSESSOR", "RSEVALID": "RADIOLOGIST 1"}
    rows = [
        # S-1 investigator: RECIST 1.1 and iRECIST; iUPD, iUPD, iCPD → iCPD dated at the first iUPD.
        rs_row("S-1", "2014-02-20", "SD"), rs_row("S-1", "2014-04-20", "PD"),
        irecist_row("S-1", "2014-02-20", "iUPD"), irecist_row("S-1", "2014-03-20", "iUPD"),
        irecist_row("S-1", "2014-04-17", "iCPD"), irecist_row("S-1", "2014-04-30", "iCR"),
        # S-1 radiologist 1: iRECIST only (RSCAT in lower case); iSD then an unconfirmed iUPD (A13).
        irecist_row("S-1", "2014-02-20", "iSD", RSCAT="irecist", **rad),
        irecist_row("S-1", "2014-04-01", "iUPD", RSCAT="irecist", **rad),
        # S-2: RECIST 1.1 only.
        rs_row("S-2", "2014-02-20", "SD"),
    ]  # fmt: skip
    status, out = run_bor(tmp_path, rows, subjects)
    assert status == 0
    return by_read(out)


def test_ibor_and_ipfs_only_for_reads_with_irecist_rows(irecist_reads: Reads) -> None:
    reads = irecist_reads
    assert list(reads) == [("S-2", "INVESTIGATOR", ""), RAD, INV, ("S-3", "", "")]
    assert list(reads[INV]) == ["BOR", "CBOR", "PFS", "IBOR", "IPFS"]
    assert list(reads[RAD]) == ["BOR", "CBOR", "PFS", "IBOR", "IPFS"]
    assert list(reads[("S-2", "INVESTIGATOR", "")]) == ["BOR", "CBOR", "PFS"]
    assert list(reads[("S-3", "", "")]) == ["BOR", "CBOR", "PFS"]


@pytest.mark.parametrize(
    ("read", "paramcd", "expected"),
    [
        pytest.param(INV, "IBOR", ("iCPD", "2014-02-20", "", ""), id="icpd-dated-at-the-first-iupd"),
        pytest.param(INV, "IPFS", ("Confirmed Progression (iCPD)", "2014-02-20", "50", "0"), id="ipfs-at-icpd"),
        pytest.param(INV, "PFS", ("Disease Progression", "2014-04-20", "109", "0"), id="recist-pfs-unchanged"),
        # A read with only iRECIST rows: its RECIST 1.1 rows are MISSING / censored at randomisation.
        pytest.param(RAD, "BOR", ("MISSING", "", "", ""), id="irecist-only-bor-missing"),
        pytest.param(RAD, "IBOR", ("iSD", "2014-02-20", "", ""), id="irecist-only-ibor"),
        pytest.param(RAD, "IPFS", ("Unconfirmed Progression (iUPD)", "2014-04-01", "90", "0"),
                     id="irecist-only-ipfs-at-unconfirmed-iupd"),
    ],
)
def test_ibor_and_ipfs_values(irecist_reads: Reads, read: tuple[str, str, str], paramcd: str,
                              expected: tuple[str, ...]) -> None:
    assert irecist_reads[read][paramcd] == expected


def test_ipfs_death_and_censoring(tmp_path, subjects):
    rows = [irecist_row("S-1", "2014-02-20", "iSD"), irecist_row("S-1", "2014-03-20", "NE"),
            irecist_row("S-2", "2014-02-20", "iPR"), irecist_row("S-2", "2014-03-20", "NE")]  # fmt: skip
    status, out = run_bor(tmp_path, rows, subjects)
    assert status == 0
    reads = by_read(out)
    assert reads[("S-1", "INVESTIGATOR", "")]["IPFS"] == ("Death", "2014-05-01", "120", "0")
    # S-2 starts 2014-01-02 (RANDDT): censored at the last evaluable iRECIST record (A11), not the NE.
    assert reads[("S-2", "INVESTIGATOR", "")]["IPFS"] == ("Last Evaluable Tumor Assessment", "2014-02-20", "50", "1")
    assert reads[("S-2", "INVESTIGATOR", "")]["IBOR"] == ("iPR", "2014-02-20", "", "")


def test_recist_value_in_an_irecist_row_names_file_line_and_value(tmp_path, subjects, capsys):
    rows = [irecist_row("S-1", "2014-02-20", "iSD"), irecist_row("S-1", "2014-03-20", "PD")]
    status, out = run_bor(tmp_path, rows, subjects)
    assert status == 2 and not out.exists()
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {tmp_path / 'rs.csv'}, line 3: OVRLRESP RSSTRESC 'PD' is not an iRECIST")
    assert "expected one of iCR, iPR, iSD" in lines[0]


def gmi_subjects(tmp_path: Path, prev: dict[str, tuple[str, str]], cnsr_column: bool = True) -> Path:
    columns = ["USUBJID", "RANDDT", "TRTSDT", "DTHDT", "PFS_PREV_DAYS"] + (["PFS_PREV_CNSR"] if cnsr_column else [])
    rows = [{"USUBJID": s, "RANDDT": "2014-01-02", "TRTSDT": "2014-01-02", "DTHDT": "",
             "PFS_PREV_DAYS": days, "PFS_PREV_CNSR": cnsr} for s, (days, cnsr) in prev.items()]  # fmt: skip
    return write_csv(tmp_path / "subjects.csv", columns, [{k: v for k, v in r.items() if k in columns} for r in rows])


def test_gmi_rows_with_pfs_prev_days(tmp_path):
    subjects = gmi_subjects(tmp_path, {
        "S-1": ("80", ""),    # PD on day 109: 109 / 80 = 1.3625 > 1.33
        "S-2": ("82", "0"),   # 109 / 82 = 1.329… <= 1.33
        "S-3": ("40", "0"),   # censored at day 50: a lower bound 1.25, not yet above: NOT EVALUABLE
        "S-4": ("30", "1"),   # previous PFS censored: 109 / 30 is an upper bound above 1.33: NOT EVALUABLE
        "S-5": ("", "0"),     # no previous PFS
        "S-6": ("0", "0"),    # 0 days: no ratio
    })  # fmt: skip
    rows = [rs_row(s, "2014-04-20", "PD") for s in ("S-1", "S-2", "S-4", "S-5", "S-6")]
    rows.append(rs_row("S-3", "2014-02-20", "SD"))
    status, out = run_bor(tmp_path, rows, subjects)
    assert status == 0
    gmi = {r["USUBJID"]: (r["AVALC"], r["AVAL"], r["ADT"], r["CNSR"]) for r in read_out(out) if r["PARAMCD"] == "GMI"}
    assert gmi == {  # CNSR: 0 exact, 1 a lower bound (this line censored), empty when the previous line is censored
        "S-1": ("> 1.33", "1.363", "", "0"),
        "S-2": ("<= 1.33", "1.329", "", "0"),
        "S-3": ("NOT EVALUABLE", "1.25", "", "1"),
        "S-4": ("NOT EVALUABLE", "3.633", "", ""),
        "S-5": ("NOT EVALUABLE", "", "", ""),
        "S-6": ("NOT EVALUABLE", "", "", ""),
    }
    assert [r["PARAMCD"] for r in read_out(out) if r["USUBJID"] == "S-1"] == ["BOR", "CBOR", "PFS", "GMI"]


def test_gmi_boundary_and_profile_threshold(tmp_path):
    # S-1: 109 / 82 = 1.329…; S-2: PD on day 133, 133 / 100 = 1.33 exactly, not above (A10).
    subjects = gmi_subjects(tmp_path, {"S-1": ("82", ""), "S-2": ("100", "")}, cnsr_column=False)
    rows = [rs_row("S-1", "2014-04-20", "PD"), rs_row("S-2", "2014-05-14", "PD")]
    status, out = run_bor(tmp_path, rows, subjects)
    assert status == 0
    gmi = [(r["AVALC"], r["AVAL"]) for r in read_out(out) if r["PARAMCD"] == "GMI"]
    assert gmi == [("<= 1.33", "1.329"), ("<= 1.33", "1.33")]
    status, out = run_bor(tmp_path, rows, subjects, profile="gmi_threshold = 1.3\n")
    assert status == 0
    assert [r["AVALC"] for r in read_out(out) if r["PARAMCD"] == "GMI"] == ["> 1.3", "> 1.3"]


@pytest.mark.parametrize(("column", "value", "message"), [
    ("PFS_PREV_DAYS", "-3", "PFS_PREV_DAYS '-3' is not a non-negative whole number"),
    ("PFS_PREV_DAYS", "12.5", "PFS_PREV_DAYS '12.5' is not a non-negative whole number"),
    ("PFS_PREV_DAYS", "abc", "PFS_PREV_DAYS 'abc' is not a non-negative whole number"),
    ("PFS_PREV_CNSR", "Y", "PFS_PREV_CNSR 'Y' must be 0 (event) or 1 (censored)"),
])  # fmt: skip
def test_bad_previous_pfs_is_an_error(tmp_path, capsys, column, value, message):
    prev = {"S-1": ("100", "0"), "S-2": ("100", "0")}
    prev["S-2"] = (value, "0") if column == "PFS_PREV_DAYS" else ("100", value)
    subjects = gmi_subjects(tmp_path, prev)
    status, out = run_bor(tmp_path, [rs_row("S-1", "2014-04-20", "PD")], subjects)
    assert status == 2 and not out.exists()
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {subjects}, line 3: {message}")
