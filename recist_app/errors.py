"""Errors of the application core (ARCHITECTURE C7): one base class, typed subclasses."""

from __future__ import annotations


class RecistAppError(Exception):
    """Base class of every error ``recist_app`` raises on bad input or failed I/O."""


class InputFileError(RecistAppError):
    """A row of an input file is unusable; the message names file, line and value (A18).

    Parameters
    ----------
    path : str
        The file that was read.
    line : int or None
        1-based line number in the file (the header is line 1), if the problem is in a row.
    message : str
        What is wrong, ending with what to do.
    """

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}, line {line}" if line is not None else path
        super().__init__(f"{where}: {message}")

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:  # pickles across processes
        return (type(self), (self.path, self.line, self.message))


class DicomError(RecistAppError):
    """A DICOM file or series cannot be used; the message says which and why."""


class NotDicomError(DicomError):
    """A path holds no readable DICOM (a folder with none at all, or a file that is not DICOM).

    ``paths`` are the paths that were given; ``unreadable`` what was found there and why it could
    not be used (empty when not known).
    """

    def __init__(self, message: str, paths: tuple[object, ...] = (), unreadable: tuple[object, ...] = ()) -> None:
        self.paths = paths
        self.unreadable = unreadable
        super().__init__(message)

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:  # pickles across processes
        return (type(self), (str(self), self.paths, self.unreadable))


class MixedSeriesError(DicomError):
    """Files that must form one series disagree (size, orientation, frame of reference)."""


class MissingGeometryError(DicomError):
    """Image Position / Orientation (Patient) are missing, so no patient coordinates exist."""


class UncalibratedImageError(DicomError):
    """Millimetres were asked of an image without Pixel Spacing (0028,0030): never fake them."""


class UnsupportedTransferSyntaxError(DicomError):
    """No installed decoder (or, when writing, encoder) handles a transfer syntax; the message
    names the syntax."""


class PhantomSpecError(RecistAppError, ValueError):
    """A synthetic CT phantom specification is impossible (sizes, orientation, lesions)."""
