"""Checkpoints of the audit trail: its head, signed, kept outside the database (issue 14).

A checkpoint is a small JSON file holding the head of the log when it was taken (the last entry's
sequence number and hash), the time it was taken, the database it describes, the fingerprint of the
key that signed it and ``hmac``, HMAC-SHA256 under that key of the fields above. Keep it where it
cannot be rewritten (write-once storage, a signed e-mail, the trial master file).

Later, :func:`problems` proves the log still *extends* the checkpoint: the entry with that sequence
number still has that hash. As each hash covers every entry before it, a log rewritten at or before
the checkpoint, or cut back below it, no longer does, even if the forger recomputed every hash: the
checkpoint's own hash cannot be forged without the key. On SQLite the trial's key signs it, on
PostgreSQL the owner's (:mod:`recist_app.store.audit_keys`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from recist_app.store.audit import GENESIS_HASH, canonical_json, utc_now
from recist_app.store.audit_keys import AuditKey
from recist_app.store.errors import StoreError

CHECKPOINT_FORMAT = "recist-audit-checkpoint/1"


class CheckpointFileError(StoreError):
    """A checkpoint file cannot be read or is not a checkpoint; ``path`` names it."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(message)

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return (type(self), (self.path, str(self)))


@dataclass(frozen=True)
class Checkpoint:
    """The head of the log at ``at_utc``: entry ``seq`` had ``hash``; ``hmac`` signs it under key ``key``."""

    seq: int
    hash: str
    at_utc: str
    database: str
    key: str
    hmac: str
    format: str = CHECKPOINT_FORMAT

    def signed_text(self) -> str:
        """The text the HMAC covers."""
        return canonical_json([self.format, self.seq, self.hash, self.at_utc, self.database])

    def to_json(self) -> str:
        """The checkpoint file's text."""
        return json.dumps(asdict(self), indent=2) + "\n"


def take(seq: int, hash_: str, database: str, key: AuditKey) -> Checkpoint:
    """A checkpoint of the head (``seq``, ``hash_``) signed with ``key``, stamped now."""
    unsigned = Checkpoint(seq, hash_, utc_now(), database, key.fingerprint, "")
    return Checkpoint(seq, hash_, unsigned.at_utc, database, key.fingerprint, key.mac(unsigned.signed_text()))


def read(path: Path) -> Checkpoint:
    """The checkpoint in file ``path``; :class:`CheckpointFileError` when it is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CheckpointFileError(str(path), f"The checkpoint {path} cannot be read ({exc.strerror or exc}).") from exc
    except ValueError:
        data = None
    try:
        if not isinstance(data, dict) or data.get("format") != CHECKPOINT_FORMAT:
            raise ValueError
        checkpoint = Checkpoint(int(data["seq"]), str(data["hash"]), str(data["at_utc"]), str(data["database"]),
                                str(data["key"]), str(data["hmac"]))
    except (ValueError, KeyError, TypeError):
        raise CheckpointFileError(str(path), f"{path} is not an audit checkpoint (written by `audit checkpoint`)."
                                  ) from None
    if checkpoint.seq < 0:
        raise CheckpointFileError(str(path), f"{path} names entry {checkpoint.seq}, which cannot exist.")
    return checkpoint


def problems(checkpoint: Checkpoint, key: AuditKey, hashes: dict[int, str]) -> list[str]:
    """Why the log (``hashes``: entry sequence → hash) does not extend ``checkpoint`` (empty when it does)."""
    if not key.matches(checkpoint.signed_text(), checkpoint.hmac):
        if checkpoint.key != key.fingerprint:
            return [f"the checkpoint was signed with another key (fingerprint {checkpoint.key}, this key "
                    f"{key.fingerprint}): give the key that signed it"]
        return ["the checkpoint's signature does not match its content: the checkpoint file was altered"]
    if checkpoint.seq == 0:
        return [] if checkpoint.hash == GENESIS_HASH else ["the checkpoint of an empty log names a hash"]
    last = max(hashes, default=0)
    if checkpoint.seq not in hashes:
        return [f"the log ends at entry {last}, before entry {checkpoint.seq} of the checkpoint of "
                f"{checkpoint.at_utc}: entries were removed"]
    if hashes[checkpoint.seq] != checkpoint.hash:
        return [f"entry {checkpoint.seq} is not the one the checkpoint of {checkpoint.at_utc} sealed: the log was "
                "rewritten at or before it"]
    return []
