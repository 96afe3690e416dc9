"""``assess``: SDTM TU/TR(/SUPPTU) → RS, derived TR and the response timeline.

    python main.py assess --tu TU.csv --tr TR.csv [--supptu SUPPTU.csv] [--profile P.toml]
                          [--subjects SUBJECTS.csv] --out DIR

Writes ``DIR/rs.csv``, ``DIR/tr_derived.csv``, ``DIR/timeline.csv`` and
``DIR/timeline_dictionary.csv``, each atomically. RS carries RSLNKGRP (the visit's TRLNKGRP, on OVRLRESP rows)
and RSACPTFL (the read's TRACPTFL) as the export's RS does. With ``--subjects`` (USUBJID, RANDDT, TRTSDT),
study days (RSDY, STUDY_DAY) are derived from the profile's reference date.

A scan date given as ``YYYY-MM`` is imputed to the month's last day for ordering and the
calculations and flagged (RULES §7 A17): ``RSDTC`` and the timeline's ``DATE`` keep the partial
date as given, ``RSDY`` stays empty, and one line on stdout counts the imputed time points.
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from assessment.profile import Profile
from assessment.read_report import assess_read
from recist_app.cli.batch import (
    cyclic_gc_paused,
    map_in_processes,
    split_contiguous,
    worker_count,
)
from recist_app.cli.output_paths import check_output_folder, writing
from recist_app.evaluation.profile_file import load_profile
from recist_app.exports.timeline import (
    DICTIONARY_COLUMNS,
    TIMELINE_COLUMNS,
    dictionary_rows,
    no_study_day,
    timeline_rows,
)
from recist_app.sdtm.csv_io import CellValue, render_rows, render_tuples, write_csv
from recist_app.sdtm.iso_dates import is_partial
from recist_app.sdtm.response_tables import (
    RS_COLUMNS,
    TR_COLUMNS,
    StudyDay,
    rs_rows,
    study_day,
    tr_derived_rows,
)
from recist_app.sdtm.rs_reader import read_subjects
from recist_app.sdtm.tumor_reader import PendingRead, group_tumor_tables

#: Below this many reads per process, forking costs more than it saves.
MIN_READS_PER_PROCESS = 100
#: The tables rendered from the reads, with their columns.
#: RS as the export writes it: RSLNKGRP (the visit's TRLNKGRP, on OVRLRESP) and RSACPTFL (the read's TRACPTFL).
ASSESSED_RS_COLUMNS = (*RS_COLUMNS, "RSLNKGRP", "RSACPTFL")
OUTPUTS = (("rs.csv", ASSESSED_RS_COLUMNS), ("tr_derived.csv", TR_COLUMNS), ("timeline.csv", TIMELINE_COLUMNS))


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
    """Read, assess every read, write the four output files.

    Reading and grouping the tables is serial; building each read, assessing and rendering run in
    one forked process per core on chunks of whole subjects (RSSEQ and TRSEQ are numbered per
    subject, so chunks render independently).
    """
    check_output_folder(args.out)
    profile = load_profile(args.profile)
    day = no_study_day if args.subjects is None else _study_days(args.subjects, profile.reference_date)
    with cyclic_gc_paused():
        pending = group_tumor_tables(args.tu, args.tr, args.supptu)
        parts = min(worker_count(), len(pending) // MIN_READS_PER_PROCESS) or 1
        chunks = split_contiguous(pending, parts, key=lambda read: read.key[0])
        rendered = map_in_processes(functools.partial(_render, profile=profile, day=day), chunks)
    with writing(args.out):
        for index, (name, columns) in enumerate(OUTPUTS):
            write_csv(args.out / name, columns, [tables[index] for tables, _ in rendered])
        write_csv(args.out / "timeline_dictionary.csv", DICTIONARY_COLUMNS,
                  [render_rows(DICTIONARY_COLUMNS, dictionary_rows())])
    imputed = sum(count for _, count in rendered)
    if imputed:
        print(f"assess: {imputed} time point(s) dated YYYY-MM were imputed to the month's last day (RULES A17); "
              "rs.csv RSDTC and timeline.csv DATE keep the partial date, RSDY is empty.")
    return 0


def _render(reads: Sequence[PendingRead], profile: Profile,
            day: StudyDay) -> tuple[tuple[bytes, bytes, bytes], int]:
    """Build and assess ``reads`` (RECIST 1.1, iRECIST, irradiated subsets) and render their RS,
    derived TR and timeline rows as CSV (UTF-8), with the number of time points whose date was
    imputed (A17)."""
    reports = [assess_read(pending.build(), profile) for pending in reads]
    imputed = sum(is_partial(tp.date_text) for report in reports for tp in report.read.timepoints)
    return (render_tuples(_linked(rs_rows(reports, day), reads)), render_tuples(tr_derived_rows(reports)),
            render_tuples(timeline_rows(reports, day))), imputed


def _linked(rows: Iterable[tuple[CellValue, ...]], reads: Sequence[PendingRead]) -> Iterator[tuple[CellValue, ...]]:
    """RS rows with RSLNKGRP (the visit's TRLNKGRP, on OVRLRESP rows) and RSACPTFL (Y for a read an adjudicator
    accepted), as the export's RS has them."""
    by_key = {pending.key: (pending.link_groups(), "Y" if pending.accepted else "") for pending in reads}
    at = {name: RS_COLUMNS.index(name) for name in ("USUBJID", "RSEVAL", "RSEVALID", "RSTESTCD", "VISITNUM")}
    for row in rows:
        groups, accepted = by_key[(str(row[at["USUBJID"]]), str(row[at["RSEVAL"]]), str(row[at["RSEVALID"]]))]
        group = groups.get(str(row[at["VISITNUM"]]), "") if row[at["RSTESTCD"]] == "OVRLRESP" else ""
        yield (*row, group, accepted)


def _study_days(path: Path, reference_date: str) -> StudyDay:
    """SDTM study day of each subject's scans, counted from the profile's reference date."""
    starts = {s.usubjid: s.start_date for s in read_subjects(path, reference_date)}
    return lambda subject_id, when: study_day(starts.get(subject_id), when)
