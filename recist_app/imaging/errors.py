"""Errors of the imaging package (ARCHITECTURE C7): a DICOM file or series cannot be used.

Every class derives from :class:`DicomError`, itself a :class:`~recist_app.errors.RecistAppError`;
:class:`LoadCancelled` is the loader's :class:`~recist_app.errors.Cancelled`.
"""

from __future__ import annotations

from recist_app.errors import Cancelled, RecistAppError


class DicomError(RecistAppError):
    """A DICOM file or series cannot be used; the message says which and why."""


class NotDicomError(DicomError):
    """A path holds no readable DICOM (a folder with none at all, or a file that is not DICOM).

    ``paths`` are the paths that were given; ``unreadable`` what was found there and why it could
    not be used (empty when not known). ``problem`` says which case it is, for callers that word
    their own message: ``"missing"`` (the folder or file does not exist), ``"empty"`` (no files),
    ``"not_dicom"`` (files, none of them DICOM images), ``"unreadable"`` (DICOM files that could not
    be read), ``"series_missing"`` (the folder no longer holds a series imported from it), or ``""``.
    """

    def __init__(self, message: str, paths: tuple[object, ...] = (), unreadable: tuple[object, ...] = (),
                 problem: str = "") -> None:
        self.paths = paths
        self.unreadable = unreadable
        self.problem = problem
        super().__init__(message)

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:  # pickles across processes
        return (type(self), (str(self), self.paths, self.unreadable, self.problem))


class MixedSeriesError(DicomError):
    """Files that must form one series disagree (size, orientation, frame of reference)."""


class MissingGeometryError(DicomError):
    """Image Position / Orientation (Patient) are missing, so no patient coordinates exist."""


class UncalibratedImageError(DicomError):
    """Millimetres were asked of an image without Pixel Spacing (0028,0030): never fake them."""


class UnsupportedTransferSyntaxError(DicomError):
    """No installed decoder (or, when writing, encoder) handles a transfer syntax; the message
    names the syntax."""


class LoadCancelled(Cancelled):
    """Loading a series was cancelled through its ``cancel`` event; no volume is left behind."""


class InvalidHeaderError(DicomError):
    """A header value the loader needs is missing, implausible or disagrees with the pixel data.

    ``path`` is the file, ``attribute`` the DICOM attribute with its tag (e.g. ``"Rows (0028,0010)"``)
    and ``value`` the value found; the message says all three in plain words and what to do.
    """

    def __init__(self, message: str, path: object = None, attribute: str = "", value: object = None) -> None:
        self.path = path
        self.attribute = attribute
        self.value = value
        super().__init__(message)

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:  # pickles across processes
        return (type(self), (str(self), self.path, self.attribute, self.value))


class NotEnoughMemoryError(DicomError):
    """Loading would need more memory than the process may allocate; refused before allocating.

    ``needed`` and ``available`` are in bytes; ``limit`` names what bounds the memory
    (``"RLIMIT_AS"``, ``"cgroup memory.max"``, ``"MemAvailable"``).
    """

    def __init__(self, message: str, needed: int = 0, available: int = 0, limit: str = "") -> None:
        self.needed = needed
        self.available = available
        self.limit = limit
        super().__init__(message)

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:  # pickles across processes
        return (type(self), (str(self), self.needed, self.available, self.limit))


class PacsError(RecistAppError):
    """A PACS cannot be reached, refuses a request or lacks what was asked (issue 15); the message names the
    server (never its credentials) and says what to do."""
