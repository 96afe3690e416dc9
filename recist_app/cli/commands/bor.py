"""``main.py bor``: best overall response (BOR, CBOR) and PFS per read (RULES §1.10, §4.1).

    python main.py bor --rs RS.csv --subjects SUBJECTS.csv [--profile P.toml] --out BOR.csv

Writes one row per subject × read × parameter with the columns of :data:`COLUMNS`:
``BOR`` (unconfirmed), ``CBOR`` (confirmed) and ``PFS`` (``ADT`` event or censoring date,
``AVAL`` days = ADT − start + 1, ``CNSR`` 0 event / 1 censored). Both BOR and CBOR are
reported whatever ``confirmation_required`` says (RULES §7 A7).

Reads with ``RSCAT = iRECIST`` OVRLRESP rows also get ``IBOR`` (iRECIST best overall response,
RULES §2.6) and ``IPFS`` (iRECIST PFS, §2.7; an unconfirmed iUPD is an event, ``AVALC``
"Unconfirmed Progression (iUPD)", A13). When SUBJECTS has a ``PFS_PREV_DAYS`` column (and
optionally ``PFS_PREV_CNSR``), every read gets ``GMI`` (RULES §4.2, A10): ``AVAL`` the ratio
PFS / PFS_PREV_DAYS to 3 decimals, ``AVALC`` "> 1.33", "<= 1.33" or "NOT EVALUABLE" (the
profile's ``gmi_threshold``).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from assessment.best_response import (
    Assessment,
    best_overall_response,
    confirmed_best_overall_response,
)
from assessment.gmi import growth_modulation_index
from assessment.irecist_outcome import irecist_outcome
from assessment.profile import Profile
from assessment.survival import SurvivalTime, progression_free_survival
from recist_app.evaluation.profile_file import load_profile
from recist_app.sdtm.csv_io import CellValue, format_decimal, write_table
from recist_app.sdtm.rs_reader import (
    IRECIST_CATEGORY,
    RECIST11_CATEGORY,
    ReadKey,
    Subject,
    read_overall_responses_by_category,
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
        help="subject CSV: USUBJID, RANDDT, TRTSDT; optional DTHDT, PFS_PREV_DAYS, PFS_PREV_CNSR",
    )  # fmt: skip
    parser.add_argument("--profile", type=Path, help="protocol profile TOML (RULES §7)")
    parser.add_argument("--out", required=True, type=Path, help="output CSV (BOR.csv)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Read RS and subjects, derive BOR, CBOR, PFS (IBOR, IPFS, GMI) per read, write the CSV."""
    profile = load_profile(args.profile)
    subjects = read_subjects(args.subjects, profile.reference_date)
    by_category = read_overall_responses_by_category(
        args.rs, known_subjects={s.usubjid for s in subjects},
        categories=(RECIST11_CATEGORY, IRECIST_CATEGORY),
    )  # fmt: skip
    recist, irecist = by_category[RECIST11_CATEGORY], by_category[IRECIST_CATEGORY]
    # A read with only iRECIST rows still gets its (MISSING) RECIST 1.1 rows.
    reads = {**{key: () for key in irecist}, **recist}
    rows: list[dict[str, CellValue]] = []
    for subject, key, assessments in reads_by_subject(reads, subjects):
        rows.extend(derive_rows(subject, key, assessments, profile, irecist.get(key)))
    write_table(args.out, COLUMNS, rows)
    print(f"bor: {len(rows)} rows for {len(subjects)} subject(s) written to {args.out}")
    return 0


def derive_rows(
    subject: Subject,
    key: ReadKey,
    assessments: tuple[Assessment, ...],
    profile: Profile,
    irecist_assessments: tuple[Assessment, ...] | None = None,
) -> list[dict[str, CellValue]]:
    """The rows of one read: BOR, CBOR, PFS (RULES §1.10, §4.1); IBOR and IPFS when the read
    has iRECIST rows (§2.6, §2.7); GMI when the subject has a previous-line PFS (§4.2)."""
    base = {"USUBJID": key.usubjid, "RSEVAL": key.evaluator, "RSEVALID": key.evaluator_id}
    start = subject.start_date
    rows: list[dict[str, CellValue]] = []
    derivations = (("BOR", best_overall_response), ("CBOR", confirmed_best_overall_response))
    for paramcd, derive in derivations:
        best = derive(assessments, start, profile)
        adt = best.date.isoformat() if best.date else ""
        rows.append({**base, "PARAMCD": paramcd, "AVALC": best.category, "ADT": adt, "AVAL": None, "CNSR": None})
    pfs = progression_free_survival(assessments, start, profile, death_date=subject.death_date)
    rows.append(_time_row(base, "PFS", pfs))
    if irecist_assessments is not None:
        outcome = irecist_outcome(irecist_assessments, start, profile, death_date=subject.death_date)
        best = outcome.best_response
        adt = best.date.isoformat() if best.date else ""
        rows.append({**base, "PARAMCD": "IBOR", "AVALC": best.category, "ADT": adt, "AVAL": None, "CNSR": None})
        rows.append(_time_row(base, "IPFS", outcome.pfs))
    if subject.previous_pfs is not None:
        previous = subject.previous_pfs
        gmi = growth_modulation_index(
            pfs.days, previous.days, profile.gmi_threshold,
            pfs_censored=pfs.censored, previous_censored=previous.censored,
        )  # fmt: skip
        ratio = gmi.rounded()
        aval = format_decimal(ratio) if ratio is not None else None
        rows.append({**base, "PARAMCD": "GMI", "AVALC": gmi.category, "ADT": "", "AVAL": aval, "CNSR": None})
    return rows


def _time_row(base: Mapping[str, CellValue], paramcd: str, time: SurvivalTime) -> dict[str, CellValue]:
    """A time-to-event row: description, date, days (end − start + 1) and censoring flag."""
    return {
        **base,
        "PARAMCD": paramcd,
        "AVALC": time.description,
        "ADT": time.date.isoformat(),
        "AVAL": time.days,
        "CNSR": 1 if time.censored else 0,
    }
