"""ADRS: the time-point responses of each read and the parameters derived from them (admiralonco's ``ad_adrs``
template; CDISC.md §9; RULES §1.10, §2.6, §7).

Per read (RSEVAL / RSEVALID, RSACPTFL kept so that the analysis picks the accepted central read):

- ``OVR`` every RECIST 1.1 OVRLRESP, ``IOVR`` every iRECIST one, ``TRGIRR`` / ``TRGNIR`` the protocol-defined
  target response of the irradiated / non-irradiated lesions (CDISC.md §7), each with ``SRCSEQ`` its RSSEQ;
- ``PD`` (first PD), ``BOR`` / ``CBOR`` (unconfirmed / confirmed best response), ``RSP`` / ``CRSP`` (first response /
  first confirmed response), ``BCP`` / ``CBCP`` (BOR / CBOR is CR or PR), ``CB`` / ``CCB`` (clinical benefit), ``LSTA``
  (last assessment, also after PD), ``MDIS`` (a target lesion at baseline), ``DEATH``;
- ``IBOR``, ``IUPD`` (progression never confirmed, RULES A13) and ``ICPD`` (confirmed progression) under iRECIST;
- ``BORIRR`` / ``BORNIR`` the best subset response, by the BOR rule (sponsor-defined).

``AVAL`` codes the response (:data:`~recist_app.adam.terms.RECIST_AVAL`) or Y/N as 1/0. ``ANL01FL`` is ``Y`` on
every record analysed (an OVR with a result); ``ANL02FL`` on the dated records up to and including the first PD.
``ADTF`` is ``D`` when ``ADT`` comes from a ``YYYY-MM`` RSDTC (RULES §7 A17).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from assessment.best_response import (
    best_overall_response,
    clinical_benefit,
    confirmed_best_overall_response,
    first_confirmed_response,
    first_response,
)
from assessment.irecist_outcome import irecist_outcome
from assessment.profile import Profile
from recist_app.adam.reads import AnalysisRead, Dated, evaluator_columns
from recist_app.adam.subjects import iso_date
from recist_app.adam.terms import ADRS_PARAMS, IRECIST_AVAL, RECIST_AVAL, YES_NO_AVAL
from recist_app.exports.files import Table
from recist_app.sdtm.csv_io import CellValue
from recist_app.sdtm.response_tables import day_number

ADRS_COLUMNS = ("STUDYID", "USUBJID", "SITEID", "TRT01P", "TRT01A", "RANDDT", "TRTSDT", "RSEVAL", "RSEVALID",
                "RSACPTFL", "ASEQ", "PARAMCD", "PARAM", "PARCAT1", "PARCAT2", "AVALC", "AVAL", "ADT", "ADTF", "ADY",
                "AVISIT", "AVISITN", "ANL01FL", "ANL02FL", "SRCDOM", "SRCVAR", "SRCSEQ")
ADRS_NUMERIC = frozenset({"ASEQ", "AVAL", "ADY", "AVISITN", "SRCSEQ"})
ADRS_DATES = frozenset({"RANDDT", "TRTSDT", "ADT"})
DAY_IMPUTED = "D"
Record = dict[str, CellValue]


def adrs_records(read: AnalysisRead, profile: Profile) -> list[Record]:
    """The ADRS records of one read, in parameter order (ASEQ is numbered by :func:`adrs_table`)."""
    assessments = read.assessments(read.recist)
    first_pd = next((r for r in read.recist if r.assessment.response == "PD"), None)
    pd_date = first_pd.date if first_pd else None
    records = [_result(read, "OVR", r, RECIST_AVAL, pd_date) for r in read.recist]
    records.append(_yes_no(read, "PD", first_pd, pd_date))
    if read.start is not None:
        start = read.start
        bor = best_overall_response(assessments, start, profile)
        cbor = confirmed_best_overall_response(assessments, start, profile)
        response = first_response(assessments, profile)
        confirmed = first_confirmed_response(assessments, profile)
        records += [_best(read, "BOR", bor.category, _at(read.recist, bor.date), RECIST_AVAL, pd_date),
                    _best(read, "CBOR", cbor.category, _at(read.recist, cbor.date), RECIST_AVAL, pd_date),
                    _yes_no(read, "RSP", _at(read.recist, response.date if response else None), pd_date),
                    _yes_no(read, "CRSP", _at(read.recist, confirmed.date if confirmed else None), pd_date),
                    _yes_no(read, "BCP", _at(read.recist, bor.date) if bor.category in ("CR", "PR") else None, pd_date),
                    _yes_no(read, "CBCP", _at(read.recist, cbor.date) if cbor.category in ("CR", "PR") else None,
                            pd_date)]
        for code, reached in (("CB", response), ("CCB", confirmed)):
            when = clinical_benefit(assessments, start, profile, reached.date if reached else None)
            records.append(_yes_no(read, code, _at(read.recist, when), pd_date))
    last = read.recist[-1] if read.recist else None
    records.append(_result(read, "LSTA", last, RECIST_AVAL, pd_date) if last else _base(read, "LSTA"))
    records.append(_flag(read, "MDIS", read.measurable))
    death = read.subject.dthdt
    if death is None:
        records.append(_flag(read, "DEATH", False))
    else:
        records.append({**_flag(read, "DEATH", True), "ADT": death.isoformat(), "ADY": _day(read, death),
                        "SRCDOM": "ADSL", "SRCVAR": "DTHDT"})
    records += _irecist_records(read, profile)
    records += _subset_records(read, profile)
    return records


def adrs_table(reads: Iterable[AnalysisRead], profile: Profile) -> Table:
    """ADRS of ``reads``: their records, numbered per subject by ASEQ in PARAMCD, date, visit and RSSEQ order."""
    by_subject: dict[str, list[Record]] = {}
    for read in reads:
        by_subject.setdefault(read.subject.usubjid, []).extend(adrs_records(read, profile))
    rows = []
    for records in by_subject.values():
        records.sort(key=_order)
        for number, record in enumerate(records, start=1):
            record["ASEQ"] = number
            rows.append(tuple(record.get(name) for name in ADRS_COLUMNS))
    return Table("ADRS", ADRS_COLUMNS, tuple(rows), ADRS_NUMERIC, ADRS_DATES)


def _order(record: Mapping[str, CellValue]) -> tuple[str, str, str, str, float, int]:
    return (str(record["RSEVAL"] or ""), str(record["RSEVALID"] or ""), str(record["PARAMCD"]),
            str(record.get("ADT") or "9999"), float(str(record.get("AVISITN") or 0)), int(record.get("SRCSEQ") or 0))


def _irecist_records(read: AnalysisRead, profile: Profile) -> list[Record]:
    if not read.irecist or read.start is None:
        return []
    outcome = irecist_outcome(read.assessments(read.irecist), read.start, profile)
    progression = outcome.progression
    pd_date = progression.date if progression else None
    best = outcome.best_response
    unconfirmed = progression is not None and not progression.confirmed
    confirmed = _at(read.irecist, progression.confirmation_date) if progression and progression.confirmed else None
    return [*(_result(read, "IOVR", r, IRECIST_AVAL, pd_date) for r in read.irecist),
            _best(read, "IBOR", best.category, _at(read.irecist, best.date), IRECIST_AVAL, pd_date),
            _yes_no(read, "IUPD", _at(read.irecist, pd_date) if unconfirmed else None, pd_date),
            _yes_no(read, "ICPD", confirmed, pd_date)]


def _subset_records(read: AnalysisRead, profile: Profile) -> list[Record]:
    records: list[Record] = []
    for code, results in read.subsets.items():
        pd_date = next((r.date for r in results if r.assessment.response == "PD"), None)
        records += [_result(read, code, r, RECIST_AVAL, pd_date) for r in results]
        if read.start is not None:
            best = best_overall_response(read.assessments(results), read.start, profile)
            records.append(_best(read, "BOR" + code[3:], best.category, _at(results, best.date), RECIST_AVAL, pd_date))
    return records


def _base(read: AnalysisRead, paramcd: str) -> Record:
    s = read.subject
    param, parcat1, parcat2 = ADRS_PARAMS[paramcd]
    return {**s.identity(), "RANDDT": iso_date(s.randdt), "TRTSDT": iso_date(s.trtsdt),
            **evaluator_columns(read.key, read.accepted, "RS"), "PARAMCD": paramcd, "PARAM": param,
            "PARCAT1": parcat1, "PARCAT2": parcat2 or None, "ANL01FL": "Y"}


def _result(read: AnalysisRead, paramcd: str, result: Dated, coding: Mapping[str, int], pd_date: date | None
            ) -> Record:
    """A record taken from one RS result: its value, date, visit and RSSEQ."""
    value = result.assessment.response
    row = result.row
    visitnum = row.get("VISITNUM")
    return {**_base(read, paramcd), "AVALC": value, "AVAL": coding.get(value), "ADT": result.date.isoformat(),
            "ADTF": DAY_IMPUTED if result.imputed else None, "ADY": _day(read, result.date),
            "AVISIT": row.get("VISIT") or None, "AVISITN": visitnum or None,
            "ANL01FL": "Y" if value in coding else None, "ANL02FL": _up_to(result.date, pd_date),
            "SRCDOM": "RS", "SRCVAR": "RSSTRESC", "SRCSEQ": int(row.get("RSSEQ")) if row.get("RSSEQ") else None}


def _best(read: AnalysisRead, paramcd: str, category: str, source: Dated | None, coding: Mapping[str, int],
          pd_date: date | None) -> Record:
    """A best-response record: the category, and the date and visit of the assessment it comes from."""
    record = _result(read, paramcd, source, coding, pd_date) if source else _base(read, paramcd)
    return {**record, "AVALC": category, "AVAL": coding.get(category), "ANL01FL": "Y"}


def _yes_no(read: AnalysisRead, paramcd: str, source: Dated | None, pd_date: date | None) -> Record:
    """A Y/N record: Y with the date and visit of ``source``, else N without a date."""
    if source is None:
        return _flag(read, paramcd, False)
    return {**_result(read, paramcd, source, YES_NO_AVAL, pd_date), "AVALC": "Y", "AVAL": 1, "ANL01FL": "Y"}


def _flag(read: AnalysisRead, paramcd: str, value: bool) -> Record:
    return {**_base(read, paramcd), "AVALC": "Y" if value else "N", "AVAL": 1 if value else 0}


def _at(results: Sequence[Dated], when: date | None) -> Dated | None:
    """The result on ``when`` (None without a date or result)."""
    return next((r for r in results if r.date == when), None) if when else None


def _up_to(when: date, pd_date: date | None) -> str | None:
    return "Y" if pd_date is None or when <= pd_date else None


def _day(read: AnalysisRead, when: date | None) -> int | None:
    return day_number(read.start, when) if read.start and when else None
