"""``recist_app.imaging.scan_headers``: the lean header path gives exactly what pydicom gives."""

from __future__ import annotations

import warnings
from pathlib import Path

import pydicom
import pytest
from pydicom.uid import ImplicitVRLittleEndian

from recist_app.imaging import header as dicom_header
from recist_app.imaging import scan_headers
from recist_app.imaging.header import LeanHeader
from recist_app.imaging.scan import scan
from recist_app.imaging.scan_headers import (
    SCAN_KEYWORDS,
    FileHeader,
    image_type_from_prefix,
    read_file,
)
from tests.recist_app.imaging.test_scan import write_ct


def _lean_files(shared_dir: Path) -> list[Path]:
    """Every file of ../shared/data the lean parser reads itself."""
    files = []
    for path in sorted((shared_dir / "data").rglob("*")):
        try:
            if path.is_file() and dicom_header.read_lean_header(path):
                files.append(path)
        except dicom_header._NotLean:
            continue
    return files


@pytest.mark.shared_data
def test_lean_and_pydicom_scans_are_equal(shared_dir: Path) -> None:
    """The whole of ../shared/data: same series, files, values, findings and unreadable reasons."""
    fast, reference = scan(shared_dir / "data", workers=1), scan(shared_dir / "data", workers=1, lean=False)
    assert [s.series_uid for s in fast.series] == [s.series_uid for s in reference.series]
    for ours, theirs in zip(fast.series, reference.series, strict=True):
        assert ours == theirs, ours.files[0]
    assert fast.unreadable == reference.unreadable
    assert fast == reference


@pytest.mark.shared_data
def test_lean_file_headers_equal_pydicom(shared_dir: Path) -> None:
    """Per file, frames included (Image Type is not part of the ScanResult)."""
    files = _lean_files(shared_dir)
    assert len(files) > 300
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in files:
            assert read_file(path) == read_file(path, lean=False), path


@pytest.mark.shared_data
def test_image_type_from_prefix_equals_pydicom(shared_dir: Path) -> None:
    """Equal wherever the prefix gives a value; None (pydicom reads the file) only where an
    undefined-length sequence comes first."""
    declined = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in _lean_files(shared_dir):
            prefix = path.read_bytes()[:scan_headers.PREFIX_BYTES]
            ds = pydicom.dcmread(path, stop_before_pixels=True)
            ours = image_type_from_prefix(prefix, ds.file_meta.TransferSyntaxUID)
            if ours is None:
                declined.add(path.name)
            else:
                assert ours == scan_headers._image_type(ds.get("ImageType")), path
    assert declined <= {"nested_priv_SQ.dcm"}


@pytest.mark.shared_data
@pytest.mark.parametrize("folder", ["data/ct/lung_pet_ct_dx/Lung_Dx-A0002/series3_8mm_B40f",
                                    "data/ct/dcm_qa_ct_ge_gantry_tilt", "data/ct/slicer_ct_head_64x64"])
def test_real_series_take_the_lean_path(shared_dir: Path, folder: str) -> None:
    for path in sorted((shared_dir / folder).glob("*.dcm")):
        header, image_type, _ = scan_headers._read_header(path, path.read_bytes()[:4096], lean=True)
        assert isinstance(header, LeanHeader) and image_type is not None, path


def test_scan_keywords_are_lean_tags() -> None:
    """What the scan reads on the lean path is parsed by the lean parser (Image Type: the prefix)."""
    lean = {keyword for keyword, _ in dicom_header.LEAN_TAGS.values()}
    assert SCAN_KEYWORDS - lean == {"ImageType"}


def test_implicit_vr_image_type(tmp_path: Path) -> None:
    (path,) = write_ct(tmp_path, [0.0], ImageType=["ORIGINAL", "PRIMARY", "LOCALIZER "])
    ds = pydicom.dcmread(path)
    ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
    ds.save_as(path, enforce_file_format=True)
    header = read_file(path)
    assert isinstance(header, FileHeader) and header == read_file(path, lean=False)
    assert header.frames[0].image_type == ("ORIGINAL", "PRIMARY", "LOCALIZER")
    assert image_type_from_prefix(path.read_bytes()[:4096], ImplicitVRLittleEndian) == header.frames[0].image_type


def test_image_type_absent_or_after_an_undefined_length_sequence(tmp_path: Path) -> None:
    (plain,) = write_ct(tmp_path / "plain", [0.0])
    assert image_type_from_prefix(plain.read_bytes()[:4096], "1.2.840.10008.1.2.1") == ()
    (path,) = write_ct(tmp_path / "seq", [0.0], ImageType=["DERIVED", "SECONDARY", "LOCALIZER"])
    ds = pydicom.dcmread(path)
    language = pydicom.Dataset()
    language.CodeValue, language.CodingSchemeDesignator, language.CodeMeaning = "eng", "RFC5646", "English"
    ds.LanguageCodeSequence = [language]  # (0008,0006): before Image Type
    ds["LanguageCodeSequence"].is_undefined_length = True
    ds.save_as(path, enforce_file_format=True)
    assert image_type_from_prefix(path.read_bytes()[:4096], "1.2.840.10008.1.2.1") is None
    header = read_file(path)  # pydicom reads it instead
    assert isinstance(header, FileHeader) and header.frames[0].image_type == ("DERIVED", "SECONDARY", "LOCALIZER")


def test_iso_2022_text_is_decoded_by_pydicom(tmp_path: Path) -> None:
    """ESC sequences are 7-bit: the lean parser would keep them raw; pydicom decodes them."""
    name = "Yamada^Tarou=山田^太郎=やまだ^たろう"
    (path,) = write_ct(tmp_path, [0.0], SpecificCharacterSet=["", "ISO 2022 IR 87"], PatientName=name)
    ds = pydicom.dcmread(path)
    assert b"\x1b$B" in path.read_bytes()
    header = read_file(path)
    assert isinstance(header, FileHeader) and header == read_file(path, lean=False)
    assert header.values.patient_name == str(ds.PatientName) == name


def test_unreadable_reasons_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "zipped.gz").write_bytes(b"\x1f\x8b\x08\x00rest")
    assert read_file(tmp_path / "notes.txt") == scan_headers.NOT_DICOM
    assert read_file(tmp_path / "zipped.gz") == scan_headers.GZIP
    missing = read_file(tmp_path / "gone.dcm")
    assert isinstance(missing, str) and missing.startswith("cannot parse DICOM header: FileNotFoundError")
