"""A stroke on a volume's image → a RECIST bidirectional measurement in patient LPS mm (issue 17).

The stroke is in pixel indices of slice ``k`` (``recist_app.imaging.geometry``); the lesion is segmented there
(:mod:`~recist_app.imaging.segmentation.contour`), its axes found (:mod:`~recist_app.imaging.segmentation.axes`)
and their ends placed in patient coordinates on that image's plane, so each axis' length is the distance between
its ends. An image without Pixel Spacing (0028,0030) has no millimetres and is refused, never measured in pixels.
:func:`survey` follows the lesion to the adjacent slices for the one where it is longest; :func:`stroke_of`
turns a prior caliper placed on a follow-up (by the tracking) into the stroke that re-measures the lesion.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from recist_app.imaging.errors import UncalibratedImageError
from recist_app.imaging.segmentation.axes import RecistAxes, recist_axes
from recist_app.imaging.segmentation.contour import LesionRegion, NoLesionFoundError, segment
from recist_app.imaging.segmentation.stroke import PixelPoint, Stroke, StrokeError
from recist_app.imaging.volume import CtVolume
from recist_app.model.caliper import CaliperRecord

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


#: How far a survey goes either way (slices), and how much longer a neighbour's long axis may be before it is
#: taken for a leak rather than the lesion.
SURVEY_SLICES, SURVEY_GROWTH = 40, 1.5


@dataclass(frozen=True)
class Survey:
    """The lesion followed to the adjacent slices (issue 17, the 3D option): its long axis (mm) on each slice it
    was found on, and the measurement on the slice where it is longest (RECIST 1.1 measures it there)."""

    long_axis_mm: dict[int, float]
    longest: StrokeMeasurement

    @property
    def longest_slice(self) -> int:
        """The slice index of :attr:`longest`."""
        return self.longest.slice_index


def survey(volume: CtVolume, first: StrokeMeasurement) -> Survey:
    """Follow the lesion of ``first`` slice by slice either way, each slice stroked along the middle 60 % of the
    long axis found on the one before, until no lesion is found, it moves off that stroke, or it grows more than
    :data:`SURVEY_GROWTH` times (a leak, not the lesion)."""
    found = {first.slice_index: first}
    for step in (-1, 1):
        previous, k = first, first.slice_index + step
        while 0 <= k < volume.shape[0] and abs(k - first.slice_index) <= SURVEY_SLICES:
            (c0, r0), (c1, r1) = previous.axes.long_axis
            stroke = Stroke((c0 + 0.2 * (c1 - c0), r0 + 0.2 * (r1 - r0)), (c0 + 0.8 * (c1 - c0), r0 + 0.8 * (r1 - r0)))
            try:
                here = measure(volume, k, stroke)
            except NoLesionFoundError:
                break
            if here.long_axis_mm > SURVEY_GROWTH * previous.long_axis_mm + max(volume.pixel_spacing or (1.0,)):
                break
            found[k], previous, k = here, here, k + step
    longest = max(found.values(), key=lambda m: m.long_axis_mm)
    return Survey({k: m.long_axis_mm for k, m in sorted(found.items())}, longest)


def stroke_of(record: CaliperRecord, volume: CtVolume) -> tuple[int, Stroke]:
    """The slice and stroke a prior caliper drawn on ``volume`` gives (issue 17, follow-up: its long axis, as the
    tracking placed it, seeds the segmentation)."""
    place = record.to_index(volume)
    start, end = place.long_axis
    return place.k, Stroke((float(start[0]), float(start[1])), (float(end[0]), float(end[1])))
