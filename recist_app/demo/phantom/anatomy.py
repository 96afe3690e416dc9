"""Rasterise one slice of the synthetic chest phantom in Hounsfield units (numpy only).

Coordinates here are *image-plane millimetres*: ``a`` along the row direction (column index
× column spacing), ``b`` along the column direction (row index × row spacing), ``z`` along the
slice normal (slice index × slice spacing), all measured from the first pixel of the first
slice, pixel centres at integer indices (DICOM PS3.3 C.7.6.2.1.1). ``recist_app.demo.phantom.spec``
converts lesion centres from patient LPS into this frame.
"""

from __future__ import annotations

import math

import numpy as np

AIR_HU = -1000.0
FAT_HU = -100.0
SOFT_TISSUE_HU = 40.0
LUNG_HU = -850.0
LIVER_HU = 60.0
BONE_HU = 700.0
BLOOD_HU = 45.0
NODE_HU = 40.0

# (u, v) centre and semi-axes in mm, relative to the image centre; +u patient left and +v
# posterior for an axial slice.  Chosen to fit a 400 mm field of view.
_BODY = (0.0, 0.0, 170.0, 120.0)
_MUSCLE = (0.0, 0.0, 160.0, 110.0)
_LUNGS = ((-80.0, 0.0, 55.0, 85.0), (80.0, 0.0, 55.0, 85.0))
_MEDIASTINUM = (0.0, 5.0, 26.0, 60.0)
_HEART = (10.0, -35.0, 38.0, 38.0)
_AORTA = (25.0, 50.0, 12.0, 12.0)
_SPINE = (0.0, 78.0, 17.0, 16.0)
_SPINOUS = (0.0, 105.0, 5.0, 12.0)
_LIVER = (-65.0, 10.0, 90.0, 80.0)
_NORMAL_NODES = ((-12.0, -5.0, 4.0, 3.0), (12.0, 15.0, 3.5, 3.0), (-15.0, 45.0, 4.0, 3.5))


def fill_ellipse(image: np.ndarray, spacing_mm: tuple[float, float], centre_ab: tuple[float, float],
                 semi_mm: tuple[float, float], angle_deg: float, value: float) -> None:
    """Set the pixels whose centres lie in a rotated ellipse to ``value`` (in place).

    Parameters
    ----------
    image : numpy.ndarray
        Slice ``(rows, columns)`` in HU.
    spacing_mm : tuple of float
        Pixel Spacing (0028,0030): (row spacing, column spacing).
    centre_ab : tuple of float
        Centre in image-plane mm ``(a, b)``.
    semi_mm : tuple of float
        Semi-axes along the rotated ``a`` and ``b`` axes.
    angle_deg : float
        Rotation of the first semi-axis from the row direction toward the column direction.
    value : float
        HU written inside.
    """
    row_mm, col_mm = spacing_mm
    (ca, cb), (sa, sb) = centre_ab, semi_mm
    if sa <= 0 or sb <= 0:
        return
    reach = max(sa, sb)
    i0, i1 = max(0, math.floor((ca - reach) / col_mm)), min(image.shape[1] - 1, math.ceil((ca + reach) / col_mm))
    j0, j1 = max(0, math.floor((cb - reach) / row_mm)), min(image.shape[0] - 1, math.ceil((cb + reach) / row_mm))
    if i0 > i1 or j0 > j1:
        return
    a = np.arange(i0, i1 + 1, dtype=np.float64) * col_mm - ca
    b = (np.arange(j0, j1 + 1, dtype=np.float64) * row_mm - cb)[:, None]
    cos, sin = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    x = (a * cos + b * sin) / sa
    y = (b * cos - a * sin) / sb
    image[j0:j1 + 1, i0:i1 + 1][x * x + y * y <= 1.0 + 1e-9] = value


def chest_slice(shape: tuple[int, int], spacing_mm: tuple[float, float], t: float) -> np.ndarray:
    """Return the noise-free anatomy of one axial-like slice, float32 HU.

    Parameters
    ----------
    shape : tuple of int
        Rows (0028,0010) and Columns (0028,0011).
    spacing_mm : tuple of float
        Pixel Spacing (0028,0030): (row spacing, column spacing).
    t : float
        Position along the slice normal, −1 at the first (inferior) slice and +1 at the last:
        lungs fill the upper part, the liver dome the lower part.
    """
    rows, cols = shape
    centre = ((cols - 1) / 2 * spacing_mm[1], (rows - 1) / 2 * spacing_mm[0])
    image = np.full(shape, AIR_HU, dtype=np.float32)

    def paint(shape_mm: tuple[float, float, float, float], value: float, scale: float = 1.0) -> None:
        u, v, su, sv = shape_mm
        fill_ellipse(image, spacing_mm, (centre[0] + u, centre[1] + v), (su * scale, sv * scale), 0.0, value)

    paint(_BODY, FAT_HU)
    paint(_MUSCLE, SOFT_TISSUE_HU)
    lung_scale = math.sqrt(max(0.0, 1.0 - ((t - 0.3) / 1.0) ** 2)) if t > -0.7 else 0.0
    for lung in _LUNGS:
        paint(lung, LUNG_HU, lung_scale)
    if lung_scale > 0:
        paint(_MEDIASTINUM, FAT_HU)
        if -0.6 < t < 0.4:
            paint(_HEART, BLOOD_HU)
        for node in _NORMAL_NODES:
            paint(node, NODE_HU)
    if t < 0.0:
        paint(_LIVER, LIVER_HU, min(1.0, math.sqrt(-t / 0.5)))
    paint(_AORTA, BLOOD_HU)
    paint(_SPINE, BONE_HU)
    paint(_SPINOUS, BONE_HU)
    for degrees in range(-165, 180, 30):  # ribs and sternum on a ring inside the body wall
        angle = math.radians(degrees)
        u, v = 150.0 * math.cos(angle), 102.0 * math.sin(angle)
        fill_ellipse(image, spacing_mm, (centre[0] + u, centre[1] + v), (7.0, 4.0),
                     math.degrees(angle) + 90.0, BONE_HU)
    return image
