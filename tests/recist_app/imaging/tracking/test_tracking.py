"""Issue 16: finding points again at follow-up, against a real CT moved by a known motion into a new series
with a new frame of reference (tests/recist_app/imaging/tracking/truth.py)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from recist_app.cli import main
from recist_app.imaging.load import load_series_from_folder
from recist_app.imaging.tracking.refine import LOW_CONFIDENCE
from recist_app.imaging.tracking.track import track
from recist_app.imaging.volume import CtVolume
from tests.orthanc import Orthanc
from tests.recist_app.imaging.tracking.truth import Motion, landmarks, moved, phantom_pair, tumour_centre, write_series

PATIENT = "Lung_Dx-A0001"  # 64 slices of 512², 0.84 mm pixels, 5 mm apart
TURNED = Motion(angles_deg=(2.0, -3.0, 5.0), translation_mm=(15.0, -20.0, 25.0))  # about 6°, 35 mm


@pytest.fixture(scope="module")
def baseline(shared_dir: Path) -> CtVolume:
    return load_series_from_folder(shared_dir / "data" / "ct" / "lung_pet_ct_dx" / PATIENT)


@pytest.fixture(scope="module")
def tumour(baseline: CtVolume, shared_dir: Path) -> tuple[float, float, float]:
    """The centre of the lung tumour the collection's reader boxed."""
    return tumour_centre(baseline, shared_dir / "data" / "ct" / "lung_pet_ct_dx" / "annotations" / "A0001")


def errors(baseline: CtVolume, motion: Motion, tumour: tuple[float, float, float]
           ) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Errors (mm) at the landmarks and the tumour: refined, by the alignment alone; the confidences."""
    followup, truth = moved(baseline, motion)
    result = track(baseline, followup, [*landmarks(baseline), tumour])
    found = np.array([np.linalg.norm(np.subtract(p.followup_mm, truth(p.baseline_mm))) for p in result.points])
    aligned = np.array([np.linalg.norm(np.subtract(p.aligned_mm, truth(p.baseline_mm))) for p in result.points])
    return found, aligned, [p.confidence for p in result.points]


def test_a_turned_and_shifted_follow_up_is_aligned(baseline: CtVolume, tumour: tuple[float, float, float]) -> None:
    found, aligned, confidence = errors(baseline, TURNED, tumour)
    assert aligned.max() < 1.0 and found.max() < 1.5 and np.median(found) < 0.8  # mm
    assert min(confidence) >= LOW_CONFIDENCE


def test_breathing_is_corrected_point_by_point(baseline: CtVolume, tumour: tuple[float, float, float]) -> None:
    """A push along z of up to 10 mm mid-chest on top of the rigid motion: the alignment alone is off by
    millimetres, the local refinement brings every point, the tumour's centre among them, back within 2.5 mm."""
    found, aligned, confidence = errors(baseline, dataclasses.replace(TURNED, wave_mm=10.0), tumour)
    assert aligned.max() > 3.0 and found.max() < 2.5 and np.median(found) < 1.0
    assert min(confidence) >= LOW_CONFIDENCE


def test_what_cannot_be_matched_is_low_confidence(baseline: CtVolume, shared_dir: Path) -> None:
    """Air outside the body, a region the follow-up lost (replaced by plain soft tissue), another patient:
    never a confident guess."""
    followup, truth = moved(baseline, TURNED)
    lost = landmarks(baseline)[0]
    col, row, k = followup.patient_to_index(truth(lost))
    hu = followup.hu.copy()
    half, half_k = round(35 / 0.84), round(35 / 5)
    hu[round(k) - half_k:round(k) + half_k, round(row) - half:round(row) + half,
       round(col) - half:round(col) + half] = 40
    air = tuple(float(v) for v in baseline.index_to_patient(5, 5, 30))
    kept = landmarks(baseline)[2]
    result = track(baseline, dataclasses.replace(followup, hu=hu), [lost, air, kept])
    assert [p.confidence < LOW_CONFIDENCE for p in result.points] == [True, True, False]
    other = load_series_from_folder(shared_dir / "data" / "ct" / "lung_pet_ct_dx" / "Lung_Dx-A0002")
    assert all(p.confidence < LOW_CONFIDENCE for p in track(baseline, other, landmarks(baseline)).points)


def test_the_track_command(baseline: CtVolume, shared_dir: Path, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    """``track BASELINE FOLLOWUP --point … --json``: one entry per point in order, the baseline point echoed,
    the follow-up point in the follow-up's own coordinates, a confidence, the wall time."""
    source = shared_dir / "data" / "ct" / "lung_pet_ct_dx" / PATIENT
    followup, truth = moved(baseline, dataclasses.replace(TURNED, wave_mm=6.0))
    folder = write_series(baseline, followup, sorted(source.rglob("*.dcm")), tmp_path / "followup")
    points = landmarks(baseline)[:4]
    argv = ["track", str(source), str(folder), "--json"]
    for point in points:
        argv += ["--point", *(repr(v) for v in point)]
    assert main(argv) == 0
    answer = json.loads(capsys.readouterr().out)
    assert [entry["baseline_mm"] for entry in answer["points"]] == [list(point) for point in points]
    for entry in answer["points"]:
        assert np.linalg.norm(np.subtract(entry["followup_mm"], truth(tuple(entry["baseline_mm"])))) < 2.5
        assert 0.0 <= entry["confidence"] <= 1.0
    assert 0 < answer["seconds"] < 30
    assert main(["track", str(source), str(folder), "--point", *(repr(v) for v in points[0])]) == 0
    assert "aligned: rotation 6." in capsys.readouterr().out
    with pytest.raises(SystemExit) as stopped:
        main(["track", str(source), str(folder), "--point", "1", "nan", "2"])
    assert stopped.value.code == 2 and "'nan' is not a coordinate in mm" in capsys.readouterr().err
    assert main(["track", str(source), str(tmp_path / "nowhere"), "--point", "0", "0", "0"]) == 2
    assert capsys.readouterr().err.startswith("error: ")


@pytest.mark.parametrize("change", ["grown", "shrunk"])
def test_a_tumour_that_grew_or_shrank_is_found_again(baseline: CtVolume, tumour: tuple[float, float, float],
                                                     change: str) -> None:
    """The follow-up's tumour grew by 8 mm all round into the lung (soft tissue where there was air), or shrank
    (its soft-tissue rim turned to lung): its centre is still found within 10 mm (the issue's goal for a lesion
    centre), and when said with confidence, within 2.5 mm: never confidently wrong. The grown one matches
    confidently."""
    followup, truth = moved(baseline, dataclasses.replace(TURNED, wave_mm=6.0))
    centre = truth(tumour)
    col, row, k = followup.patient_to_index(centre)
    dz, dy, dx = followup.spacing_mm
    zz, yy, xx = np.ogrid[:followup.shape[0], :followup.shape[1], :followup.shape[2]]
    distance = np.sqrt(((zz - k) * dz) ** 2 + ((yy - row) * dy) ** 2 + ((xx - col) * dx) ** 2)
    hu = followup.hu.copy()
    if change == "grown":
        hu[(distance < 30.0) & (hu < -400)] = 35  # about 22 mm of tumour across, now 8 mm more all round
    else:
        hu[(distance > 7.0) & (distance < 13.0) & (hu > -150) & (hu < 150)] = -850  # its soft-tissue rim
    (found,) = track(baseline, dataclasses.replace(followup, hu=hu), [tumour]).points
    error = np.linalg.norm(np.subtract(found.followup_mm, centre))
    assert error < 10.0 and (found.confidence < LOW_CONFIDENCE or error < 2.5)
    assert found.confidence >= LOW_CONFIDENCE or change == "shrunk"


def test_the_track_command_on_a_pacs(orthanc: Orthanc, baseline: CtVolume, shared_dir: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Both series retrieved from a PACS by their UIDs (a series against itself: every point stays put)."""
    monkeypatch.setenv("RECIST_SERIES_CACHE", str(tmp_path / "cache"))
    point = landmarks(baseline)[5]
    argv = ["track", orthanc.dicomweb, orthanc.dimse, "--baseline-series", baseline.series_uid,
            "--followup-series", baseline.series_uid, "--point", *(repr(v) for v in point), "--json"]
    assert main(argv) == 0
    (entry,) = json.loads(capsys.readouterr().out)["points"]
    assert np.linalg.norm(np.subtract(entry["followup_mm"], point)) < 0.5 and entry["confidence"] >= LOW_CONFIDENCE
    assert main(argv[:5] + argv[7:]) == 2  # no --followup-series for a PACS
    assert "SERVER --followup-series UID" in capsys.readouterr().err


def test_phantom_lesions_that_grew_or_shrank_are_found_where_the_patient_moved(tmp_path: Path) -> None:
    """The phantom writer's follow-up (``truth.phantom_pair``): the patient turned 4.7°, shifted 29 mm and
    breathing 8 mm, two lesions grown, two shrunk. Every lesion centre is found within 10 mm (median within 5 mm:
    the issue's goals), the scanner's coordinates alone being 30 mm off; a lesion that no longer looks like itself
    may be low confidence, never confidently wrong."""
    baseline_truth, followup_truth = phantom_pair(tmp_path)
    baseline = load_series_from_folder(tmp_path / "baseline")
    followup = load_series_from_folder(tmp_path / "followup")
    result = track(baseline, followup, [lesion.centre_mm for lesion in baseline_truth.lesions])
    errors = [float(np.linalg.norm(np.subtract(point.followup_mm, lesion.centre_mm)))
              for point, lesion in zip(result.points, followup_truth.lesions, strict=True)]
    unmoved = [float(np.linalg.norm(np.subtract(before.centre_mm, after.centre_mm)))
               for before, after in zip(baseline_truth.lesions, followup_truth.lesions, strict=True)]
    assert max(errors) < 10.0 and np.median(errors) < 5.0 and min(unmoved) > 25.0
    assert all(error < 2.0 for error, point in zip(errors, result.points, strict=True)
               if point.confidence >= LOW_CONFIDENCE)
    assert sum(point.confidence >= LOW_CONFIDENCE for point in result.points) >= 2  # the shrunk ones still match
