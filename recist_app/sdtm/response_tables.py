"""Engine results → SDTM RS rows and derived TR summary rows (CDISC.md §3.1, §4).

RS: per read and follow-up visit ``TRGRESP``, ``NTRGRESP`` (when the read has non-targets),
``NEWLIND`` and ``OVRLRESP`` under ``RSCAT = RECIST 1.1``, stopping at the read's first PD.
TR: ``SUMDIAM``, ``SUMNLNLD`` per visit with a complete sum; ``PCBSD``, ``PCNSD``, ``ACNSD`` at
follow-ups (CDISC C96779 test codes and C96778 names).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal

from assessment.domain import ReadResult, Response, TimepointResult
from recist_app.sdtm.csv_io import CellValue, format_decimal

RS_COLUMNS = ("STUDYID", "DOMAIN", "USUBJID", "RSSEQ", "RSTESTCD", "RSTEST", "RSCAT", "RSSCAT",
              "RSORRES", "RSSTRESC", "RSEVAL", "RSEVALID", "VISITNUM", "VISIT", "RSDTC", "RSDY")
TR_COLUMNS = ("STUDYID", "DOMAIN", "USUBJID", "TRSEQ", "TRGRPID", "TRTESTCD", "TRTEST", "TRORRES",
              "TRORRESU", "TRSTRESC", "TRSTRESN", "TRSTRESU", "TREVAL", "TREVALID", "VISITNUM", "VISIT")
RS_TESTS = {
    "TRGRESP": "Target Response",
    "NTRGRESP": "Non-target Response",
    "NEWLIND": "New Lesion Indicator",
    "OVRLRESP": "Overall Response",
}
TR_TESTS = {
    "SUMDIAM": "Sum of Diameter",
    "SUMNLNLD": "Sum Diameters of Non Lymph Node Tumors",
    "PCBSD": "Percent Change Baseline in Sum of Diam",
    "PCNSD": "Percent Change Nadir in Sum of Diam",
    "ACNSD": "Absolute Change Nadir in Sum of Diam",
}
RECIST11 = "RECIST 1.1"

StudyDay = Callable[[str, date], int | None]


def study_day(reference: date | None, when: date) -> int | None:
    """SDTM --DY: days from the reference date, day 1 on it, no day 0 (SDTMIG §4.4.4)."""
    if reference is None:
        return None
    delta = (when - reference).days
    return delta + 1 if delta >= 0 else delta


def rs_rows(results: list[ReadResult], day: StudyDay) -> Iterator[dict[str, CellValue]]:
    """RS rows of every read, numbered per subject (RSSEQ)."""
    seq: dict[str, int] = {}
    for result in results:
        read = result.read
        has_nontargets = any(tp.nontarget_response is not None for tp in result.follow_ups)
        for tp in result.follow_ups:
            values = {"OVRLRESP": tp.overall.value, "NEWLIND": "Y" if tp.new_lesion else "N"}
            if tp.target_response is not None:
                values["TRGRESP"] = tp.target_response.value
            if has_nontargets and tp.nontarget_response is not None:
                values["NTRGRESP"] = tp.nontarget_response.value
            for code in RS_TESTS:
                if code not in values:
                    continue
                seq[read.subject_id] = seq.get(read.subject_id, 0) + 1
                yield {"STUDYID": read.study_id, "DOMAIN": "RS", "USUBJID": read.subject_id,
                       "RSSEQ": seq[read.subject_id], "RSTESTCD": code, "RSTEST": RS_TESTS[code],
                       "RSCAT": RECIST11, "RSSCAT": "", "RSORRES": values[code], "RSSTRESC": values[code],
                       "RSEVAL": read.evaluator, "RSEVALID": read.evaluator_id, "VISITNUM": tp.visit_id,
                       "VISIT": tp.visit, "RSDTC": tp.date_text, "RSDY": day(read.subject_id, tp.date)}
            if tp.overall is Response.PD:
                break  # RECIST 1.1 stops at the read's first PD


def tr_derived_rows(results: list[ReadResult]) -> Iterator[dict[str, CellValue]]:
    """Derived TR summary rows shown to the reader (CDISC.md §1 rule 1, §3.1)."""
    seq: dict[str, int] = {}
    for result in results:
        read = result.read
        for tp in result.timepoints:
            for code, value, unit in _summary_values(tp):
                seq[read.subject_id] = seq.get(read.subject_id, 0) + 1
                text = format_decimal(value, 2 if unit == "%" else None)
                yield {"STUDYID": read.study_id, "DOMAIN": "TR", "USUBJID": read.subject_id,
                       "TRSEQ": seq[read.subject_id], "TRGRPID": "TARGET", "TRTESTCD": code,
                       "TRTEST": TR_TESTS[code], "TRORRES": text, "TRORRESU": unit, "TRSTRESC": text,
                       "TRSTRESN": text, "TRSTRESU": unit, "TREVAL": read.evaluator,
                       "TREVALID": read.evaluator_id, "VISITNUM": tp.visit_id, "VISIT": tp.visit}


def _summary_values(tp: TimepointResult) -> list[tuple[str, Decimal, str]]:
    if tp.sum_mm is None:
        return []
    values = [("SUMDIAM", tp.sum_mm, "mm")]
    if tp.sum_non_nodal_mm is not None:
        values.append(("SUMNLNLD", tp.sum_non_nodal_mm, "mm"))
    if not tp.is_baseline:
        for code, value, unit in (("PCBSD", tp.pct_change_baseline, "%"),
                                  ("PCNSD", tp.pct_change_nadir, "%"),
                                  ("ACNSD", tp.abs_change_nadir_mm, "mm")):
            if value is not None:
                values.append((code, value, unit))
    return values
