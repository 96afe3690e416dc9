"""All-or-nothing export folders: write beside the target, fsync, swap in one step (issue 14).

An export is written into a working folder beside its target, ``.NAME.<pid>.<random>.partial``
(:func:`working_folder`), then :func:`publish` makes it the target:

1. every file and folder of the working folder is fsynced (:func:`fsync_tree`), so a power cut
   after the swap cannot leave empty files behind a valid name;
2. a target that does not exist yet is created by one ``rename``; an existing one is *exchanged*
   with the working folder by one ``renameat2(RENAME_EXCHANGE)`` (Linux ≥ 3.15; atomic: at every
   instant the target holds the old export or the new one), and the old export, now under the
   working name, is removed;
3. where the exchange is not available (another system, a file system without it) the old export is
   first renamed to ``.NAME.<pid>.<random>.old``; a kill between the two renames leaves the target
   missing and the old export under that name, and the next export puts it back before anything
   else (:func:`recover`).

Folders left by a killed export (``.partial``, ``.old`` of a process that no longer runs) are removed
by the next export to the same target (:func:`recover`); those of a running export are left alone.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path

#: Suffixes of the working folders beside a target.
PARTIAL, OLD = ".partial", ".old"
#: ``renameat2`` flag (linux/fs.h) and the "current directory" file descriptor of the *at calls.
_RENAME_EXCHANGE, _AT_FDCWD = 2, -100
#: The working folders of the exports this process is running (threads may run several).
_ACTIVE: set[Path] = set()
_ACTIVE_LOCK = threading.Lock()


def working_folder(target: Path) -> Path:
    """A new empty folder beside ``target`` to write its next version into (names this process)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    working = Path(tempfile.mkdtemp(prefix=f".{target.name}.{os.getpid()}.", suffix=PARTIAL, dir=target.parent))
    with _ACTIVE_LOCK:
        _ACTIVE.add(working)
    return working


def discard(working: Path) -> None:
    """Remove a working folder whose export failed or was cancelled."""
    shutil.rmtree(working, ignore_errors=True)
    with _ACTIVE_LOCK:
        _ACTIVE.discard(working)


def publish(working: Path, target: Path) -> None:
    """Make the finished ``working`` folder the ``target`` (see the module docstring); fsyncs first."""
    fsync_tree(working)
    leftover = working
    if not target.exists():
        os.rename(working, target)
    elif not _exchange(working, target):  # exchanged: ``working`` now holds the old export
        leftover = working.with_name(working.name.removesuffix(PARTIAL) + OLD)
        os.rename(target, leftover)
        os.rename(working, target)
    _fsync_folder(target.parent)
    discard(leftover)
    with _ACTIVE_LOCK:
        _ACTIVE.discard(working)


def recover(target: Path) -> None:
    """Undo what a killed export left beside ``target``: put back an old export the target lost, then
    remove the working folders of processes that no longer run."""
    stale = [path for path in _working_folders(target) if not _running(path, target)]
    olds = sorted((path for path in stale if path.name.endswith(OLD)), key=lambda path: path.stat().st_mtime)
    if olds and not target.exists():
        os.rename(olds[-1], target)  # killed between the two renames: the old export comes back
        stale.remove(olds[-1])
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)


def fsync_tree(folder: Path) -> None:
    """fsync every file under ``folder``, then every folder (deepest first) and ``folder`` itself."""
    folders = [folder]
    for root, dirs, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        folders.extend(Path(root) / name for name in dirs)
    for path in reversed(folders):
        _fsync_folder(path)


def _fsync_folder(path: Path) -> None:
    """fsync a folder's entries (POSIX; a no-op where folders cannot be opened, e.g. Windows)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a folder: nothing more can be done
    finally:
        os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with ``renameat2(RENAME_EXCHANGE)``; False where that is not available."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False  # the kernel or the file system cannot exchange: the two-rename path
    raise OSError(code, os.strerror(code), str(b))


def _working_folders(target: Path) -> list[Path]:
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.\d+\.[^/]+({re.escape(PARTIAL)}|{re.escape(OLD)})$")
    try:
        return [path for path in target.parent.iterdir() if pattern.match(path.name) and path.is_dir()]
    except OSError:
        return []


def _running(path: Path, target: Path) -> bool:
    """True when the export that made a working folder still runs (the folder is not stale)."""
    pid = int(path.name[len(target.name) + 2:].split(".", 1)[0])
    if pid == os.getpid():
        with _ACTIVE_LOCK:
            return path in _ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    return True
