"""Store → the reads of an export, evaluated once and shared by every format (issue 7).

Each read is taken unblinded from the trial database and run through the engine exactly as the
workstation does (:func:`recist_app.evaluation.engine.engine_read`, :func:`assessment.read_report.assess_read`),
with one change: time points are identified by their visit number (``VISITNUM`` of the planned schedule,
:func:`visit_numbers`), so that the engine report maps straight onto SDTM rows. Results do not depend on
time-point identifiers.

Identity in the exports (CDISC.md §3.4, §8): a read is ``USUBJID`` + ``--EVAL`` + ``--EVALID``
(site radiologist → ``INVESTIGATOR``; central reader 1 / 2 → ``INDEPENDENT ASSESSOR`` /
``RADIOLOGIST 1`` / ``2``); central readers' lesion and link-group ids carry a reader prefix
(``R1-T01``, ``R1-A2``). No reader or patient name is exported.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TypeVar, cast

from assessment import ENGINE_VERSION, RULES_VERSION
from assessment.baseline import measurable_min_mm
from assessment.best_response import Assessment
from assessment.domain import Read
from assessment.gmi import GrowthModulationIndex, growth_modulation_index
from assessment.irecist_outcome import IrecistOutcome, irecist_outcome
from assessment.outcome import ReadOutcome, read_outcome
from assessment.profile import Profile
from assessment.read_report import ReadReport, assess_read
from recist_app.evaluation.engine import EVALUATORS, engine_read
from recist_app.evaluation.trial_profile import VisitSchedule, stored_trial_profile
from recist_app.exports.errors import ExportError
from recist_app.model.records import ReaderRole, ReadSnapshot, Subject, Timepoint, Trial
from recist_app.sdtm.response_tables import study_day

Derived = TypeVar("Derived")

#: TULNKID / TRLNKGRP prefix of each reading role (CDISC.md §3.4: ``R1-T01`` under BICR).
LINK_PREFIXES: Mapping[ReaderRole, str] = {ReaderRole.SITE_RADIOLOGIST: "", ReaderRole.CENTRAL_READER_1: "R1-",
                                           ReaderRole.CENTRAL_READER_2: "R2-"}
#: Names of the reference dates (RULES §7 A8) as written in the outcomes table.
REFERENCE_NAMES = {"randomisation": "RANDOMISATION", "first_dose": "FIRST DOSE"}
BASELINE_REFERENCE = "BASELINE SCAN"


@dataclass(frozen=True)
class ExportedRead:
    """One read with everything the formats write: records, engine results, patient-level outcome.

    ``report`` has time points identified by VISITNUM text (``"1"``, ``"3"``, ``"3.01"`` …);
    ``visit_numbers`` maps the store's time-point uids to those numbers. ``start_date`` is the
    reference date of BOR and PFS (the baseline scan when the subject has none); ``study_start``
    the reference of study days (``--DY``; None without a subject date).
    """

    snapshot: ReadSnapshot
    report: ReadReport
    outcome: ReadOutcome
    irecist: IrecistOutcome
    gmi: GrowthModulationIndex
    evaluator: str
    evaluator_id: str
    link_prefix: str
    visit_numbers: Mapping[str, Decimal]
    start_date: date
    reference: str
    study_start: date | None
    profile: Profile = field(default_factory=Profile)

    @property
    def subject_id(self) -> str:
        """The pseudonymised subject id (USUBJID)."""
        return self.snapshot.subject.subject_id

    @property
    def accepted(self) -> bool:
        """True when an adjudicator accepted this read (``--ACPTFL = Y``, CDISC.md §1 rule 3)."""
        return self.snapshot.read.accepted

    @property
    def timepoints(self) -> tuple[Timepoint, ...]:
        """The subject's time points in visit-number order."""
        return tuple(sorted(self.snapshot.timepoints, key=lambda tp: self.visit_numbers[tp.uid]))

    @property
    def signed_timepoint_uids(self) -> frozenset[str]:
        """Time points this reader has signed."""
        return frozenset(rt.timepoint_uid for rt in self.snapshot.read_timepoints if rt.signed)

    def link_id(self, label: str) -> str:
        """TULNKID / TRLNKID of a lesion label (``R1-T01`` for central reader 1)."""
        return f"{self.link_prefix}{label}"

    def link_group(self, visit_number: Decimal | int | str) -> str:
        """TRLNKGRP / RSLNKGRP of one visit of this read (``R1-A2``; CDISC.md §1)."""
        return f"{self.link_prefix}A{visit_number}"

    def epoch(self, when: date | None) -> str:
        """EPOCH (C99079) of an event of this subject: ``SCREENING`` up to the first dose (a scan that day is taken
        before it), ``TREATMENT`` after; empty when either date is unknown."""
        first_dose = self.snapshot.subject.first_dose_on
        if when is None or first_dose is None:
            return ""
        return "SCREENING" if when <= first_dose else "TREATMENT"

    def study_day(self, when: date) -> int | None:
        """SDTM --DY of ``when`` (day 1 = reference date, no day 0); None without a reference."""
        return study_day(self.study_start, when)


@dataclass(frozen=True)
class TrialData:
    """What an export writes: the trial, its profile, the chosen subjects and their evaluated reads.

    ``reads`` are sorted by subject, evaluator and evaluator id (the order ``assess`` numbers RSSEQ
    in); ``exported_at`` is the one UTC time stamp of the export; ``notes`` are what a reader of
    the files should know (e.g. a statement SDTM cannot carry).
    """

    trial: Trial
    profile: Profile
    subjects: tuple[Subject, ...]
    reads: tuple[ExportedRead, ...]
    exported_at: str
    notes: tuple[str, ...] = ()
    engine_version: str = ENGINE_VERSION
    rules_version: str = RULES_VERSION
    #: Datasets derived once per export and shared by its formats (the SDTM the ADaM reads, the ADaM the PDF's
    #: trial summary reads); a copy made with ``dataclasses.replace`` starts empty.
    _derived: dict[str, object] = field(default_factory=dict, init=False, repr=False, compare=False)

    def derived(self, name: str, build: Callable[[], Derived]) -> Derived:
        """``build()`` the first time ``name`` is asked for, the same object afterwards."""
        if name not in self._derived:
            self._derived[name] = build()
        return cast(Derived, self._derived[name])

    def read_of(self, subject_id: str, evaluator: str, evaluator_id: str) -> ExportedRead:
        """The read with this SDTM identity."""
        for read in self.reads:
            if (read.subject_id, read.evaluator, read.evaluator_id) == (subject_id, evaluator, evaluator_id):
                return read
        raise KeyError((subject_id, evaluator, evaluator_id))


def select_subjects(all_subjects: Sequence[Subject], wanted: Sequence[str] | None) -> tuple[Subject, ...]:
    """The subjects to export, in id order (all when ``wanted`` is None).

    Raises
    ------
    ExportError
        If a wanted subject id is not in the trial.
    """
    if wanted is None:
        return tuple(sorted(all_subjects, key=lambda s: s.subject_id))
    known = {s.subject_id: s for s in all_subjects}
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise ExportError(f'Argument "subjects" must name subjects of the trial, got unknown {unknown!r} '
                          f"(the trial has {len(known)} subject(s); see `trial info`).")
    return tuple(known[s] for s in sorted(set(wanted)))


def evaluate_read(snapshot: ReadSnapshot, profile: Profile) -> ExportedRead:
    """Run the engine on one unblinded snapshot with VISITNUM time-point ids; derive its outcome."""
    numbers = visit_numbers(snapshot.timepoints, stored_trial_profile(snapshot.trial.profile_toml).visits)
    read = engine_read(snapshot)
    read = dataclasses.replace(read, timepoints=tuple(dataclasses.replace(tp, visit_id=str(numbers[tp.visit_id]))
                                                      for tp in read.timepoints))
    report = assess_read(read, profile)
    subject = snapshot.subject
    reference = subject.randomised_on if profile.reference_date == "randomisation" else subject.first_dose_on
    start = reference or report.recist.timepoints[0].date
    outcome = read_outcome(report.recist, start, profile)
    assessments = tuple(Assessment(tp.date, tp.overall.value, tp.visit_id) for tp in report.irecist.timepoints)
    pfs = outcome.pfs
    gmi = growth_modulation_index(pfs.days, subject.prev_pfs_days, profile.gmi_threshold,
                                  pfs_censored=pfs.censored, previous_censored=subject.prev_pfs_censored)
    evaluator, evaluator_id = EVALUATORS[snapshot.reader.role]
    return ExportedRead(snapshot, report, outcome, irecist_outcome(assessments, start, profile), gmi, evaluator,
                        evaluator_id, LINK_PREFIXES[snapshot.reader.role], numbers, start,
                        REFERENCE_NAMES[profile.reference_date] if reference else BASELINE_REFERENCE, reference,
                        profile)


def visit_numbers(timepoints: Sequence[Timepoint], schedule: VisitSchedule | None = None) -> dict[str, Decimal]:
    """VISITNUM of each time point uid (unblinded time points only), from the planned schedule (issue 18).

    A time point named as a planned visit of ``schedule`` (``[[visit]]``) gets that visit's number in the schedule
    (BASELINE 1, the next planned visit 2 …), whoever else is planned; any other (``UNSCHEDULED``, or a planned name
    already taken by an earlier scan) gets the number of the planned visit before it plus .01, .02 … (SDTMIG v3.4
    §4.4.5), so an unscheduled scan never shifts the numbers after it. Without a schedule: 1, 2 … by scan date.

    Raises
    ------
    ExportError
        If a time point is blinded (no scan date).
    """
    if any(tp.scan_date is None for tp in timepoints):
        raise ExportError("exports need unblinded time points (scan dates); got a blinded snapshot.")
    ordered = sorted(timepoints, key=lambda tp: (tp.scan_date or date.min, tp.uid))
    planned = {visit.name.upper(): number for number, visit in enumerate(schedule.visits, start=1)} if schedule else {}
    if not planned:
        return {tp.uid: Decimal(number) for number, tp in enumerate(ordered, start=1)}
    numbers: dict[str, Decimal] = {}
    last, extra, used = Decimal(0), 0, set()
    for tp in ordered:
        number = planned.get(tp.visit.upper())
        if number is not None and number not in used and number > last:
            used.add(number)
            last, extra = Decimal(number), 0
            numbers[tp.uid] = last
        else:
            extra += 1
            numbers[tp.uid] = last + Decimal(extra) / 100
    return numbers


def exportable(snapshot: ReadSnapshot) -> bool:
    """True for a read with lesions and time points (an untouched read has nothing to export)."""
    return bool(snapshot.lesions) and bool(snapshot.timepoints) and snapshot.reader.role in LINK_PREFIXES


def build_trial_data(trial: Trial, profile: Profile, subjects: tuple[Subject, ...],
                     snapshots: Sequence[ReadSnapshot], exported_at: str,
                     step: Callable[[], None] = lambda: None) -> TrialData:
    """Evaluate every exportable read (``step`` after each) into the :class:`TrialData` of an export.

    Raises
    ------
    ExportError
        If two reads of one subject would have the same SDTM identity (two site radiologists:
        both ``INVESTIGATOR`` with no evaluator id).
    """
    reads: list[ExportedRead] = []
    notes: list[str] = []
    for snapshot in snapshots:
        if exportable(snapshot):
            reads.append(evaluate_read(snapshot, profile))
            notes.extend(read_notes(reads[-1]))
        step()
    reads.sort(key=lambda r: (r.subject_id, r.evaluator, r.evaluator_id))
    keys = [(r.subject_id, r.evaluator, r.evaluator_id) for r in reads]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        subject, evaluator, _ = duplicates[0]
        raise ExportError(f"subject {subject} has two reads by the {evaluator}: SDTM tells reads apart by "
                          "--EVAL/--EVALID only (CDISC.md §3.4); export one of them (delete or reassign the other).")
    return TrialData(trial, profile, subjects, tuple(reads), exported_at, tuple(notes))


def read_notes(read: ExportedRead) -> list[str]:
    """What SDTM TU/TR cannot carry about this read (so ``assess`` on them may differ), in words."""
    who = f"{read.subject_id} {read.evaluator_id or read.evaluator}"
    notes = []
    confirmed = sorted(read.visit_numbers[rt.timepoint_uid] for rt in read.snapshot.read_timepoints
                       if rt.cr_confirmed and rt.timepoint_uid in read.visit_numbers)
    if confirmed:
        notes.append(f"{who}: CR confirmed by the reader (RULES A5) at VISITNUM {', '.join(map(str, confirmed))}; "
                     "SDTM TU/TR cannot carry that statement, so `assess` on the exported files may differ after it.")
    engine: Read = read.report.read
    if measurable_min_mm(engine.slice_thickness_mm) != measurable_min_mm(None):
        notes.append(f"{who}: baseline slices of {engine.slice_thickness_mm} mm raise the measurable minimum "
                     "(RULES §1.2); SDTM TU/TR do not carry slice thickness, so `assess` on them uses 10 mm.")
    return notes
