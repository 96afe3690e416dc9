"""Errors of the command line itself (ARCHITECTURE C7), beside those of the core it calls.

:func:`recist_app.cli.main` prints any :class:`~recist_app.errors.RecistAppError` as one line and
exits with status 2, so an output problem is raised as one of these, never as a bare ``OSError``.
"""

from __future__ import annotations

from recist_app.errors import RecistAppError


class OutputPathError(RecistAppError):
    """An output file or folder (``--out``) cannot be written.

    Parameters
    ----------
    path : str
        The output path as given.
    problem : str
        Why it cannot be written, ending with what to do.
    """

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return (type(self), (self.path, self.problem))
