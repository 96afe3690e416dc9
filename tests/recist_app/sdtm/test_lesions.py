"""Every lesion status of the read model → TU / TR / SUPPTU (CDISC.md §2, §3.3, §5), checked by
``assess`` reading the files back to the same RS, and the notes on what SDTM cannot carry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from recist_app.cli import main
from recist_app.exports.runner import ExportResult, export_trial
from recist_app.model.records import Axis, LesionRole, ReaderRole, Status
from recist_app.sdtm import terms as cdisc_terms
from recist_app.sdtm.response_tables import RS_COLUMNS
from tests.recist_app.exports.double_read import read_csv
from tests.recist_app.store.scenario import (
    FOR_UID,
    PROFILE_TEXT,
    SERIES_UID,
    Trial,
    line,
    make_trial,
)

BL, W8, W16, W24 = range(4)


@pytest.fixture
def statuses_trial(tmp_path: Path) -> Iterator[Trial]:
    """Central reader 1's read using every status, split fragments, both axes and all lesion roles."""
    trial = make_trial(str(tmp_path / "statuses.sqlite"))
    store, tps = trial.store, trial.timepoints
    store.attach_series(tps[BL].uid, study_uid="1.2.3", series_uid=SERIES_UID, modality="CT",
                        frame_of_reference_uid=FOR_UID, slice_thickness_mm=7.0)
    read = trial.session(ReaderRole.CENTRAL_READER_1)

    def lesion(label: str, role: LesionRole, organ: str, first: int = BL, nodal: bool = False) -> str:
        return read.add_lesion(label, role, organ=organ, nodal=nodal, first_timepoint_uid=tps[first].uid).uid

    t01, t02 = lesion("T01", LesionRole.TARGET, "LUNG"), lesion("T02", LesionRole.TARGET, "LYMPH NODE, SUBCARINAL",
                                                                  nodal=True)
    t03, t04 = lesion("T03", LesionRole.TARGET, "LIVER"), lesion("T04", LesionRole.TARGET, "LUNG, RIGHT LOWER LOBE")
    t05, nt01 = lesion("T05", LesionRole.TARGET, "LUNG", nodal=True), lesion("NT01", LesionRole.NON_TARGET, "BONE")
    n01, n02 = lesion("N01", LesionRole.NEW, "LIVER", W8), lesion("N02", LesionRole.NEW_TARGET, "MUSCLE", W16)
    n03 = lesion("N03", LesionRole.NEW_NON_TARGET, "SKIN", W24)
    del n03  # nothing recorded: exported as NOT DONE, as the engine sees it
    measure = {(t01, BL): 40.0, (t01, W24): 30.0, (t03, BL): 30.0, (t04, BL): 25.0, (t04, W24): 20.0,
               (n01, W16): 11.0, (n02, W16): 16.0}
    for (uid, visit), mm in measure.items():
        read.record_measurement(uid, tps[visit].uid, line(mm))
    for (uid, visit), (axis, mm) in {(t02, BL): (Axis.SHORT, 20.0), (t02, W8): (Axis.LONG, 24.0),
                                     (t05, BL): (Axis.SHORT, 16.0), (t05, W8): (Axis.SHORT, 15.0)}.items():
        read.record_measurement(uid, tps[visit].uid, line(mm, axis))
    read.record_measurement(t02, tps[BL].uid, line(31.0, Axis.LONG))
    for visit in (W8, W16):
        read.set_status(t01, tps[visit].uid, Status.SPLIT)
        read.record_measurement(t01, tps[visit].uid, line(12.0), fragment=1)
        read.record_measurement(t01, tps[visit].uid, line(10.5), fragment=2)
        read.set_status(t03, tps[visit].uid, Status.MERGED, merged_into_uid=t01)
    statuses = {(t02, W16): Status.TOO_SMALL, (t02, W24): Status.DISAPPEARED, (t03, W24): Status.NOT_ASSESSED,
                (t04, W8): Status.NOT_ASSESSED, (t05, W16): Status.TOO_SMALL, (t05, W24): Status.TOO_SMALL,
                (nt01, BL): Status.PRESENT, (nt01, W16): Status.PRESENT,
                (nt01, W24): Status.UNEQUIVOCAL_PROGRESSION, (n01, W8): Status.EQUIVOCAL, (n01, W16): Status.PRESENT,
                (n01, W24): Status.FURTHER_ENLARGEMENT, (n02, W24): Status.NOT_ASSESSED}
    for (uid, visit), status in statuses.items():
        read.set_status(uid, tps[visit].uid, status)
    read.confirm_cr(tps[W8].uid)
    try:
        yield trial
    finally:
        store.close()


@pytest.fixture
def statuses_export(statuses_trial: Trial, tmp_path: Path) -> ExportResult:
    return export_trial(statuses_trial.store, tmp_path / "export", formats=["sdtm"])


def _rows(result: ExportResult, name: str) -> list[dict[str, str]]:
    return read_csv(result.out_dir / "sdtm" / f"{name}.csv")


def _tr(result: ExportResult, link: str, visit: int) -> list[tuple[str, ...]]:
    return [(r["TRTESTCD"], r["TRORRES"], r["TRSTRESN"], r["TRSTAT"], r["TRREASND"]) for r in _rows(result, "tr")
            if r["TRLNKID"] == link and r["VISITNUM"] == str(visit + 1)]


def test_every_status_maps_to_the_cdisc_rows(statuses_export: ExportResult) -> None:
    r = statuses_export
    assert _tr(r, "R1-T01.1", W8) == [("LDIAM", "12", "12", "", "")]
    assert _tr(r, "R1-T01.2", W16) == [("LDIAM", "10.5", "10.5", "", "")]
    assert _tr(r, "R1-T01", W8) == []  # the fragments carry the split lesion
    assert _tr(r, "R1-T02", BL) == [("LPERP", "20", "20", "", ""), ("LDIAM", "31", "31", "", "")]
    assert _tr(r, "R1-T02", W8) == [("LPERP", "", "", "NOT DONE", "NOT EVALUABLE"), ("LDIAM", "24", "24", "", "")]
    assert _tr(r, "R1-T02", W16) == [("LPERP", "TOO SMALL TO MEASURE", "5", "", "")]
    assert _tr(r, "R1-T02", W24) == [("LPERP", "0", "0", "", "")]
    assert _tr(r, "R1-T03", W8) == [("LDIAM", "", "", "NOT DONE", "TUMOR MERGED")]
    assert _tr(r, "R1-T04", W16) == [("LDIAM", "", "", "NOT DONE", "NOT EVALUABLE")]  # nothing recorded
    assert _tr(r, "R1-NT01", W8) == [("TUMSTATE", "", "", "NOT DONE", "NOT EVALUABLE")]
    assert _tr(r, "R1-NT01", W24) == [("TUMSTATE", "UNEQUIVOCAL", "", "", "")]
    assert _tr(r, "R1-N01", W8) == [("TUMSTATE", "EQUIVOCAL", "", "", "")]
    assert _tr(r, "R1-N01", W16) == [("TUMSTATE", "PRESENT", "", "", "")]  # status decides; the line is noted
    assert _tr(r, "R1-N01", W24) == [("TUMSTATE", "FURTHER ENLARGEMENT", "", "", "")]
    assert _tr(r, "R1-N02", W24) == [("LDIAM", "", "", "NOT DONE", "NOT EVALUABLE")]
    assert _tr(r, "R1-N03", W24) == [("TUMSTATE", "", "", "NOT DONE", "NOT EVALUABLE")]
    assert _tr(r, "R1-N01", BL) == []  # a new lesion has no rows before it appeared
    tu = {row["TULNKID"]: row for row in _rows(r, "tu")}
    assert [k for k in tu if k.startswith("R1-T01.")] == ["R1-T01.1", "R1-T01.2"]
    fragment = tu["R1-T01.1"]
    assert (fragment["TUTESTCD"], fragment["TUGRPID"], fragment["VISITNUM"]) == ("TUSPLIT", "R1-T01", "2")
    assert (tu["R1-T02"]["TULOC"], tu["R1-T04"]["TULOC"], tu["R1-T04"]["TULAT"], tu["R1-T04"]["TUDIR"]) == \
        ("SUBCARINAL LYMPH NODE", "LUNG", "RIGHT", "LOWER")
    assert (tu["R1-N02"]["TULOC"], tu["R1-N02"]["TUSTRESC"], tu["R1-N03"]["TUSTRESC"]) == ("", "NEW TARGET",
                                                                                          "NEW NON-TARGET")
    assert list(tu)[:6] == ["R1-T01", "R1-T01.1", "R1-T01.2", "R1-T02", "R1-T03", "R1-T04"]
    tr = _rows(r, "tr")
    assert {row["TRMETHOD"] for row in tr if row["VISITNUM"] == "1" and row["TRLNKID"]} == {"CT SCAN"}
    assert {row["TRMETHOD"] for row in tr if row["VISITNUM"] != "1"} == {""}
    assert tu["R1-T01"]["TUMETHOD"] == "CT SCAN"
    nlt = [row for row in tr if row["TRGRPID"] == "NEW TARGET" and row["TRTESTCD"] == "SUMDIAM"]
    assert [(row["VISITNUM"], row["TRORRES"]) for row in nlt] == [("3", "16")]
    for name, columns in (("tu", tuple(tu["R1-T01"])), ("tr", tuple(tr[0]))):
        cdisc_terms.check_table(name.upper(), columns, [tuple(row.values()) for row in _rows(r, name)])


def test_assess_reads_the_statuses_back_to_the_same_rs(statuses_export: ExportResult, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    folder = statuses_export.out_dir / "sdtm"
    profile = tmp_path / "p.toml"
    profile.write_text(PROFILE_TEXT, encoding="utf-8")
    status = main(["assess", "--tu", str(folder / "tu.csv"), "--tr", str(folder / "tr.csv"), "--supptu",
                   str(folder / "supptu.csv"), "--profile", str(profile), "--subjects", str(folder / "subjects.csv"),
                   "--out", str(tmp_path / "again")])
    assert (status, capsys.readouterr().err) == (0, "")
    mine = [{name: row[name] for name in RS_COLUMNS} for row in _rows(statuses_export, "rs")]
    assert read_csv(tmp_path / "again" / "rs.csv") == mine
    overall = [(row["RSCAT"], row["VISITNUM"], row["RSSTRESC"]) for row in mine if row["RSTESTCD"] == "OVRLRESP"]
    assert overall == [("RECIST 1.1", "2", "NE"), ("iRECIST", "2", "NE"), ("RECIST 1.1", "3", "PD"),
                       ("iRECIST", "3", "iUPD"), ("iRECIST", "4", "iCPD")]


def test_notes_name_what_sdtm_cannot_carry(statuses_export: ExportResult) -> None:
    notes = "\n".join(statuses_export.notes)
    assert "R1-N02: location 'MUSCLE' names no C74456 term" in notes
    assert "R1-T05: a nodal lesion with TULOC 'LUNG'" in notes
    assert "R1-N01 VISITNUM 3: lines not exported; the reader's status PRESENT decides" in notes
    assert "CR confirmed by the reader (RULES A5) at VISITNUM 2" in notes
    assert "baseline slices of 7.0 mm raise the measurable minimum" in notes
    manifest = (statuses_export.out_dir / "manifest.json").read_text(encoding="utf-8")
    assert "R1-N02: location 'MUSCLE'" in manifest


def test_study_days_are_empty_without_a_reference_date(tmp_path: Path) -> None:
    trial = make_trial(str(tmp_path / "nodates.sqlite"))
    try:
        trial.store.add_subject("S-002", "FR01")
        tp = trial.store.add_timepoint("S-002", "Baseline", date(2024, 1, 5))
        read = trial.store.reader_session(trial.readers[ReaderRole.SITE_RADIOLOGIST].uid, "S-002")
        read.record_measurement(read.add_lesion("T01", "TARGET", organ="LUNG").uid, tp.uid, line(20.0))
        result = export_trial(trial.store, tmp_path / "out", subjects=["S-002"])
    finally:
        trial.store.close()
    tr = read_csv(tmp_path / "out" / "sdtm" / "tr.csv")
    assert {row["TRDY"] for row in tr} == {""} and tr[0]["TRDTC"] == "2024-01-05"
    outcome = read_csv(tmp_path / "out" / "timeline" / "outcomes.csv")[0]
    assert (outcome["REFERENCE"], outcome["REFERENCE_DATE"]) == ("BASELINE SCAN", "2024-01-05")
    assert result.reads == 1
