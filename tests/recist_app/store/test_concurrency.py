"""Issue 5 acceptance: two sessions editing the same lesion at the same time give one success and one
:class:`ConflictError` — never a silent overwrite (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import update

from recist_app.model.records import Lesion, LesionRole, ReaderRole
from recist_app.store import TrialStore
from recist_app.store.errors import ConflictError
from recist_app.store.schema import LesionRow
from recist_app.store.unit_of_work import UnitOfWork
from tests.recist_app.store.scenario import SUBJECT, Trial

READER = ReaderRole.CENTRAL_READER_1


def _workstation(trial: Trial, db_url: str, open_store: list[TrialStore]):
    store = TrialStore.open(db_url)
    open_store.append(store)
    return store.reader_session(trial.readers[READER].uid, SUBJECT)


def test_stale_edit_from_another_workstation_conflicts(trial: Trial, db_url: str,
                                                       open_store: list[TrialStore]) -> None:
    here = trial.session(READER)
    lesion = here.add_lesion("T01", LesionRole.TARGET, organ="LUNG")
    there = _workstation(trial, db_url, open_store)
    seen_there = there.snapshot().lesion("T01")
    here.edit_lesion(lesion, organ="LIVER")
    entries = len(trial.store.audit_entries())
    with pytest.raises(ConflictError, match=r"you saw version 1, it is now at version 2.*nothing was saved") as info:
        there.edit_lesion(seen_there, organ="BONE")
    assert (info.value.expected_version, info.value.actual_version, info.value.uid) == (1, 2, lesion.uid)
    assert here.snapshot().lesion("T01").organ == "LIVER"
    assert len(trial.store.audit_entries()) == entries  # the refused command left no audit row
    with pytest.raises(ConflictError):
        there.delete_lesion(seen_there)


def test_two_concurrent_sessions_one_success_one_conflict(trial: Trial, db_url: str,
                                                          open_store: list[TrialStore]) -> None:
    lesion = trial.session(READER).add_lesion("T01", LesionRole.TARGET, organ="LUNG")
    sessions = [_workstation(trial, db_url, open_store) for _ in range(2)]
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def edit(name: str, session, seen: Lesion) -> None:
        start.wait(timeout=30)
        try:
            outcomes[name] = session.edit_lesion(seen, organ=name)
        except ConflictError as exc:
            outcomes[name] = exc
        except Exception as exc:
            outcomes[name] = repr(exc)

    threads = [threading.Thread(target=edit, args=(name, session, lesion))
               for name, session in zip(("LIVER", "BONE"), sessions, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    conflicts = [name for name, value in outcomes.items() if isinstance(value, ConflictError)]
    winners = [name for name, value in outcomes.items() if isinstance(value, Lesion)]
    assert len(conflicts) == 1 and len(winners) == 1, outcomes
    assert trial.session(READER).snapshot().lesion("T01").organ == winners[0]


def test_version_column_catches_a_write_lost_between_check_and_flush(trial: Trial) -> None:
    lesion = trial.session(READER).add_lesion("T01", LesionRole.TARGET, organ="LUNG")
    with pytest.raises(ConflictError, match="changed or deleted"), trial.store.db.write() as session:
        row = session.get(LesionRow, lesion.uid)
        assert row is not None
        uow = UnitOfWork(session)
        uow._check(row, lesion.version)  # the check passes ...
        # ... then another writer moves the version on (same transaction, bypassing the ORM)
        session.execute(update(LesionRow).where(LesionRow.uid == lesion.uid)
                        .values(version=LesionRow.version + 1, organ="BONE")
                        .execution_options(synchronize_session=False))
        uow.update(row, None, organ="LIVER")  # UPDATE … WHERE version = 1 matches nothing
    assert trial.session(READER).snapshot().lesion("T01").organ == "LUNG"  # rolled back as a whole
