"""Issue 5 acceptance: a process killed with SIGKILL in the middle of a save leaves the last committed
state intact and the database consistent (subprocess test, SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from sqlalchemy import text

from recist_app.model.records import ReaderRole
from recist_app.store import TrialStore
from tests.recist_app.store.scenario import PASSWORDS, SUBJECT, Trial

COMMITS = 12
BULK_ROWS = 5000

#: The child commits COMMITS edits, then starts a command whose transaction has written its lesion,
#: BULK_ROWS measurements and its audit row, and stops before the commit: there it is killed.
CHILD = textwrap.dedent("""
    import sys, time
    from recist_app.model.records import new_uid
    from recist_app.store import TrialStore, audit
    from recist_app.store.schema import MeasurementRow

    url, reader_uid, tp_uid, commits, bulk, password = sys.argv[1:7]
    store = TrialStore.open(url)
    session = store.reader_session(reader_uid, "S-001", password=password)
    lesion = session.add_lesion("T01", "TARGET", organ="ORGAN-0")
    for n in range(1, int(commits) + 1):
        lesion = session.edit_lesion(lesion, organ=f"ORGAN-{n}")
    print("COMMITTED", flush=True)
    append = audit.append

    def stalled(db_session, **fields):
        rows = [MeasurementRow(uid=new_uid(), lesion_uid=lesion.uid, timepoint_uid=tp_uid, axis="long",
                               fragment=k, p1_x_mm=0.0, p1_y_mm=0.0, p1_z_mm=0.0, p2_x_mm=float(k + 1),
                               p2_y_mm=0.0, p2_z_mm=0.0, sop_uid="1.2", series_uid="1.3",
                               frame_of_reference_uid="1.4", recorded_at="x", version=1)
                for k in range(int(bulk))]
        db_session.add_all(rows)
        db_session.flush()
        row = append(db_session, **fields)
        print("IN_TRANSACTION", flush=True)
        time.sleep(300)
        return row

    audit.append = stalled
    session.add_lesion("T02", "TARGET", organ="NEVER-COMMITTED")
""")


def test_sigkill_mid_save_keeps_the_last_committed_state(trial: Trial, db_url: str, repo_root: Path,
                                                         open_store: list[TrialStore]) -> None:
    reader = trial.readers[ReaderRole.CENTRAL_READER_1]
    entries_before = len(trial.store.audit_entries())
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, db_url, reader.uid, trial.timepoints[0].uid, str(COMMITS), str(BULK_ROWS),
         PASSWORDS[reader.role]],
        cwd=repo_root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        seen = _wait_for(child, "IN_TRANSACTION", timeout_s=120)
        died = child.stderr.read().decode() if child.poll() is not None and child.stderr else ""
        assert seen == ["COMMITTED", "IN_TRANSACTION"], (seen, died)
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                stream.close()

    store = TrialStore.open(db_url)
    open_store.append(store)
    snapshot = store.reader_session(reader.uid, SUBJECT, password=PASSWORDS[reader.role]).snapshot()
    assert [(lesion.label, lesion.organ) for lesion in snapshot.lesions] == [("T01", f"ORGAN-{COMMITS}")]
    assert snapshot.measurements == ()
    # create_read + add_lesion + the edits, and nothing of the killed command.
    assert len(store.audit_entries()) == entries_before + 2 + COMMITS
    assert store.verify_chain().ok
    with store.db.engine.connect() as connection:
        if store.db.dialect == "sqlite":
            assert connection.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
            assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
        assert connection.execute(text("SELECT count(*) FROM measurements")).scalar_one() == 0
    # The database takes new commands: no lock of the dead process is left behind.
    session = store.reader_session(reader.uid, SUBJECT, password=PASSWORDS[reader.role])
    session.add_lesion("T02", "TARGET")
    assert [lesion.label for lesion in session.snapshot().lesions] == ["T01", "T02"]
    assert store.verify_chain().ok


def _wait_for(child: subprocess.Popen[bytes], marker: str, timeout_s: float) -> list[str]:
    """Lines the child printed until ``marker``, its exit or the timeout (never blocks past it)."""
    assert child.stdout is not None
    fd = child.stdout.fileno()
    received = b""
    deadline = time.monotonic() + timeout_s
    while marker.encode() not in received and (remaining := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], remaining)
        chunk = os.read(fd, 4096) if ready else b""
        if not chunk:
            break
        received += chunk
    return [line.strip() for line in received.decode().splitlines()]
