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
from decimal import Decimal
from pathlib import Path

from assessment.domain import Lesion, LesionRole, Observation, Read, Status, Timepoint
from recist_app.sdtm.csv_io import Row, parse_date, parse_decimal, read_table, visit_key

TU_REQUIRED = ("USUBJID", "TULNKID", "TUSTRESC", "TULOC")
TR_REQUIRED = ("USUBJID", "TRLNKID", "TRTESTCD", "VISITNUM", "TRDTC")
SUPPTU_REQUIRED = ("USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QVAL")

NODAL_TESTS = ("LPERP", "SAXIS")
NON_NODAL_TESTS = ("LDIAM", "DIAMETER")
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
IRRADIATION_QNAMS = {"TUIRRSTD": "irradiated", "TUPREVIR": "previously_irradiated"}
_FRAGMENT = re.compile(r"^(?P<parent>.+)\.(?P<n>\d+)$")

ReadKey = tuple[str, str, str]


@dataclass
class _ReadBuilder:
    """Mutable gathering of one read's rows before the frozen Read is built."""

    study_id: str = ""
    lesions: dict[str, Lesion] = field(default_factory=dict)
    identified_at: dict[str, str] = field(default_factory=dict)  # lesion id → TU VISITNUM
    visits: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))


def read_tumor_tables(tu_path: str | Path, tr_path: str | Path,
                      supptu_path: str | Path | None = None) -> list[Read]:
    """Read SDTM TU, TR and optional SUPPTU CSVs into one :class:`Read` per subject × reader.

    Raises
    ------
    InputFileError
        On a missing required column, an unknown category (A18), a duplicate lesion id, a TR row
        for a lesion TU does not identify, or a follow-up dated before baseline.
    """
    builders: dict[ReadKey, _ReadBuilder] = defaultdict(_ReadBuilder)
    for row in read_table(tu_path, TU_REQUIRED):
        _add_lesion(builders[_key(row, "TU")], row)
    if supptu_path is not None:
        for row in read_table(supptu_path, SUPPTU_REQUIRED):
            _apply_supptu(builders, row)
    for row in read_table(tr_path, TR_REQUIRED):
        key = _key(row, "TR")
        if key not in builders:
            raise row.error(f"no TU lesions for USUBJID {key[0]!r}, TREVAL {key[1]!r}, TREVALID {key[2]!r}; "
                            "every TR read needs its TU records.")
        builders[key].visits[row.get("VISITNUM")].append(row)
    return [_build(key, builder) for key, builder in builders.items() if builder.visits]


def _key(row: Row, prefix: str) -> ReadKey:
    return (row.get("USUBJID"), row.get(f"{prefix}EVAL"), row.get(f"{prefix}EVALID"))


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
    builder.identified_at[lesion_id] = row.get("VISITNUM")


def _apply_supptu(builders: dict[ReadKey, _ReadBuilder], row: Row) -> None:
    attribute = IRRADIATION_QNAMS.get(row.get("QNAM").upper())
    if attribute is None or row.get("IDVAR").upper() != "TULNKID":
        return
    value = row.get("QVAL").upper()
    if value not in ("Y", "N"):
        raise row.error(f"QVAL {row.get('QVAL')!r} for {row.get('QNAM')} must be Y or N.")
    evalid = row.get("QEVAL")
    matched = False
    for (subject, _, reader_id), builder in builders.items():
        lesion = builder.lesions.get(row.get("IDVARVAL"))
        if subject == row.get("USUBJID") and lesion is not None and (not evalid or evalid == reader_id):
            builder.lesions[lesion.lesion_id] = replace(lesion, **{attribute: value == "Y"})
            matched = True
    if not matched:
        raise row.error(f"IDVARVAL {row.get('IDVARVAL')!r} matches no TU lesion of subject {row.get('USUBJID')!r}.")


def _build(key: ReadKey, builder: _ReadBuilder) -> Read:
    visits = {v: _visit_date(rows) for v, rows in builder.visits.items()}
    order = sorted(visits, key=lambda v: (visits[v][0], visit_key(v)))
    baseline = _baseline_visit(builder, order)
    base_date = visits[baseline][0]
    for visit in order:
        if visits[visit][0] < base_date:
            raise visits[visit][2].error(
                f"VISITNUM {visit} is dated {visits[visit][1]}, before baseline VISITNUM {baseline} "
                f"({visits[baseline][1]}); a follow-up cannot precede baseline.")
    order.remove(baseline)
    timepoints = tuple(_timepoint(builder, v, visits[v]) for v in [baseline, *order])
    return Read(key[0], tuple(builder.lesions.values()), timepoints, evaluator=key[1], evaluator_id=key[2],
                study_id=builder.study_id)


def _visit_date(rows: list[Row]) -> tuple[date, str, Row]:
    """Earliest scan date of a visit: (imputed date, text as given, its row)."""
    dated = [row for row in rows if row.get("TRDTC")]
    if not dated:
        raise rows[0].error(f"no TRDTC at VISITNUM {rows[0].get('VISITNUM')}; the scan date is required.")
    return min(((*parse_date(r, "TRDTC")[:1], r.get("TRDTC"), r) for r in dated), key=lambda x: x[0])


def _baseline_visit(builder: _ReadBuilder, order: list[str]) -> str:
    identified = sorted({builder.identified_at[i] for i, lesion in builder.lesions.items()
                         if not lesion.role.is_new and builder.identified_at[i]}, key=visit_key)
    for visit in identified:
        if visit in builder.visits:
            return visit
    return order[0]


def _timepoint(builder: _ReadBuilder, visit: str, when: tuple[date, str, Row]) -> Timepoint:
    rows = builder.visits[visit]
    measures: dict[str, Observation] = {}
    states: dict[str, Observation] = {}
    fragments: dict[str, list[Decimal]] = defaultdict(list)
    for row in rows:
        _read_result(builder, row, measures, states, fragments)
    observations = dict(states)
    observations.update(measures)  # a measurement outranks a state of the same lesion
    for parent, values in fragments.items():
        observations[parent] = Observation.split(parent, tuple(values))
    for lesion_id, lesion in builder.lesions.items():
        if lesion.role.is_new and builder.identified_at[lesion_id] == visit:
            observations.setdefault(lesion_id, Observation.state(lesion_id, Status.PRESENT))
    name = next((r.get("VISIT") for r in rows if r.get("VISIT")), "")
    return Timepoint(visit, when[0], tuple(observations.values()), visit=name, date_text=when[1])


def _read_result(builder: _ReadBuilder, row: Row, measures: dict[str, Observation],
                 states: dict[str, Observation], fragments: dict[str, list[Decimal]]) -> None:
    test = row.get("TRTESTCD").upper()
    link = row.get("TRLNKID")
    if not link or test not in (*NODAL_TESTS, *NON_NODAL_TESTS, "TUMSTATE"):
        return  # summary rows (SUMDIAM, …) and other tests are ignored
    lesion, parent = _lesion_for(builder, row, link)
    if test == "TUMSTATE":
        states[link] = _state(row, link)
        return
    if test not in (NODAL_TESTS if lesion.nodal else NON_NODAL_TESTS):
        return  # the other axis of the lesion
    not_done = row.get("TRSTAT").upper() == "NOT DONE"
    if parent is not None:
        if not not_done:
            fragments[parent].append(_measurement(row, parent).value_mm or Decimal(0))
        return
    if link in measures:
        raise row.error(f"second {test} result for lesion {link!r} at VISITNUM {row.get('VISITNUM')}.")
    if not_done:
        merged = row.get("TRREASND").upper() == "TUMOR MERGED"
        measures[link] = Observation.merged(link) if merged else Observation.not_assessed(link)
    else:
        measures[link] = _measurement(row, link)


def _lesion_for(builder: _ReadBuilder, row: Row, link: str) -> tuple[Lesion, str | None]:
    if link in builder.lesions:
        return builder.lesions[link], None
    fragment = _FRAGMENT.match(link)
    if fragment and fragment["parent"] in builder.lesions:
        return builder.lesions[fragment["parent"]], fragment["parent"]
    raise row.error(f"TRLNKID {link!r} matches no TU lesion (TULNKID) of this subject and reader.")


def _state(row: Row, link: str) -> Observation:
    if row.get("TRSTAT").upper() == "NOT DONE":
        merged = row.get("TRREASND").upper() == "TUMOR MERGED"
        return Observation.merged(link) if merged else Observation.not_assessed(link)
    text = (row.get("TRSTRESC") or row.get("TRORRES")).upper()
    status = TUMOR_STATES.get(text)
    if status is None:
        allowed = ", ".join(TUMOR_STATES)
        raise row.error(f"TUMSTATE result {text!r} is not one of {allowed}.")
    return Observation.state(link, status)


def _measurement(row: Row, link: str) -> Observation:
    if row.get("TRORRES").upper() == TOO_SMALL_TEXT:
        return Observation.too_small(link)
    value = parse_decimal(row, "TRSTRESN")
    if value is None:
        value = parse_decimal(row, "TRSTRESC") if row.get("TRSTRESC") else parse_decimal(row, "TRORRES")
    if value is None:
        raise row.error(f"{row.get('TRTESTCD')} for lesion {link!r} has no result; use TRSTAT = NOT DONE "
                        "for a lesion that was not assessed.")
    if value < 0:
        raise row.error(f"{row.get('TRTESTCD')} {value} mm for lesion {link!r} is negative.")
    return Observation.measured(link, value)
