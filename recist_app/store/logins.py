"""Who is logged in: proof that a reader gave their password to this store (issue 14, "Who did it is who
logged in").

A read opens only for an authenticated reader: :meth:`TrialStore.log_in` checks the password (salted
scrypt, :mod:`recist_app.store.signoff`) and hands out a :class:`Login`, which
:meth:`TrialStore.reader_session` accepts instead of a password. Its ``proof`` is an HMAC-SHA256 of
the reader's uid under a random key that lives only in that store object's memory, so a Login cannot
be made up, nor carried to another process, nor outlive the store that issued it; the password is
never kept. The actor of every audited command of the read is then the reader who logged in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from recist_app.model.records import Reader
from recist_app.store.errors import NotLoggedInError


@dataclass(frozen=True)
class Login:
    """A reader who gave their password to the store that issued this (see the module docstring)."""

    reader: Reader
    proof: str = field(repr=False, compare=False)


class LoginKeys:
    """The key one store object signs its logins with (random per object, never stored)."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def issue(self, reader: Reader) -> Login:
        """The login of ``reader``, whose password the caller has just checked."""
        return Login(reader, self._proof(reader.uid))

    def check(self, login: Login) -> Reader:
        """The reader of ``login`` when this store issued it; :class:`NotLoggedInError` otherwise."""
        if not isinstance(login, Login) or not hmac.compare_digest(login.proof, self._proof(login.reader.uid)):
            raise NotLoggedInError()
        return login.reader

    def _proof(self, reader_uid: str) -> str:
        return hmac.new(self._key, reader_uid.encode("utf-8"), hashlib.sha256).hexdigest()
