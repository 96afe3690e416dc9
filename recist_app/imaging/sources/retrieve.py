"""A series of a PACS as a local folder the folder loader reads (issue 15): from the cache, else retrieved."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from recist_app.imaging.errors import PacsError
from recist_app.imaging.sources.cache import cached_series
from recist_app.imaging.sources.dicomweb import DicomWebClient
from recist_app.imaging.sources.servers import DicomWebServer, DimseServer, parse_server


def client_of(address: str) -> DicomWebClient:
    """The client of the server at ``address`` (DIMSE: :class:`PacsError`, not supported yet)."""
    server = parse_server(address)
    if isinstance(server, DimseServer):
        raise PacsError(f"{server.url}: DIMSE (C-FIND, C-GET, C-MOVE) is not supported yet; give the server's "
                        "DICOMweb address (http://host:port/dicom-web).")
    assert isinstance(server, DicomWebServer)
    return DicomWebClient(server)


def series_folder(address: str, series_uid: str, *, cancel: threading.Event | None = None,
                  on_part: Callable[[int], None] | None = None) -> tuple[Path, bool]:
    """The local folder holding series ``series_uid`` of the server at ``address``, and whether it was cached."""
    client = client_of(address)

    def fetch(folder: Path) -> None:
        hit = client.find_series(series_uid)
        count = client.retrieve_series(hit.study_uid, series_uid, folder, cancel=cancel, on_part=on_part)
        if count == 0:
            raise PacsError(f"The DICOMweb server {client.server.url} returned no instance of series {series_uid}.")
        if hit.instances is not None and count != hit.instances:
            raise PacsError(f"The DICOMweb server {client.server.url} returned {count} of the {hit.instances} "
                            f"instances of series {series_uid}: retrieve it again.")

    return cached_series(client.server.url, series_uid, fetch)
