"""Export of the demo trial (issue 7 acceptance): the exported RS carries exactly the categories the
demo design states by hand, and ``assess`` on the exported TU / TR / SUPPTU gives the same RS again."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from recist_app.cli import main
from recist_app.demo.store import build_demo_trial
from recist_app.demo.trial import DEMO_DESIGN
from recist_app.exports import export_trial


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo_export")
    trial = build_demo_trial(str(root / "demo.sqlite"), root / "images", size=96, slices=16)
    export_trial(trial.db, root / "export", formats=("sdtm",))
    return root / "export" / "sdtm"


def _overall(rs_csv: Path, rscat: str) -> dict[tuple[str, str], str]:
    """(subject, scan date) → OVRLRESP of ``rscat``."""
    with open(rs_csv, newline="", encoding="utf-8") as handle:
        return {(row["USUBJID"], row["RSDTC"]): row["RSSTRESC"] for row in csv.DictReader(handle)
                if row["RSTESTCD"] == "OVRLRESP" and row["RSCAT"] == rscat}


def test_exported_rs_has_the_design_categories(exported: Path) -> None:
    recist, irecist = _overall(exported / "rs.csv", "RECIST 1.1"), _overall(exported / "rs.csv", "iRECIST")
    checked = 0
    for subject in DEMO_DESIGN.subjects:
        after_pd = False
        for visit in subject.visits[1:]:
            key = (subject.subject_id, visit.date.isoformat())
            assert visit.expected is not None
            assert irecist[key] == visit.expected.irecist.value, key
            if after_pd:  # RECIST 1.1 RS rows stop at the first PD (CDISC.md §4)
                assert key not in recist
            else:
                assert recist[key] == visit.expected.recist.value, key
                checked += 1
            after_pd = after_pd or visit.expected.recist.value == "PD"
    assert checked == len(recist) > 0  # no RECIST 1.1 row beyond the design


def test_assess_on_the_export_gives_the_same_rs(exported: Path, tmp_path: Path) -> None:
    status = main(["assess", "--tu", str(exported / "tu.csv"), "--tr", str(exported / "tr.csv"),
                   "--supptu", str(exported / "supptu.csv"), "--out", str(tmp_path)])
    assert status == 0
    for rscat in ("RECIST 1.1", "iRECIST"):
        assert _overall(tmp_path / "rs.csv", rscat) == _overall(exported / "rs.csv", rscat)
