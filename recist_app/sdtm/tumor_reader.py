"""SDTM TU + TR (+ SUPPTU) → engine :class:`assessment.domain.Read` records.

Mapping (CDISC.md §2–§3, §5; RULES §7 A17, A18):

- A read is USUBJID + ``--EVAL`` + ``--EVALID``. ``TUSTRESC`` (else ``TUORRES``) gives the role;
  a ``TULOC`` containing ``LYMPH NODE`` marks a node.
- Nodes are measured by ``LPERP`` (or ``SAXIS``), other lesions by ``LDIAM`` (or ``DIAMETER``);
  other TR tests are ignored. ``TRORRES = TOO SMALL TO MEASURE`` counts 5 mm.
- ``TUMSTATE`` gives non-target and new-lesion states. ``TUMOR MERGED`` (as a state, or
  ``TRSTAT = NOT DONE`` with ``TRREASND = TUMOR MERGED``) counts 0 mm. Fragments of a split lesion
  are TR rows whose TRLNKID is the parent's plus ``.1``, ``.2`` …; they are summed.
- No TR row, or ``TRSTAT = NOT DONE``, means not assessed.
- Time points are ordered by date (partial dates imputed to the month's last day), then VISITNUM.
  Baseline is the visit where TU identified the target / non-target lesions, else the earliest.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal, NamedTuple, TypedDict

from assessment.domain import Lesion, LesionRole, Observation, Read, Status, Timepoint
from recist_app.sdtm.csv_io import (
    Columns,
    Row,
    canonical_visit,
    iso_date,
    parse_date,
    read_columns,
    read_table,
    visit_key,
)

TU_REQUIRED = ("USUBJID", "TULNKID", "TUSTRESC", "TULOC")
TR_REQUIRED = ("USUBJID", "TRLNKID", "TRTESTCD", "VISITNUM", "TRDTC")
SUPPTU_REQUIRED = ("USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QVAL")

NODAL_TESTS = ("LPERP", "SAXIS")
NON_NODAL_TESTS = ("LDIAM", "DIAMETER")
USED_TESTS = frozenset({*NODAL_TESTS, *NON_NODAL_TESTS, "TUMSTATE"})
TOO_SMALL_TEXT = "TOO SMALL TO MEASURE"
TUMOR_STATES = {
    "PRESENT": Status.PRESENT,
    "ABSENT": Status.ABSENT,
    "UNEQUIVOCAL PROGRESSION": Status.UNEQUIVOCAL_PROGRESSION,
    "UNEQUIVOCAL": Status.UNEQUIVOCAL_PROGRESSION,
    "EQUIVOCAL": Status.EQUIVOCAL,
    "FURTHER ENLARGEMENT": Status.FURTHER_ENLARGEMENT,
    "TUMOR MERGED": Status.MERGED,
}
_FlagName = Literal["irradiated", "previously_irradiated"]
IRRADIATION_QNAMS: dict[str, _FlagName] = {"TUIRRSTD": "irradiated", "TUPREVIR": "previously_irradiated"}
_FRAGMENT = re.compile(r"^(?P<parent>.+)\.(?P<n>\d+)$")

ReadKey = tuple[str, str, str]


class _Flags(TypedDict, total=False):
    """A lesion's SUPPTU irradiation flags, named like the :class:`Lesion` fields they set."""

    irradiated: bool
    previously_irradiated: bool


@dataclass
class _ReadBuilder:
    """Mutable gathering of one read's rows before the frozen Read is built."""

    study_id: str = ""
    lesions: dict[str, Lesion] = field(default_factory=dict)
    identified_at: dict[str, str] = field(default_factory=dict)  # lesion id → TU VISITNUM
    visits: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))  # TR record indexes
    flags: dict[str, _Flags] = field(default_factory=lambda: defaultdict(_Flags))  # SUPPTU, by lesion id

    def flagged_lesions(self) -> tuple[Lesion, ...]:
        """The lesions with their SUPPTU irradiation flags applied."""
        flags = self.flags
        return tuple(replace(lesion, **flags[i]) if i in flags else lesion for i, lesion in self.lesions.items())

    def new_identified_at(self, visit: str) -> list[str]:
        """New lesions that TU identified at ``visit`` (present there unless TR says otherwise)."""
        return [i for i, lesion in self.lesions.items() if lesion.role.is_new and self.identified_at[i] == visit]


def read_tumor_tables(tu_path: str | Path, tr_path: str | Path,
                      supptu_path: str | Path | None = None) -> list[Read]:
    """Read SDTM TU, TR and optional SUPPTU CSVs into one :class:`Read` per subject × reader.

    Raises
    ------
    InputFileError
        On a missing required column, an unknown category (A18), a duplicate lesion id, a TR row
        for a lesion TU does not identify, or a follow-up dated before baseline.
    """
    return [pending.build() for pending in group_tumor_tables(tu_path, tr_path, supptu_path)]


@dataclass(frozen=True)
class PendingRead:
    """One read's TU lesions and TR record indexes, grouped but not yet mapped to a :class:`Read`.

    Grouping needs the whole table; :meth:`build` needs only this read, so it can run elsewhere
    (e.g. in a worker process that inherited the table).
    """

    key: ReadKey
    builder: _ReadBuilder
    table: Columns
    tr: _TrColumns

    def build(self) -> Read:
        """The read's time points, ordered and validated (see :func:`read_tumor_tables`)."""
        return _build(self.key, self.builder, self.table, self.tr)


def group_tumor_tables(tu_path: str | Path, tr_path: str | Path,
                       supptu_path: str | Path | None = None) -> list[PendingRead]:
    """Read TU, SUPPTU and TR and group the TR records by read, sorted by read key (the first,
    whole-table half of :func:`read_tumor_tables`)."""
    builders: dict[ReadKey, _ReadBuilder] = defaultdict(_ReadBuilder)
    for row in read_table(tu_path, TU_REQUIRED):
        _add_lesion(builders[_key(row, "TUEVAL", "TUEVALID")], row)
    if supptu_path is not None:
        by_subject: dict[str, list[tuple[ReadKey, _ReadBuilder]]] = defaultdict(list)
        for key, builder in builders.items():
            by_subject[key[0]].append((key, builder))
        for row in read_table(supptu_path, SUPPTU_REQUIRED):
            _apply_supptu(by_subject.get(row.get("USUBJID"), []), row)
    table = read_columns(tr_path, TR_REQUIRED)
    tr = _TrColumns(*(table.column(c) for c in _TR_SOURCE))
    keys = zip(table.column("USUBJID"), table.column("TREVAL"), table.column("TREVALID"), strict=True)
    visits = {text: canonical_visit(text) for text in set(tr.visit)}
    for index, (key, visit) in enumerate(zip(keys, map(visits.__getitem__, tr.visit), strict=True)):
        found = builders.get(key)
        if found is None:
            raise table.row(index).error(
                f"no TU lesions for USUBJID {key[0]!r}, TREVAL {key[1]!r}, TREVALID {key[2]!r}; "
                "every TR read needs its TU records.")
        found.visits[visit].append(index)
    return [PendingRead(key, builders[key], table, tr) for key in sorted(builders) if builders[key].visits]


class _TrColumns(NamedTuple):
    """The TR columns the engine uses, each a tuple over the table's records (index = record)."""

    visit: tuple[str, ...]
    visit_name: tuple[str, ...]
    link: tuple[str, ...]
    test: tuple[str, ...]
    status: tuple[str, ...]
    reason_not_done: tuple[str, ...]
    original: tuple[str, ...]
    standard_text: tuple[str, ...]
    standard_number: tuple[str, ...]
    date_text: tuple[str, ...]


#: The TR variable of each :class:`_TrColumns` field, in field order.
_TR_SOURCE = ("VISITNUM", "VISIT", "TRLNKID", "TRTESTCD", "TRSTAT", "TRREASND", "TRORRES", "TRSTRESC",
              "TRSTRESN", "TRDTC")


def _key(row: Row, evaluator: str, evaluator_id: str) -> ReadKey:
    values = row.values
    return (values.get("USUBJID", ""), values.get(evaluator, ""), values.get(evaluator_id, ""))


def _add_lesion(builder: _ReadBuilder, row: Row) -> None:
    lesion_id = row.get("TULNKID")
    if not lesion_id:
        raise row.error("TULNKID is empty; every lesion needs an identifier.")
    text = row.get("TUSTRESC") or row.get("TUORRES")
    try:
        role = LesionRole(text.upper())
    except ValueError:
        allowed = ", ".join(r.value for r in LesionRole)
        raise row.error(f"TUSTRESC {text!r} is not one of {allowed}.") from None
    fragment = _FRAGMENT.match(lesion_id)
    if row.get("TUTESTCD") == "TUSPLIT" or (fragment and fragment["parent"] in builder.lesions):
        return  # a fragment of a split lesion: its TR rows are summed into the parent
    if lesion_id in builder.lesions:
        raise row.error(f"duplicate lesion id TULNKID {lesion_id!r} for this subject and reader.")
    location = row.get("TULOC")
    builder.study_id = builder.study_id or row.get("STUDYID")
    builder.lesions[lesion_id] = Lesion(lesion_id, role, location, nodal="LYMPH NODE" in location.upper())
    builder.identified_at[lesion_id] = canonical_visit(row.get("VISITNUM"))


def _apply_supptu(reads: list[tuple[ReadKey, _ReadBuilder]], row: Row) -> None:
    """Set a lesion's irradiation flag from a SUPPTU row on every read of its subject that QEVAL
    names (all of them when QEVAL is empty)."""
    attribute = IRRADIATION_QNAMS.get(row.get("QNAM").upper())
    if attribute is None or row.get("IDVAR").upper() != "TULNKID":
        return
    value = row.get("QVAL").upper()
    if value not in ("Y", "N"):
        raise row.error(f"QVAL {row.get('QVAL')!r} for {row.get('QNAM')} must be Y or N.")
    evaluator = row.get("QEVAL")  # the read's evaluator id (RADIOLOGIST 1) or evaluator (INVESTIGATOR)
    matched = False
    for (_, reader, reader_id), builder in reads:
        lesion_id = row.get("IDVARVAL")
        if lesion_id in builder.lesions and evaluator in ("", reader, reader_id):
            builder.flags[lesion_id][attribute] = value == "Y"
            matched = True
    if not matched:
        raise row.error(f"IDVARVAL {row.get('IDVARVAL')!r} matches no TU lesion of subject {row.get('USUBJID')!r}.")


def _build(key: ReadKey, builder: _ReadBuilder, table: Columns, tr: _TrColumns) -> Read:
    visits = {v: _visit_date(indexes, table, tr) for v, indexes in builder.visits.items()}
    order = sorted(visits, key=lambda v: (visits[v][0], visit_key(v)))
    baseline = _baseline_visit(builder, order)
    base_date = visits[baseline][0]
    for visit in order:
        if visits[visit][0] < base_date:
            raise table.row(visits[visit][2]).error(
                f"VISITNUM {visit} is dated {visits[visit][1]}, before baseline VISITNUM {baseline} "
                f"({visits[baseline][1]}); a follow-up cannot precede baseline.")
    order.remove(baseline)
    timepoints = tuple(_timepoint(builder, v, visits[v], table, tr) for v in [baseline, *order])
    return Read(key[0], builder.flagged_lesions(), timepoints, evaluator=key[1], evaluator_id=key[2],
                study_id=builder.study_id)


def _visit_date(indexes: list[int], table: Columns, tr: _TrColumns) -> tuple[date, str, int]:
    """Earliest scan date of a visit: (imputed date, text as given, index of its TR record)."""
    first: dict[str, int] = {}
    for index in indexes:
        first.setdefault(tr.date_text[index], index)
    first.pop("", None)
    if not first:
        raise table.row(indexes[0]).error(
            f"no TRDTC at VISITNUM {tr.visit[indexes[0]]}; the scan date is required.")
    dated = []
    for text, index in first.items():
        parsed = iso_date(text)
        if parsed is None:
            parse_date(table.row(index), "TRDTC")  # raises the error naming file, line and value
        else:
            dated.append((parsed[0], text, index))
    return min(dated, key=lambda item: item[0])


def _baseline_visit(builder: _ReadBuilder, order: list[str]) -> str:
    identified = sorted({builder.identified_at[i] for i, lesion in builder.lesions.items()
                         if not lesion.role.is_new and builder.identified_at[i]}, key=visit_key)
    for visit in identified:
        if visit in builder.visits:
            return visit
    return order[0]


def _timepoint(builder: _ReadBuilder, visit: str, when: tuple[date, str, int], table: Columns,
               tr: _TrColumns) -> Timepoint:
    indexes = builder.visits[visit]
    measures: dict[str, Observation] = {}
    states: dict[str, Observation] = {}
    fragments: dict[str, list[Decimal]] = defaultdict(list)
    for index in indexes:
        _read_result(builder, index, table, tr, measures, states, fragments)
    observations = dict(states)
    observations.update(measures)  # a measurement outranks a state of the same lesion
    for parent, values in fragments.items():
        observations[parent] = Observation.split(parent, tuple(values))
    for lesion_id in builder.new_identified_at(visit):
        observations.setdefault(lesion_id, Observation.state(lesion_id, Status.PRESENT))
    name = next((tr.visit_name[i] for i in indexes if tr.visit_name[i]), "")
    return Timepoint(visit, when[0], tuple(observations.values()), visit=name, date_text=when[1])


def _read_result(builder: _ReadBuilder, index: int, table: Columns, tr: _TrColumns,
                 measures: dict[str, Observation], states: dict[str, Observation],
                 fragments: dict[str, list[Decimal]]) -> None:
    test = tr.test[index].upper()
    link = tr.link[index]
    if not link or test not in USED_TESTS:
        return  # summary rows (SUMDIAM, …) and other tests are ignored
    lesion, parent = _lesion_for(builder, link, index, table)
    not_done = tr.status[index].upper() == "NOT DONE"
    merged = not_done and tr.reason_not_done[index].upper() == "TUMOR MERGED"
    if test == "TUMSTATE":
        states[link] = _state(link, index, table, tr, not_done, merged)
        return
    if test not in (NODAL_TESTS if lesion.nodal else NON_NODAL_TESTS):
        return  # the other axis of the lesion
    if parent is not None:
        if not not_done:
            fragments[parent].append(_measurement(parent, index, table, tr).value_mm or Decimal(0))
        return
    if link in measures:
        raise table.row(index).error(f"second {test} result for lesion {link!r} at VISITNUM {tr.visit[index]}.")
    if not_done:
        measures[link] = Observation.merged(link) if merged else Observation.not_assessed(link)
    else:
        measures[link] = _measurement(link, index, table, tr)


def _lesion_for(builder: _ReadBuilder, link: str, index: int, table: Columns) -> tuple[Lesion, str | None]:
    lesion = builder.lesions.get(link)
    if lesion is not None:
        return lesion, None
    fragment = _FRAGMENT.match(link)
    if fragment and fragment["parent"] in builder.lesions:
        return builder.lesions[fragment["parent"]], fragment["parent"]
    raise table.row(index).error(f"TRLNKID {link!r} matches no TU lesion (TULNKID) of this subject and reader.")


def _state(link: str, index: int, table: Columns, tr: _TrColumns, not_done: bool, merged: bool) -> Observation:
    if not_done:
        return Observation.merged(link) if merged else Observation.not_assessed(link)
    text = (tr.standard_text[index] or tr.original[index]).upper()
    status = TUMOR_STATES.get(text)
    if status is None:
        allowed = ", ".join(TUMOR_STATES)
        raise table.row(index).error(f"TUMSTATE result {text!r} is not one of {allowed}.")
    return Observation.state(link, status)


def _measurement(link: str, index: int, table: Columns, tr: _TrColumns) -> Observation:
    if tr.original[index].upper() == TOO_SMALL_TEXT:
        return Observation.too_small(link)
    text = tr.standard_number[index] or tr.standard_text[index] or tr.original[index]
    try:
        value = Decimal(text) if text else None
    except InvalidOperation:
        value = None
    test = tr.test[index]
    if value is None or not value.is_finite():
        problem = f"has a result {text!r} that is not a number" if text else "has no result"
        raise table.row(index).error(
            f"{test} for lesion {link!r} {problem}; use TRSTAT = NOT DONE for a lesion that was not assessed.")
    if value < 0:
        raise table.row(index).error(f"{test} {value} mm for lesion {link!r} is negative.")
    return Observation.measured(link, value)
