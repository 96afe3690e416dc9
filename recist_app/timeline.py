"""The response timeline for the statistics team: one row per read × visit, with a dictionary.

Columns are a contract: later issues append columns, never rename them. Units are in the names.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from assessment.domain import ReadResult, TimepointResult
from recist_app.sdtm.csv_io import CellValue, format_decimal
from recist_app.sdtm.response_tables import StudyDay

#: (column, type, unit, description) of every timeline column, in order.
TIMELINE_DICTIONARY: tuple[tuple[str, str, str, str], ...] = (
    ("USUBJID", "text", "", "Unique subject identifier (SDTM)"),
    ("RSEVAL", "text", "", "Evaluator (INVESTIGATOR, INDEPENDENT ASSESSOR, ...)"),
    ("RSEVALID", "text", "", "Evaluator identifier (RADIOLOGIST 1, ...)"),
    ("VISITNUM", "decimal", "", "Visit number (SDTM VISITNUM)"),
    ("VISIT", "text", "", "Visit name"),
    ("DATE", "ISO 8601 date", "", "Scan date as given (partial dates kept; imputed to the month's last day for calculations)"),
    ("STUDY_DAY", "integer", "days", "Study day from the reference date (day 1 = reference); empty without subject dates"),
    ("SUM_MM", "decimal", "mm", "Sum of diameters of target lesions (nodal short axis + non-nodal long axis); empty when a target was not assessed"),
    ("NADIR_MM", "decimal", "mm", "Smallest complete sum before this visit, baseline included (RULES A1)"),
    ("PCT_CHANGE_BASELINE", "decimal", "%", "Percent change of SUM_MM from the baseline sum, truncated toward zero to 2 decimals"),
    ("PCT_CHANGE_NADIR", "decimal", "%", "Percent change of SUM_MM from NADIR_MM, truncated toward zero to 2 decimals"),
    ("ABS_CHANGE_NADIR_MM", "decimal", "mm", "SUM_MM minus NADIR_MM"),
    ("TARGET_RESPONSE", "category", "", "RECIST 1.1 target response: CR, PR, SD, PD, NE"),
    ("NONTARGET_RESPONSE", "category", "", "RECIST 1.1 non-target response: CR, NON-CR/NON-PD, PD, NE"),
    ("NEW_LESION", "Y/N", "", "Unequivocal new lesion at this visit"),
    ("OVERALL_RESPONSE", "category", "", "RECIST 1.1 overall time-point response (Tables 1 and 2)"),
    ("FINDINGS", "text", "", "Protocol findings and questions for the reader, as CODE: message; separated by ' | '"),
    ("RATIONALE", "text", "", "Why each category was given: rule, values and thresholds"),
)
TIMELINE_COLUMNS = tuple(name for name, *_ in TIMELINE_DICTIONARY)
DICTIONARY_COLUMNS = ("COLUMN", "TYPE", "UNIT", "DESCRIPTION")


def timeline_rows(results: list[ReadResult], day: StudyDay) -> Iterator[dict[str, CellValue]]:
    """One row per read × visit, baseline included."""
    for result in results:
        read = result.read
        for tp in result.timepoints:
            findings = result.baseline_findings + tp.findings if tp.is_baseline else tp.findings
            yield {
                "USUBJID": read.subject_id, "RSEVAL": read.evaluator, "RSEVALID": read.evaluator_id,
                "VISITNUM": tp.visit_id, "VISIT": tp.visit, "DATE": tp.date_text or tp.date.isoformat(),
                "STUDY_DAY": day(read.subject_id, tp.date),
                "SUM_MM": format_decimal(tp.sum_mm), "NADIR_MM": format_decimal(tp.nadir_mm),
                "PCT_CHANGE_BASELINE": format_decimal(tp.pct_change_baseline, 2),
                "PCT_CHANGE_NADIR": format_decimal(tp.pct_change_nadir, 2),
                "ABS_CHANGE_NADIR_MM": format_decimal(tp.abs_change_nadir_mm),
                **_categories(tp),
                "FINDINGS": " | ".join(f"{f.code}: {f.message}" for f in findings),
                "RATIONALE": tp.rationale,
            }


def _categories(tp: TimepointResult) -> dict[str, str]:
    if tp.is_baseline:
        return {"TARGET_RESPONSE": "", "NONTARGET_RESPONSE": "", "NEW_LESION": "", "OVERALL_RESPONSE": ""}
    return {
        "TARGET_RESPONSE": tp.target_response.value if tp.target_response else "",
        "NONTARGET_RESPONSE": tp.nontarget_response.value if tp.nontarget_response else "",
        "NEW_LESION": "Y" if tp.new_lesion else "N",
        "OVERALL_RESPONSE": tp.overall.value,
    }


def dictionary_rows() -> Iterator[dict[str, CellValue]]:
    """The data dictionary of :data:`TIMELINE_COLUMNS`."""
    for name, kind, unit, description in TIMELINE_DICTIONARY:
        yield {"COLUMN": name, "TYPE": kind, "UNIT": unit, "DESCRIPTION": description}


def no_study_day(subject_id: str, when: date) -> int | None:
    """Study day when no subject reference dates were given: unknown."""
    return None
