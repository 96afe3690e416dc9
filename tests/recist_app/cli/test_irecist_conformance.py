"""``main.py bor`` IBOR / IPFS on the pharmaversesdtm iRECIST sequences against an independent oracle.

Input: ``conformance/pharmaversesdtm/irecist_timepoints_annotated.csv``; only subjects whose rows
all agree with iRECIST Table 2 (``table2_check == consistent``) are used (conformance README: the
set is for sequence logic). The oracle below is a literal transcription of the admiralonco
iRECIST vignette event definitions (RULES §2.7 "Peer semantics"), plus A13 for an unconfirmed
iUPD and A11 for censoring; it shares no code with the engine.
"""

from __future__ import annotations

import calendar
import csv
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

from recist_app.cli import main

BLOCK = ("iUPD", "NE")


def to_date(text: str) -> date:
    """ISO date; a partial ``YYYY-MM`` is imputed to the month's last day (A17)."""
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 2:
        parts.append(calendar.monthrange(parts[0], parts[1])[1])
    return date(*parts)


def oracle(records: list[tuple[date, str]], randdt: date) -> dict[str, tuple[str, str]]:
    """IBOR (AVALC, ADT) and IPFS (ADT, CNSR) by the admiralonco event definitions."""
    recs = sorted((d, r) for d, r in records if d >= randdt)  # ANL01FL: ADT >= RANDDT
    icpd_at = next((i for i, (_, r) in enumerate(recs) if r == "iCPD"), None)
    if icpd_at is not None:
        recs = recs[: icpd_at + 1]  # ANL02FL: up to and including the first iCPD
    responses = [r for _, r in recs]

    def first_iupd(followed_ok) -> date | None:
        """Earliest iUPD whose following records satisfy ``followed_ok``."""
        return next((d for i, (d, r) in enumerate(recs) if r == "iUPD" and followed_ok(responses[i + 1:])), None)

    icpd = first_iupd(lambda after: "iCPD" in after and all(x in BLOCK for x in after[: after.index("iCPD")]))
    unconfirmed = first_iupd(lambda after: all(x in BLOCK for x in after))  # A13
    window = randdt + timedelta(days=42)
    events = [  # admiralonco IBOR events, in their order
        ("iCR", [d for d, r in recs if r == "iCR"]),
        ("iPR", [d for d, r in recs if r == "iPR"]),
        ("iSD", [d for d, r in recs if r in ("iCR", "iPR", "iSD") and d >= window]),
        ("NON-iCR/NON-iUPD", [d for d, r in recs if r == "NON-iCR/NON-iUPD" and d >= window]),
        ("iCPD", [icpd] if icpd else []),
        ("iUPD", [d for d, r in recs if r == "iUPD"]),
        ("NE", [d for d, r in recs if r in ("iCR", "iPR", "iSD", "NON-iCR/NON-iUPD", "NE")]),
    ]
    category, dates = next(((c, ds) for c, ds in events if ds), ("MISSING", []))
    ibor = (category, min(dates).isoformat() if dates else "")
    event = icpd or unconfirmed
    if event is not None:
        ipfs = (event.isoformat(), "0")
    else:
        evaluable = [d for d, r in recs if r != "NE"]  # A11: last evaluable, else randomisation
        ipfs = ((evaluable[-1] if evaluable else randdt).isoformat(), "1")
    return {"IBOR": ibor, "IPFS": ipfs}


def test_ibor_and_ipfs_agree_with_the_admiralonco_oracle(shared_dir: Path, tmp_path: Path):
    source = shared_dir / "conformance" / "pharmaversesdtm" / "irecist_timepoints_annotated.csv"
    with open(source, newline="") as handle:
        by_subject: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in csv.DictReader(handle):
            by_subject[row["usubjid"]].append(row)
    consistent = {s: rows for s, rows in by_subject.items()
                  if all(r["table2_check"] == "consistent" for r in rows)}  # fmt: skip

    rs_path, subjects_path, out = tmp_path / "rs.csv", tmp_path / "subjects.csv", tmp_path / "bor.csv"
    with open(rs_path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["STUDYID", "DOMAIN", "USUBJID", "RSSEQ", "RSTESTCD", "RSCAT", "RSORRES", "RSSTRESC",
                         "RSEVAL", "RSEVALID", "VISITNUM", "VISIT", "RSDTC"])  # fmt: skip
        for subject, rows in consistent.items():
            for seq, r in enumerate(rows, 1):
                writer.writerow(["CDISCPILOT01", "RS", subject, seq, "OVRLRESP", "iRECIST", r["OVRLRESP"],
                                 r["OVRLRESP"], "INVESTIGATOR", "", r["visitnum"], r["visit"], r["date"]])  # fmt: skip
    with open(subjects_path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["USUBJID", "RANDDT", "TRTSDT"])
        writer.writerows([s, rows[0]["randdt"], rows[0]["randdt"]] for s, rows in consistent.items())

    assert main(["bor", "--rs", str(rs_path), "--subjects", str(subjects_path), "--out", str(out)]) == 0
    with open(out, newline="") as handle:
        got = {(r["USUBJID"], r["PARAMCD"]): r for r in csv.DictReader(handle)}

    compared = 0
    for subject, rows in consistent.items():
        records = [(to_date(r["date"]), r["OVRLRESP"]) for r in rows]
        assert len({d for d, _ in records}) == len(records)  # one record per date: no worst-of needed
        randdt = to_date(rows[0]["randdt"])
        expected = oracle(records, randdt)
        ibor, ipfs = got[(subject, "IBOR")], got[(subject, "IPFS")]
        assert (ibor["AVALC"], ibor["ADT"]) == expected["IBOR"], subject
        assert (ipfs["ADT"], ipfs["CNSR"]) == expected["IPFS"], subject
        assert int(ipfs["AVAL"]) == (date.fromisoformat(ipfs["ADT"]) - randdt).days + 1, subject
        assert ibor["RSEVAL"] == "INVESTIGATOR"
        compared += 1
    assert compared > 10
    # The set exercises every branch: confirmed and unconfirmed progression, resets, censoring.
    categories = {got[(s, "IBOR")]["AVALC"] for s in consistent}
    assert {"iCR", "iPR", "iSD", "iCPD", "iUPD"} <= categories
    assert {got[(s, "IPFS")]["CNSR"] for s in consistent} == {"0", "1"}
