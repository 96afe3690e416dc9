"""The fast pixel path (:mod:`recist_app.imaging.decode`) agrees with pydicom on every file."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.pixels import pixel_array
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, generate_uid

from recist_app.imaging import decode as pixel_decode
from recist_app.imaging import header as dicom_header
from recist_app.imaging.errors import DicomError, NotDicomError

SKIP_SUFFIXES = {".md", ".xml", ".json", ".csv", ".txt"}
MAX_FRAMES_CHECKED = 4


def _image_files(shared_dir: Path) -> list[Path]:
    return sorted(p for p in (shared_dir / "data").rglob("*") if p.is_file() and p.suffix not in SKIP_SUFFIXES)


@pytest.mark.shared_data
def test_every_shared_file_decodes_like_pydicom(shared_dir: Path) -> None:
    checked = fast = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns about the malformed files while reading
        for path in _image_files(shared_dir):
            try:
                ds, layout = dicom_header.read_header(path)
            except NotDicomError:
                continue
            if "Rows" not in ds:
                continue
            full = pydicom.dcmread(path)
            for index in range(min(layout.frames, MAX_FRAMES_CHECKED)):
                try:
                    expected = pixel_array(full, index=index)
                except Exception:
                    with pytest.raises(DicomError) as reference:
                        pixel_decode.decode_pydicom(path, index, full)
                    with pytest.raises(type(reference.value)):
                        pixel_decode.decode_frame(layout, index)
                    continue
                got = pixel_decode.decode_frame(layout, index)
                assert got.dtype == expected.dtype and got.shape == expected.shape, path
                np.testing.assert_array_equal(got, expected, err_msg=str(path))
                checked += 1
                try:
                    pixel_decode.decode_fast(layout, index)
                    fast += 1
                except dicom_header.FastPathUnavailable:
                    pass
    assert checked > 300 and fast > 250  # the real CT series and the lossless codecs take the fast path


@pytest.mark.shared_data
def test_pixel_data_offset_agrees_with_pydicom(shared_dir: Path) -> None:
    """The offset taken from ``fp.tell()`` after ``stop_before_pixels`` is pydicom's ``value_tell``."""
    compared = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in _image_files(shared_dir):
            try:
                _, layout = dicom_header.read_header(path)
            except NotDicomError:
                continue
            if layout.value_offset is None:
                continue
            element = pydicom.dcmread(path, defer_size=64).get_item(0x7FE00010, keep_deferred=True)
            if element is None:  # pydicom drops a Pixel Data value truncated by the end of file
                assert "malformed" in path.parts, path
                continue
            assert layout.value_offset == element.value_tell, path
            assert layout.value_length == (None if element.length == 0xFFFFFFFF else element.length), path
            compared += 1
    assert compared > 300


TS_DIR = "data/compressed/cornerstone_ctimage_all_ts"


@pytest.mark.shared_data
@pytest.mark.parametrize("syntax", ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.4.57",
                                    "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.90"])
def test_fast_path_lossless_hash(shared_dir: Path, syntax: str) -> None:
    """MANIFEST.md: every lossless syntax of the cornerstone CT gives stored array 1bee432808f4…"""
    path = next((shared_dir / TS_DIR).glob(f"CTImage.dcm_*_{syntax}.dcm"))
    _, layout = dicom_header.read_header(path)
    stored = pixel_decode.decode_fast(layout, 0)  # must not need pydicom
    assert hashlib.sha256(stored.tobytes()).hexdigest()[:12] == "1bee432808f4"


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["CTImage.dcm_RLELosslessTransferSyntax_1.2.840.10008.1.2.5.dcm",
                                  "CTImage.dcm_BigEndianExplicitTransferSyntax_1.2.840.10008.1.2.2.dcm",
                                  "CTImage.dcm_DeflatedExplicitVRLittleEndianTransferSyntax_1.2.840.10008.1.2.1.99.dcm"])
def test_other_syntaxes_fall_back_to_pydicom(shared_dir: Path, name: str) -> None:
    _, layout = dicom_header.read_header(shared_dir / TS_DIR / name)
    with pytest.raises(dicom_header.FastPathUnavailable):
        pixel_decode.decode_fast(layout, 0)
    stored = pixel_decode.decode_frame(layout, 0)
    stored = stored.astype(stored.dtype.newbyteorder("<"))  # big endian: same values, other bytes
    assert hashlib.sha256(stored.tobytes()).hexdigest()[:12] == "1bee432808f4"


@pytest.mark.parametrize("syntax", [ExplicitVRLittleEndian, ImplicitVRLittleEndian])
@pytest.mark.parametrize(("signed", "bits_stored"), [(0, 12), (1, 12), (1, 16), (0, 16)])
def test_unused_high_bits_corrected_like_pydicom(tmp_path: Path, syntax: str, signed: int, bits_stored: int) -> None:
    rng = np.random.default_rng(7)
    raw = rng.integers(0, 65536, size=(3, 6, 5), dtype=np.uint16)  # garbage in the unused bits too
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = syntax
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.Rows, ds.Columns, ds.NumberOfFrames, ds.SamplesPerPixel = 6, 5, 3, 1
    ds.PhotometricInterpretation, ds.BitsAllocated, ds.BitsStored = "MONOCHROME2", 16, bits_stored
    ds.HighBit, ds.PixelRepresentation = bits_stored - 1, signed
    ds.PixelData = raw.tobytes()
    path = tmp_path / "frames.dcm"
    ds.save_as(path, enforce_file_format=True)
    _, layout = dicom_header.read_header(path)
    full = pydicom.dcmread(path)
    for index in range(3):
        got = pixel_decode.decode_fast(layout, index)
        expected = pixel_array(full, index=index)
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)


def test_truncated_native_file_gives_pydicom_error(tmp_path: Path) -> None:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = 8, 8, 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    ds.PixelData = np.zeros((8, 8), np.int16).tobytes()
    path = tmp_path / "short.dcm"
    ds.save_as(path, enforce_file_format=True)
    path.write_bytes(path.read_bytes()[:-40])  # the Pixel Data length now overruns the file
    _, layout = dicom_header.read_header(path)
    with pytest.raises(dicom_header.FastPathUnavailable):
        pixel_decode.decode_fast(layout, 0)
    with pytest.raises(DicomError):
        pixel_decode.decode_frame(layout, 0)


def _as_pydicom_value(value: object) -> object:
    """pydicom's converted value in the lean parser's terms (MultiValue → list, DSfloat → float)."""
    if isinstance(value, (list, tuple, pydicom.multival.MultiValue)):
        return [_as_pydicom_value(item) for item in value]
    if isinstance(value, pydicom.valuerep.DSfloat):
        return float(value)
    if isinstance(value, pydicom.valuerep.IS):
        return int(value)
    if isinstance(value, str):
        return str(value)
    return value


@pytest.mark.shared_data
def test_lean_header_agrees_with_pydicom(shared_dir: Path) -> None:
    """Every file the lean parser accepts gives pydicom's values and the same PixelLayout."""
    lean_files = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in _image_files(shared_dir):
            try:
                ds, layout = dicom_header.read_header(path)
            except NotDicomError:
                with pytest.raises(dicom_header._NotLean):
                    dicom_header.read_lean_header(path)
                continue
            try:
                lean, lean_layout = dicom_header.read_lean_header(path)
            except dicom_header._NotLean:
                continue
            lean_files += 1
            assert lean_layout == layout, path
            assert lean.file_meta["TransferSyntaxUID"] == ds.file_meta.TransferSyntaxUID
            for keyword, _ in dicom_header.LEAN_TAGS.values():
                assert (keyword in lean) == (keyword in ds), (path, keyword)
                if keyword in ds:
                    assert lean.get(keyword) == _as_pydicom_value(ds.get(keyword)), (path, keyword)
    assert lean_files > 300  # the real CT series take the lean path


@pytest.mark.shared_data
@pytest.mark.parametrize("folder", ["data/ct/lung_pet_ct_dx/Lung_Dx-A0002/series3_8mm_B40f",
                                    "data/ct/dcm_qa_ct_ge_gantry_tilt", "data/ct/slicer_ct_head_64x64"])
def test_real_series_take_the_lean_path(shared_dir: Path, folder: str) -> None:
    for path in sorted((shared_dir / folder).glob("*.dcm")):
        header, layout = dicom_header.read_header(path, lean=True)
        assert isinstance(header, dicom_header.LeanHeader) and layout.fast, path
