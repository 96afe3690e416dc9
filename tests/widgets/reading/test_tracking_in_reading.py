"""Issue 16: jumping to a lesion not measured at a follow-up yet lands where the registration puts it, within
a slice of the truth, with its confidence said; a real CT moved by a known motion into a new frame of reference
(tests/recist_app/imaging/tracking/truth.py)."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

from PySide6 import QtWidgets
from pytestqt.qtbot import QtBot

from recist_app.cli import main
from recist_app.imaging.load import load_series_from_folder
from recist_app.model.records import LesionRole, LineMeasurement, ReaderRole
from recist_app.read.follow_up import image_middle
from recist_app.store import TrialStore
from tests.recist_app.imaging.tracking.truth import PHANTOM_MOTION, Motion, moved, phantom_pair, write_series
from tests.widgets.reading_support import open_window
from widgets.app import open_as

PATIENT = "Lung_Dx-A0001"
ALIGN_TIMEOUT_MS = 60_000


def test_a_target_opens_where_it_is_at_follow_up(app: QtWidgets.QApplication, qtbot: QtBot, shared_dir: Path,
                                                tmp_path: Path) -> None:
    data = shared_dir / "data" / "ct" / "lung_pet_ct_dx"
    baseline = load_series_from_folder(data / PATIENT)
    followup, truth = moved(baseline, Motion((2.0, -3.0, 5.0), (15.0, -20.0, 25.0), 6.0))
    write_series(baseline, followup, sorted((data / PATIENT).rglob("*.dcm")), tmp_path / "followup")
    db = tmp_path / "tracking.sqlite"
    with TrialStore.create(db, code="TRACK") as store:
        store.add_reader("Dr Site", ReaderRole.SITE_RADIOLOGIST, "site password")
    for folder in (data / PATIENT, tmp_path / "followup"):
        assert main(["import-dicom", str(folder), "--add-subjects", "--site", "FR01", "--db", str(db)]) == 0
    boxed = sorted(baseline.sop_uids.index(path.stem) for path in (data / "annotations" / "A0001").glob("*.xml")
                   if path.stem in baseline.sop_uids)
    k = boxed[len(boxed) // 2]
    box = ElementTree.parse(data / "annotations" / "A0001" / f"{baseline.sop_uids[k]}.xml").find("object/bndbox")
    assert box is not None
    xmin, xmax, ymin, ymax = (float(box.findtext(tag, "0")) for tag in ("xmin", "xmax", "ymin", "ymax"))
    ends = [baseline.index_to_patient(x, (ymin + ymax) / 2, k) for x in (xmin, xmax)]
    with TrialStore.open(db) as store:
        first, second = store.timepoints(PATIENT)
        session = store.reader_session(store.log_in("Dr Site", "site password"), PATIENT)
        lesion = session.add_lesion("T01", LesionRole.TARGET, organ="LUNG")
        line = LineMeasurement.from_points(tuple(ends[0]), tuple(ends[1]), sop_uid=baseline.sop_uids[k],
                                           series_uid=baseline.series_uid,
                                           frame_of_reference_uid=baseline.frame_of_reference_uid)
        session.record_measurement(lesion.uid, first.uid, line)
    centre = tuple(float(v) for v in (ends[0] + ends[1]) / 2)
    true_slice = followup.patient_to_index(truth(centre))[2]
    window = open_window(qtbot, db)
    try:
        assert open_as(window, "Dr Site", "site password")
        reading = window.reading
        reading.open_subject(PATIENT)
        reading.show_timepoint(PATIENT, second.uid)
        qtbot.waitUntil(lambda: reading.is_showing(second.uid), timeout=ALIGN_TIMEOUT_MS)
        view = reading.slice_view
        view.set_slice(0)
        reading.activate_lesion(lesion.uid, "")
        qtbot.waitUntil(lambda: "registration puts it" in window.statusBar().currentMessage(),
                        timeout=ALIGN_TIMEOUT_MS)
        assert abs(view.slice_index - true_slice) <= 1 and view.ghost_slice == view.slice_index
        assert "T01 is not measured at" in window.statusBar().currentMessage()
        unregistered = round(followup.patient_to_index(centre)[2])  # where it was, in the scanner's coordinates
        assert abs(unregistered - true_slice) > 2  # the registration is what found it
        reading.set_compare(True)
        compare = reading.compare_view
        qtbot.waitUntil(lambda: compare.left.volume is not None and compare.right.volume is not None,
                        timeout=ALIGN_TIMEOUT_MS)
        # the compare's prior may be the baseline's other series: aligned in the background, then in step
        qtbot.waitUntil(lambda: compare.offset_mm != 0.0, timeout=ALIGN_TIMEOUT_MS)
        for k in (20, 32, 44):  # the sides scroll in step through the registration, not the scanner's mm
            compare.left.set_slice(k)
            middle = baseline.index_to_patient(255.5, 255.5, k)
            assert abs(compare.right.slice_index - followup.patient_to_index(truth(tuple(middle)))[2]) <= 1.5
        reading.set_compare(False)
        view.set_slice(40)  # "was this already there?": the prior at the same position, pointer off the image
        assert reading.show_prior_here()
        assert reading.comparing and "BASELINE at the same position (confidence" in window.statusBar().currentMessage()
        shown = baseline.index_to_patient(255.5, 255.5, compare.left.slice_index)
        assert abs(followup.patient_to_index(truth(tuple(shown)))[2] - 40) <= 2
        assert abs(compare.left.slice_index - 40) > 2  # not the same slice number: the scans are 25 mm apart
        assert compare.right.slice_index == 40  # the image asked about stays
        window.grab().save(str(tmp_path / "tracked.png"))
    finally:
        window.quit_anyway()
        window.store.close()


def test_each_phantom_target_opens_within_a_slice_of_where_it_is(app: QtWidgets.QApplication, qtbot: QtBot,
                                                                tmp_path: Path) -> None:
    """The phantom writer's follow-up (the patient turned, shifted and breathing; lesions grown and shrunk,
    ``truth.phantom_pair``): jumping to each target measured at baseline lands within one slice of its true
    centre, its confidence said, its irradiated flag and label carried with it."""
    baseline_truth, followup_truth = phantom_pair(tmp_path)
    db = tmp_path / "phantom.sqlite"
    with TrialStore.create(db, code="TRACK") as store:
        store.add_reader("Dr Site", ReaderRole.SITE_RADIOLOGIST, "site password")
    for folder in ("baseline", "followup"):
        assert main(["import-dicom", str(tmp_path / folder), "--add-subjects", "--site", "FR01", "--db", str(db)]) == 0
    with TrialStore.open(db) as store:
        first, second = store.timepoints("TRACK-001")
        session = store.reader_session(store.log_in("Dr Site", "site password"), "TRACK-001")
        lesions = []
        for truth in baseline_truth.lesions:
            lesion = session.add_lesion(truth.lesion_id, LesionRole.TARGET, organ=truth.organ, nodal=truth.nodal)
            if truth.lesion_id == "L1":
                lesion = session.flag_irradiated(lesion, sbrt_start=date(2025, 1, 15), dose_gy=45.0, fractions=3)
            start, end = truth.long_axis_endpoints_mm
            session.record_measurement(lesion.uid, first.uid, LineMeasurement.from_points(
                start, end, sop_uid=truth.sop_instance_uid, series_uid=baseline_truth.series_instance_uid,
                frame_of_reference_uid=baseline_truth.frame_of_reference_uid))
            lesions.append(lesion)
    window = open_window(qtbot, db)
    try:
        assert open_as(window, "Dr Site", "site password")
        reading = window.reading
        reading.open_subject("TRACK-001")
        reading.show_timepoint("TRACK-001", second.uid)
        qtbot.waitUntil(lambda: reading.is_showing(second.uid), timeout=ALIGN_TIMEOUT_MS)
        view = reading.slice_view
        for lesion, truth in zip(lesions, followup_truth.lesions, strict=True):
            view.set_slice(0 if truth.slice_index > 10 else view.volume.shape[0] - 1)
            reading.activate_lesion(lesion.uid, "")
            qtbot.waitUntil(lambda: "registration" in window.statusBar().currentMessage(), timeout=ALIGN_TIMEOUT_MS)
            said = window.statusBar().currentMessage()
            assert abs(view.slice_index - truth.slice_index) <= 1, (truth.lesion_id, said)
            assert view.ghost_slice == view.slice_index and f"{truth.lesion_id} is not measured at" in said
            assert ("confidence 0." in said) or ("cannot pin it down" in said)
            assert ("irradiated" in view.ghost_text) == (truth.lesion_id == "L1")
        window.grab().save(str(tmp_path / "phantom_tracked.png"))
        # was it there before? The prior at the same position, the compare view never opened yet
        shown = view.slice_index
        assert not reading.comparing and reading.show_prior_here()
        compare = reading.compare_view
        qtbot.waitUntil(lambda: compare.left.volume is not None and compare.right.volume is not None,
                        timeout=ALIGN_TIMEOUT_MS)
        half = (view.volume.shape[0] - 1) * 2.5 / 2
        body = dataclasses.replace(PHANTOM_MOTION, wave_span_mm=(-half, half)).body_of(
            image_middle(view.volume, shown))
        qtbot.waitUntil(lambda: abs(compare.left.slice_index - compare.left.volume.patient_to_index(body)[2]) <= 1,
                        timeout=ALIGN_TIMEOUT_MS)
        assert compare.right.slice_index == shown
    finally:
        window.quit_anyway()
        window.store.close()
