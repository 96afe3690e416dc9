"""Per-read export work in worker processes (issue 18): results in task order, errors and cancels as in one
process."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from recist_app.exports.errors import ExportCancelledError
from recist_app.exports.job import ExportJob
from recist_app.exports.parallel import MIN_PARALLEL_TASKS, WORKERS_VARIABLE, parallel_map, worker_count


def square_and_pid(value: int) -> tuple[int, int]:
    """A task of the tests (module level, so that a spawned worker imports it)."""
    if value < 0:
        raise ValueError(f"negative task {value}")
    time.sleep(0.05)
    return value * value, os.getpid()


def test_small_exports_stay_in_this_process_and_the_variable_caps_the_workers(monkeypatch: pytest.MonkeyPatch
                                                                             ) -> None:
    monkeypatch.setenv(WORKERS_VARIABLE, "2")
    assert worker_count(MIN_PARALLEL_TASKS - 1) == 1 and worker_count(100) == 2
    monkeypatch.setenv(WORKERS_VARIABLE, "1")
    assert worker_count(100) == 1


def test_results_come_in_task_order_from_worker_processes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(WORKERS_VARIABLE, "2")
    tasks = list(range(MIN_PARALLEL_TASKS + 2))
    results = list(parallel_map(square_and_pid, tasks, ExportJob(tmp_path, 1)))
    assert [value for value, _ in results] == [t * t for t in tasks]
    assert os.getpid() not in {pid for _, pid in results}  # the work ran in the workers


def test_a_task_error_reaches_the_caller(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(WORKERS_VARIABLE, "2")
    tasks = [*range(MIN_PARALLEL_TASKS), -1]
    with pytest.raises(ValueError, match="negative task -1"):
        list(parallel_map(square_and_pid, tasks, ExportJob(tmp_path, 1)))


def test_a_cancel_stops_waiting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(WORKERS_VARIABLE, "2")
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(ExportCancelledError):
        list(parallel_map(square_and_pid, list(range(MIN_PARALLEL_TASKS * 4)), ExportJob(tmp_path, 1, cancel=cancel)))
