"""The base of the core's error hierarchy (ARCHITECTURE C7): one base class, one cancellation base.

Each package of ``recist_app`` that raises its own errors has one ``errors.py`` deriving from
:class:`RecistAppError` (``imaging``, ``model``, ``store``, ``sdtm``, ``sr``, ``exports``, ``demo``),
so that the command line turns any of them into one line and exit status 2, and the GUI's one
error boundary shows them as a dialog. Every long job's cancellation error derives from
:class:`Cancelled`, so that a worker catches one type.
"""

from __future__ import annotations


class RecistAppError(Exception):
    """Base class of every error ``recist_app`` raises on bad input or failed I/O."""


class Cancelled(RecistAppError):
    """A long job (loading a series, an export, …) stopped because its ``cancel`` event was set.

    Nothing the job would have produced is left behind; the message says how far it got.
    """


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
