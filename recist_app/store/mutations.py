"""The reader's commands on one read (issue 5): each validates, then mutates rows through a unit of work.

Each function runs inside the caller's transaction; :class:`~recist_app.store.read_session.ReadSession`
wraps every call in one transaction with its audit row and pushes it on the undo stack.
Impossible input raises (ARCHITECTURE C8); a record the caller edits carries the version it saw,
and a stale version raises :class:`ConflictError`. Input a reader can give from the workstation
raises :class:`~recist_app.store.errors.RefusedInputError` (an ``InvalidRecordError``) whose message
is in the reader's words: lesions by label, visits as the reader sees them (blinded where the trial
blinds), series by number and description, never a record identifier.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select

from recist_app.model.caliper import CLEARED_BY_MEASURING
from recist_app.model.errors import InvalidRecordError
from recist_app.model.records import (
    STATUSES_BY_ROLE,
    Lesion,
    LesionRole,
    LesionState,
    LineMeasurement,
    Measurement,
    ReadTimepoint,
    SeriesChoice,
    SeriesLink,
    Status,
    new_tracking_uid,
    new_uid,
)
from recist_app.store import mapping, names
from recist_app.store.audit import utc_now
from recist_app.store.errors import ConflictError, DuplicateError, RefusedInputError, TimepointLockedError
from recist_app.store.names import visit_label
from recist_app.store.repository import Repository
from recist_app.store.schema import (
    LesionRow,
    LesionStateRow,
    MeasurementRow,
    ReadRow,
    ReadSeriesRow,
    ReadTimepointRow,
    SeriesRow,
    TimepointRow,
)
from recist_app.store.unit_of_work import UnitOfWork

#: Lesion fields :func:`edit_lesion` may change (irradiation has its own command).
EDITABLE_LESION_FIELDS = frozenset({"label", "organ", "nodal", "role", "first_timepoint_uid", "previously_irradiated"})


def add_lesion(uow: UnitOfWork, repo: Repository, read: ReadRow, label: str, role: LesionRole | str, *,
               organ: str = "", nodal: bool = False, first_timepoint_uid: str | None = None,
               previously_irradiated: bool = False) -> Lesion:
    """A new lesion with a fresh tracking UID (targets and non-targets at baseline; new ones later)."""
    values = _lesion_values(repo, read, None, {"label": label, "role": role, "organ": organ, "nodal": nodal,
                                               "first_timepoint_uid": first_timepoint_uid,
                                               "previously_irradiated": previously_irradiated})
    row = uow.insert(LesionRow(uid=new_tracking_uid(), read_uid=read.uid, irradiated=False, sbrt_start=None,
                               sbrt_end=None, sbrt_dose_gy=None, sbrt_fractions=None, **values))
    return mapping.lesion(row)


def edit_lesion(uow: UnitOfWork, repo: Repository, read: ReadRow, lesion: Lesion, changes: dict[str, Any]) -> Lesion:
    """Change some of :data:`EDITABLE_LESION_FIELDS` of ``lesion`` (the version the caller saw)."""
    unknown = sorted(set(changes) - EDITABLE_LESION_FIELDS)
    if unknown:
        raise InvalidRecordError("changes", unknown, f"names among {sorted(EDITABLE_LESION_FIELDS)}")
    row = repo.lesion(lesion.uid, read.uid)
    current = {name: getattr(row, name) for name in EDITABLE_LESION_FIELDS}
    values = _lesion_values(repo, read, row, {**current, **changes})
    return mapping.lesion(uow.update(row, lesion.version, **values))


def flag_irradiated(uow: UnitOfWork, repo: Repository, read: ReadRow, lesion: Lesion, irradiated: bool = True, *,
                    sbrt_start: date | None = None, sbrt_end: date | None = None, dose_gy: float | None = None,
                    fractions: int | None = None) -> Lesion:
    """Mark ``lesion`` irradiated on study (SBRT dates, dose in Gy, fractions), or clear the mark."""
    row = repo.lesion(lesion.uid, read.uid)
    if not irradiated:
        sbrt_start = sbrt_end = dose_gy = fractions = None
    else:
        if sbrt_start is None:
            raise RefusedInputError("sbrt_start", None, "the first SBRT date of an irradiated lesion",
                                    f"Give the first day of {row.label}'s SBRT course: an irradiated lesion needs it.")
        if sbrt_end is not None and sbrt_end < sbrt_start:
            raise RefusedInputError("sbrt_end", sbrt_end, f"on or after sbrt_start ({sbrt_start})",
                                    f"{row.label}'s SBRT course ends ({sbrt_end}) before it starts ({sbrt_start}); "
                                    "correct the dates.")
        if dose_gy is not None and not dose_gy > 0:
            raise RefusedInputError("dose_gy", dose_gy, "a positive dose in Gy",
                                    f"Give {row.label}'s SBRT dose in Gy, more than 0 (not {dose_gy}).")
        if fractions is not None and (isinstance(fractions, bool) or fractions < 1):
            raise RefusedInputError("fractions", fractions, "a whole number of fractions ≥ 1",
                                    f"Give {row.label}'s number of SBRT fractions as a whole number, 1 or more "
                                    f"(not {fractions}).")
    return mapping.lesion(uow.update(row, lesion.version, irradiated=irradiated, sbrt_start=sbrt_start,
                                     sbrt_end=sbrt_end, sbrt_dose_gy=dose_gy, sbrt_fractions=fractions))


def delete_lesion(uow: UnitOfWork, repo: Repository, read: ReadRow, lesion: Lesion) -> None:
    """Delete ``lesion`` with its measurements and states (each recorded, so undo restores them)."""
    row = repo.lesion(lesion.uid, read.uid)
    if row.version != lesion.version:
        raise ConflictError(row.kind, row.uid, lesion.version, row.version)
    survivors_of = [s for s in repo.merged_into(read.uid, row.uid) if s.lesion_uid != row.uid]
    if survivors_of:
        merged = sorted(repo.lesion(state.lesion_uid, read.uid).label for state in survivors_of)
        names = ", ".join(dict.fromkeys(merged))
        raise RefusedInputError("lesion", row.label, "a lesion no other lesion was merged into",
                                f"{row.label} cannot be deleted: {names} {'was' if len(set(merged)) == 1 else 'were'} "
                                f"merged into it. Change the status of {names} first.")
    for measurement in repo.measurements(read.uid, row.uid):
        uow.delete(measurement, None)
    for state in repo.states(read.uid, row.uid):
        uow.delete(state, None)
    uow.delete(row, lesion.version)


def record_measurement(uow: UnitOfWork, repo: Repository, read: ReadRow, lesion_uid: str, timepoint_uid: str,
                       line: LineMeasurement, fragment: int = 0) -> Measurement:
    """Store a new caliper line (edit an existing one with :func:`edit_measurement`)."""
    lesion = repo.lesion(lesion_uid, read.uid)
    tp = _lesion_timepoint(repo, read, lesion, timepoint_uid)
    if isinstance(fragment, bool) or not isinstance(fragment, int) or fragment < 0:
        raise InvalidRecordError("fragment", fragment, "0, or the number (1, 2 …) of a split lesion's fragment")
    _check_series(repo, read, tp, line)
    existing = [m for m in repo.measurements(read.uid, lesion.uid) if m.timepoint_uid == tp.uid
                and m.axis == line.axis.value and m.fragment == fragment]
    if existing:
        piece = f" (fragment {fragment})" if fragment else ""
        raise DuplicateError("measurement", (lesion.uid, tp.uid, line.axis.value, fragment),
                             f"{lesion.label}{piece} already has a {line.axis.value} axis at "
                             f"{visit_label(repo, read, tp)}; edit that line instead of adding another.")
    row = uow.insert(MeasurementRow(uid=new_uid(), lesion_uid=lesion.uid, timepoint_uid=tp.uid, fragment=fragment,
                                    recorded_at=utc_now(), **mapping.line_columns(line)))
    return mapping.measurement(row)


def record_caliper(uow: UnitOfWork, repo: Repository, read: ReadRow, lesion_uid: str, timepoint_uid: str,
                   lines: Sequence[LineMeasurement], fragment: int = 0) -> tuple[Measurement, ...]:
    """Store a drawn or edited caliper as the lesion's lines at a time point, replacing that fragment's lines.

    One caliper is one command: a bidirectional caliper's two lines are written together or not at
    all. A statement the measurement contradicts (:data:`~recist_app.model.caliper.CLEARED_BY_MEASURING`)
    is removed, keeping the reader's radiation-induced mark (RULES §7 A9).
    """
    axes = [line.axis for line in lines]
    if not lines or len(set(axes)) != len(axes):
        raise InvalidRecordError("lines", [axis.value for axis in axes], "one line per axis (long, short or both)")
    lesion = repo.lesion(lesion_uid, read.uid)
    tp = _lesion_timepoint(repo, read, lesion, timepoint_uid)
    existing = {m.axis: m for m in repo.measurements(read.uid, lesion.uid)
                if m.timepoint_uid == tp.uid and m.fragment == fragment}
    stored = []
    for line in lines:
        row = existing.pop(line.axis.value, None)
        if row is None:
            stored.append(record_measurement(uow, repo, read, lesion.uid, tp.uid, line, fragment))
        else:
            _check_series(repo, read, tp, line)
            stored.append(mapping.measurement(uow.update(row, row.version, recorded_at=utc_now(),
                                                         **mapping.line_columns(line))))
    for stale in existing.values():
        uow.delete(stale, stale.version)
    state = next((s for s in repo.states(read.uid, lesion.uid) if s.timepoint_uid == tp.uid), None)
    if state is not None and state.status in CLEARED_BY_MEASURING:
        set_status(uow, repo, read, lesion.uid, tp.uid, None, radiation_induced=state.radiation_induced,
                   replacing=mapping.state(state))
    return tuple(stored)


def delete_caliper(uow: UnitOfWork, repo: Repository, read: ReadRow, lesion_uid: str, timepoint_uid: str,
                   fragment: int = 0) -> None:
    """Delete the lesion's lines (one fragment) at a time point: one command for the whole caliper."""
    lesion = repo.lesion(lesion_uid, read.uid)
    for row in repo.measurements(read.uid, lesion.uid):
        if row.timepoint_uid == timepoint_uid and row.fragment == fragment:
            uow.delete(row, row.version)


def edit_measurement(uow: UnitOfWork, repo: Repository, read: ReadRow, measurement: Measurement,
                     line: LineMeasurement) -> Measurement:
    """Replace the line of ``measurement`` (the version the caller saw)."""
    row = repo.measurement(measurement.uid, read.uid)
    tp = repo.timepoint(row.timepoint_uid, read.subject_uid)
    _check_series(repo, read, tp, line)
    if line.axis.value != row.axis:
        raise InvalidRecordError("line.axis", line.axis.value, f"the measurement's axis ({row.axis})")
    return mapping.measurement(uow.update(row, measurement.version, recorded_at=utc_now(),
                                          **mapping.line_columns(line)))


def delete_measurement(uow: UnitOfWork, repo: Repository, read: ReadRow, measurement: Measurement) -> None:
    """Delete ``measurement`` (the version the caller saw)."""
    uow.delete(repo.measurement(measurement.uid, read.uid), measurement.version)


def set_status(uow: UnitOfWork, repo: Repository, read: ReadRow, lesion_uid: str, timepoint_uid: str,
               status: Status | str | None, *, merged_into_uid: str | None = None, radiation_induced: bool = False,
               replacing: LesionState | None = None, reason: str = "") -> LesionState | None:
    """State a lesion's status at a time point; ``replacing`` is the state the caller saw (None: none);
    ``reason`` says why a lesion was not assessed (kept for NOT ASSESSED only).

    Status None without ``radiation_induced`` removes the statement (the lines decide again).
    """
    lesion = repo.lesion(lesion_uid, read.uid)
    tp = _lesion_timepoint(repo, read, lesion, timepoint_uid)
    value = _status(status, LesionRole(lesion.role))
    if (value is Status.MERGED) != (merged_into_uid is not None):
        raise RefusedInputError("merged_into_uid", merged_into_uid, "the surviving lesion, given for MERGED only",
                                f"Say which lesion {lesion.label} merged into: a merged lesion needs it."
                                if value is Status.MERGED else
                                f"Only a merged lesion names the lesion it merged into; {lesion.label} is not "
                                "stated as merged.")
    if merged_into_uid is not None:
        if merged_into_uid == lesion.uid:
            raise RefusedInputError("merged_into_uid", merged_into_uid, "another lesion of this read",
                                    f"{lesion.label} cannot merge into itself; choose another lesion of this read.")
        repo.lesion(merged_into_uid, read.uid)
    if radiation_induced and not lesion.irradiated:
        raise RefusedInputError("radiation_induced", True, f"False for {lesion.label}, which is not irradiated",
                                f"{lesion.label} is not marked irradiated on study, so its change cannot be "
                                "radiation-induced. Mark it irradiated first (with its SBRT course).")
    existing = next((s for s in repo.states(read.uid, lesion.uid) if s.timepoint_uid == tp.uid), None)
    if existing is not None and (replacing is None or replacing.uid != existing.uid):
        raise ConflictError(existing.kind, existing.uid, replacing.version if replacing else None, existing.version)
    if existing is None and replacing is not None:
        raise ConflictError("lesion state", replacing.uid, replacing.version, None)
    values = {"status": value.value if value else None, "merged_into_uid": merged_into_uid,
              "radiation_induced": bool(radiation_induced),
              "reason": reason.strip() if value is Status.NOT_ASSESSED else ""}
    if value is None and not radiation_induced:
        if existing is not None:
            uow.delete(existing, replacing.version if replacing else None)
        return None
    if existing is not None:
        return mapping.state(uow.update(existing, replacing.version if replacing else None, **values))
    return mapping.state(uow.insert(LesionStateRow(uid=new_uid(), lesion_uid=lesion.uid, timepoint_uid=tp.uid,
                                                   **values)))


def assign_series(uow: UnitOfWork, repo: Repository, subject_uid: str, timepoint_uid: str, *, study_uid: str,
                  series_uid: str, path: str = "", modality: str = "", description: str = "",
                  frame_of_reference_uid: str = "", slice_thickness_mm: float | None = None,
                  series_number: int | None = None) -> SeriesLink:
    """Link a DICOM series (by UID and path) to an imaging time point of the subject.

    ``series_number`` is (0020,0011) *Series Number*, which tells apart series of one description.
    """
    tp = repo.timepoint(timepoint_uid, subject_uid)
    for name, value in (("study_uid", study_uid), ("series_uid", series_uid)):
        if not value:
            raise InvalidRecordError(name, value, "a non-empty DICOM UID")
    if series_number is not None and (isinstance(series_number, bool) or not isinstance(series_number, int)):
        raise InvalidRecordError("series_number", series_number, "a whole number (0020,0011) or None")
    if any(s.series_uid == series_uid for s in repo.series([tp.uid])):
        label = SeriesLink(uid="", timepoint_uid=tp.uid, study_uid=study_uid, series_uid=series_uid, modality=modality,
                           description=description, series_number=series_number).label
        raise DuplicateError("series link", series_uid, f"{names.capital(label)} is already linked to "
                                                        f"{tp.visit or tp.scan_date}; nothing was changed.")
    row = uow.insert(SeriesRow(uid=new_uid(), timepoint_uid=tp.uid, study_uid=study_uid, series_uid=series_uid,
                               path=str(path), modality=modality, description=description,
                               frame_of_reference_uid=frame_of_reference_uid or "",
                               slice_thickness_mm=slice_thickness_mm, series_number=series_number))
    return mapping.series(row)


def timepoint_series(repo: Repository, subject_uid: str, timepoint_uid: str) -> tuple[SeriesLink, ...]:
    """The series linked to a time point of the subject, by series number (unnumbered last), then description."""
    tp = repo.timepoint(timepoint_uid, subject_uid)
    links = [mapping.series(row) for row in repo.series([tp.uid])]
    return tuple(sorted(links, key=lambda link: (link.series_number is None, link.series_number or 0,
                                                 link.description, link.series_uid)))


def series_choices(repo: Repository, read: ReadRow) -> list[ReadSeriesRow]:
    """The series chosen per time point in ``read`` (a read the scoped repository returned, so visible)."""
    query = select(ReadSeriesRow).where(ReadSeriesRow.read_uid == read.uid).order_by(ReadSeriesRow.timepoint_uid)
    return list(repo.session.scalars(query))


def choose_series(uow: UnitOfWork, repo: Repository, read: ReadRow, timepoint_uid: str,
                  series_uid: str) -> SeriesChoice:
    """The reader measures on linked series ``series_uid`` at this time point (replacing an earlier choice).

    Refused with :class:`TimepointLockedError` while the time point is signed, and with
    :class:`InvalidRecordError` for a series not linked to the time point; both messages name the
    visit as the reader sees it (blinded where the trial blinds) and the series by number and
    description, never by UID. Choosing the series already chosen changes nothing.
    """
    tp = repo.timepoint(timepoint_uid, read.subject_uid)
    signature = repo.read_timepoint(read.uid, tp.uid)
    if signature is not None and signature.signed_at is not None:
        visit = visit_label(repo, read, tp)
        raise TimepointLockedError(tp.uid, visit, f"{visit} is signed and read-only: reopen it with a reason before "
                                                  "choosing another series.")
    linked = timepoint_series(repo, read.subject_uid, tp.uid)
    if not any(link.series_uid == series_uid for link in linked):
        visit, chosen = visit_label(repo, read, tp), names.series_words(repo, read, series_uid)
        raise RefusedInputError("series_uid", series_uid, "a series linked to the time point",
                                f"{names.capital(chosen)} cannot be read at {visit}; "
                                f"{names.linked_words(visit, linked)}.")
    existing = next((row for row in series_choices(repo, read) if row.timepoint_uid == tp.uid), None)
    if existing is None:
        row = uow.insert(ReadSeriesRow(uid=new_uid(), read_uid=read.uid, timepoint_uid=tp.uid, series_uid=series_uid,
                                       chosen_at=utc_now()))
    elif existing.series_uid != series_uid:
        row = uow.update(existing, None, series_uid=series_uid, chosen_at=utc_now())
    else:
        row = existing
    return mapping.series_choice(row)


def confirm_cr(uow: UnitOfWork, repo: Repository, read: ReadRow, timepoint_uid: str,
               confirmed: bool) -> ReadTimepoint:
    """The reader states that a CR at this time point was real (RULES §7 A5)."""
    tp = repo.timepoint(timepoint_uid, read.subject_uid)
    row = repo.read_timepoint(read.uid, tp.uid)
    if row is None:
        row = uow.insert(ReadTimepointRow(uid=new_uid(), read_uid=read.uid, timepoint_uid=tp.uid,
                                          cr_confirmed=bool(confirmed), signed_at=None, signed_by_uid=None,
                                          meaning="", reopen_reason=""))
    else:
        row = uow.update(row, None, cr_confirmed=bool(confirmed))
    return mapping.read_timepoint(row)


def _lesion_values(repo: Repository, read: ReadRow, row: LesionRow | None, values: dict[str, Any]) -> dict[str, Any]:
    """Validated lesion columns: label unique in the read, role consistent with the first time point."""
    label = str(values["label"] or "").strip()
    if not label or len(label) > 32:
        raise RefusedInputError("label", values["label"], "a non-empty label of at most 32 characters (e.g. T01)",
                                "A lesion label has 1 to 32 characters (e.g. T01); "
                                + (f"this one has {len(label)}." if label else "type one."))
    if any(other.label == label and (row is None or other.uid != row.uid) for other in repo.lesions(read.uid)):
        raise DuplicateError("lesion label", label)
    try:
        role = LesionRole(values["role"])
    except ValueError:
        raise InvalidRecordError("role", values["role"], f"one of {[r.value for r in LesionRole]}") from None
    timepoints = repo.timepoints(read.subject_uid)
    if not timepoints:
        raise RefusedInputError("first_timepoint_uid", None, "a time point of the subject; add a scan first",
                                "This subject has no scan yet: import its images before adding lesions "
                                "(File > Open folder).")
    first = repo.timepoint(values["first_timepoint_uid"] or timepoints[0].uid, read.subject_uid)
    if role.is_new == (first.uid == timepoints[0].uid):
        where = "a follow-up time point for a new lesion" if role.is_new else \
            "the baseline time point for a target or non-target lesion (RECIST 1.1 §4.1)"
        visit = visit_label(repo, read, first)
        message = (f"A new lesion appears after baseline: add it at a follow-up time point, not at {visit}."
                   if role.is_new else
                   f"A {role.value.lower()} lesion is chosen at baseline (RECIST 1.1 §4.1): add it at "
                   f"{visit_label(repo, read, timepoints[0])}, not at {visit}, or add it as a new lesion.")
        raise RefusedInputError("first_timepoint_uid", first.uid, where, message)
    return {"label": label, "role": role.value, "organ": str(values["organ"] or ""), "nodal": bool(values["nodal"]),
            "first_timepoint_uid": first.uid, "previously_irradiated": bool(values["previously_irradiated"])}


def _lesion_timepoint(repo: Repository, read: ReadRow, lesion: LesionRow, timepoint_uid: str) -> TimepointRow:
    """The time point, which must not precede the lesion's first time point."""
    tp = repo.timepoint(timepoint_uid, read.subject_uid)
    first = repo.timepoint(lesion.first_timepoint_uid, read.subject_uid)
    if tp.scan_date < first.scan_date:
        seen, since = visit_label(repo, read, tp), visit_label(repo, read, first)
        raise RefusedInputError("timepoint_uid", tp.uid, f"on or after {lesion.label}'s first time point",
                                f"{lesion.label} first appears at {since}, so nothing can be recorded for it at "
                                f"{seen}. Choose {since} or a later time point.")
    return tp


def _check_series(repo: Repository, read: ReadRow, tp: TimepointRow, line: LineMeasurement) -> None:
    """Where series are assigned to the time point, the line must be drawn on one of them (C4)."""
    linked = repo.series([tp.uid])
    if not linked:
        return
    match = next((s for s in linked if s.series_uid == line.series_uid), None)
    if match is None:
        links = sorted((mapping.series(row) for row in linked), key=lambda link: (link.series_number is None,
                                                                                  link.series_number or 0))
        raise RefusedInputError("series_uid", line.series_uid, "a series assigned to this time point",
                                f"The caliper was drawn on {names.series_words(repo, read, line.series_uid)}, not on a "
                                f"series of {visit_label(repo, read, tp)}: draw it again on one of them "
                                f"({', '.join(link.label for link in links)}).")
    if match.frame_of_reference_uid and match.frame_of_reference_uid != line.frame_of_reference_uid:
        raise RefusedInputError("frame_of_reference_uid", line.frame_of_reference_uid,
                                f"the series' frame of reference ({match.frame_of_reference_uid})",
                                f"The caliper's image does not belong to {mapping.series(match).label} of "
                                f"{visit_label(repo, read, tp)} (another frame of reference); draw the caliper again "
                                "on that series.")


def _status(status: Status | str | None, role: LesionRole) -> Status | None:
    if status is None:
        return None
    try:
        value = Status(status)
    except ValueError:
        stated = [s.value for s in Status if s is not Status.MEASURED]
        raise RefusedInputError("status", status, f"one of {stated}",
                                f"There is no lesion status {status!r}; choose one of: "
                                f"{', '.join(s.lower() for s in stated)}.") from None
    allowed = STATUSES_BY_ROLE[role]
    if value not in allowed:
        names = sorted(s.value for s in allowed)
        raise RefusedInputError("status", value.value, f"one of {names} for a {role} lesion",
                                f'A {role.value.lower()} lesion cannot have the status "{value.value.lower()}"; choose '
                                f"one of: {', '.join(name.lower() for name in names)}.")
    return value
