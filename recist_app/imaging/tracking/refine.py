"""The local refinement of a point carried from the baseline to the follow-up (issue 16).

Around the baseline point, a cube of the baseline (the template) is compared with a larger cube of the
follow-up around where the alignment puts it, both resampled on isotropic grids (the follow-up's turned by
the alignment's rotation, so that only a translation is left to find). The translation with the highest
normalised cross-correlation wins, to a fraction of a grid step (a parabola through the peak and its
neighbours on each axis). Two passes: a wide one on a 3 mm grid (a 48 mm template, 20 mm either way: the
breathing and the alignment's error), then a fine one on a 1 mm grid (24 mm, 4 mm either way).

A pass whose best match lies on the edge of its search or correlates below :data:`NO_MATCH` moves nothing (the
point stays where the earlier pass, or the alignment, put it: a lesion that grew or shrank no longer matches
finely, but is not thrown across the search either); a template without structure (inside a homogeneous organ
or lesion, air) ends the refinement there. The confidence is the lowest peak correlation of the passes made
(scaled from :data:`NO_MATCH` to :data:`FULL_MATCH`), times :data:`COARSE_ONLY` when a finer pass then failed,
and 0 when the first pass failed or none could be made: a point the template cannot pin down is never silently
guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recist_app.imaging.tracking.alignment import Alignment
from recist_app.imaging.tracking.grids import axes_of, sample
from recist_app.imaging.volume import CtVolume


@dataclass(frozen=True)
class Pass:
    """One template match: grid step, the template's half side and the search either way (mm)."""

    grid_mm: float
    half_mm: float
    search_mm: float


PASSES = (Pass(3.0, 24.0, 20.0), Pass(1.0, 12.0, 4.0))
#: Correlation below which a match is no match at all, and at which confidence is full.
NO_MATCH, FULL_MATCH = 0.3, 0.9
#: Below this confidence a proposal is shown as a guess to check by eye, never as a finding.
LOW_CONFIDENCE = 0.5
#: The share of its confidence a point keeps when a finer pass fails after a coarser one matched (a lesion that grew
#: or shrank often matches only coarsely: it holds to the coarse grid, less surely).
COARSE_ONLY = 0.75
#: A template whose values spread less than this (HU) has nothing to match.
FLAT_HU = 15.0


@dataclass(frozen=True)
class TrackedPoint:
    """A baseline point (LPS mm), where it is in the follow-up (LPS mm) and how sure that is (0–1); ``aligned_mm``
    is where the alignment alone puts it."""

    baseline_mm: tuple[float, float, float]
    followup_mm: tuple[float, float, float]
    confidence: float
    aligned_mm: tuple[float, float, float]


def _cube(volume: CtVolume, centre: np.ndarray, direction: np.ndarray, step_mm: float, half: int) -> np.ndarray:
    """The ``(2·half+1)³`` HU of ``volume`` on a grid of ``step_mm`` with axes ``direction`` around ``centre``,
    indexed (z, y, x) of the grid."""
    offsets = (np.arange(-half, half + 1) * step_mm)
    z, y, x = np.meshgrid(offsets, offsets, offsets, indexing="ij")
    points = centre + np.stack([x, y, z], axis=-1) @ direction.T
    return sample(volume, points)


def _box_sums(values: np.ndarray, side: int) -> np.ndarray:
    """Sums of every ``side``³ cube of ``values`` (the valid ones)."""
    total = np.pad(values, ((1, 0), (1, 0), (1, 0))).cumsum(0).cumsum(1).cumsum(2)
    s = side
    return (total[s:, s:, s:] - total[:-s, s:, s:] - total[s:, :-s, s:] - total[s:, s:, :-s]
            + total[:-s, :-s, s:] + total[:-s, s:, :-s] + total[s:, :-s, :-s] - total[:-s, :-s, :-s])


def correlation_map(template: np.ndarray, region: np.ndarray) -> np.ndarray | None:
    """Normalised cross-correlation of ``template`` at every placement inside ``region`` (cubes; None for a
    template without structure)."""
    zero_mean = template - template.mean()
    norm = float(np.sqrt((zero_mean ** 2).sum()))
    if norm / np.sqrt(template.size) < FLAT_HU:
        return None
    side = template.shape[0]
    shape = region.shape
    flipped = zero_mean[::-1, ::-1, ::-1]
    axes = (0, 1, 2)
    full = np.fft.irfftn(np.fft.rfftn(region, shape, axes) * np.fft.rfftn(flipped, shape, axes), shape, axes)
    products = full[side - 1:, side - 1:, side - 1:]
    sums, squares = _box_sums(region, side), _box_sums(region ** 2, side)
    spread = np.sqrt(np.maximum(squares - sums ** 2 / template.size, 1e-6))
    return products / (norm * spread)


def _peak(scores: np.ndarray) -> tuple[np.ndarray, float, bool]:
    """The best placement (to a fraction of a step, by a parabola per axis), its score and whether it lies on the
    edge of the search."""
    index = np.array(np.unravel_index(int(np.argmax(scores)), scores.shape))
    offsets = np.zeros(3)
    on_edge = False
    for axis in range(3):
        k = index[axis]
        if k == 0 or k == scores.shape[axis] - 1:
            on_edge = True
            continue
        before, after = index.copy(), index.copy()
        before[axis], after[axis] = k - 1, k + 1
        low, mid, high = scores[tuple(before)], scores[tuple(index)], scores[tuple(after)]
        curvature = low - 2 * mid + high
        if curvature < 0:
            offsets[axis] = float(np.clip(0.5 * (low - high) / curvature, -0.5, 0.5))
    return index + offsets, float(scores[tuple(index)]), on_edge


def refine(baseline: CtVolume, followup: CtVolume, alignment: Alignment, point_mm: np.ndarray) -> TrackedPoint:
    """Where ``point_mm`` of the baseline lies in the follow-up."""
    rotation = np.asarray(alignment.rotation)
    baseline_axes, _spacing = axes_of(baseline)
    aligned = alignment.map(point_mm)
    followup_axes = rotation @ baseline_axes
    found, confidences, failed = aligned.copy(), list[float](), False
    for step in PASSES:
        half, reach = round(step.half_mm / step.grid_mm), round(step.search_mm / step.grid_mm)
        template = _cube(baseline, np.asarray(point_mm, float), baseline_axes, step.grid_mm, half)
        region = _cube(followup, found, followup_axes, step.grid_mm, half + reach)
        scores = correlation_map(template, region)
        if scores is None:
            break  # nothing to match at this scale (inside a homogeneous organ or lesion): keep what was found
        placement, score, edge = _peak(scores)
        if edge or score < NO_MATCH:
            failed = True  # out of reach or no likeness: not a finding, keep the last one
            break
        shift = (placement - reach)[::-1] * step.grid_mm  # the grid's (z, y, x) → (x, y, z) along its axes
        found = found + followup_axes @ shift
        confidences.append(float(np.clip((score - NO_MATCH) / (FULL_MATCH - NO_MATCH), 0.0, 1.0)))
    confidence = min(confidences, default=0.0) * (COARSE_ONLY if failed else 1.0)
    return TrackedPoint(_triple(point_mm), _triple(found), round(confidence, 3), _triple(aligned))


def _triple(values: np.ndarray | tuple[float, ...]) -> tuple[float, float, float]:
    x, y, z = (float(v) for v in values)
    return (x, y, z)
