"""A trial whose reads were measured on real (phantom) DICOM CT series, for the DICOM SR tests.

Central reader 1 records the store scenario's read (tests/recist_app/store/scenario.py: T01 lung, T02 node
with short and long axis at baseline, T03 liver irradiated, NT01 bone present, N01 new liver
lesion at week 24), every line drawn on a slice of the time point's phantom series, and signs
baseline. Central reader 2 measures one lesion of a free-text organ at baseline and week 8.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from recist_app.demo.phantom import GroundTruth, PhantomSpec, write_series
from recist_app.model.records import Axis, Lesion, LineMeasurement, ReaderRole
from tests.recist_app.store.scenario import (
    LESIONS,
    LINES,
    PASSWORDS,
    SBRT,
    STATES,
    SUBJECT,
    Trial,
    make_trial,
)

#: Where each lesion is drawn: image-plane mm (a, b) of the first point and the slice index.
ANCHORS = {"T01": (3.0, 4.5, 1), "T02": (5.25, 2.0, 2), "T03": (2.5, 6.0, 0), "N01": (7.0, 7.0, 3)}
DIRECTION = (0.6, 0.8)
READER2_LINES = {0: 42.5, 1: 37.25}
READER2_ORGAN = "PARASPINAL REGION"


@dataclass
class SrTrial:
    """The trial, the phantom series of each time point, and both readers' lesions by label."""

    folder: Path
    trial: Trial
    series: tuple[GroundTruth, ...]
    specs: tuple[PhantomSpec, ...]
    lesions: dict[str, Lesion]
    reader2_lesion: Lesion


def phantom_series(folder: Path, visit_index: int, study_date: str) -> tuple[PhantomSpec, GroundTruth]:
    """A tiny 4-slice CT series of the subject for one visit (its own study and frame of reference)."""
    spec = PhantomSpec(rows=16, columns=16, slices=4, pixel_spacing_mm=(2.0, 2.0), slice_spacing_mm=5.0,
                       slice_thickness_mm=5.0, noise_hu=0.0, seed=visit_index, patient_id=SUBJECT,
                       study_date=study_date, series_description=f"Visit {visit_index}")
    return spec, write_series(spec, folder, shuffle=False)


def drawn_line(spec: PhantomSpec, truth: GroundTruth, label: str, length_mm: float, axis: Axis) -> LineMeasurement:
    """A line of ``length_mm`` in the plane of the lesion's slice, oblique in that plane."""
    a, b, k = ANCHORS[label]
    if axis is Axis.SHORT:
        a, b = a + 1.0, b + 0.5
    z = k * spec.slice_spacing_mm
    p1 = spec.index_mm_to_patient(a, b, z)
    p2 = spec.index_mm_to_patient(a + DIRECTION[0] * length_mm, b + DIRECTION[1] * length_mm, z)
    return LineMeasurement.from_points(p1, p2, axis=axis, sop_uid=truth.sop_instance_uids[k],
                                       series_uid=truth.series_instance_uid,
                                       frame_of_reference_uid=truth.frame_of_reference_uid)


def make_sr_trial(folder: Path) -> SrTrial:
    """Create the trial in ``folder`` (SQLite), write and attach the series, record both reads."""
    trial = make_trial(str(folder / "trial.sqlite"))
    store = trial.store
    specs, series = [], []
    for index, tp in enumerate(trial.timepoints):
        spec, truth = phantom_series(folder / "images" / f"tp{index}", index, f"{tp.scan_date:%Y%m%d}")
        store.attach_series(tp.uid, study_uid=truth.study_instance_uid, series_uid=truth.series_instance_uid,
                            path=truth.folder, modality="CT", frame_of_reference_uid=truth.frame_of_reference_uid,
                            slice_thickness_mm=5.0)
        specs.append(spec)
        series.append(truth)
    session = trial.session(ReaderRole.CENTRAL_READER_1)
    lesions = {}
    for spec_ in LESIONS:
        lesion = session.add_lesion(spec_.label, spec_.role, organ=spec_.organ, nodal=spec_.nodal,
                                    first_timepoint_uid=trial.timepoints[spec_.first_visit].uid)
        if spec_.irradiated:
            start, end, dose, fractions = SBRT
            lesion = session.flag_irradiated(lesion, sbrt_start=start, sbrt_end=end, dose_gy=dose,
                                             fractions=fractions)
        lesions[spec_.label] = lesion
    for (label, visit), lines in LINES.items():
        for axis, length in lines:
            session.record_measurement(lesions[label].uid, trial.timepoints[visit].uid,
                                       drawn_line(specs[visit], series[visit], label, length, axis))
    session.record_measurement(lesions["N01"].uid, trial.timepoints[3].uid,
                               drawn_line(specs[3], series[3], "N01", 12.0, Axis.LONG))
    for (label, visit), (status, induced) in STATES.items():
        session.set_status(lesions[label].uid, trial.timepoints[visit].uid, status, radiation_induced=induced)
    session.sign(trial.timepoints[0].uid, PASSWORDS[ReaderRole.CENTRAL_READER_1])
    second = trial.session(ReaderRole.CENTRAL_READER_2)
    other = second.add_lesion("T01", "TARGET", organ=READER2_ORGAN, first_timepoint_uid=trial.timepoints[0].uid)
    for visit, length in READER2_LINES.items():
        second.record_measurement(other.uid, trial.timepoints[visit].uid,
                                  drawn_line(specs[visit], series[visit], "T01", length, Axis.LONG))
    return SrTrial(folder, trial, tuple(series), tuple(specs), lesions, other)
