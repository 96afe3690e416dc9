"""Issue 11 acceptance: a bidirectional caliper is one transaction. A process killed with SIGKILL
after the first of its two lines is written leaves neither line; a completed one leaves both
(subprocess test, SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from recist_app.model.records import Axis, ReaderRole
from recist_app.store import TrialStore
from tests.recist_app.store.scenario import PASSWORDS, SUBJECT, Trial
from tests.recist_app.store.test_crash import _wait_for

READER = ReaderRole.CENTRAL_READER_1

#: The child adds T01, then records a bidirectional caliper through the read service. With "stall",
#: the unit of work pauses when the first line is written and the second is about to be: were the
#: two lines two transactions (as before issue 11), the first would be committed by then.
CHILD = textwrap.dedent("""
    import sys, time
    from recist_app.model.caliper import CaliperKind, CaliperRecord
    from recist_app.read import ReadService
    from recist_app.store import TrialStore
    from recist_app.store.schema import MeasurementRow
    from recist_app.store.unit_of_work import UnitOfWork

    url, reader_uid, tp_uid, mode, password = sys.argv[1:6]
    service = ReadService(TrialStore.open(url).reader_session(reader_uid, "S-001", password=password))
    lesion = service.add_lesion("TARGET")
    print("LESION_COMMITTED", flush=True)
    if mode == "stall":
        insert = UnitOfWork.insert

        written = []

        def stalled(self, row):
            if isinstance(row, MeasurementRow):
                if written:
                    print("FIRST_LINE_WRITTEN", flush=True)
                    time.sleep(300)
                written.append(row)
            return insert(self, row)

        UnitOfWork.insert = stalled
    ends = ((0.0, 0.0, 0.0), (30.0, 0.0, 0.0), (15.0, -10.0, 0.0), (15.0, 10.0, 0.0))
    record = CaliperRecord(CaliperKind.BIDIRECTIONAL, *ends, 0, "1.2.3", "1.2.4", "1.2.5")
    service.record_caliper(lesion.uid, tp_uid, record)
    print("CALIPER_COMMITTED", flush=True)
""")


def _run_child(db_url: str, reader_uid: str, tp_uid: str, mode: str, repo_root: Path,
               kill_at: str | None) -> list[str]:
    child = subprocess.Popen([sys.executable, "-c", CHILD, db_url, reader_uid, tp_uid, mode, PASSWORDS[READER]],
                             cwd=repo_root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        seen = _wait_for(child, kill_at or "CALIPER_COMMITTED", timeout_s=120)
        if kill_at is not None and kill_at in seen:
            os.kill(child.pid, signal.SIGKILL)
            assert child.wait(timeout=30) == -signal.SIGKILL
        else:
            assert child.wait(timeout=60) == 0, child.stderr.read().decode() if child.stderr else ""
        return seen
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                stream.close()


def _axes(db_url: str, reader_uid: str, open_store: list[TrialStore]) -> list[Axis]:
    store = TrialStore.open(db_url)
    open_store.append(store)
    snapshot = store.reader_session(reader_uid, SUBJECT, password=PASSWORDS[READER]).snapshot()
    assert [lesion.label for lesion in snapshot.lesions] == ["T01"]
    return sorted(m.line.axis for m in snapshot.measurements)


@pytest.mark.parametrize(("mode", "kill_at", "expected"),
                         [("stall", "FIRST_LINE_WRITTEN", []), ("complete", None, [Axis.LONG, Axis.SHORT])],
                         ids=["killed-between-the-lines", "completed"])
def test_a_bidirectional_caliper_is_stored_whole_or_not_at_all(
        trial: Trial, db_url: str, repo_root: Path, open_store: list[TrialStore], mode: str, kill_at: str | None,
        expected: list[Axis]) -> None:
    reader = trial.readers[ReaderRole.CENTRAL_READER_1]
    seen = _run_child(db_url, reader.uid, trial.timepoints[0].uid, mode, repo_root, kill_at)
    assert seen[:2] == ["LESION_COMMITTED", kill_at or "CALIPER_COMMITTED"]
    assert _axes(db_url, reader.uid, open_store) == expected
    assert open_store[-1].verify_chain().ok
