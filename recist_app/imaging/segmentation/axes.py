"""RECIST 1.1 diameters of a lesion's region (§3.1; issue 17): the long axis is the longest chord of the contour
lying inside it, the short axis the longest chord inside it perpendicular to the long axis.

Chords are found between the region's boundary pixels (the long axis among the pairs of its convex hull whose
chords stay inside the region, the longest few in each direction; the short axis among the perpendiculars
through every point of the long axis, the longest few), then each end is moved, along its chord, to where the
HU (as stored, averaged over three parallel lines half a pixel apart: smoothing would round the tips off)
crosses the lesion's 50 % edge
(:attr:`~recist_app.imaging.segmentation.contour.LesionRegion.edge_hu`) within a pixel and a half, and the
longest after that wins: the diameter is edge to edge, to a fraction of a pixel, not pixel centre to pixel
centre. An end whose chord runs into tissue as dense as the lesion (a wall it was cut from) ends at the dip of
HU between them (the thin partial-volume line that parts them), or without one half a pixel beyond the region's
last pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from recist_app.imaging.segmentation.contour import LesionRegion
from recist_app.imaging.segmentation.stroke import PixelPoint, bilinear

#: A chord counts as inside the region when at least this share of its samples are.
INSIDE_SHARE = 0.97
#: Directions (bins over 180°) whose longest chord is compared edge to edge for the long axis: ends are moved to
#: the edge before chords are compared (one ending in air gains more than one ending against a wall).
DIRECTIONS, PER_DIRECTION = 24, 3
#: Perpendicular chords (the longest on the region's pixels) compared edge to edge for the short axis.
SHORT_CANDIDATES = 12
#: A lesion against tissue as dense (a wall, a vessel) ends at the dip of HU between them when the dip goes this
#: share of the way to the surroundings' HU.
DIP_SHARE = 0.2
#: How far beyond a chord's last pixel its end may move to the edge (pixels).
EDGE_SEARCH_PX = 1.5


@dataclass(frozen=True)
class RecistAxes:
    """Both diameters as ends in image pixel indices ``(column, row)`` (integers at pixel centres) and in mm,
    and the region's area (mm²)."""

    long_axis: tuple[PixelPoint, PixelPoint]
    short_axis: tuple[PixelPoint, PixelPoint]
    long_axis_mm: float
    short_axis_mm: float
    area_mm2: float


def recist_axes(region: LesionRegion, spacing_mm: tuple[float, float]) -> RecistAxes:
    """The long and short axes of ``region`` (``spacing_mm`` = Pixel Spacing (0028,0030): row, column)."""
    scale = np.array([spacing_mm[1], spacing_mm[0]])  # mm per pixel along (column, row)
    boundary = _boundary(region.mask)
    chords = [(_to_edge(region, a, b, scale), _to_edge(region, b, a, scale))
              for a, b in _long_axis_candidates(region.mask, boundary, scale)]
    start, end = max(chords, key=lambda ends: _length_mm(ends[0], ends[1], scale))
    start, end = _tip(region, boundary, end, start, scale), _tip(region, boundary, start, end, scale)
    short = _short_axis(region, start, end, scale)
    if _length_mm(*short, scale) > _length_mm(start, end, scale):  # an irregular region's longest chord, found late
        start, end = short
        short = _short_axis(region, start, end, scale)
    origin = np.array([region.origin[1], region.origin[0]], float)

    def on_image(points: tuple[np.ndarray, np.ndarray]) -> tuple[PixelPoint, PixelPoint]:
        a, b = (point + origin for point in points)
        return (float(a[0]), float(a[1])), (float(b[0]), float(b[1]))

    return RecistAxes(on_image((start, end)), on_image(short), _length_mm(start, end, scale),
                      _length_mm(*short, scale), float(region.mask.sum() * spacing_mm[0] * spacing_mm[1]))


def _length_mm(a: np.ndarray, b: np.ndarray, scale: np.ndarray) -> float:
    return float(np.linalg.norm((b - a) * scale))


def _boundary(mask: np.ndarray) -> np.ndarray:
    """``(column, row)`` of the region's pixels with a 4-neighbour outside it."""
    padded = np.pad(mask, 1)
    inner = padded[1:-1, 1:-1] & padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:]
    rows, columns = np.nonzero(mask & ~inner)
    return np.column_stack([columns, rows]).astype(float)


def _hull(points: np.ndarray) -> np.ndarray:
    """The convex hull's vertices (Andrew's monotone chain)."""
    ordered = points[np.lexsort((points[:, 1], points[:, 0]))]
    if len(ordered) < 3:
        return ordered

    def half(sequence: np.ndarray) -> list[np.ndarray]:
        chain: list[np.ndarray] = []
        for point in sequence:
            while len(chain) >= 2 and _turn(chain[-2], chain[-1], point) <= 0:
                chain.pop()
            chain.append(point)
        return chain

    return np.array(half(ordered)[:-1] + half(ordered[::-1])[:-1])


def _turn(o: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """The z of (a − o) × (b − o): positive for a left turn."""
    return float((a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]))


def _inside_share(mask: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """The share of a chord's samples (a quarter pixel apart) on the region's pixels."""
    count = max(2, math.ceil(float(np.linalg.norm(b - a)) * 4) + 1)
    points = a + np.linspace(0.0, 1.0, count)[:, None] * (b - a)
    columns = np.clip(np.round(points[:, 0]).astype(int), 0, mask.shape[1] - 1)
    rows = np.clip(np.round(points[:, 1]).astype(int), 0, mask.shape[0] - 1)
    return float(mask[rows, columns].mean())


def _long_axis_candidates(mask: np.ndarray, boundary: np.ndarray,
                          scale: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each of :data:`DIRECTIONS` bins of direction, the :data:`PER_DIRECTION` longest chords between
    boundary pixels that stay inside the region: among the hull's pairs (a convex lesion's longest chord joins
    two of them), else among every boundary pair (a lobulated one's may not)."""
    for points in (_hull(boundary), boundary):
        first, second = np.triu_indices(len(points), 1)
        offsets = (points[second] - points[first]) * scale
        lengths = np.linalg.norm(offsets, axis=1)
        bins = (np.degrees(np.arctan2(offsets[:, 1], offsets[:, 0])) % 180.0 // (180.0 / DIRECTIONS)).astype(int)
        found: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
        for pair in np.argsort(-lengths)[:6000]:
            chords = found.setdefault(int(bins[pair]), [])
            if len(chords) == PER_DIRECTION:
                continue
            a, b = points[first[pair]], points[second[pair]]
            if _inside_share(mask, a, b) >= INSIDE_SHARE:
                chords.append((a, b))
        if any(found.values()):
            return [chord for chords in found.values() for chord in chords]
    return [(boundary[0], boundary[0])]


def _tip(region: LesionRegion, boundary: np.ndarray, end: np.ndarray, other: np.ndarray,
         scale: np.ndarray) -> np.ndarray:
    """The far end of a long axis found again among the boundary pixels within two pixels of ``end``: each moved
    to the edge along the axis, the one reaching farthest along it (a tip between pixel centres: the hull's
    corner pixel is not always the one whose edge lies farthest out)."""
    direction = (end - other) * scale
    norm = float(np.linalg.norm(direction))
    if norm == 0:
        return end
    unit = direction / norm
    near = boundary[np.linalg.norm(boundary - np.round(end), axis=1) <= 2.0]
    tips = [end] + [_to_edge(region, point, point - (end - other), scale) for point in near]
    return max(tips, key=lambda tip: float(((tip - other) * scale) @ unit))


def _to_edge(region: LesionRegion, end: np.ndarray, other: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """``end`` moved along the chord from ``other`` to where the HU crosses the edge level (from a pixel inside to
    :data:`EDGE_SEARCH_PX` outside; the HU averaged over the chord and its two neighbours half a pixel either
    side, against noise); when it never crosses, to the dip of HU there, or half a pixel beyond."""
    direction = end - other
    length = float(np.linalg.norm(direction))
    if length == 0:
        return end
    unit = direction / length
    across = np.array([-unit[1], unit[0]]) * 0.5
    steps = np.arange(-min(1.0, length / 2), EDGE_SEARCH_PX + 1e-9, 0.05)
    points = end + steps[:, None] * unit
    profile = np.mean([bilinear(region.hu, points + side * across) for side in (-1, 0, 1)], axis=0)
    inside = region.inside_level(profile)
    crossing = np.nonzero(~inside)[0]
    if not inside[0]:
        return end + 0.5 * unit
    if crossing.size == 0:  # against tissue as dense: the edge is the dip between them, if there is one
        toward = np.sign(region.surroundings_hu - region.lesion_hu)
        dip = int(np.argmax(profile * toward))
        deep = (profile[dip] - region.lesion_hu) * toward > DIP_SHARE * abs(region.lesion_hu - region.surroundings_hu)
        return points[dip] if deep and 0 < dip < len(points) - 1 else end + 0.5 * unit
    k = int(crossing[0])
    low, high = profile[k - 1], profile[k]
    share = (region.edge_hu - low) / (high - low) if high != low else 0.5
    return points[k - 1] + float(np.clip(share, 0.0, 1.0)) * 0.05 * unit


def _short_axis(region: LesionRegion, start: np.ndarray, end: np.ndarray,
                scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The longest chord inside the region perpendicular (in mm) to the long axis, its ends moved to the edge."""
    along_mm = (end - start) * scale
    length_mm = float(np.linalg.norm(along_mm))
    if length_mm == 0:
        return start, end
    across = np.array([-along_mm[1], along_mm[0]]) / length_mm / scale  # a perpendicular in mm, as pixels
    across /= float(np.linalg.norm(across * scale))  # one mm per unit
    reach = np.arange(-length_mm, length_mm + 1e-9, 0.25 * float(scale.min()))
    mask = region.mask
    candidates = []
    for t in np.linspace(0.0, 1.0, max(3, math.ceil(length_mm / float(scale.min()) * 2))):
        centre = start + t * (end - start)
        points = centre + reach[:, None] * across
        columns, rows = np.round(points[:, 0]).astype(int), np.round(points[:, 1]).astype(int)
        valid = (columns >= 0) & (columns < mask.shape[1]) & (rows >= 0) & (rows < mask.shape[0])
        inside = np.zeros(reach.size, bool)
        inside[valid] = mask[rows[valid], columns[valid]]
        middle = reach.size // 2
        if not inside[middle]:
            continue
        low = middle - int(np.argmin(inside[middle::-1])) + 1 if not inside[:middle + 1].all() else 0
        high = middle + int(np.argmin(inside[middle:])) - 1 if not inside[middle:].all() else reach.size - 1
        candidates.append((reach[high] - reach[low], points[low], points[high]))
    if not candidates:
        return start, start
    best = sorted(candidates, key=lambda item: -item[0])[:SHORT_CANDIDATES]
    refined = [(_to_edge(region, a, b, scale), _to_edge(region, b, a, scale)) for _length, a, b in best]
    return max(refined, key=lambda ends: _length_mm(ends[0], ends[1], scale))
