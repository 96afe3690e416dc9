"""Electronic signatures and locking of time points (issue 5; 21 CFR 11.50, 11.200 style).

A reader signs a time point of their read by re-entering their password or PIN; the store keeps
only a salted ``hashlib.scrypt`` hash (RFC 7914), compared in constant time. The signature
records who, when (UTC) and its meaning. A signed time point is read-only: every command that
touches it raises :class:`TimepointLockedError` until the reader reopens it with a reason. Both
acts are audited; edits made while reopened carry the reopening reason in their audit rows.
Refusals name the time point as the reader sees it (:func:`~recist_app.store.names.visit_label`),
never by its identifier.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable

from sqlalchemy import URL, create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import object_session
from sqlalchemy.pool import NullPool

from recist_app.model.records import new_uid
from recist_app.store.errors import (
    DatabaseError,
    NotFoundError,
    ReaderDisabledError,
    RefusedInputError,
    SignatureError,
    TimepointLockedError,
)
from recist_app.store.names import capital, visit_label
from recist_app.store.repository import Repository
from recist_app.store.schema import ReaderRow, ReadTimepointRow
from recist_app.store.unit_of_work import RowChange, UnitOfWork

#: scrypt cost (N, r, p): 16 MiB and about 50 ms per check on a desktop (RFC 7914 §2 interactive use).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SALT_BYTES = 16
MIN_SECRET_LENGTH = 4  # what the store takes at all (the demo's documented "demo")
#: What a person choosing a password in ``trial reader add`` or the set-up dialog must type (issue 14): a
#: 4-digit PIN whose hash can be read is cracked offline in minutes; 10 characters take years.
MIN_PASSWORD_LENGTH = 10
#: How libpq words the server's refusal of a login (a connection error carries no SQLSTATE).
LOGIN_REFUSALS = ("password authentication failed", "does not exist", "no pg_hba.conf entry", "not permitted to log in")
DEFAULT_MEANING = "I have reviewed this assessment and approve it."


def hash_password(secret: str) -> str:
    """``scrypt$N$r$p$salt$hash`` of ``secret`` with a fresh random salt."""
    if not isinstance(secret, str) or len(secret) < MIN_SECRET_LENGTH:
        wanted = f"at least {MIN_SECRET_LENGTH} characters"
        raise RefusedInputError("password", "***", f"a password or PIN of {wanted}",
                                f"A password or PIN needs {wanted}; choose a longer one.")
    salt = os.urandom(SALT_BYTES)
    digest = hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def check_new_password(secret: str) -> str:
    """``secret`` when it may become a reader's password (:data:`MIN_PASSWORD_LENGTH` characters at least)."""
    if not isinstance(secret, str) or len(secret) < MIN_PASSWORD_LENGTH:
        raise RefusedInputError("password", "***", f"a password of at least {MIN_PASSWORD_LENGTH} characters",
                                f"A reader's password needs at least {MIN_PASSWORD_LENGTH} characters (a short PIN "
                                "is guessed in minutes by whoever copies the database); choose a longer one.")
    return secret


def verify_password(secret: str, stored: str) -> bool:
    """True when ``secret`` hashes to ``stored`` (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = hashlib.scrypt(secret.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                                   dklen=len(digest) // 2)
    except ValueError:
        return False
    return hmac.compare_digest(candidate.hex(), digest)


def authenticate(reader: ReaderRow, secret: str) -> None:
    """Raise :class:`SignatureError` unless ``secret`` is the reader's password or PIN, and
    :class:`ReaderDisabledError` when the reader was disabled (even with a read already open).

    A reader connected as their own PostgreSQL login role may not read any password hash: the
    server checks the password then (:func:`server_accepts`), with its own authentication.
    """
    own_login = _own_login(reader)
    accepted = server_accepts(own_login, secret) if own_login is not None \
        else verify_password(secret, reader.password_hash)
    if not accepted:
        raise SignatureError(reader.uid)
    if not reader.active:
        raise ReaderDisabledError(reader.uid)


def _own_login(reader: ReaderRow) -> URL | None:
    """The database URL when the reader's session runs as the reader's own PostgreSQL login role."""
    session = object_session(reader)
    if reader.db_role is None or session is None or session.get_bind().dialect.name != "postgresql":
        return None
    if session.execute(text("SELECT current_user")).scalar_one() != reader.db_role:
        return None
    return session.get_bind().engine.url


def server_accepts(url: URL, secret: str) -> bool:
    """True when the PostgreSQL server at ``url`` lets its user log in with password ``secret``.

    The server's own rules decide (``pg_hba.conf``): SCRAM or certificates in production; a
    ``trust`` line accepts any password, which is what a test server set up that way does.
    """
    engine = create_engine(url.set(password=secret), poolclass=NullPool)
    try:
        with engine.connect():
            return True
    except OperationalError as exc:
        if any(refusal in str(exc.orig) for refusal in LOGIN_REFUSALS):
            return False
        raise DatabaseError(f"Cannot check the password with {url.render_as_string(hide_password=True)}: "
                            f"{str(exc.orig).strip().splitlines()[0]}") from exc
    finally:
        engine.dispose()


def sign(uow: UnitOfWork, repo: Repository, read_uid: str, timepoint_uid: str, reader: ReaderRow,
         secret: str, meaning: str, at_utc: str) -> ReadTimepointRow:
    """Sign one time point of a read (already signed: :class:`TimepointLockedError`)."""
    authenticate(reader, secret)
    if not meaning.strip():
        raise RefusedInputError("meaning", meaning, "the meaning of the signature (e.g. 'reviewed and approved')",
                                "Say what your signature means (e.g. 'reviewed and approved') before signing.")
    row = repo.read_timepoint(read_uid, timepoint_uid)
    if row is None:
        return uow.insert(ReadTimepointRow(uid=new_uid(), read_uid=read_uid, timepoint_uid=timepoint_uid,
                                           cr_confirmed=False, signed_at=at_utc, signed_by_uid=reader.uid,
                                           meaning=meaning, reopen_reason=""))
    if row.signed_at is not None:
        visit = _visit(repo, read_uid, timepoint_uid)
        raise TimepointLockedError(timepoint_uid, visit, f"{capital(visit)} is already signed and read-only; "
                                                        "nothing was changed.")
    return uow.update(row, row.version, signed_at=at_utc, signed_by_uid=reader.uid, meaning=meaning,
                      reopen_reason="")


def reopen(uow: UnitOfWork, repo: Repository, read_uid: str, timepoint_uid: str, reason: str) -> ReadTimepointRow:
    """Reopen a signed time point for editing; ``reason`` is required and audited."""
    if not reason or not reason.strip():
        raise RefusedInputError("reason", reason, "why the signed time point is reopened (audited)",
                                f"Give the reason for reopening {_visit(repo, read_uid, timepoint_uid)}; it is kept "
                                "in the audit trail.")
    row = repo.read_timepoint(read_uid, timepoint_uid)
    if row is None or row.signed_at is None:
        raise RefusedInputError("timepoint_uid", timepoint_uid, "a signed time point of this read",
                                f"{capital(_visit(repo, read_uid, timepoint_uid))} is not signed, so there is nothing "
                                "to reopen.")
    return uow.update(row, row.version, signed_at=None, signed_by_uid=None, reopen_reason=reason.strip())


def touched_timepoints(changes: Iterable[RowChange]) -> set[str]:
    """Time points whose data a change touches (measurements, states, series, a lesion's first)."""
    found: set[str] = set()
    for change in changes:
        for values in (change.before, change.after):
            for key in ("timepoint_uid", "first_timepoint_uid"):
                if values and values.get(key):
                    found.add(str(values[key]))
    return found


def check_unlocked(repo: Repository, read_uid: str, changes: Iterable[RowChange]) -> str:
    """Raise if a change touches a signed time point; return the reopening reason(s) that apply."""
    rows = {row.timepoint_uid: row for row in repo.read_timepoints(read_uid)}
    reasons = []
    for uid in sorted(touched_timepoints(changes)):
        row = rows.get(uid)
        if row is not None and row.signed_at is not None:
            raise TimepointLockedError(uid, _visit(repo, read_uid, uid))
        if row is not None and row.reopen_reason:
            reasons.append(row.reopen_reason)
    return "; ".join(dict.fromkeys(reasons))


def _visit(repo: Repository, read_uid: str, timepoint_uid: str) -> str:
    """The time point as the repository's reader sees it ("Week 8", or "TP2" where visits are blinded)."""
    try:
        read = repo.read(read_uid)
        return visit_label(repo, read, repo.timepoint(timepoint_uid, read.subject_uid))
    except NotFoundError:
        return "this time point"

