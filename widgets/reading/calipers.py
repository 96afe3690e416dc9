"""Between the slice view's calipers and the read's lines (ARCHITECTURE §1.3 steps 5–6; cornerstone adapter).

A caliper of the view is a :class:`~recist_app.model.caliper.CaliperRecord`; the read stores
:class:`~recist_app.model.records.LineMeasurement` lines, one per axis (C4: patient LPS mm with the
SOP, series and frame-of-reference UIDs). A length caliper is the long axis of a lesion, or the
short axis of a lymph node (the diameter RECIST 1.1 §4.2 sums for nodes); a bidirectional caliper
is both axes. Back the other way, a lesion's lines at a time point make one caliper, keyed by
:func:`caliper_key`.
"""

from __future__ import annotations

from collections import defaultdict

from recist_app.imaging.volume import CtVolume
from recist_app.model.caliper import CaliperKind, CaliperRecord
from recist_app.model.records import (
    Axis,
    Lesion,
    LineMeasurement,
    Measurement,
    ReadSnapshot,
)
from widgets.viewer.slice_view import MeasurementItem

FRAGMENT_SEPARATOR = "#"


def caliper_key(lesion_uid: str, fragment: int = 0) -> str:
    """The view key of a lesion's caliper (``uid`` or ``uid#2`` for fragment 2 of a split lesion)."""
    return lesion_uid if fragment == 0 else f"{lesion_uid}{FRAGMENT_SEPARATOR}{fragment}"


def parse_key(key: str) -> tuple[str, int]:
    """``(lesion_uid, fragment)`` of a key made by :func:`caliper_key`."""
    uid, _, fragment = key.partition(FRAGMENT_SEPARATOR)
    return uid, int(fragment) if fragment.isdigit() else 0


def lines_from_record(record: CaliperRecord, nodal: bool) -> list[LineMeasurement]:
    """The lines a caliper stores: long (+ short) axis; a node's length caliper is its short axis.

    Raises
    ------
    UncalibratedImageError
        When the record has no millimetres (C6).
    InvalidRecordError
        When the caliper has no frame of reference or a zero-length axis.
    """
    if not record.calibrated:
        record.long_axis_mm  # noqa: B018  (raises UncalibratedImageError, with its message)
    uids = {"sop_uid": record.sop_uid, "series_uid": record.series_uid,
            "frame_of_reference_uid": record.frame_of_reference_uid or ""}
    if record.kind is CaliperKind.BIDIRECTIONAL:
        return [LineMeasurement.from_points(record.p1_mm, record.p2_mm, axis=Axis.LONG, **uids),  # type: ignore[arg-type]
                LineMeasurement.from_points(record.short_p1_mm, record.short_p2_mm,  # type: ignore[arg-type]
                                            axis=Axis.SHORT, **uids)]
    axis = Axis.SHORT if nodal else Axis.LONG
    return [LineMeasurement.from_points(record.p1_mm, record.p2_mm, axis=axis, **uids)]  # type: ignore[arg-type]


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
    if long is not None and short is not None:
        return CaliperRecord(CaliperKind.BIDIRECTIONAL, long.p1_mm, long.p2_mm, short.p1_mm, short.p2_mm, k,
                             main.sop_uid, main.series_uid, main.frame_of_reference_uid)
    return CaliperRecord(CaliperKind.LENGTH, main.p1_mm, main.p2_mm, None, None, k, main.sop_uid,
                         main.series_uid, main.frame_of_reference_uid)


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


def measurement_items(snapshot: ReadSnapshot, timepoint_uid: str, volume: CtVolume) -> list[MeasurementItem]:
    """The read's calipers at ``timepoint_uid`` that lie on ``volume``, with lesion label and role."""
    grouped: dict[tuple[str, int], list[LineMeasurement]] = defaultdict(list)
    for measurement in snapshot.measurements:
        if measurement.timepoint_uid == timepoint_uid:
            grouped[(measurement.lesion_uid, measurement.fragment)].append(measurement.line)
    lesions: dict[str, Lesion] = {lesion.uid: lesion for lesion in snapshot.lesions}
    items = []
    for (uid, fragment), lines in grouped.items():
        record = record_from_lines(lines, volume)
        lesion = lesions.get(uid)
        if record is None or lesion is None:
            continue
        label = lesion.label if fragment == 0 else f"{lesion.label}.{fragment}"
        items.append(MeasurementItem(caliper_key(uid, fragment), record, label, lesion.role.value))
    return items


def record_of_lesion(snapshot: ReadSnapshot, lesion_uid: str, timepoint_uid: str,
                     volume: CtVolume) -> CaliperRecord | None:
    """The lesion's caliper at the time point on ``volume`` (None when not measured there)."""
    lines = [m.line for m in lesion_lines(snapshot, lesion_uid, timepoint_uid)]
    return record_from_lines(lines, volume) if lines else None
