"""SDTM TU + TR (+ SUPPTU) → engine :class:`assessment.domain.Read` records.

Mapping (CDISC.md §2–§3, §5; RULES §7 A17, A18):

- A read is USUBJID + ``--EVAL`` + ``--EVALID``. ``TUSTRESC`` (else ``TUORRES``) gives the role;
  a ``TULOC`` containing ``LYMPH NODE`` marks a node.
- Nodes are measured by ``LPERP`` (or ``SAXIS``), other lesions by ``LDIAM`` (or ``DIAMETER``);
  other TR tests are ignored. Results, units (cm → mm) and states: :mod:`recist_app.sdtm.tr_results`.
- ``TUMSTATE`` gives non-target and new-lesion states. ``TUMOR MERGED`` (as a state, or
  ``TRSTAT = NOT DONE`` with ``TRREASND = TUMOR MERGED``) counts 0 mm. Fragments of a split lesion
  are TR rows whose TRLNKID is the parent's plus ``.1``, ``.2`` …; they are summed.
- No TR row, or ``TRSTAT = NOT DONE``, means not assessed.
- Time points are ordered by date (``YYYY-MM`` imputed to the month's last day, A17; a year alone
  is refused: :mod:`recist_app.sdtm.iso_dates`), then VISITNUM (a number on every TR row).
  Baseline is the visit where TU identified the target / non-target lesions, else the earliest.
- Nothing is dropped or overwritten silently: a TU read without TR results, a lesion or SUPPTU
  flag given twice with different values, or two different results of one lesion at one visit
  is an error naming both lines.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal, NamedTuple, TypedDict

from assessment.domain import Lesion, LesionRole, Observation, Read, Status, Timepoint
from recist_app.errors import InputFileError
from recist_app.sdtm.csv_io import (
    Columns,
    Row,
    canonical_visit,
    parse_date,
    read_columns,
    read_table,
    visit_key,
    visit_problem,
)
from recist_app.sdtm.errors import ResultProblem
from recist_app.sdtm.iso_dates import is_partial, iso_date
from recist_app.sdtm.tr_results import TrResult, measurement, state

TU_REQUIRED = ("USUBJID", "TULNKID", "TUSTRESC", "TULOC")
TR_REQUIRED = ("USUBJID", "TRLNKID", "TRTESTCD", "VISITNUM", "TRDTC")
SUPPTU_REQUIRED = ("USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QVAL")

NODAL_TESTS = ("LPERP", "SAXIS")
NON_NODAL_TESTS = ("LDIAM", "DIAMETER")
USED_TESTS = frozenset({*NODAL_TESTS, *NON_NODAL_TESTS, "TUMSTATE"})
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
    first_line: int | None = None  # the TU line of the read's first lesion
    lesions: dict[str, Lesion] = field(default_factory=dict)
    lesion_lines: dict[str, int | None] = field(default_factory=dict)  # lesion id → TU line
    identified_at: dict[str, str] = field(default_factory=dict)  # lesion id → TU VISITNUM
    visits: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))  # TR record indexes
    flags: dict[str, _Flags] = field(default_factory=lambda: defaultdict(_Flags))  # SUPPTU, by lesion id
    flag_lines: dict[tuple[str, str], int | None] = field(default_factory=dict)  # (lesion, flag) → line

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

    def link_groups(self) -> dict[str, str]:
        """The TRLNKGRP of each visit (its first given), which RS OVRLRESP carries as RSLNKGRP (CDISC.md §1)."""
        groups = self.tr.link_group
        return {visit: next((groups[i] for i in indexes if groups[i]), "")
                for visit, indexes in self.builder.visits.items()}

    @property
    def accepted(self) -> bool:
        """True when a TR record of the read has TRACPTFL = Y (an adjudicator accepted it, CDISC.md §1 rule 3)."""
        flags = self.tr.accepted
        return any(flags[i] == "Y" for indexes in self.builder.visits.values() for i in indexes)


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
    visits = _canonical_visits(table, tr.visit)
    for index, (key, visit) in enumerate(zip(keys, map(visits.__getitem__, tr.visit), strict=True)):
        found = builders.get(key)
        if found is None:
            raise table.row(index).error(
                f"no TU lesions for USUBJID {key[0]!r}, TREVAL {key[1]!r}, TREVALID {key[2]!r}; "
                "every TR read needs its TU records.")
        found.visits[visit].append(index)
    for key, builder in builders.items():
        if not builder.visits:
            raise InputFileError(
                str(tu_path), builder.first_line,
                f"USUBJID {key[0]!r} (TUEVAL {key[1]!r}, TUEVALID {key[2]!r}) has TU lesions but no TR results "
                f"in {table.path}; every TU read needs its TR records (remove the read from TU if it was never "
                "assessed).")
    return [PendingRead(key, builders[key], table, tr) for key in sorted(builders)]


def _canonical_visits(table: Columns, visit_texts: tuple[str, ...]) -> dict[str, str]:
    """VISITNUM text → canonical visit, refusing an empty or non-numeric VISITNUM (naming its line)."""
    visits: dict[str, str] = {}
    for text in set(visit_texts):
        problem = visit_problem(text)
        if problem is not None:
            raise table.row(visit_texts.index(text)).error(problem)
        visits[text] = canonical_visit(text)
    return visits


class _TrColumns(NamedTuple):
    """The TR columns the engine uses, each a tuple over the table's records (index = record)."""

    visit: tuple[str, ...]
    visit_name: tuple[str, ...]
    link: tuple[str, ...]
    test: tuple[str, ...]
    status: tuple[str, ...]
    reason_not_done: tuple[str, ...]
    original: tuple[str, ...]
    original_unit: tuple[str, ...]
    standard_text: tuple[str, ...]
    standard_number: tuple[str, ...]
    standard_unit: tuple[str, ...]
    date_text: tuple[str, ...]
    link_group: tuple[str, ...]
    accepted: tuple[str, ...]


#: The TR variable of each :class:`_TrColumns` field, in field order.
_TR_SOURCE = ("VISITNUM", "VISIT", "TRLNKID", "TRTESTCD", "TRSTAT", "TRREASND", "TRORRES", "TRORRESU",
              "TRSTRESC", "TRSTRESN", "TRSTRESU", "TRDTC", "TRLNKGRP", "TRACPTFL")


def _key(row: Row, evaluator: str, evaluator_id: str) -> ReadKey:
    values = row.values
    return (values.get("USUBJID", ""), values.get(evaluator, ""), values.get(evaluator_id, ""))


def _add_lesion(builder: _ReadBuilder, row: Row) -> None:
    if not row.get("USUBJID"):
        raise row.error("USUBJID is empty; every lesion needs its subject.")
    lesion_id = row.get("TULNKID")
    if not lesion_id:
        raise row.error("TULNKID is empty; every lesion needs an identifier.")
    text = row.get("TUSTRESC") or row.get("TUORRES")
    try:
        role = LesionRole(text.upper())
    except ValueError:
        allowed = ", ".join(r.value for r in LesionRole)
        raise row.error(f"TUSTRESC {text!r} is not one of {allowed}.") from None
    visit = row.get("VISITNUM")
    if visit and (problem := visit_problem(visit)) is not None:
        raise row.error(problem)
    fragment = _FRAGMENT.match(lesion_id)
    if row.get("TUTESTCD") == "TUSPLIT" or (fragment and fragment["parent"] in builder.lesions):
        return  # a fragment of a split lesion: its TR rows are summed into the parent
    if lesion_id in builder.lesions:
        raise row.error(f"duplicate lesion id TULNKID {lesion_id!r} for this subject and reader "
                        f"(lines {builder.lesion_lines[lesion_id]} and {row.line}).")
    study = row.get("STUDYID")
    if builder.study_id and study and study != builder.study_id:
        raise row.error(f"STUDYID {study!r} differs from {builder.study_id!r} of this subject's lesions "
                        f"(lines {builder.first_line} and {row.line}); one read belongs to one study.")
    location = row.get("TULOC")
    builder.study_id = builder.study_id or study
    builder.first_line = builder.first_line or row.line
    builder.lesions[lesion_id] = Lesion(lesion_id, role, location, nodal="LYMPH NODE" in location.upper())
    builder.lesion_lines[lesion_id] = row.line
    builder.identified_at[lesion_id] = canonical_visit(visit)


def _apply_supptu(reads: list[tuple[ReadKey, _ReadBuilder]], row: Row) -> None:
    """Set a lesion's irradiation flag from a SUPPTU row on every read of its subject that QEVAL
    names (all of them when QEVAL is empty); a flag set twice to different values is an error."""
    attribute = IRRADIATION_QNAMS.get(row.get("QNAM").upper())
    if attribute is None or row.get("IDVAR").upper() != "TULNKID":
        return
    value = row.get("QVAL").upper()
    if value not in ("Y", "N"):
        raise row.error(f"QVAL {row.get('QVAL')!r} for {row.get('QNAM')} must be Y or N.")
    evaluator = row.get("QEVAL")  # the read's evaluator id (RADIOLOGIST 1) or evaluator (INVESTIGATOR)
    lesion_id = row.get("IDVARVAL")
    matched = False
    for (_, reader, reader_id), builder in reads:
        if lesion_id in builder.lesions and evaluator in ("", reader, reader_id):
            flags = builder.flags[lesion_id]
            if attribute in flags and flags[attribute] != (value == "Y"):
                raise row.error(
                    f"{row.get('QNAM')} of lesion {lesion_id!r} is given as {'N' if value == 'Y' else 'Y'} and as "
                    f"{value} (lines {builder.flag_lines[lesion_id, attribute]} and {row.line}); keep one value "
                    "per lesion.")
            flags[attribute] = value == "Y"
            builder.flag_lines[lesion_id, attribute] = row.line
            matched = True
    if not matched:
        raise row.error(f"IDVARVAL {lesion_id!r} matches no TU lesion of subject {row.get('USUBJID')!r}.")


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
            dated.append((parsed.value, text, index))
    # Earliest date; on a tie, a complete date before an imputed one, then the shortest text (no
    # time part), so that the row order never decides.
    return min(dated, key=lambda item: (item[0], is_partial(item[1]), len(item[1]), item[1]))


def _baseline_visit(builder: _ReadBuilder, order: list[str]) -> str:
    identified = sorted({builder.identified_at[i] for i, lesion in builder.lesions.items()
                         if not lesion.role.is_new and builder.identified_at[i]}, key=visit_key)
    for visit in identified:
        if visit in builder.visits:
            return visit
    return order[0]


def _timepoint(builder: _ReadBuilder, visit: str, when: tuple[date, str, int], table: Columns,
               tr: _TrColumns) -> Timepoint:
    results = _VisitResults(table, tr)
    for index in builder.visits[visit]:
        results.add(builder, index)
    observations = {link: obs for link, (obs, _) in results.states.items() if obs is not None}
    observations.update({link: obs for link, (obs, _) in results.measures.items() if obs is not None})
    for parent, fragments in results.fragments.items():
        values = tuple(obs.value_mm or Decimal(0) for obs, _ in fragments.values() if obs is not None)
        if values:  # fragments all NOT DONE: the lesion was not assessed
            observations[parent] = Observation.split(parent, values)
    for lesion_id in builder.new_identified_at(visit):
        observations.setdefault(lesion_id, Observation.state(lesion_id, Status.PRESENT))
    name = _visit_name(builder.visits[visit], table, tr)
    return Timepoint(visit, when[0], tuple(observations.values()), visit=name, date_text=when[1])


def _visit_name(indexes: list[int], table: Columns, tr: _TrColumns) -> str:
    """The VISIT of a visit's rows (empty ones aside); two different names are an error."""
    names = {tr.visit_name[i] for i in indexes}
    names.discard("")
    if len(names) > 1:
        named = [i for i in indexes if tr.visit_name[i]]
        first = named[0]
        other = next(i for i in named if tr.visit_name[i] != tr.visit_name[first])
        raise table.row(other).error(
            f"VISIT {tr.visit_name[other]!r} differs from {tr.visit_name[first]!r} at VISITNUM {tr.visit[other]} "
            f"(lines {_line(table, first)} and {_line(table, other)}); one visit number has one name.")
    return next(iter(names), "")


@dataclass
class _VisitResults:
    """The results of one read at one visit, each with the TR record it came from; a second,
    different result for the same lesion and test is an error naming both lines."""

    table: Columns
    tr: _TrColumns
    measures: dict[str, tuple[Observation | None, int]] = field(default_factory=dict)
    states: dict[str, tuple[Observation | None, int]] = field(default_factory=dict)
    # parent lesion → fragment id → (measurement, or None when not done; record index)
    fragments: dict[str, dict[str, tuple[Observation | None, int]]] = field(
        default_factory=lambda: defaultdict(dict))

    def add(self, builder: _ReadBuilder, index: int) -> None:
        """Read TR record ``index`` into its slot (other tests and the other axis are ignored)."""
        tr = self.tr
        test = tr.test[index].upper()
        link = tr.link[index]
        if test not in USED_TESTS:
            return  # summary rows (SUMDIAM, …) and other tests are ignored
        if not link:
            raise self.table.row(index).error(f"TRLNKID is empty on a {test} result; every lesion result needs "
                                              "the TULNKID of its lesion.")
        lesion, parent = _lesion_for(builder, link, index, self.table)
        if test != "TUMSTATE" and test not in (NODAL_TESTS if lesion.nodal else NON_NODAL_TESTS):
            return  # the other axis of the lesion
        not_done = tr.status[index].upper() == "NOT DONE"
        observation: Observation | None
        try:
            if not_done and parent is not None:
                observation = None  # a fragment not measured adds nothing to its lesion
            elif not_done:
                merged = tr.reason_not_done[index].upper() == "TUMOR MERGED"
                observation = Observation.merged(link) if merged else Observation.not_assessed(link)
            else:
                result = TrResult(test, tr.original[index], tr.original_unit[index], tr.standard_text[index],
                                  tr.standard_number[index], tr.standard_unit[index])
                observation = state(link, result) if test == "TUMSTATE" else measurement(parent or link, result)
        except ResultProblem as problem:
            raise self.table.row(index).error(str(problem)) from None
        slot: dict[str, tuple[Observation | None, int]]
        if test == "TUMSTATE":
            slot = self.states
        elif parent is not None:
            slot = self.fragments[parent]
        else:
            slot = self.measures
        earlier = slot.get(link)
        if earlier is not None and earlier[0] != observation:
            first, second = _line(self.table, earlier[1]), _line(self.table, index)
            raise self.table.row(index).error(
                f"two different {test} results for lesion {link!r} at VISITNUM {tr.visit[index]} "
                f"(lines {first} and {second}); keep one.")
        slot[link] = (observation, index)


def _line(table: Columns, index: int) -> int | None:
    return table.row(index).line


def _lesion_for(builder: _ReadBuilder, link: str, index: int, table: Columns) -> tuple[Lesion, str | None]:
    lesion = builder.lesions.get(link)
    if lesion is not None:
        return lesion, None
    fragment = _FRAGMENT.match(link)
    if fragment and fragment["parent"] in builder.lesions:
        return builder.lesions[fragment["parent"]], fragment["parent"]
    raise table.row(index).error(f"TRLNKID {link!r} matches no TU lesion (TULNKID) of this subject and reader.")
