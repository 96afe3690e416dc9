"""Replay of the audit trail against the data: every row must be what the log says it is (issue 14).

Every command writes its rows through :class:`~recist_app.store.unit_of_work.UnitOfWork`, whose
before → after images (every column) go into the command's audit entry. Replaying the entries in
order rebuilds every row as the log says it should be; :func:`replay` compares that with every
column of every row in the database and lists each difference:

* a row changed, added or deleted directly in SQL (with the triggers disabled or not);
* an entry whose *before* image is not what the entries before it left (an entry removed from the
  middle, or one forged in without the data it claims);
* a log emptied or cut short while the data stayed (its rows are then explained by nothing).

What is replayed: every table of :data:`~recist_app.store.schema.MODELS` except those below.
Columns the log records as a digest (``path``, ``password_hash``: :data:`~recist_app.store.unit_of_work.
DIGESTED_COLUMNS`) are compared by digest, and their values never appear in a message. Logs written
before issue 14 hold ``***`` for a password hash: that one value is not compared.

Rows written outside audited commands, and how they are treated:

* ``audit_log`` and ``audit_head`` are the log itself, checked by its hash chain, keys and
  checkpoints (:mod:`recist_app.store.audit_verify`), not by replay.
* ``timepoint_results`` is the engine's cache, written unaudited by design (derived, always
  recomputable: :mod:`recist_app.store.results`); :mod:`recist_app.store.audit_results` checks it by
  recomputing it from the replayed data instead.
* ``alembic_version`` is no model. The trial itself is audited (``create_trial``), as are sites,
  subjects, readers and reads.
* Migrations add columns to rows logged before them: :data:`ADDED_COLUMNS` holds the value each
  migration gave existing rows, which is what the log implies for a column its images lack.

A PostgreSQL database holding several trials is replayed whole: its log is shared by all of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from recist_app.store.errors import KIND_WORDS
from recist_app.store.schema import MODELS, AuditRow, Base
from recist_app.store.unit_of_work import DIGESTED_COLUMNS, REDACTED, RowChange, image

#: The log itself: checked by its chain, keys and checkpoints, not replayed.
LOG_TABLES = frozenset({"audit_log", "audit_head"})
#: Derived data, written unaudited by design and checked by recomputation (:mod:`recist_app.store.audit_results`).
DERIVED_TABLES = frozenset({"timepoint_results"})
#: (table, column) → the value a migration gave the rows that existed before it added the column.
ADDED_COLUMNS: Mapping[tuple[str, str], Any] = {
    ("series_links", "series_number"): None,  # 0002
    ("readers", "active"): True,  # 0003
    ("lesion_states", "reason"): "",  # 0004
    ("subjects", "reads_due_on"): None,  # 0005
    ("measurements", "plane"): "AXIAL",  # 0006
    ("readers", "db_role"): None,  # 0008
    ("reads", "central_role"): None,  # 0008
    ("measurements", "method"): "MANUAL",  # 0009
}
_ABSENT = object()

Image = dict[str, Any]


@dataclass(frozen=True)
class Discrepancy:
    """One thing the log does not explain: the table, the row's key, the entry concerned (if any) and why."""

    table: str
    key: str
    seq: int | None
    message: str


@dataclass(frozen=True)
class ReplayReport:
    """Result of :func:`replay`: entries replayed, rows compared, and every discrepancy found."""

    entries: int
    rows: int
    tables: int
    discrepancies: tuple[Discrepancy, ...]

    @property
    def ok(self) -> bool:
        """True when the log explains every row."""
        return not self.discrepancies


@dataclass
class _Logged:
    """A row as the log leaves it: its image and the entry that wrote it last."""

    image: Image
    seq: int
    action: str


def replayed_tables() -> tuple[str, ...]:
    """The tables :func:`replay` compares, sorted."""
    return tuple(sorted(set(MODELS) - LOG_TABLES - DERIVED_TABLES))


def replay(session: Session) -> ReplayReport:
    """Rebuild every row from the audit log and compare it with the database (see the module docstring)."""
    state: dict[tuple[str, str], _Logged] = {}
    found: list[Discrepancy] = []
    entries = 0
    for entry in session.scalars(select(AuditRow).order_by(AuditRow.seq)):
        entries += 1
        try:
            changes = json.loads(entry.changes)
        except ValueError:
            found.append(Discrepancy("audit_log", str(entry.seq), entry.seq,
                                     f"entry {entry.seq} ({entry.action}) holds no readable list of changes"))
            continue
        for change in changes if isinstance(changes, list) else ():
            found.extend(_apply(state, entry, change))
    rows = 0
    tables = replayed_tables()
    for table in tables:
        model = MODELS[table]
        logged = {key: value for (name, key), value in state.items() if name == table}
        for row in session.scalars(select(model)):
            rows += 1
            key = _key(row)
            found.extend(_compare(table, key, _recorded(table, key, image(row)), logged.pop(key, None)))
        for key, value in sorted(logged.items()):
            found.append(Discrepancy(table, key, value.seq, f"{_kind(table)} {key} was written by entry {value.seq} "
                                                            f"({value.action}) but is missing from the database"))
    return ReplayReport(entries, rows, len(tables), tuple(found))


def _apply(state: dict[tuple[str, str], _Logged], entry: AuditRow, change: Any) -> Iterable[Discrepancy]:
    """Apply one logged change to ``state``; yield a discrepancy when its *before* is not what ``state`` holds."""
    if not isinstance(change, dict) or not isinstance(change.get("table"), str):
        yield Discrepancy("audit_log", str(entry.seq), entry.seq, f"entry {entry.seq} ({entry.action}) holds a change "
                                                                  "that is not a row change")
        return
    table, key = change["table"], str(change.get("key"))
    before, after = change.get("before"), change.get("after")
    where = f"entry {entry.seq} ({entry.action})"
    if table in LOG_TABLES or table not in MODELS:
        yield Discrepancy(table, key, entry.seq, f"{where} changes {table}, which holds no audited data")
        return
    current = state.get((table, key))
    if before is None and current is not None:
        yield Discrepancy(table, key, entry.seq, f"{where} creates {_kind(table)} {key}, which entry {current.seq} "
                                                 "had already created")
    elif before is not None and current is None:
        yield Discrepancy(table, key, entry.seq, f"{where} changes {_kind(table)} {key}, which no entry before it "
                                                 "created (or one deleted)")
    elif before is not None and current is not None:
        columns = _differing(table, before, current.image)
        if columns:
            yield Discrepancy(table, key, entry.seq, f"{where} finds {_kind(table)} {key} other than entry "
                                                     f"{current.seq} left it ({', '.join(columns)})")
    if after is None:
        state.pop((table, key), None)
    else:
        state[(table, key)] = _Logged(dict(after), entry.seq, entry.action)


def _compare(table: str, key: str, actual: Image, logged: _Logged | None) -> Iterable[Discrepancy]:
    """The discrepancies between a database row and what the log left of it."""
    if logged is None:
        yield Discrepancy(table, key, None, f"{_kind(table)} {key} is in the database, but no audit entry "
                                            "created it")
        return
    columns = _differing(table, actual, logged.image)
    if columns:
        details = "; ".join(_describe(table, column, actual, logged.image) for column in columns)
        yield Discrepancy(table, key, logged.seq, f"{_kind(table)} {key} differs from what entry {logged.seq} "
                                                  f"({logged.action}) left: {details}")


def _differing(table: str, first: Image, second: Image) -> list[str]:
    """Columns whose values differ between two images (sorted); a column an image lacks takes its migration default."""
    return [column for column in sorted(set(first) | set(second))
            if not _same(column, _value(table, column, first), _value(table, column, second))]


def _value(table: str, column: str, values: Image) -> Any:
    if column in values:
        return values[column]
    return ADDED_COLUMNS.get((table, column), _ABSENT)


def _same(column: str, first: Any, second: Any) -> bool:
    if column == "password_hash" and REDACTED in (first, second):
        return True  # logged before issue 14 as "***": not comparable
    return (type(first) is type(second) and first == second) or _numbers_equal(first, second)


def _numbers_equal(first: Any, second: Any) -> bool:
    """An integer-valued double reads back as 40.0 where the log wrote 40, or the reverse; booleans stay apart."""
    numbers = (int, float)
    return (isinstance(first, numbers) and isinstance(second, numbers) and not isinstance(first, bool)
            and not isinstance(second, bool) and first == second)


def _describe(table: str, column: str, actual: Image, logged: Image) -> str:
    now, then = _value(table, column, actual), _value(table, column, logged)
    if then is _ABSENT:
        return f"{column} is not in the log"
    if now is _ABSENT:
        return f"{column} is not in the database"
    if column in DIGESTED_COLUMNS:
        return f"{column} does not match the log's digest"
    return f"{column} is {now!r}, the log says {then!r}"


def _recorded(table: str, key: str, values: Image) -> Image:
    """``values`` as the log records them (digests for :data:`DIGESTED_COLUMNS`)."""
    recorded = RowChange(table, key, None, values).to_json()["after"]
    assert recorded is not None
    return dict(recorded)


def _key(row: Base) -> str:
    column = row.__mapper__.primary_key[0].key
    assert column is not None
    return str(getattr(row, column))


def _kind(table: str) -> str:
    kind = MODELS[table].kind if table in MODELS else table
    return KIND_WORDS.get(kind, kind)
