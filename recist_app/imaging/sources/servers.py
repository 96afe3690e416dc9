"""A PACS address (issue 15): a DICOMweb root ``http(s)://host:port/dicom-web`` or a DIMSE node
``dimse://AET@host:port``. The address never holds credentials: a user name or password in it is refused."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from recist_app.imaging.errors import PacsError

_DIMSE = re.compile(r"dimse://(?P<aet>[^@/]{1,16})@(?P<host>[^:/]+):(?P<port>\d{1,5})/?")
FORMS = "http(s)://host:port/dicom-web (DICOMweb) or dimse://AET@host:port (DIMSE)"


@dataclass(frozen=True)
class DicomWebServer:
    """A DICOMweb service root, without a trailing slash (e.g. ``http://pacs:8042/dicom-web``)."""

    url: str


@dataclass(frozen=True)
class DimseServer:
    """A DIMSE node: its called AE title, host and TCP port."""

    called_aet: str
    host: str
    port: int

    @property
    def url(self) -> str:
        """The address as it is written."""
        return f"dimse://{self.called_aet}@{self.host}:{self.port}"


def is_server_address(text: str) -> bool:
    """True when ``text`` is written as a PACS address rather than a path."""
    return text.lower().startswith(("http://", "https://", "dimse://"))


def parse_server(text: str) -> DicomWebServer | DimseServer:
    """The server ``text`` names (:class:`PacsError` when it is no PACS address of :data:`FORMS`)."""
    dimse = _DIMSE.fullmatch(text.strip())
    if dimse is not None:
        port = int(dimse["port"])
        if not 0 < port < 65536:
            raise PacsError(f"{text!r}: the port must be 1–65535.")
        return DimseServer(dimse["aet"].strip(), dimse["host"], port)
    parts = urlsplit(text.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise PacsError(f"{text!r} is not a PACS address: give {FORMS}.")
    if parts.username or parts.password:
        raise PacsError(f"{parts.scheme}://…@{parts.hostname}: no user name or password in a PACS address (process "
                        "lists and shell history keep it); the server's credentials come from its configuration.")
    return DicomWebServer(text.strip().rstrip("/"))
