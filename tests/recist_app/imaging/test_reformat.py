"""Coronal and sagittal reformats: orientation, spacing, letters, index mapping, views not copies."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from recist_app.imaging import geometry, reformat
from recist_app.imaging.load import load_series_from_folder
from recist_app.imaging.orientation import EdgeLetters
from recist_app.imaging.reformat import COL_AXIS, ROW_AXIS, Plane, ReformatPlane
from recist_app.imaging.volume import CtVolume

SPACING = (0.5, 0.8)  # (0028,0030): row spacing 0.5 mm, column spacing 0.8 mm
GAP = 2.5
HFS = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)            # normal to the head
FEET_NORMAL = (-1.0, 0.0, 0.0, 0.0, 1.0, 0.0)   # normal to the feet: k ascends head → feet
PRONE = (-1.0, 0.0, 0.0, 0.0, -1.0, 0.0)        # normal to the head, both in-plane axes reversed
SWAPPED = (0.0, 1.0, 0.0, 1.0, 0.0, 0.0)        # columns run A→P, rows R→L; normal to the feet
CORONAL_ACQUIRED = (1.0, 0.0, 0.0, 0.0, 0.0, -1.0)
AXIAL_IOPS = {"HFS": HFS, "feet normal": FEET_NORMAL, "prone": PRONE, "swapped": SWAPPED}
#: Markers in patient LPS mm and their HU. A/B share the coronal plane y = 0, C/D the sagittal x = 0.
MARKERS = {"A": ((20.0, 0.0, 10.0), 1000), "B": ((-20.0, 0.0, -10.0), 500),
           "C": ((0.0, -12.0, 10.0), 800), "D": ((0.0, 12.0, -10.0), 300)}


def make_volume(iop: tuple[float, ...] = HFS, shape: tuple[int, int, int] = (17, 100, 90),
                spacing: tuple[float, float] | None = SPACING, markers: bool = True,
                seed: int | None = None) -> CtVolume:
    """A volume centred on the patient origin, slices ascending along the normal, with markers."""
    slices, rows, cols = shape
    row_dir, col_dir = np.array(iop[:3]), np.array(iop[3:])
    normal = geometry.slice_normal(iop)
    row_spacing, col_spacing = SPACING
    centre = ((cols - 1) / 2 * col_spacing * row_dir + (rows - 1) / 2 * row_spacing * col_dir
              + (slices - 1) / 2 * GAP * normal)
    positions = -centre + np.arange(slices)[:, None] * GAP * normal
    hu = (np.random.default_rng(seed).integers(-1000, 1000, shape) if seed is not None
          else np.full(shape, -1000)).astype(np.int16)
    volume = CtVolume(hu=hu, slice_positions=positions, iop=iop, pixel_spacing=SPACING, affine=None,
                      frame_of_reference_uid="1.2.3", series_uid="1.2.3.4", study_uid=None,
                      sop_uids=tuple(str(k) for k in range(slices)), frame_numbers=(1,) * slices)
    if markers:
        for point, value in MARKERS.values():
            col, row, k = (round(v) for v in volume.patient_to_index(point))
            hu[k, row, col] = value
    hu.flags.writeable = False
    return CtVolume(hu=hu, slice_positions=positions, iop=iop, pixel_spacing=spacing, affine=None,
                    frame_of_reference_uid="1.2.3", series_uid="1.2.3.4", study_uid=None,
                    sop_uids=volume.sop_uids, frame_numbers=volume.frame_numbers)


def marker_voxel(iop: tuple[float, ...], name: str) -> tuple[int, int, int]:
    point = MARKERS[name][0]
    calibrated = make_volume(iop, markers=False)
    col, row, k = (round(v) for v in calibrated.patient_to_index(point))
    return col, row, k


def where(image: np.ndarray, value: int) -> tuple[int, int]:
    """(u, v) = (display column, display row) of the only pixel equal to ``value``."""
    rows, cols = np.nonzero(image == value)
    assert len(rows) == 1, f"{len(rows)} pixels of {value}"
    return int(cols[0]), int(rows[0])


@pytest.mark.parametrize("iop", AXIAL_IOPS.values(), ids=AXIAL_IOPS.keys())
def test_coronal_head_up_and_patient_right_on_the_viewer_left(iop: tuple[float, ...]) -> None:
    volume = make_volume(iop)
    shown = reformat.coronal(volume, marker_voxel(iop, "A"))
    (ua, va), (ub, vb) = where(shown.image, 1000), where(shown.image, 500)
    assert ua > ub  # A is on the patient's left: viewer's right
    assert va < vb  # A is towards the head: higher up
    assert shown.edges == EdgeLetters(left="R", right="L", top="H", bottom="F")
    assert shown.geometry.label == "CORONAL" and shown.geometry.axial
    # 40 mm apart in x and 20 mm in z: the display spacing says so
    row_mm, col_mm = shown.spacing_mm
    assert (ua - ub) * col_mm == pytest.approx(40.0, abs=col_mm) and (vb - va) * row_mm == pytest.approx(20.0)


@pytest.mark.parametrize("iop", AXIAL_IOPS.values(), ids=AXIAL_IOPS.keys())
def test_sagittal_head_up_and_anterior_on_the_left(iop: tuple[float, ...]) -> None:
    volume = make_volume(iop)
    shown = reformat.sagittal(volume, marker_voxel(iop, "C"))
    (uc, vc), (ud, vd) = where(shown.image, 800), where(shown.image, 300)
    assert uc < ud  # C is anterior: viewer's left
    assert vc < vd  # C is towards the head
    assert shown.edges == EdgeLetters(left="A", right="P", top="H", bottom="F")
    row_mm, col_mm = shown.spacing_mm
    assert (ud - uc) * col_mm == pytest.approx(24.0, abs=col_mm) and (vd - vc) * row_mm == pytest.approx(20.0)


@pytest.mark.parametrize(("iop", "flip_rows", "coronal_flip", "sagittal_flip", "coronal_fixed"), [
    (HFS, True, False, False, ROW_AXIS), (FEET_NORMAL, False, True, False, ROW_AXIS),
    (PRONE, True, True, True, ROW_AXIS), (SWAPPED, False, False, False, COL_AXIS)],
    ids=AXIAL_IOPS.keys())
def test_flips_and_fixed_axes(iop: tuple[float, ...], flip_rows: bool, coronal_flip: bool, sagittal_flip: bool,
                              coronal_fixed: int) -> None:
    volume = make_volume(iop)
    cor, sag = (ReformatPlane.for_volume(volume, plane) for plane in Plane)
    assert (cor.flip_rows, sag.flip_rows) == (flip_rows, flip_rows)  # the head is up whichever way k runs
    assert (cor.flip_cols, sag.flip_cols) == (coronal_flip, sagittal_flip)
    assert (cor.fixed_axis, sag.fixed_axis) == (coronal_fixed, 1 - coronal_fixed)


def test_head_first_normal_puts_the_last_slice_on_top_and_feet_normal_the_first() -> None:
    head, feet = make_volume(HFS, seed=1), make_volume(FEET_NORMAL, seed=1)
    np.testing.assert_array_equal(reformat.coronal(head, (0, 5, 0)).image, head.hu[::-1, 5, :])
    np.testing.assert_array_equal(reformat.coronal(feet, (0, 5, 0)).image, feet.hu[:, 5, ::-1])
    np.testing.assert_array_equal(reformat.sagittal(head, (7, 0, 0)).image, head.hu[::-1, :, 7])


@pytest.mark.parametrize("iop", [HFS, PRONE, SWAPPED], ids=["HFS", "prone", "swapped"])
def test_spacing_is_slice_gap_by_in_plane_spacing(iop: tuple[float, ...]) -> None:
    volume = make_volume(iop)
    cor, sag = (ReformatPlane.for_volume(volume, plane) for plane in Plane)
    across_cor = SPACING[1] if cor.fixed_axis == ROW_AXIS else SPACING[0]
    across_sag = SPACING[1] if sag.fixed_axis == ROW_AXIS else SPACING[0]
    assert cor.spacing_mm == pytest.approx((GAP, across_cor)) and sag.spacing_mm == pytest.approx((GAP, across_sag))
    assert cor.shape == (17, 90 if cor.fixed_axis == ROW_AXIS else 100)


@pytest.mark.parametrize("iop", [*AXIAL_IOPS.values(), CORONAL_ACQUIRED], ids=[*AXIAL_IOPS.keys(), "coronal"])
@pytest.mark.parametrize("plane", list(Plane))
def test_every_pixel_maps_to_its_voxel_and_back(iop: tuple[float, ...], plane: Plane) -> None:
    volume = make_volume(iop, seed=7)
    geo = ReformatPlane.for_volume(volume, plane)
    fixed = geo.fixed_count // 3
    image = geo.image(volume.hu, fixed)
    assert image.shape == geo.shape and image.dtype == np.int16
    assert np.shares_memory(image, volume.hu)  # a view: no copy per frame
    vs, us = np.mgrid[0:geo.shape[0], 0:geo.shape[1]]
    cols, rows, ks = (np.asarray(a) for a in geo.to_volume(us, vs, fixed))
    np.testing.assert_array_equal(image, volume.hu[ks, rows, cols])
    for u, v in ((0.0, 0.0), (3.25, 7.5), (geo.shape[1] - 1, geo.shape[0] - 1)):
        col, row, k = geo.to_volume(u, v, fixed)
        assert geo.fixed_of(col, row, k) == fixed
        assert geo.from_volume(col, row, k) == pytest.approx((u, v, fixed))


def test_uncalibrated_volume_shows_pixels_without_mm() -> None:
    volume = make_volume(HFS, spacing=None, seed=3)
    shown = reformat.coronal(volume, (1, 2, 3))
    assert shown.spacing_mm is None and shown.geometry.spacing_mm is None
    np.testing.assert_array_equal(shown.image, volume.hu[::-1, 2, :])
    assert shown.edges == EdgeLetters(left="R", right="L", top="H", bottom="F")
    assert reformat.plane_position_mm(volume, shown.geometry, 2) is None


def test_plane_position_is_the_patient_coordinate_along_the_fixed_direction() -> None:
    volume = make_volume(HFS)
    cor, sag = (ReformatPlane.for_volume(volume, plane) for plane in Plane)
    first = volume.slice_positions[0]
    assert reformat.plane_position_mm(volume, cor, 10) == pytest.approx(first[1] + 10 * SPACING[0])
    assert reformat.plane_position_mm(volume, sag, 10) == pytest.approx(first[0] + 10 * SPACING[1])
    assert reformat.plane_position_mm(volume, cor, marker_voxel(HFS, "A")[1]) == pytest.approx(0.0, abs=SPACING[0])


def test_non_axial_acquisition_works_in_index_space() -> None:
    volume = make_volume(CORONAL_ACQUIRED, seed=5)
    assert reformat.acquisition_plane(volume.iop) == "CORONAL"
    cor = reformat.coronal(volume, (4, 6, 2))
    sag = reformat.sagittal(volume, (4, 6, 2))
    assert not cor.geometry.axial and "index plane" in cor.geometry.label
    np.testing.assert_array_equal(cor.image, volume.hu[:, 6, :])  # rows = slices in volume order, no flips
    np.testing.assert_array_equal(sag.image, volume.hu[:, :, 4])
    # Fixing the row of a coronal slice (rows run to the feet) shows an axial plane; the letters say so.
    assert cor.geometry.label == "AXIAL · index plane"
    assert cor.edges == EdgeLetters(left="R", right="L", top="A", bottom="P")


def test_tilted_and_single_slice_volumes() -> None:
    tilted = make_volume((1.0, 0.0, 0.0, 0.0, np.cos(0.3), -np.sin(0.3)))
    assert reformat.coronal(tilted, (0, 0, 0)).geometry.axial
    single = make_volume(HFS, shape=(1, 8, 8), markers=False)
    # one slice has no gap: its Slice Thickness, else a square pixel
    assert ReformatPlane.for_volume(single, "sagittal").spacing_mm == (SPACING[0], SPACING[0])
    thick = dataclasses.replace(single, slice_thicknesses_mm=(3.0,))
    assert ReformatPlane.for_volume(thick, "coronal").spacing_mm == (3.0, SPACING[1])


@pytest.mark.parametrize(("call", "message"), [
    (lambda v: ReformatPlane.for_volume(v, "axial"), r'Argument "plane" must be one of \[\'CORONAL\', \'SAGITTAL\'\], '
                                                      r"got 'axial'"),
    (lambda v: reformat.coronal(v, (90, 0, 0)), r'Argument "voxel" must lie inside the volume \(cols 90, rows 100, '
                                                 r"slices 17\), got \(90, 0, 0\)"),
    (lambda v: reformat.sagittal(v, (0, 0)), r'Argument "voxel" must be a volume index \(col, row, k\), got \(0, 0\)'),
    (lambda v: ReformatPlane.for_volume(v, Plane.CORONAL).image(v.hu, -1), r'Argument "fixed" must be in 0 … 99, '
                                                                            r"got -1"),
])
def test_bad_arguments_are_rejected(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call(make_volume(markers=False))  # type: ignore[operator]


# --- real data in ../shared -------------------------------------------------------------------

LUNG = "data/ct/lung_pet_ct_dx"
SERIES = {"A0001": "Lung_Dx-A0001/series2_5mm_kernel-L", "A0002": "Lung_Dx-A0002/series3_8mm_B40f"}


def _tumour(shared_dir: Path, key: str, volume: CtVolume) -> tuple[int, int, int]:
    """Volume index (col, row, k) of the centre of the largest annotated tumour box."""
    slice_of = {uid: k for k, uid in enumerate(volume.sop_uids)}
    boxes = []
    for xml in (shared_dir / LUNG / "annotations" / key).glob("*.xml"):
        box = ET.parse(xml).find(".//bndbox")
        if xml.stem in slice_of and box is not None:
            x0, y0, x1, y1 = (int(box.findtext(tag) or 0) for tag in ("xmin", "ymin", "xmax", "ymax"))
            boxes.append(((x1 - x0) * (y1 - y0), ((x0 + x1) // 2, (y0 + y1) // 2, slice_of[xml.stem])))
    assert boxes
    return max(boxes)[1]


@pytest.mark.shared_data
@pytest.mark.parametrize("key", list(SERIES))
def test_lung_tumours_in_the_reformats(shared_dir: Path, key: str) -> None:
    volume = load_series_from_folder(shared_dir / LUNG / SERIES[key])
    col, row, k = _tumour(shared_dir, key, volume)
    slices = volume.shape[0]
    cor, sag = reformat.coronal(volume, (col, row, k)), reformat.sagittal(volume, (col, row, k))
    for shown, (u, v) in ((cor, (col, slices - 1 - k)), (sag, (row, slices - 1 - k))):
        assert shown.geometry.from_volume(col, row, k)[:2] == (u, v)
        assert np.median(shown.image[max(v - 1, 0):v + 2, u - 3:u + 4]) > -100  # the tumour: soft tissue
        assert shown.spacing_mm == pytest.approx((volume.spacing_mm[0], volume.pixel_spacing[1]))
    # head at the top: display row 0 is the slice nearest the head
    top_k = int(cor.geometry.to_volume(0, 0, row)[2])
    assert volume.slice_positions[top_k][2] == volume.slice_positions[:, 2].max()
    # A0001: left upper lobe → viewer's right, upper half; A0002: right lung → viewer's left
    u, v, _ = cor.geometry.from_volume(col, row, k)
    if key == "A0001":
        assert u > volume.shape[2] / 2 and v < slices / 2
    else:
        assert u < volume.shape[2] / 2
    # sagittal: the couch and the spine are posterior, on the right; air in front of the chest on the left
    middle = reformat.sagittal(volume, (volume.shape[2] // 2, 0, 0)).image
    assert np.median(middle[:, :20]) < -900 and middle[:, -200:].mean() > middle[:, :200].mean()
