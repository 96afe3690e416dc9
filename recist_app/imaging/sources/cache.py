"""Retrieved series kept in the user's cache folder (issue 15), so that a time point opened twice is fetched once.

A series lives in ``<user cache>/recist-workstation/series/<key>/`` (``RECIST_SERIES_CACHE`` names another
folder), ``<key>`` being the SHA-256 of the server and series UID. It is written to a hidden
``.partial`` folder and renamed when complete, so an interrupted retrieval never passes for a whole
series. Past :data:`DEFAULT_LIMIT_BYTES` (``RECIST_SERIES_CACHE_MB``) the least recently used
series are removed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from recist_app import APP_NAME

DEFAULT_LIMIT_BYTES = 8 << 30


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


def cached_series(server_url: str, series_uid: str, fetch: Callable[[Path], object]) -> tuple[Path, bool]:
    """The folder of the series (``fetch(folder)`` fills a new one) and whether it came from the cache."""
    root = cache_root()
    key = hashlib.sha256(f"{server_url}\n{series_uid}".encode()).hexdigest()[:32]
    final = root / key
    if final.is_dir():
        os.utime(final)  # recently used
        return final, True
    root.mkdir(parents=True, exist_ok=True)
    partial = root / f".{key}.{os.getpid()}.partial"
    shutil.rmtree(partial, ignore_errors=True)
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
    _evict(root, keep=final)
    return final, False


def _size(folder: Path) -> int:
    return sum(entry.stat().st_size for entry in folder.iterdir() if entry.is_file())


def _evict(root: Path, keep: Path) -> None:
    """Remove the least recently used series until the cache fits its limit (never ``keep``)."""
    folders = sorted((entry for entry in root.iterdir() if entry.is_dir() and not entry.name.startswith(".")),
                     key=lambda entry: entry.stat().st_mtime)
    total = sum(_size(folder) for folder in folders)
    for folder in folders:
        if total <= limit_bytes():
            break
        if folder != keep:
            total -= _size(folder)
            shutil.rmtree(folder, ignore_errors=True)
