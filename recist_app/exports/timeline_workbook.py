"""The response timeline for the statistics team: long CSVs and one XLSX workbook (issue 7).

Files (in ``timeline/`` of the export):

- ``timeline.csv``: one row per read × time point, the columns of :mod:`recist_app.exports.timeline`
  (dates, sums overall / in-field / out-of-field, % changes, every category with its rationale,
  iRECIST, abscopal verdicts) with ``SIGNED`` and ``ACCEPTED`` appended;
- ``outcomes.csv``: one row per read: BOR, confirmed BOR, iBOR, PFS and iPFS (dates, days,
  censoring, event), the growth modulation index, each with its rationale;
- ``dictionary.csv``: type, unit and meaning of every column of both tables;
- ``timeline.xlsx``: the same three tables as sheets (frozen, bold header row; numbers as numbers)
  plus an ``about`` sheet, and the engine and rules versions and export time in the workbook
  properties (the CSVs stay plain tables: those go to ``manifest.json``).

Units are in the column names (``SUM_MM``, ``PFS_DAYS``). Subjects appear by pseudonymised id
only; no patient or reader name is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from assessment.best_response import BestResponse
from assessment.survival import SurvivalTime
from recist_app.exports.collect import ExportedRead, TrialData
from recist_app.exports.files import ExportedFile, Table, describe, write_table_csv
from recist_app.exports.job import ExportJob
from recist_app.exports.timeline import (
    TIMELINE_COLUMNS,
    TIMELINE_DICTIONARY,
    timeline_rows,
)
from recist_app.sdtm.csv_io import CellValue, format_decimal
from recist_app.sdtm.response_tables import StudyDay

FOLDER = "timeline"
WORKBOOK = "timeline.xlsx"
Entry = tuple[str, str, str, str]

#: Columns appended to the timeline of :mod:`recist_app.exports.timeline` (never renamed, only appended).
TIMELINE_EXTRA: tuple[Entry, ...] = (
    ("SIGNED", "Y/N", "", "Y when the reader has signed this time point (read-only since)"),
    ("ACCEPTED", "Y/empty", "", "Y on every row of the read an adjudicator accepted (SDTM --ACPTFL); empty otherwise"),
)
#: The outcomes table: one row per read (RULES §1.10, §2.6, §2.7, §4.1, §4.2).
OUTCOMES_DICTIONARY: tuple[Entry, ...] = (
    ("USUBJID", "text", "", "Unique subject identifier (pseudonymised)"),
    ("RSEVAL", "text", "", "Evaluator (INVESTIGATOR, INDEPENDENT ASSESSOR)"),
    ("RSEVALID", "text", "", "Evaluator identifier (RADIOLOGIST 1, RADIOLOGIST 2; empty for the investigator)"),
    ("ACCEPTED", "Y/empty", "", "Y when an adjudicator accepted this read (SDTM --ACPTFL)"),
    ("REFERENCE", "category", "", ("Start of BOR and PFS: RANDOMISATION or FIRST DOSE (profile, RULES A8), "
                                   "or BASELINE SCAN when the subject has no such date")),
    ("REFERENCE_DATE", "ISO 8601 date", "", "The reference date"),
    ("BOR", "category", "", "Best overall response, confirmation not required (RECIST 1.1; RULES §1.10)"),
    ("BOR_DATE", "ISO 8601 date", "", "Date of the assessment that gives BOR"),
    ("BOR_RATIONALE", "text", "", "Why: the assessments and rule that gave BOR"),
    ("CBOR", "category", "", ("Confirmed best overall response (CR/PR confirmed at a later assessment, "
                              "RULES §1.10, A7)")),
    ("CBOR_DATE", "ISO 8601 date", "", "Date of the assessment that gives CBOR"),
    ("CBOR_RATIONALE", "text", "", "Why: confirmation and windows applied"),
    ("FIRST_PD_DATE", "ISO 8601 date", "", ("First RECIST 1.1 progression (back-dated to an equivocal new "
                                            "lesion's first sight, A6); empty without PD")),
    ("PFS_EVENT", "text", "", "Event or censoring: Disease Progression, Death, Last Evaluable Tumor Assessment, …"),
    ("PFS_DATE", "ISO 8601 date", "", "Event or censoring date (ADaM ADT)"),
    ("PFS_DAYS", "integer", "days", "PFS_DATE − REFERENCE_DATE + 1 (RULES A12)"),
    ("PFS_CNSR", "integer", "", "0 event, 1 censored"),
    ("PFS_RATIONALE", "text", "", "Why: the event or censoring rule that fired (RULES §4.1, A11, A19)"),
    ("IBOR", "category", "", ("iRECIST best overall response (RULES §2.6): iCR, iPR, iSD, NON-iCR/NON-iUPD, "
                              "iCPD, iUPD, NE, MISSING")),
    ("IBOR_DATE", "ISO 8601 date", "", ("Date of the assessment that gives IBOR (iCPD: the first iUPD of the "
                                        "confirmed block)")),
    ("IBOR_RATIONALE", "text", "", "Why: the iRECIST event and records used"),
    ("IPFS_EVENT", "text", "", ("iPFS event or censoring: Confirmed Progression (iCPD), Unconfirmed "
                                "Progression (iUPD), Death, …")),
    ("IPFS_DATE", "ISO 8601 date", "", "iPFS event or censoring date"),
    ("IPFS_DAYS", "integer", "days", "IPFS_DATE − REFERENCE_DATE + 1"),
    ("IPFS_CNSR", "integer", "", "0 event (an unconfirmed iUPD is an event, A13), 1 censored"),
    ("IPFS_RATIONALE", "text", "", "Why: iRECIST progression and confirmation (RULES §2.7)"),
    ("PFS_PREV_DAYS", "integer", "days", "PFS on the previous line of treatment (subject record); empty when unknown"),
    ("PFS_PREV_CNSR", "integer", "", "1 when the previous-line PFS is censored"),
    ("GMI_RATIO", "decimal", "ratio", "Growth modulation index PFS_DAYS / PFS_PREV_DAYS, 3 decimals (half up)"),
    ("GMI", "category", "", "> 1.33, <= 1.33 or NOT EVALUABLE (censoring or no previous PFS; RULES §4.2, A10)"),
    ("GMI_RATIONALE", "text", "", "Why: days, censoring and the comparison that decided GMI"),
)
EXPORT_TIMELINE_DICTIONARY: tuple[Entry, ...] = TIMELINE_DICTIONARY + TIMELINE_EXTRA
DICTIONARY_COLUMNS = ("TABLE", "COLUMN", "TYPE", "UNIT", "DESCRIPTION")
_NUMBER_TYPES = frozenset({"decimal", "integer"})


def timeline_table(data: TrialData, step: Callable[[], None] = lambda: None) -> Table:
    """One row per read × time point (:data:`EXPORT_TIMELINE_DICTIONARY` columns); ``step`` after each read."""
    columns = tuple(name for name, *_ in EXPORT_TIMELINE_DICTIONARY)
    rows: list[tuple[CellValue, ...]] = []
    for read in data.reads:
        signed = {read.visit_numbers[uid] for uid in read.signed_timepoint_uids}
        accepted = "Y" if read.accepted else ""
        base = timeline_rows([read.report], _study_day_of(read))
        for values, tp in zip(base, read.report.recist.timepoints, strict=True):
            rows.append((*values, "Y" if Decimal(tp.visit_id) in signed else "N", accepted))
        step()
    assert columns[: len(TIMELINE_COLUMNS)] == TIMELINE_COLUMNS
    return Table("timeline", columns, tuple(rows), _numeric(EXPORT_TIMELINE_DICTIONARY))


def outcomes_table(data: TrialData) -> Table:
    """One row per read (:data:`OUTCOMES_DICTIONARY` columns)."""
    columns = tuple(name for name, *_ in OUTCOMES_DICTIONARY)
    return Table("outcomes", columns, tuple(_outcome_row(read) for read in data.reads), _numeric(OUTCOMES_DICTIONARY))


def dictionary_table() -> Table:
    """The data dictionary of both tables."""
    rows = tuple((table, *entry) for table, entries in (("timeline", EXPORT_TIMELINE_DICTIONARY),
                                                        ("outcomes", OUTCOMES_DICTIONARY)) for entry in entries)
    return Table("dictionary", DICTIONARY_COLUMNS, rows)


def write_timeline(data: TrialData, job: ExportJob) -> tuple[ExportedFile, ...]:
    """The ``timeline`` export format: ``timeline.csv``, ``outcomes.csv``, ``dictionary.csv`` and the
    workbook ``timeline.xlsx``."""
    tables = (timeline_table(data, job.step), outcomes_table(data), dictionary_table())
    folder = job.folder / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for table in tables:
        write_table_csv(folder / f"{table.name}.csv", table)
        files.append(describe(folder / f"{table.name}.csv", job.folder, "timeline-csv", len(table.rows)))
    job.check()
    write_workbook(folder / WORKBOOK, tables, about_rows(data), data)
    files.append(describe(folder / WORKBOOK, job.folder, "timeline-xlsx", sum(len(t.rows) for t in tables)))
    return tuple(files)


def about_rows(data: TrialData) -> list[tuple[str, str]]:
    """The ``about`` sheet: trial, versions, export time, counts, what each sheet holds."""
    return [
        ("trial", data.trial.code), ("trial name", data.trial.name),
        ("engine version", data.engine_version), ("rules version", data.rules_version),
        ("exported at (UTC)", data.exported_at), ("subjects", str(len(data.subjects))),
        ("reads", str(len(data.reads))), ("reference date (RULES A8)", data.profile.reference_date),
        ("timeline", "one row per read × time point"), ("outcomes", "one row per read"),
        ("dictionary", "type, unit and meaning of every column"),
        ("privacy", "subjects by pseudonymised id only; no patient or reader names"),
    ]


def write_workbook(path: Path, tables: Sequence[Table], about: list[tuple[str, str]], data: TrialData) -> None:
    """One sheet per table (frozen bold header, numbers typed by the dictionary), then ``about``."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.packaging.custom import StringProperty
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for table in (*tables, Table("about", ("ITEM", "VALUE"), tuple(about))):
        sheet = workbook.create_sheet(table.name)
        sheet.freeze_panes = "A2"
        header = []
        for name in table.columns:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        numeric = [name in table.numeric for name in table.columns]
        for row in table.rows:
            sheet.append([_cell(value, is_number) for value, is_number in zip(row, numeric, strict=True)])
    properties = workbook.properties
    properties.title = f"Response timeline — {data.trial.code}"
    properties.subject = "RECIST 1.1 / iRECIST response timeline and outcomes per read"
    properties.creator = "recist-workstation"
    properties.keywords = f"engine {data.engine_version}; rules {data.rules_version}"
    properties.description = (f"engine {data.engine_version}; rules {data.rules_version}; "
                              f"exported {data.exported_at} (UTC)")
    properties.created = properties.modified = _utc(data.exported_at)
    for name, value in (("engine_version", data.engine_version), ("rules_version", data.rules_version),
                        ("exported_at_utc", data.exported_at), ("trial", data.trial.code)):
        workbook.custom_doc_props.append(  # type: ignore[attr-defined]  # types-openpyxl omits Workbook.custom_doc_props
            StringProperty(name=name, value=value))
    workbook.save(path)


def _study_day_of(read: ExportedRead) -> StudyDay:
    """The study day of ``read``'s dates (its subject is the only one, so the subject argument is unused)."""
    return lambda _subject, when: read.study_day(when)


def _numeric(entries: Sequence[Entry]) -> frozenset[str]:
    return frozenset(name for name, kind, *_ in entries if kind in _NUMBER_TYPES)


def _cell(value: CellValue, is_number: bool) -> CellValue | Decimal:
    if value is None or value == "":
        return None
    if is_number and isinstance(value, str):
        return Decimal(value)
    return value


def _utc(stamp: str) -> datetime:
    """The export time stamp (``YYYY-MM-DDTHH:MM:SSZ``) as a naive UTC datetime (XLSX has no zones)."""
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")


def _outcome_row(read: ExportedRead) -> tuple[CellValue, ...]:
    outcome, irecist, gmi, subject = read.outcome, read.irecist, read.gmi, read.snapshot.subject
    ratio = gmi.rounded()
    return (
        read.subject_id, read.evaluator, read.evaluator_id, "Y" if read.accepted else "", read.reference,
        read.start_date.isoformat(), *_best(outcome.best_response), *_best(outcome.confirmed_best_response),
        _iso(outcome.first_pd_date), *_time(outcome.pfs), *_best(irecist.best_response), *_time(irecist.pfs),
        subject.prev_pfs_days, (1 if subject.prev_pfs_censored else 0) if subject.prev_pfs_days is not None else None,
        format_decimal(ratio) if ratio is not None else "", gmi.category, gmi.rationale,
    )


def _best(best: BestResponse) -> Iterator[CellValue]:
    yield from (best.category, _iso(best.date), best.rationale)


def _time(time: SurvivalTime) -> Iterator[CellValue]:
    yield from (time.description, time.date.isoformat(), time.days, 1 if time.censored else 0, time.rationale)


def _iso(when: date | None) -> str:
    return when.isoformat() if when is not None else ""
