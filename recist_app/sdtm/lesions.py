"""One read's lesions and lesion results → SDTM TU, TR and SUPPTU values (CDISC.md §2, §3, §5, §7).

The values are the engine's, from the one rule of :mod:`recist_app.evaluation.lesion_values`, so
that ``assess`` on the exported TU / TR / SUPPTU (:mod:`recist_app.sdtm.tumor_reader`) sees the
same observations:

- a measured lesion: ``LDIAM`` (non-nodal) or ``LPERP`` (nodal, short axis) with the diameter in
  mm rounded to 0.1 mm; a line of the other axis is exported too under the other test, unless the profile's
  ``[sdtm] diameters = "recist"`` keeps only the one RECIST uses (:func:`recist_diameter` tells them apart);
- too small to measure: ``TRORRES = TOO SMALL TO MEASURE``, ``TRSTRESN = 5`` (§3.3); disappeared:
  0 mm; merged: ``TRSTAT = NOT DONE``, ``TRREASND = TUMOR MERGED``; not assessed or nothing
  recorded: ``TRSTAT = NOT DONE``, ``TRREASND = NOT EVALUABLE`` (§1 rule 6);
- non-target and new-lesion states: ``TUMSTATE`` with the C124309 term (``UNEQUIVOCAL`` for
  unequivocal progression);
- a split lesion: one TU ``TUSPLIT`` record per fragment (``TULNKID`` ``T04.1``, ``TUGRPID`` the
  parent) and its TR rows (§2 rules);
- the reader's status decides when both a status and lines exist (as in the engine): the lines
  are then not exported, and a note says so;
- a new lesion's category is the one iRECIST counted it in (CDISC.md §6 PROPOSAL, RULES §2.2): TR ``TRGRPID`` is
  ``NEW TARGET`` from the assessment that made it a new-lesion target on, ``NEW NON-TARGET`` at the other assessments,
  so that the group's diameters add up to its ``SUMDIAM``. TU ``TUSTRESC`` is its category where it first appeared;
  ``NEW`` when iRECIST counted it as a target only later (it was not measurable at first), or never assessed it
  (after iCPD), so that ``assess`` on the exported TU sorts it as the engine did.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from recist_app.evaluation.lesion_values import LesionValues, diameter_mm
from recist_app.evaluation.trial_profile import stored_trial_profile
from recist_app.exports.collect import ExportedRead
from recist_app.model.records import (
    Axis,
    Lesion,
    LesionRole,
    Measurement,
    Status,
    Timepoint,
)
from recist_app.sdtm.csv_io import format_decimal
from recist_app.sdtm.terms import TOO_SMALL_TO_MEASURE, location_terms

#: DICOM Modality (0008,0060) → TUMETHOD / TRMETHOD (C85492; CDISC.md §3.5).
METHODS = {"CT": "CT SCAN", "MR": "MRI", "PT": "PET SCAN", "US": "ULTRASOUND", "CR": "X-RAY", "DX": "X-RAY"}
#: Store statuses given as TUMSTATE results (C124309; tumor_reader maps them back).
STATE_TERMS = {Status.PRESENT: "PRESENT", Status.ABSENT: "ABSENT", Status.UNEQUIVOCAL_PROGRESSION: "UNEQUIVOCAL",
               Status.EQUIVOCAL: "EQUIVOCAL", Status.FURTHER_ENLARGEMENT: "FURTHER ENLARGEMENT"}
#: TRTESTCD of a diameter on each axis: longest diameter, or the node's short axis (C96779; CDISC.md §3).
AXIS_TESTS = {Axis.LONG: "LDIAM", Axis.SHORT: "LPERP"}
_ROLE_ORDER = {LesionRole.TARGET: 0, LesionRole.NON_TARGET: 1}
NEW_TARGET, NEW_NON_TARGET = LesionRole.NEW_TARGET.value, LesionRole.NEW_NON_TARGET.value
NOT_DONE = "NOT DONE"
NOT_EVALUABLE = "NOT EVALUABLE"
TUMOR_MERGED = "TUMOR MERGED"
MM = "mm"


@dataclass(frozen=True)
class LesionResult:
    """One TR lesion row: link, test, results, completion status and the image it was measured on."""

    link: str
    test: str
    original: str = ""
    standard_text: str = ""
    standard_number: str = ""
    unit: str = ""
    status: str = ""
    reason_not_done: str = ""
    image_uid: str = ""
    method: str = ""
    #: Who placed the line (SUPPTR TRMEASMT): MANUAL, PROPOSED or PROPOSED EDITED; "" for a row with no line.
    measured_by: str = ""


@dataclass(frozen=True)
class Identification:
    """One TU row: the lesion (or fragment), its test, location terms and identification visit."""

    lesion: Lesion
    link: str
    group: str
    test: str
    timepoint: Timepoint
    location: tuple[str, str, str]
    method: str


class ReadLesions:
    """The lesion records of one read, indexed for the TU / TR / SUPPTU mapping."""

    def __init__(self, read: ExportedRead) -> None:
        self.read = read
        snapshot = read.snapshot
        self.timepoints = read.timepoints
        self._number = read.visit_numbers
        self._dates = {tp.uid: tp.scan_date or date.min for tp in self.timepoints}
        # Targets, non-targets, then new lesions by appearance and label: the engine's order among new
        # lesions (it picks new-lesion targets in that order, RULES §2.2) and a readable one otherwise.
        self.lesions = tuple(sorted(snapshot.lesions, key=lambda lesion: (
            _ROLE_ORDER.get(lesion.role, 2), self._number.get(lesion.first_timepoint_uid, 0), lesion.label)))
        self._values = LesionValues(snapshot)
        self._irecist = {tp.visit_id: tp for tp in read.report.irecist.timepoints}
        self._other_axis = stored_trial_profile(snapshot.trial.profile_toml).sdtm.diameters == "both"
        self.notes: list[str] = []

    def category(self, lesion: Lesion, tp: Timepoint | None = None) -> str:
        """TR ``TRGRPID`` of ``lesion`` at ``tp``, or TU ``TUSTRESC`` without ``tp`` (see the module docstring)."""
        if lesion.role is not LesionRole.NEW:
            return lesion.role.value
        if tp is not None and (itp := self._irecist.get(str(self._number[tp.uid]))) is not None:
            return NEW_TARGET if lesion.label in itp.new_lesion_targets else NEW_NON_TARGET
        counted = any(lesion.label in itp.new_lesion_targets for itp in self._irecist.values())
        if tp is not None:  # after iCPD: the group it reached
            return NEW_TARGET if counted else self.category(lesion)
        first = self._irecist.get(str(self._number.get(lesion.first_timepoint_uid, "")))
        if first is None:
            return lesion.role.value
        if lesion.label in first.new_lesion_targets:
            return NEW_TARGET
        return lesion.role.value if counted else NEW_NON_TARGET

    # TU and SUPPTU.

    def identifications(self) -> Iterator[Identification]:
        """TU rows: each lesion at its first time point, then its split fragments (TUSPLIT)."""
        by_uid = {tp.uid: tp for tp in self.timepoints}
        for lesion in self.lesions:
            first = by_uid.get(lesion.first_timepoint_uid, self.timepoints[0])
            location, _recorded = tu_location(lesion.organ, lesion.nodal)
            self._location_notes(lesion, location[0])
            link = self.read.link_id(lesion.label)
            yield Identification(lesion, link, "", "TUMIDENT", first, location, method(first))
            seen: set[int] = set()
            for tp in self.visible_timepoints(lesion):
                for number, _ in self.fragments(lesion, tp):
                    if number not in seen:
                        seen.add(number)
                        yield Identification(lesion, f"{link}.{number}", link, "TUSPLIT", tp, location, method(tp))

    def _location_notes(self, lesion: Lesion, tuloc: str) -> None:
        """Note a location with no listed TULOC, or a non-nodal lesion whose TULOC names a lymph node."""
        who = f"{self.read.subject_id} {self.read.link_id(lesion.label)}"
        if lesion.organ and not tuloc:
            self.notes.append(f"{who}: location {lesion.organ!r} names no C74456 term listed in CDISC.md; TULOC "
                              "left empty, the text kept in SUPPTU TULOCTXT (add the term to "
                              "recist_app/sdtm/terms.py after checking NCI EVS).")
        elif not lesion.nodal and "LYMPH NODE" in tuloc:
            self.notes.append(f"{who}: a non-nodal lesion with TULOC {tuloc!r}; readers of TU that tell nodes by "
                              "TULOC (assess, admiralonco) will measure it on its short axis.")

    # TR.

    def visible_timepoints(self, lesion: Lesion) -> tuple[Timepoint, ...]:
        """The time points from the lesion's first appearance on."""
        return tuple(tp for tp in self.timepoints if self.appears_by(lesion, tp))

    def appears_by(self, lesion: Lesion, tp: Timepoint) -> bool:
        """True when ``lesion`` exists at ``tp`` (a new lesion not before its first time point)."""
        return self._dates.get(lesion.first_timepoint_uid, date.min) <= self._dates[tp.uid]

    def results(self, lesion: Lesion, tp: Timepoint) -> list[LesionResult]:
        """The TR rows of ``lesion`` at ``tp`` (see the module docstring)."""
        value = self._values.value(lesion, tp.uid)
        link = self.read.link_id(lesion.label)
        axis_test = AXIS_TESTS[lesion.recist_axis]
        if value.status is Status.SPLIT:
            return [self._measured(f"{link}.{n}", axis_test, m, tp) for n, m in value.fragments]
        if value.stated is Status.SPLIT:  # no fragment line on the lesion's axis
            return [self._not_done(lesion, tp, NOT_EVALUABLE)]
        if value.stated is not None and value.has_lines:
            self.notes.append(f"{self.read.subject_id} {link} VISITNUM {self._number[tp.uid]}: lines not exported; "
                              f"the reader's status {value.stated.value} decides, as in the engine.")
        if value.status is Status.MERGED:
            return [self._not_done(lesion, tp, TUMOR_MERGED)]
        if value.status is Status.TOO_SMALL:
            return [LesionResult(link, axis_test, TOO_SMALL_TO_MEASURE, "5", "5", MM, method=method(tp))]
        if value.status is Status.DISAPPEARED:
            return [LesionResult(link, axis_test, "0", "0", "0", MM, method=method(tp))]
        if value.status in STATE_TERMS:
            term = STATE_TERMS[value.status]
            return [LesionResult(link, "TUMSTATE", term, term, method=method(tp))]
        # Measured, or not assessed (stated, or by lines that lack the RECIST axis, or nothing recorded).
        rows = [self._measured(link, axis_test, value.line, tp) if value.line is not None
                else self._not_done(lesion, tp, NOT_EVALUABLE)]
        if value.other is not None and self._other_axis:
            rows.append(self._measured(link, AXIS_TESTS[value.other.line.axis], value.other, tp))
        return rows

    def fragments(self, lesion: Lesion, tp: Timepoint) -> tuple[tuple[int, Measurement], ...]:
        """(number, line) of a split lesion's fragments at ``tp`` on its RECIST axis, as the engine sums
        them (:func:`~recist_app.evaluation.lesion_values.split_fragments`); empty unless split there."""
        return self._values.value(lesion, tp.uid).fragments

    def _measured(self, link: str, test: str, measurement: Measurement, tp: Timepoint) -> LesionResult:
        text = format_decimal(diameter_mm(measurement.line))
        return LesionResult(link, test, text, text, text, MM, image_uid=measurement.line.sop_uid,
                            method=method(tp, measurement.line.series_uid),
                            measured_by=measurement.line.method.value)

    def _not_done(self, lesion: Lesion, tp: Timepoint, reason: str) -> LesionResult:
        """A NOT DONE row on the test the lesion is assessed with (diameter, or TUMSTATE)."""
        measured = lesion.role in (LesionRole.TARGET, LesionRole.NEW_TARGET) or (
            lesion.role is LesionRole.NEW and self._values.ever_measured(lesion.uid))
        test = AXIS_TESTS[lesion.recist_axis] if measured else "TUMSTATE"
        return LesionResult(self.read.link_id(lesion.label), test, status=NOT_DONE, reason_not_done=reason,
                            method=method(tp))


def recist_diameter(lesion: Lesion, test: str) -> bool | None:
    """Whether a TR row of ``test`` holds the diameter RECIST 1.1 uses for ``lesion`` (SUPPTR TRRECIST); None for a
    row that holds no diameter."""
    return test == AXIS_TESTS[lesion.recist_axis] if test in AXIS_TESTS.values() else None


def tu_location(organ: str, nodal: bool) -> tuple[tuple[str, str, str], str]:
    """(TULOC, TULAT, TUDIR) of a lesion's location text, and the text SUPPTU TULOCTXT keeps ("" when the terms say
    it all). A lymph node's TULOC is ``LYMPH NODE``, the term analysis code tells nodes by (admiralonco's templates
    test ``TULOC == "LYMPH NODE"``), its station kept in the text; another lesion's is the listed organ
    (:func:`~recist_app.sdtm.terms.location_terms`), with what it drops ("SEGMENT VI") kept in the text."""
    terms = location_terms(organ)
    text = " ".join(organ.split())
    if nodal:
        side = (terms.tulat, terms.tudir) if terms.tuloc == "LYMPH NODE" else ("", "")
        return ("LYMPH NODE", *side), "" if text.upper() in ("", "LYMPH NODE") else text
    return (terms.tuloc, terms.tulat, terms.tudir), "" if terms.exact else text


def method(tp: Timepoint, series_uid: str = "") -> str:
    """TUMETHOD / TRMETHOD of a time point: the modality of the measured series, else of the time
    point's series when they agree; empty when unknown."""
    by_series = {link.series_uid: METHODS.get(link.modality.upper(), "") for link in tp.series}
    if series_uid in by_series:
        return by_series[series_uid]
    methods = set(by_series.values())
    return methods.pop() if len(methods) == 1 else ""
