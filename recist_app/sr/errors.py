"""Errors of the DICOM SR writer and reader (ARCHITECTURE C7).

Every class derives from :class:`SrError`, itself a :class:`~recist_app.errors.RecistAppError`.
"""

from __future__ import annotations

from recist_app.errors import RecistAppError


class SrError(RecistAppError):
    """A DICOM SR document cannot be written or read."""


class SrExportError(SrError):
    """A DICOM SR cannot be written for a read and time point; the message says why and what to do."""


class SrReadError(SrError, ValueError):
    """A file is not a readable DICOM SR document; ``path`` and ``reason`` say which and why."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}" if path else reason)

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return (type(self), (self.path, self.reason))


class SrContentError(SrReadError):
    """An SR document that is not a TID 1500 Measurement Report (e.g. a Basic Text SR)."""
