"""The read's calipers as the slice view's items (ARCHITECTURE §1.3 step 4; cornerstone adapter).

What a caliper means for the read (caliper ↔ lines, keys) is Qt-free in
:mod:`recist_app.model.caliper`; this module only turns a time point's calipers into
:class:`~widgets.viewer.slice_view.MeasurementItem` with lesion label and role.
"""

from __future__ import annotations

from collections import defaultdict

from recist_app.imaging.volume import CtVolume
from recist_app.model.caliper import caliper_key, fragment_label, record_from_lines
from recist_app.model.records import Lesion, LineMeasurement, ReadSnapshot
from widgets.viewer.slice_view import MeasurementItem


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
        if record is None or lesion is None or record.plane.is_reformat:  # drawn on the reformat panes
            continue
        items.append(MeasurementItem(caliper_key(uid, fragment), record, fragment_label(lesion.label, fragment),
                                     lesion.role.value))
    return items

