"""What the scan reads from one file: :func:`read_file` → :class:`FileHeader`, a DICOMDIR's
referenced files, or the one-line reason the file is unusable.

Fast path
---------
Headers come from :func:`recist_app.imaging.header.read_header` with ``lean=True``: the lean parser
reads :data:`~recist_app.imaging.header.LEAN_TAGS` of single-frame Little Endian files about 10 ×
faster than pydicom and hands anything else to pydicom itself. Two things the lean parser does
not give are settled here, so that both paths give the same :class:`FileHeader`:

* (0008,0008) *Image Type* is multi-valued CS, which the lean parser refuses; it is read from the
  first bytes of the file (:func:`image_type_from_prefix`, the elements before it are walked).
* Text is read by the lean parser as ASCII; text holding an ESC byte (ISO 2022 code extensions
  of (0008,0005) *Specific Character Set*) is decoded by pydicom instead.

Any doubt (a sequence of undefined length before Image Type, an unexpected parser error) sends
the file to pydicom; ``tests/recist_app/imaging/test_scan_headers.py`` checks that both paths agree on
every file of ``../shared/data``.

Frames
------
An Enhanced (multi-frame) image contributes one :class:`ImageFrame` per frame of (0028,0008)
*Number of Frames*, its geometry taken as the loader does (:mod:`recist_app.imaging.series_plan`):
Per-frame (5200,9230) before Shared (5200,9229) Functional Groups before the top level, from
Plane Position (Patient) (0020,9113), Plane Orientation (Patient) (0020,9116), Pixel Measures
(0028,9110), CT Acquisition Details (0018,9304) and CT Image Frame Type (0018,9329).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydicom.errors import InvalidDicomError
from pydicom.uid import UID

from recist_app.imaging import dicomdir
from recist_app.imaging import header as dicom_header
from recist_app.imaging.errors import NotDicomError
from recist_app.imaging.header import LeanHeader, frame_value

__all__ = ["SCAN_KEYWORDS", "FileHeader", "ImageFrame", "SeriesValues", "image_type_from_prefix", "read_file"]

#: Reason for a file without the Part 10 'DICM' prefix.
NOT_DICOM = "not DICOM: no 'DICM' prefix after the 128-byte preamble (PS3.10 §7.1)"
#: Reason for a gzip file (magic bytes 1F 8B).
GZIP = "gzip-compressed file, not DICOM (gunzip it first)"
#: Bytes read first from every file: the gzip check and (0008,0008) Image Type on the lean path.
PREFIX_BYTES = 4096
#: A (0028,0008) Number of Frames above this is taken as corrupt (counted as 1 frame).
MAX_FRAMES = 100_000
#: Top-level attributes :func:`read_file` reads; on the lean path all but Image Type must be
#: :data:`~recist_app.imaging.header.LEAN_TAGS` (a test checks).
SCAN_KEYWORDS = frozenset({
    "SOPClassUID", "Rows", "Columns", "StudyInstanceUID", "SeriesInstanceUID", "PatientID", "PatientName",
    "StudyDate", "StudyDescription", "SeriesNumber", "Modality", "SeriesDescription", "FrameOfReferenceUID",
    "NumberOfFrames", "InstanceNumber", "ImageType", "ImagePositionPatient", "ImageOrientationPatient",
    "PixelSpacing", "SliceThickness", "SpacingBetweenSlices", "GantryDetectorTilt", "ConvolutionKernel"})
#: Text attributes the lean parser reads as ASCII (an ESC byte sends the file to pydicom).
_TEXT_KEYWORDS = ("PatientID", "PatientName", "StudyDate", "StudyDescription", "SeriesDescription",
                  "ConvolutionKernel")
_IMAGE_TYPE_TAG = 0x00080008
_IMPLICIT_VR_LE = "1.2.840.10008.1.2"
#: Explicit VRs with a 2-byte reserved field and a 4-byte length (PS3.5 §7.1.2).
_LONG_VRS = frozenset({b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"})
_ABSENT = object()


@dataclass(frozen=True)
class ImageFrame:
    """One frame (the one image of a classic file, or one frame of a multi-frame file).

    (0028,0010/0011) Rows/Columns, (0020,0037) IOP, (0020,0032) IPP in mm, (0020,0013) Instance
    Number of the file, the 0-based frame index, (0008,0008) Image Type (or (0008,9007) Frame
    Type), (0018,1120) Gantry/Detector Tilt in degrees, (0018,0050) Slice Thickness in mm.
    """

    rows: int
    columns: int
    orientation: tuple[float, ...] | None
    position_mm: tuple[float, ...] | None
    instance_number: int | None
    frame_index: int
    image_type: tuple[str, ...]
    gantry_tilt_deg: float
    thickness_mm: float | None


@dataclass(frozen=True)
class SeriesValues:
    """The :class:`~recist_app.imaging.scan.SeriesSummary` fields one file contributes to its series
    (tags cited there); geometry values are those of the file's first frame."""

    patient_id: str
    patient_name: str
    study_date: str
    study_description: str
    series_number: int | None
    modality: str
    series_description: str
    pixel_spacing: tuple[float, float] | None
    slice_thickness: float | None
    spacing_header: float | None
    frame_of_reference_uid: str | None
    transfer_syntax: str
    #: (0018,1210) *Convolution Kernel* (SH, 1-n; several values joined by a backslash), "" if absent.
    kernel: str = ""


@dataclass(frozen=True)
class FileHeader:
    """What one image file contributes to its series (plain values, no dataset kept).

    ``invalid_frame_count`` is (0028,0008) *Number of Frames* as written when it is not a usable
    count (the file then counts as one frame); None when it is fine.
    """

    path: Path
    study_uid: str
    series_uid: str
    values: SeriesValues
    frames: tuple[ImageFrame, ...]
    invalid_frame_count: str | None = None


def read_file(path: Path, lean: bool = True) -> FileHeader | list[Path] | str:
    """One file's header, a DICOMDIR's referenced files, or the one-line reason it is unusable.

    ``lean`` allows the lean header parser (the result is the same either way; only the speed
    differs). Never raises for a bad file.
    """
    try:
        with open(path, "rb") as handle:
            prefix = handle.read(PREFIX_BYTES)
    except OSError as exc:
        return _cannot_parse(exc)
    if prefix[:2] == b"\x1f\x8b":
        return GZIP
    try:
        ds, image_type = _read_header(path, prefix, lean)
    except NotDicomError as exc:
        if isinstance(exc.__cause__, InvalidDicomError):
            return NOT_DICOM
        return _cannot_parse(exc.__cause__ or exc)
    except Exception as exc:
        return _cannot_parse(exc)
    try:
        return _file_header(path, ds, image_type)
    except Exception as exc:
        return f"unusable DICOM header: {type(exc).__name__}: {_one_line(exc)}"


def image_type_from_prefix(prefix: bytes, syntax: str) -> tuple[str, ...] | None:
    """(0008,0008) *Image Type* from the first bytes of a Part 10 file, upper case, () if absent.

    Walks the file meta (explicit VR) and the elements before (0008,0008) in transfer syntax
    ``syntax`` (Little Endian), and splits the value as pydicom does (trailing NUL/space
    stripped, split at backslashes). None when the walk leaves ``prefix``, meets an undefined
    length or a non-ASCII value: pydicom must read the file.
    """
    if prefix[128:132] != b"DICM":
        return None
    implicit, pos = syntax == _IMPLICIT_VR_LE, 132
    try:
        while pos + 8 <= len(prefix):
            group, element = struct.unpack_from("<HH", prefix, pos)
            tag = group << 16 | element
            if tag > _IMAGE_TYPE_TAG:
                return ()
            if implicit and group != 0x0002:
                length, start = struct.unpack_from("<I", prefix, pos + 4)[0], pos + 8
            elif prefix[pos + 4:pos + 6] in _LONG_VRS:
                length, start = struct.unpack_from("<I", prefix, pos + 8)[0], pos + 12
            else:
                length, start = struct.unpack_from("<H", prefix, pos + 6)[0], pos + 8
            if length == 0xFFFFFFFF or start + length > len(prefix):
                return None
            if tag == _IMAGE_TYPE_TAG:
                items = prefix[start:start + length].decode("ascii").rstrip(" \x00").split("\\")
                return _image_type(items[0] if len(items) == 1 else items)
            pos = start + length
    except (struct.error, UnicodeDecodeError):
        return None
    return None


def _read_header(path: Path, prefix: bytes, lean: bool) -> tuple[Any, tuple[str, ...] | None]:
    """(header, Image Type or None to read it from the header): lean when it is exact, else pydicom.

    Raises
    ------
    NotDicomError
        From :func:`~recist_app.imaging.header.read_header` when pydicom cannot read the file.
    """
    if lean:
        try:
            header, _ = dicom_header.read_header(path, lean=True)
        except NotDicomError:
            raise
        except Exception:
            header = None
        if isinstance(header, LeanHeader):
            image_type = image_type_from_prefix(prefix, str(header.file_meta["TransferSyntaxUID"]))
            if image_type is not None and not any("\x1b" in str(header.get(k, "")) for k in _TEXT_KEYWORDS):
                return header, image_type
        elif header is not None:
            return header, None  # read_header already fell back to pydicom
    header, _ = dicom_header.read_header(path)
    return header, None


def _file_header(path: Path, ds: Any, image_type: tuple[str, ...] | None) -> FileHeader | list[Path] | str:
    """Extract the scan's values from ``ds`` (a pydicom Dataset or lean header)."""
    if dicomdir.is_dicomdir(ds):
        return dicomdir.referenced_files(path, ds)
    sop_class = UID(str(ds.get("SOPClassUID", "")))
    kind = sop_class.name if sop_class else "dataset without SOP Class UID"
    if ds.get("Rows") is None or ds.get("Columns") is None:
        return f"not an image: {kind} has no Rows/Columns (0028,0010/0011)"
    study_uid, series_uid = ds.get("StudyInstanceUID"), ds.get("SeriesInstanceUID")
    if not study_uid or not series_uid:
        return f"image without Study/Series Instance UID (0020,000D/000E): {kind}"
    count, invalid = _frame_count(ds.get("NumberOfFrames"))
    top_type = _image_type(ds.get("ImageType")) if image_type is None else image_type
    rows, columns, instance = int(ds.Rows), int(ds.Columns), _first_int(ds.get("InstanceNumber"))
    frames = tuple(ImageFrame(
        rows=rows, columns=columns,
        orientation=_floats(frame_value(ds, index, "PlaneOrientationSequence", "ImageOrientationPatient"), 6),
        position_mm=_floats(frame_value(ds, index, "PlanePositionSequence", "ImagePositionPatient"), 3),
        instance_number=instance, frame_index=index,
        image_type=_image_type(frame_value(ds, index, "CTImageFrameTypeSequence", "FrameType", top_level=False))
        or top_type,
        gantry_tilt_deg=_first_float(frame_value(ds, index, "CTAcquisitionDetailsSequence",
                                                  "GantryDetectorTilt")) or 0.0,
        thickness_mm=_first_float(frame_value(ds, index, "PixelMeasuresSequence", "SliceThickness")))
        for index in range(count))
    spacing = _floats(frame_value(ds, 0, "PixelMeasuresSequence", "PixelSpacing"), 2)
    meta = getattr(ds, "file_meta", None)
    values = SeriesValues(
        patient_id=_text(ds.get("PatientID")), patient_name=_text(ds.get("PatientName")),
        study_date=_text(ds.get("StudyDate")), study_description=_text(ds.get("StudyDescription")),
        series_number=_first_int(ds.get("SeriesNumber")), modality=_text(ds.get("Modality")),
        series_description=_text(ds.get("SeriesDescription")),
        pixel_spacing=(spacing[0], spacing[1]) if spacing else None,
        slice_thickness=frames[0].thickness_mm,
        spacing_header=_first_float(frame_value(ds, 0, "PixelMeasuresSequence", "SpacingBetweenSlices")),
        frame_of_reference_uid=str(ds.get("FrameOfReferenceUID", "")) or None,
        transfer_syntax=str(meta.get("TransferSyntaxUID", "")) if meta is not None else "",
        kernel=_multi_text(ds.get("ConvolutionKernel")))
    return FileHeader(path, str(study_uid), str(series_uid), values, frames, invalid)


def _frame_count(value: Any) -> tuple[int, str | None]:
    """(frames, None) from (0028,0008) *Number of Frames* (1 when absent, as the loader reads it),
    or (1, the value as written) when it is not an integer from 1 to :data:`MAX_FRAMES`."""
    try:
        count = int(value or 1)
    except (TypeError, ValueError):
        return 1, str(value)
    return (count, None) if 1 <= count <= MAX_FRAMES else (1, str(value))


def _image_type(value: Any) -> tuple[str, ...]:
    """A CS value (one string or several) as a tuple of stripped upper-case strings; () if empty."""
    if value is None or value == "":
        return ()
    items = [value] if isinstance(value, str) else list(value)
    return tuple(str(item).strip().upper() for item in items)


def _floats(value: Any, count: int) -> tuple[float, ...] | None:
    """A DS/FD value as ``count`` floats; None when absent, empty or of another multiplicity."""
    if value is None or value == "":
        return None
    items = [value] if isinstance(value, (str, int, float)) else list(value)
    return tuple(float(item) for item in items) if len(items) == count else None


def _first_float(value: Any) -> float | None:
    """The (first) value of a DS/FD attribute as float; None when absent or empty."""
    if value is None or value == "":
        return None
    return float(value if isinstance(value, (str, int, float)) else value[0])


def _first_int(value: Any) -> int | None:
    """The (first) value of an IS attribute as int; None when absent or empty."""
    if value is None or value == "":
        return None
    return int(value if isinstance(value, (str, int, float)) else value[0])


def _text(value: Any) -> str:
    """A text attribute, '' when absent or empty (never the string 'None')."""
    return "" if value is None else str(value)


def _multi_text(value: Any) -> str:
    """A text attribute of VM 1-n as pydicom gives it (one str or a MultiValue), values joined by a
    backslash as in the file; '' when absent or empty."""
    if value is None or value == "":
        return ""
    return str(value) if isinstance(value, str) else "\\".join(str(item) for item in value)


def _cannot_parse(exc: BaseException) -> str:
    return f"cannot parse DICOM header: {type(exc).__name__}: {_one_line(exc)}"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] if text else type(exc).__name__
