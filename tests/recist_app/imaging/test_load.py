"""Loading CT series: synthetic pydicom-written series (tmp_path) and the real data in ../shared."""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import tracemalloc
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from recist_app.cli.commands import load as load_command
from recist_app.imaging import geometry
from recist_app.imaging import load as load_module
from recist_app.imaging.errors import (
    DicomError,
    InvalidHeaderError,
    MissingGeometryError,
    MixedSeriesError,
    NotDicomError,
    UncalibratedImageError,
    UnsupportedTransferSyntaxError,
)
from recist_app.imaging.load import (
    SeriesSlices,
    load_series,
    load_series_from_folder,
    load_series_from_paths,
)

CT_STORAGE = "1.2.840.10008.5.1.4.1.1.2"


def write_slice(path: Path, z: float, instance: int, series_uid: str, *, rows: int = 4, cols: int = 5,
                spacing: list[float] | None = (0.5, 0.8), iop: list[float] | None = (1, 0, 0, 0, 1, 0),
                slope: float = 1.0, intercept: float = -1024.0, fill: int | None = None) -> Path:
    """Write one little CT slice whose stored values encode its z (value = 1000 + 10·z)."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = CT_STORAGE
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID, ds.Modality = CT_STORAGE, "CT"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = "1.2.3", series_uid
    ds.FrameOfReferenceUID, ds.InstanceNumber = "1.2.3.4", instance
    if iop is not None:
        ds.ImageOrientationPatient = list(iop)
    ds.ImagePositionPatient = [-10.0, -20.0, z]
    if spacing is not None:
        ds.PixelSpacing = list(spacing)
    ds.SliceThickness, ds.WindowCenter, ds.WindowWidth = 2.5, [40, -600], [400, 1500]
    ds.RescaleSlope, ds.RescaleIntercept = slope, intercept
    ds.Rows, ds.Columns, ds.SamplesPerPixel = rows, cols, 1
    ds.PhotometricInterpretation, ds.BitsAllocated, ds.BitsStored, ds.HighBit = "MONOCHROME2", 16, 16, 15
    ds.PixelRepresentation = 1
    value = int(1000 + 10 * z) if fill is None else fill
    ds.PixelData = np.full((rows, cols), value, dtype=np.int16).tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path


def write_series(folder: Path, zs: list[float], series_uid: str = "1.2.3.5", **kwargs: object) -> list[Path]:
    """Files named so that lexical order, instance order and position order all differ."""
    folder.mkdir(parents=True, exist_ok=True)
    return [write_slice(folder / f"im{i * 7 % 11}.dcm", z, len(zs) - i, series_uid, **kwargs)
            for i, z in enumerate(zs)]


def test_out_of_order_files_sorted_by_position(tmp_path: Path) -> None:
    paths = write_series(tmp_path, [5.0, -2.5, 10.0, 0.0, 2.5, 7.5])
    volume = load_series(sorted(paths))
    np.testing.assert_allclose(volume.slice_positions[:, 2], [-2.5, 0, 2.5, 5, 7.5, 10])
    np.testing.assert_array_equal(volume.hu[:, 0, 0], 1000 + 10 * volume.slice_positions[:, 2] - 1024)
    assert volume.hu.dtype == np.int16 and not volume.hu.flags.writeable
    assert volume.window_presets == ((40.0, 400.0), (-600.0, 1500.0))
    assert volume.spacing_mm == (2.5, 0.5, 0.8) and volume.findings == ()
    np.testing.assert_allclose(volume.index_to_patient(2, 1, 3), (-10 + 1.6, -20 + 0.5, 5.0))
    np.testing.assert_allclose(geometry.apply_affine(volume.affine, 2, 1, 3), (-8.4, -19.5, 5.0))
    by_uid = {pydicom.dcmread(p).SOPInstanceUID: float(pydicom.dcmread(p).ImagePositionPatient[2]) for p in paths}
    assert [by_uid[uid] for uid in volume.sop_uids] == volume.slice_positions[:, 2].tolist()


def test_series_slices_give_the_loaded_geometry_and_decode_only_the_slices_asked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18 (key images): the geometry of the whole series, and any slice as the full load has it, decoding
    only the slices asked for, once each."""
    paths = write_series(tmp_path, [5.0, -2.5, 10.0, 0.0, 2.5, 7.5])
    volume = load_series(paths)
    decoded: list[Path] = []
    decode = load_module.decode_slice

    def counted(frame: Any, out: np.ndarray) -> bool:
        decoded.append(frame.path)
        return decode(frame, out)

    monkeypatch.setattr(load_module, "decode_slice", counted)
    series = SeriesSlices(paths)
    geometry = series.geometry
    assert geometry.shape == volume.shape and geometry.sop_uids == volume.sop_uids
    np.testing.assert_array_equal(geometry.slice_positions, volume.slice_positions)
    np.testing.assert_array_equal(geometry.affine, volume.affine)
    assert geometry.spacing_mm == volume.spacing_mm and geometry.calibrated and not decoded
    for k in (0, 3, 4, 3):
        np.testing.assert_array_equal(series.slice_hu(k), volume.hu[k])
        assert not series.slice_hu(k).flags.writeable
    assert len(decoded) == 3  # slices 0, 3 and 4, each once
    with pytest.raises(ValueError, match=r"must be in 0…5"):
        series.slice_hu(6)


def test_missing_pixel_spacing_is_uncalibrated(tmp_path: Path) -> None:
    volume = load_series(write_series(tmp_path, [0.0, 2.5], spacing=None))
    assert not volume.calibrated and volume.affine is None
    assert "UNCALIBRATED" in volume.finding_codes
    with pytest.raises(UncalibratedImageError, match=r"no Pixel Spacing \(0028,0030\)"):
        volume.index_to_patient(1, 1, 0)
    with pytest.raises(UncalibratedImageError, match="millimetres"):
        _ = volume.spacing_mm


def test_mixed_series_refused(tmp_path: Path) -> None:
    paths = write_series(tmp_path / "a", [0.0, 2.5]) + write_series(tmp_path / "b", [5.0], series_uid="9.9")
    with pytest.raises(MixedSeriesError, match='share "SeriesInstanceUID"'):
        load_series(paths)
    paths = write_series(tmp_path / "c", [0.0]) + write_series(tmp_path / "d", [2.5], rows=6)
    with pytest.raises(MixedSeriesError, match='share "Rows"'):
        load_series(paths)
    paths = write_series(tmp_path / "e", [0.0]) + write_series(tmp_path / "f", [2.5], iop=[0, 1, 0, 0, 0, -1])
    with pytest.raises(MixedSeriesError, match=r"Orientation \(Patient\) \(0020,0037\) differs"):
        load_series(paths)
    with pytest.raises(MixedSeriesError, match="same position"):
        load_series(write_series(tmp_path / "g", [0.0, 2.5, 2.5]))


def test_missing_geometry_and_not_dicom(tmp_path: Path) -> None:
    with pytest.raises(MissingGeometryError, match=r"\(0020,0037\)"):
        load_series(write_series(tmp_path / "a", [0.0, 2.5], iop=None))
    text = tmp_path / "notes.txt"
    text.write_text("not DICOM")
    with pytest.raises(NotDicomError, match=re.escape("notes.txt is not a readable DICOM")):
        load_series([text])
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not DICOM")
    with pytest.raises(NotDicomError, match="holds 1 file, which is not a DICOM image"):
        load_series_from_folder(empty)


def test_rescale_rounding_and_clipping(tmp_path: Path) -> None:
    volume = load_series(write_series(tmp_path / "a", [0.0], slope=2.5, intercept=-0.5, fill=3))
    assert volume.hu[0, 0, 0] == 7  # 3 · 2.5 − 0.5
    clipped = load_series(write_series(tmp_path / "b", [0.0], slope=4.0, intercept=0.0, fill=30000))
    assert clipped.hu[0, 0, 0] == 32767 and "HU_CLIPPED" in clipped.finding_codes


def test_folder_picks_largest_series_or_named_one(tmp_path: Path) -> None:
    write_series(tmp_path / "big", [0.0, 2.5, 5.0], series_uid="1.1")
    write_series(tmp_path / "small", [0.0], series_uid="2.2")
    (tmp_path / "README.txt").write_text("skipped")
    assert load_series_from_folder(tmp_path).series_uid == "1.1"
    assert load_series_from_paths([tmp_path], "2.2").shape == (1, 4, 5)
    with pytest.raises(Exception, match='is not there; the series found are'):
        load_series_from_folder(tmp_path, "3.3")


def test_missing_slices_and_uneven_spacing_reported(tmp_path: Path) -> None:
    volume = load_series(write_series(tmp_path, [0.0, 2.5, 5.0, 12.5, 15.0]))
    assert {"MISSING_SLICES", "UNEVEN_SPACING"} <= set(volume.finding_codes)
    np.testing.assert_allclose(volume.index_to_patient(0, 0, 3)[2], 12.5)


def test_load_command_text_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_series(tmp_path, [0.0, 2.5])
    parser = argparse.ArgumentParser()
    load_command.add_parser(parser.add_subparsers())
    args = parser.parse_args(["load", str(tmp_path), "--json"])
    assert args.handler(args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["shape_zyx"] == [2, 4, 5] and summary["spacing_mm_zyx"] == [2.5, 0.5, 0.8]
    assert load_command.run(argparse.Namespace(paths=[tmp_path], series=None, json=False)) == 0
    assert "findings: none" in capsys.readouterr().out


# --- real data in ../shared -------------------------------------------------------------------

LUNG = "data/ct/lung_pet_ct_dx"
SERIES = {"A0001-L": "Lung_Dx-A0001/series2_5mm_kernel-L", "A0001-B": "Lung_Dx-A0001/series3_5mm_kernel-B",
          "A0002": "Lung_Dx-A0002/series3_8mm_B40f"}


def _box(xml: Path) -> tuple[int, int, int, int]:
    box = ET.parse(xml).find(".//bndbox")
    assert box is not None
    return tuple(int(box.findtext(tag) or 0) for tag in ("xmin", "ymin", "xmax", "ymax"))


@pytest.mark.shared_data
def test_lung_series_sorted_hu_and_frame_of_reference(shared_dir: Path) -> None:
    volumes = {key: load_series_from_folder(shared_dir / LUNG / sub) for key, sub in SERIES.items()}
    assert [v.shape[0] for v in volumes.values()] == [64, 64, 30]
    for volume in volumes.values():
        assert np.all(geometry.slice_gaps(volume.slice_positions, volume.iop) > 0)
        assert volume.finding_codes == ()
        assert len(set(volume.window_presets)) == len(volume.window_presets)
        assert abs(np.median(volume.hu[:, 20:40, 246:266]) + 1000) < 50  # air in front of the chest
    assert volumes["A0001-L"].frame_of_reference_uid == volumes["A0001-B"].frame_of_reference_uid
    np.testing.assert_allclose(volumes["A0001-L"].slice_positions, volumes["A0001-B"].slice_positions)
    assert volumes["A0002"].window_presets == ((40.0, 350.0), (-600.0, 1200.0))


@pytest.mark.shared_data
@pytest.mark.parametrize("key", list(SERIES))
def test_tumour_boxes_are_soft_tissue_in_lung(shared_dir: Path, key: str) -> None:
    volume = load_series_from_folder(shared_dir / LUNG / SERIES[key])
    slice_of = {uid: k for k, uid in enumerate(volume.sop_uids)}
    boxes = [(slice_of[x.stem], _box(x)) for x in (shared_dir / LUNG / "annotations" / key[:5]).glob("*.xml")
             if x.stem in slice_of]
    assert len(boxes) >= 9
    # Every box holds soft tissue: its central half everywhere (the whole box of the two outermost
    # slices, A0001-L 51 and A0002 12, is mostly the lung around a tumour tip: median −195 / −192 HU).
    for k, (x0, y0, x1, y1) in boxes:
        qx, qy = (x1 - x0) // 4, (y1 - y0) // 4
        assert np.median(volume.hu[k, y0 + qy:y1 - qy + 1, x0 + qx:x1 - qx + 1]) > -100, (k, (x0, y0, x1, y1))
    medians = [np.median(volume.hu[k, y0:y1 + 1, x0:x1 + 1]) for k, (x0, y0, x1, y1) in boxes]
    assert sum(m > -100 for m in medians) >= len(boxes) - 1
    k, (x0, y0, x1, y1) = max(boxes, key=lambda b: (b[1][2] - b[1][0]) * (b[1][3] - b[1][1]))
    assert np.median(volume.hu[k, y0:y1 + 1, x0:x1 + 1]) > -100
    ring = volume.hu[k, y0 - 20:y1 + 21, x0 - 20:x1 + 21].astype(np.float32)
    ring[20:-20, 20:-20] = np.nan
    assert np.nanpercentile(ring, 25) < -500  # aerated lung around the tumour


@pytest.mark.shared_data
def test_a0001_box_on_instance_18_measures_64_by_73_mm(shared_dir: Path) -> None:
    folder = shared_dir / LUNG / SERIES["A0001-L"]
    volume = load_series_from_folder(folder)
    uid = pydicom.dcmread(folder / "1-18.dcm", stop_before_pixels=True).SOPInstanceUID
    x0, y0, x1, y1 = _box(shared_dir / LUNG / "annotations" / "A0001" / f"{uid}.xml")
    k = volume.sop_uids.index(uid)
    width = geometry.distance_mm(volume.index_to_patient(x0, y0, k), volume.index_to_patient(x1, y0, k))
    height = geometry.distance_mm(volume.index_to_patient(x0, y0, k), volume.index_to_patient(x0, y1, k))
    assert width == pytest.approx(64, abs=1.5) and height == pytest.approx(73, abs=1.5)


@pytest.mark.shared_data
def test_gantry_tilt_and_uneven_spacing(shared_dir: Path) -> None:
    volume = load_series_from_folder(shared_dir / "data/ct/dcm_qa_ct_ge_gantry_tilt")
    assert volume.shape == (28, 512, 512)
    assert {"GANTRY_TILT", "UNEVEN_SPACING", "VARYING_THICKNESS"} <= set(volume.finding_codes)
    assert "MISSING_SLICES" not in volume.finding_codes  # 7 mm gaps match the 7 mm slices
    assert geometry.tilt_degrees(volume.iop, volume.slice_positions) == pytest.approx(18.5, abs=0.05)
    # Same pixel on slices 0 and 1: the true step is 4.22 mm along z (sheared), not the 4.0 mm gap.
    step = geometry.distance_mm(volume.index_to_patient(256, 256, 0), volume.index_to_patient(256, 256, 1))
    assert step == pytest.approx(4.22, abs=1e-3)
    assert volume.spacing_mm[0] == pytest.approx(4.22 * math.cos(math.radians(18.5)), abs=0.01)
    # Across the overlap (1.14 mm z step between instances 14 and 15) and into the 7.38 mm part.
    far = geometry.distance_mm(volume.index_to_patient(100, 300, 10), volume.index_to_patient(100, 300, 20))
    assert far == pytest.approx(float(volume.slice_positions[20, 2] - volume.slice_positions[10, 2]))
    back = volume.patient_to_index(volume.index_to_patient(123.0, 45.5, 14.25))
    np.testing.assert_allclose(back, (123.0, 45.5, 14.25), atol=1e-9)


@pytest.mark.shared_data
def test_slicer_head_sorted_by_position(shared_dir: Path) -> None:
    paths = sorted((shared_dir / "data/ct/slicer_ct_head_64x64").glob("*.dcm"))  # CTHead1, CTHead10, …
    volume = load_series(paths)
    assert volume.shape == (93, 64, 64)
    np.testing.assert_allclose(volume.slice_positions[:, 2], np.arange(93) * 1.5, atol=1e-3)
    expected = pydicom.dcmread(paths[1]).pixel_array  # CTHead10.dcm
    k = volume.sop_uids.index(pydicom.dcmread(paths[1]).SOPInstanceUID)
    np.testing.assert_array_equal(volume.hu[k], expected)  # no rescale in these files


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["eCT_Supplemental.dcm", "CT0012.fragmented_no_bot_jpeg_baseline.51.dcm"])
def test_enhanced_multiframe_ct(shared_dir: Path, name: str) -> None:
    volume = load_series([shared_dir / "data/multiframe" / name])
    assert volume.shape == (2, 512, 512) and volume.pixel_spacing == pytest.approx((0.388672, 0.388672))
    assert volume.frame_numbers == (2, 1)  # normal is −z (row direction −x): sorted along it
    assert volume.slice_thicknesses_mm == (10.0, 10.0) and volume.window_presets == ((49.0, 102.0),)


TS_DIR = "data/compressed/cornerstone_ctimage_all_ts"
LOSSLESS = ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99",
            "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.80",
            "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.5"]


@pytest.mark.shared_data
@pytest.mark.parametrize("syntax", LOSSLESS)
def test_lossless_syntaxes_decode_identically(shared_dir: Path, syntax: str) -> None:
    path = next((shared_dir / TS_DIR).glob(f"CTImage.dcm_*_{syntax}.dcm"))
    volume = load_series([path])
    stored = (volume.hu.astype(np.int32) + 1024).astype(np.int16)  # undo Rescale Intercept −1024
    assert hashlib.sha256(stored.tobytes()).hexdigest()[:12] == "1bee432808f4"
    assert (volume.hu.min(), volume.hu.max()) == (-2000 - 1024, 2402 - 1024)


@pytest.mark.shared_data
@pytest.mark.parametrize(("syntax", "name"), [("1.2.840.10008.1.2.4.53", "JPEG Spectral Selection"),
                                              ("1.2.840.10008.1.2.4.55", "JPEG Full Progression")])
def test_undecodable_syntax_is_named(shared_dir: Path, syntax: str, name: str) -> None:
    path = next((shared_dir / TS_DIR).glob(f"CTImage.dcm_*_{syntax}.dcm"))
    with pytest.raises(UnsupportedTransferSyntaxError, match=rf"{name}.*\({syntax.replace('.', '[.]')}\)"):
        load_series([path])


@pytest.mark.shared_data
def test_corrupt_pixels_and_frame_count_are_typed_errors(shared_dir: Path) -> None:
    with pytest.raises(DicomError, match=re.escape("MR_truncated.dcm: pixel data cannot be decoded")):
        load_series([shared_dir / "data/malformed/MR_truncated.dcm"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns about the invalid IS value while reading
        with pytest.raises(InvalidHeaderError, match=r"badVR.dcm: Number of Frames \(0028,0008\) is '1A', not a whole"):
            load_series([shared_dir / "data/malformed/badVR.dcm"])


@pytest.mark.shared_data
def test_memory_stays_near_the_int16_volume(shared_dir: Path) -> None:
    tracemalloc.start()
    try:
        volume = load_series_from_folder(shared_dir / LUNG / SERIES["A0002"])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < volume.hu.nbytes + 8_000_000  # one int16 array + a few per-slice temporaries
