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

Checks
------
The values the loader will use are checked as it checks them (:mod:`recist_app.imaging.header_checks`),
so the scan reports as findings what the loader would refuse or drop: the pixel description
against the length of (7FE0,0010) *Pixel Data* (a file whose Number of Frames disagrees counts as
one frame, so a corrupt count never makes the scan walk a billion frames), rescale, position and
orientation, and Pixel Spacing and Slice Thickness (dropped, so the series shows as uncalibrated
rather than with 0 or NaN mm). Every number kept is finite.

Frames
------
An Enhanced (multi-frame) image contributes one :class:`ImageFrame` per frame of (0028,0008)
*Number of Frames*, its geometry taken as the loader does (:mod:`recist_app.imaging.series_plan`):
Per-frame (5200,9230) before Shared (5200,9229) Functional Groups before the top level, from
Plane Position (Patient) (0020,9113), Plane Orientation (Patient) (0020,9116), Pixel Measures
(0028,9110), CT Acquisition Details (0018,9304) and CT Image Frame Type (0018,9329).
"""

from __future__ import annotations

import dataclasses
import math
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydicom.errors import InvalidDicomError
from pydicom.uid import UID

from recist_app.imaging import dicomdir
from recist_app.imaging import header as dicom_header
from recist_app.imaging import header_checks as checks
from recist_app.imaging.errors import InvalidHeaderError, NotDicomError
from recist_app.imaging.header import LeanHeader, PixelLayout, frame_value, frame_values

__all__ = ["SCAN_KEYWORDS", "FileHeader", "ImageFrame", "SeriesValues", "image_type_from_prefix", "read_file"]

#: Reason for a file without the Part 10 'DICM' prefix.
NOT_DICOM = "not DICOM: no 'DICM' prefix after the 128-byte preamble (PS3.10 §7.1)"
#: Reason for a gzip file (magic bytes 1F 8B).
GZIP = "gzip-compressed file, not DICOM (gunzip it first)"
#: Bytes read first from every file: the gzip check and (0008,0008) Image Type on the lean path.
PREFIX_BYTES = 4096
#: A (0028,0008) Number of Frames above this is taken as corrupt (counted as 1 frame).
MAX_FRAMES = checks.MAX_FRAMES
#: Finding codes of header values the loader refuses (pixel description, rescale, geometry) or drops
#: (spacing, thickness), recorded in :attr:`FileHeader.problems`.
INVALID_PIXEL_DATA = "INVALID_PIXEL_DATA"
INVALID_RESCALE = "INVALID_RESCALE"
INVALID_GEOMETRY = "INVALID_GEOMETRY"
INVALID_PIXEL_SPACING = "INVALID_PIXEL_SPACING"
INVALID_SLICE_THICKNESS = "INVALID_SLICE_THICKNESS"
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
    count (the file then counts as one frame); None when it is fine. ``problems`` are the
    ``(finding code, message)`` pairs of implausible header values (:data:`INVALID_PIXEL_DATA` …).
    """

    path: Path
    study_uid: str
    series_uid: str
    values: SeriesValues
    frames: tuple[ImageFrame, ...]
    invalid_frame_count: str | None = None
    problems: tuple[tuple[str, str], ...] = ()


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
        ds, image_type, layout = _read_header(path, prefix, lean)
    except InvalidHeaderError as exc:  # found before the whole header was parsed: the reason, without the path
        return f"unusable DICOM header: {str(exc).removeprefix(f'{path}: ')}"
    except NotDicomError as exc:
        if isinstance(exc.__cause__, InvalidDicomError):
            return NOT_DICOM
        return _cannot_parse(exc.__cause__ or exc)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # MemoryError, RecursionError, extension panics: the file's reason
        return _cannot_parse(exc)
    try:
        return _file_header(path, ds, image_type, layout)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
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


def _read_header(path: Path, prefix: bytes, lean: bool) -> tuple[Any, tuple[str, ...] | None, PixelLayout | None]:
    """(header, Image Type or None to read it from the header, where the pixels are): lean when it
    is exact, else pydicom.

    Raises
    ------
    NotDicomError
        From :func:`~recist_app.imaging.header.read_header` when pydicom cannot read the file.
    """
    if lean:
        try:
            header, layout = dicom_header.read_header(path, lean=True)
        except NotDicomError:
            raise
        except Exception:
            header = None
        if isinstance(header, LeanHeader):
            image_type = image_type_from_prefix(prefix, str(header.file_meta["TransferSyntaxUID"]))
            if image_type is not None and not any("\x1b" in str(header.get(k, "")) for k in _TEXT_KEYWORDS):
                return header, image_type, layout
        elif header is not None:
            return header, None, layout  # read_header already fell back to pydicom
    header, layout = dicom_header.read_header(path)
    return header, None, layout


def _file_header(path: Path, ds: Any, image_type: tuple[str, ...] | None,
                 layout: PixelLayout | None = None) -> FileHeader | list[Path] | str:
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
    problems: list[tuple[str, str]] = []
    pixel = checks.pixel_data_problem(layout, _encapsulated_size(path, layout)) if layout and not invalid else None
    per_frame = ds.get("PerFrameFunctionalGroupsSequence")
    if pixel is None and not invalid and per_frame is not None and len(per_frame) != count:
        pixel = checks.HeaderProblem("Number of Frames (0028,0008)", count, f"Number of Frames (0028,0008) is "
                                     f"{count:,}, but Per-frame Functional Groups (5200,9230) describe "
                                     f"{len(per_frame):,} frames")
    if pixel is not None:  # the loader refuses the file; one frame keeps the scan quick
        problems.append((INVALID_PIXEL_DATA, f"{pixel.message}; the file cannot be loaded"))
        count = 1
    top_type = _image_type(ds.get("ImageType")) if image_type is None else image_type
    rows, columns, instance = int(ds.Rows), int(ds.Columns), _first_int(ds.get("InstanceNumber"))
    checked = checks.ProblemLog(problems)

    def make(index: int, v: dict[str, Any]) -> ImageFrame:
        return ImageFrame(
            rows=rows, columns=columns, instance_number=instance, frame_index=index,
            orientation=checked(_floats(v["orientation"], 6), checks.orientation_problem, INVALID_GEOMETRY),
            position_mm=checked(_floats(v["position"], 3), checks.position_problem, INVALID_GEOMETRY),
            image_type=_image_type(v["frame_type"]) or top_type, gantry_tilt_deg=_first_float(v["tilt"]) or 0.0,
            thickness_mm=_first_float(checked(_floats(v["thickness"], 1), lambda t: checks.thickness_problem(t[0]),
                                              INVALID_SLICE_THICKNESS)))

    frames = _frames(ds, count, make)
    spacing = checked(_floats(frame_value(ds, 0, "PixelMeasuresSequence", "PixelSpacing"), 2),
                      checks.spacing_problem, INVALID_PIXEL_SPACING)
    _rescale_check(ds, checked)
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
    return FileHeader(path, str(study_uid), str(series_uid), values, frames, invalid, tuple(problems))


#: Per-frame values of :class:`ImageFrame`: name → (functional group sequence, keyword, top-level fallback).
_FRAME_KEYS = {
    "orientation": ("PlaneOrientationSequence", "ImageOrientationPatient", True),
    "position": ("PlanePositionSequence", "ImagePositionPatient", True),
    "frame_type": ("CTImageFrameTypeSequence", "FrameType", False),
    "tilt": ("CTAcquisitionDetailsSequence", "GantryDetectorTilt", True),
    "thickness": ("PixelMeasuresSequence", "SliceThickness", True),
}


def _frames(ds: Any, count: int, make: Callable[[int, dict[str, Any]], ImageFrame]) -> tuple[ImageFrame, ...]:
    """The ``count`` frames ``make(index, values)`` builds from :data:`_FRAME_KEYS` (looked up for all
    frames at once, :func:`~recist_app.imaging.header.frame_values`); without Per-frame Functional
    Groups every frame shares the first one's values, so it is built once and copied."""
    shared = count > 1 and ds.get("PerFrameFunctionalGroupsSequence") is None
    built = 1 if shared else count
    columns = {name: frame_values(ds, built, sequence, keyword, top) for name, (sequence, keyword, top) in
               _FRAME_KEYS.items()}
    frames = [make(index, {name: values[index] for name, values in columns.items()}) for index in range(built)]
    if shared:
        frames += [dataclasses.replace(frames[0], frame_index=index) for index in range(1, count)]
    return tuple(frames)


def _rescale_check(ds: Any, checked: checks.ProblemLog) -> None:
    """Record (0028,1053) *Rescale Slope* / (0028,1052) *Rescale Intercept* of the first frame that
    the loader would refuse (:data:`INVALID_RESCALE`)."""
    slope = _first_float(frame_value(ds, 0, "PixelValueTransformationSequence", "RescaleSlope"), finite=False)
    intercept = _first_float(frame_value(ds, 0, "PixelValueTransformationSequence", "RescaleIntercept"), finite=False)
    checked((1.0 if slope is None else slope, 0.0 if intercept is None else intercept),
            lambda pair: checks.rescale_problem(*pair), INVALID_RESCALE)


def _encapsulated_size(path: Path, layout: PixelLayout) -> int | None:
    """The file size when its pixel data are encapsulated (the frame count is checked against it)."""
    if layout.value_offset is None or layout.value_length is not None:
        return None
    try:
        return path.stat().st_size
    except OSError:
        return None


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
    """A DS/FD value as ``count`` floats (maybe not finite: checked by the caller); None when
    absent, empty or of another multiplicity."""
    if value is None or value == "":
        return None
    items = [value] if isinstance(value, (str, int, float)) else list(value)
    return tuple(float(item) for item in items) if len(items) == count else None


def _first_float(value: Any, finite: bool = True) -> float | None:
    """The (first) value of a DS/FD attribute as float; None when absent, empty or (with ``finite``)
    not finite."""
    if value is None or value == "":
        return None
    number = float(value if isinstance(value, (str, int, float)) else value[0])
    return number if math.isfinite(number) or not finite else None


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
