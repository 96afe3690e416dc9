"""ADTTE: the time-to-event parameters of each read (admiralonco's ``ad_adtte`` template; CDISC.md §9; RULES §4).

- ``PFS`` (RULES §4.1): event the first PD or death, censored at the last assessment (A11 / A19) or at the start;
- ``IPFS`` (RULES §2.7, A13) from the iRECIST responses;
- ``RSD`` duration of response (responders only): from the first response (the first confirmed one when the profile
  requires confirmation, A7) to PD or death, censored as PFS is;
- ``OS`` when ADSL has a death or last-known-alive date (the workstation's own export has neither);
- ``GMI`` (RULES §4.2, A10): PFS over the previous line's PFS, ``AVAL`` the ratio (``AVALU`` ``RATIO``), ``CNSR`` 0 when
  both are events, 1 when only this line's PFS is censored (a lower bound), empty otherwise.

``AVAL`` is end − start + 1 days (A12). ``SRCDOM`` / ``SRCVAR`` / ``SRCSEQ`` name the record the date comes from: the
ADRS record (its ASEQ) for a progression or an assessment, ADSL for death, randomisation and last-known-alive.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from assessment.best_response import first_confirmed_response, first_response
from assessment.gmi import growth_modulation_index
from assessment.irecist_outcome import irecist_outcome
from assessment.profile import Profile
from assessment.survival import DEATH, START_LABELS, SurvivalTime, progression_free_survival
from recist_app.adam.reads import AnalysisRead, evaluator_columns
from recist_app.adam.terms import ADTTE_PARAMS
from recist_app.exports.files import Table
from recist_app.sdtm.csv_io import CellValue, format_decimal
from recist_app.sdtm.rs_reader import ReadKey

ADTTE_COLUMNS = ("STUDYID", "USUBJID", "SITEID", "TRT01P", "TRT01A", "RSEVAL", "RSEVALID", "RSACPTFL", "ASEQ",
                 "PARAMCD", "PARAM", "STARTDT", "ADT", "AVAL", "AVALU", "CNSR", "EVNTDESC", "CNSDTDSC", "SRCDOM",
                 "SRCVAR", "SRCSEQ")
ADTTE_NUMERIC = frozenset({"ASEQ", "AVAL", "CNSR", "SRCSEQ"})
ADTTE_DATES = frozenset({"STARTDT", "ADT"})
BASELINE_SCAN = "Baseline Scan"
#: ADSL variable of each start-date description.
_START_VARIABLES = {START_LABELS["randomisation"]: "RANDDT", START_LABELS["first_dose"]: "TRTSDT"}
#: (read, ADRS PARAMCD, ADT) → ASEQ of that ADRS record.
SequenceIndex = Mapping[tuple[ReadKey, str, str], int]
Record = dict[str, CellValue]


def adrs_sequence_index(adrs: Table) -> dict[tuple[ReadKey, str, str], int]:
    """ASEQ of every dated ADRS record, by read, PARAMCD and ADT (for ADTTE ``SRCSEQ``)."""
    index = {}
    for r in adrs.records():
        if r["ADT"]:
            key = ReadKey(str(r["USUBJID"]), str(r["RSEVAL"] or ""), str(r["RSEVALID"] or ""))
            index[(key, str(r["PARAMCD"]), str(r["ADT"]))] = int(str(r["ASEQ"]))
    return index


def ratio_censoring(has_ratio: bool, censored: bool, previous_censored: bool) -> int | None:
    """GMI's CNSR: 0 when both lines' PFS are events (the ratio is exact), 1 when only this line's is censored (a
    lower bound, right-censored as PFS is); none without a ratio or when the previous line's is censored (an upper
    bound, or no bound at all, which no right-censoring flag can say)."""
    if not has_ratio or previous_censored:
        return None
    return 1 if censored else 0


def adtte_records(read: AnalysisRead, profile: Profile, sequences: SequenceIndex) -> list[Record]:
    """The ADTTE records of one read (none without a start date)."""
    if read.start is None:
        return []
    start, death = read.start, read.subject.dthdt
    assessments = read.assessments(read.recist)
    pfs = progression_free_survival(assessments, start, profile, death_date=death)
    records = [_time(read, "PFS", pfs, "PD", "OVR", sequences)]
    if read.irecist:
        outcome = irecist_outcome(read.assessments(read.irecist), start, profile, death_date=death)
        records.append(_time(read, "IPFS", outcome.pfs, "IOVR", "IOVR", sequences))
    find = first_confirmed_response if profile.confirmation_required else first_response
    response = find(assessments, profile)
    if response is not None:
        duration = progression_free_survival(assessments, response.date, profile, death_date=death)
        records.append(_time(read, "RSD", duration, "PD", "OVR", sequences))
    alive = read.subject.lstalvdt
    end = death or alive
    if end is not None:
        records.append(_overall_survival(read, start, end, censored=death is None))
    previous = read.subject.previous_pfs_days
    if previous is not None:
        gmi = growth_modulation_index(pfs.days, previous, profile.gmi_threshold, pfs_censored=pfs.censored,
                                      previous_censored=read.subject.previous_pfs_censored)
        ratio = gmi.rounded()
        records.append({**_base(read, "GMI"), "AVAL": format_decimal(ratio) if ratio is not None else None,
                        "AVALU": "RATIO", "EVNTDESC": gmi.category,
                        "CNSR": ratio_censoring(ratio is not None, pfs.censored, read.subject.previous_pfs_censored),
                        "SRCDOM": "ADSL", "SRCVAR": "PFSPRVDY"})
    return records


def adtte_table(reads: Iterable[AnalysisRead], profile: Profile, adrs: Table) -> Table:
    """ADTTE of ``reads``, numbered per subject by ASEQ; ``adrs`` is their ADRS (for ``SRCSEQ``)."""
    sequences = adrs_sequence_index(adrs)
    by_subject: dict[str, list[Record]] = {}
    for read in reads:
        by_subject.setdefault(read.subject.usubjid, []).extend(adtte_records(read, profile, sequences))
    rows = []
    for records in by_subject.values():
        for number, record in enumerate(records, start=1):
            record["ASEQ"] = number
            rows.append(tuple(record.get(name) for name in ADTTE_COLUMNS))
    return Table("ADTTE", ADTTE_COLUMNS, tuple(rows), ADTTE_NUMERIC, ADTTE_DATES)


def _base(read: AnalysisRead, paramcd: str) -> Record:
    return {**read.subject.identity(), **evaluator_columns(read.key, read.accepted, "RS"), "PARAMCD": paramcd,
            "PARAM": ADTTE_PARAMS[paramcd]}


def _time(read: AnalysisRead, paramcd: str, time: SurvivalTime, event_param: str, assessment_param: str,
          sequences: SequenceIndex) -> Record:
    """A time-to-event record and the record its date comes from: the ADRS progression (``event_param``) or
    assessment (``assessment_param``) on that date, death or the start in ADSL (TU's baseline scan without one)."""
    description = time.description
    source: tuple[str, str, int | None]
    if description == DEATH:
        source = ("ADSL", "DTHDT", None)
    elif description in _START_VARIABLES:
        if read.start_is_baseline:
            description, source = BASELINE_SCAN, ("TU", "TUDTC", None)
        else:
            source = ("ADSL", _START_VARIABLES[description], None)
    else:
        wanted = assessment_param if time.censored else event_param
        source = ("ADRS", "ADT", sequences.get((read.key, wanted, time.date.isoformat())))
    return {**_base(read, paramcd), "STARTDT": time.start.isoformat(), "ADT": time.date.isoformat(),
            "AVAL": time.days, "AVALU": "DAYS", "CNSR": int(time.censored), "EVNTDESC": description,
            "CNSDTDSC": description if time.censored else None, "SRCDOM": source[0], "SRCVAR": source[1],
            "SRCSEQ": source[2]}


def _overall_survival(read: AnalysisRead, start: date, end: date, *, censored: bool) -> Record:
    """OS: death is the event; else censored on the last-known-alive date ("Alive During Study")."""
    return {**_base(read, "OS"), "STARTDT": start.isoformat(), "ADT": end.isoformat(),
            "AVAL": (end - start).days + 1, "AVALU": "DAYS", "CNSR": int(censored),
            "EVNTDESC": "Alive" if censored else DEATH, "CNSDTDSC": "Alive During Study" if censored else None,
            "SRCDOM": "ADSL", "SRCVAR": "LSTALVDT" if censored else "DTHDT", "SRCSEQ": None}

