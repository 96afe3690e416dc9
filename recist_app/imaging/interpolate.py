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
    result = np.zeros(index.shape[:-1])
    for dx in (0, 1):
        for dy in (0, 1):
            for dz in (0, 1):
                corner = values[np.minimum(low[..., 2] + dz, shape[2] - 1), np.minimum(low[..., 1] + dy, shape[1] - 1),
                                np.minimum(low[..., 0] + dx, shape[0] - 1)]
                share = ((weight[..., 0] if dx else 1 - weight[..., 0]) * (weight[..., 1] if dy else 1 - weight[..., 1])
                         * (weight[..., 2] if dz else 1 - weight[..., 2]))
                result += share * corner
    return np.where(inside, result, outside)
