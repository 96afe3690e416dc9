"""The response timeline for the statisticians: long CSVs and the XLSX workbook (issue 7)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from recist_app.exports.runner import ExportResult
from recist_app.exports.timeline import TIMELINE_COLUMNS
from recist_app.exports.timeline_workbook import (
    EXPORT_TIMELINE_DICTIONARY,
    OUTCOMES_DICTIONARY,
)
from tests.recist_app.exports.double_read import DoubleRead, export_once, read_csv


def _timeline(result: ExportResult, name: str) -> list[dict[str, str]]:
    return read_csv(result.out_dir / "timeline" / f"{name}.csv")



@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExportResult]:
    """The double-read trial exported once for the module (SQLite; the files do not depend on the back end)."""
    yield from export_once(tmp_path_factory.mktemp("export"))

def test_timeline_has_a_row_per_read_and_time_point_with_the_contract_columns(exported: ExportResult) -> None:
    rows = _timeline(exported, "timeline")
    assert tuple(rows[0])[: len(TIMELINE_COLUMNS)] == TIMELINE_COLUMNS  # appended to, never renamed
    assert tuple(rows[0])[len(TIMELINE_COLUMNS):] == ("SIGNED", "ACCEPTED")
    assert len(rows) == 3 * 4
    r1 = [row for row in rows if row["RSEVALID"] == "RADIOLOGIST 1"]
    assert [(r["VISITNUM"], r["DATE"], r["SUM_MM"], r["OVERALL_RESPONSE"], r["IRECIST_RESPONSE"]) for r in r1] == [
        ("1", "2024-01-05", "90", "", ""), ("3", "2024-03-01", "63", "PR", "iPR"),
        ("5", "2024-04-26", "58", "PR", "iPR"), ("7", "2024-06-21", "65", "PD", "iUPD")]  # the planned VISITNUMs
    assert [(r["SUM_IRRADIATED_MM"], r["SUM_NONIRRADIATED_MM"], r["PCT_CHANGE_IRRADIATED"]) for r in r1][1] == \
        ("20", "43", "-33.33")
    assert {(r["SIGNED"], r["ACCEPTED"]) for r in r1} == {("Y", "Y")}
    assert {(r["SIGNED"], r["ACCEPTED"]) for r in rows if r["RSEVAL"] == "INVESTIGATOR"} == {("N", "")}
    assert all(r["RATIONALE"] for r in rows)
    assert "Target PR" in r1[1]["RATIONALE"] and r1[1]["STUDY_DAY"] == "60"


def test_outcomes_per_read(exported: ExportResult) -> None:
    rows = {row["RSEVALID"]: row for row in _timeline(exported, "outcomes")}
    assert set(rows) == {"", "RADIOLOGIST 1", "RADIOLOGIST 2"}
    one, two = rows["RADIOLOGIST 1"], rows["RADIOLOGIST 2"]
    assert (one["BOR"], one["CBOR"], one["PFS_DATE"], one["PFS_DAYS"], one["PFS_CNSR"], one["ACCEPTED"]) == \
        ("PR", "PR", "2024-06-21", "172", "0", "Y")
    assert (one["IBOR"], one["IPFS_EVENT"], one["IPFS_DAYS"]) == ("iPR", "Unconfirmed Progression (iUPD)", "172")
    assert (one["GMI_RATIO"], one["GMI"], one["PFS_PREV_DAYS"]) == ("1.433", "> 1.33", "120")
    assert (two["BOR"], two["PFS_CNSR"], two["PFS_EVENT"], two["GMI"]) == \
        ("SD", "1", "Last Evaluable Tumor Assessment", "> 1.33")  # censored: a lower bound already above (A10)
    assert "lower bound" in two["GMI_RATIONALE"]
    assert (one["REFERENCE"], one["REFERENCE_DATE"]) == ("RANDOMISATION", "2024-01-02")
    assert all(one[f"{name}_RATIONALE"] for name in ("BOR", "CBOR", "PFS", "IBOR", "IPFS", "GMI"))


def test_dictionary_describes_every_column_with_units_in_names(exported: ExportResult) -> None:
    dictionary = _timeline(exported, "dictionary")
    for table in ("timeline", "outcomes"):
        described = [row["COLUMN"] for row in dictionary if row["TABLE"] == table]
        assert described == list(_timeline(exported, table)[0]), table
    for row in dictionary:
        if row["UNIT"] in ("mm", "days"):
            assert row["COLUMN"].endswith(("_MM", "_DAYS")) or row["COLUMN"] == "STUDY_DAY", row["COLUMN"]
        assert row["DESCRIPTION"] and row["TYPE"]


def test_workbook_sheets_frozen_headers_types_and_versions(exported: ExportResult) -> None:
    book = load_workbook(exported.out_dir / "timeline" / "timeline.xlsx")
    assert book.sheetnames == ["timeline", "outcomes", "dictionary", "about"]
    for name in book.sheetnames:
        assert book[name].freeze_panes == "A2" and book[name]["A1"].font.b
    timeline = list(book["timeline"].values)
    header = list(timeline[0])
    assert header == [name for name, *_ in EXPORT_TIMELINE_DICTIONARY] and len(timeline) == 13
    second = dict(zip(header, timeline[2], strict=True))
    assert second["SUM_MM"] == 63 and second["PCT_CHANGE_BASELINE"] == -30 and second["STUDY_DAY"] == 60
    assert isinstance(second["VISIT"], str) and second["OVERALL_RESPONSE"] in ("PR", "SD")
    outcomes = list(book["outcomes"].values)
    assert list(outcomes[0]) == [name for name, *_ in OUTCOMES_DICTIONARY] and len(outcomes) == 4
    assert Decimal(str(dict(zip(outcomes[0], outcomes[1], strict=True))["GMI_RATIO"])) == Decimal("1.433")
    about = dict(list(book["about"].values)[1:])
    assert (about["engine version"], about["rules version"], about["exported at (UTC)"]) == \
        (exported.engine_version, exported.rules_version, exported.exported_at)
    props = {p.name: p.value for p in book.custom_doc_props.props}
    assert (props["engine_version"], props["rules_version"], props["exported_at_utc"]) == \
        (exported.engine_version, exported.rules_version, exported.exported_at)
    assert exported.engine_version in (book.properties.description or "")


def test_manifest_lists_every_file_with_versions_and_hash(exported: ExportResult) -> None:
    import hashlib

    manifest = json.loads((exported.out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["engine_version"], manifest["rules_version"], manifest["exported_at"]) == \
        (exported.engine_version, exported.rules_version, exported.exported_at)
    assert manifest["trial"]["code"] == "STEREOSARC" and manifest["subjects"] == ["S-001"]
    assert [(r["EVALID"], r["accepted"], r["signed_timepoints"]) for r in manifest["reads"]] == [
        ("RADIOLOGIST 1", True, 4), ("RADIOLOGIST 2", False, 4), ("", False, 0)]
    listed = {entry["path"]: entry for entry in manifest["files"]}
    on_disk = {p.relative_to(exported.out_dir).as_posix() for p in exported.out_dir.rglob("*") if p.is_file()}
    assert set(listed) == on_disk - {"manifest.json"}
    for path, entry in listed.items():
        data = (exported.out_dir / path).read_bytes()
        assert (entry["sha256"], entry["size_bytes"]) == (hashlib.sha256(data).hexdigest(), len(data))


def test_no_reader_or_patient_names_in_any_file(double_read: DoubleRead, exported: ExportResult) -> None:
    names = [reader.name for reader in double_read.trial.readers.values()]
    for path in exported.out_dir.rglob("*"):
        if path.is_file():
            text = _text_of(path)
            for name in names:
                assert name not in text, (path.name, name)


def _text_of(path: Path) -> str:
    if path.suffix == ".xlsx":
        book = load_workbook(path)
        return "\n".join(str(v) for sheet in book for row in sheet.values for v in row)
    return path.read_bytes().decode("utf-8", errors="replace")
