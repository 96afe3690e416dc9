"""Errors of the trial database (issue 5; ARCHITECTURE C7): typed, with the offending values as attributes.

Every class derives from :class:`StoreError`, itself a :class:`~recist_app.errors.RecistAppError`,
so the command line turns them into one line and exit status 2. Impossible arguments raise the
model's :class:`~recist_app.model.errors.InvalidRecordError`.
"""

from __future__ import annotations

from recist_app.errors import RecistAppError


class StoreError(RecistAppError):
    """Base class of the trial database's errors."""


class NotFoundError(StoreError, LookupError):
    """No record of ``kind`` with ``key`` is visible to the caller (another reader's rows never are)."""

    def __init__(self, kind: str, key: object) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"No {kind} {key!r} in this trial (or not visible to this reader).")


class DuplicateError(StoreError):
    """A record with the same natural key already exists (subject id, lesion label, trial code …)."""

    def __init__(self, kind: str, key: object) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"A {kind} {key!r} already exists; choose another or edit the existing one.")


class ConstraintError(StoreError):
    """The database refused a change that breaks one of its constraints (a foreign key, a unique key)."""


class ConflictError(StoreError):
    """Optimistic concurrency: the row changed since the caller read it; nothing was written.

    ``expected_version`` is the version the caller saw, ``actual_version`` the one stored (None
    when the row is gone).
    """

    def __init__(self, kind: str, uid: str, expected_version: int | None, actual_version: int | None) -> None:
        self.kind = kind
        self.uid = uid
        self.expected_version = expected_version
        self.actual_version = actual_version
        saw = "no such record" if expected_version is None else f"version {expected_version}"
        now = "was changed or deleted" if actual_version is None else f"is now at version {actual_version}"
        super().__init__(f"Conflict: {kind} {uid} was changed by someone else (you saw {saw}, it {now}); "
                         "nothing was saved. Reload and apply your change again.")

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return (type(self), (self.kind, self.uid, self.expected_version, self.actual_version))


class TimepointLockedError(StoreError):
    """A change touches a signed time point: it is read-only until reopened with a reason."""

    def __init__(self, timepoint_uid: str) -> None:
        self.timepoint_uid = timepoint_uid
        super().__init__(f"Time point {timepoint_uid} is signed and read-only; reopen it with a reason first.")


class SignatureError(StoreError):
    """The password or PIN re-entered for an electronic signature is wrong (21 CFR 11.200)."""

    def __init__(self, reader_uid: str) -> None:
        self.reader_uid = reader_uid
        super().__init__(f"Signature refused: wrong password or PIN for reader {reader_uid}.")


class PermissionDeniedError(StoreError):
    """The reader's role does not allow this action (e.g. a central reader adjudicating)."""

    def __init__(self, reader_uid: str, role: str, action: str) -> None:
        self.reader_uid = reader_uid
        self.role = role
        self.action = action
        super().__init__(f"Reader {reader_uid} ({role}) may not {action}.")


class DatabaseError(StoreError):
    """The database cannot be opened or used (bad URL, unreachable server, not a trial database)."""
