"""ADTR: each target lesion's diameter and their sum per visit, with change from baseline and from nadir
(admiralonco's ``ad_adtr`` template; CDISC.md §9, §7 PROPOSAL 4).

A target is a TU ``TUMIDENT`` record with ``TUSTRESC = TARGET``; its RECIST value is the TR ``LPERP`` row (short
axis) when its TULOC is ``LYMPH NODE``, else the ``LDIAM`` row (RECIST 1.1 §3.1, the choice admiralonco makes from
TULOC). Per read and visit:

- ``LDIAMn`` / ``NLDIAMn`` the n-th target's diameter (n in baseline order; N for a lymph node), ``SRCSEQ`` its TRSEQ;
- ``SDIAM`` the sum of the targets' values, ``ANL01FL = Y`` when every baseline target has one;
- ``SDIAMIRR`` / ``SDIAMNIR`` the same sum over the irradiated / non-irradiated targets (SUPPTU ``TUIRRSTD``), when the
  read has irradiated targets (sponsor-defined, CDISC.md §7 PROPOSAL 4).

``BASE`` is the baseline visit's value (``ABLFL = Y``), ``CHG`` / ``PCHG`` the change from it; for the sums, ``NADIR``
is the smallest complete value before the visit (baseline included), ``CHGNAD`` / ``PCHGNAD`` the change from it.
Percentages are rounded half away from zero to 2 decimals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from recist_app.adam.reads import evaluator_columns
from recist_app.adam.subjects import AnalysisSubject
from recist_app.exports.files import Table
from recist_app.sdtm.csv_io import CellValue, Row, format_decimal, parse_date
from recist_app.sdtm.numeric import parse_number
from recist_app.sdtm.rs_reader import ReadKey

ADTR_COLUMNS = ("STUDYID", "USUBJID", "SITEID", "TRT01P", "TRT01A", "TREVAL", "TREVALID", "TRACPTFL", "ASEQ",
                "PARAMCD", "PARAM", "TRLNKID", "AVAL", "AVALU", "ABLFL", "BASE", "CHG", "PCHG", "NADIR", "CHGNAD",
                "PCHGNAD", "ADT", "AVISIT", "AVISITN", "ANL01FL", "SRCDOM", "SRCVAR", "SRCSEQ")
ADTR_NUMERIC = frozenset({"ASEQ", "AVAL", "BASE", "CHG", "PCHG", "NADIR", "CHGNAD", "PCHGNAD", "AVISITN", "SRCSEQ"})
ADTR_DATES = frozenset({"ADT"})
NODE = "LYMPH NODE"
SUM_PARAMS = {"SDIAM": "Target Lesions Sum of Diameters", "SDIAMIRR": "Irradiated Target Lesions Sum of Diameters",
              "SDIAMNIR": "Non-irradiated Target Lesions Sum of Diameters"}
Record = dict[str, CellValue]


@dataclass(frozen=True)
class _Target:
    link: str
    nodal: bool
    irradiated: bool

    @property
    def test(self) -> str:
        return "LPERP" if self.nodal else "LDIAM"


@dataclass(frozen=True)
class _Visit:
    number: Decimal
    name: str
    day: date | None
    values: dict[str, tuple[Decimal, int | None]]  # target link → (mm, TRSEQ)


def adtr_table(subjects: Sequence[AnalysisSubject], tu: Iterable[Row], tr: Iterable[Row],
               supptu: Iterable[Row] = ()) -> Table:
    """ADTR of every read with target lesions, numbered per subject by ASEQ (read, parameter, visit order)."""
    by_id = {s.usubjid: s for s in subjects}
    irradiated = {(r.get("USUBJID"), r.get("IDVARVAL")) for r in supptu
                  if r.get("QNAM") == "TUIRRSTD" and r.get("QVAL") == "Y"}
    targets: dict[ReadKey, list[_Target]] = defaultdict(list)
    for row in tu:
        if row.get("TUSTRESC").upper() == "TARGET" and row.get("TUTESTCD") in ("TUMIDENT", ""):
            key = ReadKey(row.get("USUBJID"), row.get("TUEVAL"), row.get("TUEVALID"))
            link = row.get("TULNKID")
            targets[key].append(_Target(link, row.get("TULOC").upper() == NODE, (key.usubjid, link) in irradiated))
    visits = _visits(tr, targets)
    accepted = {ReadKey(r.get("USUBJID"), r.get("TREVAL"), r.get("TREVALID")) for r in tr if r.get("TRACPTFL") == "Y"}
    seq: dict[str, int] = defaultdict(int)
    rows = []
    for key in sorted(targets, key=lambda k: (k.usubjid, k.evaluator, k.evaluator_id)):
        subject = by_id.get(key.usubjid)
        if subject is None or key not in visits:
            continue
        for record in _read_records(subject, key, key in accepted, targets[key], visits[key]):
            seq[key.usubjid] += 1
            record["ASEQ"] = seq[key.usubjid]
            rows.append(tuple(record.get(name) for name in ADTR_COLUMNS))
    return Table("ADTR", ADTR_COLUMNS, tuple(rows), ADTR_NUMERIC, ADTR_DATES)


def _visits(tr: Iterable[Row], targets: Mapping[ReadKey, list[_Target]]) -> dict[ReadKey, list[_Visit]]:
    """Each read's visits in VISITNUM order with its targets' RECIST values."""
    wanted = {(key, t.link): t.test for key, found in targets.items() for t in found}
    found: dict[ReadKey, dict[Decimal, _Visit]] = defaultdict(dict)
    for row in tr:
        key = ReadKey(row.get("USUBJID"), row.get("TREVAL"), row.get("TREVALID"))
        link = row.get("TRLNKID")
        if wanted.get((key, link)) != row.get("TRTESTCD") or not row.get("VISITNUM"):
            continue
        number = Decimal(row.get("VISITNUM"))
        visit = found[key].setdefault(number, _Visit(number, row.get("VISIT"),
                                                     parse_date(row, "TRDTC").value if row.get("TRDTC") else None, {}))
        value = parse_number(row.get("TRSTRESN"))
        if value is not None:
            visit.values[link] = (value, int(row.get("TRSEQ")) if row.get("TRSEQ") else None)
    return {key: [by_number[n] for n in sorted(by_number)] for key, by_number in found.items()}


def _read_records(subject: AnalysisSubject, key: ReadKey, accepted: bool, targets: list[_Target],
                  visits: list[_Visit]) -> list[Record]:
    base: Record = {**subject.identity(), **evaluator_columns(key, accepted, "TR")}
    records: list[Record] = []
    for n, target in enumerate(targets, start=1):
        paramcd = f"{'NLDIAM' if target.nodal else 'LDIAM'}{n}"
        param = f"Target Lymph Node {n} Short Axis" if target.nodal else f"Target Lesion {n} Longest Diameter"
        series = [(v, v.values.get(target.link)) for v in visits]
        baseline = series[0][1][0] if series[0][1] else None
        for index, (visit, value) in enumerate(series):
            if value is None:
                continue
            records.append({**base, **_visit_fields(visit, index), "PARAMCD": paramcd, "PARAM": param,
                            "TRLNKID": target.link, **_changes(value[0], baseline, None), "ANL01FL": "Y",
                            "SRCDOM": "TR", "SRCVAR": "TRSTRESN", "SRCSEQ": value[1]})
    groups: dict[str, list[_Target]] = {"SDIAM": targets}
    if any(t.irradiated for t in targets):
        groups["SDIAMIRR"] = [t for t in targets if t.irradiated]
        groups["SDIAMNIR"] = [t for t in targets if not t.irradiated]
    for paramcd, members in groups.items():
        records += _sum_records(base, paramcd, members, visits)
    return records


def _sum_records(base: Record, paramcd: str, members: list[_Target], visits: list[_Visit]) -> list[Record]:
    """One record per visit with a value of the sum over ``members``; NADIR from the complete sums before it."""
    records: list[Record] = []
    baseline: Decimal | None = None
    nadir: Decimal | None = None
    for index, visit in enumerate(visits):
        values = [visit.values[t.link][0] for t in members if t.link in visit.values]
        if not values and members:
            continue
        total = sum(values, Decimal(0))
        complete = len(values) == len(members)
        if index == 0:
            baseline = total if complete else None
        records.append({**base, **_visit_fields(visit, index), "PARAMCD": paramcd, "PARAM": SUM_PARAMS[paramcd],
                        **_changes(total, baseline, nadir if index else None), "ANL01FL": "Y" if complete else None})
        if complete and (nadir is None or total < nadir):
            nadir = total
    return records


def _visit_fields(visit: _Visit, index: int) -> Record:
    return {"ADT": visit.day.isoformat() if visit.day else None, "AVISIT": visit.name or None,
            "AVISITN": format_decimal(visit.number), "ABLFL": "Y" if index == 0 else None}


def _changes(value: Decimal, baseline: Decimal | None, nadir: Decimal | None) -> Record:
    """AVAL (mm), BASE, CHG, PCHG and, with a nadir, NADIR, CHGNAD, PCHGNAD."""
    record: Record = {"AVAL": format_decimal(value), "AVALU": "mm"}
    if baseline is not None:
        record |= {"BASE": format_decimal(baseline), "CHG": format_decimal(value - baseline),
                   "PCHG": _percent(value - baseline, baseline)}
    if nadir is not None:
        record |= {"NADIR": format_decimal(nadir), "CHGNAD": format_decimal(value - nadir),
                   "PCHGNAD": _percent(value - nadir, nadir)}
    return record


def _percent(change: Decimal, reference: Decimal) -> str | None:
    return format_decimal(change * 100 / reference, 2) if reference else None
