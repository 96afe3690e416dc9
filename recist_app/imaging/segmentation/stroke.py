"""The reader's stroke across a lesion (issue 17): two points on an image, in pixel indices ``(column, row)`` with
the integer at the pixel centre (``recist_app.imaging.geometry``); a click is a stroke of length 0."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from recist_app.errors import RecistAppError

PixelPoint = tuple[float, float]


class StrokeError(RecistAppError):
    """A stroke that cannot be used: off the image, or not numbers."""


@dataclass(frozen=True)
class Stroke:
    """From ``start`` to ``end``, pixel indices ``(column, row)``."""

    start: PixelPoint
    end: PixelPoint

    @classmethod
    def click(cls, point: PixelPoint) -> Stroke:
        """A click inside the lesion."""
        return cls(point, point)

    @property
    def middle(self) -> np.ndarray:
        """``(column, row)`` of the stroke's middle."""
        return (np.asarray(self.start, float) + np.asarray(self.end, float)) / 2

    def length_px(self, spacing_mm: tuple[float, float]) -> float:
        """Length in pixels of the larger spacing's kind (0 for a click)."""
        return self.length_mm(spacing_mm) / max(spacing_mm)

    def length_mm(self, spacing_mm: tuple[float, float]) -> float:
        """Length in mm; ``spacing_mm`` is Pixel Spacing (0028,0030): (row spacing, column spacing)."""
        (c0, r0), (c1, r1) = self.start, self.end
        return math.hypot((c1 - c0) * spacing_mm[1], (r1 - r0) * spacing_mm[0])

    def check(self, shape: tuple[int, int]) -> None:
        """Raise :class:`StrokeError` unless both ends are finite and on an image of ``shape`` (rows, columns)."""
        rows, columns = shape
        for name, (column, row) in (("start", self.start), ("end", self.end)):
            if not (math.isfinite(column) and math.isfinite(row)):
                raise StrokeError(f"The stroke's {name} ({column}, {row}) is not a pixel position.")
            if not (-0.5 <= column <= columns - 0.5 and -0.5 <= row <= rows - 0.5):
                raise StrokeError(f"The stroke's {name} (column {column:g}, row {row:g}) lies off the image "
                                  f"({columns} columns × {rows} rows).")

    def points(self, step_px: float = 0.5) -> np.ndarray:
        """Points ``(column, row)`` along the stroke, ``step_px`` apart, ends included (the middle for a click)."""
        start, end = np.asarray(self.start, float), np.asarray(self.end, float)
        count = max(2, math.ceil(float(np.linalg.norm(end - start)) / step_px) + 1)
        return start + np.linspace(0.0, 1.0, count)[:, None] * (end - start)


def bilinear(image: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``image`` (rows, columns) at ``points`` (…, 2) = (column, row), linear between pixel centres, edge-clamped."""
    rows, columns = image.shape
    column = np.clip(points[..., 0], 0, columns - 1)
    row = np.clip(points[..., 1], 0, rows - 1)
    c0 = np.minimum(np.floor(column).astype(np.intp), max(columns - 2, 0))
    r0 = np.minimum(np.floor(row).astype(np.intp), max(rows - 2, 0))
    c1, r1 = np.minimum(c0 + 1, columns - 1), np.minimum(r0 + 1, rows - 1)
    fc, fr = column - c0, row - r0
    top = image[r0, c0] * (1 - fc) + image[r0, c1] * fc
    bottom = image[r1, c0] * (1 - fc) + image[r1, c1] * fc
    return top * (1 - fr) + bottom * fr
