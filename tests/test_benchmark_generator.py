"""The synthetic trial generator of ``benchmarks/`` writes valid, deterministic SDTM CSV."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

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


@dataclass(frozen=True)
class Tables:
    """The generated CSV files: header and rows of each (TU, TR, SUBJECTS, SUPPTU)."""

    columns: dict[str, list[str]]
    rows: dict[str, list[dict[str, str]]]

    def lesions(self) -> dict[tuple[str, str], dict[str, str]]:
        return {(row["USUBJID"], row["TULNKID"]): row for row in self.rows["TU"]}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Tables:
    """Three subjects, three visits, six lesions each (seed 1)."""
    paths = generate(tmp_path_factory.mktemp("tiny"), subjects=3, visits=3, lesions=6, seed=1)
    tables = {name: _read(paths[name]) for name in ("TU", "TR", "SUBJECTS", "SUPPTU")}
    return Tables({name: columns for name, (columns, _) in tables.items()},
                  {name: rows for name, (_, rows) in tables.items()})


def test_tiny_trial_has_the_required_columns(tiny: Tables) -> None:
    assert set(tiny.columns["TU"]) >= TU_REQUIRED
    assert set(tiny.columns["TR"]) >= TR_REQUIRED
    assert tiny.columns["SUBJECTS"] == ["USUBJID", "RANDDT", "TRTSDT"]


def test_tiny_trial_has_one_tu_row_per_lesion_with_unique_ids(tiny: Tables) -> None:
    tu = tiny.rows["TU"]
    assert len(tiny.rows["SUBJECTS"]) == 3 and len(tu) == 3 * 6
    ids = [(row["USUBJID"], row["TULNKID"]) for row in tu]
    assert len(set(ids)) == len(ids)


def test_each_subject_has_four_targets_two_per_organ_at_most_and_a_node(tiny: Tables) -> None:
    """The target rules of the plan (RECIST 1.1: at most two targets per organ)."""
    tu = tiny.rows["TU"]
    for subject in {row["USUBJID"] for row in tu}:
        targets = [r for r in tu if r["USUBJID"] == subject and r["TUSTRESC"] == "TARGET"]
        assert len(targets) == 4
        assert max(Counter(r["TULOC"] for r in targets).values()) <= 2
        assert any(r["TULOC"] == "LYMPH NODE" for r in targets)


def test_tr_tests_follow_the_lesion_kind(tiny: Tables) -> None:
    """TUMSTATE for non-targets, LPERP for nodes (≥ 15 mm at baseline), LDIAM otherwise."""
    tr, lesions = tiny.rows["TR"], tiny.lesions()
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


def test_tr_rows_cover_every_visit(tiny: Tables) -> None:
    assert {row["VISITNUM"] for row in tiny.rows["TR"]} == {"1", "2", "3"}


def test_supptu_flags_one_irradiated_target_per_subject(tiny: Tables) -> None:
    supptu, lesions = tiny.rows["SUPPTU"], tiny.lesions()
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
