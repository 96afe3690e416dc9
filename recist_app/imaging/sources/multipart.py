"""A ``multipart/related`` answer (WADO-RS, DICOM PS3.18 §8.7.1) streamed into one file per part.

Parts are read by their ``Content-Length`` where the server gives it (Orthanc does), else up to the
next boundary; nothing holds more than one read chunk and one part's headers in memory besides
what is being written, so a 600-slice series needs no 300 MB buffer.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from recist_app.imaging.errors import LoadCancelled, PacsError

CHUNK_BYTES = 1 << 20
#: What is read while looking for a boundary or a part's headers: no more, so that a part's bytes are then
#: copied straight from the answer to its file rather than out of a buffer.
SMALL_READ_BYTES = 4096
MAX_HEADER_BYTES = 16 << 10
_BOUNDARY = re.compile(r'boundary="?(?P<value>[^";]+)"?', re.IGNORECASE)
_LENGTH = re.compile(rb"^content-length:\s*(\d+)\s*$", re.IGNORECASE | re.MULTILINE)


class Readable(Protocol):
    """What the answer is read from (an ``http.client.HTTPResponse``)."""

    def read(self, amount: int = ..., /) -> bytes: ...


class Sink(Protocol):
    """Where a part goes (a binary file)."""

    def write(self, data: bytes | memoryview, /) -> int: ...


def boundary_of(content_type: str) -> str:
    """The ``boundary`` parameter of a ``multipart/related`` Content-Type (:class:`PacsError` without one)."""
    found = _BOUNDARY.search(content_type or "")
    if not content_type.lower().startswith("multipart/") or found is None:
        raise PacsError(f"the server answered {content_type or 'no content type'!r}, not multipart/related DICOM")
    return found["value"]


class _Stream:
    def __init__(self, raw: Readable) -> None:
        self._raw = raw
        self._buffer = b""

    def _fill(self, size: int = CHUNK_BYTES) -> bool:
        chunk = self._raw.read(size)
        self._buffer += chunk
        return bool(chunk)

    def until(self, marker: bytes, sink: Sink | None = None, limit: int | None = None) -> bool:
        """Consume up to and including ``marker`` (False: the stream ended first), writing what precedes it;
        :class:`PacsError` when more than ``limit`` bytes precede it."""
        written = 0
        while True:
            found = self._buffer.find(marker)
            if limit is not None and written + max(found, len(self._buffer) if found < 0 else 0) > limit:
                raise PacsError("the server's multipart answer has a part header longer than 16 KiB")
            if found >= 0:
                if sink is not None:
                    sink.write(self._buffer[:found])
                self._buffer = self._buffer[found + len(marker):]
                return True
            keep = len(marker) - 1
            if sink is not None and len(self._buffer) > keep:
                written += sink.write(self._buffer[:-keep or None])
                self._buffer = self._buffer[-keep:] if keep else b""
            if not self._fill(CHUNK_BYTES if sink is not None and limit is None else SMALL_READ_BYTES):
                return False

    def exactly(self, count: int, sink: Sink) -> bool:
        """Copy ``count`` bytes to ``sink`` (False: the stream ended first): what is buffered, then straight from
        the answer in reads of what the part still needs (no slicing of a buffer that holds the next part)."""
        if self._buffer:
            piece = memoryview(self._buffer)[:count]
            sink.write(piece)
            self._buffer = self._buffer[len(piece):]
            count -= len(piece)
        while count > 0:
            chunk = self._raw.read(min(count, CHUNK_BYTES))
            if not chunk:
                return False
            sink.write(chunk)
            count -= len(chunk)
        return True

    def take(self, count: int) -> bytes:
        while len(self._buffer) < count and self._fill(SMALL_READ_BYTES):
            pass
        head, self._buffer = self._buffer[:count], self._buffer[count:]
        return head


def write_parts(raw: Readable, boundary: str, folder: Path, *, cancel: threading.Event | None = None,
                on_part: Callable[[Path], None] | None = None) -> int:
    """Write every part of the multipart body ``raw`` to ``folder`` as ``00000.dcm``, … and return how many;
    ``on_part(file)`` once each file is whole.

    :class:`PacsError` when the body is cut short or malformed; :class:`LoadCancelled` when ``cancel`` is set.
    """
    stream = _Stream(raw)
    delimiter = b"--" + boundary.encode("ascii")
    if not stream.until(delimiter):
        raise PacsError("the server's multipart answer holds no part")
    count = 0
    while True:
        if stream.take(2) == b"--":
            return count
        if cancel is not None and cancel.is_set():
            raise LoadCancelled(f"retrieval cancelled after {count} instance(s)")
        header = _HeaderSink()
        if not stream.until(b"\r\n\r\n", header, limit=MAX_HEADER_BYTES):
            raise PacsError(f"the server's answer ended inside the headers of part {count + 1}")
        length = _LENGTH.search(header.value)
        path = folder / f"{count:05d}.dcm"
        with path.open("wb") as out:
            ended = not stream.exactly(int(length.group(1)), out) if length else \
                not stream.until(b"\r\n" + delimiter, out)
        if ended:
            raise PacsError(f"the server's answer ended inside instance {count + 1}: the retrieval was cut short")
        if length and not stream.until(delimiter):
            raise PacsError(f"the server's answer ended after instance {count + 1} without its closing boundary")
        count += 1
        if on_part is not None:
            on_part(path)


class _HeaderSink:
    def __init__(self) -> None:
        self.value = b""

    def write(self, data: bytes | memoryview) -> int:
        self.value += bytes(data)
        return len(data)
