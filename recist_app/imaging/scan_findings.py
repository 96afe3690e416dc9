"""Per-series findings of the scan, as data (ARCHITECTURE C8): geometry of the frame stack and
header checks.

:func:`stack_geometry` orders the frames of one series along the slice normal and reports
GANTRY_TILT, UNEVEN_SPACING, MISSING_SLICES, DUPLICATE_POSITIONS, MIXED_ORIENTATION, LOCALIZER
and NO_GEOMETRY; :func:`header_findings` reports MIXED_SIZE, NON_CT, NO_PIXEL_SPACING,
NO_FRAME_OF_REFERENCE, UNSUPPORTED_TRANSFER_SYNTAX, INVALID_NUMBER_OF_FRAMES and the implausible
header values of :mod:`recist_app.imaging.scan_headers` (INVALID_PIXEL_DATA, INVALID_RESCALE,
INVALID_GEOMETRY, INVALID_PIXEL_SPACING, INVALID_SLICE_THICKNESS), each as the one
:class:`~assessment.domain.Finding` record (code and message). Frames, not files, are the unit: an
Enhanced multi-frame CT is checked like the classic series of its frames.
All pixel ↔ patient conventions live in :mod:`recist_app.imaging.geometry`.
"""

from __future__ import annotations

import functools
import itertools
import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pydicom.pixels import get_decoder
from pydicom.uid import UID

from assessment.domain import Finding
from recist_app.imaging import geometry
from recist_app.imaging.scan_headers import INVALID_PIXEL_SPACING, FileHeader, ImageFrame

__all__ = ["StackGeometry", "decoder_available", "header_findings", "stack_geometry"]

#: Tilt of the slice stack (angle between the slice normal and the line through the positions)
#: above which GANTRY_TILT is reported, in degrees.
TILT_TOLERANCE_DEG = 0.5
#: A step larger than this × the median step between slices is a gap (MISSING_SLICES).
GAP_FACTOR = geometry.MISSING_GAP_FACTOR
#: Positions closer than this along the normal (mm) are duplicates.
DUPLICATE_MM = geometry.SAME_POSITION_MM
#: Steps differing by more than max(this in mm, 1 % of the median) are UNEVEN_SPACING.
UNEVEN_MM = 0.05


@dataclass(frozen=True)
class StackGeometry:
    """The frames of one series along the slice normal.

    ``order`` lists frame indices: the main stack sorted along the normal of (0020,0037), then
    the rest (localizers, other orientations, frames without geometry) by Instance Number and
    frame. ``spacing_mm`` is the median step of (0020,0032) projected on that normal.
    """

    order: tuple[int, ...]
    spacing_mm: float | None
    orientation: tuple[float, ...] | None
    findings: tuple[Finding, ...]


@functools.cache
def decoder_available(transfer_syntax: str) -> bool:
    """True if an installed pixel decoder handles ``transfer_syntax`` (pydicom ``get_decoder``)."""
    try:
        return bool(get_decoder(UID(transfer_syntax)).is_available)
    except (NotImplementedError, ValueError):
        return False


def stack_geometry(frames: Sequence[ImageFrame]) -> StackGeometry:
    """Order along the normal, median step, main IOP and geometry findings of one series.

    The normal is row × column cosine of (0020,0037); each (0020,0032) is projected on it.
    Localizers ((0008,0008) contains LOCALIZER, or one lone frame of another orientation in a
    series of three or more) are reported and left out of the spacing checks.
    """
    findings: list[Finding] = []
    by_iop: dict[tuple[float, ...], list[int]] = defaultdict(list)
    scouts = [i for i, f in enumerate(frames) if "LOCALIZER" in f.image_type]
    for i, f in enumerate(frames):
        if i not in scouts and f.orientation is not None and f.position_mm is not None:
            by_iop[tuple(round(v, 3) for v in f.orientation)].append(i)
    groups = [group for _, group in sorted(by_iop.items(), key=lambda item: (-len(item[1]), item[0]))]
    if len(groups) == 2 and len(groups[1]) == 1 and len(frames) >= 3:
        scouts += groups.pop()
    if scouts:
        findings.append(Finding("LOCALIZER", f"{len(scouts)} localizer/scout image(s) in the series"))
    if len(groups) > 1:
        findings.append(Finding("MIXED_ORIENTATION", f"{len(groups)} different Image Orientation "
                                "(Patient) (0020,0037) values in the series"))
    main = groups[0] if groups else []
    if any(f.orientation is None or f.position_mm is None for f in frames):
        findings.append(Finding("NO_GEOMETRY", "Image Position/Orientation (Patient) (0020,0032/0037) "
                                "missing on some images"))
    unordered = StackGeometry(tuple(sorted(range(len(frames)), key=lambda i: _instance(frames[i]))),
                              None, None, tuple(findings))
    if not main:
        return unordered
    iop = frames[main[0]].orientation
    assert iop is not None  # main holds frames with geometry only
    try:
        normal = geometry.slice_normal(iop)
    except ValueError:  # degenerate cosines, e.g. all zero
        findings.append(Finding("NO_GEOMETRY", f"Image Orientation (Patient) (0020,0037) is degenerate: {iop}"))
        return StackGeometry(unordered.order, None, None, tuple(findings))
    positions = {i: frames[i].position_mm or () for i in main}  # main holds frames with geometry only
    depth = {i: float(normal @ np.asarray(positions[i])) for i in main}
    main.sort(key=lambda i: (depth[i], _instance(frames[i])))
    rest = sorted(set(range(len(frames))) - set(main), key=lambda i: _instance(frames[i]))
    pairs = [(depth[b] - depth[a], _thicker(frames[a], frames[b])) for a, b in itertools.pairwise(main)]
    duplicates = sum(step < DUPLICATE_MM for step, _ in pairs)
    if duplicates:
        findings.append(Finding("DUPLICATE_POSITIONS", f"{duplicates} image(s) share a position "
                                "along the slice normal with another"))
    pairs = [(step, thickness) for step, thickness in pairs if step >= DUPLICATE_MM]
    steps = [step for step, _ in pairs]
    spacing = statistics.median(steps) if steps else None
    if spacing is not None:
        # A step as wide as the thicker neighbour's slice is a change of reconstruction, not a gap.
        missing = set(geometry.missing_slice_gaps(steps, GAP_FACTOR, [t or 0.0 for _, t in pairs]).tolist())
        gaps = [step for i, step in enumerate(steps) if i in missing]
        regular = [step for i, step in enumerate(steps) if i not in missing]  # gaps are reported apart
        if max(regular) - min(regular) > max(UNEVEN_MM, 0.01 * spacing):
            findings.append(Finding("UNEVEN_SPACING", f"slice spacing varies from {min(steps):.2f} "
                                    f"to {max(steps):.2f} mm (median {spacing:.2f} mm)"))
        if gaps:
            findings.append(Finding("MISSING_SLICES", f"{len(gaps)} gap(s) > {GAP_FACTOR} × median "
                                    f"spacing {spacing:.2f} mm (largest {max(gaps):.2f} mm)"))
        tilt = geometry.tilt_degrees(iop, np.array([positions[main[0]], positions[main[-1]]]))
        header_tilt = max(abs(frames[i].gantry_tilt_deg) for i in main)
        if tilt > TILT_TOLERANCE_DEG or header_tilt > TILT_TOLERANCE_DEG:
            findings.append(Finding("GANTRY_TILT", f"slice stack tilted {tilt:.1f}° from the slice "
                                    f"normal (Gantry/Detector Tilt (0018,1120) {header_tilt:g}°)"))
    return StackGeometry(tuple(main + rest), spacing, iop, tuple(findings))


def header_findings(files: Sequence[FileHeader]) -> tuple[Finding, ...]:
    """Findings from the headers of one series (``files`` sorted by path; the first one's values
    stand for the series): size, modality, calibration, frame of reference, decoders, frames."""
    first = files[0].values
    findings = []
    if len({(header.frames[0].rows, header.frames[0].columns) for header in files}) > 1:
        findings.append(Finding("MIXED_SIZE", "Rows × Columns (0028,0010/0011) differ within the series"))
    if first.modality != "CT":
        findings.append(Finding("NON_CT", f"Modality (0008,0060) is {first.modality or 'missing'}, not CT"))
    problems = _problem_findings(files)
    if first.pixel_spacing is None and not any(f.code == INVALID_PIXEL_SPACING for f in problems):
        findings.append(Finding("NO_PIXEL_SPACING",
                                "Pixel Spacing (0028,0030) missing: uncalibrated, no mm measurement"))
    if first.frame_of_reference_uid is None:
        findings.append(Finding("NO_FRAME_OF_REFERENCE", "Frame of Reference UID (0020,0052) missing: "
                                "measurements cannot be tied to other series"))
    syntaxes = sorted({header.values.transfer_syntax for header in files})
    unsupported = [uid or "(missing)" for uid in syntaxes if not (uid and decoder_available(uid))]
    if unsupported:
        findings.append(Finding("UNSUPPORTED_TRANSFER_SYNTAX", "no installed pixel decoder for "
                                f"transfer syntax {', '.join(unsupported)}"))
    invalid = [header.invalid_frame_count for header in files if header.invalid_frame_count is not None]
    if invalid:
        findings.append(Finding("INVALID_NUMBER_OF_FRAMES", f"Number of Frames (0028,0008) is not a usable "
                                f"count in {len(invalid)} file(s) (e.g. {invalid[0]!r}); each counted as one "
                                "frame, such files cannot be loaded"))
    return tuple(findings) + problems


def _problem_findings(files: Sequence[FileHeader]) -> tuple[Finding, ...]:
    """One finding per code of the files' implausible header values: the first file's message,
    naming it, and how many other files share the problem."""
    by_code: dict[str, list[tuple[FileHeader, str]]] = defaultdict(list)
    for header in files:
        for code, message in header.problems:
            by_code[code].append((header, message))
    findings = []
    for code, found in by_code.items():
        header, message = found[0]
        more = f" (and {len(found) - 1} more file(s))" if len(found) > 1 else ""
        findings.append(Finding(code, f"{header.path.name}: {message}{more}"))
    return tuple(findings)


def _thicker(a: ImageFrame, b: ImageFrame) -> float | None:
    """The larger (0018,0050) Slice Thickness of two neighbours, when either has one."""
    known = [t for t in (a.thickness_mm, b.thickness_mm) if t is not None]
    return max(known) if known else None


def _instance(frame: ImageFrame) -> tuple[float, int]:
    """Sort key: (0020,0013) Instance Number (missing last), then the frame index."""
    return (frame.instance_number if frame.instance_number is not None else math.inf, frame.frame_index)
