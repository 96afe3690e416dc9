"""Synthetic SDTM trial (TU, TR and a subject list) as CSV, for benchmarking ``assess``.

    python benchmarks/generate_trial.py OUT_DIR [--subjects N] [--visits V] [--lesions L] [--seed S]

The layout follows the pharmaversesdtm ``tu_onco_recist.csv`` / ``tr_onco_recist.csv`` files:
quoted text, bare numbers, ``NA`` for missing values, one independent reader. Per subject: targets
(at most 5, at most 2 per organ, the first a lymph node with short axis >= 15 mm) and
non-targets, a screening scan and follow-ups 6 weeks apart. Tumour burden follows one of three
courses (shrink, stable, grow) with per-lesion noise; now and then a lesion is not assessed
(no TR row) or is TOO SMALL TO MEASURE (TRSTRESN 5). Stdlib only, deterministic per seed.
"""

from __future__ import annotations

import argparse
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

STUDYID = "SYNTH01"
EVALUATOR = ("INDEPENDENT ASSESSOR", "RADIOLOGIST 1")
VISIT_INTERVAL_DAYS = 42
NON_NODAL_ORGANS = ("LIVER", "LUNG", "ADRENAL GLAND", "KIDNEY", "PERITONEUM", "PANCREAS",
                    "SPLEEN", "SOFT TISSUE", "PLEURA")
NON_TARGET_SITES = ("BONE", "LYMPH NODE", "PLEURA", "LIVER", "LUNG", "PERITONEUM")
P_NOT_ASSESSED = 0.01
P_TOO_SMALL = 0.5  # chance that a lesion under 5 mm is read as TOO SMALL TO MEASURE

TU_COLUMNS = ("DOMAIN", "STUDYID", "USUBJID", "VISIT", "VISITNUM", "TULOC", "TUTESTCD", "TUTEST",
              "TUORRES", "TUSTRESC", "TUMETHOD", "TULNKID", "TUEVAL", "TUEVALID", "TUACPTFL",
              "TUSEQ")
TR_COLUMNS = ("DOMAIN", "STUDYID", "USUBJID", "TRGRPID", "TRLNKID", "TRTESTCD", "TRTEST",
              "TRORRES", "TRORRESU", "TRSTRESC", "TRSTRESN", "TRSTRESU", "VISITNUM", "VISIT",
              "TREVAL", "TREVALID", "TRACPTFL", "TRDTC", "TRSEQ")
SUBJECT_COLUMNS = ("USUBJID", "RANDDT", "TRTSDT")
SUPPTU_COLUMNS = ("STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL")
TESTS = {"LDIAM": "Longest Diameter", "LPERP": "Longest Perpendicular", "TUMSTATE": "Tumor State"}

Row = dict[str, object]


@dataclass(frozen=True)
class _Lesion:
    """One lesion of the plan: ``size`` is the baseline diameter in mm (0 for non-targets);
    ``floor`` is a node's normal short axis (mm) or, for a non-target, the relative burden
    below which it disappears; ``power`` spreads lesions around the subject's course."""

    lesion_id: str
    role: str
    location: str
    nodal: bool
    size: float
    floor: float
    power: float


def generate(out_dir: str | Path, subjects: int = 1000, visits: int = 10, lesions: int = 6,
             seed: int = 0) -> dict[str, Path]:
    """Write ``TU.csv``, ``TR.csv``, ``SUPPTU.csv`` and ``SUBJECTS.csv`` into ``out_dir``.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write to (created if needed).
    subjects : int
        Number of subjects.
    visits : int
        Scans per subject, screening included (VISITNUM 1 … visits).
    lesions : int
        Lesions per subject: two thirds targets (at most 5), the rest non-targets.
    seed : int
        Seed of the random generator; the same seed gives byte-identical files.

    Returns
    -------
    dict of str to Path
        ``{"TU": …, "TR": …, "SUBJECTS": …, "SUPPTU": …}``.
    """
    if subjects < 1 or visits < 1 or lesions < 1:
        raise ValueError(f"subjects, visits and lesions must be >= 1, got {subjects}, {visits}, {lesions}")
    rng = random.Random(seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tu_rows: list[Row] = []
    tr_rows: list[Row] = []
    subject_rows: list[Row] = []
    supptu_rows: list[Row] = []
    for number in range(1, subjects + 1):
        usubjid = f"{STUDYID}-{1 + (number - 1) // 100:03d}-{number:04d}"
        randdt = date(2024, 1, 1) + timedelta(days=rng.randrange(365))
        trtsdt = randdt + timedelta(days=rng.randrange(8))
        subject_rows.append({"USUBJID": usubjid, "RANDDT": randdt.isoformat(),
                             "TRTSDT": trtsdt.isoformat()})
        plan = _lesion_plan(rng, lesions)
        tu_rows.extend(_tu_rows(usubjid, plan))
        tr_rows.extend(_tr_rows(rng, usubjid, plan, _scan_dates(rng, randdt, trtsdt, visits)))
        supptu_rows.extend(_supptu_rows(usubjid, plan))
    paths = {"TU": out / "TU.csv", "TR": out / "TR.csv", "SUBJECTS": out / "SUBJECTS.csv",
             "SUPPTU": out / "SUPPTU.csv"}
    _write(paths["TU"], TU_COLUMNS, tu_rows)
    _write(paths["TR"], TR_COLUMNS, tr_rows)
    _write(paths["SUBJECTS"], SUBJECT_COLUMNS, subject_rows)
    _write(paths["SUPPTU"], SUPPTU_COLUMNS, supptu_rows)
    return paths


def _supptu_rows(usubjid: str, plan: Sequence[_Lesion]) -> Iterator[Row]:
    """Irradiation flags (CDISC.md §7): the second target is the SBRT lesion (TUIRRSTD Y), the
    others are not irradiated; none was irradiated before the study (TUPREVIR N)."""
    targets = [lesion for lesion in plan if lesion.role == "TARGET"]
    for lesion in plan:
        irradiated = len(targets) > 1 and lesion is targets[1]
        for qnam, label, value in (("TUIRRSTD", "Irradiated On Study", "Y" if irradiated else "N"),
                                   ("TUPREVIR", "Previously Irradiated", "N")):
            yield {"STUDYID": STUDYID, "RDOMAIN": "TU", "USUBJID": usubjid, "IDVAR": "TULNKID",
                   "IDVARVAL": lesion.lesion_id, "QNAM": qnam, "QLABEL": label, "QVAL": value}


def _lesion_plan(rng: random.Random, lesions: int) -> list[_Lesion]:
    """Targets then non-targets; the first target is a node, at most 2 targets per organ."""
    n_targets = min(5, max(1, lesions * 2 // 3))
    organs = ["LYMPH NODE", *rng.sample(NON_NODAL_ORGANS * 2, k=n_targets - 1)]
    plan = []
    for i, organ in enumerate(organs, start=1):
        nodal = organ == "LYMPH NODE"
        size = rng.uniform(15.0, 35.0) if nodal else rng.uniform(12.0, 60.0)
        plan.append(_Lesion(f"T{i:02d}", "TARGET", organ, nodal, size, rng.uniform(5.0, 9.0),
                            rng.uniform(0.7, 1.3)))
    for i in range(1, lesions - n_targets + 1):
        plan.append(_Lesion(f"NT{i:02d}", "NON-TARGET", rng.choice(NON_TARGET_SITES), False, 0.0,
                            rng.uniform(0.15, 0.4), rng.uniform(0.7, 1.3)))
    return plan


def _scan_dates(rng: random.Random, randdt: date, trtsdt: date, visits: int) -> list[date]:
    """Screening up to 3 weeks before randomisation, then every 6 weeks (+/- 3 days)."""
    screening = randdt - timedelta(days=rng.randint(1, 21))
    return [screening] + [trtsdt + timedelta(days=VISIT_INTERVAL_DAYS * k + rng.randint(-3, 3))
                          for k in range(1, visits)]


def _burden(rng: random.Random, visits: int) -> list[float]:
    """Relative tumour burden per visit (1.0 at baseline) for a shrink, stable or grow course."""
    course = rng.choices(("shrink", "stable", "grow"), weights=(35, 35, 30))[0]
    nadir_visit = rng.randint(2, max(2, visits))
    shrink, growth = rng.uniform(0.05, 0.35), rng.uniform(0.04, 0.2)
    relapse = rng.random() < 0.5
    factor, series = 1.0, [1.0]
    for k in range(1, visits):
        if course == "shrink":
            factor *= (1 - shrink) if k < nadir_visit or not relapse else (1 + growth)
        elif course == "stable":
            factor *= math.exp(rng.gauss(0.0, 0.04))
        else:
            factor *= 1 + growth
        series.append(factor)
    return series


def _tu_rows(usubjid: str, plan: Sequence[_Lesion]) -> Iterator[Row]:
    for seq, lesion in enumerate(plan, start=1):
        yield {"DOMAIN": "TU", "STUDYID": STUDYID, "USUBJID": usubjid, "VISIT": "SCREENING",
               "VISITNUM": 1, "TULOC": lesion.location, "TUTESTCD": "TUMIDENT",
               "TUTEST": "Tumor Identification", "TUORRES": lesion.role,
               "TUSTRESC": lesion.role, "TUMETHOD": "CT SCAN", "TULNKID": lesion.lesion_id,
               "TUEVAL": EVALUATOR[0], "TUEVALID": EVALUATOR[1], "TUACPTFL": "Y", "TUSEQ": seq}


def _tr_rows(rng: random.Random, usubjid: str, plan: Sequence[_Lesion],
             dates: Sequence[date]) -> Iterator[Row]:
    burden = _burden(rng, len(dates))
    seq = 0
    for k, (scan, factor) in enumerate(zip(dates, burden, strict=True)):
        visit = "SCREENING" if k == 0 else f"WEEK {6 * k}"
        for lesion in plan:
            if k > 0 and rng.random() < P_NOT_ASSESSED:
                continue  # not assessed at this visit: no TR row
            local = factor ** lesion.power * math.exp(rng.gauss(0.0, 0.05))
            result = _result(rng, lesion, 1.0 if k == 0 else local)
            seq += 1
            yield {"DOMAIN": "TR", "STUDYID": STUDYID, "USUBJID": usubjid,
                   "TRGRPID": lesion.role, "TRLNKID": lesion.lesion_id, **result,
                   "VISITNUM": k + 1, "VISIT": visit, "TREVAL": EVALUATOR[0],
                   "TREVALID": EVALUATOR[1], "TRACPTFL": "Y", "TRDTC": scan.isoformat(),
                   "TRSEQ": seq}


def _result(rng: random.Random, lesion: _Lesion, factor: float) -> Row:
    """The TRTESTCD … TRSTRESU fields of one lesion at relative burden ``factor``."""
    if lesion.role == "NON-TARGET":
        state = "ABSENT" if factor < lesion.floor else "PRESENT"
        return {"TRTESTCD": "TUMSTATE", "TRTEST": TESTS["TUMSTATE"], "TRORRES": state,
                "TRORRESU": "NA", "TRSTRESC": state, "TRSTRESN": "NA", "TRSTRESU": "NA"}
    test = "LPERP" if lesion.nodal else "LDIAM"
    size = lesion.size * factor
    if lesion.nodal:
        size = max(size, lesion.floor)
    elif size < 2.0:
        size = 0.0  # disappeared
    elif size < 5.0 and rng.random() < P_TOO_SMALL:
        return {"TRTESTCD": test, "TRTEST": TESTS[test], "TRORRES": "TOO SMALL TO MEASURE",
                "TRORRESU": "NA", "TRSTRESC": "5", "TRSTRESN": 5, "TRSTRESU": "mm"}
    value = round(size, 1)
    return {"TRTESTCD": test, "TRTEST": TESTS[test], "TRORRES": str(value), "TRORRESU": "mm",
            "TRSTRESC": str(value), "TRSTRESN": value, "TRSTRESU": "mm"}


def _write(path: Path, columns: Sequence[str], rows: Sequence[Row]) -> None:
    """CSV like pharmaversesdtm: text quoted, numbers bare, ``NA`` bare for missing."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        handle.write(",".join(f'"{c}"' for c in columns) + "\n")
        for row in rows:
            handle.write(",".join(_field(row[c]) for c in columns) + "\n")


def _field(value: object) -> str:
    if value == "NA" or isinstance(value, (int, float)):
        return str(value)
    return '"' + str(value).replace('"', '""') + '"'


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``generate_trial.py OUT_DIR [--subjects N] …``."""
    parser = argparse.ArgumentParser(description="Write a synthetic SDTM TU/TR trial as CSV.")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--subjects", type=int, default=1000)
    parser.add_argument("--visits", type=int, default=10)
    parser.add_argument("--lesions", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    paths = generate(args.out_dir, args.subjects, args.visits, args.lesions, args.seed)
    for name, path in paths.items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
