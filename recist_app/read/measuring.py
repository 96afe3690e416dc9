"""The measuring tool in a read (issue 17): a stroke across a lesion, or a lesion's prior caliper at a follow-up,
becomes a proposed bidirectional caliper the reader accepts (Enter), adjusts (drags an end) or rejects (Esc).
Qt-free: the slice view draws the proposal and forwards the reader's keys; what is proposed and what is stored
is decided here.

- :func:`propose`: a stroke (or a click: both ends on one pixel) on slice ``k`` → :class:`CaliperProposal`;
- :func:`propose_again`: the same lesion re-measured from a caliper, e.g. the prior the tracking placed on the
  follow-up (:func:`recist_app.read.follow_up.ghost_of`), so re-measuring a target is one key;
- :func:`longest`: the lesion followed to the adjacent slices, proposed on the one where it is longest (RECIST
  1.1 measures it there);
- :func:`lesion_under`: the lesion already measured where the stroke was drawn (accepting replaces its caliper);
- :func:`accepted`: the record stored, PROPOSED as proposed or PROPOSED EDITED once the reader moved an end
  (:class:`~recist_app.model.records.MeasurementMethod`).

A lymph node's caliper is stored with both axes like any bidirectional one; the engine sums its short axis
(RULES §1.2, ``Lesion.recist_axis``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from recist_app.imaging import geometry
from recist_app.imaging.segmentation.measure import StrokeMeasurement, measure, stroke_of, survey
from recist_app.imaging.segmentation.stroke import Stroke
from recist_app.imaging.volume import CtVolume
from recist_app.model.caliper import CaliperKind, CaliperRecord, IndexLine, Point, record_of_lesion
from recist_app.model.records import MeasurementMethod, ReadSnapshot

#: How far (mm) an end may lie from where it was proposed and still count as not moved: the round trip of a point
#: through the view's coordinates is exact to far less.
MOVED_MM = 0.01


@dataclass(frozen=True)
class CaliperProposal:
    """The tool's proposal: a bidirectional caliper (method PROPOSED) on slice ``record.slice_index``, the lesion's
    outline there as pixel-edge segments (DICOM indices ``(col, row)``, integer at the pixel centre, so each edge
    lies half a pixel off the centres it separates) and the measurement behind it."""

    record: CaliperRecord
    outline: tuple[IndexLine, ...]
    measurement: StrokeMeasurement

    @property
    def text(self) -> str:
        """What the reader is told of it."""
        m = self.measurement
        return (f"Proposed {m.long_axis_mm:.1f} × {m.short_axis_mm:.1f} mm: Enter accepts, Esc rejects, drag an end "
                "to adjust, L: the image where it is longest.")


def propose(volume: CtVolume, k: int, start: tuple[float, float], end: tuple[float, float]) -> CaliperProposal:
    """The proposal for a stroke from ``start`` to ``end`` (DICOM indices ``(col, row)``) on slice ``k``.

    Raises
    ------
    UncalibratedImageError
        The series has no Pixel Spacing (0028,0030).
    StrokeError
        The stroke lies off the image.
    NoLesionFoundError
        No lesion lies under the stroke (the message says why).
    """
    return _proposal(volume, measure(volume, k, Stroke(start, end)))


def propose_again(volume: CtVolume, record: CaliperRecord) -> CaliperProposal:
    """The lesion under ``record``'s long axis re-measured (a prior caliper placed on ``volume`` seeds it); raises
    as :func:`propose` does."""
    k, stroke = stroke_of(record, volume)
    return _proposal(volume, measure(volume, k, stroke))


def longest(volume: CtVolume, proposal: CaliperProposal) -> tuple[CaliperProposal, dict[int, float]]:
    """The lesion of ``proposal`` proposed on the slice where its long axis is longest, and the long axis (mm) on
    each slice it was followed to."""
    found = survey(volume, proposal.measurement)
    return _proposal(volume, found.longest), found.long_axis_mm


def accepted(proposal: CaliperProposal, placed: CaliperRecord) -> CaliperRecord:
    """The record to store when the reader accepts ``placed`` (the proposal as it is on the view now): PROPOSED when
    each axis still has its ends where they were proposed (in either order), PROPOSED EDITED once one was moved."""
    moved = any(not _same_line(shown, proposed) for shown, proposed in zip(
        _axes(placed), _axes(proposal.record), strict=True))
    method = MeasurementMethod.PROPOSED_EDITED if moved else MeasurementMethod.PROPOSED
    return dataclasses.replace(placed, method=method)


def lesion_under(proposal: CaliperProposal, snapshot: ReadSnapshot, timepoint_uid: str, volume: CtVolume) -> str | None:
    """The lesion whose caliper at ``timepoint_uid`` lies on the proposal's slice with its long axis' middle inside
    the proposal's region: the lesion the stroke re-measures (its uid), so that accepting replaces its caliper
    rather than adding a second lesion on it. None when there is none."""
    region = proposal.measurement.region
    row0, column0 = region.origin
    for lesion in snapshot.lesions:
        record = record_of_lesion(snapshot, lesion.uid, timepoint_uid, volume)
        if record is None or record.plane.is_reformat or record.p1_mm is None or record.p2_mm is None:
            continue
        placed = record.to_index(volume)
        (c1, r1), (c2, r2) = placed.long_axis
        row, column = round((r1 + r2) / 2) - row0, round((c1 + c2) / 2) - column0
        if placed.k == proposal.record.slice_index and 0 <= row < region.mask.shape[0] and \
                0 <= column < region.mask.shape[1] and region.mask[row, column]:
            return lesion.uid
    return None


def outline(mask: np.ndarray, origin: tuple[int, int]) -> tuple[IndexLine, ...]:
    """The edges between a region's pixels and the rest, as segments in DICOM indices of the image (``mask`` rows
    and columns; its first pixel at image ``origin`` = (row, column))."""
    padded = np.pad(mask.astype(bool), 1)
    row0, col0 = origin[0] - 1, origin[1] - 1
    segments: list[IndexLine] = []
    rows, cols = np.nonzero(padded[1:, :] != padded[:-1, :])  # between (r, c) and (r + 1, c): a horizontal edge
    for r, c in zip((rows + row0).tolist(), (cols + col0).tolist(), strict=True):
        segments.append(((c - 0.5, r + 0.5), (c + 0.5, r + 0.5)))
    rows, cols = np.nonzero(padded[:, 1:] != padded[:, :-1])  # between (r, c) and (r, c + 1): a vertical edge
    for r, c in zip((rows + row0).tolist(), (cols + col0).tolist(), strict=True):
        segments.append(((c + 0.5, r - 0.5), (c + 0.5, r + 0.5)))
    return tuple(segments)


def _proposal(volume: CtVolume, m: StrokeMeasurement) -> CaliperProposal:
    record = CaliperRecord(CaliperKind.BIDIRECTIONAL, *m.long_axis_endpoints_mm, *m.short_axis_endpoints_mm,
                           m.slice_index, m.sop_uid, volume.series_uid, volume.frame_of_reference_uid,
                           method=MeasurementMethod.PROPOSED)
    return CaliperProposal(record, outline(m.region.mask, m.region.origin), m)


def _axes(record: CaliperRecord) -> tuple[tuple[Point | None, Point | None], ...]:
    return (record.p1_mm, record.p2_mm), (record.short_p1_mm, record.short_p2_mm)


def _same_line(line: tuple[Point | None, Point | None], other: tuple[Point | None, Point | None]) -> bool:
    """True when two lines have the same ends (within :data:`MOVED_MM`), in either order, or both have none."""
    (a, b), (c, d) = line, other
    if a is None or b is None or c is None or d is None:
        return a is c is None
    return any(geometry.distance_mm(p, r) <= MOVED_MM and geometry.distance_mm(q, s) <= MOVED_MM
               for (p, q), (r, s) in (((a, b), (c, d)), ((a, b), (d, c))))
