"""Read SDTM RS overall responses and the subject table for BOR and PFS (CDISC.md; RULES §7 A18).

RS: rows with ``RSTESTCD = OVRLRESP``; ``RSCAT`` empty means "RECIST 1.1", ``iRECIST`` (any
case) selects the iRECIST responses (CDISC.md §6). A read is ``USUBJID`` + ``RSEVAL`` +
``RSEVALID``. The result is ``RSSTRESC`` (``RSORRES`` when empty) and the date ``RSDTC`` (``YYYY-MM``
imputed to the last day of the month and flagged, A17; :mod:`recist_app.sdtm.iso_dates`). Two
rows of one read, category and date with different results are an error naming both lines; the
same result twice counts once.
SUBJECTS (ADSL-like): ``USUBJID``, ``RANDDT``, ``TRTSDT`` and optional ``DTHDT``, complete dates
(an ADaM date is never partial: impute it in ADSL, with its flag, before giving it here);
optional ``PFS_PREV_DAYS`` (previous-line PFS in whole days up to :data:`MAX_PREVIOUS_PFS_DAYS`,
for the growth modulation index, RULES §4.2) and ``PFS_PREV_CNSR`` (0/1, default 0). The exported ADSL is such a
table too (its dates, and ``PFSPRVDY`` / ``PFSPRVCN`` for the previous line's PFS), as CSV, XPT or Dataset-JSON.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from assessment.best_response import Assessment
from recist_app.errors import InputFileError
from recist_app.sdtm.csv_io import Row, parse_date, read_table, visit_problem
from recist_app.sdtm.numeric import is_whole, parse_number

OVERALL_RESPONSE = "OVRLRESP"
RECIST11_CATEGORY = "RECIST 1.1"
IRECIST_CATEGORY = "iRECIST"

#: OVRLRESP results accepted on import (RULES §7 A18): RECIST 1.1 and iRECIST values.
OVERALL_RESPONSE_VALUES = (
    "CR", "PR", "SD", "PD", "NE", "NON-CR/NON-PD", "ND",
    "iCR", "iPR", "iSD", "iUPD", "iCPD", "NON-iCR/NON-iUPD",
)  # fmt: skip
#: Results accepted under each known RSCAT (upper-cased); other categories accept all of the above.
CATEGORY_VALUES = {
    RECIST11_CATEGORY.upper(): ("CR", "PR", "SD", "PD", "NE", "NON-CR/NON-PD", "ND"),
    IRECIST_CATEGORY.upper(): ("iCR", "iPR", "iSD", "NON-iCR/NON-iUPD", "iUPD", "iCPD", "NE", "ND"),
}

#: Subject-table column holding the start date for each profile ``reference_date`` (A8).
START_COLUMNS = {"randomisation": "RANDDT", "first_dose": "TRTSDT"}

RS_REQUIRED = ("USUBJID", "RSTESTCD", "RSSTRESC", "RSDTC")
SUBJECTS_REQUIRED = ("USUBJID", "RANDDT", "TRTSDT")
#: A previous line's PFS longer than a century is a typing error (RULES §4.2).
MAX_PREVIOUS_PFS_DAYS = 36525


@dataclass(frozen=True)
class ReadKey:
    """Identity of one read: subject, evaluator (``RSEVAL``) and evaluator id (``RSEVALID``)."""

    usubjid: str
    evaluator: str = ""
    evaluator_id: str = ""


@dataclass(frozen=True)
class PreviousPfs:
    """PFS on the previous line of treatment (SUBJECTS ``PFS_PREV_DAYS``, ``PFS_PREV_CNSR``).

    ``days`` is None when the cell is empty; ``censored`` is ``PFS_PREV_CNSR == 1``.
    """

    days: int | None
    censored: bool = False


@dataclass(frozen=True)
class Subject:
    """One row of the subject table: the PFS/BOR start date and the death date, if any.

    ``previous_pfs`` is None when the table has no ``PFS_PREV_DAYS`` column (then no GMI).
    """

    usubjid: str
    start_date: date
    death_date: date | None = None
    previous_pfs: PreviousPfs | None = None


def read_subjects(path: str | Path, reference_date: str) -> list[Subject]:
    """Subjects in file order; ``reference_date`` ('randomisation' / 'first_dose') picks RANDDT
    or TRTSDT as the start date (RULES §1.10, §4.1, §7 A8).

    Raises
    ------
    InputFileError
        On a missing column, a duplicate or empty USUBJID, an empty or invalid date, a
        ``PFS_PREV_DAYS`` that is not a non-negative whole number or a ``PFS_PREV_CNSR`` not 0/1.
    """
    column = START_COLUMNS.get(reference_date)
    if column is None:
        raise InputFileError(str(path), None, f"unknown reference_date {reference_date!r}.")
    subjects: list[Subject] = []
    seen: dict[str, int | None] = {}
    for row in read_table(path, required=SUBJECTS_REQUIRED):
        usubjid = _usubjid(row)
        if usubjid in seen:
            raise row.error(f"USUBJID {usubjid!r} appears twice (lines {seen[usubjid]} and {row.line}); "
                            "list each subject once.")
        seen[usubjid] = row.line
        if not row.get(column):
            raise row.error(
                f"{column} is empty for subject {usubjid!r}; it is the start date because the "
                f"profile's reference_date is {reference_date!r}. Fill it in or change the profile."
            )
        start = parse_date(row, column, partial=False).value
        death = parse_date(row, "DTHDT", partial=False).value if row.get("DTHDT") else None
        if death is not None and death < start:
            raise row.error(f"DTHDT {death} is before the start date {column} {start}.")
        subjects.append(Subject(usubjid, start, death, _previous_pfs(row)))
    return subjects


def read_overall_responses(
    path: str | Path,
    known_subjects: Collection[str] | None = None,
    category: str = RECIST11_CATEGORY,
) -> dict[ReadKey, tuple[Assessment, ...]]:
    """RS ``OVRLRESP`` assessments of ``category`` per read, each sorted by date.

    ``category`` matches ``RSCAT`` case-insensitively ("iRECIST" reads the iRECIST responses).
    See :func:`read_overall_responses_by_category` for the validation.

    Raises
    ------
    InputFileError
        On a missing column, an unknown or empty result, an invalid date or an unknown subject.
    """
    return read_overall_responses_by_category(path, known_subjects, (category,))[category]


def read_overall_responses_by_category(
    path: str | Path,
    known_subjects: Collection[str] | None = None,
    categories: Sequence[str] = (RECIST11_CATEGORY, IRECIST_CATEGORY),
) -> dict[str, dict[ReadKey, tuple[Assessment, ...]]]:
    """RS ``OVRLRESP`` assessments per category (as given) and read; see :func:`read_responses`."""
    return read_responses(path, known_subjects, categories).assessments


@dataclass(frozen=True)
class OverallResponses:
    """RS ``OVRLRESP`` assessments per category and read, each sorted by date, the dates whose day was imputed
    (RULES §7 A17: every row of the read on that date was ``YYYY-MM``) and the RS row behind each assessment (the
    same order; ADaM takes RSSEQ, VISIT and RSACPTFL from it)."""

    assessments: dict[str, dict[ReadKey, tuple[Assessment, ...]]]
    imputed: dict[str, dict[ReadKey, frozenset[date]]] = field(default_factory=dict)
    rows: dict[str, dict[ReadKey, tuple[Row, ...]]] = field(default_factory=dict)

    def imputed_dates(self, category: str, key: ReadKey) -> frozenset[date]:
        """The imputed dates of one read of ``category`` (empty when none)."""
        return self.imputed.get(category, {}).get(key, frozenset())


def read_responses(
    path: str | Path,
    known_subjects: Collection[str] | None = None,
    categories: Sequence[str] = (RECIST11_CATEGORY, IRECIST_CATEGORY),
) -> OverallResponses:
    """RS ``OVRLRESP`` assessments per category (as given) and read, in one pass over the file.

    Every OVRLRESP row is validated (A18), whatever its ``RSCAT``: a RECIST 1.1 row (or empty
    ``RSCAT``) must carry a RECIST 1.1 value, an iRECIST row an iRECIST value (NE and ND in
    both), any other category one of :data:`OVERALL_RESPONSE_VALUES`. A row with ``RSSTAT = NOT
    DONE`` and no result counts as ND. With ``known_subjects``, a row of any other subject is
    an error.

    Raises
    ------
    InputFileError
        On a missing column, no OVRLRESP row at all, an unknown or empty result, an invalid date,
        an unknown subject, or two different results of one read on one date.
    """
    return responses_of_rows(read_table(path, required=RS_REQUIRED), str(path), known_subjects, categories)


def responses_of_rows(
    rows: Iterable[Row],
    source: str,
    known_subjects: Collection[str] | None = None,
    categories: Sequence[str] = (RECIST11_CATEGORY, IRECIST_CATEGORY),
) -> OverallResponses:
    """:func:`read_responses` of RS rows already read (``source`` names them in errors)."""
    wanted = {c.upper(): c for c in categories}
    found: dict[tuple[str, ReadKey, date], tuple[Assessment, Row, bool]] = {}
    overall_rows = 0
    for row in rows:
        if row.get("RSTESTCD").upper() != OVERALL_RESPONSE:
            continue
        overall_rows += 1
        usubjid = _usubjid(row)
        if known_subjects is not None and usubjid not in known_subjects:
            raise row.error(f"USUBJID {usubjid!r} is not in the subject table; add it there.")
        rscat = (row.get("RSCAT") or RECIST11_CATEGORY).upper()
        response = _response(row, rscat)
        if rscat not in wanted:
            continue
        day, imputed = parse_date(row, "RSDTC")
        visit = row.get("VISITNUM")
        if visit and (problem := visit_problem(visit)) is not None:
            raise row.error(problem)
        slot = (wanted[rscat], ReadKey(usubjid, row.get("RSEVAL"), row.get("RSEVALID")), day)
        assessment = Assessment(day, response, visit or row.get("VISIT"))
        earlier = found.get(slot)
        if earlier is None:
            found[slot] = (assessment, row, imputed)
        elif earlier[0].response != response:
            texts = {earlier[1].get("RSDTC"), row.get("RSDTC")}
            given = "" if texts == {day.isoformat()} else f" (RSDTC {' and '.join(map(repr, sorted(texts)))})"
            raise row.error(
                f"two different OVRLRESP results for subject {usubjid!r} on {day}{given} in {wanted[rscat]}: "
                f"{earlier[0].response!r} and {response!r} (lines {earlier[1].line} and {row.line}); keep one.")
        elif earlier[2] and not imputed:
            found[slot] = (earlier[0], earlier[1], False)  # the same result with the complete date
    if not overall_rows:
        raise InputFileError(source, None, "has no OVRLRESP rows (RSTESTCD); best overall response and "
                                              "PFS need the overall response of each assessment.")
    return _grouped(found, categories)


def _grouped(found: Mapping[tuple[str, ReadKey, date], tuple[Assessment, Row, bool]],
             categories: Sequence[str]) -> OverallResponses:
    """The assessments of :func:`read_responses` per category and read, sorted by date."""
    reads: dict[str, dict[ReadKey, list[tuple[Assessment, Row]]]] = {c: defaultdict(list) for c in categories}
    imputed: dict[str, dict[ReadKey, set[date]]] = {c: defaultdict(set) for c in categories}
    for (category, key, day), (assessment, row, was_imputed) in found.items():
        reads[category][key].append((assessment, row))
        if was_imputed:
            imputed[category][key].add(day)
    ordered = {category: {key: sorted(items, key=lambda item: item[0].date) for key, items in by_read.items()}
               for category, by_read in reads.items()}
    return OverallResponses(
        {category: {key: tuple(a for a, _ in items) for key, items in by_read.items()}
         for category, by_read in ordered.items()},
        {category: {key: frozenset(days) for key, days in by_read.items()} for category, by_read in imputed.items()},
        {category: {key: tuple(r for _, r in items) for key, items in by_read.items()}
         for category, by_read in ordered.items()},
    )


def reads_by_subject(
    reads: Mapping[ReadKey, tuple[Assessment, ...]], subjects: Sequence[Subject]
) -> list[tuple[Subject, ReadKey, tuple[Assessment, ...]]]:
    """(subject, read, assessments) in subject-table order, reads sorted; a subject without RS
    rows gets one read with empty evaluator fields and no assessments."""
    out: list[tuple[Subject, ReadKey, tuple[Assessment, ...]]] = []
    for subject in subjects:
        keys = sorted(
            (k for k in reads if k.usubjid == subject.usubjid),
            key=lambda k: (k.evaluator, k.evaluator_id),
        )
        if not keys:
            out.append((subject, ReadKey(subject.usubjid), ()))
        out.extend((subject, k, reads[k]) for k in keys)
    return out


def _usubjid(row: Row) -> str:
    usubjid = row.get("USUBJID")
    if not usubjid:
        raise row.error("USUBJID is empty; every row needs a subject identifier.")
    return usubjid


def _response(row: Row, rscat: str) -> str:
    """The OVRLRESP result, validated against RULES §7 A18 for its (upper-cased) ``RSCAT``."""
    value = row.get("RSSTRESC") or row.get("RSORRES")
    allowed = CATEGORY_VALUES.get(rscat, OVERALL_RESPONSE_VALUES)
    expected = f"expected one of {', '.join(allowed)}."
    if not value:
        if row.get("RSSTAT").upper() == "NOT DONE":
            return "ND"
        raise row.error(f"OVRLRESP result is empty (RSSTRESC and RSORRES); {expected}")
    if value not in allowed:
        column = "RSSTRESC" if row.get("RSSTRESC") else "RSORRES"
        scope = {IRECIST_CATEGORY.upper(): f"an {IRECIST_CATEGORY}",
                 RECIST11_CATEGORY.upper(): f"a {RECIST11_CATEGORY}"}.get(rscat, "a known")  # fmt: skip
        raise row.error(f"OVRLRESP {column} {value!r} is not {scope} overall response "
                        f"(RSCAT {row.get('RSCAT') or RECIST11_CATEGORY!r}); {expected}")
    return value


#: The previous line's PFS columns: the subject table's, and the exported ADSL's (ADaM names of 8 characters).
PREVIOUS_PFS_COLUMNS = (("PFS_PREV_DAYS", "PFS_PREV_CNSR"), ("PFSPRVDY", "PFSPRVCN"))


def _previous_pfs(row: Row) -> PreviousPfs | None:
    """``PFS_PREV_DAYS`` / ``PFS_PREV_CNSR`` (ADSL ``PFSPRVDY`` / ``PFSPRVCN``) of a subject row; None without the days
    column."""
    days_column, flag_column = next(((d, f) for d, f in PREVIOUS_PFS_COLUMNS if d in row.values),
                                    PREVIOUS_PFS_COLUMNS[0])
    if days_column not in row.values:
        for _, flag in PREVIOUS_PFS_COLUMNS:
            if row.get(flag):
                raise row.error(f"{flag} is given but the previous line's PFS in days is missing; add it.")
        return None
    text = row.get(days_column)
    days = None
    if text:
        number = parse_number(text)
        if number is None or number < 0 or not is_whole(number) or number > MAX_PREVIOUS_PFS_DAYS:
            raise row.error(
                f"{days_column} {text!r} is not a non-negative whole number of days (at most "
                f"{MAX_PREVIOUS_PFS_DAYS}, a century); give the previous-line PFS in days or leave it empty."
            )
        days = int(number)
    flag = row.get(flag_column)
    if flag not in ("", "0", "1"):
        raise row.error(f"{flag_column} {flag!r} must be 0 (event) or 1 (censored), or empty (0).")
    return PreviousPfs(days, flag == "1")
