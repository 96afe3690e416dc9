"""Credentials of PACS servers (issue 15): never on the command line nor in the trial database, but in a TOML
file readable by its owner only: ``<user config>/recist-workstation/pacs.toml`` (``RECIST_PACS_CONFIG``
names another)::

    [[server]]
    url = "https://pacs.example.org/dicom-web"   # as given to the commands
    username = "reader"                          # HTTP basic …
    password = "…"
    # token = "…"                                # … or an HTTP bearer token

A file that its group or others may read is refused, as ssh refuses such a key: the message says
how to fix it. DIMSE has no passwords (its AE titles are its access control).
"""

from __future__ import annotations

import base64
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


def credentials_for(url: str) -> Credentials | None:
    """The credentials the file gives for server ``url`` (None: no file, or no entry for it)."""
    path = config_path()
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
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and str(entry.get("url", "")).rstrip("/") == wanted:
            found = Credentials(*(str(entry.get(key, "")) for key in ("username", "password", "token")))
            if not found.token and not found.username:
                raise PacsError(f"The entry of {wanted} in {path} has neither a username and password nor a token.")
            return found
    return None
