"""Helpers for batch commands over many independent reads: garbage collection and processes."""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector for a bounded batch, then restore it.

    The records built by a batch (frozen dataclasses, tuples) hold no reference cycles and are
    freed by reference counting; the cyclic collector would only re-scan them again and again
    (about 10 % of ``assess`` on a 1,000-subject trial, benchmarks/bench_assess.py).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


#: Work handed to forked workers: they inherit it instead of receiving a pickled copy.
_INHERITED: tuple[Callable[[Sequence[Any]], Any], Sequence[Sequence[Any]]] | None = None


def worker_count() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def map_in_processes(function: Callable[[Sequence[T]], R], chunks: Sequence[Sequence[T]]) -> list[R]:
    """``[function(chunk) for chunk in chunks]``, one forked process per chunk, results in order.

    Forked workers inherit ``function`` and ``chunks`` (nothing is pickled on the way in; only the
    results, or an exception, travel back). Runs in this process when there is one chunk or the
    platform cannot fork.
    """
    global _INHERITED
    if len(chunks) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [function(chunk) for chunk in chunks]
    _INHERITED = (function, chunks)
    try:
        with multiprocessing.get_context("fork").Pool(len(chunks)) as pool:
            return pool.map(_run_inherited, range(len(chunks)), chunksize=1)
    finally:
        _INHERITED = None


def _run_inherited(index: int) -> Any:
    if _INHERITED is None:
        raise RuntimeError("map_in_processes: a worker started without inherited work")
    function, chunks = _INHERITED
    return function(chunks[index])


def split_contiguous(items: Sequence[T], parts: int, key: Callable[[T], object]) -> list[Sequence[T]]:
    """``items`` cut into at most ``parts`` contiguous runs of similar size, never between two items
    of equal ``key`` (so all reads of one subject stay in one run)."""
    chunks: list[Sequence[T]] = []
    start = 0
    for part in range(1, max(parts, 1)):
        cut = max(start, len(items) * part // parts)
        while 0 < cut < len(items) and key(items[cut]) == key(items[cut - 1]):
            cut += 1
        if cut > start:
            chunks.append(items[start:cut])
            start = cut
    if start < len(items):
        chunks.append(items[start:])
    return chunks
