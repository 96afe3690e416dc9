"""Verify that the audit trail explains the whole database, and take checkpoints of it (issue 14).

:func:`verify` reads the database in ONE snapshot and checks, in order:

1. the hash chain and the head (:func:`recist_app.store.audit.verify_chain`);
2. the keys: on SQLite every entry's ``mac`` under the trial's key file; on PostgreSQL nothing per
   entry (the owner's key signs checkpoints), said in :attr:`AuditVerification.notes`;
3. the checkpoint given, if any (:mod:`recist_app.store.audit_checkpoint`): the log still extends it;
4. every row of every data table against the replayed log (:mod:`recist_app.store.audit_replay`),
   and the engine's cached results against a recomputation (:mod:`recist_app.store.audit_results`).

It returns an :class:`AuditVerification` listing everything the log does not explain; a key that is
needed and missing raises :class:`~recist_app.store.audit_keys.AuditKeyError` instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from recist_app.store import audit, audit_checkpoint, audit_keys
from recist_app.store.audit_checkpoint import Checkpoint
from recist_app.store.audit_keys import AuditKey, AuditKeyError
from recist_app.store.audit_replay import Discrepancy, replay
from recist_app.store.audit_results import check_results
from recist_app.store.db import Database
from recist_app.store.schema import AuditHeadRow, AuditRow, TrialRow

LOG = "audit_log"


class _Entry(NamedTuple):
    """What the key and checkpoint checks read of an entry."""

    seq: int
    hash: str
    mac: str | None
    action: str


class HasDatabase(Protocol):
    """Anything with the trial database as ``db``: a :class:`~recist_app.store.trial_store.TrialStore`
    (not imported, so that ``TrialStore`` may import this module)."""

    @property
    def db(self) -> Database:
        """The open trial database."""
        ...


@dataclass(frozen=True)
class AuditVerification:
    """What :func:`verify` found: counts, how the log is keyed, the checkpoint checked, and every finding."""

    backend: str
    entries: int
    rows: int
    results: int
    keying: str
    checkpoint: Checkpoint | None
    findings: tuple[Discrepancy, ...]
    notes: tuple[str, ...] = ()
    #: Whether the log still extends :attr:`checkpoint` (None without one).
    checkpoint_extended: bool | None = None

    @property
    def ok(self) -> bool:
        """True when the log explains everything."""
        return not self.findings


def verify(db: Database, *, key_file: str | Path | None = None,
           checkpoint: Checkpoint | None = None) -> AuditVerification:
    """Check the log, its keys, ``checkpoint`` and every row (module docstring).

    ``key_file`` overrides the key: on SQLite the trial's key file (default: the one beside the
    user's data), on PostgreSQL the owner's key (default: ``$RECIST_AUDIT_OWNER_KEY``), needed there
    only with a ``checkpoint``.
    """
    with _snapshot(db) as session:
        query = select(AuditRow.seq, AuditRow.hash, AuditRow.mac, AuditRow.action).order_by(AuditRow.seq)
        rows = [_Entry(seq, digest, mac, action) for seq, digest, mac, action in session.execute(query)]
        findings: list[Discrepancy] = []
        notes: list[str] = []
        chain = audit.verify_chain(session)
        if not chain.ok:
            findings.append(Discrepancy(LOG, str(chain.bad_seq), chain.bad_seq, chain.problem))
        key: AuditKey | None
        if db.dialect == "sqlite":
            key = _trial_key(session, key_file)
            keying = f"every entry signed with the trial's key {key.path}"
            findings += _mac_findings(rows, key, notes)
        else:
            path = audit_keys.owner_key_path(key_file)
            key = audit_keys.load(path) if checkpoint is not None and path is not None else None
            if checkpoint is not None and key is None:
                raise AuditKeyError(None, "A checkpoint is checked with the owner's key: give --key FILE or set "
                                          f"{audit_keys.OWNER_KEY_ENV}.")
            keying = "entries chained by the server's append function; checkpoints signed with the owner's key"
            if checkpoint is None:
                notes.append("no checkpoint given: only a checkpoint proves the log was not rewritten consistently")
        extended = None
        if checkpoint is not None and key is not None:
            problems = audit_checkpoint.problems(checkpoint, key, {row.seq: row.hash for row in rows})
            findings += [Discrepancy(LOG, str(checkpoint.seq), checkpoint.seq, problem) for problem in problems]
            extended = not problems
        replayed = replay(session)
        if not rows and replayed.rows:
            findings.append(Discrepancy(LOG, "0", None, f"the audit log is empty, yet the database holds "
                                                        f"{replayed.rows} data rows"))
        findings += replayed.discrepancies
        cached, stale = check_results(session)
        findings += stale
    return AuditVerification(db.dialect, len(rows), replayed.rows, cached, keying, checkpoint, tuple(findings),
                             tuple(notes), extended)


def take_checkpoint(db: Database, *, key_file: str | Path | None = None) -> Checkpoint:
    """A signed checkpoint of the log's head now (SQLite: the trial's key; PostgreSQL: the owner's, made
    at ``key_file`` on first use). The chain is not checked here: run :func:`verify` for that."""
    with db.read() as session:
        head = session.get_one(AuditHeadRow, 1)
        if db.dialect == "sqlite":
            key = _trial_key(session, key_file, create=True)
        else:
            path = audit_keys.owner_key_path(key_file)
            if path is None:
                raise AuditKeyError(None, "PostgreSQL checkpoints are signed with the owner's key: give --key FILE "
                                          f"or set {audit_keys.OWNER_KEY_ENV} (a new key is made there).")
            key = audit_keys.load(path) if path.is_file() else audit_keys.create(path)
        return audit_checkpoint.take(head.seq, head.hash, db.name, key)


def verify_audit(store: HasDatabase, *, key_file: str | Path | None = None,
                 checkpoint: str | Path | None = None) -> AuditVerification:
    """:func:`verify` for a ``TrialStore`` and a checkpoint file (the whole database is checked)."""
    taken = audit_checkpoint.read(Path(checkpoint)) if checkpoint is not None else None
    return verify(store.db, key_file=key_file, checkpoint=taken)


def checkpoint_audit(store: HasDatabase, *, key_file: str | Path | None = None) -> Checkpoint:
    """:func:`take_checkpoint` for a ``TrialStore``."""
    return take_checkpoint(store.db, key_file=key_file)


@contextmanager
def _snapshot(db: Database) -> Iterator[Session]:
    """A read session on one consistent snapshot (PostgreSQL: REPEATABLE READ; SQLite's read transaction is one)."""
    with db.read() as session:
        if db.dialect == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        yield session


def _trial_key(session: Session, key_file: str | Path | None, *, create: bool = False) -> AuditKey:
    """The SQLite trial's key: ``key_file``, else the one beside the user's data (made first when ``create``
    and no entry is signed yet, as the next write would)."""
    trial_uid = session.scalars(select(TrialRow.uid).order_by(TrialRow.uid)).first() or ""
    if key_file is not None:
        key = audit_keys.load(Path(key_file))
    elif create:
        head = session.get_one(AuditHeadRow, 1)
        key = audit_keys.entry_key(session, head.seq, head.hash)
    else:
        path = audit_keys.trial_key_path(trial_uid)
        if not path.is_file() and session.scalars(select(AuditRow.seq).where(AuditRow.mac.is_not(None))).first() \
                is None:
            raise AuditKeyError(path, "This trial's audit trail has no key yet (its log began before keys and "
                                      "nothing was written since): run `audit checkpoint` to make one.")
        key = audit_keys.load(path)
    if key.trial_uid and key.trial_uid != trial_uid:
        raise AuditKeyError(key.path, f"{key.path} is the audit key of another trial; give this trial's key.")
    return key


def _mac_findings(rows: Sequence[_Entry], key: AuditKey, notes: list[str]) -> list[Discrepancy]:
    """Entries after the point keying began whose ``mac`` is missing or wrong; the anchor of earlier ones."""
    found = []
    hashes = {row.seq: row.hash for row in rows}
    start = key.keyed_from_seq
    if start:
        notes.append(f"entries 1–{start} predate the audit key: their chain is checked, and the key file anchors "
                     "their last hash")
        if hashes.get(start) != key.keyed_from_hash:
            found.append(Discrepancy(LOG, str(start), start, f"entry {start} is not the one the audit key was made "
                                                             "after: the log before it was rewritten or cut"))
    for row in rows:
        if row.seq <= start:
            continue
        if row.mac is None:
            found.append(Discrepancy(LOG, str(row.seq), row.seq, f"entry {row.seq} ({row.action}) carries no key "
                                                                 "signature: it was not written by the workstation"))
        elif not key.matches(row.hash, row.mac):
            found.append(Discrepancy(LOG, str(row.seq), row.seq, f"entry {row.seq} ({row.action}) does not match "
                                                                 "its key signature: it was rewritten without the key"))
    return found
