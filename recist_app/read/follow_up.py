"""A lesion found again at a follow-up (issue 16; docs/VIEWER.md "Jumping to a lesion"): what the reader is shown
before measuring it there, and the prior at the position of a suspected new lesion. Qt-free: the reading widgets
only draw and say what these return.

- :func:`ghost_of`: a lesion not measured at the time point shown yet. Its latest earlier caliper (so a reader's
  correction, measured where the lesion really was, is what the next time point starts from) is carried onto
  the series shown through the registration of the two series, with the tracking's confidence; until the
  alignment has arrived, it is drawn where it was in the scanner's coordinates and said to be so. The caption
  carries the lesion's label and its irradiation on study (RULES §3.2), which go with the lesion.
- :func:`prior_here`: where a point of the series shown lies on the prior series (the new-lesion help: was it
  there before?).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from recist_app.imaging.tracking.alignment import Alignment
from recist_app.imaging.tracking.proposal import propose
from recist_app.imaging.tracking.refine import LOW_CONFIDENCE, refine
from recist_app.imaging.volume import CtVolume
from recist_app.model.caliper import CaliperRecord, lesion_lines, prior_record_on
from recist_app.model.records import ReadSnapshot

#: An alignment of a follow-up to a prior series and the prior volume, by the prior's Series Instance UID; None
#: while it is being made (the caller then makes it in the background: the reader never waits).
AlignedPair = tuple[Alignment, CtVolume]
PairOf = Callable[[str], AlignedPair | None]


@dataclass(frozen=True)
class Ghost:
    """A lesion's prior caliper on the series shown: ``record`` (dashed, inert), ``caption`` beside it, ``message``
    for the status bar; ``confidence`` is None until the series are aligned (then ``record`` is where the lesion
    was, not where it is)."""

    record: CaliperRecord
    caption: str
    message: str
    confidence: float | None


@dataclass(frozen=True)
class PriorPosition:
    """A point of the series shown, found on the prior series: there (LPS mm), its slice, and the tracking's
    confidence."""

    point_mm: tuple[float, float, float]
    slice_index: int
    confidence: float

    @property
    def low(self) -> bool:
        """True when the reader must check the match by eye."""
        return self.confidence < LOW_CONFIDENCE


def ghost_of(snapshot: ReadSnapshot, lesion_uid: str, timepoint_uid: str, volume: CtVolume,
             pair_of: PairOf) -> Ghost | None:
    """The ghost of ``lesion_uid`` on ``volume`` (the series shown at ``timepoint_uid``), None when the lesion has
    no earlier caliper or the series no millimetres."""
    found = prior_record_on(snapshot, lesion_uid, timepoint_uid, volume)
    if found is None:
        return None
    where_it_was, prior = found
    lesion = snapshot.lesion(lesion_uid)
    label = f"{lesion.label} (irradiated)" if lesion.irradiated else lesion.label
    visit = snapshot.timepoint(timepoint_uid).visit
    prior_series = next(m.line.series_uid for m in lesion_lines(snapshot, lesion_uid, prior.uid))
    pair = pair_of(prior_series) if prior_series != volume.series_uid else None
    proposal = propose(where_it_was, pair[1], volume, pair[0]) if pair is not None else None
    if proposal is None:
        return Ghost(where_it_was, f"{label} at {prior.visit}",
                     f"{lesion.label} is not measured at {visit} yet: its {prior.visit} caliper is drawn dashed "
                     "where it was" + (" (the scans are being aligned)." if pair is None else "."), None)
    sure = "low confidence" if proposal.low else "confidence"
    caption = f"{label} from {prior.visit}, {sure} {proposal.confidence:.2f}"
    if proposal.low:
        return Ghost(proposal.record, caption,
                     f"{lesion.label} is not measured at {visit} yet: the registration with {prior.visit} cannot "
                     f"pin it down (confidence {proposal.confidence:.2f}); its caliper is drawn dashed there: find "
                     "the lesion by eye.", proposal.confidence)
    return Ghost(proposal.record, caption,
                 f"{lesion.label} is not measured at {visit} yet: its {prior.visit} caliper is drawn dashed where "
                 f"the registration puts it (confidence {proposal.confidence:.2f}).", proposal.confidence)


def image_middle(volume: CtVolume, k: int) -> np.ndarray:
    """LPS mm of the middle of slice ``k``."""
    rows, columns = volume.shape[1:]
    return volume.index_to_patient((columns - 1) / 2, (rows - 1) / 2, k)


def prior_here(current: CtVolume, point_mm: np.ndarray, pair: AlignedPair) -> PriorPosition:
    """Where ``point_mm`` of ``current`` lies on the prior volume of ``pair`` (the alignment of ``current`` to it,
    inverted, and refined locally)."""
    alignment, prior_volume = pair
    found = refine(current, prior_volume, alignment.inverse(), point_mm)
    k = round(prior_volume.patient_to_index(found.followup_mm)[2])
    return PriorPosition(found.followup_mm, min(max(k, 0), prior_volume.shape[0] - 1), found.confidence)
