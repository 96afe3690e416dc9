"""Errors of the trial database (issue 5; ARCHITECTURE C7): typed, with the offending values as attributes.

Every class derives from :class:`StoreError`, itself a :class:`~recist_app.errors.RecistAppError`,
so the command line turns them into one line and exit status 2. Impossible arguments raise the
model's :class:`~recist_app.model.errors.InvalidRecordError`; where a reader can cause one from the
workstation, :class:`RefusedInputError` (one of them) says why in the reader's words.

Messages are what a reader reads in a dialog (issue 12, "Messages"): they name records by what the
reader sees (visit, subject id, lesion label, series number) and never by a record identifier (a
32-hex or dashed UUID, a DICOM UID); the identifiers stay available as attributes for logs and tests.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from recist_app.errors import RecistAppError
from recist_app.model.errors import InvalidRecordError

#: A record identifier: 32 hex digits, a dashed UUID, or a DICOM UID (digits and dots).
IDENTIFIER = re.compile(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}|\d+(?:\.\d+){2,}")


def is_identifier(key: object) -> bool:
    """True when ``key`` is a record identifier (UUID or DICOM UID), which a message never shows."""
    return isinstance(key, str) and IDENTIFIER.fullmatch(key.strip()) is not None


class StoreError(RecistAppError):
    """Base class of the trial database's errors."""


class NotFoundError(StoreError, LookupError):
    """No record of ``kind`` with ``key`` is visible to the caller (another reader's rows never are).

    A ``key`` that is a name (a subject id, a site code) is quoted in the message; a record
    identifier is not (:func:`is_identifier`): the message then says what to do instead.
    """

    def __init__(self, kind: str, key: object) -> None:
        self.kind = kind
        self.key = key
        if is_identifier(key):
            message = (f"No such {kind} in this trial, or it is not visible to this reader (another reader's, or "
                       "deleted meanwhile). Open the subject again to see its current state.")
        else:
            message = f"No {kind} {key!r} in this trial (or not visible to this reader)."
        super().__init__(message)

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return (type(self), (self.kind, self.key))


class DuplicateError(StoreError):
    """A record with the same natural key already exists (subject id, lesion label, trial code …).

    ``message`` replaces the generic text where the caller can say it better (e.g. naming the series
    and the visit instead of the series' UID, which stays in ``key``).
    """

    def __init__(self, kind: str, key: object, message: str | None = None) -> None:
        self.kind = kind
        self.key = key
        shown = "with this identifier" if is_identifier(key) else repr(key)
        super().__init__(message or f"A {kind} {shown} already exists; choose another or edit the existing one.")

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return (type(self), (self.kind, self.key, str(self)))


class RefusedInputError(StoreError, InvalidRecordError):
    """Input a reader can give (a date, a status, a label) that the read cannot take, in the reader's words.

    An :class:`~recist_app.model.errors.InvalidRecordError` with the same ``argument``, ``value`` and
    ``expected`` (for logs and tests) whose message is ``message``: what is wrong and what to do,
    naming lesions by label and visits as the reader sees them.
    """

    def __init__(self, argument: str, value: object, expected: str, message: str) -> None:
        InvalidRecordError.__init__(self, argument, value, expected)
        self.args = (message,)

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return (type(self), (self.argument, self.value, self.expected, str(self)))


class ConstraintError(StoreError):
    """The database refused a change that breaks one of its constraints (a foreign key, a unique key)."""


#: How a record kind (``Row.kind``) is named in a message where the table's name is not the reader's word.
KIND_WORDS = {"row": "record", "lesion state": "lesion status", "read time point": "signature"}


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
        super().__init__(f"Conflict: this {KIND_WORDS.get(kind, kind)} was changed by someone else (you saw {saw}, "
                         f"it {now}); nothing was saved. Reload and apply your change again.")

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return (type(self), (self.kind, self.uid, self.expected_version, self.actual_version))


class ConcurrentChangeError(ConflictError):
    """Two workstations made the same new record at once (a unique key refused the second); nothing was saved."""

    def __init__(self, detail: str = "") -> None:
        self.kind, self.uid, self.expected_version, self.actual_version = "row", "", None, None
        self.detail = detail
        StoreError.__init__(self, "Conflict: someone else made the same change at the same moment (the read holds it "
                                  "once only); nothing of yours was saved. Reload and apply your change again.")

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return (type(self), (self.detail,))


class TimepointLockedError(StoreError):
    """A change touches a signed time point: it is read-only until reopened with a reason.

    ``visit`` names the time point as the reader sees it (blinded where the trial blinds); the
    message never shows ``timepoint_uid``. ``message`` replaces the generic text.
    """

    def __init__(self, timepoint_uid: str, visit: str = "", message: str | None = None) -> None:
        self.timepoint_uid = timepoint_uid
        self.visit = visit
        super().__init__(message or f"{visit or 'This time point'} is signed and read-only; reopen it with a reason "
                                    "first (Read > Reopen time point).")

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return (type(self), (self.timepoint_uid, self.visit, str(self)))


class IncompleteReadError(StoreError):
    """A time point cannot be signed yet: what it lacks, lesion by lesion (issue 12, "Integrity of a read")."""

    def __init__(self, visit: str, gaps: Sequence[object]) -> None:
        self.visit = visit
        self.gaps = tuple(str(gap) for gap in gaps)
        super().__init__(f"{visit} cannot be signed yet: " + "; ".join(self.gaps) + ".")


class SignatureError(StoreError):
    """The password or PIN re-entered for an electronic signature (or to log in) is wrong (21 CFR 11.200)."""

    def __init__(self, reader_uid: str) -> None:
        self.reader_uid = reader_uid
        super().__init__("That is the wrong password or PIN for this reader. Type it again (check Caps Lock).")


class NotLoggedInError(SignatureError):
    """A read was asked for without the reader's password nor a login of this store (issue 14)."""

    def __init__(self) -> None:
        StoreError.__init__(self, "Log in first: a read opens only for the reader who gave their password "
                                  "(TrialStore.log_in, or reader_session(…, password=…)).")
        self.reader_uid = ""


class ReaderDisabledError(SignatureError):
    """The reader was disabled by the trial administrator: no log-in, no new read, no signature.

    A :class:`SignatureError`, so every caller that refuses a wrong password refuses a disabled
    reader too. The reader's past reads and signatures stay; enabling the reader again restores access.
    """

    def __init__(self, reader_uid: str) -> None:
        self.reader_uid = reader_uid
        StoreError.__init__(self, "This reader is disabled: ask the trial administrator.")

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return (type(self), (self.reader_uid,))


class PermissionDeniedError(StoreError):
    """The reader's role does not allow this action (e.g. a central reader adjudicating)."""

    def __init__(self, reader_uid: str, role: str, action: str,
                 hint: str = "Log in as a reader whose role allows it (File > Log in as another reader).") -> None:
        self.reader_uid = reader_uid
        self.role = role
        self.action = action
        super().__init__(f"A reader with the {role.replace('_', ' ')} role may not {action}. {hint}")


class DatabaseError(StoreError):
    """The database cannot be opened or used (bad URL, unreachable server, not a trial database)."""
