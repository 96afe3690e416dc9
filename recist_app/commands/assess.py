"""``assess``: SDTM TU/TR(/SUPPTU) → RS, derived TR and the response timeline.

    python main.py assess --tu TU.csv --tr TR.csv [--supptu SUPPTU.csv] [--profile P.toml]
                          [--subjects SUBJECTS.csv] --out DIR

Writes ``DIR/rs.csv``, ``DIR/tr_derived.csv``, ``DIR/timeline.csv`` and
``DIR/timeline_dictionary.csv``, each atomically. With ``--subjects`` (USUBJID, RANDDT, TRTSDT),
study days (RSDY, STUDY_DAY) are derived from the profile's reference date.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from assessment.recist11 import assess_recist11
from recist_app.profile_file import load_profile
from recist_app.sdtm.csv_io import write_table
from recist_app.sdtm.response_tables import RS_COLUMNS, TR_COLUMNS, StudyDay, rs_rows, study_day, tr_derived_rows
from recist_app.sdtm.rs_reader import read_subjects
from recist_app.sdtm.tumor_reader import read_tumor_tables
from recist_app.timeline import (
    DICTIONARY_COLUMNS,
    TIMELINE_COLUMNS,
    dictionary_rows,
    no_study_day,
    timeline_rows,
)


def add_parser(subparsers: Any) -> None:
    """Register the ``assess`` sub-command."""
    parser = subparsers.add_parser(
        "assess", help="time-point responses from SDTM TU/TR",
        description="Compute RECIST 1.1 time-point responses from SDTM TU and TR (CSV).")
    parser.add_argument("--tu", required=True, type=Path, help="SDTM TU (tumour identification) CSV")
    parser.add_argument("--tr", required=True, type=Path, help="SDTM TR (tumour results) CSV")
    parser.add_argument("--supptu", type=Path, help="SDTM SUPPTU CSV (TUIRRSTD, TUPREVIR flags)")
    parser.add_argument("--profile", type=Path, help="protocol profile (TOML) over the RULES §7 defaults")
    parser.add_argument("--subjects", type=Path,
                        help="subject dates CSV (USUBJID, RANDDT, TRTSDT) for study days")
    parser.add_argument("--out", required=True, type=Path, help="output folder")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Read, assess every read, write the four output files."""
    profile = load_profile(args.profile)
    reads = read_tumor_tables(args.tu, args.tr, args.supptu)
    reads.sort(key=lambda read: read.key)
    results = [assess_recist11(read, profile) for read in reads]
    day = no_study_day if args.subjects is None else _study_days(args.subjects, profile.reference_date)
    write_table(args.out / "rs.csv", RS_COLUMNS, rs_rows(results, day))
    write_table(args.out / "tr_derived.csv", TR_COLUMNS, tr_derived_rows(results))
    write_table(args.out / "timeline.csv", TIMELINE_COLUMNS, timeline_rows(results, day))
    write_table(args.out / "timeline_dictionary.csv", DICTIONARY_COLUMNS, dictionary_rows())
    return 0


def _study_days(path: Path, reference_date: str) -> StudyDay:
    """SDTM study day of each subject's scans, counted from the profile's reference date."""
    starts = {s.usubjid: s.start_date for s in read_subjects(path, reference_date)}
    return lambda subject_id, when: study_day(starts.get(subject_id), when)
