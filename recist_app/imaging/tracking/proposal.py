"""A lesion's prior caliper carried onto a follow-up series (issue 16, "tracking in the reading workflow").

The caliper's centre (the middle of its main line) is tracked (:func:`~recist_app.imaging.tracking.refine.refine`);
its ends keep their offsets from it, turned by the alignment's rotation, and are laid onto the plane of the
follow-up slice nearest the tracked centre (a caliper lies on its image). The proposal carries the tracking's
confidence: the reader sees where the lesion should be, dashed, and measures it there (or elsewhere: the
correction is what the next time point starts from, as the latest caliper).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recist_app.imaging.tracking.alignment import Alignment
from recist_app.imaging.tracking.refine import LOW_CONFIDENCE, refine
from recist_app.imaging.volume import CtVolume
from recist_app.model.caliper import CaliperRecord, Point


@dataclass(frozen=True)
class Proposal:
    """Where a prior caliper lies on the follow-up series, and how sure that is (0–1)."""

    record: CaliperRecord
    confidence: float

    @property
    def low(self) -> bool:
        """True when the reader must find the lesion by eye (never a silent guess)."""
        return self.confidence < LOW_CONFIDENCE


def propose(prior: CaliperRecord, prior_volume: CtVolume, followup: CtVolume, alignment: Alignment) -> Proposal | None:
    """``prior`` (a caliper on ``prior_volume``) carried onto ``followup`` through ``alignment`` and a local
    refinement; None for a caliper without millimetres."""
    if prior.p1_mm is None or prior.p2_mm is None or not followup.calibrated:
        return None
    centre = (np.asarray(prior.p1_mm) + np.asarray(prior.p2_mm)) / 2
    tracked = refine(prior_volume, followup, alignment, centre)
    rotation = np.asarray(alignment.rotation)
    moved = np.asarray(tracked.followup_mm)
    k = min(max(round(followup.patient_to_index(moved)[2]), 0), followup.shape[0] - 1)
    normal = np.cross(followup.iop[:3], followup.iop[3:])
    plane = np.asarray(followup.slice_positions[k])

    def carry(point: Point | None) -> Point | None:
        if point is None:
            return None
        turned = moved + rotation @ (np.asarray(point) - centre)
        x, y, z = (float(v) for v in turned - ((turned - plane) @ normal) * normal)  # onto the image's plane
        return (x, y, z)

    record = CaliperRecord(prior.kind, carry(prior.p1_mm), carry(prior.p2_mm), carry(prior.short_p1_mm),
                           carry(prior.short_p2_mm), k, followup.sop_uids[k], followup.series_uid,
                           followup.frame_of_reference_uid, prior.plane)
    return Proposal(record, tracked.confidence)
