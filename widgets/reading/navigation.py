"""Where the reader lands: the slice a series opens on, the prior time point compared with, the lock text.

Pure functions of the read (no Qt state), used by :class:`widgets.reading.controller.ReadingController`.
"""

from __future__ import annotations

from assessment.read_report import ReadReport
from recist_app.imaging.volume import CtVolume
from recist_app.model.caliper import lesion_lines, record_of_lesion
from recist_app.model.records import LesionRole, ReadSnapshot


def _jump_candidates(snapshot: ReadSnapshot, timepoint_uid: str, pending_lesion: str) -> list[str]:
    """``pending_lesion``, else the lesions measured at the time point (targets first, lowest label)."""
    if pending_lesion:
        return [pending_lesion]
    measured = {m.lesion_uid for m in snapshot.measurements if m.timepoint_uid == timepoint_uid}
    lesions = sorted((lesion for lesion in snapshot.lesions if lesion.uid in measured),
                     key=lambda lesion: (lesion.role is not LesionRole.TARGET, lesion.label))
    return [lesion.uid for lesion in lesions]


def jump_slice(snapshot: ReadSnapshot, timepoint_uid: str, pending_lesion: str, volume: CtVolume) -> int | None:
    """The slice a loaded series opens on: ``pending_lesion``'s caliper, else the first lesion measured
    at the time point (targets first, lowest label), else None (the middle slice; VIEWER.md)."""
    for lesion_uid in _jump_candidates(snapshot, timepoint_uid, pending_lesion):
        record = record_of_lesion(snapshot, lesion_uid, timepoint_uid, volume)
        if record is not None:
            return record.slice_index
    return None


def jump_image(snapshot: ReadSnapshot, timepoint_uid: str, pending_lesion: str, series_uid: str) -> str:
    """The SOP Instance UID of the image :func:`jump_slice` will open series ``series_uid`` on, known before it is
    loaded (a series on a PACS fetches that image first); "" when none is measured there."""
    for lesion_uid in _jump_candidates(snapshot, timepoint_uid, pending_lesion):
        for measurement in lesion_lines(snapshot, lesion_uid, timepoint_uid):
            if measurement.line.series_uid == series_uid:
                return measurement.line.sop_uid
    return ""


#: What the compare view's left side shows (issue 12 "Compare that fits"); any other value is a time point's uid.
PREVIOUS, NADIR, BASELINE = "previous", "nadir", "baseline"


def prior_timepoint(snapshot: ReadSnapshot, report: ReadReport | None, timepoint_uid: str,
                    prior: str = PREVIOUS) -> str | None:
    """The time point compared with ``timepoint_uid``: the one before it (:data:`PREVIOUS`, baseline for
    baseline itself), :data:`BASELINE`, :data:`NADIR` (the smallest complete sum before it, the latest
    if tied; RECIST 1.1 §4.3.1; baseline without one) or the time point whose uid ``prior`` is."""
    order = [tp.uid for tp in snapshot.timepoints]
    if not order:
        return None
    if prior in order:
        return prior
    here = order.index(timepoint_uid) if timepoint_uid in order else len(order)
    if prior == PREVIOUS:
        return order[max(here - 1, 0)]
    if prior != NADIR or report is None:
        return order[0]
    results = list(report.recist.timepoints)
    index = next((n for n, tp in enumerate(results) if tp.visit_id == timepoint_uid), len(results))
    earlier = [(tp.sum_mm, -n, tp.visit_id) for n, tp in enumerate(results[:index])
               if tp.sum_mm is not None and tp.sum_complete]
    return min(earlier)[2] if earlier else order[0]


def signed_timepoints(snapshot: ReadSnapshot) -> set[str]:
    """The time points of the read that are signed (read-only)."""
    return {rt.timepoint_uid for rt in snapshot.read_timepoints if rt.signed}


def lock_text(snapshot: ReadSnapshot, timepoint_uid: str, reader_name: str) -> str | None:
    """The padlock bar's text for a signed time point ("BL is signed by … on … UTC and read-only."), else None."""
    tp = next((tp for tp in snapshot.timepoints if tp.uid == timepoint_uid), None)
    state = next((rt for rt in snapshot.read_timepoints if rt.timepoint_uid == timepoint_uid and rt.signed), None)
    if tp is None or state is None:
        return None
    return f"{tp.visit} is signed by {reader_name} on {utc_text(state.signed_at)} and read-only."


def utc_text(stamp: str | None) -> str:
    """``2026-11-24T01:29:11.856922Z`` as ``2026-11-24 01:29 UTC``."""
    text = stamp or ""
    return f"{text[:10]} {text[11:16]} UTC" if len(text) >= 16 and text[10] == "T" else text
