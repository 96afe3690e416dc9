"""Errors of the exports (ARCHITECTURE C7): one base class, typed subclasses with their values.

Every class derives from :class:`ExportError`, itself a :class:`~recist_app.errors.RecistAppError`,
so the command line turns them into one line and exit status 2. SDTM content errors are in
:mod:`recist_app.sdtm.errors`, DICOM SR ones in :mod:`recist_app.sr.errors`.
"""

from __future__ import annotations

from recist_app.errors import Cancelled, RecistAppError


class ExportError(RecistAppError):
    """An export cannot be written (bad arguments, output folder, trial content)."""


class ExportCancelledError(ExportError, Cancelled):
    """The export was cancelled through its ``cancel`` event; nothing was left in the output folder."""
