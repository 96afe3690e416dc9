"""Attach scanned DICOM series to subjects and time points by PatientID and StudyDate (issue 5).

:func:`plan_import` matches each series of a :class:`~recist_app.imaging.scan.ScanResult` to the
subject whose pseudonymised id equals (0010,0020) *Patient ID* and to the subject's time point
dated (0008,0020) *Study Date* (a new time point when there is none); :func:`apply_import` then
writes the plan, one audited command per time point and per series. Series already attached are
skipped, so an interrupted import can simply be run again. The plan is what ``--dry-run`` shows.

A patient who is not yet a subject is skipped, or, when the import is asked to add subjects at a
site (``--add-subjects --site SITE``; the GUI asks), becomes the subject whose id is the Patient ID
(the site is created if missing). A new time point is named by the trial profile's ``[[visit]]``
schedule (:func:`recist_app.evaluation.visits.match_with_existing`): day 0 is the subject's baseline
scan (its earliest study date, or its existing baseline), a later study takes the planned visit whose
window holds its study day, else UNSCHEDULED. Without a schedule the earliest study of a subject
without time points is BASELINE and the others are UNSCHEDULED. Existing time points keep their names.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from recist_app.evaluation.trial_profile import parse_trial_profile
from recist_app.evaluation.visits import VisitMatch, match_with_existing

if TYPE_CHECKING:
    from recist_app.imaging.scan import ScanResult, SeriesSummary
    from recist_app.store.trial_store import TrialStore


@dataclass(frozen=True)
class PlannedSeries:
    """One scanned series and what the import does with it.

    ``action`` is ``attach`` (to an existing time point), ``attach-new`` (to a time point the
    import creates), ``attached`` (already there: nothing to do) or ``skip`` (``reason`` says why).
    """

    series: SeriesSummary
    subject_id: str
    scan_date: date | None
    action: str
    reason: str = ""
    #: The site of a subject the import creates ("" when the subject exists).
    new_subject_site: str = ""
    #: The visit name of a time point the import creates (``attach-new``).
    visit: str = ""
    #: The study's visit and study day (day 0: the subject's baseline scan); None for skipped series.
    match: VisitMatch | None = None
    #: The PACS the series was found on (issue 15): the link then refers to it, not to a folder.
    server: str = ""

    @property
    def path(self) -> str:
        """What the series link records: the PACS address, else the folder holding the series' files."""
        if self.server:
            return self.server
        files = [str(path) for path in self.series.files]
        return os.path.commonpath(files) if len(files) > 1 else os.path.dirname(files[0]) if files else ""


def study_date(text: str) -> date | None:
    """(0008,0020) *Study Date* (DA, ``YYYYMMDD``) as a date; None when absent or malformed."""
    try:
        return datetime.strptime(text.strip(), "%Y%m%d").date()
    except ValueError:
        return None


def plan_import(store: TrialStore, result: ScanResult, *, add_subjects_at: str = "") -> tuple[PlannedSeries, ...]:
    """What importing ``result`` into the trial would do, series by series (nothing is written).

    ``add_subjects_at``: a site code; unknown patients then become subjects there instead of being skipped.
    """
    subjects = {subject.subject_id for subject in store.subjects()}
    attached: dict[tuple[str, date], set[str]] = {}
    existing: dict[str, dict[date, str]] = {}  # subject → scan date → visit of its time points
    for subject_id in subjects:
        for tp in store.timepoints(subject_id):
            if tp.scan_date is not None:
                attached[(subject_id, tp.scan_date)] = {link.series_uid for link in tp.series}
                existing.setdefault(subject_id, {})[tp.scan_date] = tp.visit
    scan_dates: dict[str, set[date]] = {}
    for summary in result.series:
        day = study_date(summary.study_date)
        if day is not None:
            scan_dates.setdefault(summary.patient_id, set()).add(day)
    schedule = parse_trial_profile(store.trial.profile_toml).visits
    matches = {(patient, match.scan_date): match for patient, days in scan_dates.items()
               for match in match_with_existing(days, schedule, existing.get(patient, {}))}
    plan = []
    for summary in result.series:
        day = study_date(summary.study_date)
        new_subject = summary.patient_id not in subjects
        if new_subject and not add_subjects_at:
            plan.append(PlannedSeries(summary, summary.patient_id, day, "skip",
                                      f"no subject {summary.patient_id!r} in the trial (add it with `subject add`, "
                                      "or import with --add-subjects --site SITE)"))
        elif day is None:
            plan.append(PlannedSeries(summary, summary.patient_id, None, "skip",
                                      f"no usable Study Date (0008,0020): {summary.study_date!r}"))
        else:
            key = (summary.patient_id, day)
            if summary.series_uid in attached.get(key, set()):
                plan.append(PlannedSeries(summary, summary.patient_id, day, "attached", match=matches[key]))
                continue
            plan.append(PlannedSeries(summary, summary.patient_id, day, "attach" if key in attached else "attach-new",
                                      new_subject_site=add_subjects_at if new_subject else "",
                                      visit="" if key in attached else matches[key].visit, match=matches[key]))
            attached.setdefault(key, set()).add(summary.series_uid)
    return tuple(plan)


def apply_import(store: TrialStore, plan: tuple[PlannedSeries, ...], actor: str) -> int:
    """Write ``plan``: create the missing time points and attach the series; return series attached."""
    count = 0
    sites = {site.code for site in store.sites()}
    subjects = {subject.subject_id for subject in store.subjects()}
    for item in plan:
        if item.action not in ("attach", "attach-new") or item.scan_date is None:
            continue
        if item.new_subject_site and item.subject_id not in subjects:
            if item.new_subject_site not in sites:
                store.add_site(item.new_subject_site, actor=actor)
                sites.add(item.new_subject_site)
            store.add_subject(item.subject_id, item.new_subject_site, actor=actor)
            subjects.add(item.subject_id)
        timepoint = next((tp for tp in store.timepoints(item.subject_id) if tp.scan_date == item.scan_date), None)
        if timepoint is None:
            timepoint = store.add_timepoint(item.subject_id, item.visit, item.scan_date, actor=actor)
        summary = item.series
        store.attach_series(timepoint.uid, study_uid=summary.study_uid, series_uid=summary.series_uid,
                            path=item.path, modality=summary.modality, description=summary.series_description,
                            frame_of_reference_uid=summary.frame_of_reference_uid or "",
                            slice_thickness_mm=summary.slice_thickness, series_number=summary.series_number,
                            actor=actor)
        count += 1
    return count
