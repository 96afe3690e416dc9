"""Issue 17: one rough stroke across a lesion gives its RECIST long and short axes (``recist_app.imaging.
segmentation``): against lesions of known axes (``lesions.py``: partial volume, noise), the two real tumours of
``../shared/data/ct/lung_pet_ct_dx`` (the collection's boxes) and the ``measure`` command."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest

from recist_app.cli import main
from recist_app.demo.phantom import PhantomSpec, write_series
from recist_app.imaging.errors import UncalibratedImageError
from recist_app.imaging.load import load_series_from_folder
from recist_app.imaging.segmentation.contour import NoLesionFoundError, segment
from recist_app.imaging.segmentation.measure import measure, survey
from recist_app.imaging.segmentation.stroke import Stroke, StrokeError
from recist_app.imaging.volume import CtVolume
from tests.recist_app.imaging.segmentation.lesions import CASES, LesionCase, lesion_image, strokes, volume_of

AGAINST_THE_WALL = next(case for case in CASES if case.name == "against the chest wall")


@pytest.mark.parametrize("size", [256, 512])
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_axes_within_a_pixel_whatever_the_stroke(case: LesionCase, size: int) -> None:
    """Eight rough strokes (through points up to a fifth of the short axis off centre, at any angle, their ends
    from inside the lesion to a third beyond it): both axes within one pixel spacing of the truth, the long axis
    repeatable to 3 % (coefficient of variation), each end on the image's plane (length = distance of the ends).
    Against the chest wall at 0.78 mm pixels the short axis takes in up to two pixels of the wall it touches."""
    image = lesion_image(case, size=size)
    volume = volume_of(image.hu, image.spacing_mm)
    spacing = image.spacing_mm[0]
    found = [measure(volume, 0, Stroke(*ends)) for ends in strokes(image)]
    long_mm = np.array([m.long_axis_mm for m in found])
    short_mm = np.array([m.short_axis_mm for m in found])
    short_tolerance = 2 * spacing if case is AGAINST_THE_WALL and size == 512 else spacing
    assert np.abs(long_mm - image.long_axis_mm).max() <= spacing
    assert np.abs(short_mm - image.short_axis_mm).max() <= short_tolerance
    assert long_mm.std() / long_mm.mean() <= 0.03
    for m in found:
        assert m.long_axis_mm == pytest.approx(float(np.linalg.norm(np.subtract(*m.long_axis_endpoints_mm))))
        assert m.short_axis_mm == pytest.approx(float(np.linalg.norm(np.subtract(*m.short_axis_endpoints_mm))))
        assert all(point[2] == 0.0 for point in (*m.long_axis_endpoints_mm, *m.short_axis_endpoints_mm))
        along, across = (np.subtract(*ends) for ends in (m.long_axis_endpoints_mm, m.short_axis_endpoints_mm))
        assert abs(float(along @ across)) / (m.long_axis_mm * m.short_axis_mm) < 0.05  # perpendicular
        assert m.short_axis_mm <= m.long_axis_mm and m.area_mm2 > 0


def test_a_click_inside_is_a_stroke_too() -> None:
    image = lesion_image(CASES[0])
    found = measure(volume_of(image.hu, image.spacing_mm), 0, Stroke.click(image.centre))
    assert abs(found.long_axis_mm - image.long_axis_mm) <= image.spacing_mm[0]


@pytest.mark.parametrize(("where", "said"), [
    ((-80.0, 0.0), "air or lung"),  # in the lung, no lesion
    ((0.0, 78.0), "bone"),  # the spine
    ((-60.0, 40.0), "does not stand out"),  # homogeneous liver
])
def test_a_stroke_on_no_lesion_says_so(where: tuple[float, float], said: str) -> None:
    image = lesion_image(dataclasses.replace(CASES[0], parts=()), noise_hu=12.0) if where[0] != -60.0 else \
        lesion_image(dataclasses.replace(CASES[4], parts=()))
    spacing = image.spacing_mm[0]
    column = (image.hu.shape[1] - 1) / 2 + where[0] / spacing
    row = (image.hu.shape[0] - 1) / 2 + where[1] / spacing
    stroke = Stroke((column - 5.0, row), (column + 5.0, row))
    with pytest.raises(NoLesionFoundError, match=said):
        segment(image.hu, image.spacing_mm, stroke)


def test_what_cannot_be_measured_is_refused() -> None:
    image = lesion_image(CASES[0])
    volume = volume_of(image.hu, image.spacing_mm)
    with pytest.raises(StrokeError, match="lies off the image"):
        measure(volume, 0, Stroke((-5.0, 10.0), (20.0, 10.0)))
    with pytest.raises(StrokeError, match="not in the series"):
        measure(volume, 1, Stroke.click(image.centre))
    with pytest.raises(UncalibratedImageError, match="Pixel Spacing"):
        measure(dataclasses.replace(volume, pixel_spacing=None), 0, Stroke.click(image.centre))


def tumour_slice(shared_dir: Path, patient: str) -> tuple[CtVolume, int, tuple[float, float, float, float]]:
    """The real series, its middle boxed image and the box (xmin, xmax, ymin, ymax pixels)."""
    data = shared_dir / "data" / "ct" / "lung_pet_ct_dx"
    volume = load_series_from_folder(data / f"Lung_Dx-{patient}")
    boxed = sorted(volume.sop_uids.index(path.stem) for path in (data / "annotations" / patient).glob("*.xml")
                   if path.stem in volume.sop_uids)
    k = boxed[len(boxed) // 2]
    box = ElementTree.parse(data / "annotations" / patient / f"{volume.sop_uids[k]}.xml").find("object/bndbox")
    assert box is not None
    x0, x1, y0, y1 = (float(box.findtext(tag, "0")) for tag in ("xmin", "xmax", "ymin", "ymax"))
    return volume, k, (x0, x1, y0, y1)


def real_strokes(box: tuple[float, float, float, float]) -> list[Stroke]:
    """Across the box's middle (a tenth beyond each side), a short one inside, a diagonal, a click."""
    x0, x1, y0, y1 = box
    cx, cy, w, h = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0
    return [Stroke((x0 - 0.1 * w, cy), (x1 + 0.1 * w, cy)), Stroke((cx - 0.25 * w, cy - 0.1 * h),
                                                                    (cx + 0.25 * w, cy + 0.1 * h)),
            Stroke((x0 + 0.1 * w, y0 + 0.1 * h), (x1 - 0.1 * w, y1 - 0.1 * h)), Stroke.click((cx, cy))]


def share_outside(found_mask: np.ndarray, origin: tuple[int, int], box: tuple[float, float, float, float]) -> float:
    rows, columns = np.nonzero(found_mask)
    rows, columns = rows + origin[0], columns + origin[1]
    x0, x1, y0, y1 = box
    return float(np.mean((columns < x0 - 2) | (columns > x1 + 2) | (rows < y0 - 2) | (rows > y1 + 2)))


def test_the_tumour_beside_the_mediastinum(shared_dir: Path) -> None:
    """Lung_Dx-A0002's tumour (boxed 37 × 48 mm) touches the mediastinum: every stroke gives a contour within the
    box (at most 2 % of it outside, none into the mediastinum) and a long axis the box allows."""
    volume, k, box = tumour_slice(shared_dir, "A0002")
    width_mm, height_mm = (box[1] - box[0]) * volume.pixel_spacing[1], (box[3] - box[2]) * volume.pixel_spacing[0]
    for stroke in real_strokes(box):
        found = measure(volume, k, stroke)
        assert share_outside(found.region.mask, found.region.origin, box) <= 0.02
        assert max(width_mm, height_mm) * 0.9 <= found.long_axis_mm <= np.hypot(width_mm, height_mm)
        assert min(width_mm, height_mm) * 0.7 <= found.short_axis_mm <= min(width_mm, height_mm) * 1.1


def test_the_mass_against_the_posterior_wall_is_measured_or_refused(shared_dir: Path) -> None:
    """Lung_Dx-A0001's mass (boxed 64 × 73 mm) lies against the posterior chest wall, the spine and the aorta,
    with no plane between them on most of its edge: a stroke gives a contour within the box or says it found
    no edge; never a region run into the wall or the mediastinum."""
    volume, k, box = tumour_slice(shared_dir, "A0001")
    measured = 0
    for stroke in real_strokes(box):
        try:
            found = measure(volume, k, stroke)
        except NoLesionFoundError as refused:
            assert "without an edge" in str(refused)
            continue
        measured += 1
        assert share_outside(found.region.mask, found.region.origin, box) <= 0.03
        assert 55.0 <= found.long_axis_mm <= 97.0
    assert measured >= 1


def test_the_measure_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``measure SERIES --instance N --line C1 R1 C2 R2 --json`` on a phantom series: the issue's keys, both axes
    within a pixel of the phantom's L1 (30 × 18 mm), the ends in LPS on the image's plane; no lesion, no such
    image, not a number: exit 2 and the reason."""
    spec = PhantomSpec.chest(slices=24, rows=256, columns=256, slice_spacing_mm=5.0)
    truth = write_series(spec, tmp_path / "series")
    lesion = next(item for item in truth.lesions if item.lesion_id == "L1")
    volume = load_series_from_folder(tmp_path / "series")
    k = lesion.slice_index
    column, row, _k = volume.patient_to_index(lesion.centre_mm)
    argv = ["measure", str(tmp_path / "series"), "--instance", str(volume.image_numbers[k]),
            "--line", str(column - 6), str(row - 3), str(column + 8), str(row + 2), "--json"]
    assert main(argv) == 0
    answer = json.loads(capsys.readouterr().out)
    assert set(answer) == {"long_axis_mm", "short_axis_mm", "long_axis_endpoints_mm", "short_axis_endpoints_mm",
                           "area_mm2", "seconds"}
    spacing = spec.pixel_spacing_mm[0]
    assert abs(answer["long_axis_mm"] - 30.0) <= spacing and abs(answer["short_axis_mm"] - 18.0) <= spacing
    for name in ("long_axis", "short_axis"):
        ends = np.array(answer[f"{name}_endpoints_mm"])
        assert float(np.linalg.norm(ends[0] - ends[1])) == pytest.approx(answer[f"{name}_mm"], abs=0.01)
        assert np.allclose(ends[:, 2], volume.slice_positions[k][2])
    assert 0 < answer["seconds"] < 1.0
    assert main(argv[:-1]) == 0 and "long axis" in capsys.readouterr().out
    air = ["measure", str(tmp_path / "series"), "--instance", str(volume.image_numbers[k]), "--click", "5", "5"]
    assert main(air) == 2 and "air or lung" in capsys.readouterr().err
    assert main([*argv[:3], "999", *argv[4:]]) == 2 and "Instance Number 999" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stopped:
        main([*argv[:5], "nan", *argv[6:]])
    assert stopped.value.code == 2 and "'nan' is not a pixel position" in capsys.readouterr().err


def test_the_slice_where_the_lesion_is_longest(tmp_path: Path) -> None:
    """The 3D option: stroked two slices off its middle, the phantom's L3 (liver, an ellipsoid 45 × 30 mm, 30 mm
    high, on 2.5 mm slices) is followed slice by slice; the longest is its middle slice (within one), measured
    there within a pixel, and the long axis falls off either way."""
    spec = PhantomSpec.chest(slices=64, rows=256, columns=256, slice_spacing_mm=2.5)
    truth = write_series(spec, tmp_path / "series")
    lesion = next(item for item in truth.lesions if item.lesion_id == "L3")
    volume = load_series_from_folder(tmp_path / "series")
    start = lesion.slice_index + 2
    column, row, _k = volume.patient_to_index(lesion.centre_mm)
    first = measure(volume, start, Stroke((column - 5, row), (column + 5, row)))
    found = survey(volume, first)
    assert abs(found.longest_slice - lesion.slice_index) <= 1
    assert abs(found.longest.long_axis_mm - 45.0) <= spec.pixel_spacing_mm[0]
    assert first.long_axis_mm < found.longest.long_axis_mm
    slices = sorted(found.long_axis_mm)
    assert slices == list(range(slices[0], slices[-1] + 1)) and len(slices) >= 9  # about 30 mm of 2.5 mm slices
    assert found.long_axis_mm[slices[0]] < 0.7 * found.longest.long_axis_mm > found.long_axis_mm[slices[-1]]


def test_a_prior_caliper_carried_to_the_follow_up_re_measures_the_lesion(tmp_path: Path) -> None:
    """Follow-up: the lesion's baseline caliper, placed on the moved follow-up by the tracking, is the stroke:
    L1 grew from 30 to 39 mm and L2 shrank from 16 to 11.2 mm; each is found on its slice and measured within
    two pixels (the phantom's follow-up is resampled through the motion: its edges are soft), one key."""
    from recist_app.imaging.segmentation.measure import stroke_of
    from recist_app.imaging.tracking.alignment import align
    from recist_app.imaging.tracking.proposal import propose
    from recist_app.model.caliper import CaliperKind, CaliperRecord
    from tests.recist_app.imaging.tracking.truth import PHANTOM_GROWTH, phantom_pair

    before, after = phantom_pair(tmp_path)
    baseline = load_series_from_folder(tmp_path / "baseline")
    followup = load_series_from_folder(tmp_path / "followup")
    alignment = align(baseline, followup)
    spacing = followup.pixel_spacing[0] if followup.pixel_spacing else 0.0
    for lesion_id, long_mm in (("L1", 30.0), ("L2", 16.0)):
        prior = next(item for item in before.lesions if item.lesion_id == lesion_id)
        (p1, p2), (s1, s2) = prior.long_axis_endpoints_mm, prior.short_axis_endpoints_mm
        record = CaliperRecord(CaliperKind.BIDIRECTIONAL, p1, p2, s1, s2, prior.slice_index, prior.sop_instance_uid,
                               before.series_instance_uid, before.frame_of_reference_uid)
        proposal = propose(record, baseline, followup, alignment)
        assert proposal is not None
        k, stroke = stroke_of(proposal.record, followup)
        found = survey(followup, measure(followup, k, stroke))
        assert abs(found.longest.long_axis_mm - long_mm * PHANTOM_GROWTH[lesion_id]) <= 2 * spacing, lesion_id
        moved = next(item for item in after.lesions if item.lesion_id == lesion_id)
        assert abs(found.longest_slice - moved.slice_index) <= 1
