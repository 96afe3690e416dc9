"""Plausibility of the header values the loader uses, checked before any pixel is allocated or decoded.

Each check returns None when the value is usable, else a :class:`HeaderProblem` naming the DICOM
attribute (with its tag), the value found and, in plain words, why it cannot be used. The scan turns
problems into findings (:mod:`recist_app.imaging.scan_headers`); the loader raises them as
:class:`~recist_app.imaging.errors.InvalidHeaderError` or, for geometry,
:class:`~recist_app.imaging.errors.MissingGeometryError` (:func:`raise_problem`), or makes the image
uncalibrated (Pixel Spacing). A value that is merely odd but harmless is accepted.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np

from recist_app.imaging.errors import InvalidHeaderError, MissingGeometryError
from recist_app.imaging.header import MIN_ENCAPSULATED_FRAME_BYTES, PixelLayout

#: (0028,0008) *Number of Frames* above this is not a CT image (it is taken as corrupt).
MAX_FRAMES = 100_000
#: (0028,0100) *Bits Allocated* values pydicom decodes into an integer image.
BITS_ALLOCATED = (1, 8, 16, 32)
#: Largest plausible magnitude of (0028,1052) *Rescale Intercept* and (0028,1053) *Rescale Slope*.
MAX_RESCALE = 1e6
#: Largest plausible (0028,0030) *Pixel Spacing* and (0018,0050) *Slice Thickness*, in mm (a metre).
MAX_SPACING_MM = 1000.0
#: Largest plausible |coordinate| of (0020,0032) *Image Position (Patient)*, in mm (a kilometre).
MAX_POSITION_MM = 1e6
#: Direction cosines of (0020,0037) must be unit vectors and orthogonal within this.
ORIENTATION_TOLERANCE = 1e-2


@dataclass(frozen=True)
class HeaderProblem:
    """One unusable header value: ``attribute`` (name and tag), ``value`` as found, ``message`` (why)."""

    attribute: str
    value: object
    message: str


def pixel_data_problem(layout: PixelLayout, file_size: int | None = None) -> HeaderProblem | None:
    """First problem of (0028,0010) *Rows*, (0028,0011) *Columns*, (0028,0100) *Bits Allocated*,
    (0028,0101) *Bits Stored*, (0028,0103) *Pixel Representation* and (0028,0008) *Number of
    Frames*, the last checked against the length of (7FE0,0010) *Pixel Data*: native data must hold
    Number of Frames × the frame size (plus less than one frame of padding); encapsulated data of
    ``file_size`` bytes must have room for one item per frame."""
    for attribute, value in (("Rows (0028,0010)", layout.rows), ("Columns (0028,0011)", layout.columns)):
        if value < 1:
            return HeaderProblem(attribute, value, f"{attribute} is {value}: the image has no pixels")
    if layout.bits_allocated not in BITS_ALLOCATED:
        return HeaderProblem("Bits Allocated (0028,0100)", layout.bits_allocated,
                             f"Bits Allocated (0028,0100) is {layout.bits_allocated or 'missing or 0'}, "
                             "not 1, 8, 16 or 32")
    if not 1 <= layout.bits_stored <= layout.bits_allocated:
        return HeaderProblem("Bits Stored (0028,0101)", layout.bits_stored,
                             f"Bits Stored (0028,0101) is {layout.bits_stored or 'missing or 0'}, not 1 to "
                             f"{layout.bits_allocated} (Bits Allocated)")
    if layout.pixel_representation not in (0, 1):
        return HeaderProblem("Pixel Representation (0028,0103)", layout.pixel_representation,
                             f"Pixel Representation (0028,0103) is {layout.pixel_representation}, not 0 or 1")
    if not 1 <= layout.frames <= MAX_FRAMES:
        return HeaderProblem("Number of Frames (0028,0008)", layout.frames,
                             f"Number of Frames (0028,0008) is {layout.frames}, not a count from 1 to {MAX_FRAMES:,}")
    return _length_problem(layout, file_size)


def _length_problem(layout: PixelLayout, file_size: int | None) -> HeaderProblem | None:
    """Number of Frames × frame size against the (7FE0,0010) value length (see :func:`pixel_data_problem`)."""
    if layout.value_offset is None:
        return None  # deflated or unknown: pydicom checks the length when decoding
    size = layout.frame_bytes
    need = math.ceil(layout.frames * size)
    shape = (f"{layout.frames:,} frame(s) of {layout.rows} × {layout.columns} pixels at {layout.bits_allocated} bits "
             "(Number of Frames, Rows, Columns, Bits Allocated (0028,0008/0010/0011/0100))")
    if layout.value_length is not None:
        if layout.value_length < need:
            return HeaderProblem("Number of Frames (0028,0008)", layout.frames,
                                 f"{shape} need {need:,} bytes, but Pixel Data (7FE0,0010) holds "
                                 f"{layout.value_length:,}")
        if layout.value_length - need >= max(size, 2):
            return HeaderProblem("Number of Frames (0028,0008)", layout.frames,
                                 f"{shape} need {need:,} bytes, but Pixel Data (7FE0,0010) holds "
                                 f"{layout.value_length:,}: at least one frame more than the header says")
        return None
    if file_size is not None:
        items = max(file_size - layout.value_offset - 8, 0)  # 8: the Basic Offset Table item
        room = items // MIN_ENCAPSULATED_FRAME_BYTES
        if layout.frames > room:
            return HeaderProblem("Number of Frames (0028,0008)", layout.frames,
                                 f"Number of Frames (0028,0008) is {layout.frames:,}, but the "
                                 f"{file_size - layout.value_offset:,} bytes of encapsulated Pixel Data (7FE0,0010) "
                                 f"hold at most {room:,} frames")
    return None


def rescale_problem(slope: float, intercept: float) -> HeaderProblem | None:
    """(0028,1053) *Rescale Slope* must be finite and non-zero, (0028,1052) *Rescale Intercept*
    finite; both at most :data:`MAX_RESCALE` in size (else no Hounsfield unit is meaningful)."""
    if not (math.isfinite(slope) and slope != 0 and abs(slope) <= MAX_RESCALE):
        return HeaderProblem("Rescale Slope (0028,1053)", slope,
                             f"Rescale Slope (0028,1053) is {slope:g}, not a finite non-zero number up to "
                             f"{MAX_RESCALE:g} in size")
    if not (math.isfinite(intercept) and abs(intercept) <= MAX_RESCALE):
        return HeaderProblem("Rescale Intercept (0028,1052)", intercept,
                             f"Rescale Intercept (0028,1052) is {intercept:g}, not a finite number up to "
                             f"{MAX_RESCALE:g} in size")
    return None


def spacing_problem(spacing: Sequence[float]) -> HeaderProblem | None:
    """(0028,0030) *Pixel Spacing* must be two finite values in (0, :data:`MAX_SPACING_MM`] mm."""
    values = list(spacing)
    if len(values) != 2 or not all(math.isfinite(v) and 0 < v <= MAX_SPACING_MM for v in values):
        shown = "\\".join(f"{v:g}" for v in values)
        return HeaderProblem("Pixel Spacing (0028,0030)", tuple(values),
                             f"Pixel Spacing (0028,0030) is {shown}, not two sizes above 0 and up to "
                             f"{MAX_SPACING_MM:g} mm, so the image has no millimetres (uncalibrated)")
    return None


def thickness_problem(thickness: float) -> HeaderProblem | None:
    """(0018,0050) *Slice Thickness* must be finite, in (0, :data:`MAX_SPACING_MM`] mm."""
    if not (math.isfinite(thickness) and 0 < thickness <= MAX_SPACING_MM):
        return HeaderProblem("Slice Thickness (0018,0050)", thickness,
                             f"Slice Thickness (0018,0050) is {thickness:g}, not a size above 0 and up to "
                             f"{MAX_SPACING_MM:g} mm; it is ignored")
    return None


def position_problem(ipp: Sequence[float]) -> HeaderProblem | None:
    """(0020,0032) *Image Position (Patient)* must be three finite coordinates within
    :data:`MAX_POSITION_MM` mm of the origin."""
    values = list(ipp)
    if len(values) != 3 or not all(math.isfinite(v) and abs(v) <= MAX_POSITION_MM for v in values):
        return HeaderProblem("Image Position (Patient) (0020,0032)", tuple(values),
                             f"Image Position (Patient) (0020,0032) is {_shown(values)}, not three finite "
                             f"coordinates within {MAX_POSITION_MM:g} mm")
    return None


def orientation_problem(iop: Sequence[float]) -> HeaderProblem | None:
    """(0020,0037) *Image Orientation (Patient)* must be two orthogonal unit vectors (within
    :data:`ORIENTATION_TOLERANCE`): parallel or scaled cosines give no normal or wrong millimetres."""
    return _orientation_problem(tuple(float(v) for v in iop))


@functools.lru_cache(maxsize=64)
def _orientation_problem(values: tuple[float, ...]) -> HeaderProblem | None:
    """:func:`orientation_problem` of one value (cached: every slice of a series repeats it)."""
    attribute = "Image Orientation (Patient) (0020,0037)"
    if len(values) != 6 or not all(math.isfinite(v) for v in values):
        return HeaderProblem(attribute, tuple(values), f"{attribute} is {_shown(values)}, not six finite direction "
                             "cosines")
    row, col = np.array(values[:3]), np.array(values[3:])
    norms = (float(np.linalg.norm(row)), float(np.linalg.norm(col)))
    if max(abs(n - 1) for n in norms) > ORIENTATION_TOLERANCE:
        return HeaderProblem(attribute, tuple(values), f"{attribute} is {_shown(values)}: its direction cosines "
                             f"are not unit vectors (lengths {norms[0]:.3g} and {norms[1]:.3g})")
    if abs(float(row @ col)) > ORIENTATION_TOLERANCE:
        return HeaderProblem(attribute, tuple(values), f"{attribute} is {_shown(values)}: its row and column "
                             "directions are not perpendicular" + (" (they are parallel)" if abs(float(row @ col))
                                                                   > 1 - ORIENTATION_TOLERANCE else ""))
    return None


def _shown(values: Sequence[float]) -> str:
    """Values as DICOM writes a multi-valued DS (backslash-separated)."""
    return "\\".join(f"{v:g}" for v in values)


class ProblemLog:
    """Keeps a value that passes its check, else records ``(code, message)`` in ``problems`` (once
    per code) and gives None, so that no implausible number reaches a summary (used by the scan)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        self._seen: dict[tuple[str, tuple[float, ...]], HeaderProblem | None] = {}  # frames repeat values

    def __call__(self, value: tuple[float, ...] | None, check: Callable[[Any], HeaderProblem | None],
                 code: str) -> tuple[float, ...] | None:
        if value is None:
            return None
        key = (code, value)
        if key not in self._seen:
            self._seen[key] = check(value)
        problem = self._seen[key]
        if problem is None:
            return value
        if all(known != code for known, _ in self.problems):
            self.problems.append((code, problem.message))
        return None


def raise_problem(path: object, problem: HeaderProblem, frame: int | None = None, remedy: str = "") -> NoReturn:
    """Raise ``problem`` of ``path`` (1-based ``frame`` of a multi-frame file): geometry problems as
    :class:`MissingGeometryError`, the others as :class:`InvalidHeaderError`."""
    where = f"{path}" + (f" (frame {frame})" if frame is not None else "")
    text = f"{where}: {problem.message}. " + (remedy or "The file is corrupt; export the series again from its source.")
    if "(0020,003" in problem.attribute:
        raise MissingGeometryError(text)
    raise InvalidHeaderError(text, path=path, attribute=problem.attribute, value=problem.value)
