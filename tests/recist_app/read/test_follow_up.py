"""Issue 16 in the read: a lesion not measured at a follow-up yet is shown where the registration puts it
(``recist_app.read.follow_up``), starting from its latest caliper (a reader's correction carries forward), with
its label and irradiation; until aligned, where it was. Phantom follow-ups with a known motion
(``tests/recist_app/imaging/tracking/truth.py``)."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import numpy as np

from recist_app.cli import main
from recist_app.demo.phantom import GroundTruth, Motion, PhantomSpec, write_series
from recist_app.imaging.load import load_series_from_folder
from recist_app.imaging.tracking.alignment import align
from recist_app.model.records import LesionRole, LineMeasurement, ReaderRole
from recist_app.read.follow_up import AlignedPair, ghost_of, image_middle, prior_here
from recist_app.store import TrialStore
from tests.recist_app.imaging.tracking.truth import PHANTOM_MOTION, phantom_pair


def line_of(truth: GroundTruth, lesion_id: str) -> LineMeasurement:
    """The lesion's true long axis as a caliper line on the series ``truth`` describes."""
    lesion = next(item for item in truth.lesions if item.lesion_id == lesion_id)
    start, end = lesion.long_axis_endpoints_mm
    return LineMeasurement.from_points(start, end, sop_uid=lesion.sop_instance_uid,
                                       series_uid=truth.series_instance_uid,
                                       frame_of_reference_uid=truth.frame_of_reference_uid)


def test_the_latest_caliper_is_carried_through_its_own_registration(tmp_path: Path) -> None:
    """Baseline, week 8 (moved), week 16 (moved otherwise). The reader measured L1 at week 8 where it really was
    (the correction); at week 16 its ghost starts from that caliper and the week 8 → week 16 registration, and
    lands on L1's true slice there, with its irradiation in the caption."""
    baseline_truth, week8_truth = phantom_pair(tmp_path)
    spec = PhantomSpec.chest(slices=64, rows=256, columns=256, slice_spacing_mm=2.5, patient_id="TRACK-001")
    half = 63 * 2.5 / 2
    week16 = dataclasses.replace(spec, study_date="20250701", seed=2, motion=Motion(
        (-1.0, 1.5, -3.0), (-10.0, 14.0, -12.0), 6.0, (0.0, 0.0, 0.0), (-half, half)))
    week16_truth = write_series(week16, tmp_path / "week16")
    db = tmp_path / "read.sqlite"
    with TrialStore.create(db, code="TRACK") as store:
        store.add_reader("Dr Site", ReaderRole.SITE_RADIOLOGIST, "site password")
    for folder in ("baseline", "followup", "week16"):
        assert main(["import-dicom", str(tmp_path / folder), "--add-subjects", "--site", "FR01", "--db", str(db)]) == 0
    with TrialStore.open(db) as store:
        first, second, third = store.timepoints("TRACK-001")
        session = store.reader_session(store.log_in("Dr Site", "site password"), "TRACK-001")
        lesion = session.add_lesion("T01", LesionRole.TARGET, organ="LUNG")
        session.flag_irradiated(lesion, sbrt_start=date(2025, 1, 15), dose_gy=45.0, fractions=3)
        unmeasured = session.add_lesion("T02", LesionRole.TARGET, organ="LUNG")
        session.record_measurement(lesion.uid, first.uid, line_of(baseline_truth, "L1"))
        session.record_measurement(lesion.uid, second.uid, line_of(week8_truth, "L1"))
        snapshot = session.snapshot()
    week8 = load_series_from_folder(tmp_path / "followup")
    volume = load_series_from_folder(tmp_path / "week16")
    asked: list[str] = []
    waiting = ghost_of(snapshot, lesion.uid, third.uid, volume, lambda uid: asked.append(uid))
    assert asked == [week8_truth.series_instance_uid]  # the correction, not the baseline
    assert waiting is not None and waiting.confidence is None and "being aligned" in waiting.message
    pairs: dict[str, AlignedPair] = {week8.series_uid: (align(week8, volume), week8)}
    ghost = ghost_of(snapshot, lesion.uid, third.uid, volume, pairs.get)
    truth = next(item for item in week16_truth.lesions if item.lesion_id == "L1")
    assert ghost is not None and ghost.confidence is not None and ghost.confidence >= 0.5
    assert abs(ghost.record.slice_index - truth.slice_index) <= 1
    assert ghost.record.to_index(volume).k == ghost.record.slice_index  # drawn on the image it opens
    middle = (np.asarray(ghost.record.p1_mm) + np.asarray(ghost.record.p2_mm)) / 2
    assert np.linalg.norm(middle - truth.centre_mm) < 3.0
    assert ghost.caption.startswith("T01 (irradiated) from ") and "registration puts it" in ghost.message
    assert ghost_of(snapshot, unmeasured.uid, third.uid, volume, pairs.get) is None
    carried = float(np.linalg.norm(np.subtract(ghost.record.p1_mm, ghost.record.p2_mm)))
    assert abs(carried - line_of(week8_truth, "L1").length_mm) < 1.0 and carried > 35.0  # week 8's 39 mm, not 30


def test_the_prior_at_the_same_position(tmp_path: Path) -> None:
    """The new-lesion help: a follow-up point found on the prior series, on the slice of the same anatomy."""
    baseline_truth, followup_truth = phantom_pair(tmp_path, slices=48)
    baseline = load_series_from_folder(tmp_path / "baseline")
    followup = load_series_from_folder(tmp_path / "followup")
    pair = (align(baseline, followup), baseline)
    for before, after in zip(baseline_truth.lesions, followup_truth.lesions, strict=True):
        found = prior_here(followup, np.asarray(after.centre_mm), pair)
        assert abs(found.slice_index - before.slice_index) <= 1, before.lesion_id
    motion = dataclasses.replace(PHANTOM_MOTION, wave_span_mm=(-47 * 2.5 / 2, 47 * 2.5 / 2))
    for k in (12, 24, 36):  # any anatomy, not only lesions: where the body shown there was at baseline
        point = image_middle(followup, k)
        found = prior_here(followup, point, pair)
        assert abs(found.slice_index - baseline.patient_to_index(motion.body_of(point))[2]) <= 1.5
