"""Query and retrieve over DICOMweb (issue 15; DICOM PS3.18): QIDO-RS for studies and series, WADO-RS for
a series' instances.

Plain ``http.client``: every request asks ``Accept-Encoding: identity`` (a gzipped frame costs Orthanc
about 9 times as long), and an answer is streamed to disk, never held whole. Every failure is a
:class:`~recist_app.imaging.errors.PacsError` naming the server and what to do: the server down, an
unknown series (deleted since the query), an answer cut short.
"""

from __future__ import annotations

import http.client
import json
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from recist_app.imaging.errors import PacsError
from recist_app.imaging.sources.credentials import config_path, credentials_for
from recist_app.imaging.sources.multipart import boundary_of, write_parts
from recist_app.imaging.sources.query import SeriesHit, StudyHit, StudyQuery
from recist_app.imaging.sources.servers import DicomWebServer

DEFAULT_TIMEOUT_S = 30.0
DICOM_PARTS = 'multipart/related; type="application/dicom"'
#: What a retrieval accepts: the instances as stored (PS3.18 §8.7.3.5: without ``transfer-syntax=*`` the
#: server must transcode to Explicit VR Little Endian, decoding every compressed frame on its side).
AS_STORED = f"{DICOM_PARTS}; transfer-syntax=*"
# DICOM JSON keys (PS3.18 F.2): the tags the query prints.
PATIENT_ID, STUDY_UID, STUDY_DATE = "00100020", "0020000D", "00080020"
SERIES_UID, MODALITY, DESCRIPTION, SERIES_NUMBER, INSTANCES = "0020000E", "00080060", "0008103E", "00200011", "00201209"
SOP_UID, FAILED_SOP_SEQUENCE, INSTANCE_NUMBER = "00080018", "00081198", "00200013"
#: Left unescaped in a query (PS3.18 §8.3.4.6.1: ``*`` and ``?`` match as in C-FIND); Orthanc's DICOMweb
#: plugin 1.7 takes ``%2A`` literally and finds nothing.
WILDCARDS = "*?"


def _value(item: dict[str, Any], tag: str) -> Any:
    values = item.get(tag, {}).get("Value") or [None]
    return values[0]


def _integer(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


class DicomWebClient:
    """Requests to one DICOMweb server (a new connection per request; none is kept open between calls)."""

    def __init__(self, server: DicomWebServer, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.server = server
        self.timeout_s = timeout_s
        parts = urlsplit(server.url)
        self._https = parts.scheme.lower() == "https"
        self._host = parts.hostname or ""
        self._port = parts.port
        self._root = parts.path.rstrip("/")
        found = credentials_for(server.url)
        self._auth = {"Authorization": found.authorization} if found is not None else {}

    @contextmanager
    def _get(self, path: str, accept: str, query: dict[str, str] | None = None) -> Iterator[http.client.HTTPResponse]:
        target = f"{self._root}{path}" + (f"?{urlencode(query, safe=WILDCARDS)}" if query else "")
        connection = self._connection()
        try:
            try:
                connection.request("GET", target, headers={"Accept": accept, "Accept-Encoding": "identity",
                                                           **self._auth})
                response = connection.getresponse()
            except (OSError, http.client.HTTPException) as exc:
                raise PacsError(f"Cannot reach the DICOMweb server {self.server.url}: {exc or type(exc).__name__}. "
                                "Check the address and that the server runs.") from exc
            if response.status in (401, 403):
                given = "refused the credentials given" if self._auth else "needs credentials"
                raise PacsError(f"The DICOMweb server {self.server.url} {given} ({response.status} {response.reason}): "
                                f"put its user name and password, or token, in {config_path()} (README, \"From a "
                                "PACS\").")
            if response.status == 404:
                raise LookupError(target)
            if response.status >= 400:
                raise PacsError(f"The DICOMweb server {self.server.url} answered {response.status} {response.reason} "
                                f"to {target}.")
            yield response
        finally:
            connection.close()

    def _connection(self) -> http.client.HTTPConnection:
        if self._https:
            return http.client.HTTPSConnection(self._host, self._port, timeout=self.timeout_s,
                                               context=ssl.create_default_context())
        return http.client.HTTPConnection(self._host, self._port, timeout=self.timeout_s)

    def _json(self, path: str, query: dict[str, str] | None = None) -> list[dict[str, Any]]:
        try:
            with self._get(path, "application/dicom+json", query) as response:
                body = response.read()
        except LookupError:
            return []
        except (OSError, http.client.HTTPException) as exc:
            raise PacsError(f"The DICOMweb server {self.server.url} stopped answering: {exc}") from exc
        if response.status == 204 or not body.strip():
            return []
        try:
            found = json.loads(body)
        except ValueError as exc:
            raise PacsError(f"The DICOMweb server {self.server.url} answered {path} with something that is not "
                            "DICOM JSON.") from exc
        if not isinstance(found, list):
            raise PacsError(f"The DICOMweb server {self.server.url} answered {path} with no list of results.")
        return [item for item in found if isinstance(item, dict)]

    def echo(self) -> float:
        """Seconds a minimal QIDO-RS query takes (:class:`PacsError` when the server does not answer it)."""
        start = time.perf_counter()
        self._json("/studies", {"limit": "1"})
        return time.perf_counter() - start

    def studies(self, query: StudyQuery) -> tuple[StudyHit, ...]:
        """The studies ``query`` matches, each with its series (of the query's modality)."""
        keys = (("PatientID", query.patient_id), ("StudyInstanceUID", query.study_uid),
                ("StudyDate", query.study_date), ("ModalitiesInStudy", query.modality))
        hits = []
        for item in self._json("/studies", {key: value for key, value in keys if value}):
            uid = str(_value(item, STUDY_UID) or "")
            if uid:
                hits.append(StudyHit(str(_value(item, PATIENT_ID) or ""), uid, str(_value(item, STUDY_DATE) or ""),
                                     self.series(uid)))
        return query.matching(hits)

    def series(self, study_uid: str) -> tuple[SeriesHit, ...]:
        """The series of a study, by series number."""
        return tuple(sorted((self._series_hit(item, study_uid) for item in self._json(f"/studies/{study_uid}/series")),
                            key=lambda hit: (hit.number is None, hit.number or 0, hit.series_uid)))

    def find_series(self, series_uid: str) -> SeriesHit:
        """The series ``series_uid`` with its study (:class:`PacsError` when the server has none)."""
        found = [item for item in self._json("/series", {"SeriesInstanceUID": series_uid})
                 if _value(item, SERIES_UID) == series_uid]
        if not found:
            raise PacsError(f"The DICOMweb server {self.server.url} has no series {series_uid}: check the UID, or "
                            "query the patient again (it may have been deleted).")
        return self._series_hit(found[0], str(_value(found[0], STUDY_UID) or ""))

    @staticmethod
    def _series_hit(item: dict[str, Any], study_uid: str) -> SeriesHit:
        number = _integer(_value(item, SERIES_NUMBER))
        return SeriesHit(str(_value(item, SERIES_UID) or ""), str(_value(item, MODALITY) or ""),
                         str(_value(item, DESCRIPTION) or ""), number, _integer(_value(item, INSTANCES)), study_uid)

    def retrieve_series(self, study_uid: str, series_uid: str, folder: Path, *,
                        cancel: threading.Event | None = None, on_part: Callable[[Path], None] | None = None) -> int:
        """Write every instance of the series into ``folder`` (WADO-RS); return how many."""
        try:
            with self._get(f"/studies/{study_uid}/series/{series_uid}", AS_STORED) as response:
                return write_parts(response, boundary_of(response.getheader("Content-Type", "")), folder,
                                   cancel=cancel, on_part=on_part)
        except LookupError:
            raise PacsError(f"The DICOMweb server {self.server.url} has no series {series_uid} (any more): query the "
                            "patient again.") from None
        except (OSError, http.client.HTTPException) as exc:
            raise PacsError(f"The retrieval of series {series_uid} from {self.server.url} broke off: {exc}") from exc

    def instances(self, study_uid: str, series_uid: str) -> list[tuple[str, int | None]]:
        """(SOP Instance UID, Instance Number) of every instance of the series (QIDO-RS, no pixel data)."""
        found = self._json(f"/studies/{study_uid}/series/{series_uid}/instances")
        return [(str(_value(item, SOP_UID)), _integer(_value(item, INSTANCE_NUMBER))) for item in found
                if _value(item, SOP_UID)]

    def retrieve_instance(self, study_uid: str, series_uid: str, sop_uid: str, folder: Path) -> Path:
        """Write one instance into ``folder`` (WADO-RS) and return its file."""
        try:
            with self._get(f"/studies/{study_uid}/series/{series_uid}/instances/{sop_uid}", AS_STORED) as response:
                write_parts(response, boundary_of(response.getheader("Content-Type", "")), folder)
        except LookupError:
            raise PacsError(f"The DICOMweb server {self.server.url} has no instance {sop_uid} (any more): query the "
                            "patient again.") from None
        except (OSError, http.client.HTTPException) as exc:
            raise PacsError(f"The retrieval of instance {sop_uid} from {self.server.url} broke off: {exc}") from exc
        return folder / "00000.dcm"

    def has_instance(self, study_uid: str, series_uid: str, sop_uid: str) -> bool:
        """True when the server holds instance ``sop_uid`` of the series (QIDO-RS)."""
        found = self._json(f"/studies/{study_uid}/series/{series_uid}/instances", {"SOPInstanceUID": sop_uid})
        return any(_value(item, SOP_UID) == sop_uid for item in found)

    def store(self, path: Path) -> None:
        """Store one DICOM file in the server (STOW-RS, PS3.18 §10.5); :class:`PacsError` when refused."""
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode() + path.read_bytes()
                + f"\r\n--{boundary}--\r\n".encode())
        connection = self._connection()
        try:
            connection.request("POST", f"{self._root}/studies", body=body, headers={
                "Content-Type": f'{DICOM_PARTS}; boundary="{boundary}"', "Accept": "application/dicom+json",
                "Accept-Encoding": "identity", **self._auth})
            response = connection.getresponse()
            answer = response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise PacsError(f"Cannot store {path.name} on the DICOMweb server {self.server.url}: {exc}.") from exc
        finally:
            connection.close()
        try:
            result = json.loads(answer) if answer.strip() else {}
        except ValueError:
            result = {}
        failed = isinstance(result, dict) and bool(result.get(FAILED_SOP_SEQUENCE, {}).get("Value"))
        if response.status not in (200, 202) or failed:
            raise PacsError(f"The DICOMweb server {self.server.url} refused {path.name} ({response.status} "
                            f"{response.reason}{'; failed SOP instance' if failed else ''}).")
