"""Trilinear interpolation of a volume array at fractional DICOM indices (numpy only): the tracking's local
refinement reads HU at points in patient space through it, the phantom writer a moved body."""

from __future__ import annotations

import numpy as np


def trilinear(values: np.ndarray, index: np.ndarray, outside: float) -> np.ndarray:
    """``values`` (slices, rows, columns) at ``index`` (shape (…, 3): column, row, slice; integers at voxel
    centres), linear between the 8 neighbours; ``outside`` beyond the outermost centres. Reads ``values`` in
    place (memory is that of the points)."""
    shape = np.array(values.shape[::-1])  # (columns, rows, slices)
    inside = np.all((index >= 0) & (index <= shape - 1), axis=-1)
    index = np.clip(index, 0, shape - 1)
    low = np.minimum(np.floor(index).astype(np.intp), shape - 2).clip(0)
    weight = index - low
    strides = np.array([1, shape[0], shape[0] * shape[1]])  # of (column, row, slice) in the flat array
    step = np.where(shape > 1, strides, 0)  # to the next voxel along each axis (none along an axis of one)
    base = low @ strides
    flat = values.reshape(-1)
    result = np.zeros(index.shape[:-1])
    for dz in (0, 1):
        wz = weight[..., 2] if dz else 1 - weight[..., 2]
        for dy in (0, 1):
            wzy = wz * (weight[..., 1] if dy else 1 - weight[..., 1])
            near = base + (dz * step[2] + dy * step[1])
            result += wzy * ((1 - weight[..., 0]) * flat[near] + weight[..., 0] * flat[near + step[0]])
    return np.where(inside, result, outside)
