"""A :class:`~recist_app.imaging.volume.CtVolume` in patient coordinates (LPS mm) for tracking (issue 16): as a
SimpleITK image averaged over blocks (:func:`image_of`, for the alignment), and sampled at any points
(:func:`sample`, for the local refinement, reading the int16 volume in place).

SimpleITK indexes ``(x, y, z)`` = (column, row, slice), as the volume's affine does; its direction matrix holds
the row and column directions of (0020,0037) and the slice normal. A gantry-tilted stack is placed on the
orthogonal grid nearest to it (its slices along the normal, one mean step apart): alignment is coarse anyway.
Block means (not a smoothing pass, which costs SimpleITK about 20 s on 512² × 320) bring a CT to the few
millimetres a rigid alignment needs.
"""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk

from recist_app.imaging.errors import UncalibratedImageError
from recist_app.imaging.interpolate import trilinear
from recist_app.imaging.volume import CtVolume

#: HU below this are raised to it, and the image holds HU − AIR_HU: air is 0, so that the grid's outside (filled
#: with 0 when resampled) reads as air and intensity moments find the body.
AIR_HU = -1000.0


def axes_of(volume: CtVolume) -> tuple[np.ndarray, tuple[float, float, float]]:
    """The volume's direction matrix (columns: row direction, column direction, slice normal) and its spacing
    (column, row, slice step) in mm."""
    if volume.affine is None or volume.pixel_spacing is None:
        raise UncalibratedImageError(f"Series {volume.series_uid} has no Pixel Spacing (0028,0030): it cannot be "
                                     "aligned in millimetres.")
    row_dir, col_dir = np.asarray(volume.iop[:3], float), np.asarray(volume.iop[3:], float)
    normal = np.cross(row_dir, col_dir)
    if volume.shape[0] > 1:
        steps = np.diff(volume.slice_positions, axis=0) @ normal
        step = float(np.mean(steps))
    else:
        step = float(volume.slice_thickness_mm or 1.0)
    if step < 0:
        normal, step = -normal, -step
    row_spacing, column_spacing = volume.pixel_spacing
    return np.column_stack([row_dir, col_dir, normal]), (float(column_spacing), float(row_spacing), step or 1.0)


def image_of(volume: CtVolume, factors: tuple[int, int, int] = (1, 1, 1)) -> sitk.Image:
    """The volume as a float32 SimpleITK image of HU − :data:`AIR_HU` (air 0), each voxel the mean of
    ``factors`` = (slices, rows, columns) voxels (the last partial block of each axis dropped)."""
    fz, fy, fx = factors
    z, y, x = (size // factor * factor for size, factor in zip(volume.shape, factors, strict=True))
    hu = np.empty((z // fz, y // fy, x // fx), dtype=np.float32)
    for block in range(z // fz):  # a block of slices at a time: no float copy of the whole volume
        chunk = np.maximum(volume.hu[block * fz:(block + 1) * fz, :y, :x].astype(np.float32) - AIR_HU, 0.0)
        hu[block] = chunk.reshape(fz, y // fy, fy, x // fx, fx).mean(axis=(0, 2, 4))
    direction, (sx, sy, sz) = axes_of(volume)
    image = sitk.GetImageFromArray(hu)
    image.SetSpacing((sx * fx, sy * fy, sz * fz))
    image.SetDirection(tuple(direction.flatten()))
    first = volume.slice_positions[0] + direction @ np.array([(fx - 1) / 2 * sx, (fy - 1) / 2 * sy,
                                                             (fz - 1) / 2 * sz])
    image.SetOrigin(tuple(float(v) for v in first))
    return image


def block_factors(volume: CtVolume, target_mm: float) -> tuple[int, int, int]:
    """Block sizes (slices, rows, columns) bringing each axis near ``target_mm`` (at least 1)."""
    _direction, (sx, sy, sz) = axes_of(volume)
    return tuple(max(1, round(target_mm / spacing)) for spacing in (sz, sy, sx))  # type: ignore[return-value]


def sample(volume: CtVolume, points_mm: np.ndarray) -> np.ndarray:
    """HU of ``volume`` at ``points_mm`` (shape (…, 3), LPS mm), trilinear between voxel centres; air outside.
    Reads the int16 volume in place (no copy of it: memory stays that of the points)."""
    direction, spacing = axes_of(volume)
    index = ((points_mm - volume.slice_positions[0]) @ direction) / np.asarray(spacing)  # (col, row, k)
    return trilinear(volume.hu, index, AIR_HU)
