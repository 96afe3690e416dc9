"""``recist_app.imaging.scan`` and ``main.py scan``: grouping, findings, bad files, CLI shape."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import numpy as np
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    CTImageStorage,
    EnhancedCTImageStorage,
    ExplicitVRLittleEndian,
    generate_uid,
)

from recist_app import cli
from recist_app.cli.commands import scan as scan_command
from recist_app.imaging.errors import NotDicomError
from recist_app.imaging.load import load_series
from recist_app.imaging.scan import (
    ScanResult,
    SeriesSummary,
    UnreadableFile,
    decoder_available,
    scan,
)

DATA = Path("data")
NOT_DICOM = "not DICOM: no 'DICM' prefix"
NOT_IMAGE = "not an image"

#: MANIFEST.md's malformed/ table: file → ("series", modality) when scanned, or ("unreadable",
#: reason fragment). Headers only: pixel-decoding failures surface when a series is loaded.
MALFORMED = {
    "MR_truncated.dcm": ("series", "MR"),
    "rtplan_truncated.dcm": ("unreadable", "not an image: RT Plan Storage"),
    "no_meta.dcm": ("unreadable", NOT_DICOM),
    "ExplVR_LitEndNoMeta.dcm": ("unreadable", NOT_DICOM),
    "ExplVR_BigEndNoMeta.dcm": ("unreadable", NOT_DICOM),
    "no_meta_group_length.dcm": ("unreadable", NOT_IMAGE),
    "meta_missing_tsyntax.dcm": ("unreadable", NOT_IMAGE),
    "badVR.dcm": ("series", "RTDOSE"),
    "UN_sequence.dcm": ("unreadable", NOT_IMAGE),
    "bad_sequence.dcm": ("series", "CT"),
    "explicit_VR-UN.dcm": ("series", "CT"),
    "emri_small_jpeg_2k_lossless_too_short.dcm": ("series", "MR"),
    "JPEG2000-embedded-sequence-delimiter.dcm": ("series", "NM"),
    "JPEG-lossy.dcm": ("series", "NM"),
    "J2K_pixelrep_mismatch.dcm": ("series", "CT"),
    "GDCMJ2K_TextGBR.dcm": ("series", ""),
    "MR_small_padded.dcm": ("series", "MR"),
    "empty_charset_LEI.dcm": ("unreadable", NOT_IMAGE),
    "nested_priv_SQ.dcm": ("unreadable", NOT_IMAGE),
    "priv_SQ.dcm": ("unreadable", NOT_IMAGE),
    "zipMR.gz": ("unreadable", "gzip-compressed"),
    "cornerstone_no-pixel-data_SR.dcm": ("unreadable", "not an image: Basic Text SR Storage"),
    "cornerstone_no-pixel-spacing_US.dcm": ("series", "US"),
}


@pytest.fixture(scope="module")
def malformed(shared_dir: Path) -> tuple[Path, ScanResult]:
    folder = shared_dir / DATA / "malformed"
    return folder, scan(folder)


def codes(summary: SeriesSummary) -> frozenset[str]:
    return summary.finding_codes()


@pytest.mark.shared_data
def test_malformed_table_covers_the_folder(malformed: tuple[Path, ScanResult]) -> None:
    folder, _ = malformed
    assert {p.name for p in folder.iterdir()} == set(MALFORMED)


@pytest.mark.shared_data
@pytest.mark.parametrize(("name", "expected"), sorted(MALFORMED.items()))
def test_malformed_file_is_scanned_or_reported(malformed: tuple[Path, ScanResult], name: str,
                                               expected: tuple[str, str]) -> None:
    folder, result = malformed
    path = (folder / name).resolve()
    kind, detail = expected
    reasons = {u.path: u.reason for u in result.unreadable}
    owners = [s for s in result.series if path in s.files]
    if kind == "series":
        assert path not in reasons
        assert len(owners) == 1 and owners[0].modality == detail
    else:
        assert not owners
        assert detail in reasons[path] and "\n" not in reasons[path]


@pytest.mark.shared_data
def test_malformed_findings(malformed: tuple[Path, ScanResult]) -> None:
    _, result = malformed
    by_file = {f.name: s for s in result.series for f in s.files}
    us = by_file["cornerstone_no-pixel-spacing_US.dcm"]
    assert {"NO_PIXEL_SPACING", "NON_CT"} <= codes(us) and us.pixel_spacing is None
    # MR_truncated and MR_small_padded are both copies of MR_small: one series, one position.
    mr = by_file["MR_truncated.dcm"]
    assert mr is by_file["MR_small_padded.dcm"] and "DUPLICATE_POSITIONS" in codes(mr)
    assert "NON_CT" not in codes(by_file["bad_sequence.dcm"])
    # badVR: Number of Frames "1A" is counted as one frame and reported (the loader refuses it).
    dose = by_file["badVR.dcm"]
    assert "INVALID_NUMBER_OF_FRAMES" in codes(dose) and dose.frame_count == 1
    assert "'1A'" in next(f.message for f in dose.findings if f.code == "INVALID_NUMBER_OF_FRAMES")


@pytest.mark.shared_data
def test_lung_three_series_shared_frame_of_reference(shared_dir: Path) -> None:
    result = scan(shared_dir / DATA / "ct" / "lung_pet_ct_dx")
    assert [(s.patient_id, s.instance_count) for s in result.series] == [
        ("Lung_Dx-A0001", 64), ("Lung_Dx-A0001", 64), ("Lung_Dx-A0002", 30)]
    a1, a2, b = result.series
    assert a1.study_uid == a2.study_uid and a1.series_uid != a2.series_uid
    assert a1.frame_of_reference_uid == a2.frame_of_reference_uid != b.frame_of_reference_uid
    assert a1.findings == a2.findings == b.findings == ()
    assert a1.spacing_between_slices == pytest.approx(5.0) and b.spacing_between_slices == pytest.approx(8.0)
    assert a1.pixel_spacing == pytest.approx((0.8418, 0.8418), abs=1e-4) and (a1.rows, a1.columns) == (512, 512)
    assert a1.transfer_syntax == "1.2.840.10008.1.2" and b.transfer_syntax_name == "Explicit VR Little Endian"
    assert a1.orientation == pytest.approx((1, 0, 0, 0, 1, 0))
    # The NBIA CSV, the licence and the annotation XML files are listed, never fatal.
    assert {u.path.suffix for u in result.unreadable} == {".csv", ".txt", ".xml"}
    assert list(result.tree()) == ["Lung_Dx-A0001", "Lung_Dx-A0002"]


@pytest.mark.shared_data
def test_gantry_tilt_and_uneven_spacing(shared_dir: Path) -> None:
    (series,) = scan(shared_dir / DATA / "ct" / "dcm_qa_ct_ge_gantry_tilt").series
    assert series.instance_count == 28
    assert codes(series) == {"GANTRY_TILT", "UNEVEN_SPACING"}  # 7 mm steps match the 7 mm slices: no gap
    tilt = next(f for f in series.findings if f.code == "GANTRY_TILT")
    assert "18.5°" in tilt.message


@pytest.mark.shared_data
def test_slicer_head_sorted_by_position_without_frame_of_reference(shared_dir: Path) -> None:
    (series,) = scan(shared_dir / DATA / "ct" / "slicer_ct_head_64x64").series
    assert series.instance_count == 93 and (series.rows, series.columns) == (64, 64)
    assert series.frame_of_reference_uid is None
    assert codes(series) == {"NO_FRAME_OF_REFERENCE"}
    assert series.spacing_between_slices == pytest.approx(1.5)
    # Lexical file names (CTHead1, CTHead10, ...) come back in slice order.
    assert [p.name for p in series.files[:3]] in (["CTHead1.dcm", "CTHead2.dcm", "CTHead3.dcm"],
                                                   ["CTHead93.dcm", "CTHead92.dcm", "CTHead91.dcm"])


@pytest.mark.shared_data
def test_covid_one_patient_two_studies(shared_dir: Path) -> None:
    result = scan(shared_dir / DATA / "ct" / "covid19_ny_sbu_A002304_two_timepoints")
    tree = result.tree()
    assert list(tree) == ["A002304"]
    studies = tree["A002304"]
    assert len(studies) == 2
    assert sorted({s.study_date for s in result.series}) == ["19001231", "19010112"]
    assert [len(series) for series in studies.values()] == [3, 3]


@pytest.mark.shared_data
def test_dicomdir_and_folder_give_the_same_series(shared_dir: Path) -> None:
    folder = shared_dir / DATA / "edge" / "pydicom_dicomdirtests"
    by_folder, by_dicomdir = scan(folder), scan(folder / "DICOMDIR")
    assert by_folder.series == by_dicomdir.series
    assert len(by_dicomdir.series) == 13 and by_dicomdir.unreadable == ()
    assert {s.patient_id for s in by_folder.series} == {"77654033", "98890234"}
    reasons = {u.path.name: u.reason for u in by_folder.unreadable}
    assert not any(name.startswith("DICOMDIR") for name in reasons)
    assert reasons["IM000000"].startswith(NOT_IMAGE)  # TINY_ALPHA: records without pixel data
    ct4 = next(s for s in by_folder.series if s.patient_id == "77654033" and s.modality == "CT")
    assert "MISSING_SLICES" in codes(ct4)  # the README's "real gaps"


@pytest.mark.shared_data
@pytest.mark.parametrize("variant", ["DICOMDIR-bigEnd", "DICOMDIR-implicit", "DICOMDIR-nooffset",
                                     "DICOMDIR-reordered", "DICOMDIR-nopatient"])
def test_dicomdir_variants_agree(shared_dir: Path, variant: str) -> None:
    folder = shared_dir / DATA / "edge" / "pydicom_dicomdirtests"
    assert scan(folder / variant).series == scan(folder / "DICOMDIR").series


@pytest.mark.shared_data
def test_empty_dicomdir_alone_is_not_dicom(shared_dir: Path) -> None:
    folder = shared_dir / DATA / "edge" / "pydicom_dicomdirtests"
    with pytest.raises(NotDicomError, match=r"The DICOMDIR .*DICOMDIR-empty\.dcm lists no images\.") as caught:
        scan(folder / "DICOMDIR-empty.dcm")
    assert caught.value.problem == "empty"


def test_dicomdir_with_missing_referenced_file(tmp_path: Path) -> None:
    paths = [p.rename(p.with_name(f"IM{i}")) for i, p in enumerate(write_ct(tmp_path / "CT", [0.0, 2.0]))]
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.1.3.10"
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    records = []
    for file_id in (["CT", paths[0].name], ["CT", paths[1].name], ["CT", "GONE"]):  # CS: upper case
        record = Dataset()
        record.DirectoryRecordType = "IMAGE"
        record.ReferencedFileID = file_id
        records.append(record)
    ds.DirectoryRecordSequence = records
    ds.save_as(tmp_path / "DICOMDIR", enforce_file_format=True)
    result = scan(tmp_path / "DICOMDIR")
    assert [s.instance_count for s in result.series] == [2]
    ((path, reason),) = [(u.path.name, u.reason) for u in result.unreadable]
    assert path == "GONE" and "FileNotFoundError" in reason


def _image_dataset(sop_class: str, uids: tuple[str, str, str], number: int, frames: int) -> Dataset:
    """The part shared by classic and Enhanced synthetic CT: identity, 4×4 int16 zero pixels."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.PatientID, ds.StudyDate, ds.Modality = "SYN001", "20240101", "CT"
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = uids
    ds.SeriesNumber, ds.InstanceNumber = 1, number
    ds.Rows = ds.Columns = 4
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    ds.PixelData = np.zeros((frames, 4, 4), np.int16).tobytes()
    return ds


def write_ct(folder: Path, z_positions: list[float], shear: float = 0.0, **tags: object) -> list[Path]:
    """A synthetic axial CT series (4×4 pixels, 1 mm pixels, 2 mm thick) with slices at
    (0, ``shear`` × z, z) for z in ``z_positions`` (a shear tilts the stack)."""
    folder.mkdir(parents=True, exist_ok=True)
    uids = (generate_uid(), generate_uid(), generate_uid())
    paths = []
    for number, z in enumerate(z_positions, start=1):
        ds = _image_dataset(CTImageStorage, uids, number, 1)
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.ImagePositionPatient = [0, shear * z, z]
        ds.PixelSpacing, ds.SliceThickness = [1, 1], 2
        for keyword, value in tags.items():
            setattr(ds, keyword, value)
        path = folder / f"slice{number:03d}.dcm"
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


def _item(**values: object) -> Dataset:
    item = Dataset()
    for keyword, value in values.items():
        setattr(item, keyword, value)
    return item


def write_enhanced_ct(path: Path, z_positions: list[float], shear: float = 0.0,
                      uids: tuple[str, str, str] | None = None, number: int = 1,
                      frame_types: list[list[str]] | None = None) -> Path:
    """A synthetic Enhanced CT (one file, a frame per z, geometry as :func:`write_ct`): Pixel
    Measures and Plane Orientation in the Shared, Plane Position (and CT Image Frame Type) in the
    Per-frame Functional Groups; no top-level geometry."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ds = _image_dataset(EnhancedCTImageStorage, uids or (generate_uid(), generate_uid(), generate_uid()),
                        number, len(z_positions))
    ds.NumberOfFrames = len(z_positions)
    ds.SharedFunctionalGroupsSequence = [_item(
        PixelMeasuresSequence=[_item(PixelSpacing=[1, 1], SliceThickness=2)],
        PlaneOrientationSequence=[_item(ImageOrientationPatient=[1, 0, 0, 0, 1, 0])])]
    ds.PerFrameFunctionalGroupsSequence = [
        _item(PlanePositionSequence=[_item(ImagePositionPatient=[0, shear * z, z])],
              **({"CTImageFrameTypeSequence": [_item(FrameType=frame_types[i])]} if frame_types else {}))
        for i, z in enumerate(z_positions)]
    ds.save_as(path, enforce_file_format=True)
    return path


def test_synthetic_missing_slice(tmp_path: Path) -> None:
    write_ct(tmp_path / "ct", [0.0, 2.0, 4.0, 8.0, 10.0])  # 6.0 is missing
    (series,) = scan(tmp_path).series
    assert "MISSING_SLICES" in codes(series) and "GANTRY_TILT" not in codes(series)
    assert series.spacing_between_slices == pytest.approx(2.0)
    assert series.instance_count == 5 and series.files == tuple(sorted(series.files))


def test_synthetic_clean_series_has_no_findings(tmp_path: Path) -> None:
    paths = write_ct(tmp_path, [6.0, 0.0, 4.0, 2.0])
    (series,) = scan(list(reversed(paths)), workers=1).series
    assert series.findings == ()
    assert [p.name for p in series.files] == ["slice002.dcm", "slice004.dcm", "slice003.dcm", "slice001.dcm"]


def test_synthetic_localizer_and_duplicates(tmp_path: Path) -> None:
    write_ct(tmp_path / "a", [0.0, 2.0, 2.0, 4.0])
    write_ct(tmp_path / "b", [0.0, 2.0, 4.0], ImageType=["ORIGINAL", "PRIMARY", "LOCALIZER"])
    result = scan(tmp_path)
    assert sorted(sorted(codes(s)) for s in result.series) == [["DUPLICATE_POSITIONS"], ["LOCALIZER"]]


def test_synthetic_non_ct_uncalibrated_tilted(tmp_path: Path) -> None:
    write_ct(tmp_path, [0.0, 2.0, 4.0], Modality="MR", GantryDetectorTilt=10)
    (series,) = scan(tmp_path).series
    assert {"NON_CT", "GANTRY_TILT"} <= codes(series)


def test_unsupported_transfer_syntax_finding(tmp_path: Path) -> None:
    paths = write_ct(tmp_path, [0.0])
    from pydicom import dcmread
    ds = dcmread(paths[0])
    del ds.PixelData  # headers only: the scan never touches pixels
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.4.53"  # JPEG Spectral: no decoder
    ds.save_as(paths[0])
    (series,) = scan(tmp_path).series
    assert "UNSUPPORTED_TRANSFER_SYNTAX" in codes(series)
    assert not decoder_available("1.2.840.10008.1.2.4.53") and decoder_available(ExplicitVRLittleEndian)


def test_empty_or_non_dicom_folder_raises(tmp_path: Path) -> None:
    """Issue 12 "Messages": each case says what happened and what to do, naming the folder."""
    with pytest.raises(NotDicomError) as caught:
        scan(tmp_path)
    assert str(caught.value) == f"The folder {tmp_path} is empty. Choose the folder that holds the DICOM images."
    assert caught.value.problem == "empty"
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(NotDicomError, match=r"holds 1 file, which is not a DICOM image\. Choose the folder") as caught:
        scan(tmp_path)
    assert caught.value.paths == (tmp_path,) and caught.value.problem == "not_dicom"
    ((unreadable,),) = [caught.value.unreadable]
    assert unreadable.path.name == "notes.txt" and NOT_DICOM in unreadable.reason
    (tmp_path / "more.txt").write_text("hello")
    with pytest.raises(NotDicomError, match=r"holds 2 files, none of them DICOM images"):
        scan(tmp_path)
    with pytest.raises(NotDicomError) as caught:
        scan(tmp_path / "missing")
    assert str(caught.value) == (f"The folder {tmp_path / 'missing'} does not exist (moved or deleted?). Choose "
                                 "another folder.")
    assert caught.value.problem == "missing" and caught.value.paths == (tmp_path / "missing",)


def test_unreadable_dicom_files_are_counted_with_the_first_reason(tmp_path: Path) -> None:
    (path,) = write_ct(tmp_path / "ct", [0.0])
    data = path.read_bytes()
    path.unlink()
    for name in ("a.dcm", "b.dcm"):
        (tmp_path / "ct" / name).write_bytes(data[:600])  # cut before Rows/Columns: a DICOM file, no image
    (tmp_path / "ct" / "notes.txt").write_text("hello")
    with pytest.raises(NotDicomError) as caught:
        scan(tmp_path / "ct")
    message = str(caught.value)
    assert caught.value.problem == "unreadable" and len(caught.value.unreadable) == 3
    assert message.startswith(f"The folder {tmp_path / 'ct'} holds 2 DICOM files that could not be read as images "
                              "(the first, a.dcm: ")
    assert "and 1 other file that is not DICOM." in message
    assert message.endswith("Copy the images again from their source, or choose another folder.")
    with pytest.raises(NotDicomError, match=r"^The DICOM file .*a\.dcm could not be read as an image \("):
        scan(tmp_path / "ct" / "a.dcm")


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    scan_command.add_parser(parser.add_subparsers())
    return parser.parse_args(["scan", *argv])


def test_cli_json_shape(tmp_path: Path) -> None:
    write_ct(tmp_path / "ct", [0.0, 2.0, 4.0, 8.0])
    (tmp_path / "readme.txt").write_text("not dicom")
    out = io.StringIO()
    assert scan_command.run(parse(str(tmp_path), "--json"), out=out) == 0
    doc = json.loads(out.getvalue())
    assert set(doc) == {"series", "unreadable"}
    (series,) = doc["series"]
    assert {"patient_id", "study_uid", "study_date", "series_uid", "series_number", "modality",
            "series_description", "instance_count", "frame_count", "rows", "columns", "pixel_spacing",
            "slice_thickness", "spacing_between_slices", "spacing_header", "orientation",
            "frame_of_reference_uid", "transfer_syntax", "files", "findings"} <= set(series)
    assert series["instance_count"] == series["frame_count"] == 4 and series["pixel_spacing"] == [1.0, 1.0]
    assert series["transfer_syntax"] == {"uid": ExplicitVRLittleEndian, "name": "Explicit VR Little Endian"}
    assert [f["code"] for f in series["findings"]] == ["MISSING_SLICES"]
    assert doc["unreadable"] == [{"path": str((tmp_path / "readme.txt").resolve()),
                                  "reason": doc["unreadable"][0]["reason"]}]
    assert NOT_DICOM in doc["unreadable"][0]["reason"]


def test_cli_tree_text(tmp_path: Path) -> None:
    write_ct(tmp_path, [0.0, 2.0, 4.0, 8.0])
    (tmp_path / "x.bin").write_bytes(b"\x00" * 10)
    out = io.StringIO()
    assert scan_command.run(parse(str(tmp_path)), out=out) == 0
    text = out.getvalue()
    assert "Patient SYN001" in text and "Series 1 CT" in text and "4 images, 4×4" in text
    assert "! MISSING_SLICES" in text and "Unreadable files (1):" in text


def test_cli_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(cli.COMMANDS, "scan", "recist_app.cli.commands.scan")
    assert cli.main(["scan", str(tmp_path)]) == 2
    assert f"The folder {tmp_path} is empty." in capsys.readouterr().err
    write_ct(tmp_path, [0.0, 2.0])
    (tmp_path / "junk").write_text("junk")
    assert cli.main(["scan", str(tmp_path), "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["unreadable"]) == 1


def test_records_are_frozen() -> None:
    record = UnreadableFile(Path("x"), "why")
    with pytest.raises(AttributeError):
        record.reason = "other"


@pytest.mark.shared_data
def test_cornerstone_transfer_syntaxes_without_decoder(shared_dir: Path) -> None:
    folder = shared_dir / DATA / "compressed" / "cornerstone_ctimage_all_ts"
    result = scan(sorted(folder.glob("CTImage*")))
    (series,) = result.series  # one SOP instance re-encoded 16 times: one series, one position
    assert {"UNSUPPORTED_TRANSFER_SYNTAX", "DUPLICATE_POSITIONS"} <= codes(series)
    message = next(f.message for f in series.findings if f.code == "UNSUPPORTED_TRANSFER_SYNTAX")
    assert "1.2.840.10008.1.2.4.53" in message and "1.2.840.10008.1.2.4.55" in message
    assert "1.2.840.10008.1.2.4.90" not in message


def test_synthetic_mixed_size_and_degenerate_orientation(tmp_path: Path) -> None:
    from pydicom import dcmread
    paths = write_ct(tmp_path / "a", [0.0, 2.0, 4.0])
    ds = dcmread(paths[1])
    ds.Rows = 8  # a consistent image of another size (the pixel data length is checked by the scan)
    ds.PixelData = bytes(len(ds.PixelData) * 2)
    ds.save_as(paths[1])
    write_ct(tmp_path / "b", [0.0, 2.0], ImageOrientationPatient=[0, 0, 0, 0, 0, 0])
    mixed, degenerate = sorted(scan(tmp_path).series, key=lambda s: s.instance_count, reverse=True)
    assert codes(mixed) == {"MIXED_SIZE"}
    # Zero cosines: the orientation is reported as invalid and dropped, so the frames have no geometry.
    assert codes(degenerate) == {"NO_GEOMETRY", "INVALID_GEOMETRY"} and degenerate.spacing_between_slices is None
    assert "0\\0\\0\\0\\0\\0: its direction cosines are not unit vectors" in next(
        f.message for f in degenerate.findings if f.code == "INVALID_GEOMETRY")


#: Enhanced / Legacy Converted Enhanced CT in ../shared/data (MANIFEST.md): file → (frames, step mm).
ENHANCED = {
    "multiframe/eCT_Supplemental.dcm": (2, 10.0),
    "multiframe/CT0012.fragmented_no_bot_jpeg_baseline.51.dcm": (2, 10.0),
    "seg/dcmqi/23x38x3/multiframe/mf.dcm": (3, 2.5),
}


@pytest.mark.shared_data
@pytest.mark.parametrize(("name", "expected"), sorted(ENHANCED.items()))
def test_enhanced_ct_frames_geometry_and_load(shared_dir: Path, name: str, expected: tuple[int, float]) -> None:
    frames, step_mm = expected
    (series,) = scan(shared_dir / DATA / name).series
    assert (series.instance_count, series.frame_count) == (1, frames)
    assert series.findings == ()  # geometry from the functional groups: no NO_GEOMETRY
    assert series.spacing_between_slices == pytest.approx(step_mm) and series.orientation is not None
    assert series.pixel_spacing is not None and series.slice_thickness == pytest.approx(step_mm)
    volume = load_series(series.files)
    assert volume.hu.shape[0] == series.frame_count


@pytest.mark.shared_data
def test_legacy_converted_ct_matches_its_single_frame_source(shared_dir: Path) -> None:
    folder = shared_dir / DATA / "seg" / "dcmqi" / "23x38x3"
    (classic,) = scan(folder / "image").series
    (enhanced,) = scan(folder / "multiframe").series
    assert classic.frame_count == enhanced.frame_count == 3 and enhanced.instance_count == 1
    for field in ("rows", "columns", "pixel_spacing", "slice_thickness", "spacing_between_slices",
                  "orientation", "findings"):
        assert getattr(enhanced, field) == pytest.approx(getattr(classic, field)), field


@pytest.mark.shared_data
def test_two_encodings_of_one_enhanced_ct_are_duplicates(shared_dir: Path) -> None:
    (series,) = scan(shared_dir / DATA / "multiframe").series  # the same 2 frames, twice
    assert (series.instance_count, series.frame_count) == (2, 4)
    assert codes(series) == {"DUPLICATE_POSITIONS"}


@pytest.mark.parametrize(("z_positions", "shear", "expected"), [
    ([0.0, 2.0, 4.0, 6.0], 0.0, set()),
    ([0.0, 2.0, 4.0, 8.0, 10.0], 0.0, {"MISSING_SLICES"}),
    ([0.0, 2.0, 2.0, 4.0], 0.0, {"DUPLICATE_POSITIONS"}),
    ([0.0, 1.0, 3.0, 4.0, 6.0], 0.0, {"UNEVEN_SPACING"}),
    ([0.0, 2.0, 4.0, 6.0], 0.33, {"GANTRY_TILT"}),  # sheared stack
])
def test_enhanced_ct_has_the_findings_of_the_classic_series(tmp_path: Path, z_positions: list[float],
                                                             shear: float, expected: set[str]) -> None:
    write_ct(tmp_path / "classic", z_positions, shear)
    (classic,) = scan(tmp_path / "classic").series
    (enhanced,) = scan(write_enhanced_ct(tmp_path / "enhanced.dcm", z_positions, shear)).series
    assert codes(classic) == expected
    assert (classic.instance_count, classic.frame_count) == (len(z_positions), len(z_positions))
    assert (enhanced.instance_count, enhanced.frame_count) == (1, len(z_positions))
    assert enhanced.findings == classic.findings
    for field in ("rows", "columns", "pixel_spacing", "slice_thickness", "spacing_between_slices", "orientation"):
        assert getattr(enhanced, field) == getattr(classic, field), field
    if not classic.findings:
        assert load_series(enhanced.files).hu.shape[0] == enhanced.frame_count


def test_enhanced_ct_split_over_files_is_ordered_by_first_frame(tmp_path: Path) -> None:
    uids = (generate_uid(), generate_uid(), generate_uid())
    late = write_enhanced_ct(tmp_path / "a.dcm", [2.0, 6.0, 10.0], uids=uids, number=1)
    early = write_enhanced_ct(tmp_path / "b.dcm", [0.0, 4.0, 8.0], uids=uids, number=2)
    (series,) = scan(tmp_path).series
    assert (series.instance_count, series.frame_count) == (2, 6)
    assert series.findings == () and series.spacing_between_slices == pytest.approx(2.0)
    assert series.files == (early.resolve(), late.resolve())
    assert load_series(series.files).hu.shape[0] == 6


def test_enhanced_localizer_frames_from_frame_type(tmp_path: Path) -> None:
    scout = ["ORIGINAL", "PRIMARY", "LOCALIZER", "NONE"]
    write_enhanced_ct(tmp_path / "scout.dcm", [0.0, 2.0, 4.0], frame_types=[scout] * 3)
    (series,) = scan(tmp_path).series
    assert codes(series) == {"LOCALIZER"} and series.spacing_between_slices is None


def test_single_valued_image_type_localizer(tmp_path: Path) -> None:
    write_ct(tmp_path, [0.0, 2.0, 4.0], ImageType="LOCALIZER")  # one value: a str, not a list
    for lean in (True, False):
        (series,) = scan(tmp_path, lean=lean).series
        assert codes(series) == {"LOCALIZER"}


def test_cli_tree_counts_frames(tmp_path: Path) -> None:
    write_enhanced_ct(tmp_path / "enhanced.dcm", [0.0, 2.0, 4.0])
    out = io.StringIO()
    assert scan_command.run(parse(str(tmp_path)), out=out) == 0
    assert "3 frames in 1 file, 4×4" in out.getvalue()
    out = io.StringIO()
    assert scan_command.run(parse(str(tmp_path), "--json"), out=out) == 0
    (series,) = json.loads(out.getvalue())["series"]
    assert (series["instance_count"], series["frame_count"]) == (1, 3)
