"""Engine results → SDTM RS rows and derived TR summary rows (CDISC.md §3.1, §4, §6, §7).

RS: per read and follow-up visit ``TRGRESP``, ``NTRGRESP`` (when the read has non-targets),
``NEWLIND``, ``NEWLPROG`` and ``OVRLRESP`` under ``RSCAT = RECIST 1.1`` (stopping at the read's first PD) and
under ``RSCAT = iRECIST`` (until iCPD); for reads with irradiated lesions, ``TRGRESP`` of each
subset under ``RSCAT = PROTOCOL DEFINED RESPONSE CRITERIA`` with ``RSSCAT = IRRADIATED LESIONS`` /
``NON-IRRADIATED LESIONS`` (CDISC.md §7 PROPOSAL 3).

New lesions (CDISC.md §4.1, §6 PROPOSAL): ``NEWLIND = Y`` when a new lesion is seen, equivocal or not, and then
``NEWLPROG`` says whether it is progression: ``UNEQUIVOCAL``, or ``EQUIVOCAL`` when every new lesion seen is
equivocal (RULES §1.7: no PD yet; as pharmaversesdtm ``rs_onco_irecist`` writes them). Under iRECIST, each
assessment after an iUPD carries ``NEWLWIND`` and (with non-targets) ``NTLWIND``: ``Y`` when that category's
worsening confirmed the iUPD (RULES §2.3).
TR: ``SUMDIAM``, ``SUMNLNLD`` per visit with a complete sum; ``PCBSD``, ``PCNSD``, ``ACNSD`` at
follow-ups (CDISC C96779 test codes and C96778 names).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from enum import StrEnum

from assessment.domain import Response, TimepointResult
from assessment.read_report import ReadReport
from recist_app.sdtm import terms as cdisc_terms
from recist_app.sdtm.csv_io import CellValue, format_decimal
from recist_app.sdtm.iso_dates import is_partial

RS_COLUMNS = ("STUDYID", "DOMAIN", "USUBJID", "RSSEQ", "RSTESTCD", "RSTEST", "RSCAT", "RSSCAT",
              "RSORRES", "RSSTRESC", "RSEVAL", "RSEVALID", "VISITNUM", "VISIT", "RSDTC", "RSDY")
TR_COLUMNS = ("STUDYID", "DOMAIN", "USUBJID", "TRSEQ", "TRGRPID", "TRTESTCD", "TRTEST", "TRORRES",
              "TRORRESU", "TRSTRESC", "TRSTRESN", "TRSTRESU", "TREVAL", "TREVALID", "VISITNUM", "VISIT")
RS_TESTS = {code: cdisc_terms.RS_TESTS[code]
            for code in ("TRGRESP", "NTRGRESP", "NEWLIND", "NEWLPROG", "OVRLRESP", "NEWLWIND", "NTLWIND")}
#: The engine's finding on an equivocal new lesion (RULES §1.7, A6).
EQUIVOCAL_NEW_LESION = "EQUIVOCAL_NEW_LESION"
TR_TESTS = {
    "SUMDIAM": "Sum of Diameter",
    "SUMNLNLD": "Sum Diameters of Non Lymph Node Tumors",
    "PCBSD": "Percent Change Baseline in Sum of Diam",
    "PCNSD": "Percent Change Nadir in Sum of Diam",
    "ACNSD": "Absolute Change Nadir in Sum of Diam",
}
RECIST11 = "RECIST 1.1"
IRECIST = "iRECIST"
PROTOCOL_DEFINED = "PROTOCOL DEFINED RESPONSE CRITERIA"
IRRADIATED = "IRRADIATED LESIONS"
NON_IRRADIATED = "NON-IRRADIATED LESIONS"

StudyDay = Callable[[str, date], int | None]


def study_day(reference: date | None, when: date) -> int | None:
    """SDTM --DY: days from the reference date, day 1 on it, no day 0 (SDTMIG §4.4.4); None without a reference."""
    return None if reference is None else day_number(reference, when)


def day_number(reference: date, when: date) -> int:
    """The day of ``when`` counted as SDTM --DY and PFS count (PFS days = ADT − start + 1): day 1 on the reference
    date, no day 0, negative before it. The PDF and the plots count so too (issue 18)."""
    delta = (when - reference).days
    return delta + 1 if delta >= 0 else delta


def rs_rows(reports: list[ReadReport], day: StudyDay) -> Iterator[tuple[CellValue, ...]]:
    """RS rows (values in :data:`RS_COLUMNS` order) of every read and follow-up visit, numbered per
    subject (RSSEQ). ``RSDTC`` is the scan date as given, so a ``YYYY-MM`` date stays partial (the
    SDTM form of RULES §7 A17's flag) and its ``RSDY`` is empty (SDTMIG §4.4.4)."""
    seq: dict[str, int] = {}
    for report in reports:
        read = report.read
        subject = read.subject_id
        for rscat, rsscat, code, value, tp in _results(report):
            seq[subject] = number = seq.get(subject, 0) + 1
            yield (read.study_id, "RS", subject, number, code, RS_TESTS[code], rscat, rsscat, value, value,
                   read.evaluator, read.evaluator_id, tp.visit_id, tp.visit, tp.date_text,
                   None if is_partial(tp.date_text) else day(subject, tp.date))


def _results(report: ReadReport) -> Iterator[tuple[str, str, str, str, TimepointResult]]:
    """(RSCAT, RSSCAT, RSTESTCD, result, time point) per follow-up, in visit order.

    RECIST 1.1 and the irradiated / non-irradiated subsets stop at the first PD; iRECIST goes on
    after iUPD until iCPD (RULES §2.1).
    """
    irecist = {tp.visit_id: tp for tp in report.irecist.timepoints}
    subsets = {tp.visit_id: tp for tp in report.subsets.follow_ups} if report.subsets else {}
    before_pd = True
    for tp in report.recist.follow_ups:
        equivocal = any(finding.code == EQUIVOCAL_NEW_LESION for finding in tp.findings)
        if before_pd:
            yield from _tests(RECIST11, "", tp.target_response, tp.nontarget_response,
                              _new_lesion_progression(tp.new_lesion, equivocal), tp.overall, tp)
        if (itp := irecist.get(tp.visit_id)) is not None:
            yield from _tests(IRECIST, "", itp.target_response, itp.nontarget_response,
                              _new_lesion_progression(itp.new_lesion, equivocal), itp.overall, tp)
            if itp.worsening is not None:
                yield IRECIST, "", "NEWLWIND", _yes_no("new lesion" in itp.worsening), tp
                if itp.nontarget_response is not None:
                    yield IRECIST, "", "NTLWIND", _yes_no("non-target" in itp.worsening), tp
        if before_pd and (stp := subsets.get(tp.visit_id)) is not None:
            for rsscat, subset in ((IRRADIATED, stp.irradiated), (NON_IRRADIATED, stp.non_irradiated)):
                if subset is not None and subset.response is not None:
                    yield PROTOCOL_DEFINED, rsscat, "TRGRESP", subset.response.value, tp
        before_pd = before_pd and tp.overall is not Response.PD


def _new_lesion_progression(unequivocal: bool, equivocal: bool) -> str:
    """NEWLPROG of a visit: ``UNEQUIVOCAL``, ``EQUIVOCAL`` (only equivocal new lesions), "" without new lesions."""
    return "UNEQUIVOCAL" if unequivocal else "EQUIVOCAL" if equivocal else ""


def _yes_no(flag: bool) -> str:
    return "Y" if flag else "N"


def _tests(rscat: str, rsscat: str, target: StrEnum | None, nontarget: StrEnum | None, new_lesion: str,
           overall: StrEnum, tp: TimepointResult) -> Iterator[tuple[str, str, str, str, TimepointResult]]:
    """TRGRESP, NTRGRESP, NEWLIND, NEWLPROG (``new_lesion`` as :func:`_new_lesion_progression`) and OVRLRESP."""
    if target is not None:
        yield rscat, rsscat, "TRGRESP", target.value, tp
    if nontarget is not None:
        yield rscat, rsscat, "NTRGRESP", nontarget.value, tp
    yield rscat, rsscat, "NEWLIND", _yes_no(bool(new_lesion)), tp
    if new_lesion:
        yield rscat, rsscat, "NEWLPROG", new_lesion, tp
    yield rscat, rsscat, "OVRLRESP", overall.value, tp


def tr_derived_rows(reports: list[ReadReport]) -> Iterator[tuple[CellValue, ...]]:
    """Derived TR summary rows (values in :data:`TR_COLUMNS` order) shown to the reader (CDISC.md §1
    rule 1, §3.1)."""
    seq: dict[str, int] = {}
    for report in reports:
        result, read = report.recist, report.read
        subject = read.subject_id
        for tp in result.timepoints:
            for code, value, unit in _summary_values(tp):
                seq[subject] = number = seq.get(subject, 0) + 1
                text = format_decimal(value, 2 if unit == "%" else None)
                yield (read.study_id, "TR", subject, number, "TARGET", code, TR_TESTS[code], text, unit, text,
                       text, unit, read.evaluator, read.evaluator_id, tp.visit_id, tp.visit)


def summary_values(tp: TimepointResult) -> list[tuple[str, str, str]]:
    """(TRTESTCD, result text, unit) of the derived TR summary rows of one time point, as
    :func:`tr_derived_rows` writes them (percentages rounded to 2 decimals)."""
    return [(code, format_decimal(value, 2 if unit == "%" else None), unit)
            for code, value, unit in _summary_values(tp)]


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
