"""HU statistics inside an elliptical region of one slice (VIEWER.md "Tools readers reach for").

The elliptical ROI of a PACS (OHIF / Weasis "Ellipse ROI"): mean, standard deviation, minimum and
maximum HU, pixel count and area. Pure numpy, no Qt: the slice view draws the ellipse and asks here
for the numbers (ARCHITECTURE C3).

Conventions (those of :mod:`recist_app.imaging.geometry`, C5):

- ``centre`` is a DICOM index ``(col, row)``: the integer sits at the pixel **centre**, so
  ``(0, 0)`` is the centre of the first transmitted pixel.
- ``semi_axes`` are ``(along columns, along rows)`` in pixels (index units); the ellipse is axis
  aligned in the image.
- A pixel belongs to the ROI when its **centre** lies inside the ellipse or on its boundary
  (``(dc / a)² + (dr / b)² ≤ 1``, to 1e-9); pixels outside the image are simply not there, so an
  ellipse that crosses the image edge is clipped to the image.
- (0028,0030) *Pixel Spacing* is ``(row spacing, column spacing)`` in mm. The area is that of
  the pixels counted (``count × row spacing × column spacing``), so it agrees with the count and
  with the clipping at the image edge; without Pixel Spacing there is no area in mm (None, C6).

An ellipse that holds no pixel centre (too thin, or off the image) is a normal state of an
interactive tool, not bad input (C8): it gives :class:`EmptyRoi`, not an exception. Bad
arguments (a non-integer or non-2-D slice, non-positive semi-axes, non-positive spacing) raise
``ValueError``.

Examples
--------
>>> import numpy as np
>>> hu = np.arange(25, dtype=np.int16).reshape(5, 5)
>>> stats = ellipse_stats(hu, (2, 2), (1, 1), (0.5, 0.5))
>>> stats.pixel_count, stats.mean_hu, stats.min_hu, stats.max_hu, stats.area_mm2
(5, 12.0, 7, 17, 1.25)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

#: Slack of the inside test, so a pixel centre exactly on the drawn boundary counts despite rounding.
BOUNDARY_TOLERANCE = 1e-9


@dataclass(frozen=True)
class RoiStats:
    """HU statistics of the pixels whose centres lie inside an ellipse (at least one pixel).

    Attributes
    ----------
    mean_hu : float
        Mean HU (float64 accumulation).
    sd_hu : float
        **Population** standard deviation of the HU (``ddof=0``, as OHIF and Weasis report it);
        0.0 for a single pixel.
    min_hu, max_hu : int
        Lowest and highest HU.
    pixel_count : int
        Number of pixels counted (≥ 1).
    area_mm2 : float or None
        ``pixel_count × row spacing × column spacing``; None when the image has no (0028,0030)
        *Pixel Spacing* (uncalibrated: no mm, C6).
    """

    mean_hu: float
    sd_hu: float
    min_hu: int
    max_hu: int
    pixel_count: int
    area_mm2: float | None


@dataclass(frozen=True)
class EmptyRoi:
    """An ellipse that holds no pixel centre of the image (too thin, or off the image).

    ``centre`` and ``semi_axes`` are the arguments given, so the caller can say which ellipse.
    """

    centre: tuple[float, float]
    semi_axes: tuple[float, float]
    pixel_count: int = 0


def ellipse_stats(hu_slice: NDArray[np.integer], centre: Sequence[float], semi_axes: Sequence[float],
                  pixel_spacing: Sequence[float] | None) -> RoiStats | EmptyRoi:
    """HU statistics inside the axis-aligned ellipse of ``centre`` and ``semi_axes`` on ``hu_slice``.

    Parameters
    ----------
    hu_slice : 2-D integer array (rows, columns)
        One slice in HU, e.g. ``CtVolume.hu[k]`` (int16). Never converted to float as a whole:
        only the pixels inside are.
    centre : (col, row)
        Centre of the ellipse as a DICOM index (integer = pixel centre).
    semi_axes : (columns, rows)
        Semi-axes in pixels along the columns (x) and the rows (y); both > 0.
    pixel_spacing : (row spacing, column spacing) in mm, or None
        (0028,0030) *Pixel Spacing*; None for an uncalibrated image (then ``area_mm2`` is None).

    Returns
    -------
    RoiStats or EmptyRoi
        The statistics, or :class:`EmptyRoi` when no pixel centre lies inside the ellipse.

    Raises
    ------
    ValueError
        When ``hu_slice`` is not a 2-D integer array, ``centre`` is not two finite numbers,
        ``semi_axes`` are not two finite numbers > 0, or ``pixel_spacing`` is not two finite
        numbers > 0.
    """
    hu = np.asarray(hu_slice)
    if hu.ndim != 2 or not np.issubdtype(hu.dtype, np.integer):
        raise ValueError(f'Argument "hu_slice" must be a 2-D integer array (rows, columns) of HU, got shape '
                         f"{hu.shape} of {hu.dtype}. Pass one slice, e.g. volume.hu[k].")
    cx, cy = _pair("centre", centre, positive=False)
    a, b = _pair("semi_axes", semi_axes, positive=True)
    spacing = None if pixel_spacing is None else _pair("pixel_spacing", pixel_spacing, positive=True)
    rows, cols = hu.shape
    col0 = max(math.ceil(cx - a - BOUNDARY_TOLERANCE), 0)
    col1 = min(math.floor(cx + a + BOUNDARY_TOLERANCE), cols - 1)
    row0 = max(math.ceil(cy - b - BOUNDARY_TOLERANCE), 0)
    row1 = min(math.floor(cy + b + BOUNDARY_TOLERANCE), rows - 1)
    if col0 > col1 or row0 > row1:
        return EmptyRoi((cx, cy), (a, b))
    dc = (np.arange(col0, col1 + 1, dtype=np.float64) - cx) / a
    dr = (np.arange(row0, row1 + 1, dtype=np.float64) - cy) / b
    inside = dr[:, None] ** 2 + dc[None, :] ** 2 <= 1.0 + BOUNDARY_TOLERANCE
    values = hu[row0:row1 + 1, col0:col1 + 1][inside]
    if values.size == 0:
        return EmptyRoi((cx, cy), (a, b))
    as_float = values.astype(np.float64)
    mean = float(as_float.mean())
    sd = float(np.sqrt(np.mean((as_float - mean) ** 2)))
    count = int(values.size)
    area = None if spacing is None else count * spacing[0] * spacing[1]
    return RoiStats(mean, sd, int(values.min()), int(values.max()), count, area)


def _pair(name: str, value: Sequence[float], positive: bool) -> tuple[float, float]:
    """Two finite floats (> 0 when ``positive``), else ``ValueError`` naming the argument."""
    try:
        first, second = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f'Argument "{name}" must be two numbers, got {value!r}.') from None
    if not (math.isfinite(first) and math.isfinite(second)) or (positive and not (first > 0 and second > 0)):
        wanted = "two finite numbers > 0" if positive else "two finite numbers"
        raise ValueError(f'Argument "{name}" must be {wanted}, got {value!r}.')
    return first, second
