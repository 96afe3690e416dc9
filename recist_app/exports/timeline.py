"""The response timeline for the statistics team: one row per read × visit, with a dictionary.

Columns are a contract: later issues append columns, never rename them. Units are in the names.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from assessment.domain import TimepointResult
from assessment.read_report import ReadReport
from assessment.subsets import SubsetTimepoint
from recist_app.sdtm.csv_io import CellValue, format_decimal
from recist_app.sdtm.iso_dates import is_partial
from recist_app.sdtm.response_tables import StudyDay

#: (column, type, unit, description) of every timeline column, in order.
TIMELINE_DICTIONARY: tuple[tuple[str, str, str, str], ...] = (
    ("USUBJID", "text", "", "Unique subject identifier (SDTM)"),
    ("RSEVAL", "text", "", "Evaluator (INVESTIGATOR, INDEPENDENT ASSESSOR, ...)"),
    ("RSEVALID", "text", "", "Evaluator identifier (RADIOLOGIST 1, ...)"),
    ("VISITNUM", "decimal", "", "Visit number (SDTM VISITNUM)"),
    ("VISIT", "text", "", "Visit name"),
    ("DATE", "ISO 8601 date", "",
     "Scan date as given (partial dates kept; imputed to the month's last day for calculations)"),
    ("STUDY_DAY", "integer", "days",
     "Study day from the reference date (day 1 = reference); empty without subject dates and for a partial DATE "
     "(as SDTM RSDY)"),
    ("SUM_MM", "decimal", "mm",
     "Sum of diameters of target lesions (nodal short axis + non-nodal long axis); empty when a target was not "
     "assessed"),
    ("NADIR_MM", "decimal", "mm", "Smallest complete sum before this visit, baseline included (RULES A1)"),
    ("PCT_CHANGE_BASELINE", "decimal", "%",
     "Percent change of SUM_MM from the baseline sum, truncated toward zero to 2 decimals"),
    ("PCT_CHANGE_NADIR", "decimal", "%", "Percent change of SUM_MM from NADIR_MM, truncated toward zero to 2 decimals"),
    ("ABS_CHANGE_NADIR_MM", "decimal", "mm", "SUM_MM minus NADIR_MM"),
    ("TARGET_RESPONSE", "category", "", "RECIST 1.1 target response: CR, PR, SD, PD, NE"),
    ("NONTARGET_RESPONSE", "category", "", "RECIST 1.1 non-target response: CR, NON-CR/NON-PD, PD, NE"),
    ("NEW_LESION", "Y/N", "", "Unequivocal new lesion at this visit"),
    ("OVERALL_RESPONSE", "category", "", "RECIST 1.1 overall time-point response (Tables 1 and 2)"),
    ("FINDINGS", "text", "", "Protocol findings and questions for the reader, as CODE: message; separated by ' | '"),
    ("RATIONALE", "text", "",
     "Why each category was given: rule, values and thresholds (RECIST 1.1, then iRECIST), then each irradiation "
     "subset's category with the comparison that decides it and both abscopal verdicts"),
    ("IRECIST_RESPONSE", "category", "",
     "iRECIST overall response: iCR, iPR, iSD, NON-iCR/NON-iUPD, iUPD, iCPD, NE; empty after iCPD"),
    ("NLT_SUM_MM", "decimal", "mm", "iRECIST sum of new-lesion targets, kept apart from SUM_MM"),
    ("SUM_IRRADIATED_MM", "decimal", "mm",
     "Sum of diameters of target lesions irradiated on study (in-field); empty without irradiated targets"),
    ("SUM_NONIRRADIATED_MM", "decimal", "mm",
     "Sum of diameters of non-irradiated target lesions (out-of-field), for reads with irradiated lesions"),
    ("PCT_CHANGE_IRRADIATED", "decimal", "%",
     "Percent change of SUM_IRRADIATED_MM from its own baseline, truncated toward zero to 2 decimals"),
    ("PCT_CHANGE_NONIRRADIATED", "decimal", "%",
     "Percent change of SUM_NONIRRADIATED_MM from its own baseline, truncated toward zero to 2 decimals"),
    ("IRRADIATED_RESPONSE", "category", "",
     "RECIST 1.1 target thresholds applied to the irradiated subset: CR, PR, SD, PD, NE (beside, never instead of, "
     "TARGET_RESPONSE)"),
    ("NONIRRADIATED_RESPONSE", "category", "",
     "RECIST 1.1 target thresholds applied to the non-irradiated subset: CR, PR, SD, PD, NE"),
    ("ABSCOPAL_SUM30", "Y/N", "",
     "Abscopal response, sum definition: non-irradiated subset sum at least 30 % below its own baseline (PEMBRO-RT /"
     " McBride)"),
    ("ABSCOPAL_ANY_LESION30", "Y/N", "",
     "Abscopal response, lesion definition: at least one non-irradiated target at least 30 % below its own baseline "
     "(Golden)"),
)
TIMELINE_COLUMNS = tuple(name for name, *_ in TIMELINE_DICTIONARY)
DICTIONARY_COLUMNS = ("COLUMN", "TYPE", "UNIT", "DESCRIPTION")


def timeline_rows(reports: list[ReadReport], day: StudyDay) -> Iterator[tuple[CellValue, ...]]:
    """One row per read × visit, baseline included (values in :data:`TIMELINE_COLUMNS` order)."""
    for report in reports:
        read, result = report.read, report.recist
        irecist = {tp.visit_id: tp for tp in report.irecist.timepoints}
        subsets = {tp.visit_id: tp for tp in report.subsets.timepoints} if report.subsets else {}
        for tp in result.timepoints:
            itp, stp = irecist.get(tp.visit_id), subsets.get(tp.visit_id)
            findings = result.baseline_findings + tp.findings if tp.is_baseline else tp.findings
            findings += itp.findings if itp else ()
            rationale = [tp.rationale] + ([f"iRECIST: {itp.rationale}"] if itp else []) \
                + ([f"Subsets: {stp.summary}"] if stp and not stp.is_baseline else [])
            yield (
                read.subject_id, read.evaluator, read.evaluator_id, tp.visit_id, tp.visit,
                tp.date_text or tp.date.isoformat(),
                None if is_partial(tp.date_text) else day(read.subject_id, tp.date),
                format_decimal(tp.sum_mm), format_decimal(tp.nadir_mm), format_decimal(tp.pct_change_baseline, 2),
                format_decimal(tp.pct_change_nadir, 2), format_decimal(tp.abs_change_nadir_mm),
                *_categories(tp),
                " | ".join(f"{f.code}: {f.message}" for f in findings), " ".join(rationale),
                itp.overall.value if itp else "", format_decimal(itp.nlt_sum_mm) if itp else "",
                *_subset_columns(stp),
            )


def _subset_columns(stp: SubsetTimepoint | None) -> tuple[str, ...]:
    """SUM_IRRADIATED_MM … ABSCOPAL_ANY_LESION30, in column order."""
    sums, changes, responses = [], [], []
    for subset in (stp and stp.irradiated, stp and stp.non_irradiated):
        sums.append(format_decimal(subset.sum_mm) if subset else "")
        changes.append(format_decimal(subset.pct_change_baseline, 2) if subset else "")
        responses.append(subset.response.value if subset and subset.response else "")
    flags = (_flag(stp.abscopal_sum30), _flag(stp.abscopal_any_lesion30)) if stp else ("", "")
    return (*sums, *changes, *responses, *flags)


def _flag(value: bool | None) -> str:
    return "" if value is None else "Y" if value else "N"


def _categories(tp: TimepointResult) -> tuple[str, str, str, str]:
    """TARGET_RESPONSE, NONTARGET_RESPONSE, NEW_LESION, OVERALL_RESPONSE (empty at baseline)."""
    if tp.is_baseline:
        return ("", "", "", "")
    return (tp.target_response.value if tp.target_response else "",
            tp.nontarget_response.value if tp.nontarget_response else "",
            "Y" if tp.new_lesion else "N", tp.overall.value)


def dictionary_rows() -> Iterator[dict[str, CellValue]]:
    """The data dictionary of :data:`TIMELINE_COLUMNS`."""
    for name, kind, unit, description in TIMELINE_DICTIONARY:
        yield {"COLUMN": name, "TYPE": kind, "UNIT": unit, "DESCRIPTION": description}


def no_study_day(subject_id: str, when: date) -> int | None:
    """Study day when no subject reference dates were given: unknown."""
    return None
