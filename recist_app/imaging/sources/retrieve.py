"""A series of a PACS as a local folder the folder loader reads (issue 15): from the cache, else retrieved."""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import pydicom

from recist_app.imaging.errors import DicomError, PacsError
from recist_app.imaging.sources.cache import cached_series, series_entry
from recist_app.imaging.sources.dicomweb import DicomWebClient
from recist_app.imaging.sources.dimse import DEFAULT_CALLING_AET, DimseClient
from recist_app.imaging.sources.query import SeriesHit, StudyHit, StudyQuery
from recist_app.imaging.sources.servers import DicomWebServer, DimseServer, is_server_address, parse_server


class PacsClient(Protocol):
    """What both protocols offer (:class:`DicomWebClient`, :class:`DimseClient`)."""

    @property
    def server(self) -> DicomWebServer | DimseServer: ...

    def echo(self) -> float: ...

    def studies(self, query: StudyQuery) -> tuple[StudyHit, ...]: ...

    def find_series(self, series_uid: str) -> SeriesHit: ...

    def retrieve_series(self, study_uid: str, series_uid: str, folder: Path, *, cancel: threading.Event | None = None,
                        on_part: Callable[[Path], None] | None = None) -> int: ...

    def instances(self, study_uid: str, series_uid: str) -> list[tuple[str, int | None]]: ...

    def retrieve_instance(self, study_uid: str, series_uid: str, sop_uid: str, folder: Path) -> Path: ...

    def has_instance(self, study_uid: str, series_uid: str, sop_uid: str) -> bool: ...

    def store(self, path: Path) -> None: ...


def client_of(address: str, calling_aet: str | None = None) -> PacsClient:
    """The client of the server at ``address``: DICOMweb, or DIMSE calling as ``calling_aet`` (default:
    ``RECIST_CALLING_AET``, else :data:`~recist_app.imaging.sources.dimse.DEFAULT_CALLING_AET`), retrieving
    by C-MOVE to port ``RECIST_MOVE_PORT`` when it is set, else by C-GET."""
    server = parse_server(address)
    if isinstance(server, DimseServer):
        move_port = os.environ.get("RECIST_MOVE_PORT", "")
        return DimseClient(server, calling_aet or os.environ.get("RECIST_CALLING_AET") or DEFAULT_CALLING_AET,
                           move_port=int(move_port) if move_port.isdigit() else None)
    return DicomWebClient(server)


def series_folder(address: str, series_uid: str, *, calling_aet: str | None = None,
                  cancel: threading.Event | None = None,
                  on_file: Callable[[Path, int, int], None] | None = None) -> tuple[Path, bool]:
    """The local folder holding series ``series_uid`` of the server at ``address``, and whether it was cached;
    a retrieval calls ``on_file(file, done, total)`` as each instance arrives whole (``total``: the instances
    the server announced, 0 when it did not say)."""
    client = client_of(address, calling_aet)

    def fetch(folder: Path) -> None:
        hit = client.find_series(series_uid)
        done = [0]

        def arrived(path: Path) -> None:
            done[0] += 1
            if on_file is not None:
                on_file(path, done[0], hit.instances or 0)

        count = client.retrieve_series(hit.study_uid, series_uid, folder, cancel=cancel, on_part=arrived)
        if count == 0:
            raise PacsError(f"The server {client.server.url} returned no instance of series {series_uid}.")
        if hit.instances is not None and count != hit.instances:
            raise PacsError(f"The server {client.server.url} returned {count} of the {hit.instances} "
                            f"instances of series {series_uid}: retrieve it again.")

    return cached_series(client.server.url, series_uid, fetch)


def local_folder(path: str, series_uid: str, *, retrieve: bool = True) -> Path:
    """The folder holding a linked series: ``path`` itself, or for a PACS address its cached retrieval
    (retrieved now unless ``retrieve`` is False: then :class:`PacsError` when it is not in the cache yet)."""
    if not is_server_address(path):
        return Path(path)
    if retrieve:
        return series_folder(path, series_uid)[0]
    if not is_cached(path, series_uid):
        raise PacsError(f"Series {series_uid} of {path} is not retrieved yet: it is when its time point opens.")
    return _entry(path, series_uid)


def _entry(address: str, series_uid: str) -> Path:
    """Where the cache keeps series ``series_uid`` of the PACS at ``address``."""
    return series_entry(parse_server(address).url, series_uid)


def is_cached(address: str, series_uid: str) -> bool:
    """True when series ``series_uid`` of the PACS at ``address`` is in the series cache."""
    return _entry(address, series_uid).is_dir()


@contextmanager
def in_server_terms(address: str, series_uid: str) -> Iterator[None]:
    """Around the load of a linked series: a :class:`DicomError` of a series from a PACS leaves as
    :func:`forget_series` words it (its cached copy dropped); a folder's as it is."""
    try:
        yield
    except DicomError as exc:
        if not is_server_address(address):
            raise
        raise forget_series(address, series_uid, exc) from exc


def forget_series(address: str, series_uid: str, error: DicomError) -> DicomError:
    """The ``error`` a series of the PACS at ``address`` would not load with (a corrupt frame), in the PACS's
    terms: the cached file named as the image it holds (Instance Number, SOP Instance UID) on the server, the
    remedy the server's. That cached copy is dropped, so that the next open fetches the series again as the
    PACS holds it then."""
    folder = _entry(address, series_uid)

    def image(match: re.Match[str]) -> str:
        try:
            header = pydicom.dcmread(match[0], stop_before_pixels=True,
                                     specific_tags=["SOPInstanceUID", "InstanceNumber"])
            return (f"image {header.get('InstanceNumber', '?')} (SOP Instance UID {header.SOPInstanceUID}) of series "
                    f"{series_uid} on {address}")
        except (OSError, AttributeError, pydicom.errors.InvalidDicomError):
            return f"an image of series {series_uid} on {address}"

    text = re.sub(re.escape(str(folder)) + r"/[^\s:]+", image, str(error))
    text = text.replace("export the series again from its source", "the PACS holds it so: ask its administrator to "
                        "store the series again")
    shutil.rmtree(folder, ignore_errors=True)
    return DicomError(text[:1].upper() + text[1:])
