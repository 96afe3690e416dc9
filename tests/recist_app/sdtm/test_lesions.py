"""Every lesion status of the read model → TU / TR / SUPPTU (CDISC.md §2, §3.3, §5), checked by
``assess`` reading the files back to the same RS, and the notes on what SDTM cannot carry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from recist_app.exports.runner import ExportResult, export_trial
from recist_app.model.records import Axis, LesionRole, ReaderRole, Status
from recist_app.sdtm import terms as cdisc_terms
from recist_app.sdtm.lesions import tu_location
from tests.recist_app.exports.double_read import assess_again, exported_rs, read_csv
from tests.recist_app.store.scenario import (
    FOR_UID,
    PASSWORDS,
    SERIES_UID,
    VISITNUMS,
    Trial,
    line,
    make_trial,
)

BL, W8, W16, W24 = range(4)


@pytest.fixture(scope="module")
def statuses_trial(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trial]:
    """Central reader 1's read using every status, split fragments, both axes and all lesion roles
    (built once for the module; the tests only export and read)."""
    trial = make_trial(str(tmp_path_factory.mktemp("statuses") / "statuses.sqlite"))
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


@pytest.fixture(scope="module")
def statuses_export(statuses_trial: Trial, tmp_path_factory: pytest.TempPathFactory) -> ExportResult:
    return export_trial(statuses_trial.store, tmp_path_factory.mktemp("statuses_export"), formats=["sdtm"])


def _rows(result: ExportResult, name: str) -> list[dict[str, str]]:
    return read_csv(result.out_dir / "sdtm" / f"{name}.csv")


def _tr(result: ExportResult, link: str, visit: int) -> list[tuple[str, ...]]:
    return [(r["TRTESTCD"], r["TRORRES"], r["TRSTRESN"], r["TRSTAT"], r["TRREASND"]) for r in _rows(result, "tr")
            if r["TRLNKID"] == link and r["VISITNUM"] == VISITNUMS[visit]]


@pytest.mark.parametrize(
    ("link", "visit", "rows"),
    [
        pytest.param("R1-T01.1", W8, [("LDIAM", "12", "12", "", "")], id="split-fragment-1"),
        pytest.param("R1-T01.2", W16, [("LDIAM", "10.5", "10.5", "", "")], id="split-fragment-2"),
        pytest.param("R1-T01", W8, [], id="split-lesion-carried-by-its-fragments"),
        pytest.param("R1-T02", BL, [("LPERP", "20", "20", "", ""), ("LDIAM", "31", "31", "", "")],
                     id="node-both-axes"),
        pytest.param("R1-T02", W8, [("LPERP", "", "", "NOT DONE", "NOT EVALUABLE"), ("LDIAM", "24", "24", "", "")],
                     id="node-long-axis-only"),
        pytest.param("R1-T02", W16, [("LPERP", "TOO SMALL TO MEASURE", "5", "", "")], id="too-small"),
        pytest.param("R1-T02", W24, [("LPERP", "0", "0", "", "")], id="disappeared"),
        pytest.param("R1-T03", W8, [("LDIAM", "", "", "NOT DONE", "TUMOR MERGED")], id="merged"),
        pytest.param("R1-T04", W16, [("LDIAM", "", "", "NOT DONE", "NOT EVALUABLE")], id="nothing-recorded"),
        pytest.param("R1-NT01", W8, [("TUMSTATE", "", "", "NOT DONE", "NOT EVALUABLE")], id="non-target-missing"),
        pytest.param("R1-NT01", W24, [("TUMSTATE", "UNEQUIVOCAL", "", "", "")], id="unequivocal-progression"),
        pytest.param("R1-N01", W8, [("TUMSTATE", "EQUIVOCAL", "", "", "")], id="new-equivocal"),
        pytest.param("R1-N01", W16, [("TUMSTATE", "PRESENT", "", "", "")], id="new-status-decides-over-line"),
        pytest.param("R1-N01", W24, [("TUMSTATE", "FURTHER ENLARGEMENT", "", "", "")], id="new-further-enlargement"),
        pytest.param("R1-N02", W24, [("LDIAM", "", "", "NOT DONE", "NOT EVALUABLE")], id="new-target-not-assessed"),
        pytest.param("R1-N03", W24, [("TUMSTATE", "", "", "NOT DONE", "NOT EVALUABLE")],
                     id="new-non-target-nothing-recorded"),
        pytest.param("R1-N01", BL, [], id="new-lesion-no-rows-before-it-appeared"),
    ],
)
def test_each_status_maps_to_its_tr_rows(statuses_export: ExportResult, link: str, visit: int,
                                         rows: list[tuple[str, ...]]) -> None:
    """TR rows (TRTESTCD, TRORRES, TRSTRESN, TRSTAT, TRREASND) of one lesion at one visit (CDISC.md §3.3)."""
    assert _tr(statuses_export, link, visit) == rows


def _tu(result: ExportResult) -> dict[str, dict[str, str]]:
    return {row["TULNKID"]: row for row in _rows(result, "tu")}


def test_split_fragments_are_tu_rows_grouped_under_their_lesion(statuses_export: ExportResult) -> None:
    tu = _tu(statuses_export)
    assert [k for k in tu if k.startswith("R1-T01.")] == ["R1-T01.1", "R1-T01.2"]
    fragment = tu["R1-T01.1"]
    assert (fragment["TUTESTCD"], fragment["TUGRPID"], fragment["VISITNUM"]) == ("TUSPLIT", "R1-T01", VISITNUMS[1])
    assert list(tu)[:6] == ["R1-T01", "R1-T01.1", "R1-T01.2", "R1-T02", "R1-T03", "R1-T04"]


def test_locations_map_to_location_laterality_and_direction(statuses_export: ExportResult) -> None:
    """Issue 18: every lymph node's TULOC is LYMPH NODE (what admiralonco tests), the station and any finer location
    kept in the sponsor-defined SUPPTU TULOCTXT; ``assess`` reads the nodes back as nodes."""
    tu = _tu(statuses_export)
    assert (tu["R1-T02"]["TULOC"], tu["R1-T04"]["TULOC"], tu["R1-T04"]["TULAT"], tu["R1-T04"]["TUDIR"]) == \
        ("LYMPH NODE", "LUNG", "RIGHT", "LOWER")
    assert tu["R1-T05"]["TULOC"] == "LYMPH NODE"  # flagged nodal, located "LUNG" by the reader
    recorded = {row["IDVARVAL"]: row["QVAL"] for row in _rows(statuses_export, "supptu") if row["QNAM"] == "TULOCTXT"}
    assert recorded == {"R1-T02": "LYMPH NODE, SUBCARINAL", "R1-T04": "LUNG, RIGHT LOWER LOBE", "R1-T05": "LUNG",
                        "R1-N02": "MUSCLE"}


@pytest.mark.parametrize(("organ", "nodal", "terms", "recorded"), [
    ("LYMPH NODE, SUBCARINAL", True, ("LYMPH NODE", "", ""), "LYMPH NODE, SUBCARINAL"),
    ("LYMPH NODE, RIGHT PARATRACHEAL", True, ("LYMPH NODE", "RIGHT", ""), "LYMPH NODE, RIGHT PARATRACHEAL"),
    ("lymph  node", True, ("LYMPH NODE", "", ""), ""),
    ("LIVER, SEGMENT VI", False, ("LIVER", "", ""), "LIVER, SEGMENT VI"),
    ("LUNG, LEFT UPPER LOBE", False, ("LUNG, LEFT UPPER LOBE", "", ""), ""),
    ("", False, ("", "", ""), ""),
])
def test_tu_location_keeps_what_the_terms_cannot_say(organ: str, nodal: bool, terms: tuple[str, str, str],
                                                     recorded: str) -> None:
    assert tu_location(organ, nodal) == (terms, recorded)


def test_new_lesions_carry_their_role_and_no_unknown_location(statuses_export: ExportResult) -> None:
    tu = _tu(statuses_export)
    assert (tu["R1-N02"]["TULOC"], tu["R1-N02"]["TUSTRESC"], tu["R1-N03"]["TUSTRESC"]) == ("", "NEW TARGET",
                                                                                          "NEW NON-TARGET")


def test_an_equivocal_new_lesion_is_a_new_lesion_but_not_yet_progression(statuses_export: ExportResult) -> None:
    """NEWLIND says a new lesion is seen, NEWLPROG whether it is progression (RULES §1.7; rs_onco_irecist)."""
    rs = {(row["RSCAT"], row["VISITNUM"], row["RSTESTCD"]): row["RSSTRESC"] for row in _rows(statuses_export, "rs")}
    w8, w16 = VISITNUMS[W8], VISITNUMS[W16]
    assert [rs[("RECIST 1.1", w8, code)] for code in ("NEWLIND", "NEWLPROG", "OVRLRESP")] == ["Y", "EQUIVOCAL", "NE"]
    assert [rs[("RECIST 1.1", w16, code)] for code in ("NEWLIND", "NEWLPROG", "OVRLRESP")] == ["Y", "UNEQUIVOCAL",
                                                                                               "PD"]
    assert _tu(statuses_export)["R1-N01"]["TUSTRESC"] == "NEW NON-TARGET"  # never measured as iRECIST counts


def test_the_method_is_given_at_baseline_only(statuses_export: ExportResult) -> None:
    tr = _rows(statuses_export, "tr")
    assert {row["TRMETHOD"] for row in tr if row["VISITNUM"] == VISITNUMS[0] and row["TRLNKID"]} == {"CT SCAN"}
    assert {row["TRMETHOD"] for row in tr if row["VISITNUM"] != VISITNUMS[0]} == {""}
    assert _tu(statuses_export)["R1-T01"]["TUMETHOD"] == "CT SCAN"


def test_the_new_target_sum_is_reported_where_new_targets_are_measured(statuses_export: ExportResult) -> None:
    tr = _rows(statuses_export, "tr")
    nlt = [row for row in tr if row["TRGRPID"] == "NEW TARGET" and row["TRTESTCD"] == "SUMDIAM"]
    assert [(row["VISITNUM"], row["TRORRES"]) for row in nlt] == [(VISITNUMS[2], "16")]


@pytest.mark.parametrize("name", ["tu", "tr"])
def test_tu_and_tr_use_only_controlled_terms(statuses_export: ExportResult, name: str) -> None:
    rows = _rows(statuses_export, name)
    cdisc_terms.check_table(name.upper(), tuple(rows[0]), [tuple(row.values()) for row in rows])


def test_assess_reads_the_statuses_back_to_the_same_rs(statuses_export: ExportResult, tmp_path: Path) -> None:
    folder = statuses_export.out_dir / "sdtm"
    mine = exported_rs(folder)
    assert assess_again(folder, tmp_path) == mine
    overall = [(row["RSCAT"], row["VISITNUM"], row["RSSTRESC"]) for row in mine if row["RSTESTCD"] == "OVRLRESP"]
    w8, w16, w24 = VISITNUMS[1:]
    assert overall == [("RECIST 1.1", w8, "NE"), ("iRECIST", w8, "NE"), ("RECIST 1.1", w16, "PD"),
                       ("iRECIST", w16, "iUPD"), ("iRECIST", w24, "iCPD")]


def test_notes_name_what_sdtm_cannot_carry(statuses_export: ExportResult) -> None:
    notes = "\n".join(statuses_export.notes)
    assert "R1-N02: location 'MUSCLE' names no C74456 term" in notes and "SUPPTU TULOCTXT" in notes
    assert "a nodal lesion with TULOC" not in notes  # a node's TULOC is LYMPH NODE whatever its location text
    assert f"R1-N01 VISITNUM {VISITNUMS[2]}: lines not exported; the reader's status PRESENT decides" in notes
    assert f"CR confirmed by the reader (RULES A5) at VISITNUM {VISITNUMS[1]}" in notes
    assert "baseline slices of 7.0 mm raise the measurable minimum" in notes
    manifest = (statuses_export.out_dir / "manifest.json").read_text(encoding="utf-8")
    assert "R1-N02: location 'MUSCLE'" in manifest


def test_study_days_are_empty_without_a_reference_date(tmp_path: Path) -> None:
    trial = make_trial(str(tmp_path / "nodates.sqlite"))
    try:
        trial.store.add_subject("S-002", "FR01")
        tp = trial.store.add_timepoint("S-002", "Baseline", date(2024, 1, 5))
        site = ReaderRole.SITE_RADIOLOGIST
        read = trial.store.reader_session(trial.readers[site].uid, "S-002", password=PASSWORDS[site])
        read.record_measurement(read.add_lesion("T01", "TARGET", organ="LUNG").uid, tp.uid, line(20.0))
        result = export_trial(trial.store, tmp_path / "out", subjects=["S-002"])
    finally:
        trial.store.close()
    tr = read_csv(tmp_path / "out" / "sdtm" / "tr.csv")
    assert {row["TRDY"] for row in tr} == {""} and tr[0]["TRDTC"] == "2024-01-05"
    outcome = read_csv(tmp_path / "out" / "timeline" / "outcomes.csv")[0]
    assert (outcome["REFERENCE"], outcome["REFERENCE_DATE"]) == ("BASELINE SCAN", "2024-01-05")
    assert result.reads == 1
