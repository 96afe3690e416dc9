"""Carry points of a baseline series to a follow-up series (issue 16): :func:`track`."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from recist_app.imaging.tracking.alignment import Alignment, align
from recist_app.imaging.tracking.refine import TrackedPoint, refine
from recist_app.imaging.volume import CtVolume


@dataclass(frozen=True)
class Tracking:
    """The alignment of a pair of series and every point carried, in the order given."""

    alignment: Alignment
    points: tuple[TrackedPoint, ...]
    seconds: float


def track(baseline: CtVolume, followup: CtVolume, points_mm: Sequence[tuple[float, float, float]],
          alignment: Alignment | None = None) -> Tracking:
    """Each of ``points_mm`` (baseline LPS mm) in the follow-up: the pair aligned (unless ``alignment`` is
    known), then each point refined locally."""
    start = time.perf_counter()
    alignment = alignment or align(baseline, followup)
    carried = tuple(refine(baseline, followup, alignment, np.asarray(point, float)) for point in points_mm)
    return Tracking(alignment, carried, time.perf_counter() - start)
