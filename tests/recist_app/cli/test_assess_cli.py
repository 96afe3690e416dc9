"""``main.py assess`` end to end, in process: output files, columns, RS rules, errors, pilot data."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from recist_app.cli import main
from tests.recist_app.sdtm.test_tumor_reader import TU_COLUMNS, tr, tu, write_csv

OUTPUTS = ("rs.csv", "tr_derived.csv", "timeline.csv", "timeline_dictionary.csv")
RS_COLUMNS = ("STUDYID", "DOMAIN", "USUBJID", "RSSEQ", "RSTESTCD", "RSTEST", "RSCAT", "RSSCAT",
              "RSORRES", "RSSTRESC", "RSEVAL", "RSEVALID", "VISITNUM", "VISIT", "RSDTC", "RSDY", "RSLNKGRP", "RSACPTFL")
TR_DERIVED_COLUMNS = ("STUDYID", "DOMAIN", "USUBJID", "TRSEQ", "TRGRPID", "TRTESTCD", "TRTEST", "TRORRES",
                      "TRORRESU", "TRSTRESC", "TRSTRESN", "TRSTRESU", "TREVAL", "TREVALID", "VISITNUM",
                      "VISIT")
RECIST_TIMELINE_COLUMNS = ("USUBJID", "RSEVAL", "RSEVALID", "VISITNUM", "VISIT", "DATE", "STUDY_DAY", "SUM_MM",
                    "NADIR_MM", "PCT_CHANGE_BASELINE", "PCT_CHANGE_NADIR", "ABS_CHANGE_NADIR_MM",
                    "TARGET_RESPONSE", "NONTARGET_RESPONSE", "NEW_LESION", "OVERALL_RESPONSE", "FINDINGS",
                    "RATIONALE")
#: Appended by the iRECIST / irradiated-lesion issue (the contract appends, never renames).
TIMELINE_COLUMNS = (
    *RECIST_TIMELINE_COLUMNS, "IRECIST_RESPONSE", "NLT_SUM_MM", "SUM_IRRADIATED_MM", "SUM_NONIRRADIATED_MM",
    "PCT_CHANGE_IRRADIATED", "PCT_CHANGE_NONIRRADIATED", "IRRADIATED_RESPONSE", "NONIRRADIATED_RESPONSE",
    "ABSCOPAL_SUM30", "ABSCOPAL_ANY_LESION30")
DICTIONARY_COLUMNS = ("COLUMN", "TYPE", "UNIT", "DESCRIPTION")
TR_INPUT_COLUMNS = ("STUDYID", "DOMAIN", "USUBJID", "TRLNKID", "TRTESTCD", "TRORRES", "TRORRESU",
                    "TRSTRESC", "TRSTRESN", "TRSTAT", "TRREASND", "VISITNUM", "VISIT", "TREVAL", "TREVALID",
                    "TRDTC")


# --- helpers -----------------------------------------------------------------------------------

def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``main.py <argv>`` in process: (exit status, stdout, stderr)."""
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of a CSV; ``NA`` reads as '' (as in the pharmaverse files)."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = [{k: ("" if v == "NA" else v) for k, v in row.items()} for row in reader]
        return list(reader.fieldnames or []), rows


def visit(text: str) -> str:
    """VISITNUM canonical text (1, 1.0 → 1)."""
    return str(Decimal(text).normalize())


def assess(tmp_path: Path, tu_rows: list[dict[str, object]], tr_rows: list[dict[str, object]],
           capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str, Path]:
    tu_path = write_csv(tmp_path / "tu.csv", TU_COLUMNS, tu_rows)
    tr_path = write_csv(tmp_path / "tr.csv", TR_INPUT_COLUMNS, tr_rows)
    out = tmp_path / "out"
    code, stdout, stderr = run_cli(["assess", "--tu", str(tu_path), "--tr", str(tr_path), "--out", str(out),
                                    *extra], capsys)
    return code, stdout, stderr, out


def study() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """S-001 (target + non-target): SD, PD at visit 3, then SD at visit 4 (after the first PD).
    S-002 (targets only): SD, PR. S-002 read by a radiologist too: SD, PD."""
    tu_rows = [tu("T01"), tu("T02", loc="LYMPH NODE"), tu("NT01", "NON-TARGET", "BONE"),
               {**tu("T01"), "USUBJID": "S-002"}, {**tu("T02", loc="LUNG"), "USUBJID": "S-002"},
               {**tu("T01", evaluator="INDEPENDENT ASSESSOR", evalid="RADIOLOGIST 1"), "USUBJID": "S-002"}]
    tr_rows: list[dict[str, object]] = []
    s1 = {1: ("2020-01-06", 30, 20, "PRESENT"), 2: ("2020-02-17", 28, 19, "PRESENT"),
          3: ("2020-03-30", 45, 19, "PRESENT"), 4: ("2020-05-11", 30, 19, "PRESENT")}
    for v, (when, t1, t2, nt) in s1.items():
        tr_rows += [tr("T01", "LDIAM", t1, v, when), tr("T02", "LPERP", t2, v, when),
                    tr("NT01", "TUMSTATE", nt, v, when)]
    s2 = {1: ("2020-01-08", 40, 20), 2: ("2020-02-19", 38, 20), 3: ("2020-04-01", 25, 10)}
    for v, (when, t1, t2) in s2.items():
        tr_rows += [{**tr("T01", "LDIAM", t1, v, when), "USUBJID": "S-002"},
                    {**tr("T02", "LDIAM", t2, v, when), "USUBJID": "S-002"}]
    r1 = {"evaluator": "INDEPENDENT ASSESSOR", "evalid": "RADIOLOGIST 1"}
    for v, (when, t1) in {1: ("2020-01-08", 40), 2: ("2020-02-19", 39), 3: ("2020-04-01", 50)}.items():
        tr_rows.append({**tr("T01", "LDIAM", t1, v, when, **r1), "USUBJID": "S-002"})
    return tu_rows, tr_rows


def recist(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The RECIST 1.1 rows of an RS table."""
    return [r for r in rows if r["RSCAT"] == "RECIST 1.1"]


def rs_results(rows: list[dict[str, str]]) -> dict[tuple[str, str, str, str, str], str]:
    """(USUBJID, RSEVAL, RSEVALID, VISITNUM, RSTESTCD) → RSSTRESC of the RECIST 1.1 rows."""
    return {(r["USUBJID"], r["RSEVAL"], r["RSEVALID"], visit(r["VISITNUM"]), r["RSTESTCD"]): r["RSSTRESC"]
            for r in recist(rows)}


# --- outputs -----------------------------------------------------------------------------------

def test_writes_the_four_files_with_the_documented_columns(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err, out = assess(tmp_path, *study(), capsys)
    assert (code, err) == (0, "")
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)  # no temporary files left
    expected = {"rs.csv": RS_COLUMNS, "tr_derived.csv": TR_DERIVED_COLUMNS, "timeline.csv": TIMELINE_COLUMNS,
                "timeline_dictionary.csv": DICTIONARY_COLUMNS}
    for name, columns in expected.items():
        header, rows = read_csv(out / name)
        assert tuple(header) == columns, name
        assert rows, f"{name} is empty"
    _, dictionary = read_csv(out / "timeline_dictionary.csv")
    assert tuple(row["COLUMN"] for row in dictionary) == TIMELINE_COLUMNS
    assert all(row["DESCRIPTION"] for row in dictionary)


def test_timeline_has_one_row_per_read_and_visit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _, out = assess(tmp_path, *study(), capsys)
    assert code == 0
    _, rows = read_csv(out / "timeline.csv")
    keys = [(r["USUBJID"], r["RSEVALID"], r["VISITNUM"]) for r in rows]
    assert sorted(keys) == [("S-001", "", "1"), ("S-001", "", "2"), ("S-001", "", "3"), ("S-001", "", "4"),
                    ("S-002", "", "1"), ("S-002", "", "2"), ("S-002", "", "3"),
                    ("S-002", "RADIOLOGIST 1", "1"), ("S-002", "RADIOLOGIST 1", "2"),
                    ("S-002", "RADIOLOGIST 1", "3")]
    reads = defaultdict(list)
    for key in keys:
        reads[key[:2]].append(key[2])
    assert all(visits == sorted(visits, key=Decimal) for visits in reads.values())  # in visit order
    by_key = {(r["USUBJID"], r["RSEVALID"], r["VISITNUM"]): r for r in rows}
    baseline = by_key[("S-001", "", "1")]
    assert (baseline["SUM_MM"], baseline["OVERALL_RESPONSE"]) == ("50", "")
    pd = by_key[("S-001", "", "3")]
    assert (pd["SUM_MM"], pd["NADIR_MM"], pd["ABS_CHANGE_NADIR_MM"], pd["PCT_CHANGE_NADIR"]) == \
        ("64", "47", "17", "36.17")
    assert (pd["TARGET_RESPONSE"], pd["NONTARGET_RESPONSE"], pd["NEW_LESION"], pd["OVERALL_RESPONSE"]) == \
        ("PD", "NON-CR/NON-PD", "N", "PD")
    assert pd["RATIONALE"]
    assert "AFTER_FIRST_PD" in by_key[("S-001", "", "4")]["FINDINGS"]
    assert all(r["RATIONALE"] for r in rows)


def test_rs_stops_at_each_reads_first_pd(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _, out = assess(tmp_path, *study(), capsys)
    assert code == 0
    _, rows = read_csv(out / "rs.csv")
    overall = {(r["USUBJID"], r["RSEVALID"], r["VISITNUM"]): r["RSSTRESC"]
               for r in recist(rows) if r["RSTESTCD"] == "OVRLRESP"}
    assert overall == {("S-001", "", "2"): "SD", ("S-001", "", "3"): "PD",   # visit 4 (SD) is after PD
                       ("S-002", "", "2"): "SD", ("S-002", "", "3"): "PR",
                       ("S-002", "RADIOLOGIST 1", "2"): "SD", ("S-002", "RADIOLOGIST 1", "3"): "PD"}
    irecist = {(r["USUBJID"], r["RSEVALID"], r["VISITNUM"]): r["RSSTRESC"]
               for r in rows if r["RSCAT"] == "iRECIST" and r["RSTESTCD"] == "OVRLRESP"}
    # iRECIST goes on after iUPD: S-001 visit 4 (49 mm, back under +20 % of the 47 mm nadir) resets.
    assert irecist == {("S-001", "", "2"): "iSD", ("S-001", "", "3"): "iUPD", ("S-001", "", "4"): "iSD",
                       ("S-002", "", "2"): "iSD", ("S-002", "", "3"): "iPR",
                       ("S-002", "RADIOLOGIST 1", "2"): "iSD", ("S-002", "RADIOLOGIST 1", "3"): "iUPD"}
    assert {r["RSCAT"] for r in rows} == {"RECIST 1.1", "iRECIST"}  # no irradiated lesions: no subsets
    assert all(r["DOMAIN"] == "RS" and r["RSORRES"] == r["RSSTRESC"] for r in rows)
    seq = defaultdict(list)
    for r in rows:
        seq[r["USUBJID"]].append(int(r["RSSEQ"]))
    assert all(numbers == list(range(1, len(numbers) + 1)) for numbers in seq.values())


def test_ntrgresp_only_for_reads_with_non_targets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _, out = assess(tmp_path, *study(), capsys)
    assert code == 0
    _, rows = read_csv(out / "rs.csv")
    tests = defaultdict(set)
    for r in rows:
        tests[(r["USUBJID"], r["RSEVALID"], r["VISITNUM"])].add(r["RSTESTCD"])
    assert tests[("S-001", "", "2")] == {"TRGRESP", "NTRGRESP", "NEWLIND", "OVRLRESP"}
    assert tests[("S-002", "", "2")] == {"TRGRESP", "NEWLIND", "OVRLRESP"}
    assert tests[("S-002", "RADIOLOGIST 1", "3")] == {"TRGRESP", "NEWLIND", "OVRLRESP"}
    assert {r["USUBJID"] for r in rows if r["RSTESTCD"] == "NTRGRESP"} == {"S-001"}


def test_profile_is_applied(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """continuing_pr (A3): an SD after a PR stays PR. 60+40 → 40+25 (PR, −35 %) → 45+30 (SD: −25 %
    from baseline, +15.4 % over the nadir)."""
    tu_rows = [tu("T01"), tu("T02", loc="LUNG")]
    tr_rows = []
    for v, (when, t1, t2) in {1: ("2020-01-08", 60, 40), 2: ("2020-02-19", 40, 25),
                              3: ("2020-04-01", 45, 30)}.items():
        tr_rows += [tr("T01", "LDIAM", t1, v, when), tr("T02", "LDIAM", t2, v, when)]
    results = {}
    for setting in ("false", "true"):
        profile = tmp_path / f"p_{setting}.toml"
        profile.write_text(f"continuing_pr = {setting}\n", encoding="utf-8")
        (tmp_path / setting).mkdir()
        code, _, err, out = assess(tmp_path / setting, tu_rows, tr_rows, capsys, "--profile", str(profile))
        assert (code, err) == (0, "")
        results[setting] = rs_results(read_csv(out / "rs.csv")[1])
    assert results["false"][(tu_rows[0]["USUBJID"], "INVESTIGATOR", "", "3", "OVRLRESP")] == "SD"
    assert results["true"][(tu_rows[0]["USUBJID"], "INVESTIGATOR", "", "3", "OVRLRESP")] == "PR"


# --- errors ------------------------------------------------------------------------------------

def _bad_tustresc(tu_rows: list[dict[str, object]], tr_rows: list[dict[str, object]]) -> str:
    tu_rows[2] = tu("NT01", "NONTARGET", "BONE")
    return "NONTARGET"


def _unknown_lesion(tu_rows: list[dict[str, object]], tr_rows: list[dict[str, object]]) -> str:
    tr_rows.append(tr("T77", "LDIAM", 10, 2, "2020-02-17"))
    return "T77"


def _bad_date(tu_rows: list[dict[str, object]], tr_rows: list[dict[str, object]]) -> str:
    tr_rows[3] = tr("T01", "LDIAM", 28, 2, "2020-02-31")
    return "2020-02-31"


def _bad_number(tu_rows: list[dict[str, object]], tr_rows: list[dict[str, object]]) -> str:
    tr_rows[3] = {**tr("T01", "LDIAM", "28", 2, "2020-02-17"), "TRSTRESN": "28mm"}
    return "28mm"


def _bad_state(tu_rows: list[dict[str, object]], tr_rows: list[dict[str, object]]) -> str:
    tr_rows[5] = tr("NT01", "TUMSTATE", "GONE", 2, "2020-02-17")
    return "GONE"


@pytest.mark.parametrize("spoil", [_bad_tustresc, _unknown_lesion, _bad_date, _bad_number, _bad_state],
                         ids=lambda f: f.__name__.strip("_"))
def test_bad_input_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], spoil) -> None:
    tu_rows, tr_rows = study()
    bad_value = spoil(tu_rows, tr_rows)
    code, stdout, stderr, out = assess(tmp_path, tu_rows, tr_rows, capsys)
    assert code == 2
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    assert bad_value in lines[0]
    assert ", line " in lines[0] and str(tmp_path) in lines[0]
    assert "Traceback" not in stderr + stdout
    assert not (out / "rs.csv").exists()  # nothing written from bad input


def test_missing_input_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tu_path = write_csv(tmp_path / "tu.csv", TU_COLUMNS, study()[0])
    missing = tmp_path / "no_such_tr.csv"
    code, _, err = run_cli(["assess", "--tu", str(tu_path), "--tr", str(missing), "--out", str(tmp_path / "o")],
                           capsys)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: ") and str(missing) in err


@pytest.mark.parametrize(("text", "named"), [
    ("continuing_prr = true\n", "continuing_prr"),        # unknown key (a typo)
    ("sd_min_days = \"six weeks\"\n", "sd_min_days"),     # wrong type
    ("reference_date = \"consent\"\n", "reference_date"),  # not one of the choices
    ("[rules]\nsd_min_days = 42\n", "rules"),             # profiles are flat
])
def test_bad_profile_exits_2_naming_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            text: str, named: str) -> None:
    profile = tmp_path / "profile.toml"
    profile.write_text(text, encoding="utf-8")
    code, _, err, out = assess(tmp_path, *study(), capsys, "--profile", str(profile))
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert err.startswith("error: ") and named in err and str(profile) in err
    assert "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())


# --- the CDISC pilot data (pharmaversesdtm) ------------------------------------------------------

@pytest.fixture(scope="module")
def pilot(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Run assess once on the pilot TU/TR; timeline rows by (subject, RSEVAL, RSEVALID, visit)."""
    sdtm = shared_dir / "conformance" / "pharmaversesdtm"
    out = tmp_path_factory.mktemp("pilot")
    code = main(["assess", "--tu", str(sdtm / "tu_onco_recist.csv"), "--tr", str(sdtm / "tr_onco_recist.csv"),
                 "--out", str(out)])
    assert code == 0
    _, timeline = read_csv(out / "timeline.csv")
    _, rs = read_csv(out / "rs.csv")
    _, expected = read_csv(sdtm / "rs_onco_recist.csv")
    _, tu_rows = read_csv(sdtm / "tu_onco_recist.csv")
    return {"timeline": {(r["USUBJID"], r["RSEVAL"], r["RSEVALID"], visit(r["VISITNUM"])): r for r in timeline},
            "rs": recist(rs), "irecist": [r for r in rs if r["RSCAT"] == "iRECIST"], "expected": expected,
            "tu": tu_rows}


INVESTIGATOR = ("INVESTIGATOR", "")
RADIOLOGIST_1 = ("INDEPENDENT ASSESSOR", "RADIOLOGIST 1")


@pytest.mark.shared_data
def test_pilot_1015_week_9_is_cr_with_a_7_mm_node(pilot: dict) -> None:
    row = pilot["timeline"][("01-701-1015", *INVESTIGATOR, "4")]
    assert row["VISIT"] == "WEEK 9"
    assert (row["TARGET_RESPONSE"], row["OVERALL_RESPONSE"]) == ("CR", "CR")
    assert Decimal(row["SUM_MM"]) == 7


@pytest.mark.shared_data
def test_pilot_1028_week_6_pd_for_investigator_ne_for_radiologist_1(pilot: dict) -> None:
    investigator = pilot["timeline"][("01-701-1028", *INVESTIGATOR, "3")]
    radiologist = pilot["timeline"][("01-701-1028", *RADIOLOGIST_1, "3")]
    assert investigator["VISIT"] == radiologist["VISIT"] == "WEEK 6"
    assert (investigator["TARGET_RESPONSE"], investigator["OVERALL_RESPONSE"]) == ("PD", "PD")
    assert (radiologist["TARGET_RESPONSE"], radiologist["OVERALL_RESPONSE"]) == ("NE", "NE")
    assert investigator["SUM_MM"] == radiologist["SUM_MM"] == ""  # a target is missing: no sum


@pytest.mark.shared_data
def test_pilot_1133_week_9_is_pd_from_a_nadir_of_0(pilot: dict) -> None:
    row = pilot["timeline"][("01-701-1133", *INVESTIGATOR, "4")]
    assert row["VISIT"] == "WEEK 9"
    assert Decimal(row["NADIR_MM"]) == 0 and Decimal(row["SUM_MM"]) == 5
    assert (row["TARGET_RESPONSE"], row["OVERALL_RESPONSE"]) == ("PD", "PD")


@pytest.mark.shared_data
def test_pilot_1097_non_target_only(pilot: dict) -> None:
    rows = [r for k, r in pilot["timeline"].items() if k[0] == "01-701-1097"]
    follow_ups = [r for r in rows if r["VISITNUM"] != "1"]
    assert len(follow_ups) == 3  # one follow-up for each of the three readers
    assert {r["OVERALL_RESPONSE"] for r in follow_ups} == {"NON-CR/NON-PD"}
    assert {r["TARGET_RESPONSE"] for r in follow_ups} == {""}
    assert all(r["SUM_MM"] == "" for r in rows)
    rs = [r for r in pilot["rs"] if r["USUBJID"] == "01-701-1097"]
    assert {r["RSTESTCD"] for r in rs} == {"NTRGRESP", "NEWLIND", "OVRLRESP"}  # no TRGRESP
    assert {r["RSSTRESC"] for r in rs if r["RSTESTCD"] == "OVRLRESP"} == {"NON-CR/NON-PD"}


@pytest.mark.shared_data
def test_pilot_ntrgresp_only_for_subjects_with_non_targets(pilot: dict) -> None:
    with_nontargets = {r["USUBJID"] for r in pilot["tu"] if r["TUSTRESC"] == "NON-TARGET"}
    assert with_nontargets  # the pilot has some (01-701-1034, 01-701-1097)
    assert {r["USUBJID"] for r in pilot["rs"] if r["RSTESTCD"] == "NTRGRESP"} == with_nontargets


@pytest.mark.shared_data
def test_pilot_overall_responses_match_rs_onco_recist_up_to_first_pd(pilot: dict) -> None:
    by_read: dict[tuple[str, str, str], list[dict[str, str]]] = defaultdict(list)
    for r in pilot["expected"]:
        if r["RSTESTCD"] == "OVRLRESP":
            by_read[(r["USUBJID"], r["RSEVAL"], r["RSEVALID"])].append(r)
    expected = {}
    for key, rows in by_read.items():
        for r in sorted(rows, key=lambda r: Decimal(r["VISITNUM"])):
            expected[(*key, visit(r["VISITNUM"]))] = r["RSSTRESC"]
            if r["RSSTRESC"] == "PD":
                break  # later responses are not RECIST-relevant
    got = {(r["USUBJID"], r["RSEVAL"], r["RSEVALID"], visit(r["VISITNUM"])): r["RSSTRESC"]
           for r in pilot["rs"] if r["RSTESTCD"] == "OVRLRESP"}
    # 66 pilot rows; 2 come after a read's first PD (01-701-1028 investigator and radiologist 2).
    assert len(expected) == 64
    assert got == expected


@pytest.mark.shared_data
def test_pilot_irecist_rows_go_on_after_iupd_until_icpd(pilot: dict) -> None:
    """01-701-1028 investigator: RECIST 1.1 stops at its PD (visit 3); iRECIST also has visit 4."""
    read = [r for r in pilot["irecist"] if r["USUBJID"] == "01-701-1028" and r["RSEVAL"] == "INVESTIGATOR"
            and r["RSTESTCD"] == "OVRLRESP"]
    assert [(r["VISITNUM"], r["RSSTRESC"]) for r in read] == [("2", "iSD"), ("3", "iUPD"), ("4", "iSD")]
    recist_visits = {r["VISITNUM"] for r in pilot["rs"] if r["USUBJID"] == "01-701-1028"
                     and r["RSEVAL"] == "INVESTIGATOR"}
    assert recist_visits == {"2", "3"}
