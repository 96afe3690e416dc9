"""Per-read export work in worker processes (issue 18): results in task order, errors and cancels as in one
process."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from recist_app.exports.errors import ExportCancelledError
from recist_app.exports.job import ExportJob
from recist_app.exports.parallel import parallel_map
from recist_app.exports.pool import FORK_SERVER_EXIT, POOLED_FORMATS, WORKERS_VARIABLE, WorkerPool, export_pool


def square_and_pid(value: int) -> tuple[int, int]:
    """A task of the tests (module level, so that a spawned worker imports it)."""
    if value < 0:
        raise ValueError(f"negative task {value}")
    time.sleep(0.05)
    return value * value, os.getpid()


def parent(_: int) -> int:
    """The parent process of the worker running this task."""
    return os.getppid()


@pytest.fixture(scope="module")
def pool() -> Iterator[WorkerPool]:
    with WorkerPool(2, ("json",)) as workers:
        yield workers


def test_only_exports_that_draw_open_a_pool_and_the_variable_caps_the_workers(monkeypatch: pytest.MonkeyPatch
                                                                             ) -> None:
    monkeypatch.setenv(WORKERS_VARIABLE, "2")
    assert export_pool(["sdtm", "adam", "timeline"]) is None
    opened = export_pool(["sdtm", "pdf"])
    assert opened is not None and opened.workers == 2
    opened.close()
    monkeypatch.setenv(WORKERS_VARIABLE, "1")
    assert export_pool(["pdf"]) is None


def test_workers_are_forked_from_a_server_that_imported_the_libraries(tmp_path: Path) -> None:
    """Where the system has a fork server, the workers are its children (it imported the libraries once), not the
    export's."""
    with WorkerPool(2, POOLED_FORMATS["sr"]) as workers:
        parents = list(parallel_map(parent, [0, 1], ExportJob(tmp_path, 1, pool=workers)))
    forked = "forkserver" in multiprocessing.get_all_start_methods()
    assert all((pid != os.getpid()) == forked for pid in parents)


def in_fork_server(_: int) -> bool:
    """Whether the worker running this task was forked from a server that ends without its teardown."""
    from recist_app.exports.fork_server import IN_FORK_SERVER

    return IN_FORK_SERVER and FORK_SERVER_EXIT in sys.modules


def test_the_fork_server_ends_without_tearing_its_libraries_down(pool: WorkerPool, tmp_path: Path) -> None:
    """The server holds the export's output open until it ends: it skips the interpreter's teardown. Imported
    anywhere else, the module changes nothing: the process ends as it would, its exit status and output kept."""
    (in_server,) = parallel_map(in_fork_server, [0], ExportJob(tmp_path, 1, pool=pool))
    assert in_server == ("forkserver" in multiprocessing.get_all_start_methods())
    code = f"import atexit; atexit.register(print, 'torn down'); import {FORK_SERVER_EXIT}; raise SystemExit(3)"
    ended = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (ended.returncode, ended.stdout) == (3, "torn down\n")


def test_without_a_pool_the_tasks_run_here(tmp_path: Path) -> None:
    results = list(parallel_map(square_and_pid, [1, 2, 3], ExportJob(tmp_path, 1)))
    assert results == [(1, os.getpid()), (4, os.getpid()), (9, os.getpid())]


def test_results_come_in_task_order_from_worker_processes(pool: WorkerPool, tmp_path: Path) -> None:
    tasks = list(range(8))
    results = list(parallel_map(square_and_pid, tasks, ExportJob(tmp_path, 1, pool=pool)))
    assert [value for value, _ in results] == [t * t for t in tasks]
    assert os.getpid() not in {pid for _, pid in results}  # the work ran in the workers


def test_a_task_error_reaches_the_caller_and_the_pool_serves_the_next_format(pool: WorkerPool,
                                                                             tmp_path: Path) -> None:
    job = ExportJob(tmp_path, 1, pool=pool)
    with pytest.raises(ValueError, match="negative task -1"):
        list(parallel_map(square_and_pid, [*range(6), -1], job))
    assert [value for value, _ in parallel_map(square_and_pid, [2, 3], job)] == [4, 9]


def mark(task: tuple[Path, int]) -> int:
    """A task that leaves a file behind, to see which tasks ran."""
    folder, value = task
    time.sleep(0.05)
    (folder / f"{value}.done").touch()
    return value


def test_a_cancel_stops_waiting_and_leaves_no_task_running(pool: WorkerPool, tmp_path: Path) -> None:
    cancel = threading.Event()
    results = parallel_map(mark, [(tmp_path, value) for value in range(40)],
                           ExportJob(tmp_path, 1, cancel=cancel, pool=pool))
    assert next(results) == 0
    cancel.set()
    with pytest.raises(ExportCancelledError):
        list(results)
    ran = len(list(tmp_path.glob("*.done")))
    time.sleep(0.3)  # a task still running after the cancel would add its file now
    assert len(list(tmp_path.glob("*.done"))) == ran < 40
