"""Errors raised by the assessment engine (ARCHITECTURE C7).

Impossible input raises; protocol deviations come back as :class:`assessment.domain.Finding`
records (C8). Every error carries the offending value as an attribute.
"""

from __future__ import annotations


class AssessmentError(Exception):
    """Base class of every error the engine raises."""


class InvalidInputError(AssessmentError, ValueError):
    """An argument has a value the engine cannot work with.

    Parameters
    ----------
    argument : str
        Name of the offending argument or field.
    value : object
        The value that was given.
    expected : str
        What the value must be, phrased as the end of "must be …".
    """

    def __init__(self, argument: str, value: object, expected: str) -> None:
        self.argument = argument
        self.value = value
        self.expected = expected
        super().__init__(f'Argument "{argument}" must be {expected}, got {value!r}.')

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:  # pickles across processes
        return (type(self), (self.argument, self.value, self.expected))


class ProfileError(AssessmentError, ValueError):
    """A protocol profile has an unknown key or a value of the wrong type."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        self.message = message
        super().__init__(f'Profile key "{key}": {message}')

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:  # pickles across processes
        return (type(self), (self.key, self.message))
