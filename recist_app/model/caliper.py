"""Calipers ↔ the read's lines, in patient LPS mm (ARCHITECTURE C4, C6; §1.3 steps 5–6).

Qt-free. The slice view's measuring tools hand DICOM indices ``(col, row)`` of the caliper ends
(integer at the pixel centre; the corner → centre step is
:func:`recist_app.imaging.geometry.item_to_index`) to :meth:`CaliperRecord.from_index`, which turns
them into patient mm with the slice's own (0020,0032) *Image Position (Patient)*. Lengths are
derived from the points with :func:`recist_app.imaging.geometry.distance_mm`, never stored. An image
without (0028,0030) *Pixel Spacing* has no millimetres: its record carries no points and asking it
for a length raises :class:`~recist_app.imaging.errors.UncalibratedImageError` (C6, no "px as mm").

The read stores :class:`~recist_app.model.records.LineMeasurement` lines, one per axis
(:func:`lines_from_record`): a length caliper is the long axis of a lesion, or the short axis of a
lymph node (the diameter RECIST 1.1 §4.2 sums for nodes); a bidirectional caliper is both axes.
Back the other way, a lesion's lines at a time point make one caliper (:func:`record_from_lines`),
keyed by :func:`caliper_key`. Measuring a lesion replaces the statements of
:data:`CLEARED_BY_MEASURING` (the reader measured it after all).

A length caliper may also be drawn on a coronal or sagittal reformat (:meth:`CaliperRecord.from_reformat`):
its lines keep that plane (:class:`~recist_app.model.records.MeasurementPlane`), the axial slice view
does not draw them, and the reformat panes do (:func:`reformat_lines`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

from assessment.domain import Status
from recist_app.imaging import geometry
from recist_app.imaging.errors import UncalibratedImageError
from recist_app.model.records import (
    Axis,
    LineMeasurement,
    Measurement,
    MeasurementMethod,
    MeasurementPlane,
    ReadSnapshot,
    Timepoint,
)

if TYPE_CHECKING:
    from recist_app.imaging.volume import CtVolume

Point = tuple[float, float, float]
#: DICOM index ``(col, row)`` in one slice (integer at the pixel centre).
IndexPoint = tuple[float, float]
IndexLine = tuple[IndexPoint, IndexPoint]
#: Volume index ``(col, row, k)``, fractional (a point on a reformat).
VolumeIndex = tuple[float, float, float]


class CaliperKind(StrEnum):
    """Which tool drew the record (VIEWER.md "Measuring")."""

    LENGTH = "length"
    BIDIRECTIONAL = "bidirectional"


@dataclass(frozen=True)
class CaliperIndex:
    """A record placed back on its volume: slice ``k`` and the DICOM indices of the ends."""

    k: int
    long_axis: IndexLine
    short_axis: IndexLine | None


@dataclass(frozen=True)
class CaliperRecord:
    """One length or bidirectional caliper on one slice, in patient LPS mm.

    Use :meth:`from_index`. ``p1_mm``/``p2_mm`` are the ends of the long axis (the only axis of
    a length caliper), ``short_p1_mm``/``short_p2_mm`` those of the perpendicular short axis of a
    bidirectional one. All four are None when the image is uncalibrated (no (0028,0030)).

    Attributes
    ----------
    kind : CaliperKind
    p1_mm, p2_mm : tuple of 3 float or None
    short_p1_mm, short_p2_mm : tuple of 3 float or None
    slice_index : int
        Index of the slice in the volume (ascending along the slice normal).
    sop_uid, series_uid : str
        (0008,0018) of the slice and (0020,000E) of its series.
    frame_of_reference_uid : str or None
        (0020,0052).
    plane : MeasurementPlane
        AXIAL, or CORONAL / SAGITTAL for a length caliper drawn on a reformat (:meth:`from_reformat`):
        its ends may lie on different slices and ``slice_index`` is the slice nearest its midpoint.
    method : MeasurementMethod
        MANUAL for a caliper the reader drew; PROPOSED (or PROPOSED EDITED once moved) for the measuring
        tool's proposal (:mod:`recist_app.imaging.segmentation`).
    """

    kind: CaliperKind
    p1_mm: Point | None
    p2_mm: Point | None
    short_p1_mm: Point | None
    short_p2_mm: Point | None
    slice_index: int
    sop_uid: str
    series_uid: str
    frame_of_reference_uid: str | None
    plane: MeasurementPlane = MeasurementPlane.AXIAL
    method: MeasurementMethod = MeasurementMethod.MANUAL

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", CaliperKind(self.kind))
        object.__setattr__(self, "plane", MeasurementPlane(self.plane))
        object.__setattr__(self, "method", MeasurementMethod(self.method))
        if self.plane.is_reformat and self.kind is not CaliperKind.LENGTH:
            raise ValueError(f'Argument "kind" must be length for a caliper on a {self.plane.value.lower()} '
                             f"reformat, got {self.kind.value}.")
        ends = (self.p1_mm, self.p2_mm)
        shorts = (self.short_p1_mm, self.short_p2_mm)
        if (ends[0] is None) != (ends[1] is None):
            raise ValueError('Arguments "p1_mm" and "p2_mm" must both be points or both None.')
        if (shorts[0] is None) != (shorts[1] is None):
            raise ValueError('Arguments "short_p1_mm" and "short_p2_mm" must both be points or both None.')
        if self.p1_mm is None and shorts[0] is not None:
            raise ValueError('Argument "short_p1_mm" must be None when the record has no mm (uncalibrated).')
        wants_short = self.kind is CaliperKind.BIDIRECTIONAL and self.p1_mm is not None
        if wants_short != (shorts[0] is not None):
            raise ValueError(f'Argument "short_p1_mm" must be {"a point" if wants_short else "None"} '
                             f"for a {self.kind.value} caliper, got {shorts[0]!r}.")

    @classmethod
    def from_index(cls, volume: CtVolume, k: int, long_axis: IndexLine,
                   short_axis: IndexLine | None = None) -> CaliperRecord:
        """A record from DICOM indices ``(col, row)`` on slice ``k`` of ``volume``.

        Parameters
        ----------
        volume : CtVolume
            The volume the caliper was drawn on.
        k : int
            Slice index (0-based, volume order).
        long_axis : ((col, row), (col, row))
            Ends of the long axis (of the line, for a length caliper).
        short_axis : ((col, row), (col, row)) or None
            Ends of the short axis; given for a bidirectional caliper.

        Returns
        -------
        CaliperRecord
            With patient LPS points, or with None points on an uncalibrated volume.
        """
        count = volume.shape[0]
        if not 0 <= int(k) < count:
            raise ValueError(f'Argument "k" must be a slice index in [0, {count}), got {k}.')
        kind = CaliperKind.LENGTH if short_axis is None else CaliperKind.BIDIRECTIONAL
        points: list[Point | None] = [None, None, None, None]
        if volume.calibrated:
            lines = [long_axis] + ([short_axis] if short_axis is not None else [])
            ends = [end for line in lines for end in line]
            for i, (col, row) in enumerate(ends):
                points[i] = _point(volume.index_to_patient(col, row, int(k)))
        return cls(kind, points[0], points[1], points[2], points[3], int(k), volume.sop_uids[int(k)],
                   volume.series_uid, volume.frame_of_reference_uid)

    @classmethod
    def from_reformat(cls, volume: CtVolume, plane: MeasurementPlane | str, start: VolumeIndex,
                      end: VolumeIndex) -> CaliperRecord:
        """A length caliper drawn on a coronal or sagittal reformat of ``volume``.

        ``start`` and ``end`` are the volume indices ``(col, row, k)`` of its ends (fractional:
        :meth:`recist_app.imaging.reformat.ReformatPlane.to_volume` of the display pixels); each end
        goes to patient mm through the positions of the slices around it (exact for uneven gaps).
        The record names the slice nearest the midpoint. None points on an uncalibrated volume.
        """
        plane = MeasurementPlane(str(plane).upper())
        if not plane.is_reformat:
            raise ValueError(f'Argument "plane" must be CORONAL or SAGITTAL, got {plane.value}.')
        last = volume.shape[0] - 1
        ends = [tuple(float(v) for v in start), tuple(float(v) for v in end)]
        if any(len(index) != 3 or not -0.5 <= index[2] <= last + 0.5 for index in ends):
            raise ValueError(f'Arguments "start" and "end" must be volume indices (col, row, k) with k in '
                             f"[0, {last}], got {start!r} and {end!r}.")
        k = min(max(round((ends[0][2] + ends[1][2]) / 2), 0), last)
        points: list[Point | None] = [None, None]
        if volume.calibrated:
            points = [_point(volume.index_to_patient(col, row, min(max(depth, 0.0), last)))
                      for col, row, depth in ends]
        return cls(CaliperKind.LENGTH, points[0], points[1], None, None, k, volume.sop_uids[k], volume.series_uid,
                   volume.frame_of_reference_uid, plane)

    @property
    def calibrated(self) -> bool:
        """True when the record carries millimetres (its image had (0028,0030) *Pixel Spacing*)."""
        return self.p1_mm is not None

    def _need_mm(self) -> None:
        if self.p1_mm is None:
            raise UncalibratedImageError(
                "The caliper was drawn on an image without Pixel Spacing (0028,0030), so it has no "
                "millimetres. Measure on a calibrated series instead.")

    def ends_mm(self) -> tuple[tuple[Point, Point], tuple[Point, Point] | None]:
        """The ends of the long axis and of the short axis (None for a length caliper), in mm.

        Raises
        ------
        UncalibratedImageError
            When the record has no millimetres (C6).
        """
        self._need_mm()
        assert self.p1_mm is not None and self.p2_mm is not None  # _need_mm
        if self.short_p1_mm is None or self.short_p2_mm is None:
            return (self.p1_mm, self.p2_mm), None
        return (self.p1_mm, self.p2_mm), (self.short_p1_mm, self.short_p2_mm)

    @property
    def long_axis_mm(self) -> float:
        """Length of the long axis (of the line) in mm; :class:`UncalibratedImageError` without mm."""
        (p1, p2), _ = self.ends_mm()
        return geometry.distance_mm(p1, p2)

    @property
    def short_axis_mm(self) -> float | None:
        """Length of the short axis in mm (None for a length caliper); raises without mm."""
        _, short = self.ends_mm()
        return geometry.distance_mm(*short) if short is not None else None

    @property
    def axes_angle_deg(self) -> float | None:
        """Angle between the long and short axes in degrees (90 when perpendicular); None if no short."""
        (p1, p2), short = self.ends_mm()
        if short is None:
            return None
        long_dir, short_dir = np.subtract(p2, p1), np.subtract(short[1], short[0])
        norms = float(np.linalg.norm(long_dir) * np.linalg.norm(short_dir))
        if norms == 0.0:
            return None
        cosine = abs(float(long_dir @ short_dir)) / norms
        return math.degrees(math.acos(min(1.0, cosine)))

    def to_index(self, volume: CtVolume) -> CaliperIndex:
        """Place the record back on ``volume`` (patient mm → index via :func:`geometry.patient_to_index`).

        Raises
        ------
        UncalibratedImageError
            When the record or the volume has no millimetres.
        ValueError
            When ``volume`` is not the series the record was drawn on.
        """
        long_ends, short_ends = self.ends_mm()
        if volume.series_uid != self.series_uid:
            raise ValueError(f'Argument "volume" must be series {self.series_uid}, got {volume.series_uid}.')

        def line(a: Point, b: Point) -> tuple[IndexLine, float]:
            ca, ra, ka = volume.patient_to_index(a)
            cb, rb, _ = volume.patient_to_index(b)
            return ((ca, ra), (cb, rb)), ka

        long_axis, k = line(*long_ends)
        short_axis = line(*short_ends)[0] if short_ends is not None else None
        return CaliperIndex(round(k), long_axis, short_axis)


FRAGMENT_SEPARATOR = "#"
#: Statements a new caliper replaces: the reader measured the lesion after all (RULES §1.4, §1.6).
CLEARED_BY_MEASURING = frozenset({Status.TOO_SMALL, Status.DISAPPEARED, Status.NOT_ASSESSED, Status.ABSENT})


def fragment_label(label: str, fragment: int = 0) -> str:
    """What a caliper of a lesion's fragment is labelled on an image: ``T03``, or ``T03.2`` for fragment 2."""
    return label if fragment == 0 else f"{label}.{fragment}"


def caliper_key(lesion_uid: str, fragment: int = 0) -> str:
    """The view key of a lesion's caliper (``uid`` or ``uid#2`` for fragment 2 of a split lesion)."""
    return lesion_uid if fragment == 0 else f"{lesion_uid}{FRAGMENT_SEPARATOR}{fragment}"


def parse_key(key: str) -> tuple[str, int]:
    """``(lesion_uid, fragment)`` of a key made by :func:`caliper_key`."""
    uid, _, fragment = key.partition(FRAGMENT_SEPARATOR)
    return uid, int(fragment) if fragment.isdigit() else 0


def lines_from_record(record: CaliperRecord, nodal: bool) -> tuple[LineMeasurement, ...]:
    """The lines a caliper stores: long (+ short) axis; a node's length caliper is its short axis.

    Raises
    ------
    UncalibratedImageError
        When the record has no millimetres (C6).
    InvalidRecordError
        When the caliper has no frame of reference or a zero-length axis.
    """
    long_axis, short_axis = record.ends_mm()

    def line(ends: tuple[Point, Point], axis: Axis) -> LineMeasurement:
        return LineMeasurement.from_points(*ends, axis=axis, sop_uid=record.sop_uid, series_uid=record.series_uid,
                                           frame_of_reference_uid=record.frame_of_reference_uid or "",
                                           plane=record.plane, method=record.method)

    if short_axis is not None:
        return line(long_axis, Axis.LONG), line(short_axis, Axis.SHORT)
    return (line(long_axis, Axis.SHORT if nodal else Axis.LONG),)


def record_from_lines(lines: list[LineMeasurement], volume: CtVolume) -> CaliperRecord | None:
    """One caliper of a lesion's lines on ``volume`` (both axes: bidirectional); None if not on it."""
    lines = [line for line in lines if line.series_uid == volume.series_uid]
    if not lines or not volume.calibrated:
        return None
    by_axis = {line.axis: line for line in lines}
    long, short = by_axis.get(Axis.LONG), by_axis.get(Axis.SHORT)
    main = long or short
    assert main is not None
    k = _slice_of(main, volume)
    if long is not None and short is not None and not main.plane.is_reformat:
        return CaliperRecord(CaliperKind.BIDIRECTIONAL, long.p1_mm, long.p2_mm, short.p1_mm, short.p2_mm, k,
                             main.sop_uid, main.series_uid, main.frame_of_reference_uid, method=main.method)
    return CaliperRecord(CaliperKind.LENGTH, main.p1_mm, main.p2_mm, None, None, k, main.sop_uid,
                         main.series_uid, main.frame_of_reference_uid, main.plane, main.method)


def _slice_of(line: LineMeasurement, volume: CtVolume) -> int:
    if line.sop_uid in volume.sop_uids:
        return volume.sop_uids.index(line.sop_uid)
    k = round(volume.patient_to_index(line.p1_mm)[2])
    return min(max(k, 0), volume.shape[0] - 1)


def lesion_lines(snapshot: ReadSnapshot, lesion_uid: str, timepoint_uid: str,
                 fragment: int | None = 0) -> list[Measurement]:
    """The lesion's measurements at the time point (one fragment, or all when ``fragment`` is None)."""
    return [m for m in snapshot.measurements if m.lesion_uid == lesion_uid and m.timepoint_uid == timepoint_uid
            and (fragment is None or m.fragment == fragment)]


def record_of_lesion(snapshot: ReadSnapshot, lesion_uid: str, timepoint_uid: str,
                     volume: CtVolume) -> CaliperRecord | None:
    """The lesion's caliper at the time point on ``volume`` (None when not measured there)."""
    lines = [m.line for m in lesion_lines(snapshot, lesion_uid, timepoint_uid)]
    return record_from_lines(lines, volume) if lines else None


@dataclass(frozen=True)
class ReformatLine:
    """A line of the read drawn on a reformat, placed on a volume: ends as volume indices ``(col, row, k)``."""

    key: str
    label: str
    role: str
    plane: MeasurementPlane
    start: VolumeIndex
    end: VolumeIndex
    length_mm: float


def reformat_lines(snapshot: ReadSnapshot, timepoint_uid: str, volume: CtVolume) -> list[ReformatLine]:
    """The read's lines at ``timepoint_uid`` drawn on a reformat of ``volume``'s series, with lesion labels."""
    if not volume.calibrated:
        return []
    lesions = {lesion.uid: lesion for lesion in snapshot.lesions}
    found = []
    for m in snapshot.measurements:
        lesion = lesions.get(m.lesion_uid)
        if (m.timepoint_uid != timepoint_uid or not m.line.plane.is_reformat or lesion is None
                or m.line.series_uid != volume.series_uid):
            continue
        found.append(ReformatLine(caliper_key(lesion.uid, m.fragment), fragment_label(lesion.label, m.fragment),
                                  lesion.role.value, m.line.plane,
                                  volume.patient_to_index(m.line.p1_mm), volume.patient_to_index(m.line.p2_mm),
                                  m.line.length_mm))
    return found


def _point(values: np.ndarray) -> Point:
    return (float(values[0]), float(values[1]), float(values[2]))


def prior_record_on(snapshot: ReadSnapshot, lesion_uid: str, timepoint_uid: str,
                    volume: CtVolume) -> tuple[CaliperRecord, Timepoint] | None:
    """The lesion's latest caliper before ``timepoint_uid``, placed on ``volume`` where it was in patient mm.

    For the ghost of a lesion not yet measured at the time point (VIEWER.md "Jumping to a lesion"):
    the prior's points are kept in LPS mm and its slice is the nearest of ``volume``. Two scans are not
    registered, so this is where the lesion *was* in the scanner's coordinates, not where it is.
    None when the lesion has no earlier caliper or ``volume`` has no millimetres.
    """
    order = [tp.uid for tp in snapshot.timepoints]
    if timepoint_uid not in order or not volume.calibrated:
        return None
    for tp in reversed(snapshot.timepoints[:order.index(timepoint_uid)]):
        lines = {m.line.axis: m.line for m in lesion_lines(snapshot, lesion_uid, tp.uid)
                 if not m.line.plane.is_reformat}
        main = lines.get(Axis.LONG) or lines.get(Axis.SHORT)
        if main is None:
            continue
        k = min(max(round(volume.patient_to_index(main.p1_mm)[2]), 0), volume.shape[0] - 1)
        short = lines.get(Axis.SHORT) if Axis.LONG in lines else None
        kind = CaliperKind.BIDIRECTIONAL if short is not None else CaliperKind.LENGTH
        record = CaliperRecord(kind, main.p1_mm, main.p2_mm, short.p1_mm if short else None,
                               short.p2_mm if short else None, k, volume.sop_uids[k], volume.series_uid,
                               volume.frame_of_reference_uid)
        return record, tp
    return None
