"""A stroke on a volume's image → a RECIST bidirectional measurement in patient LPS mm (issue 17).

The stroke is in pixel indices of slice ``k`` (``recist_app.imaging.geometry``); the lesion is segmented there
(:mod:`~recist_app.imaging.segmentation.contour`), its axes found (:mod:`~recist_app.imaging.segmentation.axes`)
and their ends placed in patient coordinates on that image's plane, so each axis' length is the distance between
its ends. An image without Pixel Spacing (0028,0030) has no millimetres and is refused, never measured in pixels.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from recist_app.imaging.errors import UncalibratedImageError
from recist_app.imaging.segmentation.axes import RecistAxes, recist_axes
from recist_app.imaging.segmentation.contour import LesionRegion, segment
from recist_app.imaging.segmentation.stroke import PixelPoint, Stroke, StrokeError
from recist_app.imaging.volume import CtVolume

Point = tuple[float, float, float]


@dataclass(frozen=True)
class StrokeMeasurement:
    """The tool's proposal on slice ``slice_index`` (SOP Instance UID ``sop_uid``): both axes' ends in LPS mm and
    their lengths, the region's area, the region itself (for drawing its contour) and the seconds it took
    (segmentation and axes)."""

    slice_index: int
    sop_uid: str
    long_axis_endpoints_mm: tuple[Point, Point]
    short_axis_endpoints_mm: tuple[Point, Point]
    long_axis_mm: float
    short_axis_mm: float
    area_mm2: float
    seconds: float
    axes: RecistAxes
    region: LesionRegion

    def to_json(self) -> dict[str, object]:
        """The ``measure`` command's answer (issue 17, point 4)."""
        return {"long_axis_mm": round(self.long_axis_mm, 3), "short_axis_mm": round(self.short_axis_mm, 3),
                "long_axis_endpoints_mm": [[round(v, 3) for v in p] for p in self.long_axis_endpoints_mm],
                "short_axis_endpoints_mm": [[round(v, 3) for v in p] for p in self.short_axis_endpoints_mm],
                "area_mm2": round(self.area_mm2, 2), "seconds": round(self.seconds, 4)}


def measure(volume: CtVolume, k: int, stroke: Stroke) -> StrokeMeasurement:
    """Measure the lesion under ``stroke`` on slice ``k`` of ``volume``.

    Raises
    ------
    UncalibratedImageError
        The series has no Pixel Spacing (0028,0030).
    StrokeError
        The stroke lies off the image, or ``k`` is not a slice of the volume.
    NoLesionFoundError
        No lesion lies under the stroke (the message says why).
    """
    if volume.pixel_spacing is None:
        raise UncalibratedImageError("This series has no Pixel Spacing (0028,0030): a lesion cannot be measured "
                                     "in mm on it.")
    if not 0 <= k < volume.shape[0]:
        raise StrokeError(f"Slice {k} is not in the series (0 to {volume.shape[0] - 1}).")
    spacing = (float(volume.pixel_spacing[0]), float(volume.pixel_spacing[1]))
    start = time.perf_counter()
    region = segment(volume.hu[k], spacing, stroke)
    axes = recist_axes(region, spacing)
    seconds = time.perf_counter() - start

    def in_patient(ends: tuple[PixelPoint, PixelPoint]) -> tuple[Point, Point]:
        a, b = (tuple(float(v) for v in volume.index_to_patient(column, row, k)) for column, row in ends)
        return (a[0], a[1], a[2]), (b[0], b[1], b[2])

    return StrokeMeasurement(k, volume.sop_uids[k], in_patient(axes.long_axis), in_patient(axes.short_axis),
                             axes.long_axis_mm, axes.short_axis_mm, axes.area_mm2, seconds, axes, region)
