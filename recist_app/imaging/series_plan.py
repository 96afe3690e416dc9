"""Load one CT series (single-frame files or Enhanced multi-frame CT) into a :class:`CtVolume`.

Slices are sorted by projecting (0020,0032) *Image Position (Patient)* on the normal of
(0020,0037) *Image Orientation (Patient)* (never by file name or Instance Number), decoded one
by one (:mod:`recist_app.imaging.decode`: a fast path bit-identical to pydicom, else pydicom's
plugins) into one preallocated int16 array with (0028,1053) *Rescale Slope* / (0028,1052)
*Rescale Intercept* applied (:mod:`recist_app.imaging.rescale`). The decoding runs in
:class:`recist_app.imaging.load.SeriesLoad` (middle slice first, the rest in 2 threads). All pixel ↔
patient conventions live in :mod:`recist_app.imaging.geometry`.

Every header value used is checked before anything is allocated
(:mod:`recist_app.imaging.header_checks`): the pixel description against the length of (7FE0,0010)
*Pixel Data*, rescale, position and orientation against plausible ranges (else a typed error naming
the file and the value); an implausible (0028,0030) *Pixel Spacing* makes the image uncalibrated and
an implausible (0018,0050) *Slice Thickness* is ignored, each with a finding; never a calibrated lie.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.dataset import Dataset

from assessment.domain import Finding
from recist_app.imaging import geometry, rescale
from recist_app.imaging import header as dicom_header
from recist_app.imaging import header_checks as checks
from recist_app.imaging import volume as vol
from recist_app.imaging.errors import (
    InvalidHeaderError,
    MissingGeometryError,
    MixedSeriesError,
    NotDicomError,
)
from recist_app.imaging.header import LeanHeader, PixelLayout
from recist_app.imaging.header_checks import HeaderProblem
from recist_app.imaging.volume import CtVolume

#: Direction cosines of two slices may differ by this much and still be one series.
IOP_TOLERANCE = 1e-3
#: Pixel spacings (mm) may differ by this much and still be one series.
SPACING_TOLERANCE_MM = 1e-3
#: A stack whose positions lean more than this (degrees) off the normal is reported as tilted.
TILT_REPORT_DEGREES = 0.1


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
    #: Implausible (0028,0030) / (0018,0050) values that were dropped (``spacing`` / ``thickness`` None).
    problems: tuple[HeaderProblem, ...] = ()


#: One file of a series: its path, header (no pixels; lean or pydicom) and where its pixels are.
Header = tuple[Path, Dataset | LeanHeader, PixelLayout]


def read_headers(paths: Sequence[Path]) -> list[Header]:
    """(path, header, :class:`PixelLayout`) of each file, one read each: the lean parser
    (:func:`recist_app.imaging.header.read_lean_header`) where it applies, else pydicom. The pixel
    description of each image is checked against its (7FE0,0010) *Pixel Data* length here, before
    anything is allocated (:func:`recist_app.imaging.header_checks.pixel_data_problem`).

    Raises
    ------
    NotDicomError
        When a file is not readable DICOM.
    InvalidHeaderError
        When Rows, Columns, Bits Allocated/Stored, Pixel Representation or Number of Frames are
        implausible or disagree with the length of the pixel data or the Per-frame Functional Groups.
    MixedSeriesError
        When a multi-frame file has no Per-frame Functional Groups (no position per frame).
    """
    headers: list[Header] = []
    for path in (Path(path) for path in paths):
        ds, layout = dicom_header.read_header(path, lean=True)
        if "Rows" in ds and "Columns" in ds:  # not an image: _check_one_series says so
            count = _frame_count(path, ds)
            size = path.stat().st_size if layout.value_offset is not None and layout.value_length is None else None
            problem = checks.pixel_data_problem(layout, size)
            if problem is not None:
                checks.raise_problem(path, problem)
            _frame_groups(path, ds, count)
        headers.append((path, ds, layout))
    return headers


def _floats(value: Any) -> tuple[float, ...] | None:
    """A DS/FD value (single or multi-valued) as a tuple of float, None when absent or empty.

    Raises ValueError or TypeError when a value is not a number (:func:`_numbers` names it)."""
    if value is None or value == "":
        return None
    items = value if isinstance(value, (list, tuple, pydicom.multival.MultiValue)) else [value]
    return tuple(float(item) for item in items)


def _numbers(path: Path, frame: int | None, attribute: str, value: Any) -> tuple[float, ...] | None:
    """:func:`_floats` of ``attribute``; :class:`InvalidHeaderError` naming file, attribute and value
    when one is not a number."""
    try:
        return _floats(value)
    except (TypeError, ValueError) as exc:
        where = f"{path}" + (f" (frame {frame + 1})" if frame is not None else "")
        raise InvalidHeaderError(f"{where}: {attribute} is {str(value)[:80]!r}, not a number. The file is corrupt; "
                                 "export the series again from its source.", path=path, attribute=attribute,
                                 value=value) from exc


def _instance_number(ds: Dataset | LeanHeader) -> int | None:
    """(0020,0013) *Instance Number*; None when absent or not an integer (it only labels images)."""
    value = ds.get("InstanceNumber")
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _frame_count(path: Path, ds: Dataset | LeanHeader) -> int:
    """(0028,0008) *Number of Frames* (1 when absent or 0); :class:`InvalidHeaderError` when not a
    whole number (its range is checked by :func:`recist_app.imaging.header_checks.pixel_data_problem`)."""
    value = ds.get("NumberOfFrames")
    try:
        return int(value or 1)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidHeaderError(f"{path}: Number of Frames (0028,0008) is {str(value)[:40]!r}, not a whole number. "
                                 "The file is corrupt; export it again.", path=path,
                                 attribute="Number of Frames (0028,0008)", value=value) from exc


def _frame_groups(path: Path, ds: Dataset | LeanHeader, count: int) -> None:
    """A multi-frame file needs one (5200,9230) *Per-frame Functional Groups* item per frame: without
    them every frame lies at the one top-level (0020,0032), which is no volume."""
    per_frame = ds.get("PerFrameFunctionalGroupsSequence")
    if count > 1 and per_frame is None:
        raise MixedSeriesError(f"{path} holds {count:,} frames (Number of Frames (0028,0008)) without Per-frame "
                               "Functional Groups (5200,9230), so they all lie at one Image Position (Patient) "
                               "(0020,0032). It cannot be loaded as a volume.")
    if per_frame is not None and len(per_frame) != count:
        raise InvalidHeaderError(f"{path}: Number of Frames (0028,0008) is {count:,}, but Per-frame Functional "
                                 f"Groups (5200,9230) describe {len(per_frame):,} frames. The file is corrupt; export "
                                 "it again.",
                                 path=path, attribute="Number of Frames (0028,0008)", value=count)


#: What :func:`_frames_of` reads per frame: name → (functional group sequence, keyword, attribute as shown).
_FRAME_VALUES = {
    "spacing": ("PixelMeasuresSequence", "PixelSpacing", "Pixel Spacing (0028,0030)"),
    "thickness": ("PixelMeasuresSequence", "SliceThickness", "Slice Thickness (0018,0050)"),
    "slope": ("PixelValueTransformationSequence", "RescaleSlope", "Rescale Slope (0028,1053)"),
    "intercept": ("PixelValueTransformationSequence", "RescaleIntercept", "Rescale Intercept (0028,1052)"),
    "ipp": ("PlanePositionSequence", "ImagePositionPatient", "Image Position (Patient) (0020,0032)"),
    "iop": ("PlaneOrientationSequence", "ImageOrientationPatient", "Image Orientation (Patient) (0020,0037)"),
}


def _frames_of(path: Path, ds: Dataset | LeanHeader, layout: PixelLayout | None = None) -> list[_Frame]:
    """One :class:`_Frame` per frame: (0020,0032)/(0020,0037) from Plane Position (0020,9113) /
    Plane Orientation (0020,9116), (0028,0030)/(0018,0050) from Pixel Measures (0028,9110),
    slope/intercept from Pixel Value Transformation (0028,9145); top level for single frames.

    Raises
    ------
    InvalidHeaderError, MissingGeometryError, MixedSeriesError
        When a value is not a number, or rescale, position or orientation are implausible
        (:mod:`recist_app.imaging.header_checks`); when the frames have no positions of their own.
    """
    frames = []
    instance = _instance_number(ds)
    count = _frame_count(path, ds)
    _frame_groups(path, ds, count)
    columns = {name: dicom_header.frame_values(ds, count, sequence, keyword)
               for name, (sequence, keyword, _) in _FRAME_VALUES.items()}
    for index in range(count):
        shown = index if count > 1 else None  # frame numbers are named for multi-frame files only
        v = {name: _numbers(path, shown, _FRAME_VALUES[name][2], values[index]) for name, values in columns.items()}
        slope, intercept = v["slope"][0] if v["slope"] else 1.0, v["intercept"][0] if v["intercept"] else 0.0
        ipp, iop, spacing, thickness = v["ipp"], v["iop"], v["spacing"], v["thickness"]
        for problem in (checks.rescale_problem(slope, intercept), ipp and checks.position_problem(ipp),
                        iop and checks.orientation_problem(iop)):
            if problem:
                checks.raise_problem(path, problem, None if shown is None else shown + 1)
        spacing_problem = spacing and checks.spacing_problem(spacing)
        thickness_problem = thickness and checks.thickness_problem(thickness[0])
        frames.append(_Frame(
            path=path, index=index, sop_uid=str(ds.get("SOPInstanceUID", "")), ipp=ipp, iop=iop,
            spacing=(spacing[0], spacing[1]) if spacing and not spacing_problem else None,
            thickness=thickness[0] if thickness and not thickness_problem else None,
            slope=slope, intercept=intercept, layout=layout, instance_number=instance,
            problems=tuple(p for p in (spacing_problem, thickness_problem) if p)))
    return frames


def _window_presets(ds: Dataset | LeanHeader) -> tuple[tuple[float, float], ...]:
    """Each distinct (0028,1050) *Window Center* / (0028,1051) *Window Width* pair (Frame VOI LUT
    (0028,9132) of frame 1 for Enhanced images); none when they are not finite numbers (they are
    only display presets)."""
    try:
        centers = _floats(dicom_header.frame_value(ds, 0, "FrameVOILUTSequence", "WindowCenter")) or ()
        widths = _floats(dicom_header.frame_value(ds, 0, "FrameVOILUTSequence", "WindowWidth")) or ()
    except (TypeError, ValueError):
        return ()
    pairs = [(c, w) for c, w in zip(centers, widths, strict=False) if np.isfinite(c) and np.isfinite(w) and w > 0]
    return tuple(dict.fromkeys(pairs))  # distinct pairs, header order


def _check_one_series(headers: Sequence[Header]) -> None:
    """Same (0020,000E) *Series Instance UID*, (0028,0010) *Rows*, (0028,0011) *Columns* and
    (0028,0002) *Samples per Pixel* = 1, else :class:`MixedSeriesError` / :class:`DicomError`."""
    first_path, first, _ = headers[0]
    for path, ds, layout in headers:
        if "Rows" not in ds or "Columns" not in ds:
            raise InvalidHeaderError(f"{path} is not an image (no Rows/Columns). Select image files only.", path=path,
                                     attribute="Rows (0028,0010)")
        if layout.samples_per_pixel != 1:
            raise InvalidHeaderError(f"{path} has {layout.samples_per_pixel} samples per pixel (0028,0002); a CT "
                                     "series needs 1.", path=path, attribute="Samples per Pixel (0028,0002)",
                                     value=layout.samples_per_pixel)
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


def decode_slice(frame: _Frame, out: np.ndarray) -> bool:
    """Decode ``frame`` and write its rescaled values into the int16 slice ``out``; True when clipped
    (:func:`recist_app.imaging.rescale.decode_into`).

    Raises
    ------
    UnsupportedTransferSyntaxError, InvalidHeaderError, NotEnoughMemoryError, DicomError
        When the pixels cannot be decoded (:func:`recist_app.imaging.decode.decode_frame`).
    """
    layout = frame.layout or dicom_header.layout_of(frame.path, Dataset(), None, None)
    return rescale.decode_into(layout, frame.index, frame.slope, frame.intercept, out)


def decode_file(header: Header) -> list[tuple[str, int, np.ndarray, bool]]:
    """Every frame of one file decoded into an int16 slice of its own, as :func:`decode_slice` would into the
    volume: (SOP Instance UID, frame index, slice, clipped). For a load that decodes the images of a series as
    they arrive, before the whole series can be checked and sorted (:class:`recist_app.imaging.load.SeriesLoad`
    takes them as ``predecoded``).

    Raises
    ------
    InvalidHeaderError, MissingGeometryError, MixedSeriesError, UnsupportedTransferSyntaxError, DicomError
    """
    path, ds, layout = header
    decoded = []
    for frame in _frames_of(path, ds, layout):
        out = np.empty((layout.rows, layout.columns), dtype=np.int16)
        decoded.append((frame.sop_uid, frame.index, out, decode_slice(frame, out)))
    return decoded


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
    dropped = {p.attribute: p.message for frame in frames for p in frame.problems}
    if frames[0].spacing is None:
        found.append(Finding(vol.UNCALIBRATED, dropped.get("Pixel Spacing (0028,0030)")
                             or "no Pixel Spacing (0028,0030); the image has no millimetres"))
    if "Slice Thickness (0018,0050)" in dropped:
        count = sum(any(p.attribute == "Slice Thickness (0018,0050)" for p in f.problems) for f in frames)
        found.append(Finding(vol.INVALID_SLICE_THICKNESS, f"{dropped['Slice Thickness (0018,0050)']} "
                             f"({count} slice(s))"))
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
    first, layout = headers[0][1], headers[0][2]
    return SeriesPlan(tuple(frames), positions, first, layout.rows, layout.columns)


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
