"""Load one CT series (single-frame files or Enhanced multi-frame CT) into a :class:`CtVolume`.

Slices are sorted by projecting (0020,0032) *Image Position (Patient)* on the normal of
(0020,0037) *Image Orientation (Patient)* (never by file name or Instance Number), decoded one
by one through pydicom's pixel plugins into one preallocated int16 array with (0028,1053)
*Rescale Slope* / (0028,1052) *Rescale Intercept* applied. All pixel ↔ patient conventions live
in :mod:`recist_app.geometry`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.pixels import pixel_array

from recist_app import geometry
from recist_app import volume as vol
from recist_app.dicom_scan import scan
from recist_app.errors import (
    DicomError,
    MissingGeometryError,
    MixedSeriesError,
    NotDicomError,
    UnsupportedTransferSyntaxError,
)
from recist_app.volume import CtVolume

#: Direction cosines of two slices may differ by this much and still be one series.
IOP_TOLERANCE = 1e-3
#: Pixel spacings (mm) may differ by this much and still be one series.
SPACING_TOLERANCE_MM = 1e-3
#: A stack whose positions lean more than this (degrees) off the normal is reported as tilted.
TILT_REPORT_DEGREES = 0.1
INT16_MIN, INT16_MAX = -32768, 32767


@dataclass(frozen=True)
class _Frame:
    """Geometry and rescale of one 2-D frame (one slice) of one file."""

    path: Path
    index: int
    sop_uid: str
    ipp: tuple[float, ...] | None
    iop: tuple[float, ...] | None
    spacing: tuple[float, float] | None
    thickness: float | None
    slope: float
    intercept: float


def read_header(path: Path) -> Dataset:
    """Header of ``path`` (``stop_before_pixels``); :class:`NotDicomError` if not DICOM."""
    try:
        return pydicom.dcmread(path, stop_before_pixels=True)
    except (InvalidDicomError, OSError, EOFError) as exc:
        raise NotDicomError(f"{path} is not a readable DICOM file ({exc}). Remove it from the selection.") from exc


def _floats(value: Any) -> tuple[float, ...] | None:
    """A DS/FD value (single or multi-valued) as a tuple of float, None when absent or empty."""
    if value is None or value == "":
        return None
    items = value if isinstance(value, (list, tuple, pydicom.multival.MultiValue)) else [value]
    return tuple(float(item) for item in items)


def _group_value(ds: Dataset, frame: int, sequence: str, keyword: str) -> Any:
    """``keyword`` of the Per-frame (5200,9230) then Shared (5200,9229) functional group
    ``sequence`` of an Enhanced image, else the top-level attribute; None when absent."""
    for groups, item in (("PerFrameFunctionalGroupsSequence", frame), ("SharedFunctionalGroupsSequence", 0)):
        seq = ds.get(groups)
        inner = seq[item].get(sequence) if seq is not None and len(seq) > item else None
        if inner and keyword in inner[0]:
            return inner[0].get(keyword)
    return ds.get(keyword)


def _frame_count(path: Path, ds: Dataset) -> int:
    """(0028,0008) *Number of Frames* (1 when absent); :class:`DicomError` when not an integer."""
    value = ds.get("NumberOfFrames")
    try:
        return int(value or 1)
    except (TypeError, ValueError) as exc:
        raise DicomError(f'{path}: "Number of Frames" (0028,0008) must be an integer, got {value!r}. '
                         "The file is corrupt; export it again.") from exc


def _frames_of(path: Path, ds: Dataset) -> list[_Frame]:
    """One :class:`_Frame` per frame: (0020,0032)/(0020,0037) from Plane Position (0020,9113) /
    Plane Orientation (0020,9116), (0028,0030)/(0018,0050) from Pixel Measures (0028,9110),
    slope/intercept from Pixel Value Transformation (0028,9145); top level for single frames."""
    frames = []
    for index in range(_frame_count(path, ds)):
        spacing = _floats(_group_value(ds, index, "PixelMeasuresSequence", "PixelSpacing"))
        thickness = _floats(_group_value(ds, index, "PixelMeasuresSequence", "SliceThickness"))
        slope = _floats(_group_value(ds, index, "PixelValueTransformationSequence", "RescaleSlope"))
        intercept = _floats(_group_value(ds, index, "PixelValueTransformationSequence", "RescaleIntercept"))
        frames.append(_Frame(
            path=path, index=index, sop_uid=str(ds.get("SOPInstanceUID", "")),
            ipp=_floats(_group_value(ds, index, "PlanePositionSequence", "ImagePositionPatient")),
            iop=_floats(_group_value(ds, index, "PlaneOrientationSequence", "ImageOrientationPatient")),
            spacing=(spacing[0], spacing[1]) if spacing and len(spacing) == 2 else None,
            thickness=thickness[0] if thickness else None,
            slope=slope[0] if slope else 1.0, intercept=intercept[0] if intercept else 0.0))
    return frames


def _window_presets(ds: Dataset) -> tuple[tuple[float, float], ...]:
    """Each distinct (0028,1050) *Window Center* / (0028,1051) *Window Width* pair (Frame VOI LUT
    (0028,9132) of frame 1 for Enhanced images)."""
    centers = _floats(_group_value(ds, 0, "FrameVOILUTSequence", "WindowCenter")) or ()
    widths = _floats(_group_value(ds, 0, "FrameVOILUTSequence", "WindowWidth")) or ()
    return tuple(dict.fromkeys(zip(centers, widths)))  # every distinct pair, header order


def _check_one_series(headers: Sequence[tuple[Path, Dataset]]) -> None:
    """Same (0020,000E) *Series Instance UID*, (0028,0010) *Rows*, (0028,0011) *Columns* and
    (0028,0002) *Samples per Pixel* = 1, else :class:`MixedSeriesError` / :class:`DicomError`."""
    first_path, first = headers[0]
    for path, ds in headers:
        if "Rows" not in ds or "Columns" not in ds:
            raise DicomError(f"{path} is not an image (no Rows/Columns). Select image files only.")
        if int(ds.get("SamplesPerPixel", 1)) != 1:
            raise DicomError(f"{path} has {ds.SamplesPerPixel} samples per pixel; a CT series needs 1.")
        for keyword in ("SeriesInstanceUID", "Rows", "Columns"):
            if ds.get(keyword) != first.get(keyword):
                raise MixedSeriesError(
                    f'Files must share "{keyword}": {first_path} has {first.get(keyword)!r}, {path} has '
                    f"{ds.get(keyword)!r}. Load one series at a time.")


def _check_geometry(frames: Sequence[_Frame]) -> None:
    """Every frame has (0020,0032)/(0020,0037); orientation and (0028,0030) agree."""
    for frame in frames:
        if frame.ipp is None or frame.iop is None or len(frame.ipp) != 3 or len(frame.iop) != 6:
            raise MissingGeometryError(
                f"{frame.path} (frame {frame.index + 1}) lacks Image Position (Patient) (0020,0032) or "
                "Image Orientation (Patient) (0020,0037), so it has no patient coordinates. It cannot "
                "be loaded as a volume.")
    first = frames[0]
    for frame in frames[1:]:
        if not np.allclose(frame.iop, first.iop, atol=IOP_TOLERANCE):
            raise MixedSeriesError(
                f"Image Orientation (Patient) (0020,0037) differs: {first.path} {first.iop}, {frame.path} "
                f"{frame.iop}. Load one orientation (one stack) at a time.")
        same = (frame.spacing is None and first.spacing is None) or (
            frame.spacing is not None and first.spacing is not None
            and np.allclose(frame.spacing, first.spacing, atol=SPACING_TOLERANCE_MM))
        if not same:
            raise MixedSeriesError(
                f"Pixel Spacing (0028,0030) differs: {first.path} {first.spacing}, {frame.path} "
                f"{frame.spacing}. Load one series at a time.")


def _decode(ds: Dataset, frame: _Frame) -> np.ndarray:
    """Stored values of one frame; :class:`UnsupportedTransferSyntaxError` names the syntax."""
    syntax = ds.file_meta.get("TransferSyntaxUID") if hasattr(ds, "file_meta") else None
    try:
        return pixel_array(ds, index=frame.index)
    except NotImplementedError as exc:
        name = f"{syntax.name} ({syntax})" if syntax is not None else "unknown transfer syntax"
        raise UnsupportedTransferSyntaxError(
            f"{frame.path}: transfer syntax {name} cannot be decoded by the installed pydicom plugins. "
            "Convert the series to an uncompressed syntax (e.g. dcmtk dcmdjpeg) and load it again.") from exc
    except (ValueError, RuntimeError, AttributeError, KeyError) as exc:
        raise DicomError(f"{frame.path}: pixel data cannot be decoded ({exc}).") from exc


def _rescale_into(raw: np.ndarray, frame: _Frame, out: np.ndarray) -> bool:
    """Write ``raw * slope + intercept`` into the int16 slice ``out``; True when clipped.

    Integer path when slope is 1 and the intercept integral; else float64 for this one slice.
    """
    if raw.shape != out.shape:
        raise DicomError(f"{frame.path}: decoded frame is {raw.shape}, expected {out.shape}.")
    if frame.slope == 1.0 and float(frame.intercept).is_integer():
        values = raw.astype(np.int32) + int(frame.intercept)
    else:
        values = np.rint(raw * frame.slope + frame.intercept)
    clipped = bool(values.min() < INT16_MIN or values.max() > INT16_MAX)
    np.clip(values, INT16_MIN, INT16_MAX, out=values)
    out[...] = values
    return clipped


def _fill(frames: Sequence[_Frame], rows: int, cols: int) -> tuple[np.ndarray, bool]:
    """Decode every frame (in volume order) into one preallocated int16 array (z, y, x)."""
    hu = np.empty((len(frames), rows, cols), dtype=np.int16)
    clipped = False
    cached: tuple[Path, Dataset] | None = None
    for k, frame in enumerate(frames):
        if cached is None or cached[0] != frame.path:
            cached = (frame.path, pydicom.dcmread(frame.path))
        clipped |= _rescale_into(_decode(cached[1], frame), frame, hu[k])
    hu.flags.writeable = False
    return hu, clipped


def _findings(frames: Sequence[_Frame], positions: np.ndarray, iop: tuple[float, ...], clipped: bool) -> list[str]:
    """GANTRY_TILT, UNEVEN_SPACING, MISSING_SLICES, VARYING_THICKNESS, UNCALIBRATED, HU_CLIPPED."""
    found = []
    tilt = geometry.tilt_degrees(iop, positions)
    if tilt > TILT_REPORT_DEGREES:
        found.append(f"{vol.GANTRY_TILT}: slice positions lean {tilt:.1f}° off the slice normal (sheared "
                     "stack); per-slice positions are kept so mm stay right")
    gaps = geometry.slice_gaps(positions, iop)
    if not geometry.is_uniform(gaps):
        found.append(f"{vol.UNEVEN_SPACING}: slice gaps along the normal range {gaps.min():.2f}–{gaps.max():.2f} "
                     "mm; the affine is approximate, per-slice positions are exact")
    thick = np.array([np.nan if f.thickness is None else f.thickness for f in frames])
    missing = geometry.missing_slice_gaps(gaps, expected=np.fmax(thick[:-1], thick[1:]))
    if missing.size:
        found.append(f"{vol.MISSING_SLICES}: {missing.size} gap(s) > {geometry.MISSING_GAP_FACTOR} × median "
                     f"{np.median(gaps):.2f} mm, after slice(s) {', '.join(str(i) for i in missing[:10])}")
    thicknesses = {frame.thickness for frame in frames}
    if len(thicknesses) > 1:
        found.append(f"{vol.VARYING_THICKNESS}: Slice Thickness (0018,0050) takes values "
                     f"{sorted(t for t in thicknesses if t is not None)} mm")
    if frames[0].spacing is None:
        found.append(f"{vol.UNCALIBRATED}: no Pixel Spacing (0028,0030); the image has no millimetres")
    if clipped:
        found.append(f"{vol.HU_CLIPPED}: rescaled values outside the int16 range were clipped")
    return found


def _affine(first: _Frame, positions: np.ndarray, iop: tuple[float, ...]) -> np.ndarray | None:
    """Index → LPS affine: the mean slice step (exact when uniform); None when uncalibrated."""
    if first.spacing is None:
        return None
    if len(positions) > 1:
        step = (positions[-1] - positions[0]) / (len(positions) - 1)
    else:
        step = geometry.slice_normal(iop) * (first.thickness or 1.0)
    return geometry.affine_from(iop, positions[0], first.spacing, step)


def _sorted_frames(headers: Sequence[tuple[Path, Dataset]]) -> tuple[list[_Frame], np.ndarray]:
    """Frames sorted along the normal and their positions; refuses two slices at one position."""
    frames = [frame for path, ds in headers for frame in _frames_of(path, ds)]
    _check_geometry(frames)
    order = geometry.sort_positions([frame.ipp for frame in frames], frames[0].iop)
    frames = [frames[i] for i in order]
    positions = np.array([frame.ipp for frame in frames], dtype=np.float64)
    gaps = geometry.slice_gaps(positions, frames[0].iop)
    if gaps.size and gaps.min() < geometry.SAME_POSITION_MM:
        k = int(np.argmin(gaps))
        raise MixedSeriesError(
            f"{frames[k].path} and {frames[k + 1].path} lie at the same position {positions[k].tolist()}: "
            "two stacks in one series. Split the series before loading.")
    return frames, positions


def _load(headers: Sequence[tuple[Path, Dataset]]) -> CtVolume:
    """Build the volume from already-read headers of one series."""
    if not headers:
        raise NotDicomError("No DICOM file was given. Select the files (or folder) of one series.")
    _check_one_series(headers)
    frames, positions = _sorted_frames(headers)
    first_ds = headers[0][1]
    hu, clipped = _fill(frames, int(first_ds.Rows), int(first_ds.Columns))
    iop = frames[0].iop
    assert iop is not None  # checked in _check_geometry
    return CtVolume(
        hu=hu, slice_positions=positions, iop=iop, pixel_spacing=frames[0].spacing,
        affine=_affine(frames[0], positions, iop),
        frame_of_reference_uid=first_ds.get("FrameOfReferenceUID") or None,
        series_uid=str(first_ds.get("SeriesInstanceUID", "")), study_uid=first_ds.get("StudyInstanceUID") or None,
        sop_uids=tuple(frame.sop_uid for frame in frames), frame_numbers=tuple(f.index + 1 for f in frames),
        window_presets=_window_presets(first_ds), slice_thicknesses_mm=tuple(f.thickness for f in frames),
        findings=tuple(_findings(frames, positions, iop, clipped)))


def load_series(paths: Sequence[Path]) -> CtVolume:
    """Load the files of ONE series into a :class:`CtVolume` (int16 HU, sorted along the normal).

    Raises
    ------
    NotDicomError, MixedSeriesError, MissingGeometryError, UnsupportedTransferSyntaxError, DicomError
    """
    return _load([(Path(path), read_header(Path(path))) for path in paths])


def load_series_from_paths(paths: Sequence[Path], series_uid: str | None = None) -> CtVolume:
    """Scan ``paths`` (:func:`recist_app.dicom_scan.scan`: folders, DICOMDIRs, files) and load series
    ``series_uid``, by default the one with the most images.

    Raises
    ------
    NotDicomError
        When ``paths`` hold no readable DICOM image.
    DicomError
        When ``series_uid`` is not among the series found (the message lists them).
    """
    found = scan(paths).series
    if not found:
        raise NotDicomError(f"No DICOM image under {[str(p) for p in paths]}.")
    if series_uid is None:
        chosen = max(found, key=lambda series: series.instance_count)
    else:
        chosen = next((series for series in found if series.series_uid == series_uid), None)
        if chosen is None:
            choices = sorted(series.series_uid for series in found)
            raise DicomError(f'Argument "series" must be one of {choices}, got {series_uid!r}.')
    return load_series(chosen.files)


def load_series_from_folder(folder: Path, series_uid: str | None = None) -> CtVolume:
    """:func:`load_series_from_paths` on one folder (searched recursively)."""
    return load_series_from_paths([Path(folder)], series_uid)
