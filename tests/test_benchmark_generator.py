"""The synthetic trial generator of ``benchmarks/`` writes valid, deterministic SDTM CSV."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from benchmarks.generate_trial import generate

TU_REQUIRED = {"STUDYID", "DOMAIN", "USUBJID", "TUSEQ", "TULNKID", "TUTESTCD", "TUORRES",
               "TUSTRESC", "TULOC", "TUEVAL", "TUEVALID", "VISITNUM", "VISIT"}
TR_REQUIRED = {"STUDYID", "DOMAIN", "USUBJID", "TRSEQ", "TRGRPID", "TRLNKID", "TRTESTCD", "TRTEST",
               "TRORRES", "TRORRESU", "TRSTRESC", "TRSTRESN", "TRSTRESU", "VISITNUM", "VISIT",
               "TREVAL", "TREVALID", "TRDTC"}


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def test_tiny_trial_is_valid(tmp_path: Path) -> None:
    """Columns, unique lesion ids, LPERP for nodes and the target rules of the plan."""
    paths = generate(tmp_path, subjects=3, visits=3, lesions=6, seed=1)
    tu_columns, tu = _read(paths["TU"])
    tr_columns, tr = _read(paths["TR"])
    subject_columns, subjects = _read(paths["SUBJECTS"])
    assert TU_REQUIRED <= set(tu_columns)
    assert TR_REQUIRED <= set(tr_columns)
    assert subject_columns == ["USUBJID", "RANDDT", "TRTSDT"]
    assert len(subjects) == 3 and len(tu) == 3 * 6

    ids = [(row["USUBJID"], row["TULNKID"]) for row in tu]
    assert len(set(ids)) == len(ids)
    lesions = {(row["USUBJID"], row["TULNKID"]): row for row in tu}
    for subject in {row["USUBJID"] for row in tu}:
        targets = [r for r in tu if r["USUBJID"] == subject and r["TUSTRESC"] == "TARGET"]
        assert len(targets) == 4
        assert max(Counter(r["TULOC"] for r in targets).values()) <= 2
        assert any(r["TULOC"] == "LYMPH NODE" for r in targets)

    assert {row["TRTESTCD"] for row in tr} <= {"LDIAM", "LPERP", "TUMSTATE"}
    for row in tr:
        lesion = lesions[(row["USUBJID"], row["TRLNKID"])]
        if lesion["TUSTRESC"] == "NON-TARGET":
            assert row["TRTESTCD"] == "TUMSTATE" and row["TRSTRESC"] in {"PRESENT", "ABSENT"}
        elif lesion["TULOC"] == "LYMPH NODE":
            assert row["TRTESTCD"] == "LPERP"
            if row["VISITNUM"] == "1":
                assert float(row["TRSTRESN"]) >= 15.0
        else:
            assert row["TRTESTCD"] == "LDIAM"
    assert {row["VISITNUM"] for row in tr} == {"1", "2", "3"}

    _, supptu = _read(paths["SUPPTU"])
    irradiated = [(r["USUBJID"], r["IDVARVAL"]) for r in supptu if r["QNAM"] == "TUIRRSTD" and r["QVAL"] == "Y"]
    assert len(irradiated) == 3  # one SBRT target per subject
    assert all(lesions[key]["TUSTRESC"] == "TARGET" for key in irradiated)
    assert {(r["USUBJID"], r["IDVARVAL"]) for r in supptu} == set(lesions)


def test_same_seed_same_files(tmp_path: Path) -> None:
    """The same seed gives byte-identical files; another seed does not."""
    first = generate(tmp_path / "a", subjects=3, visits=3, seed=7)
    second = generate(tmp_path / "b", subjects=3, visits=3, seed=7)
    other = generate(tmp_path / "c", subjects=3, visits=3, seed=8)
    for name in ("TU", "TR", "SUBJECTS", "SUPPTU"):
        assert first[name].read_bytes() == second[name].read_bytes()
    assert first["TR"].read_bytes() != other["TR"].read_bytes()
