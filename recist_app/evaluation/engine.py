"""Read-model records → engine inputs, and the engine run (ARCHITECTURE §1.3 step 7).

The only core module that builds :mod:`assessment.domain` records from a
:class:`~recist_app.model.records.ReadSnapshot`. RECIST 1.1, iRECIST and, when a lesion is
irradiated on study, the in-field / out-of-field subsets all come from this one read
(:func:`assessment.read_report.assess_read`): never measured twice.

Diameters: what a lesion contributes at a time point is the one rule of
:mod:`recist_app.evaluation.lesion_values`: the length of its line on its RECIST axis (the short
axis of a node, RECIST 1.1 §4.2; RULES §1.2) rounded half up to 0.1 mm, or the reader's stated
status. A node without a short-axis line, or a split lesion without fragment lines, is "not
assessed" at that time point (the engine then says NE and why).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from assessment import domain
from assessment.irecist_outcome import IrecistOutcome
from assessment.irecist_outcome import irecist_outcome as _irecist_outcome
from assessment.outcome import Assessment, ReadOutcome, read_outcome
from assessment.profile import Profile
from assessment.read_report import ReadReport, assess_read
from recist_app.evaluation.lesion_values import LesionValue, LesionValues
from recist_app.evaluation.trial_profile import stored_trial_profile
from recist_app.model.errors import InvalidRecordError
from recist_app.model.records import (
    Lesion,
    ReaderRole,
    ReadSnapshot,
    Status,
    Timepoint,
)

#: SDTM RSEVAL / RSEVALID of each reading role (CDISC.md; INVESTIGATOR vs INDEPENDENT ASSESSOR).
EVALUATORS = {
    ReaderRole.SITE_RADIOLOGIST: ("INVESTIGATOR", ""),
    ReaderRole.CENTRAL_READER_1: ("INDEPENDENT ASSESSOR", "RADIOLOGIST 1"),
    ReaderRole.CENTRAL_READER_2: ("INDEPENDENT ASSESSOR", "RADIOLOGIST 2"),
}

def engine_read(snapshot: ReadSnapshot) -> domain.Read:
    """The engine's :class:`assessment.domain.Read` of an unblinded snapshot.

    Lesion ids are the lesion labels (they appear in rationales); time-point ids are the store's
    time-point uids, so that results map back to time points.
    """
    timepoints = sorted(snapshot.timepoints, key=_scan_date)
    dates = {tp.uid: _scan_date(tp) for tp in timepoints}
    # Lesions in order of appearance, then label: the same read gives the same engine input in any order.
    lesions = sorted(snapshot.lesions, key=lambda lesion: (dates.get(lesion.first_timepoint_uid, date.min),
                                                           lesion.label))
    labels = {lesion.uid: lesion.label for lesion in lesions}
    values = LesionValues(snapshot)
    confirmed = {rt.timepoint_uid for rt in snapshot.read_timepoints if rt.cr_confirmed}
    engine_timepoints = []
    for tp in timepoints:
        observations = []
        for lesion in lesions:
            if dates.get(lesion.first_timepoint_uid, date.min) > dates[tp.uid]:
                continue  # a new lesion before it appeared
            observation = _observation(lesion.label, values.value(lesion, tp.uid), labels)
            if observation is not None:
                observations.append(observation)
        engine_timepoints.append(domain.Timepoint(tp.uid, dates[tp.uid], tuple(observations), visit=tp.visit,
                                                  date_text=dates[tp.uid].isoformat(),
                                                  cr_confirmed=tp.uid in confirmed))
    evaluator, evaluator_id = EVALUATORS.get(snapshot.reader.role, ("", ""))
    return domain.Read(snapshot.subject.subject_id, tuple(_engine_lesion(lesion) for lesion in lesions),
                       tuple(engine_timepoints), evaluator=evaluator, evaluator_id=evaluator_id,
                       slice_thickness_mm=_slice_thickness(timepoints[0] if timepoints else None),
                       study_id=snapshot.trial.code)


def evaluate(snapshot: ReadSnapshot, profile: Profile | None = None) -> ReadReport:
    """RECIST 1.1, iRECIST and subset results of the read (``profile``: the trial's, else RULES §7)."""
    return assess_read(engine_read(snapshot), profile or trial_profile(snapshot))


def outcome(snapshot: ReadSnapshot, report: ReadReport, profile: Profile | None = None) -> ReadOutcome:
    """BOR, confirmed BOR and PFS of the read, counted from the subject's reference date.

    The reference date is randomisation or first dose as the profile says (RULES §7 A8); when the
    subject has no such date, the baseline scan date is used.
    """
    profile = profile or trial_profile(snapshot)
    return read_outcome(report.recist, _start_date(snapshot, report, profile), profile)


def irecist_outcome(snapshot: ReadSnapshot, report: ReadReport, profile: Profile | None = None) -> IrecistOutcome:
    """iBOR, iRECIST progression and iPFS of the read, from the same reference date as :func:`outcome`."""
    profile = profile or trial_profile(snapshot)
    assessments = tuple(Assessment(tp.date, tp.overall.value, tp.visit_id) for tp in report.irecist.timepoints)
    return _irecist_outcome(assessments, _start_date(snapshot, report, profile), profile)


def _start_date(snapshot: ReadSnapshot, report: ReadReport, profile: Profile) -> date:
    """Randomisation or first dose as the profile says (RULES §7 A8), else the baseline scan date."""
    subject = snapshot.subject
    start = subject.randomised_on if profile.reference_date == "randomisation" else subject.first_dose_on
    return start or report.recist.timepoints[0].date


def trial_profile(snapshot: ReadSnapshot) -> Profile:
    """The trial's protocol profile (RULES §7 defaults when it has none): its flat keys only, since the
    workstation's tables (``[series]``, ``[[visit]]``) are not the engine's."""
    return stored_trial_profile(snapshot.trial.profile_toml).engine


def _scan_date(tp: Timepoint) -> date:
    if tp.scan_date is None:
        raise InvalidRecordError("snapshot", f"blinded time point {tp.visit}",
                                 "an unblinded snapshot (the engine needs the scan dates)")
    return tp.scan_date


def _engine_lesion(lesion: Lesion) -> domain.Lesion:
    return domain.Lesion(lesion.label, domain.LesionRole(lesion.role.value), location=lesion.organ,
                         nodal=lesion.nodal, irradiated=lesion.irradiated,
                         previously_irradiated=lesion.previously_irradiated,
                         sbrt_start=lesion.sbrt_start, sbrt_end=lesion.sbrt_end)


def _observation(label: str, value: LesionValue, labels: dict[str, str]) -> domain.Observation | None:
    """One lesion at one time point as the engine reads it; None when the reader recorded nothing."""
    induced = value.radiation_induced
    if value.status is None:
        return None
    if value.status is Status.SPLIT:
        return domain.Observation(label, Status.SPLIT, fragments_mm=value.fragments_mm, radiation_induced=induced)
    if value.status is Status.MERGED:
        return domain.Observation.merged(label, labels.get(value.merged_into_uid or ""))
    if value.status is Status.MEASURED:
        return domain.Observation(label, Status.MEASURED, diameter_mm=value.diameter_mm, radiation_induced=induced)
    return domain.Observation(label, value.status, radiation_induced=induced)


def _slice_thickness(baseline: Timepoint | None) -> Decimal | None:
    """The thickest baseline series' slice thickness (the measurable minimum depends on it, RULES §1.2)."""
    values = [s.slice_thickness_mm for s in baseline.series if s.slice_thickness_mm] if baseline else []
    return Decimal(repr(max(values))) if values else None
