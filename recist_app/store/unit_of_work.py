"""Row changes of one command: before → after images, version checks, and their replay (undo/redo).

Every command mutates rows only through :class:`UnitOfWork`, which flushes each change at once and
records a :class:`RowChange` (the row's image before and after). The changes go into the audit
row (issue 5: "before → after") and onto the read's undo stack; undo applies them inverted, redo
inverts them again. Images are JSON-ready dicts of every column, dates as ISO text.

Optimistic concurrency: an update or delete names the version the caller saw; a different stored
version raises :class:`ConflictError` before anything is written, and the mapper's
``version_id_col`` turns a race lost between check and write into the same error.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Date
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from recist_app.store.errors import ConflictError
from recist_app.store.schema import MODELS, Base

Image = dict[str, Any]
RowT = TypeVar("RowT", bound=Base)


@dataclass(frozen=True)
class RowChange:
    """One row inserted (``before`` None), deleted (``after`` None) or updated."""

    table: str
    key: str
    before: Image | None
    after: Image | None

    def inverted(self) -> RowChange:
        """The change that undoes this one."""
        return RowChange(self.table, self.key, self.after, self.before)

    def to_json(self) -> dict[str, Any]:
        """The change as JSON-ready data for the audit row (paths and password hashes as digests)."""
        return {"table": self.table, "key": self.key, "before": _redacted(self.before), "after": _redacted(self.after)}


#: Columns never copied into the audit trail. Empty since issue 14: a reader's password hash is recorded as a
#: digest (below), so that a hash replaced directly in the database is caught; logs written before hold ``***``.
REDACTED_COLUMNS: frozenset[str] = frozenset()
#: Columns the audit trail records by their SHA-256 only, so that it can be exported yet still checked against
#: the rows (:mod:`recist_app.store.audit_replay`): a series folder may be named after the patient, and the same
#: change names the series by its UID (issue 14); the digest of a salted scrypt hash reveals nothing of it.
DIGESTED_COLUMNS = frozenset({"path", "password_hash"})
#: What logs written before issue 14 hold in place of a password hash.
REDACTED = "***"


def digest(value: object) -> str:
    """``sha256:<hex>`` of a :data:`DIGESTED_COLUMNS` value as the audit trail records it."""
    return "sha256:" + hashlib.sha256(str(value).encode("utf-8")).hexdigest()


def _redacted(values: Image | None) -> Image | None:
    if values is None:
        return None
    return {name: REDACTED if name in REDACTED_COLUMNS else digest(value) if name in DIGESTED_COLUMNS else value
            for name, value in values.items()}


def image(row: Base) -> Image:
    """Every column of ``row`` as JSON-ready values (dates as ISO text)."""
    values = {}
    for column in row.__table__.columns:
        value = getattr(row, column.key)
        values[column.key] = value.isoformat() if isinstance(value, date) else value
    return values


def _from_image(model: type[Base], values: Image) -> dict[str, Any]:
    """Column values for ``model`` from an image (ISO text back to dates), without ``version``."""
    result = {}
    for column in model.__table__.columns:
        if column.key == "version" or column.key not in values:
            continue
        value = values[column.key]
        if isinstance(column.type, Date) and isinstance(value, str):
            value = date.fromisoformat(value)
        result[column.key] = value
    return result


def _content(values: Image) -> Image:
    return {name: value for name, value in values.items() if name != "version"}


def _key(row: Base) -> str:
    key = row.__mapper__.primary_key[0].key
    assert key is not None  # a mapped table's primary key is a Column, which always has a key
    return str(getattr(row, key))


class UnitOfWork:
    """Applies and records the row changes of one command inside one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.changes: list[RowChange] = []

    def insert(self, row: RowT) -> RowT:
        """Insert ``row`` (version 1)."""
        if hasattr(row, "version") and row.version is None:
            row.version = 1
        self.session.add(row)
        self._flush(row, None)
        self.changes.append(RowChange(row.__tablename__, _key(row), None, image(row)))
        return row

    def update(self, row: RowT, expected_version: int | None, **values: Any) -> RowT:
        """Set ``values`` on ``row`` if it is still at ``expected_version`` (None: no check)."""
        self._check(row, expected_version)
        before = image(row)
        for name, value in values.items():
            setattr(row, name, value)
        self._flush(row, expected_version)
        after = image(row)
        if after != before:
            self.changes.append(RowChange(row.__tablename__, _key(row), before, after))
        return row

    def delete(self, row: Base, expected_version: int | None) -> None:
        """Delete ``row`` if it is still at ``expected_version`` (None: no check)."""
        self._check(row, expected_version)
        before = image(row)
        self.session.delete(row)
        self._flush(row, expected_version)
        self.changes.append(RowChange(row.__tablename__, _key(row), before, None))

    def apply(self, change: RowChange) -> None:
        """Replay ``change`` (undo/redo): the row must hold exactly ``change.before`` (versions aside,
        since undoing later commands moved them on), else :class:`ConflictError`."""
        model = MODELS[change.table]
        row = self.session.get(model, change.key, populate_existing=True)
        if change.before is None:
            if row is not None:
                raise ConflictError(model.kind, change.key, None, getattr(row, "version", None))
            assert change.after is not None
            self.insert(model(**_from_image(model, change.after)))
            return
        if row is None:
            raise ConflictError(model.kind, change.key, change.before.get("version"), None)
        current = image(row)
        if _content(current) != _content(change.before):  # changed since: by someone else
            raise ConflictError(model.kind, change.key, change.before.get("version"), current.get("version"))
        if change.after is None:
            self.delete(row, current.get("version"))
        else:
            self.update(row, current.get("version"), **_from_image(model, change.after))

    def _check(self, row: Base, expected_version: int | None) -> None:
        actual = getattr(row, "version", None)
        if expected_version is not None and actual != expected_version:
            raise ConflictError(row.kind, _key(row), expected_version, actual)

    def _flush(self, row: Base, expected_version: int | None) -> None:
        kind, key = row.kind, _key(row)  # before the flush: a failed flush expires the row
        try:
            self.session.flush()
        except StaleDataError as exc:  # the row changed between our read and our write
            raise ConflictError(kind, key, expected_version, None) from exc
