"""The audit keys: secrets kept outside the database that a rewrite of the audit trail cannot forge (issue 14).

The hash chain (:mod:`recist_app.store.audit`) shows any change to the log *unless* the forger
recomputes every hash from the changed entry on: SHA-256 needs no secret. A key closes that gap.

* **SQLite** (one trial per file, one user): every entry carries ``mac`` = HMAC-SHA256 of its hash
  under the trial's key. The key is a file beside the user's data, ``<user data dir>/audit-keys/
  <trial uid>.key`` (platformdirs, as :func:`~recist_app.store.db.default_trial_path`; the
  ``RECIST_AUDIT_KEY_DIR`` environment variable names another folder), made with mode 0600 by the
  first entry the trial writes. A database copied elsewhere is verified with its key file
  (``audit verify --key FILE``). The key file also records where keying began (``keyed_from``): 0
  for a trial made by this version; for a trial whose log began before migration 0007, the head
  when the key was made, so the unkeyed entries before it are anchored like a checkpoint.
* **PostgreSQL** (many workstations write): the entries are chained by the server's append
  function; the *owner's* key, a file named by ``--key`` or ``RECIST_AUDIT_OWNER_KEY`` and kept off
  the server, signs the checkpoints (:mod:`recist_app.store.audit_checkpoint`). Readers never need it.

A key that is needed and missing is an :class:`AuditKeyError`, never a silent pass.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from recist_app import APP_NAME
from recist_app.store.errors import StoreError
from recist_app.store.schema import AuditRow, TrialRow

#: Environment variable naming the folder of the SQLite trial keys (tests point it at a temporary folder).
KEY_DIR_ENV = "RECIST_AUDIT_KEY_DIR"
#: Environment variable naming the owner's key file (PostgreSQL checkpoints).
OWNER_KEY_ENV = "RECIST_AUDIT_OWNER_KEY"
KEY_FORMAT = "recist-audit-key/1"
GENESIS_HASH = "0" * 64


class AuditKeyError(StoreError):
    """An audit key is missing, unreadable or not an audit key; ``path`` is where it was looked for."""

    def __init__(self, path: Path | None, message: str) -> None:
        self.path = path
        super().__init__(message)

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return (type(self), (self.path, str(self)))


@dataclass(frozen=True)
class AuditKey:
    """A loaded key: its file, secret, trial (empty for an owner's key) and where keying began."""

    path: Path
    secret: bytes
    trial_uid: str = ""
    keyed_from_seq: int = 0
    keyed_from_hash: str = GENESIS_HASH

    def mac(self, text: str) -> str:
        """HMAC-SHA256 (hex) of ``text`` under this key."""
        return hmac.new(self.secret, text.encode("utf-8"), hashlib.sha256).hexdigest()

    def matches(self, text: str, mac: str | None) -> bool:
        """True when ``mac`` is this key's HMAC of ``text`` (constant-time comparison)."""
        return mac is not None and hmac.compare_digest(self.mac(text), mac)

    @property
    def fingerprint(self) -> str:
        """The first 16 hex digits of the secret's SHA-256: names the key in files without revealing it."""
        return hashlib.sha256(self.secret).hexdigest()[:16]


def key_dir() -> Path:
    """The folder of the SQLite trial keys: ``$RECIST_AUDIT_KEY_DIR`` or ``<user data dir>/audit-keys``."""
    configured = os.environ.get(KEY_DIR_ENV)
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    return platformdirs.user_data_path(APP_NAME) / "audit-keys"


def trial_key_path(trial_uid: str) -> Path:
    """The key file of the SQLite trial ``trial_uid``."""
    return key_dir() / f"{trial_uid}.key"


def owner_key_path(explicit: str | Path | None = None) -> Path | None:
    """The owner's key file: ``explicit`` (``--key``), else ``$RECIST_AUDIT_OWNER_KEY``, else None."""
    chosen = explicit or os.environ.get(OWNER_KEY_ENV)
    return Path(chosen).expanduser() if chosen else None


def load(path: Path) -> AuditKey:
    """Read the key file ``path``; :class:`AuditKeyError` when it is missing or not an audit key."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AuditKeyError(path, f"No audit key at {path}: restore the key file from your backup "
                                  "(or give its place with --key).") from None
    except OSError as exc:
        raise AuditKeyError(path, f"The audit key {path} cannot be read ({exc.strerror or exc}).") from exc
    except ValueError:
        data = None
    try:
        if not isinstance(data, dict) or data.get("format") != KEY_FORMAT:
            raise ValueError
        secret = bytes.fromhex(data["key"])
        keyed_from = data.get("keyed_from") or {}
        key = AuditKey(path, secret, str(data.get("trial_uid", "")), int(keyed_from.get("seq", 0)),
                       str(keyed_from.get("hash", GENESIS_HASH)))
    except (ValueError, KeyError, TypeError, AttributeError):
        raise AuditKeyError(path, f"{path} is not an audit key file of this workstation.") from None
    if len(key.secret) < 32:
        raise AuditKeyError(path, f"The audit key {path} is too short (damaged?); restore it from your backup.")
    return key


def create(path: Path, *, trial_uid: str = "", keyed_from_seq: int = 0,
           keyed_from_hash: str = GENESIS_HASH) -> AuditKey:
    """Make a new key file ``path`` (mode 0600, its folder 0700) and return it.

    The file appears whole or not at all (written aside, then hard-linked in place); when another
    process made it first, that key is returned instead.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = json.dumps({"format": KEY_FORMAT, "key": secrets.token_hex(32), "trial_uid": trial_uid,
                       "created_at": created, "keyed_from": {"seq": keyed_from_seq, "hash": keyed_from_hash}},
                      indent=2) + "\n"
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile: use theirs
            os.link(tmp, path)
    except OSError as exc:
        raise AuditKeyError(path, f"The audit key {path} cannot be written ({exc.strerror or exc}).") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return load(path)


def entry_key(session: Session, head_seq: int, head_hash: str) -> AuditKey:
    """The SQLite trial's key for the entry about to be appended after (``head_seq``, ``head_hash``).

    Made on first use: by the trial's first entry, or, for a log begun before keys existed (no entry
    carries a ``mac``), keyed from the current head. A keyed log whose key is missing refuses the
    write (:class:`AuditKeyError`) rather than continue unkeyed.
    """
    trial_uid = session.scalars(select(TrialRow.uid).order_by(TrialRow.uid)).first()
    if trial_uid is None:
        raise AuditKeyError(None, "The database holds no trial: its audit trail has no key to sign with.")
    path = trial_key_path(trial_uid)
    if path.is_file():
        return load(path)
    keyed = session.scalars(select(AuditRow.seq).where(AuditRow.mac.is_not(None)).limit(1)).first()
    if keyed is not None:
        raise AuditKeyError(path, f"The audit key of this trial is missing (expected at {path}): restore it from "
                                  f"your backup or set {KEY_DIR_ENV} to its folder; nothing was saved.")
    return create(path, trial_uid=trial_uid, keyed_from_seq=head_seq, keyed_from_hash=head_hash)
