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
profile's ``gmi_threshold``), ``CNSR`` 0 when both PFS are events, 1 when only this line's is censored (the ratio
is then a lower bound), empty otherwise (issue 18).

``ADTF`` (appended last, ADaM date imputation flag) is ``D`` when ``ADT`` comes from an ``RSDTC``
given as ``YYYY-MM`` and imputed to the month's last day (RULES §7 A17), as in pharmaverseadam's
``adrs_onco``; empty otherwise (complete dates, death, start dates).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from datetime import date
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
from assessment.survival import DEATH, START_LABELS, SurvivalTime, progression_free_survival
from recist_app.adam.events import ratio_censoring
from recist_app.cli.output_paths import check_output_file, writing
from recist_app.evaluation.profile_file import load_profile
from recist_app.sdtm.csv_io import CellValue, format_decimal, write_table
from recist_app.sdtm.rs_reader import (
    IRECIST_CATEGORY,
    RECIST11_CATEGORY,
    ReadKey,
    Subject,
    read_responses,
    read_subjects,
    reads_by_subject,
)

COLUMNS = ("USUBJID", "RSEVAL", "RSEVALID", "PARAMCD", "AVALC", "ADT", "AVAL", "CNSR", "ADTF")
#: ADaM ``ADTF`` of a date whose day was imputed (RULES §7 A17).
DAY_IMPUTED = "D"
#: Time-to-event ends that never come from an RS date.
_NOT_FROM_RS = frozenset({DEATH, *START_LABELS.values()})


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
        help="subject table (CSV, XPT or Dataset-JSON): USUBJID, RANDDT, TRTSDT; optional DTHDT, PFS_PREV_DAYS, "
             "PFS_PREV_CNSR; or the exported ADaM ADSL",
    )  # fmt: skip
    parser.add_argument("--profile", type=Path, help="protocol profile TOML (RULES §7)")
    parser.add_argument("--out", required=True, type=Path, help="output CSV (BOR.csv)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Read RS and subjects, derive BOR, CBOR, PFS (IBOR, IPFS, GMI) per read, write the CSV."""
    check_output_file(args.out)
    profile = load_profile(args.profile)
    subjects = read_subjects(args.subjects, profile.reference_date)
    responses = read_responses(
        args.rs, known_subjects={s.usubjid for s in subjects},
        categories=(RECIST11_CATEGORY, IRECIST_CATEGORY),
    )  # fmt: skip
    by_category = responses.assessments
    recist, irecist = by_category[RECIST11_CATEGORY], by_category[IRECIST_CATEGORY]
    # A read with only iRECIST rows still gets its (MISSING) RECIST 1.1 rows.
    reads = {**{key: () for key in irecist}, **recist}
    rows: list[dict[str, CellValue]] = []
    for subject, key, assessments in reads_by_subject(reads, subjects):
        imputed = (responses.imputed_dates(RECIST11_CATEGORY, key), responses.imputed_dates(IRECIST_CATEGORY, key))
        rows.extend(derive_rows(subject, key, assessments, profile, irecist.get(key), imputed))
    with writing(args.out):
        write_table(args.out, COLUMNS, rows)
    print(f"bor: {len(rows)} rows for {len(subjects)} subject(s) written to {args.out}")
    return 0


def derive_rows(
    subject: Subject,
    key: ReadKey,
    assessments: tuple[Assessment, ...],
    profile: Profile,
    irecist_assessments: tuple[Assessment, ...] | None = None,
    imputed: tuple[frozenset[date], frozenset[date]] = (frozenset(), frozenset()),
) -> list[dict[str, CellValue]]:
    """The rows of one read: BOR, CBOR, PFS (RULES §1.10, §4.1); IBOR and IPFS when the read
    has iRECIST rows (§2.6, §2.7); GMI when the subject has a previous-line PFS (§4.2).

    ``imputed`` holds the read's RECIST 1.1 and iRECIST dates imputed from ``YYYY-MM`` (A17):
    a row whose ``ADT`` is one of them gets ``ADTF = D``.
    """
    base = {"USUBJID": key.usubjid, "RSEVAL": key.evaluator, "RSEVALID": key.evaluator_id}
    start = subject.start_date
    rows: list[dict[str, CellValue]] = []
    derivations = (("BOR", best_overall_response), ("CBOR", confirmed_best_overall_response))
    for paramcd, derive in derivations:
        best = derive(assessments, start, profile)
        rows.append(_response_row(base, paramcd, best.category, best.date, imputed[0]))
    pfs = progression_free_survival(assessments, start, profile, death_date=subject.death_date)
    rows.append(_time_row(base, "PFS", pfs, imputed[0]))
    if irecist_assessments is not None:
        outcome = irecist_outcome(irecist_assessments, start, profile, death_date=subject.death_date)
        best = outcome.best_response
        rows.append(_response_row(base, "IBOR", best.category, best.date, imputed[1]))
        rows.append(_time_row(base, "IPFS", outcome.pfs, imputed[1]))
    if subject.previous_pfs is not None:
        previous = subject.previous_pfs
        gmi = growth_modulation_index(
            pfs.days, previous.days, profile.gmi_threshold,
            pfs_censored=pfs.censored, previous_censored=previous.censored,
        )  # fmt: skip
        ratio = gmi.rounded()
        aval = format_decimal(ratio) if ratio is not None else None
        rows.append({**base, "PARAMCD": "GMI", "AVALC": gmi.category, "ADT": "", "AVAL": aval,
                     "CNSR": ratio_censoring(ratio is not None, pfs.censored, previous.censored),
                     "ADTF": None})
    return rows


def _response_row(base: Mapping[str, CellValue], paramcd: str, category: str, when: date | None,
                  imputed: frozenset[date]) -> dict[str, CellValue]:
    """A best-response row: category, the date of the assessment it comes from, and its flag."""
    return {**base, "PARAMCD": paramcd, "AVALC": category, "ADT": when.isoformat() if when else "",
            "AVAL": None, "CNSR": None, "ADTF": DAY_IMPUTED if when in imputed else None}


def _time_row(base: Mapping[str, CellValue], paramcd: str, time: SurvivalTime,
              imputed: frozenset[date] = frozenset()) -> dict[str, CellValue]:
    """A time-to-event row: description, date, days (end − start + 1), censoring flag, and ``ADTF``
    when the date is an imputed RS date (never for death or the start date)."""
    from_rs = time.description not in _NOT_FROM_RS
    return {
        **base,
        "PARAMCD": paramcd,
        "AVALC": time.description,
        "ADT": time.date.isoformat(),
        "AVAL": time.days,
        "CNSR": 1 if time.censored else 0,
        "ADTF": DAY_IMPUTED if from_rs and time.date in imputed else None,
    }
