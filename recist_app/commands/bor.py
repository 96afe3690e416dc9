"""``main.py bor``: best overall response (BOR, CBOR) and PFS per read (RULES §1.10, §4.1).

    python main.py bor --rs RS.csv --subjects SUBJECTS.csv [--profile P.toml] --out BOR.csv

Writes one row per subject × read × parameter with the columns of :data:`COLUMNS`:
``BOR`` (unconfirmed), ``CBOR`` (confirmed) and ``PFS`` (``ADT`` event or censoring date,
``AVAL`` days = ADT − start + 1, ``CNSR`` 0 event / 1 censored). Both BOR and CBOR are
reported whatever ``confirmation_required`` says (RULES §7 A7).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from assessment.best_response import (
    Assessment,
    best_overall_response,
    confirmed_best_overall_response,
)
from assessment.profile import Profile
from assessment.survival import progression_free_survival
from recist_app.profile_file import load_profile
from recist_app.sdtm.csv_io import CellValue, write_table
from recist_app.sdtm.rs_reader import (
    ReadKey,
    Subject,
    read_overall_responses,
    read_subjects,
    reads_by_subject,
)

COLUMNS = ("USUBJID", "RSEVAL", "RSEVALID", "PARAMCD", "AVALC", "ADT", "AVAL", "CNSR")


def add_parser(subparsers: Any) -> None:
    """Register the ``bor`` sub-command on an ``argparse`` sub-parser collection."""
    parser = subparsers.add_parser(
        "bor",
        help="best overall response (BOR, CBOR) and PFS from SDTM RS overall responses",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("--rs", required=True, type=Path, help="SDTM RS CSV (OVRLRESP rows)")
    parser.add_argument(
        "--subjects", required=True, type=Path,
        help="subject CSV: USUBJID, RANDDT, TRTSDT and optional DTHDT",
    )  # fmt: skip
    parser.add_argument("--profile", type=Path, help="protocol profile TOML (RULES §7)")
    parser.add_argument("--out", required=True, type=Path, help="output CSV (BOR.csv)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Read RS and subjects, derive BOR, CBOR and PFS per read, write the output CSV."""
    profile = load_profile(args.profile)
    subjects = read_subjects(args.subjects, profile.reference_date)
    reads = read_overall_responses(args.rs, known_subjects={s.usubjid for s in subjects})
    rows: list[dict[str, CellValue]] = []
    for subject, key, assessments in reads_by_subject(reads, subjects):
        rows.extend(derive_rows(subject, key, assessments, profile))
    write_table(args.out, COLUMNS, rows)
    print(f"bor: {len(rows)} rows for {len(subjects)} subject(s) written to {args.out}")
    return 0


def derive_rows(
    subject: Subject, key: ReadKey, assessments: tuple[Assessment, ...], profile: Profile
) -> list[dict[str, CellValue]]:
    """The BOR, CBOR and PFS rows of one read (RULES §1.10, §4.1)."""
    base = {"USUBJID": key.usubjid, "RSEVAL": key.evaluator, "RSEVALID": key.evaluator_id}
    start = subject.start_date
    rows: list[dict[str, CellValue]] = []
    derivations = (("BOR", best_overall_response), ("CBOR", confirmed_best_overall_response))
    for paramcd, derive in derivations:
        best = derive(assessments, start, profile)
        adt = best.date.isoformat() if best.date else ""
        rows.append({**base, "PARAMCD": paramcd, "AVALC": best.category, "ADT": adt, "AVAL": None, "CNSR": None})
    pfs = progression_free_survival(assessments, start, profile, death_date=subject.death_date)
    rows.append(
        {
            **base,
            "PARAMCD": "PFS",
            "AVALC": pfs.description,
            "ADT": pfs.date.isoformat(),
            "AVAL": pfs.days,
            "CNSR": 1 if pfs.censored else 0,
        }
    )
    return rows
