"""The lesion under a reader's stroke, on one image (issue 17).

1. **Around the stroke**: a square of the image (the stroke's length and 10 mm either way, 25–120 mm; 60 mm
   for a click), in HU, smoothed by a small Gaussian (0.8 pixel) so that noise does not draw the edge.
2. **The lesion's HU** is the median along the middle 40 % of the stroke (the reader's stroke crosses the lesion,
   so its middle lies inside it; a click reads a disc of 1.5 mm). A middle on air or lung, or on bone, is no
   lesion and says so.
3. **The surroundings' HU** is read on rings around the stroke's middle, widening until most of a ring is unlike
   the lesion (more than three noise widths away): the median of what is unlike there, or of its air when air is
   a good share of it (a lung lesion touching the wall is still bounded by the lung). Lesion and surroundings
   too close (no edge) is no lesion either.
4. **The region** is what lies nearer the lesion's HU than half-way to the surroundings' (the 50 % edge, which
   also splits partial-volume pixels fairly), opened by a 1.5 mm disc (vessels thinner than 3 mm, strands; the
   tips the opening rounded off are given back) and kept where it covers the stroke's middle; its holes are
   filled.
5. **In lung**, a lesion touching the chest wall or the mediastinum is cut from them where the lung would close
   over it: the lung bounding it closed by a disc 1.5 times the lesion's radius (the farthest the stroke's
   middle part gets from the air) marks the lung's smooth envelope, and the lesion is the part of the region
   inside it (a juxtapleural nodule's classic "rolling ball" cut).

A region that still reaches the edge of the square found no edge, and says so. No step writes outside the square.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import SimpleITK as sitk

from recist_app.errors import RecistAppError
from recist_app.imaging.segmentation.stroke import Stroke, bilinear

#: Below this HU the stroke's middle lies on air or lung; above :data:`BONE_HU`, on bone.
LUNG_HU, BONE_HU = -400.0, 300.0
#: The Gaussian width (pixels) of the image segmented (its edges are read on the image as stored).
SMOOTH_PX = 0.8
#: The opening's radius (mm): strands and vessels thinner than twice this are cut from the lesion.
VESSEL_MM = 1.5
#: Lesion and surroundings closer than this (HU) have no edge to find.
MIN_CONTRAST_HU = 25.0
#: The noise floor of the lesion's HU spread (HU).
MIN_SPREAD_HU = 5.0
MIN_AREA_MM2 = 7.0
#: Around a lesion, air this share of what is unlike it makes the lung its surroundings.
AIR_SHARE = 0.3
#: The largest disc the lung's envelope is closed with (mm): larger would close over the heart's notch.
ENVELOPE_MM = 60.0
#: The envelope's disc is this many times the lesion's radius (measured: 1.5 cut the phantom's juxtapleural lesion
#: cleanly and never leaked on 20 strokes across the real tumour against the posterior wall; 2.0 leaked on 2).
ENVELOPE_FACTOR = 1.5
REACH_MM = (25.0, 120.0)
#: A stroke shorter than this (mm) is a click: it says nothing of the lesion's size, so the square is this wide
#: either way.
CLICK_MM, CLICK_REACH_MM = 3.0, 60.0


class NoLesionFoundError(RecistAppError):
    """The stroke found no lesion; the message says why, in the reader's words."""


@dataclass(frozen=True)
class LesionRegion:
    """The lesion on a square of the image: ``mask`` (rows, columns of the square, True inside) whose first pixel
    is the image's ``origin`` = (row, column); ``hu`` the square's HU as stored (edges are read on it: smoothing
    would round a lesion's tips off) and ``smoothed`` as segmented; the lesion's and the surroundings' HU and the edge
    level half-way; ``in_lung`` when the surroundings are air."""

    mask: np.ndarray
    origin: tuple[int, int]
    hu: np.ndarray
    smoothed: np.ndarray
    lesion_hu: float
    surroundings_hu: float
    in_lung: bool

    @property
    def edge_hu(self) -> float:
        """The HU of the lesion's edge (half-way, 50 %)."""
        return (self.lesion_hu + self.surroundings_hu) / 2

    def inside_level(self, values: np.ndarray) -> np.ndarray:
        """True where HU ``values`` lie on the lesion's side of the edge."""
        return (values - self.edge_hu) * np.sign(self.lesion_hu - self.surroundings_hu) > 0


def segment(image_hu: np.ndarray, spacing_mm: tuple[float, float], stroke: Stroke) -> LesionRegion:
    """The lesion under ``stroke`` on ``image_hu`` (rows, columns; ``spacing_mm`` = Pixel Spacing (0028,0030),
    row then column spacing).

    Raises
    ------
    StrokeError
        The stroke lies off the image.
    NoLesionFoundError
        The stroke's middle is on air, lung or bone, or no edge surrounds it.
    """
    stroke.check(image_hu.shape)
    row_mm, column_mm = spacing_mm
    reach_mm = min(max(stroke.length_mm(spacing_mm) + 10.0, REACH_MM[0]), REACH_MM[1]) \
        if stroke.length_mm(spacing_mm) >= CLICK_MM else CLICK_REACH_MM
    middle = stroke.middle
    rows, columns = image_hu.shape
    r0, r1 = max(0, math.floor(middle[1] - reach_mm / row_mm)), min(rows, math.ceil(middle[1] + reach_mm / row_mm) + 1)
    c0, c1 = (max(0, math.floor(middle[0] - reach_mm / column_mm)),
              min(columns, math.ceil(middle[0] + reach_mm / column_mm) + 1))
    square = np.asarray(image_hu[r0:r1, c0:c1], dtype=np.float32)
    smoothed = _smooth(square, SMOOTH_PX)
    offset = np.array([c0, r0], float)
    core = _core_points(stroke, spacing_mm) - offset
    along = bilinear(smoothed, core)
    lesion = float(np.median(along))
    spread = max(1.4826 * float(np.median(np.abs(along - lesion))), MIN_SPREAD_HU)
    if lesion < LUNG_HU:
        raise NoLesionFoundError(f"The stroke's middle lies on air or lung ({lesion:.0f} HU): draw it across the "
                                 "lesion.")
    if lesion > BONE_HU:
        raise NoLesionFoundError(f"The stroke's middle lies on bone or calcium ({lesion:.0f} HU): draw it across "
                                 "the lesion.")
    distance_mm = _distance_mm(smoothed.shape, middle - offset, spacing_mm)
    surroundings = _surroundings(smoothed, distance_mm, lesion, spread, reach_mm)
    if surroundings is None or abs(lesion - surroundings) < max(MIN_CONTRAST_HU, 4 * spread):
        raise NoLesionFoundError(f"No lesion found: what lies under the stroke ({lesion:.0f} HU) does not stand out "
                                 f"from what surrounds it within {reach_mm:.0f} mm.")
    in_lung = surroundings < LUNG_HU
    band = np.abs(smoothed - lesion) < abs(lesion - surroundings) / 2
    seeds = np.zeros(smoothed.shape, bool)
    seeds[np.clip(np.round(core[:, 1]).astype(int), 0, smoothed.shape[0] - 1),
          np.clip(np.round(core[:, 0]).astype(int), 0, smoothed.shape[1] - 1)] = True
    seeds &= band
    if not seeds.any():
        raise NoLesionFoundError(f"The stroke's middle is not on the lesion's side of its edge "
                                 f"({(lesion + surroundings) / 2:.0f} HU): draw it across the lesion.")
    region = _kept(_opened(band, spacing_mm), seeds)
    if region.any():  # the tips the opening rounded off, given back (not the strands it cut)
        region = _kept(band & _dilated(region, spacing_mm, VESSEL_MM + max(spacing_mm)), seeds)
    else:  # smaller than the opening: the region as it is
        region = _kept(band, seeds)
    if in_lung:
        region = _cut_from_walls(region, smoothed, (lesion + surroundings) / 2, seeds, spacing_mm)
    region = sitk.GetArrayFromImage(sitk.BinaryFillhole(sitk.GetImageFromArray(region.astype(np.uint8)))) > 0
    if region.sum() * row_mm * column_mm < MIN_AREA_MM2:
        raise NoLesionFoundError("The region under the stroke is smaller than 3 mm across: no measurable lesion.")
    if _reaches_edge(region, (r0, r1, c0, c1), image_hu.shape):
        raise NoLesionFoundError(f"The region under the stroke runs on past {reach_mm:.0f} mm without an edge "
                                 "(into the wall, an organ or a vessel): draw the stroke across the whole lesion, "
                                 "or measure it by hand.")
    return LesionRegion(region, (r0, c0), square, smoothed, lesion, surroundings, in_lung)


def _smooth(image: np.ndarray, sigma_px: float) -> np.ndarray:
    """A separable Gaussian (edges repeated)."""
    radius = max(1, math.ceil(3 * sigma_px))
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma_px) ** 2).astype(np.float32)
    kernel /= kernel.sum()
    padded = np.pad(image, radius, mode="edge")
    rows = sum(kernel[i] * padded[i:i + image.shape[0], :] for i in range(kernel.size))
    return sum(kernel[i] * rows[:, i:i + image.shape[1]] for i in range(kernel.size))


def _core_points(stroke: Stroke, spacing_mm: tuple[float, float]) -> np.ndarray:
    """Where the lesion's HU is read: the middle 40 % of the stroke, or a 1.5 mm disc around a click."""
    if stroke.length_mm(spacing_mm) < CLICK_MM:
        row_mm, column_mm = spacing_mm
        steps_r, steps_c = max(1, round(1.5 / row_mm)), max(1, round(1.5 / column_mm))
        grid = np.array([(c, r) for r in range(-steps_r, steps_r + 1) for c in range(-steps_c, steps_c + 1)
                         if (r * row_mm) ** 2 + (c * column_mm) ** 2 <= 1.5 ** 2 + 1e-9], float)
        return stroke.middle + grid
    points = stroke.points()
    count = len(points)
    return points[round(0.3 * count):max(round(0.7 * count), round(0.3 * count) + 1)]


def _distance_mm(shape: tuple[int, ...], centre: np.ndarray, spacing_mm: tuple[float, float]) -> np.ndarray:
    rows, columns = np.ogrid[:shape[0], :shape[1]]
    return np.hypot((columns - centre[0]) * spacing_mm[1], (rows - centre[1]) * spacing_mm[0])


def _surroundings(smoothed: np.ndarray, distance_mm: np.ndarray, lesion: float, spread: float,
                  reach_mm: float) -> float | None:
    """The HU around the lesion: past the first 1 mm ring (from 2 mm out) mostly unlike the lesion, the median of
    the unlike values 2 to 8 mm beyond it (clear of the edge's partial volume), or of the air among them when air
    is more than :data:`AIR_SHARE` of them (a lung lesion is bounded by the lung, whatever else it touches); None
    when no ring within ``reach_mm`` is."""
    unlike = np.abs(smoothed - lesion) > max(3 * spread, MIN_CONTRAST_HU / 2)
    for radius in np.arange(2.0, reach_mm, 1.0):
        ring = (distance_mm >= radius) & (distance_mm < radius + 1.0)
        if ring.sum() >= 8 and unlike[ring].mean() > 0.5:
            band = (distance_mm >= radius + 2.0) & (distance_mm < radius + 8.0) & unlike
            values = smoothed[band if band.any() else ring & unlike]
            air = values[values < LUNG_HU]
            return float(np.median(air if air.size > AIR_SHARE * values.size else values))
    return None


def _disc(spacing_mm: tuple[float, float], radius_mm: float) -> list[int]:
    """SimpleITK's kernel radius (columns, rows) of a disc of ``radius_mm``."""
    return [max(1, round(radius_mm / spacing_mm[1])), max(1, round(radius_mm / spacing_mm[0]))]


def _opened(region: np.ndarray, spacing_mm: tuple[float, float]) -> np.ndarray:
    image = sitk.GetImageFromArray(region.astype(np.uint8))
    opened = sitk.BinaryMorphologicalOpening(image, _disc(spacing_mm, VESSEL_MM), sitk.sitkBall)
    return sitk.GetArrayFromImage(opened) > 0


def _distance_to(mask: np.ndarray, spacing_mm: tuple[float, float]) -> np.ndarray:
    """Each pixel's distance (mm) to the nearest pixel of ``mask`` (0 on it)."""
    image = sitk.GetImageFromArray(mask.astype(np.uint8))
    image.SetSpacing((spacing_mm[1], spacing_mm[0]))
    distance = sitk.GetArrayFromImage(sitk.SignedMaurerDistanceMap(image, insideIsPositive=False,
                                                                   squaredDistance=False, useImageSpacing=True))
    return np.maximum(distance, 0.0)


def _closed(mask: np.ndarray, spacing_mm: tuple[float, float], radius_mm: float) -> np.ndarray:
    """``mask`` closed by a disc of ``radius_mm`` (dilated, then eroded, through two distance maps: the time does
    not grow with the disc), as if it went on unchanged beyond the square's edge."""
    pad = [max(1, math.ceil(radius_mm / spacing)) + 1 for spacing in spacing_mm]
    padded = np.pad(mask, ((pad[0], pad[0]), (pad[1], pad[1])), mode="edge")
    dilated = _distance_to(padded, spacing_mm) <= radius_mm
    closed = _distance_to(~dilated, spacing_mm) > radius_mm
    return closed[pad[0]:-pad[0], pad[1]:-pad[1]] | mask


def _dilated(region: np.ndarray, spacing_mm: tuple[float, float], radius_mm: float) -> np.ndarray:
    image = sitk.GetImageFromArray(region.astype(np.uint8))
    return sitk.GetArrayFromImage(sitk.BinaryDilate(image, _disc(spacing_mm, radius_mm), sitk.sitkBall)) > 0


def _kept(region: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """The 8-connected part of ``region`` holding most seeds (empty when none)."""
    labels = sitk.GetArrayFromImage(sitk.ConnectedComponent(sitk.GetImageFromArray(region.astype(np.uint8)), True))
    counts = np.bincount(labels[seeds & region], minlength=labels.max() + 1)
    if counts.size < 2 or counts[1:].max() == 0:
        return np.zeros(region.shape, bool)
    return labels == int(np.argmax(counts[1:])) + 1


def _cut_from_walls(region: np.ndarray, smoothed: np.ndarray, edge_hu: float, seeds: np.ndarray,
                    spacing_mm: tuple[float, float]) -> np.ndarray:
    """The part of ``region`` inside the lung's envelope: the lung bounding the lesion (the air that comes within
    the lesion's radius and 3 mm of the stroke's middle part: not the air outside the body, nor the trachea)
    closed by a disc :data:`ENVELOPE_FACTOR` times the lesion's radius (the farthest the stroke's middle part gets
    from the air: a lesion against the wall is about as long along it as it is deep), at most
    :data:`ENVELOPE_MM`."""
    air = smoothed < edge_hu
    inner = seeds & region
    if not air.any() or not inner.any():
        return region
    radius_mm = max(float(_distance_to(air, spacing_mm)[inner].max()), min(spacing_mm))
    closing_mm = min(ENVELOPE_FACTOR * radius_mm + max(spacing_mm), ENVELOPE_MM)
    labels = sitk.GetArrayFromImage(sitk.ConnectedComponent(sitk.GetImageFromArray(air.astype(np.uint8)), True))
    near = _distance_to(inner, spacing_mm) < radius_mm + 3.0
    lung = np.isin(labels, np.unique(labels[near & air]))
    cut = _kept(region & _closed(lung, spacing_mm, closing_mm), seeds)
    return cut if cut.any() else region


def _reaches_edge(region: np.ndarray, bounds: tuple[int, int, int, int], shape: tuple[int, ...]) -> bool:
    """True when the region touches a side of the square that is not the image's own edge."""
    r0, r1, c0, c1 = bounds
    return bool((r0 > 0 and region[0].any()) or (r1 < shape[0] and region[-1].any())
                or (c0 > 0 and region[:, 0].any()) or (c1 < shape[1] and region[:, -1].any()))
