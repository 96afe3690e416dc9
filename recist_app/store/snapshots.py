"""A read as its reader may see it: :class:`~recist_app.model.records.ReadSnapshot`, optionally blinded.

Blinding (issue 5, central review): where the trial asks for it, central readers and the
adjudicator see the follow-up time points as "TP1, TP2 …" in a randomised order without scan
dates. Baseline stays first and is labelled "Baseline", because RECIST 1.1 selects target lesions
there (§4.1). The order is reproducible: follow-ups are sorted by SHA-256 of
``trial:subject:reader:timepoint``, so every reader gets their own order, the same each time, and
a new follow-up never reorders the others.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import defaultdict

from recist_app.model.records import ReaderRole, ReadSnapshot, SeriesLink, Timepoint
from recist_app.store import mapping
from recist_app.store.repository import Repository
from recist_app.store.schema import ReadRow, SiteRow

BASELINE_LABEL = "Baseline"


def blinded(timepoints: tuple[Timepoint, ...], seed: str) -> tuple[Timepoint, ...]:
    """``timepoints`` (baseline first) relabelled "Baseline", "TP1" … in the seeded order, undated."""
    if not timepoints:
        return ()
    baseline, *follow_ups = timepoints
    follow_ups.sort(key=lambda tp: hashlib.sha256(f"{seed}:{tp.uid}".encode()).hexdigest())
    labelled = [(baseline, BASELINE_LABEL)] + [(tp, f"TP{n}") for n, tp in enumerate(follow_ups, start=1)]
    return tuple(dataclasses.replace(tp, visit=label, scan_date=None, blinded=True) for tp, label in labelled)


def is_blinded_for(blind_visits: bool, role: ReaderRole) -> bool:
    """True when the trial blinds visits and ``role`` is a central reader or the adjudicator."""
    return blind_visits and (role.is_central or role is ReaderRole.ADJUDICATOR)


def as_seen_by(snapshot: ReadSnapshot, role: ReaderRole, viewer_uid: str) -> ReadSnapshot:
    """``snapshot`` (unblinded) as ``role`` sees it: time points blinded where the trial asks."""
    if not is_blinded_for(snapshot.trial.blind_visits, role):
        return snapshot
    seed = f"{snapshot.trial.uid}:{snapshot.subject.uid}:{viewer_uid}"
    return dataclasses.replace(snapshot, timepoints=blinded(snapshot.timepoints, seed))


def subject_timepoints(repo: Repository, subject_uid: str) -> tuple[Timepoint, ...]:
    """The subject's time points with their series, by scan date (unblinded)."""
    rows = repo.timepoints(subject_uid)
    links: dict[str, list[SeriesLink]] = defaultdict(list)
    for row in repo.series([tp.uid for tp in rows]):
        links[row.timepoint_uid].append(mapping.series(row))
    return tuple(mapping.timepoint(row, index == 0, tuple(links[row.uid])) for index, row in enumerate(rows))


def build(repo: Repository, read_row: ReadRow, *, blind_as: ReaderRole | None = None) -> ReadSnapshot:
    """The snapshot of ``read_row`` within ``repo``'s scope, blinded for ``blind_as`` where the trial asks."""
    trial_row = repo.trial()
    subject_row = repo.subject_by_uid(read_row.subject_uid)
    site_row = repo.session.get(SiteRow, subject_row.site_uid)
    reader = mapping.reader(repo.reader(read_row.reader_uid))
    timepoints = subject_timepoints(repo, subject_row.uid)
    read_uid = read_row.uid
    snapshot = ReadSnapshot(
        trial=mapping.trial(trial_row),
        subject=mapping.subject(subject_row, site_row.code if site_row is not None else ""),
        reader=reader,
        read=mapping.read(read_row),
        timepoints=timepoints,
        lesions=tuple(mapping.lesion(row) for row in repo.lesions(read_uid)),
        measurements=tuple(mapping.measurement(row) for row in repo.measurements(read_uid)),
        states=tuple(mapping.state(row) for row in repo.states(read_uid)),
        read_timepoints=tuple(sorted((mapping.read_timepoint(row) for row in repo.read_timepoints(read_uid)),
                                     key=lambda rt: rt.timepoint_uid)),
    )
    if blind_as is None:
        return snapshot
    return as_seen_by(snapshot, blind_as, repo.scope.reader_uid or read_row.reader_uid)
