"""How much memory this process may still allocate, checked before a volume is allocated.

Three limits bound an allocation on Linux, and the smallest one wins:

* ``RLIMIT_AS`` (``resource.getrlimit``): the address space the process may map, less what it
  maps already (``VmSize`` in ``/proc/self/status``);
* the memory cgroup: v2 ``memory.max`` less ``memory.current``, or v1 ``memory.limit_in_bytes``
  less ``memory.usage_in_bytes``, for the process's own cgroup (``/proc/self/cgroup``) or the
  mount's root;
* ``MemAvailable`` in ``/proc/meminfo``: what the kernel can give without swapping.

A limit that cannot be read (another OS, no ``/proc``) is left out; with none readable the check
passes (nothing is known to forbid the allocation). :func:`check_memory` refuses with
:class:`~recist_app.imaging.errors.NotEnoughMemoryError` *before* anything is allocated, so a
header asking for 24 GiB ends in one clear message instead of a ``MemoryError`` or the OOM killer.
"""

from __future__ import annotations

import resource
from pathlib import Path

from recist_app.imaging.errors import NotEnoughMemoryError

#: Left free for the interpreter, decoder libraries and thread arenas while a volume is loaded.
HEADROOM_BYTES = 128 * 1024**2
#: A cgroup limit at or above this is "no limit" (v1 writes 9223372036854771712).
_UNLIMITED = 1 << 60


def _read_int(path: Path) -> int | None:
    """The integer in a one-value file (``max`` or a missing file: None)."""
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _proc_kib(path: Path, key: str) -> int | None:
    """``key:  N kB`` of a ``/proc`` status-style file, in bytes (None when absent)."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        name, _, rest = line.partition(":")
        if name == key and rest.split() and rest.split()[0].isdigit():
            return int(rest.split()[0]) * 1024
    return None


def _address_space_left(proc: Path) -> int | None:
    """``RLIMIT_AS`` (soft) less the mapped ``VmSize``; None when unlimited."""
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY or soft < 0:
        return None
    return soft - (_proc_kib(proc / "self" / "status", "VmSize") or 0)


def _cgroup_left(proc: Path, cgroup: Path) -> int | None:
    """The memory cgroup's limit less its usage (v2, else v1); None when unlimited or unknown."""
    own: list[Path] = []
    try:
        for line in (proc / "self" / "cgroup").read_text().splitlines():
            _, controllers, where = line.split(":", 2)
            if controllers in ("", "memory") or "memory" in controllers.split(","):
                own.append(Path(where.lstrip("/")))
    except (OSError, ValueError):
        pass
    for root, limit_name, usage_name in ((cgroup, "memory.max", "memory.current"),
                                         (cgroup / "memory", "memory.limit_in_bytes", "memory.usage_in_bytes")):
        for folder in [root / where for where in own] + [root]:
            limit = _read_int(folder / limit_name)
            if limit is not None:
                if limit >= _UNLIMITED:
                    break
                return limit - (_read_int(folder / usage_name) or 0)
    return None


def available_bytes(proc: Path = Path("/proc"), cgroup: Path = Path("/sys/fs/cgroup")) -> tuple[int, str] | None:
    """``(bytes, limit name)`` of the tightest limit on new allocations; None when none is known.

    ``proc`` and ``cgroup`` are the mount points of procfs and the cgroup file system (tests point
    them at fake trees).
    """
    limits = [(value, name) for value, name in (
        (_address_space_left(proc), "RLIMIT_AS"),
        (_cgroup_left(proc, cgroup), "cgroup memory limit"),
        (_proc_kib(proc / "meminfo", "MemAvailable"), "MemAvailable")) if value is not None]
    return min(limits) if limits else None


def format_bytes(count: float) -> str:
    """``count`` bytes in binary units (``24.0 GiB``, ``512.0 KiB``)."""
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if abs(count) < 1024 or unit == "TiB":
            return f"{count:.0f} bytes" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    raise AssertionError("unreachable")


def check_memory(needed: int, what: str, **roots: Path) -> None:
    """Refuse, before allocating, a job needing ``needed`` bytes that this process may not get.

    ``what`` says what needs the memory, in the reader's words (it starts the message).

    Raises
    ------
    NotEnoughMemoryError
        When ``needed`` plus :data:`HEADROOM_BYTES` exceeds :func:`available_bytes`.
    """
    found = available_bytes(**roots)
    if found is None:
        return
    available, limit = found
    if needed + HEADROOM_BYTES > available:
        raise NotEnoughMemoryError(
            f"{what} needs {format_bytes(needed)} of memory, but this process may allocate only "
            f"{format_bytes(max(available, 0))} more ({limit}). Load a smaller series, or free memory and try "
            "again.", needed=needed, available=available, limit=limit)
