"""Progressive loading (:mod:`recist_app.imaging.load`): first slice, progress, cancellation."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.pixels import pixel_array
from pydicom.uid import JPEG2000Lossless, RLELossless

from recist_app.demo.phantom import PhantomSpec, write_series
from recist_app.demo.phantom.encoding import check_encoder
from recist_app.imaging.errors import DicomError, LoadCancelled
from recist_app.imaging.load import SeriesLoad, load_series, load_series_progressively
from recist_app.imaging.volume import CtVolume
from tests.support import require

SLICES = 12


@pytest.fixture(scope="module")
def phantom(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("phantom")
    write_series(PhantomSpec.chest(slices=SLICES, rows=128, columns=128), folder)
    return sorted(folder.glob("*.dcm"))


def _reference_hu(paths: list[Path]) -> np.ndarray:
    """pydicom ``pixel_array`` + rescale, sorted along z (the phantom is axial)."""
    datasets = sorted((pydicom.dcmread(p) for p in paths), key=lambda ds: float(ds.ImagePositionPatient[2]))
    return np.stack([(pixel_array(ds).astype(np.int32) * int(ds.RescaleSlope) + int(ds.RescaleIntercept))
                     .astype(np.int16) for ds in datasets])


def _same(a: CtVolume, b: CtVolume) -> None:
    np.testing.assert_array_equal(a.hu, b.hu)
    np.testing.assert_array_equal(a.slice_positions, b.slice_positions)
    assert (a.sop_uids, a.findings, a.window_presets, a.frame_numbers) == (b.sop_uids, b.findings,
                                                                           b.window_presets, b.frame_numbers)


def test_first_slice_is_the_middle_and_matches_volume(phantom: list[Path]) -> None:
    load = SeriesLoad(phantom)
    assert load.total == SLICES and load.first_index == SLICES // 2
    first = load.first_slice().copy()
    assert not load.first_slice().flags.writeable
    volume = load.run()
    np.testing.assert_array_equal(first, volume.hu[SLICES // 2])
    np.testing.assert_array_equal(volume.hu, _reference_hu(phantom))
    assert load.run() is volume and not volume.hu.flags.writeable


def test_requested_first_slice_and_callback(phantom: list[Path]) -> None:
    seen: list[tuple[int, np.ndarray]] = []
    volume = load_series_progressively(phantom, first_index=2, on_first=lambda k, hu: seen.append((k, hu.copy())))
    assert [k for k, _ in seen] == [2]
    np.testing.assert_array_equal(seen[0][1], volume.hu[2])
    with pytest.raises(ValueError, match='"first_index" must be in 0…11'):
        SeriesLoad(phantom, first_index=SLICES).first_slice()


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_increases_to_total_and_result_is_load_series(phantom: list[Path], workers: int) -> None:
    calls: list[tuple[int, int]] = []
    volume = SeriesLoad(phantom, on_progress=lambda done, total: calls.append((done, total)), workers=workers).run()
    assert calls == [(k, SLICES) for k in range(1, SLICES + 1)]
    _same(volume, load_series(phantom))


@pytest.mark.parametrize("workers", [1, 2])
def test_cancel_stops_early_and_leaves_no_volume(phantom: list[Path], workers: int) -> None:
    cancel = threading.Event()
    calls: list[int] = []

    def progress(done: int, total: int) -> None:
        calls.append(done)
        if done == 3:
            cancel.set()

    load = SeriesLoad(phantom, on_progress=progress, cancel=cancel, workers=workers)
    with pytest.raises(LoadCancelled, match="cancelled"):
        load.run()
    assert max(calls) < SLICES
    with pytest.raises(LoadCancelled):  # no volume is left behind
        load.run()


def test_cancel_before_start(phantom: list[Path]) -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(LoadCancelled):
        SeriesLoad(phantom, cancel=cancel).first_slice()


def test_decoding_error_in_a_worker_is_raised(tmp_path: Path) -> None:
    write_series(PhantomSpec.chest(slices=6, rows=32, columns=32), tmp_path, shuffle=False)
    paths = sorted(tmp_path.glob("*.dcm"))
    broken = paths[0]  # CT000001: slice 0, decoded by a worker, not first
    broken.write_bytes(broken.read_bytes()[:-100])
    with pytest.raises(DicomError, match="pixel data cannot be decoded"):
        SeriesLoad(paths).run()


@pytest.mark.parametrize("syntax", [JPEG2000Lossless, RLELossless])
def test_encoded_series_load_like_native(tmp_path: Path, phantom: list[Path], syntax: str) -> None:
    try:
        check_encoder(syntax)
    except DicomError as exc:
        require(False, str(exc))
    write_series(PhantomSpec.chest(slices=SLICES, rows=128, columns=128, transfer_syntax=syntax), tmp_path)
    encoded = SeriesLoad(sorted(tmp_path.glob("*.dcm"))).run()
    np.testing.assert_array_equal(encoded.hu, load_series(phantom).hu)


@pytest.mark.parametrize(("signed", "bits", "slope", "intercept"), [
    (0, 12, 1.0, -1024.0), (1, 16, 1.0, -1024.0), (0, 16, 1.0, -1024.0), (1, 16, 1.0, 30000.0),
    (0, 16, 1.0, 0.0), (1, 12, 2.0, -0.5), (0, 10, 1.0, 3.0)])
def test_rescale_matches_pydicom_reference(tmp_path: Path, signed: int, bits: int, slope: float,
                                           intercept: float) -> None:
    """The integer fast rescale (known bounds, int16 view) equals int32 math + clip on pydicom values."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    rng = np.random.default_rng(bits + signed)
    paths, expected, clipped = [], [], False
    for k in range(3):
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.SeriesInstanceUID, ds.Modality = "1.2.3.9", "CT"
        ds.ImageOrientationPatient, ds.ImagePositionPatient = [1, 0, 0, 0, 1, 0], [0, 0, 2.0 * k]
        ds.PixelSpacing, ds.SliceThickness = [0.5, 0.5], 2.0
        ds.RescaleSlope, ds.RescaleIntercept = slope, intercept
        ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = 16, 8, 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, bits, bits - 1, signed
        ds.PixelData = rng.integers(0, 65536, size=(16, 8), dtype=np.uint16).tobytes()  # junk high bits too
        paths.append(tmp_path / f"s{k}.dcm")
        ds.save_as(paths[-1], enforce_file_format=True)
        values = np.rint(pixel_array(pydicom.dcmread(paths[-1])).astype(np.float64) * slope + intercept)
        clipped |= bool(values.min() < -32768 or values.max() > 32767)
        expected.append(np.clip(values, -32768, 32767).astype(np.int16))
    for workers in (1, 2):
        volume = SeriesLoad(paths, workers=workers).run()
        np.testing.assert_array_equal(volume.hu, np.stack(expected))
        assert ("HU_CLIPPED" in volume.finding_codes) == clipped


@pytest.mark.parametrize("workers", [1, 2])
def test_failed_load_keeps_no_volume(tmp_path: Path, workers: int) -> None:
    write_series(PhantomSpec.chest(slices=4, rows=32, columns=32), tmp_path, shuffle=False)
    paths = sorted(tmp_path.glob("*.dcm"))
    paths[3].write_bytes(paths[3].read_bytes()[:-100])  # CT000004: the last slice
    load = SeriesLoad(paths, workers=workers)
    load.first_slice()
    with pytest.raises(DicomError, match=re.escape("CT000004.dcm: pixel data cannot be decoded")):
        load.run()
    with pytest.raises(RuntimeError, match="failed earlier"):
        load.run()
