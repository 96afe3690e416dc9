"""The append-only, tamper-evident audit trail (issue 5; 21 CFR 11.10(e) style).

Each entry records who, when (UTC), what (the action and every row's before → after image) and
why (the reason, when a signed time point was reopened). Its ``hash`` is the SHA-256 of its
canonical content followed by ``prev_hash``, the hash of the entry before it, so changing,
removing or reordering any entry breaks the chain from there on: :func:`verify_chain` says where.

Appends lock the single ``audit_head`` row (``SELECT … FOR UPDATE``; on SQLite the write lock
already serialises), so concurrent commands extend one linear chain.

The chain alone does not stop a forger who recomputes every hash from the changed entry on: keys
kept outside the database do (:mod:`recist_app.store.audit_keys`; SQLite signs every entry, PostgreSQL
the checkpoints of :mod:`recist_app.store.audit_checkpoint`), and :mod:`recist_app.store.audit_replay`
checks that the log explains every row of the data (:mod:`recist_app.store.audit_verify` does all).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from recist_app.model.errors import InvalidRecordError
from recist_app.model.records import AuditEntry
from recist_app.store import audit_keys
from recist_app.store.schema import AuditHeadRow, AuditRow
from recist_app.store.unit_of_work import RowChange

GENESIS_HASH = "0" * 64
EXPORT_COLUMNS = ("seq", "at_utc", "actor_uid", "actor_name", "action", "read_uid", "reason", "changes_json",
                  "prev_hash", "hash")


def utc_now() -> str:
    """The current UTC time as ISO-8601 text with microseconds and ``Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(value: Any) -> str:
    """Deterministic JSON (sorted keys, no spaces): the text that is stored and hashed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def entry_hash(entry: AuditRow | AuditEntry) -> str:
    """SHA-256 (hex) over the entry's content and its predecessor's hash."""
    changes = entry.changes if isinstance(entry, AuditRow) else entry.changes_json
    content = canonical_json([entry.seq, entry.at_utc, entry.actor_uid, entry.actor_name, entry.action,
                              entry.read_uid, changes, entry.reason])
    return hashlib.sha256((content + entry.prev_hash).encode("utf-8")).hexdigest()


def append(session: Session, *, actor_uid: str, actor_name: str, action: str, read_uid: str = "",
           changes: Sequence[RowChange] = (), reason: str = "") -> AuditRow:
    """Append one entry in the caller's transaction (committed or rolled back with the command).

    On PostgreSQL the owner's function ``audit_append`` (migration 0007) locks the head, stamps the
    server's time and chains the entry; on SQLite the entry is chained here and signed with the
    trial's key (:func:`recist_app.store.audit_keys.entry_key`; :class:`AuditKeyError` when it is lost).
    """
    changes_json = canonical_json([change.to_json() for change in changes])
    if session.get_bind().dialect.name == "postgresql":
        seq = session.execute(text("SELECT audit_append(:actor_uid, :actor_name, :action, :read_uid, :changes, "
                                   ":reason)"),
                              {"actor_uid": actor_uid, "actor_name": actor_name, "action": action,
                               "read_uid": read_uid, "changes": changes_json, "reason": reason}).scalar_one()
        return session.get_one(AuditRow, seq)
    head = session.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1).with_for_update()).scalar_one()
    row = AuditRow(seq=head.seq + 1, at_utc=utc_now(), actor_uid=actor_uid, actor_name=actor_name,
                   action=action, read_uid=read_uid, changes=changes_json, reason=reason, prev_hash=head.hash)
    row.hash = entry_hash(row)
    row.mac = audit_keys.entry_key(session, head.seq, head.hash).mac(row.hash)
    session.add(row)
    head.seq, head.hash = row.seq, row.hash
    session.flush()
    return row


def to_entry(row: AuditRow) -> AuditEntry:
    """The read-model record of an audit row."""
    return AuditEntry(row.seq, row.at_utc, row.actor_uid, row.actor_name, row.action, row.read_uid,
                      row.changes, row.reason, row.prev_hash, row.hash)


def entries(session: Session) -> tuple[AuditEntry, ...]:
    """Every audit entry in sequence order."""
    return tuple(to_entry(row) for row in session.scalars(select(AuditRow).order_by(AuditRow.seq)))


@dataclass(frozen=True)
class ChainReport:
    """Result of :func:`verify_chain`: ``ok``, entries checked, and the first bad entry with why."""

    ok: bool
    entries: int
    bad_seq: int | None = None
    problem: str = ""


def verify_chain(session: Session) -> ChainReport:
    """Recompute every hash and link; report the first entry that was changed, removed or inserted."""
    previous = GENESIS_HASH
    count = 0
    for count, row in enumerate(session.scalars(select(AuditRow).order_by(AuditRow.seq)), start=1):
        if row.seq != count:
            return ChainReport(False, count, row.seq, f"entry {count} is missing (found {row.seq} next)")
        if row.prev_hash != previous:
            return ChainReport(False, count, row.seq, f"entry {row.seq} does not link to entry {row.seq - 1}")
        if entry_hash(row) != row.hash:
            return ChainReport(False, count, row.seq, f"entry {row.seq} was altered: its content does not "
                                                      "match its hash")
        previous = row.hash
    head = session.get(AuditHeadRow, 1)
    if head is None or head.seq != count or head.hash != previous:
        return ChainReport(False, count, count + 1, "entries after the last one were removed (head mismatch)")
    return ChainReport(True, count)


def export(audit_entries: Sequence[AuditEntry], path: Path, fmt: str | None = None) -> str:
    """Write the entries to ``path`` as CSV or JSON (from ``fmt`` or the suffix); return the format.

    The file is written to a temporary name and renamed, so a reader never sees half a file.
    """
    fmt = (fmt or path.suffix.lstrip(".") or "csv").lower()
    if fmt not in ("csv", "json"):
        raise InvalidRecordError("format", fmt, "csv or json")
    rows = [asdict(entry) for entry in audit_entries]
    if fmt == "json":
        for row in rows:
            row["changes"] = json.loads(row.pop("changes_json"))
        text = json.dumps({"entries": rows}, indent=2, ensure_ascii=False) + "\n"
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, EXPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        text = buffer.getvalue()
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)  # gone after the rename; left only by a failed write or rename
    return fmt
