"""SDTM TS, TV, SV, PR (or EX) and RELREC (issue 18), and VISITNUM from the planned schedule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from defineutils.validate import DefineSchemaValidator

from recist_app.evaluation.trial_profile import PlannedVisit, VisitSchedule, parse_trial_profile
from recist_app.exports.collect import visit_numbers
from recist_app.exports.files import Table
from recist_app.exports.runner import ExportResult
from recist_app.model.records import Timepoint
from recist_app.sdtm.design import TS_COLUMNS, TS_NOTE, ts_notes
from tests.recist_app.exports.double_read import export_full_read, export_once, read_csv
from tests.recist_app.store.scenario import PROFILE_TEXT, SBRT


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExportResult]:
    """The double-read trial exported once for the module (SQLite; the files do not depend on the back end)."""
    yield from export_once(tmp_path_factory.mktemp("export"))

SCHEDULE = VisitSchedule((PlannedVisit("BASELINE", 0, 28, 0), PlannedVisit("WEEK 6", 42, 6, 6),
                          PlannedVisit("WEEK 8", 56, 6, 6), PlannedVisit("WEEK 12", 84, 7, 7)))


def _tp(uid: str, visit: str, day: int) -> Timepoint:
    return Timepoint(uid, "subject", visit, date(2024, 1, 1).fromordinal(date(2024, 1, 1).toordinal() + day))


def test_visitnum_is_the_planned_visit_and_an_unscheduled_scan_shifts_nothing() -> None:
    """WEEK 8 is VISITNUM 3 whether or not WEEK 6 was scanned; an unscheduled scan after WEEK 8 is 3.01, the next
    3.02, and WEEK 12 stays 4; a second scan named as a visit already taken is unscheduled too."""
    skipped_week6 = (_tp("a", "BASELINE", 0), _tp("b", "WEEK 8", 56), _tp("c", "UNSCHEDULED", 60),
                     _tp("d", "UNSCHEDULED", 70), _tp("e", "WEEK 12", 84), _tp("f", "WEEK 12", 90))
    numbers = visit_numbers(skipped_week6, SCHEDULE)
    assert [str(numbers[uid]) for uid in "abcdef"] == ["1", "3", "3.01", "3.02", "4", "4.01"]
    assert [str(n) for n in visit_numbers(skipped_week6).values()] == ["1", "2", "3", "4", "5", "6"]  # no schedule


def test_tv_and_sv_follow_the_schedule_and_the_scans(exported: ExportResult) -> None:
    tv = read_csv(exported.out_dir / "sdtm" / "tv.csv")
    assert tv and [row["VISITNUM"] for row in tv] == [str(n) for n in range(1, len(tv) + 1)]
    planned = {row["VISIT"].upper(): row["VISITNUM"] for row in tv}  # the scenario names its scans "Week 8" …
    sv = read_csv(exported.out_dir / "sdtm" / "sv.csv")
    rs = read_csv(exported.out_dir / "sdtm" / "rs.csv")
    assert {(r["USUBJID"], r["VISITNUM"], r["VISIT"]) for r in rs} <= {(r["USUBJID"], r["VISITNUM"], r["VISIT"])
                                                                       for r in sv}
    for row in sv:
        assert row["SVSTDTC"] == row["SVENDTC"] and row["EPOCH"] in ("SCREENING", "TREATMENT")
        if row["VISIT"].upper() in planned:
            assert row["VISITNUM"] == planned[row["VISIT"].upper()] and not row["SVUPDES"]
        else:
            assert Decimal(row["VISITNUM"]) % 1 != 0 and row["SVUPDES"] == "UNSCHEDULED CT SCAN"
    ts = {row["TSPARMCD"]: row["TSVAL"] for row in read_csv(exported.out_dir / "sdtm" / "ts.csv")}
    dm = read_csv(exported.out_dir / "sdtm" / "dm.csv")
    assert ts["ACTSUB"] == str(len(dm)) and ts["TITLE"] == "SBRT ± atezolizumab"


def test_each_sbrt_course_is_one_pr_record_related_to_every_read_s_irradiated_lesion(exported: ExportResult) -> None:
    start, end, dose, fractions = SBRT
    (course,) = read_csv(exported.out_dir / "sdtm" / "pr.csv")  # three reads flag T03: one course
    assert (course["PRSTDTC"], course["PRENDTC"], course["PRDOSU"], course["EPOCH"]) == (
        start.isoformat(), end.isoformat(), "Gy", "TREATMENT")
    assert Decimal(course["PRDOSE"]) * fractions == Decimal(str(dose))
    assert course["PRDOSRGM"] == f"{Decimal(str(dose)).normalize():f} Gy in {fractions} fractions"
    relrec = read_csv(exported.out_dir / "sdtm" / "relrec.csv")
    tu = {row["TULNKID"]: row for row in read_csv(exported.out_dir / "sdtm" / "tu.csv")}
    linked = {row["IDVARVAL"] for row in relrec if row["RDOMAIN"] == "TU"}
    assert linked == {"T03", "R1-T03", "R2-T03"} and linked <= set(tu)
    assert {(row["RDOMAIN"], row["IDVAR"], row["IDVARVAL"]) for row in relrec if row["RDOMAIN"] == "PR"} == {
        ("PR", "PRSEQ", course["PRSEQ"])}
    assert {row["RELID"] for row in relrec} == {"SBRT1"}


def test_ts_holds_the_profile_s_trial_summary_and_says_when_the_study_start_is_missing(
        exported: ExportResult) -> None:
    """Issue 18: TS carries the profile's [trial_summary] (the STEREOSARC profile's, here) after the export's own
    TITLE, ACTSUB and NARMS, TSSEQ numbering the values of one parameter; without SSTDTC (FDA's technical rejection
    criteria) a note says so."""
    ts = [(row["TSPARMCD"], row["TSSEQ"], row["TSPARM"], row["TSVAL"])
          for row in read_csv(exported.out_dir / "sdtm" / "ts.csv")]
    given = parse_trial_profile(PROFILE_TEXT).trial_summary
    assert len(given) >= 5 and [code for code, *_ in ts[:3]] == ["TITLE", "ACTSUB", "NARMS"]
    assert [(code, int(seq), value) for code, seq, _, value in ts[3:]] == [
        (code, seq, value) for code, values in given for seq, value in enumerate(values, start=1)]
    assert ("REGID", "1", "Registry Identifier", "NCT03548428") in ts
    assert [row[1] for row in ts if row[0] == "OUTMSSEC"] == ["1", "2", "3"]
    assert TS_NOTE in exported.notes and not any(code == "SSTDTC" for code, *_ in ts)
    with_start = Table("TS", TS_COLUMNS, (("S", "TS", 1, "SSTDTC", "Study Start Date", "2018-06"),))
    assert ts_notes(with_start) == ()
    define = (exported.out_dir / "sdtm" / "define.xml").read_text(encoding="utf-8")
    assert 'CodedValue="REGID"' in define


def test_a_profile_holding_the_sbrt_as_study_treatment_writes_ex_instead_of_pr(tmp_path: Path) -> None:
    folder = export_full_read(tmp_path, 'sbrt_domain = "EX"').out_dir / "sdtm"
    assert not (folder / "pr.csv").exists()
    (course,) = read_csv(folder / "ex.csv")
    start, end, dose, fractions = SBRT
    assert (course["DOMAIN"], course["EXTRT"], course["EXSTDTC"], course["EXENDTC"], course["EXDOSU"]) == (
        "EX", "STEREOTACTIC BODY RADIATION THERAPY", start.isoformat(), end.isoformat(), "Gy")
    assert Decimal(course["EXDOSE"]) * fractions == Decimal(str(dose))
    relrec = read_csv(folder / "relrec.csv")
    assert {(row["RDOMAIN"], row["IDVAR"], row["IDVARVAL"]) for row in relrec} == {
        ("TU", "TULNKID", "R1-T03"), ("EX", "EXSEQ", course["EXSEQ"])}
    define = (folder / "define.xml").read_text(encoding="utf-8")
    assert 'Name="EX"' in define and "IT.EX.EXDOSRGM" in define and 'Name="PR"' not in define
    assert DefineSchemaValidator(folder / "define.xml").validate_define_file().endswith("is valid")
