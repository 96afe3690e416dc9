"""Synthetic CT phantom writer (``recist_app.demo.phantom.spec``), checked with plain pydicom only.

The expected geometry is recomputed here from the written tags, (0020,0032) Image Position
(Patient), (0020,0037) Image Orientation (Patient) and (0028,0030) Pixel Spacing, never from
the writer's own helpers, so a sign or axis swap in the writer shows up.
"""

from __future__ import annotations

import math
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.encaps import generate_frames
from pydicom.pixels.encoders import JPEG2000LosslessEncoder, RLELosslessEncoder
from pydicom.uid import CTImageStorage, JPEG2000Lossless, JPEGLosslessSV1, RLELossless

from recist_app.demo.errors import PhantomSpecError
from recist_app.demo.phantom import (
    GROUND_TRUTH_NAME,
    GroundTruth,
    LesionSpec,
    LesionTruth,
    Motion,
    PhantomSpec,
    write_series,
)
from recist_app.imaging.errors import UnsupportedTransferSyntaxError
from tests.support import require

SLICES = 20


def read_series(folder: Path) -> list[pydicom.Dataset]:
    """All ``.dcm`` files of ``folder`` sorted by Instance Number (0020,0013)."""
    datasets = [pydicom.dcmread(path) for path in folder.glob("*.dcm")]
    return sorted(datasets, key=lambda ds: int(ds.InstanceNumber))


def hu(ds: pydicom.Dataset) -> np.ndarray:
    """Stored values → HU with (0028,1053) Rescale Slope and (0028,1052) Rescale Intercept."""
    return ds.pixel_array.astype(np.float64) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)


def frame(ds: pydicom.Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """IPP, row direction, column direction and normal of one slice."""
    iop = np.array(ds.ImageOrientationPatient, float)
    return np.array(ds.ImagePositionPatient, float), iop[:3], iop[3:], np.cross(iop[:3], iop[3:])


def to_index(ds: pydicom.Dataset, point: tuple[float, float, float]) -> tuple[float, float]:
    """(column, row) index of an LPS point on the plane of ``ds``; pixel centres at integers."""
    ipp, row_dir, col_dir, _ = frame(ds)
    row_mm, col_mm = (float(v) for v in ds.PixelSpacing)
    offset = np.asarray(point) - ipp
    return float(offset @ row_dir / col_mm), float(offset @ col_dir / row_mm)


def measure_axis(ds: pydicom.Dataset, ends: tuple, value: float) -> float:
    """Length (mm) of the run of ``value`` pixels along the line through ``ends``.

    Walks from the midpoint both ways in 0.02-pixel steps, nearest-pixel lookup, and stops at
    the first pixel whose HU is not ``value`` (the phantom is written noise-free here).
    """
    image = hu(ds)
    (c0, r0), (c1, r1) = (to_index(ds, p) for p in ends)
    row_mm, col_mm = (float(v) for v in ds.PixelSpacing)
    direction = np.array([c1 - c0, r1 - r0])
    direction /= np.linalg.norm(direction)
    mid = np.array([(c0 + c1) / 2, (r0 + r1) / 2])
    step, total = 0.02, 0.0
    for sign in (1, -1):
        n = 0
        while True:
            c, r = np.rint(mid + sign * (n + 1) * step * direction).astype(int)
            if not (0 <= r < image.shape[0] and 0 <= c < image.shape[1]) or abs(image[r, c] - value) > 0.5:
                break
            n += 1
        total += n * step * math.hypot(direction[0] * col_mm, direction[1] * row_mm)
    return total


@pytest.fixture(scope="module")
def small_spec() -> PhantomSpec:
    return PhantomSpec.chest(slices=SLICES, rows=128, columns=128, slice_spacing_mm=5.0, seed=7)


@pytest.fixture(scope="module")
def written(small_spec: PhantomSpec, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    folder = tmp_path_factory.mktemp("phantom")
    return folder, write_series(small_spec, folder)


def test_files_tags_and_positions(written: tuple[Path, GroundTruth], small_spec: PhantomSpec) -> None:
    folder, truth = written
    files = sorted(folder.glob("*.dcm"))
    assert len(files) == SLICES and (folder / GROUND_TRUTH_NAME).is_file()
    datasets = read_series(folder)
    assert [int(ds.InstanceNumber) for ds in datasets] == list(range(1, SLICES + 1))
    assert len({ds.SOPInstanceUID for ds in datasets}) == SLICES
    assert tuple(ds.SOPInstanceUID for ds in datasets) == truth.sop_instance_uids
    for ds in datasets:
        assert ds.SOPClassUID == CTImageStorage and ds.Modality == "CT"
        assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
        assert (ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID) == (
            truth.study_instance_uid, truth.series_instance_uid, truth.frame_of_reference_uid)
        assert (ds.PatientID, ds.StudyDate) == (small_spec.patient_id, small_spec.study_date)
        assert (float(ds.RescaleSlope), float(ds.RescaleIntercept), ds.PixelRepresentation) == (1, -1024, 0)
        assert float(ds.SliceThickness) == float(ds.SpacingBetweenSlices) == 5.0
        assert ds.WindowCenter is not None and ds.WindowWidth is not None
    positions = np.array([frame(ds)[0] for ds in datasets])
    normal = frame(datasets[0])[3]
    np.testing.assert_allclose(np.diff(positions, axis=0), np.tile(5.0 * normal, (SLICES - 1, 1)), atol=1e-6)
    _, row_dir, col_dir, _ = frame(datasets[0])
    centre = positions.mean(axis=0) + 127 / 2 * 400.0 / 128 * (row_dir + col_dir)
    np.testing.assert_allclose(centre, 0.0, atol=1e-9)  # chest() centres the volume on LPS 0


def test_file_names_are_shuffled(written: tuple[Path, GroundTruth], tmp_path: Path) -> None:
    folder, truth = written
    by_name = [int(pydicom.dcmread(path, stop_before_pixels=True).InstanceNumber)
               for path in sorted(folder.glob("*.dcm"))]
    assert by_name != sorted(by_name)
    assert all(len(Path(name).stem) == 36 for name in truth.file_names)  # UUID text
    plain = write_series(PhantomSpec.chest(slices=3, rows=32, columns=32), tmp_path, shuffle=False)
    assert plain.file_names == ("CT000001.dcm", "CT000002.dcm", "CT000003.dcm")


def test_hounsfield_units_of_tissues(written: tuple[Path, GroundTruth]) -> None:
    folder, _ = written
    datasets = read_series(folder)
    spacing = 400.0 / 128
    centre = 127 / 2

    def patch(k: int, u_mm: float, v_mm: float) -> float:
        col, row = round(centre + u_mm / spacing), round(centre + v_mm / spacing)
        return float(hu(datasets[k])[row - 1:row + 2, col - 1:col + 2].mean())

    upper, lower = 15, 2  # t ≈ +0.6 (lungs) and t ≈ −0.8 (liver)
    assert -900 < patch(upper, -95.0, 40.0) < -800  # right lung
    assert -900 < patch(upper, 95.0, 40.0) < -800  # left lung
    assert 20 < patch(upper, 0.0, -100.0) < 60  # soft tissue behind the sternum
    assert 600 < patch(upper, 0.0, 78.0) < 800  # vertebral body
    assert 40 < patch(lower, -60.0, -30.0) < 80  # liver
    assert -1020 <= float(hu(datasets[0])[:3, :3].mean()) < -980  # air around the body
    assert float(hu(datasets[upper]).std()) > 0  # noise is present


@pytest.mark.parametrize("orientation", [(1.0, 0.0, 0.0, 0.0, 1.0, 0.0), "oblique"])
def test_lesion_axes_measure_as_specified(orientation: object, tmp_path: Path) -> None:
    """Long and short axes measured on the central slice match the spec within one pixel."""
    if orientation == "oblique":
        a, b = math.radians(20), math.radians(25)
        row_dir = (math.cos(a), math.sin(a), 0.0)
        col_dir = (-math.sin(a) * math.cos(b), math.cos(a) * math.cos(b), math.sin(b))
        orientation = row_dir + col_dir
    spec = PhantomSpec.chest(slices=24, rows=160, columns=160, fov_mm=400.0, slice_spacing_mm=4.0,
                             orientation=orientation, noise_hu=0.0, origin_mm=(10.0, -20.0, 30.0))
    truth = write_series(spec, tmp_path)
    datasets = read_series(tmp_path)
    assert np.allclose(frame(datasets[0])[0], (10.0, -20.0, 30.0))
    lesions = {lesion.lesion_id: lesion for lesion in spec.lesions}
    spacing = 400.0 / 160
    for item in truth.lesions:
        ds = datasets[item.slice_index]
        assert ds.SOPInstanceUID == item.sop_instance_uid
        ipp, _, _, normal = frame(ds)
        for point in item.long_axis_endpoints_mm + item.short_axis_endpoints_mm + (item.centre_mm,):
            assert abs((np.asarray(point) - ipp) @ normal) < 1e-6  # on the slice plane
        for ends, expected in ((item.long_axis_endpoints_mm, item.long_axis_mm),
                               (item.short_axis_endpoints_mm, item.short_axis_mm)):
            assert math.dist(*ends) == pytest.approx(expected)
            measured = measure_axis(ds, ends, lesions[item.lesion_id].hu)
            assert abs(measured - expected) <= spacing + 1e-6, (item.lesion_id, measured, expected)


def test_ground_truth_json_round_trips(written: tuple[Path, GroundTruth]) -> None:
    folder, truth = written
    assert GroundTruth.from_json(folder / GROUND_TRUTH_NAME) == truth
    assert {item.lesion_id for item in truth.lesions} == {"L1", "L2", "L3", "N1"}
    assert [item.nodal for item in truth.lesions if item.lesion_id == "N1"] == [True]
    assert all(isinstance(item, LesionTruth) for item in truth.lesions)


def test_uids_are_deterministic_per_seed(tmp_path: Path) -> None:
    spec = PhantomSpec.chest(slices=3, rows=32, columns=32, seed=11)
    first = write_series(spec, tmp_path / "a")
    again = write_series(spec, tmp_path / "b")
    other = write_series(PhantomSpec.chest(slices=3, rows=32, columns=32, seed=12), tmp_path / "c")
    assert first.sop_instance_uids == again.sop_instance_uids
    assert first.series_instance_uid == again.series_instance_uid
    assert first.file_names == again.file_names
    assert not set(first.sop_instance_uids) & set(other.sop_instance_uids)
    assert other.study_instance_uid != first.study_instance_uid
    pixels = [hu(ds) for ds in read_series(tmp_path / "a")]
    others = [hu(ds) for ds in read_series(tmp_path / "b")]
    assert all(np.array_equal(p, q) for p, q in zip(pixels, others, strict=True))


@pytest.mark.parametrize(("syntax", "encoder"), [(RLELossless, RLELosslessEncoder),
                                                  (JPEG2000Lossless, JPEG2000LosslessEncoder)])
def test_compressed_syntaxes_are_lossless(syntax: str, encoder: object, tmp_path: Path) -> None:
    require(encoder.is_available,
            f"no encoder for {syntax}: {encoder.missing_dependencies}")
    base = PhantomSpec.chest(slices=4, rows=64, columns=64, seed=3)
    write_series(base, tmp_path / "plain")
    packed = PhantomSpec.chest(slices=4, rows=64, columns=64, seed=3, transfer_syntax=syntax)
    truth = write_series(packed, tmp_path / "packed")
    plain, compressed = read_series(tmp_path / "plain"), read_series(tmp_path / "packed")
    assert truth.sop_instance_uids == tuple(ds.SOPInstanceUID for ds in plain)  # compress() keeps UIDs
    for a, b in zip(plain, compressed, strict=True):
        assert b.file_meta.TransferSyntaxUID == syntax
        assert np.array_equal(a.pixel_array, b.pixel_array)


def test_jpeg_lossless_sv1_round_trips(tmp_path: Path) -> None:
    """Process 14 SV1 (SOF3, predictor 1, no point transform), decoded by pydicom, equals the plain pixels."""
    import imagecodecs

    require(imagecodecs.JPEG8.available, "imagecodecs has no libjpeg-turbo (JPEG8)")
    base = PhantomSpec.chest(slices=4, rows=64, columns=48, seed=5)
    write_series(base, tmp_path / "plain")
    packed = PhantomSpec.chest(slices=4, rows=64, columns=48, seed=5, transfer_syntax=JPEGLosslessSV1)
    truth = write_series(packed, tmp_path / "packed")
    plain, compressed = read_series(tmp_path / "plain"), read_series(tmp_path / "packed")
    assert truth.sop_instance_uids == tuple(ds.SOPInstanceUID for ds in compressed)
    for a, b in zip(plain, compressed, strict=True):
        assert b.file_meta.TransferSyntaxUID == JPEGLosslessSV1
        assert b["PixelData"].VR == "OB" and b["PixelData"].is_undefined_length
        stream = next(generate_frames(b.PixelData, number_of_frames=1))
        assert stream[:4] == b"\xff\xd8\xff\xc3"  # SOI then SOF3 (lossless, Huffman), no JFIF APP0
        sos = stream.index(b"\xff\xda")
        assert stream[sos + 4 + 1 + 2 * stream[sos + 4]:][:3] == bytes([1, 0, 0])  # Ss=1 (SV1), Se=0, Al=0
        assert np.array_equal(a.pixel_array, b.pixel_array)
        assert {k for k in a.dir() if a.get(k) != b.get(k)} == {"PixelData"}  # every other tag identical


def test_missing_jpeg_lossless_encoder_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "imagecodecs", None)  # import fails
    spec = PhantomSpec.chest(slices=2, rows=32, columns=32, transfer_syntax=JPEGLosslessSV1)
    with pytest.raises(UnsupportedTransferSyntaxError, match="imagecodecs"):
        write_series(spec, tmp_path)
    assert not list(tmp_path.glob("*.dcm"))


def test_invalid_specs_are_rejected() -> None:
    with pytest.raises(PhantomSpecError, match='"long_axis_mm" must be'):
        LesionSpec("X", "LUNG", (0.0, 0.0, 0.0), 10.0, 12.0, 5.0)
    with pytest.raises(PhantomSpecError, match='"orientation" must be two orthonormal'):
        PhantomSpec(orientation=(1.0, 0.0, 0.0, 1.0, 0.0, 0.0))
    with pytest.raises(PhantomSpecError, match='"transfer_syntax" must be'):
        PhantomSpec(transfer_syntax="1.2.3")
    lesion = LesionSpec("X", "LUNG", (0.0, 0.0, 500.0), 10.0, 8.0, 5.0)
    with pytest.raises(PhantomSpecError, match="inside the slab"):
        PhantomSpec(slices=4, lesions=(lesion,))
    with pytest.raises(PhantomSpecError, match="unique lesion_id"):
        PhantomSpec(slices=4, lesions=(lesion, lesion), origin_mm=(0.0, 0.0, 495.0))


def test_a_moved_body_shows_each_lesion_where_the_truth_says(tmp_path: Path) -> None:
    """A follow-up with the patient turned, shifted and breathing (:class:`Motion`): the grid and UIDs of an
    unmoved series, each lesion's HU at its carried centre (read back with pydicom, interpolated between the
    slices around it) and no longer at the unmoved one; the identity motion writes the unmoved pixels."""
    spec = PhantomSpec.chest(slices=SLICES, rows=128, columns=128, slice_spacing_mm=5.0, noise_hu=0.0)
    half = (SLICES - 1) * 5.0 / 2
    motion = Motion((1.5, -2.0, 4.0), (12.0, -18.0, 10.0), 6.0, (0.0, 0.0, 0.0), (-half, half))
    unmoved = write_series(spec, tmp_path / "unmoved")
    moved = write_series(replace(spec, motion=motion), tmp_path / "moved")
    datasets = read_series(tmp_path / "moved")
    for before, after, lesion in zip(unmoved.lesions, moved.lesions, spec.lesions, strict=True):
        np.testing.assert_allclose(motion.body_of(np.array(after.centre_mm)), before.centre_mm, atol=1e-6)
        assert np.linalg.norm(np.subtract(after.centre_mm, before.centre_mm)) > 15.0
        ipp, _, _, normal = frame(datasets[0])
        k = float((np.asarray(after.centre_mm) - ipp) @ normal / 5.0)
        assert after.slice_index == round(k)
        shown = []
        for ds in (datasets[math.floor(k)], datasets[math.ceil(k)]):
            col, row = to_index(ds, after.centre_mm)
            shown.append(hu(ds)[round(row), round(col)])
        assert abs(np.interp(k % 1, [0, 1], shown) - lesion.hu) < 10, lesion.lesion_id
        col, row = to_index(datasets[before.slice_index], before.centre_mm)
        assert abs(hu(datasets[before.slice_index])[round(row), round(col)] - lesion.hu) > 30
    still = write_series(replace(spec, motion=Motion()), tmp_path / "still")
    assert still.lesions == unmoved.lesions
    for one, two in zip(read_series(tmp_path / "unmoved"), read_series(tmp_path / "still"), strict=True):
        assert np.array_equal(one.pixel_array, two.pixel_array)
