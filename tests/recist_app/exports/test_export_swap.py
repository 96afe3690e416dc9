"""Issue 14 "All-or-nothing for real": a kill at any point of an export leaves the old export or the new one.

Kills are real: a child process runs :func:`recist_app.exports.swap.publish` (or a whole export) and
ends itself with ``os._exit`` at a chosen point, so no ``except``/``finally`` of ours runs; the test
then looks at the target and runs the next export's :func:`~recist_app.exports.swap.recover`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from recist_app.exports import swap
from recist_app.exports.runner import MANIFEST, export_trial
from recist_app.model.records import ReaderRole
from tests.recist_app.store.scenario import apply_full_read, make_trial
from tests.support import REPO_ROOT

#: A child that publishes ``working`` onto ``target``, killed at ``point`` (see ``KILL_POINTS``).
CHILD = """
import os, sys
from pathlib import Path
from recist_app.exports import swap

target, point, exchange = Path(sys.argv[1]), sys.argv[2], sys.argv[3] == "exchange"
working = swap.working_folder(target)
(working / "manifest.json").write_text("new")
real_rename, real_exchange = os.rename, swap._exchange
renames = []

def rename(a, b):
    renames.append(b)
    if point == "between renames" and len(renames) == 2:
        os._exit(9)
    real_rename(a, b)

def exchange_or_not(a, b):
    if not exchange:
        return False
    done = real_exchange(a, b)
    if point == "after the exchange":
        os._exit(9)
    return done

os.rename, swap._exchange = rename, exchange_or_not
if point == "before publishing":
    os._exit(9)
swap.publish(working, target)
os._exit(0)
"""


def old_export(tmp_path: Path) -> Path:
    target = tmp_path / "export"
    target.mkdir()
    (target / "manifest.json").write_text("old")
    return target


def leftovers(target: Path) -> list[str]:
    return sorted(path.name for path in target.parent.iterdir() if path.name.startswith(f".{target.name}."))


def run_child(target: Path, point: str, mode: str) -> int:
    return subprocess.run([sys.executable, "-c", CHILD, str(target), point, mode], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=60).returncode


@pytest.mark.parametrize(("point", "mode", "seen"), [
    ("before publishing", "exchange", "old"),
    ("after the exchange", "exchange", "new"),
    ("between renames", "two renames", None),  # the target is missing until the next export recovers it
    ("never", "exchange", "new"),
    ("never", "two renames", "new"),
])
def test_a_kill_at_any_point_leaves_the_old_export_or_the_new_one(tmp_path: Path, point: str, mode: str,
                                                                  seen: str | None) -> None:
    target = old_export(tmp_path)
    assert run_child(target, point, mode) == (0 if point == "never" else 9)
    shown = (target / "manifest.json").read_text() if target.exists() else None
    assert shown == seen
    swap.recover(target)  # what the next export does first
    assert (target / "manifest.json").read_text() == (seen or "old")
    assert leftovers(target) == []  # nothing of the killed export stays beside the target


def test_recover_leaves_the_working_folder_of_a_running_export(tmp_path: Path) -> None:
    target = old_export(tmp_path)
    mine = swap.working_folder(target)  # an export of this process, still running
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        other = tmp_path / f".export.{sleeper.pid}.abcd1234.partial"
        other.mkdir()
        swap.recover(target)
        assert mine.is_dir() and other.is_dir()
    finally:
        sleeper.kill()
        sleeper.wait()
    swap.discard(mine)
    swap.recover(target)
    assert leftovers(target) == []


def test_publish_fsyncs_and_replaces_the_old_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = old_export(tmp_path)
    working = swap.working_folder(target)
    (working / "sub").mkdir()
    (working / "sub" / "a.csv").write_text("x")
    (working / "manifest.json").write_text("new")
    synced: list[str] = []
    real_fsync = swap.os.fsync

    def fsync(fd: int) -> None:
        synced.append(Path(f"/proc/self/fd/{fd}").resolve().name)
        real_fsync(fd)

    monkeypatch.setattr(swap.os, "fsync", fsync)
    swap.publish(working, target)
    assert {"a.csv", "manifest.json", "sub"} <= set(synced)
    assert (target / "manifest.json").read_text() == "new" and (target / "sub" / "a.csv").read_text() == "x"
    assert leftovers(target) == []


KILLED_EXPORT = """
import os, sys
from recist_app.exports import runner

def killed(data, job):
    (job.folder / "sr").mkdir()
    (job.folder / "sr" / "half.dcm").write_bytes(b"DICM")
    os._exit(9)

runner.FORMATS["sr"] = killed
runner.export_trial(sys.argv[1], sys.argv[2], formats=("sdtm", "sr"))
"""


@pytest.fixture
def trial_db(tmp_path: Path) -> str:
    """The scenario trial on SQLite with central reader 1's full read (closed: a child opens it too)."""
    trial = make_trial(str(tmp_path / "trial.sqlite"))
    apply_full_read(trial.session(ReaderRole.CENTRAL_READER_1), trial.timepoints)
    trial.store.close()
    return str(tmp_path / "trial.sqlite")


def test_a_killed_export_keeps_the_previous_one_and_the_next_export_cleans_up(tmp_path: Path,
                                                                              trial_db: str) -> None:
    out = tmp_path / "export"
    first = export_trial(trial_db, out, formats=("sdtm",))
    before = json.loads((out / MANIFEST).read_text())
    child = subprocess.run([sys.executable, "-c", KILLED_EXPORT, trial_db, str(out)], cwd=REPO_ROOT,
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == 9
    assert json.loads((out / MANIFEST).read_text()) == before  # the old export, whole
    assert [name for name in leftovers(out) if name.endswith(".partial")]  # the killed one's working folder
    again = export_trial(trial_db, out, formats=("sdtm",))
    assert leftovers(out) == [] and again.exported_at >= first.exported_at
