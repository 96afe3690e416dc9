"""The engine's cached results, checked by recomputing them (issue 14; the cache is not audited).

``timepoint_results`` is derived data written outside the audited commands
(:mod:`recist_app.store.results`): :meth:`ReadSession.results <recist_app.store.read_session.ReadSession.results>`
serves a read's cached rows as long as they carry the fingerprint of the read as it is now, and
recomputes them otherwise. So a stale row is harmless (it is never served), but a row whose
fingerprint is current is served as it stands: :func:`check_results` recomputes each such read with
the engine and reports every cached row that differs from the engine's verdict (a response category
edited in SQL, say). The data the engine reads is itself checked against the log by
:mod:`recist_app.store.audit_replay`.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from recist_app.evaluation import engine
from recist_app.model.records import TimepointResultRecord
from recist_app.store import mapping, mutations, results, snapshots
from recist_app.store.audit_replay import Discrepancy
from recist_app.store.repository import SYSTEM, Repository
from recist_app.store.schema import ReadRow, SubjectRow, TimepointResultRow

TABLE = "timepoint_results"


def check_results(session: Session) -> tuple[int, tuple[Discrepancy, ...]]:
    """The number of cached result rows, and each current one that is not the engine's verdict."""
    by_read: dict[str, list[TimepointResultRow]] = defaultdict(list)
    for row in session.scalars(select(TimepointResultRow)):
        by_read[row.read_uid].append(row)
    found: list[Discrepancy] = []
    for read_uid, rows in sorted(by_read.items()):
        found.extend(_check_read(session, read_uid, rows))
    return sum(len(rows) for rows in by_read.values()), tuple(found)


def _check_read(session: Session, read_uid: str, rows: list[TimepointResultRow]) -> list[Discrepancy]:
    read = session.get(ReadRow, read_uid)
    subject = session.get(SubjectRow, read.subject_uid) if read is not None else None
    if read is None or subject is None:
        return [Discrepancy(TABLE, read_uid, None, f"cached results of read {read_uid}, which does not exist")]
    repo = Repository(session, subject.trial_uid, SYSTEM)
    # The read exactly as ReadSession._cache_state fingerprints it: unblinded, with its series choices.
    snapshot = snapshots.build(repo, read)
    choices = tuple(mapping.series_choice(row) for row in mutations.series_choices(repo, read))
    snapshot = dataclasses.replace(snapshot, series_choices=choices)
    profile = engine.trial_profile(snapshot)
    digest = results.fingerprint(snapshot, profile)
    if len(rows) != len(snapshot.timepoints) or any(row.input_sha256 != digest for row in rows):
        return []  # stale: never served, recomputed at the next use
    expected = {record.timepoint_uid: record for record in _recomputed(read_uid, engine.evaluate(snapshot, profile),
                                                                       digest)}
    found = []
    for row in sorted(rows, key=lambda row: row.timepoint_uid):
        stored, wanted = mapping.result(row), expected.get(row.timepoint_uid)
        if stored != wanted:
            columns = [field.name for field in dataclasses.fields(TimepointResultRecord)
                       if wanted is None or getattr(stored, field.name) != getattr(wanted, field.name)]
            found.append(Discrepancy(TABLE, f"{read_uid}/{row.timepoint_uid}", None,
                                     f"cached result of read {read_uid} at time point {row.timepoint_uid} is not "
                                     f"what the engine computes from the read ({', '.join(columns)})"))
    return found


class _Collector:
    """Stands in for a session so that :func:`results.store` builds the rows it would write, writing nothing."""

    def __init__(self) -> None:
        self.rows: list[Any] = []

    def execute(self, *_args: Any, **_kwargs: Any) -> None:
        """Ignore the DELETE of the old rows."""

    def add_all(self, rows: list[Any]) -> None:
        """Keep the rows."""
        self.rows.extend(rows)

    def flush(self) -> None:
        """Nothing to flush."""


def _recomputed(read_uid: str, report: Any, digest: str) -> tuple[TimepointResultRecord, ...]:
    """The records :func:`results.store` would cache for ``report`` (one mapping of report → rows)."""
    return results.store(cast(Session, _Collector()), read_uid, report, digest)
