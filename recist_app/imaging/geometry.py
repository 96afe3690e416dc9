"""Pixel ↔ patient geometry: THE ONLY module that knows the conventions (ARCHITECTURE C5).

Conventions, stated once and used everywhere:

- **DICOM index** ``(col, row, k)``: ``col`` counts columns (left → right on screen), ``row``
  counts rows (top → bottom), ``k`` counts slices in the order of the volume (ascending along
  the slice normal). The integer sits at the pixel **centre**: ``(0, 0)`` is the centre of the
  first transmitted pixel.
- **Patient coordinates**: DICOM LPS, in millimetres (+x towards the patient's Left, +y towards
  Posterior, +z towards Superior/head).
- **(0020,0037) Image Orientation (Patient)**: six direction cosines, first the **row**
  direction (the direction of increasing ``col``), then the **column** direction (the direction
  of increasing ``row``).
- **(0020,0032) Image Position (Patient)**: the centre of the first transmitted pixel
  (index ``(0, 0)``) of that slice, in LPS mm.
- **(0028,0030) Pixel Spacing**: ``[row spacing, column spacing]``; the row spacing is the
  distance between the centres of adjacent rows (i.e. measured along a column, used with
  ``row``), the column spacing the distance between adjacent columns (used with ``col``).

So, on slice ``k`` with position ``P_k``::

    X(col, row, k) = P_k + col * column_spacing * row_dir + row * row_spacing * col_dir

The per-slice form above is exact for gantry tilt (sheared stacks) and uneven spacing; the 4×4
affine of :func:`affine_from` is exact only when the slice step is uniform.

- **pyqtgraph item coordinates** ``(x, y)``: ``ImageItem`` puts the integer at the pixel
  **corner** (pixel ``(col, row)`` covers ``[col, col + 1) × [row, row + 1)``), so the pixel
  centre is at ``+0.5``. Use :func:`item_to_index` / :func:`index_to_item`, never ad-hoc offsets.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Two positions closer than this along the normal are the same slice (mm).
SAME_POSITION_MM = 1e-3
#: Relative tolerance under which slice gaps count as uniform.
UNIFORM_REL_TOL = 0.01
#: A gap larger than this multiple of the median gap means slices are missing.
MISSING_GAP_FACTOR = 1.5

Float3 = NDArray[np.float64]


def _directions(iop: ArrayLike) -> tuple[Float3, Float3]:
    """Row and column direction cosines of (0020,0037) *Image Orientation (Patient)*."""
    values = np.asarray(iop, dtype=np.float64).reshape(-1)
    if values.shape != (6,):
        raise ValueError(f'Argument "iop" must hold 6 direction cosines, got {values.size}.')
    return values[:3], values[3:]


def slice_normal(iop: ArrayLike) -> Float3:
    """Unit normal of the image plane: row direction × column direction of (0020,0037)."""
    row_dir, col_dir = _directions(iop)
    normal = np.cross(row_dir, col_dir)
    norm = float(np.linalg.norm(normal))
    if norm < 1e-6:
        raise ValueError(f'Argument "iop" must hold two non-parallel directions, got {np.asarray(iop).tolist()}.')
    return normal / norm


def sort_positions(positions: ArrayLike, iop: ArrayLike) -> NDArray[np.intp]:
    """Order that sorts slices by the projection of (0020,0032) on the slice normal (ascending).

    Never sort by file name or (0020,0013) *Instance Number*; ties keep their input order.
    """
    along = np.asarray(positions, dtype=np.float64).reshape(-1, 3) @ slice_normal(iop)
    return np.argsort(along, kind="stable")


def slice_gaps(positions: ArrayLike, iop: ArrayLike) -> NDArray[np.float64]:
    """Distances (mm) along the normal between consecutive positions (already sorted)."""
    along = np.asarray(positions, dtype=np.float64).reshape(-1, 3) @ slice_normal(iop)
    return np.diff(along)


def is_uniform(gaps: ArrayLike, rel_tol: float = UNIFORM_REL_TOL) -> bool:
    """True when every gap is within ``rel_tol`` of the median gap (or there are < 2 gaps)."""
    values = np.asarray(gaps, dtype=np.float64)
    if values.size < 2:
        return True
    median = float(np.median(values))
    return bool(np.all(np.abs(values - median) <= rel_tol * abs(median)))


def missing_slice_gaps(gaps: ArrayLike, factor: float = MISSING_GAP_FACTOR,
                       expected: ArrayLike | None = None) -> NDArray[np.intp]:
    """Indices ``i`` of gaps (between slices ``i`` and ``i + 1``) larger than ``factor`` × median.

    ``expected`` (one value per gap, e.g. the (0018,0050) *Slice Thickness* of the thicker
    neighbour) raises the bar where a stack changes reconstruction, so thick slices are not
    mistaken for missing ones.
    """
    values = np.asarray(gaps, dtype=np.float64)
    if values.size == 0:
        return np.zeros(0, dtype=np.intp)
    bar = np.full(values.shape, float(np.median(values)))
    if expected is not None:
        bar = np.maximum(bar, np.nan_to_num(np.asarray(expected, dtype=np.float64)))
    return np.flatnonzero(values > factor * bar)


def tilt_degrees(iop: ArrayLike, positions: ArrayLike) -> float:
    """Angle (degrees) between the slice normal and the line through the first and last positions.

    Zero for a straight stack; about the gantry tilt (0018,1120) for a sheared CT stack.
    """
    points = np.asarray(positions, dtype=np.float64).reshape(-1, 3)
    if len(points) < 2:
        return 0.0
    line = points[-1] - points[0]
    length = float(np.linalg.norm(line))
    if length < SAME_POSITION_MM:
        return 0.0
    cosine = abs(float(line @ slice_normal(iop))) / length
    return float(np.degrees(np.arccos(min(1.0, cosine))))


def affine_from(iop: ArrayLike, first_ipp: ArrayLike, pixel_spacing: Sequence[float],
                slice_step: ArrayLike) -> NDArray[np.float64]:
    """4×4 matrix mapping ``(col, row, k, 1)`` to LPS mm ``(x, y, z, 1)``.

    Parameters
    ----------
    iop : array_like
        (0020,0037) *Image Orientation (Patient)*, row then column direction cosines.
    first_ipp : array_like
        (0020,0032) *Image Position (Patient)* of slice ``k = 0``.
    pixel_spacing : sequence of float
        (0028,0030) *Pixel Spacing*, ``[row spacing, column spacing]``.
    slice_step : array_like
        The vector (mm) from one slice position to the next; not necessarily along the normal
        (gantry tilt gives a sheared matrix). Exact only where this step is uniform.
    """
    row_dir, col_dir = _directions(iop)
    row_spacing, col_spacing = (float(v) for v in pixel_spacing)
    affine = np.eye(4)
    affine[:3, 0] = row_dir * col_spacing
    affine[:3, 1] = col_dir * row_spacing
    affine[:3, 2] = np.asarray(slice_step, dtype=np.float64).reshape(3)
    affine[:3, 3] = np.asarray(first_ipp, dtype=np.float64).reshape(3)
    return affine


def apply_affine(affine: ArrayLike, col: float, row: float, k: float) -> Float3:
    """LPS mm of index ``(col, row, k)`` through a 4×4 affine of :func:`affine_from`."""
    return (np.asarray(affine, dtype=np.float64) @ np.array([col, row, k, 1.0]))[:3]


def _position_at(positions: NDArray[np.float64], k: float) -> Float3:
    """Slice position at (possibly fractional) ``k``: linear between neighbours, extended at ends."""
    count = len(positions)
    if count == 1:
        if k != 0:
            raise ValueError(f'Argument "k" must be 0 for a single slice, got {k}.')
        return positions[0]
    low = int(np.clip(np.floor(k), 0, count - 2))
    return positions[low] + (k - low) * (positions[low + 1] - positions[low])


def index_to_patient(col: float, row: float, k: float, iop: ArrayLike, positions: ArrayLike,
                     pixel_spacing: Sequence[float]) -> Float3:
    """LPS mm of the DICOM index ``(col, row, k)`` using slice ``k``'s own (0020,0032).

    Exact for tilted (sheared) and unevenly spaced stacks; a fractional ``k`` interpolates
    linearly between the two neighbouring slice positions. See the module docstring for the
    conventions of (0020,0037) and (0028,0030).
    """
    row_dir, col_dir = _directions(iop)
    row_spacing, col_spacing = (float(v) for v in pixel_spacing)
    origin = _position_at(np.asarray(positions, dtype=np.float64).reshape(-1, 3), float(k))
    return origin + float(col) * col_spacing * row_dir + float(row) * row_spacing * col_dir


def patient_to_index(point: ArrayLike, iop: ArrayLike, positions: ArrayLike,
                     pixel_spacing: Sequence[float]) -> tuple[float, float, float]:
    """DICOM index ``(col, row, k)`` of an LPS point; inverse of :func:`index_to_patient`.

    ``k`` comes from the point's distance along the normal relative to the (sorted) slice
    positions, then ``col``/``row`` from its offset to the interpolated slice origin.
    """
    points = np.asarray(positions, dtype=np.float64).reshape(-1, 3)
    target = np.asarray(point, dtype=np.float64).reshape(3)
    normal = slice_normal(iop)
    along = points @ normal
    depth = float(target @ normal)
    if len(points) == 1:
        if abs(depth - along[0]) > SAME_POSITION_MM:
            raise ValueError(f"Point {target.tolist()} is {depth - along[0]:.3f} mm off the only slice.")
        k = 0.0
    else:
        low = int(np.clip(np.searchsorted(along, depth) - 1, 0, len(points) - 2))
        k = low + (depth - along[low]) / (along[low + 1] - along[low])
    offset = target - _position_at(points, k)
    row_dir, col_dir = _directions(iop)
    row_spacing, col_spacing = (float(v) for v in pixel_spacing)
    # Solve offset = a·row_dir + b·col_dir exactly (header cosines are rarely exactly orthonormal).
    basis = np.stack([row_dir, col_dir])
    a, b = np.linalg.solve(basis @ basis.T, basis @ offset)
    return float(a) / col_spacing, float(b) / row_spacing, float(k)


def distance_mm(p1: ArrayLike, p2: ArrayLike) -> float:
    """Euclidean distance (mm) between two LPS points."""
    return float(np.linalg.norm(np.asarray(p1, dtype=np.float64) - np.asarray(p2, dtype=np.float64)))


def item_to_index(x: float, y: float) -> tuple[float, float]:
    """pyqtgraph ``ImageItem`` coordinates → DICOM index ``(col, row)``: subtract 0.5.

    pyqtgraph puts the integer at the pixel corner (pixel ``(c, r)`` spans ``[c, c + 1)``), DICOM
    at the pixel centre, so the centre of pixel ``(c, r)`` is item ``(c + 0.5, r + 0.5)``.
    """
    return x - 0.5, y - 0.5


def index_to_item(col: float, row: float) -> tuple[float, float]:
    """DICOM index ``(col, row)`` (integer at the centre) → pyqtgraph item (corner): add 0.5."""
    return col + 0.5, row + 0.5
