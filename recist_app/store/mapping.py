"""Rows → read-model records (ARCHITECTURE C9: row mapping lives only in ``store/``)."""

from __future__ import annotations

from recist_app.model.records import (
    AdjudicationTask,
    Axis,
    Lesion,
    LesionRole,
    LesionState,
    LineMeasurement,
    Measurement,
    MeasurementMethod,
    MeasurementPlane,
    Read,
    Reader,
    ReaderRole,
    ReadTimepoint,
    SeriesChoice,
    SeriesLink,
    Site,
    Status,
    Subject,
    Timepoint,
    TimepointResultRecord,
    Trial,
)
from recist_app.store.schema import (
    AdjudicationRow,
    LesionRow,
    LesionStateRow,
    MeasurementRow,
    ReaderRow,
    ReadRow,
    ReadSeriesRow,
    ReadTimepointRow,
    SeriesRow,
    SiteRow,
    SubjectRow,
    TimepointResultRow,
    TimepointRow,
    TrialRow,
)


def trial(row: TrialRow) -> Trial:
    """The trial record."""
    points = tuple(p for p in row.adjudicate_on.split(",") if p)
    return Trial(row.uid, row.code, row.name, row.profile_toml, row.blind_visits, points, row.version)


def site(row: SiteRow) -> Site:
    """The site record."""
    return Site(row.uid, row.code, row.name)


def subject(row: SubjectRow, site_code: str) -> Subject:
    """The subject record (``site_code`` from its site row)."""
    return Subject(row.uid, row.subject_id, site_code, row.arm, row.randomised_on, row.first_dose_on,
                   row.prev_pfs_days, row.prev_pfs_censored, row.version, row.reads_due_on)


def series(row: SeriesRow) -> SeriesLink:
    """The series-link record."""
    return SeriesLink(row.uid, row.timepoint_uid, row.study_uid, row.series_uid, row.path, row.modality,
                      row.description, row.frame_of_reference_uid, row.slice_thickness_mm, row.version,
                      series_number=row.series_number)


def timepoint(row: TimepointRow, is_baseline: bool, links: tuple[SeriesLink, ...]) -> Timepoint:
    """The unblinded time-point record."""
    return Timepoint(row.uid, row.subject_uid, row.visit, row.scan_date, is_baseline, links, False, row.version)


def reader(row: ReaderRow) -> Reader:
    """The reader record (never the password hash)."""
    return Reader(row.uid, row.name, ReaderRole(row.role), row.active, row.db_role)


def read(row: ReadRow) -> Read:
    """The read record."""
    return Read(row.uid, row.subject_uid, row.reader_uid, row.accepted, row.version)


def lesion(row: LesionRow) -> Lesion:
    """The lesion record."""
    return Lesion(row.uid, row.read_uid, row.label, LesionRole(row.role), row.first_timepoint_uid, row.organ,
                  row.nodal, row.irradiated, row.sbrt_start, row.sbrt_end, row.sbrt_dose_gy, row.sbrt_fractions,
                  row.previously_irradiated, row.version)


def measurement(row: MeasurementRow) -> Measurement:
    """The measurement record with its line (points in patient LPS mm)."""
    line = LineMeasurement((row.p1_x_mm, row.p1_y_mm, row.p1_z_mm), (row.p2_x_mm, row.p2_y_mm, row.p2_z_mm),
                           Axis(row.axis), row.sop_uid, row.series_uid, row.frame_of_reference_uid,
                           MeasurementPlane(row.plane), MeasurementMethod(row.method))
    return Measurement(row.uid, row.lesion_uid, row.timepoint_uid, line, row.fragment, row.recorded_at,
                       row.version)


def line_columns(line: LineMeasurement) -> dict[str, object]:
    """The measurement columns holding ``line``."""
    (x1, y1, z1), (x2, y2, z2) = line.p1_mm, line.p2_mm
    return {"axis": line.axis.value, "p1_x_mm": x1, "p1_y_mm": y1, "p1_z_mm": z1, "p2_x_mm": x2, "p2_y_mm": y2,
            "p2_z_mm": z2, "sop_uid": line.sop_uid, "series_uid": line.series_uid,
            "frame_of_reference_uid": line.frame_of_reference_uid, "plane": line.plane.value,
            "method": line.method.value}


def state(row: LesionStateRow) -> LesionState:
    """The lesion-state record."""
    status = Status(row.status) if row.status is not None else None
    return LesionState(row.uid, row.lesion_uid, row.timepoint_uid, status, row.merged_into_uid,
                       row.radiation_induced, row.version, row.reason or "")


def read_timepoint(row: ReadTimepointRow) -> ReadTimepoint:
    """The read × time-point record (CR confirmation, signature)."""
    return ReadTimepoint(row.timepoint_uid, row.cr_confirmed, row.signed_at, row.signed_by_uid, row.meaning,
                         row.reopen_reason, row.version)


def series_choice(row: ReadSeriesRow) -> SeriesChoice:
    """The series a read uses at one time point."""
    return SeriesChoice(row.timepoint_uid, row.series_uid, row.chosen_at, row.version)


def result(row: TimepointResultRow) -> TimepointResultRecord:
    """The cached engine result."""
    return TimepointResultRecord(row.read_uid, row.timepoint_uid, row.recist_overall, row.target_response,
                                 row.nontarget_response, row.new_lesion, row.sum_mm, row.pct_change_baseline,
                                 row.pct_change_nadir, row.irecist_overall, row.rationale, row.engine_version,
                                 row.rules_version, row.input_sha256)


def task(row: AdjudicationRow) -> AdjudicationTask:
    """The adjudication-task record."""
    return AdjudicationTask(row.uid, row.subject_uid, (row.read_a_uid, row.read_b_uid), row.disagreement,
                            row.status, row.accepted_read_uid, row.reason, row.resolved_by_uid, row.version)
