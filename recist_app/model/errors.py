"""Errors of the read model (ARCHITECTURE C7, C8): impossible input, with the offending value.

:class:`InvalidRecordError` is raised by the records themselves (a line of zero length) and by
every layer that checks arguments against them (the store, the read service, the engine adapter).
"""

from __future__ import annotations

from recist_app.errors import RecistAppError


class InvalidRecordError(RecistAppError, ValueError):
    """An argument is impossible input (C8): ``Argument "x" must be …, got 'X'.``"""

    def __init__(self, argument: str, value: object, expected: str) -> None:
        self.argument = argument
        self.value = value
        self.expected = expected
        super().__init__(f'Argument "{argument}" must be {expected}, got {value!r}.')

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return (type(self), (self.argument, self.value, self.expected))
