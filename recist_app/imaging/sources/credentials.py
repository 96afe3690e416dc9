"""Credentials of PACS servers (issue 15): never on the command line nor in the trial database, but in a TOML
file readable by its owner only: ``<user config>/recist-workstation/pacs.toml`` (``RECIST_PACS_CONFIG``
names another)::

    [[server]]
    url = "https://pacs.example.org/dicom-web"   # as given to the commands
    username = "reader"                          # HTTP basic …
    password = "…"
    # token = "…"                                # … or an HTTP bearer token
    # keyring = true                             # … or the password (the token without a username) in the
                                                 # system keyring: ``pacs login`` puts it there

A file that its group or others may read is refused, as ssh refuses such a key: the message says
how to fix it. In the system keyring (``keyring``: Secret Service, macOS Keychain, Windows Credential
Locker) the secret is filed under the service :func:`keyring_service` of the URL and the user name
(``token`` for a token). DIMSE has no passwords (its AE titles are its access control).
"""

from __future__ import annotations

import base64
import json
import os
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path

from recist_app import APP_NAME
from recist_app.imaging.errors import PacsError


@dataclass(frozen=True)
class Credentials:
    """A user name and password (HTTP basic), or a bearer token."""

    username: str = ""
    password: str = ""
    token: str = ""

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, password=***, token=***)"

    @property
    def authorization(self) -> str:
        """The ``Authorization`` header value (RFC 7617 basic, or RFC 6750 bearer)."""
        if self.token:
            return f"Bearer {self.token}"
        pair = f"{self.username}:{self.password}".encode()
        return f"Basic {base64.b64encode(pair).decode('ascii')}"


def config_path() -> Path:
    """The credentials file."""
    named = os.environ.get("RECIST_PACS_CONFIG")
    if named:
        return Path(named)
    import platformdirs

    return platformdirs.user_config_path(APP_NAME) / "pacs.toml"


#: The keyring's user name of a bearer token.
TOKEN_USER = "token"


def keyring_service(url: str) -> str:
    """The keyring service a server's secret is filed under."""
    return f"{APP_NAME} {url.rstrip('/')}"


def _keyring_secret(url: str, user: str) -> str:
    import keyring
    from keyring.errors import KeyringError

    try:
        secret = keyring.get_password(keyring_service(url), user)
    except KeyringError as exc:
        raise PacsError(f"The system keyring cannot be read ({exc}): put the secret of {url} in {config_path()} "
                        "instead.") from exc
    if not secret:
        raise PacsError(f"The system keyring holds no secret of {user} for {url}: store it with `main.py pacs login "
                        f"{url}{' --token' if user == TOKEN_USER else f' --username {user}'}`.")
    return str(secret)


def store_in_keyring(url: str, username: str, secret: str) -> Path:
    """File ``secret`` (the password of ``username``, or a token when ``username`` is "") in the system keyring
    and make the credentials file point there (an entry is added when the server has none); return the file."""
    import keyring
    from keyring.errors import KeyringError

    url = url.rstrip("/")
    path = config_path()
    entry = _entry(path, url)
    if entry is not None and (entry.get("keyring") is not True or str(entry.get("username", "")) != username):
        raise PacsError(f"{path} already has an entry for {url}: set `keyring = true` and the user name there, or "
                        "remove it.")
    try:
        keyring.set_password(keyring_service(url), username or TOKEN_USER, secret)
    except KeyringError as exc:
        raise PacsError(f"The system keyring cannot store the secret ({exc}): put it in {path} instead.") from exc
    if entry is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = ["", "[[server]]", f"url = {json.dumps(url)}"] + ([f"username = {json.dumps(username)}"]
                                                                  if username else []) + ["keyring = true", ""]
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as stream:
            stream.write("\n".join(lines))
    return path


def _entry(path: Path, url: str) -> dict[str, object] | None:
    """The file's entry of ``url`` (None: no file, or no entry); :class:`PacsError` for a file others may read."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise PacsError(f"Cannot read the PACS credentials file {path}: {exc.strerror or exc}.") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise PacsError(f"The PACS credentials file {path} may be read by others: make it yours alone "
                        f"(chmod 600 {path}).")
    try:
        entries = tomllib.loads(path.read_text(encoding="utf-8")).get("server", [])
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PacsError(f"The PACS credentials file {path} cannot be read: {exc}.") from exc
    wanted = url.rstrip("/")
    return next((entry for entry in (entries if isinstance(entries, list) else [])
                 if isinstance(entry, dict) and str(entry.get("url", "")).rstrip("/") == wanted), None)


def credentials_for(url: str) -> Credentials | None:
    """The credentials the file (or the keyring it points to) gives for server ``url`` (None: no file, or no
    entry for it)."""
    path = config_path()
    entry = _entry(path, url)
    if entry is None:
        return None
    wanted = url.rstrip("/")
    username = str(entry.get("username", ""))
    if entry.get("keyring") is True:
        secret = _keyring_secret(wanted, username or TOKEN_USER)
        return Credentials(username, secret) if username else Credentials(token=secret)
    found = Credentials(*(str(entry.get(key, "")) for key in ("username", "password", "token")))
    if not found.token and not found.username:
        raise PacsError(f"The entry of {wanted} in {path} has neither a username and password nor a token.")
    return found
