"""Records every layer shares (ARCHITECTURE §1.1): frozen read records, calipers, lesion labels.

No SQL and no pydicom here: the store maps rows to these records, the viewer draws them, the
engine adapter (:mod:`recist_app.evaluation`) turns them into engine inputs. The face of the
package is the read records of :mod:`recist_app.model.records`, e.g.
``LineMeasurement.from_points(p1_mm, p2_mm, axis="long", sop_uid=…, series_uid=…,
frame_of_reference_uid=…)``; calipers are in :mod:`recist_app.model.caliper` and labels in
:mod:`recist_app.model.labels`.
"""

from recist_app.model.records import (
    AdjudicationTask,
    AuditEntry,
    Axis,
    Lesion,
    LesionRole,
    LesionState,
    LineMeasurement,
    Measurement,
    Read,
    Reader,
    ReaderRole,
    ReadSnapshot,
    ReadSummary,
    ReadTimepoint,
    SeriesLink,
    Site,
    Subject,
    Timepoint,
    Trial,
)

__all__ = ["AdjudicationTask", "AuditEntry", "Axis", "Lesion", "LesionRole", "LesionState", "LineMeasurement",
           "Measurement", "Read", "ReadSnapshot", "ReadSummary", "ReadTimepoint", "Reader", "ReaderRole", "SeriesLink",
           "Site", "Subject", "Timepoint", "Trial"]
