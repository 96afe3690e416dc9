"""Retrieved series kept in the user's cache folder (issue 15), so that a time point opened twice is fetched once.

A series lives in ``<user cache>/recist-workstation/series/<key>/`` (``RECIST_SERIES_CACHE`` names another
folder), ``<key>`` being the SHA-256 of the server and series UID. It is written to a hidden
``.partial`` folder and renamed when complete, so an interrupted retrieval never passes for a whole
series; two threads asking for one series retrieve it once. Past :data:`DEFAULT_LIMIT_BYTES`
(``RECIST_SERIES_CACHE_MB``) the least recently used series are removed.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

from recist_app import APP_NAME

DEFAULT_LIMIT_BYTES = 8 << 30
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def cache_root() -> Path:
    """The folder retrieved series are kept in."""
    named = os.environ.get("RECIST_SERIES_CACHE")
    if named:
        return Path(named)
    import platformdirs

    return platformdirs.user_cache_path(APP_NAME) / "series"


def limit_bytes() -> int:
    """How much the cache may hold."""
    named = os.environ.get("RECIST_SERIES_CACHE_MB", "")
    return int(named) << 20 if named.isdigit() else DEFAULT_LIMIT_BYTES


def series_entry(server_url: str, series_uid: str) -> Path:
    """Where the series of that server is kept (whether it is there or not)."""
    return cache_root() / hashlib.sha256(f"{server_url}\n{series_uid}".encode()).hexdigest()[:32]


def cached_series(server_url: str, series_uid: str, fetch: Callable[[Path], object]) -> tuple[Path, bool]:
    """The folder of the series (``fetch(folder)`` fills a new one) and whether it came from the cache."""
    final = series_entry(server_url, series_uid)
    root, key = final.parent, final.name
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(key, threading.Lock())
    with lock:  # two threads asking for one series (an open and a prefetch): one retrieves, the other waits
        if final.is_dir():
            os.utime(final)  # recently used
            return final, True
        root.mkdir(parents=True, exist_ok=True)
        partial = root / f".{key}.{os.getpid()}.{secrets.token_hex(4)}.partial"
        _fill(partial, final, fetch)
    _evict(root, keep=final)
    return final, False


def _fill(partial: Path, final: Path, fetch: Callable[[Path], object]) -> None:
    """Fill ``partial`` with ``fetch`` and rename it to ``final`` (removed when anything fails)."""
    partial.mkdir()
    try:
        fetch(partial)
        try:
            partial.rename(final)
        except OSError:  # another process completed it first
            if not final.is_dir():
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def _size(folder: Path) -> int:
    return sum(entry.stat().st_size for entry in folder.iterdir() if entry.is_file())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process
        return True
    return True


def _evict(root: Path, keep: Path) -> None:
    """Remove the partial retrievals of processes that died, then the least recently used series until the
    cache fits its limit (never ``keep``)."""
    for partial in root.glob(".*.partial"):
        pid = partial.name.split(".")[2]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(partial, ignore_errors=True)
    folders = sorted((entry for entry in root.iterdir() if entry.is_dir() and not entry.name.startswith(".")),
                     key=lambda entry: entry.stat().st_mtime)
    total = sum(_size(folder) for folder in folders)
    for folder in folders:
        if total <= limit_bytes():
            break
        if folder != keep:
            total -= _size(folder)
            shutil.rmtree(folder, ignore_errors=True)
