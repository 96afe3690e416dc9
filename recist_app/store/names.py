"""How the store names records to a reader (issue 12, "Messages"): visits, series, never identifiers.

A refusal names a time point as its reader sees it (:func:`visit_label`: "Week 8", or "TP2" where
the trial blinds visits for the reader's role) and a series by number and description
(:attr:`~recist_app.model.records.SeriesLink.label`), so that no message shows a record's UUID or
a DICOM UID.
"""

from __future__ import annotations

from collections.abc import Sequence

from recist_app.model.records import SeriesLink
from recist_app.store import mapping, snapshots
from recist_app.store.repository import Repository
from recist_app.store.schema import ReadRow, TimepointRow


def visit_label(repo: Repository, read: ReadRow, tp: TimepointRow) -> str:
    """The time point's name as the repository's reader sees it: "Baseline", "TP2" … where the trial
    blinds visits for this role (:mod:`recist_app.store.snapshots`), else its visit (or scan date)."""
    trial = repo.trial()
    if not snapshots.is_blinded_for(trial.blind_visits, repo.scope.role):
        return tp.visit or str(tp.scan_date)
    seed = f"{trial.uid}:{read.subject_uid}:{repo.scope.reader_uid or read.reader_uid}"
    labelled = snapshots.blinded(snapshots.subject_timepoints(repo, read.subject_uid), seed)
    return next((t.visit for t in labelled if t.uid == tp.uid), "this time point")


def series_words(repo: Repository, read: ReadRow, series_uid: str) -> str:
    """A series named for the reader: its number and description and the visit it is linked to, if any."""
    timepoints = {tp.uid: tp for tp in repo.timepoints(read.subject_uid)}
    for row in repo.series(list(timepoints)):
        if row.series_uid == series_uid:
            return f"{mapping.series(row).label} of {visit_label(repo, read, timepoints[row.timepoint_uid])}"
    return "a series not imported for this subject"


def linked_words(visit: str, linked: Sequence[SeriesLink]) -> str:
    """What the reader may choose instead: the series linked to ``visit`` (or that it has none)."""
    if not linked:
        return f"{visit} has no series yet (import its images first: File > Open folder)"
    return f"choose one of the series of {visit}: {', '.join(link.label for link in linked)}"


def capital(text: str) -> str:
    """``text`` with its first letter upper case (a label that starts a sentence)."""
    return text[:1].upper() + text[1:]
