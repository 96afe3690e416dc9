"""Load one CT series (single-frame files or Enhanced multi-frame CT) into a :class:`CtVolume`.

Slices are sorted by projecting (0020,0032) *Image Position (Patient)* on the normal of
(0020,0037) *Image Orientation (Patient)* (never by file name or Instance Number), decoded one
by one (:mod:`recist_app.imaging.decode`: a fast path bit-identical to pydicom, else pydicom's
plugins) into one preallocated int16 array with (0028,1053) *Rescale Slope* / (0028,1052)
*Rescale Intercept* applied. The decoding runs in :class:`recist_app.imaging.load.SeriesLoad`
(middle slice first, the rest in 2 threads). All pixel ↔ patient conventions live in
:mod:`recist_app.imaging.geometry`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.dataset import Dataset

from assessment.domain import Finding
from recist_app.imaging import decode as pixel_decode
from recist_app.imaging import geometry
from recist_app.imaging import header as dicom_header
from recist_app.imaging import volume as vol
from recist_app.imaging.errors import (
    DicomError,
    MissingGeometryError,
    MixedSeriesError,
    NotDicomError,
)
from recist_app.imaging.header import LeanHeader, PixelLayout
from recist_app.imaging.volume import CtVolume

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
    layout: PixelLayout | None = field(default=None, compare=False, repr=False)
    instance_number: int | None = None


#: One file of a series: its path, header (no pixels; lean or pydicom) and where its pixels are.
Header = tuple[Path, Dataset | LeanHeader, PixelLayout]


def read_headers(paths: Sequence[Path]) -> list[Header]:
    """(path, header, :class:`PixelLayout`) of each file, one read each: the lean parser
    (:func:`recist_app.imaging.header.read_lean_header`) where it applies, else pydicom.

    Raises
    ------
    NotDicomError
        When a file is not readable DICOM.
    """
    paths = [Path(path) for path in paths]
    return [(path, *dicom_header.read_header(path, lean=True)) for path in paths]


def _floats(value: Any) -> tuple[float, ...] | None:
    """A DS/FD value (single or multi-valued) as a tuple of float, None when absent or empty."""
    if value is None or value == "":
        return None
    items = value if isinstance(value, (list, tuple, pydicom.multival.MultiValue)) else [value]
    return tuple(float(item) for item in items)


def _instance_number(ds: Dataset | LeanHeader) -> int | None:
    """(0020,0013) *Instance Number*; None when absent or not an integer (it only labels images)."""
    value = ds.get("InstanceNumber")
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _frame_count(path: Path, ds: Dataset | LeanHeader) -> int:
    """(0028,0008) *Number of Frames* (1 when absent); :class:`DicomError` when not an integer."""
    value = ds.get("NumberOfFrames")
    try:
        return int(value or 1)
    except (TypeError, ValueError) as exc:
        raise DicomError(f'{path}: "Number of Frames" (0028,0008) must be an integer, got {value!r}. '
                         "The file is corrupt; export it again.") from exc


def _frames_of(path: Path, ds: Dataset | LeanHeader, layout: PixelLayout | None = None) -> list[_Frame]:
    """One :class:`_Frame` per frame: (0020,0032)/(0020,0037) from Plane Position (0020,9113) /
    Plane Orientation (0020,9116), (0028,0030)/(0018,0050) from Pixel Measures (0028,9110),
    slope/intercept from Pixel Value Transformation (0028,9145); top level for single frames."""
    frames = []
    instance = _instance_number(ds)
    for index in range(_frame_count(path, ds)):
        spacing = _floats(dicom_header.frame_value(ds, index, "PixelMeasuresSequence", "PixelSpacing"))
        thickness = _floats(dicom_header.frame_value(ds, index, "PixelMeasuresSequence", "SliceThickness"))
        slope = _floats(dicom_header.frame_value(ds, index, "PixelValueTransformationSequence", "RescaleSlope"))
        intercept = _floats(dicom_header.frame_value(ds, index, "PixelValueTransformationSequence", "RescaleIntercept"))
        frames.append(_Frame(
            path=path, index=index, sop_uid=str(ds.get("SOPInstanceUID", "")),
            ipp=_floats(dicom_header.frame_value(ds, index, "PlanePositionSequence", "ImagePositionPatient")),
            iop=_floats(dicom_header.frame_value(ds, index, "PlaneOrientationSequence", "ImageOrientationPatient")),
            spacing=(spacing[0], spacing[1]) if spacing and len(spacing) == 2 else None,
            thickness=thickness[0] if thickness else None,
            slope=slope[0] if slope else 1.0, intercept=intercept[0] if intercept else 0.0, layout=layout,
            instance_number=instance))
    return frames


def _window_presets(ds: Dataset | LeanHeader) -> tuple[tuple[float, float], ...]:
    """Each distinct (0028,1050) *Window Center* / (0028,1051) *Window Width* pair (Frame VOI LUT
    (0028,9132) of frame 1 for Enhanced images)."""
    centers = _floats(dicom_header.frame_value(ds, 0, "FrameVOILUTSequence", "WindowCenter")) or ()
    widths = _floats(dicom_header.frame_value(ds, 0, "FrameVOILUTSequence", "WindowWidth")) or ()
    return tuple(dict.fromkeys(zip(centers, widths, strict=False)))  # distinct pairs, header order


def _check_one_series(headers: Sequence[Header]) -> None:
    """Same (0020,000E) *Series Instance UID*, (0028,0010) *Rows*, (0028,0011) *Columns* and
    (0028,0002) *Samples per Pixel* = 1, else :class:`MixedSeriesError` / :class:`DicomError`."""
    first_path, first, _ = headers[0]
    for path, ds, _ in headers:
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
    first = frames[0]  # vectorised np.allclose per frame: the first disagreeing frame is reported
    iop_ok = np.asarray(np.isclose(np.array([f.iop for f in frames], dtype=float), _orientation(first),
                                   atol=IOP_TOLERANCE).all(axis=1))
    if first.spacing is None:
        spacing_ok = np.array([f.spacing is None for f in frames])
    else:
        spacings = np.array([(np.nan, np.nan) if f.spacing is None else f.spacing for f in frames], dtype=float)
        spacing_ok = np.isclose(spacings, first.spacing, atol=SPACING_TOLERANCE_MM).all(axis=1)
    bad = np.flatnonzero(~(iop_ok & spacing_ok))
    if bad.size:
        frame = frames[int(bad[0])]
        if not iop_ok[bad[0]]:
            raise MixedSeriesError(
                f"Image Orientation (Patient) (0020,0037) differs: {first.path} {first.iop}, {frame.path} "
                f"{frame.iop}. Load one orientation (one stack) at a time.")
        raise MixedSeriesError(
            f"Pixel Spacing (0028,0030) differs: {first.path} {first.spacing}, {frame.path} "
            f"{frame.spacing}. Load one series at a time.")


_BUFFERS = threading.local()


def _thread_buffer(nbytes: int) -> np.ndarray:
    """A per-thread scratch buffer of ``nbytes`` bytes (no fresh pages for every slice)."""
    buffer = getattr(_BUFFERS, "array", None)
    if buffer is None or buffer.nbytes != nbytes:
        buffer = _BUFFERS.array = np.empty(nbytes, dtype=np.uint8)
    return buffer


def decode_slice(frame: _Frame, out: np.ndarray) -> bool:
    """Decode ``frame`` and write its rescaled values into the int16 slice ``out``; True when clipped.

    Raises
    ------
    UnsupportedTransferSyntaxError, DicomError
        When the pixels cannot be decoded (:func:`recist_app.imaging.decode.decode_frame`).
    """
    layout = frame.layout or dicom_header.layout_of(frame.path, Dataset(), None, None)
    bits = layout.bits_stored  # the fast path keeps values within Bits Stored (0028,0101)
    low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if layout.pixel_representation else (0, (1 << bits) - 1)
    shift = int(frame.intercept) if frame.slope == 1.0 and float(frame.intercept).is_integer() else None
    in_place = (shift is not None and layout.bits_allocated == 16
                and high <= INT16_MAX and low + shift >= INT16_MIN and high + shift <= INT16_MAX)
    try:
        # In place: the stored 16-bit values are read or decoded straight into the volume slice (its
        # int16 bits equal them, as 0 ≤ value ≤ 32767 or the data are signed), then shifted in int16.
        buffer = out if in_place else _thread_buffer(out.size * layout.dtype.itemsize)
        raw = pixel_decode.decode_fast(layout, frame.index, buffer)
    except dicom_header.FastPathUnavailable:
        return _rescale_into(pixel_decode.decode_pydicom(layout.path, frame.index), frame, out)
    if in_place and raw.ctypes.data == out.ctypes.data:  # (a frame of another size went elsewhere)
        if shift:
            np.add(out, np.int16(shift), out=out)  # exact: no sum leaves int16 (bounds checked)
        return False
    return _rescale_into(raw, frame, out, (low, high))


def _rescale_into(raw: np.ndarray, frame: _Frame, out: np.ndarray, bounds: tuple[int, int] | None = None) -> bool:
    """Write ``raw * slope + intercept`` into the int16 slice ``out``; True when clipped.

    Integer path when slope is 1 and the intercept integral (no temporary when nothing clips;
    ``bounds`` are known limits of ``raw``, else min/max are computed); else float64 for this one
    slice.
    """
    if raw.shape != out.shape:
        raise DicomError(f"{frame.path}: decoded frame is {raw.shape}, expected {out.shape}.")
    if frame.slope == 1.0 and float(frame.intercept).is_integer():
        shift = int(frame.intercept)
        if raw.dtype.kind in "iu" and raw.dtype.itemsize <= 2 and raw.size:
            low, high = bounds if bounds is not None else (int(raw.min()), int(raw.max()))
            if low + shift >= INT16_MIN and high + shift <= INT16_MAX and INT16_MIN <= shift <= INT16_MAX:
                if raw.dtype.itemsize == 2 and raw.dtype.isnative and high <= INT16_MAX:
                    np.add(raw.view(np.int16), np.int16(shift), out=out)  # exact: no sum leaves int16
                else:
                    np.add(raw, np.int32(shift), out=out, casting="unsafe")
                return False
        values = raw.astype(np.int32) + shift
    else:
        values = np.rint(raw * frame.slope + frame.intercept)
    clipped = bool(values.min() < INT16_MIN or values.max() > INT16_MAX)
    np.clip(values, INT16_MIN, INT16_MAX, out=values)
    out[...] = values
    return clipped


def _findings(frames: Sequence[_Frame], positions: np.ndarray, iop: tuple[float, ...],
              clipped: bool) -> list[Finding]:
    """GANTRY_TILT, UNEVEN_SPACING, MISSING_SLICES, VARYING_THICKNESS, UNCALIBRATED, HU_CLIPPED."""
    found: list[Finding] = []
    tilt = geometry.tilt_degrees(iop, positions)
    if tilt > TILT_REPORT_DEGREES:
        found.append(Finding(vol.GANTRY_TILT, f"slice positions lean {tilt:.1f}° off the slice normal (sheared "
                             "stack); per-slice positions are kept so mm stay right"))
    gaps = geometry.slice_gaps(positions, iop)
    if not geometry.is_uniform(gaps):
        found.append(Finding(vol.UNEVEN_SPACING, f"slice gaps along the normal range {gaps.min():.2f}–"
                             f"{gaps.max():.2f} mm; the affine is approximate, per-slice positions are exact"))
    thick = np.array([np.nan if f.thickness is None else f.thickness for f in frames])
    missing = geometry.missing_slice_gaps(gaps, expected=np.fmax(thick[:-1], thick[1:]))
    if missing.size:
        found.append(Finding(vol.MISSING_SLICES, f"{missing.size} gap(s) > {geometry.MISSING_GAP_FACTOR} × median "
                             f"{np.median(gaps):.2f} mm, after slice(s) {', '.join(str(i) for i in missing[:10])}"))
    thicknesses = {frame.thickness for frame in frames}
    if len(thicknesses) > 1:
        found.append(Finding(vol.VARYING_THICKNESS, "Slice Thickness (0018,0050) takes values "
                             f"{sorted(t for t in thicknesses if t is not None)} mm"))
    if frames[0].spacing is None:
        found.append(Finding(vol.UNCALIBRATED, "no Pixel Spacing (0028,0030); the image has no millimetres"))
    if clipped:
        found.append(Finding(vol.HU_CLIPPED, "rescaled values outside the int16 range were clipped"))
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


def _position(frame: _Frame) -> tuple[float, ...]:
    """Image Position (Patient) (0020,0032) of a frame :func:`_check_geometry` accepted."""
    assert frame.ipp is not None
    return frame.ipp


def _orientation(frame: _Frame) -> tuple[float, ...]:
    """Image Orientation (Patient) (0020,0037) of a frame :func:`_check_geometry` accepted."""
    assert frame.iop is not None
    return frame.iop


def _sorted_frames(headers: Sequence[Header]) -> tuple[list[_Frame], np.ndarray]:
    """Frames sorted along the normal and their positions; refuses two slices at one position."""
    frames = [frame for path, ds, layout in headers for frame in _frames_of(path, ds, layout)]
    _check_geometry(frames)
    iop = _orientation(frames[0])
    order = geometry.sort_positions(np.array([_position(frame) for frame in frames], dtype=np.float64), iop)
    frames = [frames[i] for i in order]
    positions = np.array([_position(frame) for frame in frames], dtype=np.float64)
    gaps = geometry.slice_gaps(positions, iop)
    if gaps.size and gaps.min() < geometry.SAME_POSITION_MM:
        k = int(np.argmin(gaps))
        raise MixedSeriesError(
            f"{frames[k].path} and {frames[k + 1].path} lie at the same position {positions[k].tolist()}: "
            "two stacks in one series. Split the series before loading.")
    return frames, positions


@dataclass(frozen=True)
class SeriesPlan:
    """A checked series before decoding: frames sorted along the normal and the first header."""

    frames: tuple[_Frame, ...]
    positions: np.ndarray
    first: Dataset | LeanHeader
    rows: int
    columns: int


def plan_series(headers: Sequence[Header]) -> SeriesPlan:
    """Check the headers of one series and sort its frames (no pixel is read).

    Raises
    ------
    NotDicomError, MixedSeriesError, MissingGeometryError, DicomError
    """
    if not headers:
        raise NotDicomError("No DICOM file was given. Select the files (or folder) of one series.")
    _check_one_series(headers)
    frames, positions = _sorted_frames(headers)
    first = headers[0][1]
    return SeriesPlan(tuple(frames), positions, first, int(first.Rows), int(first.Columns))


def build_volume(plan: SeriesPlan, hu: np.ndarray, clipped: bool) -> CtVolume:
    """The :class:`CtVolume` of ``plan`` around the filled int16 array ``hu`` (made read-only)."""
    frames, positions, first_ds = list(plan.frames), plan.positions, plan.first
    hu.flags.writeable = False
    iop = _orientation(frames[0])
    return CtVolume(
        hu=hu, slice_positions=positions, iop=iop, pixel_spacing=frames[0].spacing,
        affine=_affine(frames[0], positions, iop),
        frame_of_reference_uid=first_ds.get("FrameOfReferenceUID") or None,
        series_uid=str(first_ds.get("SeriesInstanceUID", "")), study_uid=first_ds.get("StudyInstanceUID") or None,
        sop_uids=tuple(frame.sop_uid for frame in frames), frame_numbers=tuple(f.index + 1 for f in frames),
        instance_numbers=tuple(frame.instance_number for frame in frames),
        window_presets=_window_presets(first_ds), slice_thicknesses_mm=tuple(f.thickness for f in frames),
        findings=tuple(_findings(frames, positions, iop, clipped)))
