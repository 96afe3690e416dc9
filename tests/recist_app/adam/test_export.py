"""The export's ADaM (issue 18): the double-read trial's ADSL, ADRS, ADTTE and ADTR, their agreement with ``bor`` and
with the SDTM they derive from, and their XPT and Dataset-JSON copies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from recist_app.cli import main
from recist_app.exports.runner import ExportResult
from recist_app.sdtm.table_readers import read_xpt
from tests.recist_app.exports.double_read import export_once, read_csv

DATASETS = ("adsl", "adrs", "adtte", "adtr")


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExportResult]:
    """The double-read trial exported once for the module (SQLite; the files do not depend on the back end)."""
    yield from export_once(tmp_path_factory.mktemp("export"))


def _adam(exported: ExportResult, name: str) -> list[dict[str, str]]:
    return read_csv(exported.out_dir / "adam" / f"{name}.csv")


def test_every_adam_dataset_is_written_as_csv_xpt_and_dataset_json_with_the_same_rows(exported: ExportResult
                                                                                       ) -> None:
    from dsjframe import validate_dataset

    for name in DATASETS:
        rows = _adam(exported, name)
        assert rows, name
        header, records = read_xpt(exported.out_dir / "adam" / f"{name}.xpt")
        assert list(header) == list(rows[0]), name
        assert [dict(zip(header, r, strict=True)) for r in records] == [
            {k: _number_text(v) for k, v in row.items()} for row in rows], name  # dates come back from SAS dates
        path = exported.out_dir / "adam" / f"{name}.json"
        report = validate_dataset(path)
        assert report["ok"], (name, report)
        document = json.loads(path.read_text(encoding="utf-8"))
        assert document["metaDataVersionOID"] == "MDV.ADaM" and document["records"] == len(rows)
        assert [["" if v is None else str(v) for v in r] for r in document["rows"]] == [list(r.values()) for r in rows]
        dates = {c["name"] for c in document["columns"] if c["dataType"] == "date"}
        assert dates and all(c.get("targetDataType") == "integer" for c in document["columns"] if c["name"] in dates)
        for suffix in ("csv", "xpt", "json"):
            assert any(f.path == f"adam/{name}.{suffix}" for f in exported.files)


def _number_text(value: str) -> str:
    """A CSV value as the XPT reader gives it back (a number without a needless decimal part)."""
    try:
        number = Decimal(value)
    except ArithmeticError:
        return value
    return str(int(number)) if number == number.to_integral_value() and "." in value else value


def test_adrs_and_adtte_agree_with_bor_on_the_exported_sdtm_and_adsl(exported: ExportResult, tmp_path: Path) -> None:
    """The acceptance: ADRS has OVR, BOR and CBOR, ADTTE has PFS, and both equal what ``bor`` derives; ``bor
    --subjects`` takes the exported ADSL (here its XPT)."""
    out = tmp_path / "bor.csv"
    assert main(["bor", "--rs", str(exported.out_dir / "sdtm" / "rs.csv"),
                 "--subjects", str(exported.out_dir / "adam" / "adsl.xpt"), "--out", str(out)]) == 0
    bor = {(r["USUBJID"], r["RSEVAL"], r["RSEVALID"], r["PARAMCD"]): r for r in read_csv(out)}
    adrs = _adam(exported, "adrs")
    adtte = {(r["USUBJID"], r["RSEVAL"], r["RSEVALID"], r["PARAMCD"]): r for r in _adam(exported, "adtte")}
    assert {"OVR", "BOR", "CBOR", "PD", "RSP", "CRSP", "LSTA", "MDIS", "IBOR"} <= {r["PARAMCD"] for r in adrs}
    reads = {(r["USUBJID"], r["RSEVAL"], r["RSEVALID"]) for r in adrs}
    assert len(reads) == 3 and sum(r["RSACPTFL"] == "Y" for r in adrs if r["PARAMCD"] == "BOR") == 1
    for read in reads:
        for paramcd in ("BOR", "CBOR", "IBOR"):
            ours = next(r for r in adrs if (r["USUBJID"], r["RSEVAL"], r["RSEVALID"], r["PARAMCD"]) == (*read, paramcd))
            assert (ours["AVALC"], ours["ADT"]) == (bor[(*read, paramcd)]["AVALC"], bor[(*read, paramcd)]["ADT"])
        for paramcd in ("PFS", "IPFS", "GMI"):
            ours, theirs = adtte[(*read, paramcd)], bor[(*read, paramcd)]
            assert (ours["ADT"], ours["AVAL"], ours["CNSR"]) == (theirs["ADT"], theirs["AVAL"], theirs["CNSR"]), paramcd
    events = [r for r in adtte.values() if r["PARAMCD"] == "PFS" and r["CNSR"] == "0"]
    assert events, "the double read has a PD"
    for event in events:  # traceability: the event's SRCSEQ is the read's ADRS PD record on that date
        source = next(r for r in adrs if r["USUBJID"] == event["USUBJID"] and r["ASEQ"] == event["SRCSEQ"])
        assert (source["PARAMCD"], source["ADT"], source["RSEVALID"]) == ("PD", event["ADT"], event["RSEVALID"])


def test_adrs_time_points_trace_to_their_rs_records(exported: ExportResult) -> None:
    rs = {(r["USUBJID"], r["RSSEQ"]): r for r in read_csv(exported.out_dir / "sdtm" / "rs.csv")}
    for row in _adam(exported, "adrs"):
        if row["PARAMCD"] in ("OVR", "IOVR", "TRGIRR", "TRGNIR"):
            source = rs[(row["USUBJID"], row["SRCSEQ"])]
            assert (source["RSSTRESC"], source["RSDTC"], source["VISIT"], source["RSEVALID"]) == (
                row["AVALC"], row["ADT"], row["AVISIT"], row["RSEVALID"])


def test_adtr_sums_and_changes_equal_the_sdtm_summary_rows(exported: ExportResult) -> None:
    """SDIAM is the sum the reader saw (TR SUMDIAM), PCHG its TR PCBSD, CHGNAD its ACNSD; a node counts its short
    axis (NLDIAMn from LPERP)."""
    tr = read_csv(exported.out_dir / "sdtm" / "tr.csv")
    summary = {(r["USUBJID"], r["TREVALID"], r["VISITNUM"], r["TRTESTCD"]): r["TRSTRESN"] for r in tr
               if r["TRGRPID"] == "TARGET" and not r["TRLNKID"]}
    adtr = _adam(exported, "adtr")
    sums = [r for r in adtr if r["PARAMCD"] == "SDIAM" and r["ANL01FL"] == "Y"]
    assert len(sums) >= 9
    for row in sums:
        key = (row["USUBJID"], row["TREVALID"], row["AVISITN"])
        assert Decimal(row["AVAL"]) == Decimal(summary[(*key, "SUMDIAM")]), key
        if row["ABLFL"] != "Y":
            assert Decimal(row["PCHG"]) == Decimal(summary[(*key, "PCBSD")]), key
            assert Decimal(row["CHGNAD"]) == Decimal(summary[(*key, "ACNSD")]), key
    nodes = [r for r in adtr if r["PARAMCD"].startswith("NLDIAM")]
    assert nodes
    lperp = {(r["USUBJID"], r["TRSEQ"]): r for r in tr if r["TRTESTCD"] == "LPERP"}
    assert all((r["USUBJID"], r["SRCSEQ"]) in lperp for r in nodes)
    assert {r["PARAMCD"] for r in adtr} >= {"SDIAMIRR", "SDIAMNIR"}  # the read has an irradiated target (T03)


@pytest.mark.parametrize("suffix", ["csv", "json"])
def test_bor_reads_the_adsl_as_its_subject_table(exported: ExportResult, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / "bor.csv"
    assert main(["bor", "--rs", str(exported.out_dir / "sdtm" / "rs.xpt"),
                 "--subjects", str(exported.out_dir / "adam" / f"adsl.{suffix}"), "--out", str(out)]) == 0
    reference = tmp_path / "reference.csv"
    assert main(["bor", "--rs", str(exported.out_dir / "sdtm" / "rs.csv"),
                 "--subjects", str(exported.out_dir / "sdtm" / "subjects.csv"), "--out", str(reference)]) == 0
    assert out.read_bytes() == reference.read_bytes()
