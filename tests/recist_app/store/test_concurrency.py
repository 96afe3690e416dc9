"""Issue 5 acceptance: two sessions editing the same lesion at the same time give one success and one
:class:`ConflictError` — never a silent overwrite (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import update

from recist_app.model.records import Lesion, LesionRole, ReaderRole
from recist_app.store import TrialStore
from recist_app.store.errors import ConcurrentChangeError, ConflictError
from recist_app.store.repository import Repository
from recist_app.store.schema import LesionRow
from recist_app.store.unit_of_work import UnitOfWork
from tests.recist_app.store.scenario import PASSWORDS, SUBJECT, Trial
from tests.support import REPO_ROOT

READER = ReaderRole.CENTRAL_READER_1


def _workstation(trial: Trial, db_url: str, open_store: list[TrialStore]):
    store = TrialStore.open(db_url)
    open_store.append(store)
    return store.reader_session(trial.readers[READER].uid, SUBJECT, password=PASSWORDS[READER])


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


#: A workstation that opens the read of every subject as soon as the start file appears (issue 14).
OPEN_EVERY_READ = """
import json, os, sys, time
from recist_app.store import TrialStore, signoff
from recist_app.store.errors import DuplicateError

signoff.SCRYPT_N = 2 ** 10
db, reader_name, password, start = sys.argv[1:5]
store = TrialStore.open(db)
login = store.log_in(reader_name, password)
subjects = [s.subject_id for s in store.subjects()]
while not os.path.exists(start):
    time.sleep(0.001)
opened = refused = 0
for subject in subjects:
    try:
        store.reader_session(login, subject)
        opened += 1
    except DuplicateError:
        refused += 1
print(json.dumps({"opened": opened, "refused": refused}))
"""


def open_every_read_at_once(workstations: list[tuple[str, str, str]], start: Path) -> list[dict[str, int]]:
    """One process per (database URL, reader name, password), released together; each one's counts."""
    children = [subprocess.Popen([sys.executable, "-c", OPEN_EVERY_READ, url, name, password, str(start)],
                                 cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for url, name, password in workstations]
    time.sleep(1.0)  # all have opened the store and wait
    start.touch()
    results = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def test_two_workstations_of_one_central_role_never_make_two_reads_of_a_subject(trial: Trial, db_url: str,
                                                                                tmp_path: Path) -> None:
    """The audit's scenario: two central-reader-1 workstations open the same 20 subjects at once."""
    store = trial.store
    for n in range(2, 21):
        store.add_subject(f"S-{n:03d}", "FR01")
    store.add_reader("Second central reader 1", READER, "pin-second-cr1")
    results = open_every_read_at_once([(db_url, trial.readers[READER].name, PASSWORDS[READER]),
                                       (db_url, "Second central reader 1", "pin-second-cr1")], tmp_path / "start")
    assert sum(r["opened"] for r in results) == 20 and sum(r["refused"] for r in results) == 20
    per_subject = Counter(read.subject_id for read in store.reads() if read.reader_role is READER)
    assert per_subject == dict.fromkeys((s.subject_id for s in store.subjects()), 1)  # zero duplicates


def test_the_same_label_added_at_once_by_two_workstations_is_the_documented_conflict(
        trial: Trial, db_url: str, open_store: list[TrialStore], monkeypatch: pytest.MonkeyPatch) -> None:
    """The second insert of one label, past the check that could not yet see the first, meets the unique key:
    the reader gets the conflict in words, never the database's constraint error."""
    here, there = trial.session(READER), _workstation(trial, db_url, open_store)
    here.add_lesion("T01", LesionRole.TARGET, organ="LUNG")
    monkeypatch.setattr(Repository, "lesions", lambda self, read_uid: [])  # as if the first were not committed yet
    with pytest.raises(ConflictError, match="someone else made the same change at the same moment") as info:
        there.add_lesion("T01", LesionRole.TARGET, organ="LIVER")
    assert isinstance(info.value, ConcurrentChangeError)
    monkeypatch.undo()
    assert [(lesion.label, lesion.organ) for lesion in here.snapshot().lesions] == [("T01", "LUNG")]
