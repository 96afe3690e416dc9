"""Attach scanned DICOM series to subjects and time points by PatientID and StudyDate (issue 5).

:func:`plan_import` matches each series of a :class:`~recist_app.imaging.scan.ScanResult` to the
subject whose pseudonymised id equals (0010,0020) *Patient ID* and to the subject's time point
dated (0008,0020) *Study Date* (a new time point when there is none); :func:`apply_import` then
writes the plan, one audited command per time point and per series. Series already attached are
skipped, so an interrupted import can simply be run again. The plan is what ``--dry-run`` shows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

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

    @property
    def path(self) -> str:
        """The folder holding the series' files."""
        files = [str(path) for path in self.series.files]
        return os.path.commonpath(files) if len(files) > 1 else os.path.dirname(files[0]) if files else ""


def study_date(text: str) -> date | None:
    """(0008,0020) *Study Date* (DA, ``YYYYMMDD``) as a date; None when absent or malformed."""
    try:
        return datetime.strptime(text.strip(), "%Y%m%d").date()
    except ValueError:
        return None


def plan_import(store: TrialStore, result: ScanResult) -> tuple[PlannedSeries, ...]:
    """What importing ``result`` into the trial would do, series by series (nothing is written)."""
    subjects = {subject.subject_id for subject in store.subjects()}
    attached: dict[tuple[str, date], set[str]] = {}
    for subject_id in subjects:
        for tp in store.timepoints(subject_id):
            if tp.scan_date is not None:
                attached[(subject_id, tp.scan_date)] = {link.series_uid for link in tp.series}
    plan = []
    for summary in result.series:
        day = study_date(summary.study_date)
        if summary.patient_id not in subjects:
            plan.append(PlannedSeries(summary, summary.patient_id, day, "skip",
                                      f"no subject {summary.patient_id!r} in the trial (add it with `subject add`)"))
        elif day is None:
            plan.append(PlannedSeries(summary, summary.patient_id, None, "skip",
                                      f"no usable Study Date (0008,0020): {summary.study_date!r}"))
        else:
            key = (summary.patient_id, day)
            if summary.series_uid in attached.get(key, set()):
                plan.append(PlannedSeries(summary, summary.patient_id, day, "attached"))
                continue
            plan.append(PlannedSeries(summary, summary.patient_id, day, "attach" if key in attached else "attach-new"))
            attached.setdefault(key, set()).add(summary.series_uid)
    return tuple(plan)


def apply_import(store: TrialStore, plan: tuple[PlannedSeries, ...], actor: str) -> int:
    """Write ``plan``: create the missing time points and attach the series; return series attached."""
    count = 0
    for item in plan:
        if item.action not in ("attach", "attach-new") or item.scan_date is None:
            continue
        timepoint = next((tp for tp in store.timepoints(item.subject_id) if tp.scan_date == item.scan_date), None)
        if timepoint is None:
            timepoint = store.add_timepoint(item.subject_id, "", item.scan_date, actor=actor)
        summary = item.series
        store.attach_series(timepoint.uid, study_uid=summary.study_uid, series_uid=summary.series_uid,
                            path=item.path, modality=summary.modality, description=summary.series_description,
                            frame_of_reference_uid=summary.frame_of_reference_uid or "",
                            slice_thickness_mm=summary.slice_thickness, actor=actor)
        count += 1
    return count
