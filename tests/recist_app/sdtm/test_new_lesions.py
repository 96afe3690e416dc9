"""New lesions in SDTM (issue 18): one category per lesion and visit, the one iRECIST counted it in, so that the
NEW TARGET group adds up to its SUMDIAM; NEWLPROG, and NEWLWIND / NTLWIND where an iUPD is confirmed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from recist_app.exports.runner import ExportResult, export_trial
from recist_app.model.records import LesionRole, ReaderRole, Status
from recist_app.sdtm.define_xml import KEYS
from tests.recist_app.exports.double_read import assess_again, exported_rs, read_csv
from tests.recist_app.store.scenario import VISITNUMS, Trial, line, make_trial

BL, W8, W16, W24 = range(4)


@pytest.fixture(scope="module")
def new_lesions_trial(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trial]:
    """Central reader 1: N02 is a new-lesion target where it appears; N01 is too small at first (5 mm) and becomes
    one at week 16 (15 mm), when the new lesions' sum has grown 16 mm since the iUPD and confirms it."""
    trial = make_trial(str(tmp_path_factory.mktemp("new_lesions") / "new.sqlite"))
    tps = trial.timepoints
    read = trial.session(ReaderRole.CENTRAL_READER_1)

    def lesion(label: str, role: LesionRole, organ: str, first: int = BL) -> str:
        return read.add_lesion(label, role, organ=organ, first_timepoint_uid=tps[first].uid).uid

    t01, nt01 = lesion("T01", LesionRole.TARGET, "LIVER"), lesion("NT01", LesionRole.NON_TARGET, "BONE")
    n01, n02 = lesion("N01", LesionRole.NEW, "LUNG", W8), lesion("N02", LesionRole.NEW, "LUNG", W8)
    for (uid, visit), mm in {(t01, BL): 50.0, (t01, W8): 40.0, (t01, W16): 40.0, (n01, W8): 5.0, (n02, W8): 12.0,
                             (n01, W16): 15.0, (n02, W16): 13.0}.items():
        read.record_measurement(uid, tps[visit].uid, line(mm))
    for visit in (BL, W8, W16):
        read.set_status(nt01, tps[visit].uid, Status.PRESENT)
    try:
        yield trial
    finally:
        trial.store.close()


@pytest.fixture(scope="module")
def exported(new_lesions_trial: Trial, tmp_path_factory: pytest.TempPathFactory) -> ExportResult:
    return export_trial(new_lesions_trial.store, tmp_path_factory.mktemp("new_export"), formats=["sdtm"])


def _rows(result: ExportResult, name: str) -> list[dict[str, str]]:
    return read_csv(result.out_dir / "sdtm" / f"{name}.csv")


def test_tu_gives_the_category_where_the_lesion_appeared(exported: ExportResult) -> None:
    tu = {row["TULNKID"]: row["TUSTRESC"] for row in _rows(exported, "tu")}
    # N01 became a new-lesion target only later: NEW, which assess sorts as the engine did.
    assert (tu["R1-N01"], tu["R1-N02"]) == ("NEW", "NEW TARGET")


def test_tr_groups_new_lesions_by_visit_and_the_new_target_group_adds_up_to_its_sum(exported: ExportResult) -> None:
    tr = _rows(exported, "tr")
    groups = {(row["TRLNKID"], row["VISITNUM"]): row["TRGRPID"] for row in tr if row["TRLNKID"].startswith("R1-N0")}
    w8, w16, w24 = VISITNUMS[W8:]
    assert groups == {("R1-N01", w8): "NEW NON-TARGET", ("R1-N02", w8): "NEW TARGET",
                      ("R1-N01", w16): "NEW TARGET", ("R1-N02", w16): "NEW TARGET",
                      # after iCPD iRECIST counts nothing more: the lesions stay in the group they reached
                      ("R1-N01", w24): "NEW TARGET", ("R1-N02", w24): "NEW TARGET"}
    added: dict[str, Decimal] = defaultdict(Decimal)
    for row in tr:
        if row["TRGRPID"] == "NEW TARGET" and row["TRTESTCD"] == "LDIAM" and row["TRSTAT"] != "NOT DONE":
            added[row["VISITNUM"]] += Decimal(row["TRSTRESN"])
    sums = {row["VISITNUM"]: Decimal(row["TRSTRESN"]) for row in tr
            if row["TRGRPID"] == "NEW TARGET" and row["TRTESTCD"] == "SUMDIAM"}
    assert sums == dict(added) == {w8: Decimal(12), w16: Decimal(28)}


def test_rs_says_what_the_new_lesions_did(exported: ExportResult) -> None:
    rs = {(row["RSCAT"], row["VISITNUM"], row["RSTESTCD"]): row["RSSTRESC"] for row in _rows(exported, "rs")}
    w8, w16 = VISITNUMS[W8], VISITNUMS[W16]
    assert [rs[("RECIST 1.1", w8, code)] for code in ("NEWLIND", "NEWLPROG", "OVRLRESP")] == ["Y", "UNEQUIVOCAL", "PD"]
    assert ("RECIST 1.1", w16, "OVRLRESP") not in rs  # RECIST 1.1 stops at PD
    assert ("iRECIST", w8, "NEWLWIND") not in rs  # no iUPD before week 8
    assert [rs[("iRECIST", w16, code)] for code in ("NEWLWIND", "NTLWIND", "OVRLRESP")] == ["Y", "N", "iCPD"]


def test_assess_reads_the_new_lesions_back_to_the_same_rs(exported: ExportResult, tmp_path: Path) -> None:
    folder = exported.out_dir / "sdtm"
    assert assess_again(folder, tmp_path) == exported_rs(folder)


def test_the_two_sums_of_a_visit_are_told_apart_by_the_tr_keys(exported: ExportResult) -> None:
    tr = _rows(exported, "tr")
    sums = [row for row in tr if row["TRTESTCD"] == "SUMDIAM"]
    assert {row["TRGRPID"] for row in sums} == {"TARGET", "NEW TARGET"}
    identities = [tuple(row[key] for key in KEYS["TR"]) for row in tr]
    assert len(set(identities)) == len(identities)
