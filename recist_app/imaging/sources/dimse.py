"""Query and retrieve over DIMSE (issue 15; DICOM PS3.4 Annex C, PS3.7): C-ECHO, C-FIND, C-GET and C-MOVE
with ``pynetdicom``, Study Root information model.

C-GET brings the instances back on the same association (the workstation takes the Storage SCP
role for CT image storage), so no port has to be opened for the PACS to call back. For a PACS that
offers only C-MOVE, a ``move_port`` (``RECIST_MOVE_PORT``) makes the workstation listen there as a
storage SCP, under its calling AE title, for the duration of each retrieval. Each instance is
written as the PACS sent it (:meth:`pynetdicom.events.Event.encoded_dataset`), without decoding.
Refusals are :class:`~recist_app.imaging.errors.PacsError` naming the node and what to check: no
answer, the association rejected (the called or calling AE title unknown to the PACS), a failed
status.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydicom.dataset import Dataset
from pydicom.uid import (
    JPEG2000TransferSyntaxes,
    JPEGLSTransferSyntaxes,
    JPEGTransferSyntaxes,
    RLETransferSyntaxes,
    UncompressedTransferSyntaxes,
)

from recist_app.imaging.errors import LoadCancelled, PacsError
from recist_app.imaging.sources.query import SeriesHit, StudyHit, StudyQuery
from recist_app.imaging.sources.servers import DimseServer

DEFAULT_CALLING_AET = "RECIST"
DEFAULT_TIMEOUT_S = 30.0
#: The storage classes a CT series arrives in (PS3.4 B.5): CT, Enhanced CT, Legacy Converted Enhanced CT.
CT_STORAGE = ("1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.2.1", "1.2.840.10008.5.1.4.1.1.2.2")
#: The presentation contexts offered per storage class: the uncompressed syntaxes together, then each compressed
#: one alone, so that the server sends every image as it stores it (one context carries one syntax: offering all
#: in one context would make the server convert every image to the syntax it picks, and fail on a corrupt one).
TRANSFER_SYNTAX_CONTEXTS = [list(UncompressedTransferSyntaxes)] + [
    [syntax] for syntax in (*JPEGTransferSyntaxes, *JPEGLSTransferSyntaxes, *JPEG2000TransferSyntaxes,
                            *RLETransferSyntaxes)]
ALL_SYNTAXES = [syntax for group in TRANSFER_SYNTAX_CONTEXTS for syntax in group]
PENDING = (0xFF00, 0xFF01)
#: SOP classes by UID (PS3.4 A.4 Verification; C.6.2.1 Study Root Query/Retrieve FIND and GET).
VERIFICATION, STUDY_ROOT_FIND, STUDY_ROOT_MOVE, STUDY_ROOT_GET = "1.2.840.10008.1.1", \
    "1.2.840.10008.5.1.4.1.2.2.1", "1.2.840.10008.5.1.4.1.2.2.2", "1.2.840.10008.5.1.4.1.2.2.3"
#: What the workstation stores (PS3.4 B.5): its Comprehensive 3D SR measurement reports.
COMPREHENSIVE_3D_SR = "1.2.840.10008.5.1.4.1.1.88.34"


def status_meaning(status: int | None) -> str:
    """What a failed retrieval's final status says (PS3.4 C.4.2.1.5 and C.4.3.1.4), for the message."""
    if status is None:
        return ""
    if 0xC000 <= status <= 0xCFFF:
        return ": the server could not process it (it may hold a corrupt image); ask its administrator"
    meanings = {0xA701: "the server is out of resources", 0xA702: "the server is out of resources",
                0xA801: "the server does not know this workstation as a destination (its AE title and port)",
                0xA900: "the server found no such series", 0xB000: "some images failed on the server's side",
                0xFE00: "the retrieval was cancelled"}
    return f": {meanings[status]}" if status in meanings else ""


class DimseClient:
    """C-ECHO, C-FIND and C-GET against one DIMSE node, one association per call."""

    def __init__(self, server: DimseServer, calling_aet: str = DEFAULT_CALLING_AET,
                 timeout_s: float = DEFAULT_TIMEOUT_S, move_port: int | None = None) -> None:
        if not 0 < len(calling_aet.strip()) <= 16:
            raise PacsError(f"calling AE title {calling_aet!r}: give 1 to 16 characters.")
        if move_port is not None and not 0 < move_port < 65536:
            raise PacsError(f"C-MOVE port {move_port}: give 1–65535.")
        self.server = server
        self.calling_aet = calling_aet.strip()
        self.timeout_s = timeout_s
        #: When set, series are retrieved by C-MOVE to a storage SCP on this port instead of C-GET.
        self.move_port = move_port

    @contextmanager
    def _association(self, store_to: Callable[[Any], int] | None = None) -> Iterator[Any]:
        from pynetdicom import AE, build_role, evt

        ae = AE(ae_title=self.calling_aet)
        ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = self.timeout_s
        for context in (VERIFICATION, STUDY_ROOT_FIND, STUDY_ROOT_MOVE, STUDY_ROOT_GET, COMPREHENSIVE_3D_SR):
            ae.add_requested_context(context)
        roles: list[Any] = []
        handlers: list[Any] = []
        if store_to is not None:
            for storage in CT_STORAGE:
                for syntaxes in TRANSFER_SYNTAX_CONTEXTS:
                    ae.add_requested_context(storage, syntaxes)
                roles.append(build_role(storage, scp_role=True))
            handlers.append((evt.EVT_C_STORE, store_to))
        node = f"{self.server.url} (calling AE title {self.calling_aet})"
        try:  # pynetdicom leaves its socket open when the connection is refused: find out first
            socket.create_connection((self.server.host, self.server.port), timeout=self.timeout_s).close()
        except OSError as exc:
            raise PacsError(f"Cannot reach the DIMSE node {node}: {exc}. Check the host and port.") from exc
        try:
            association = ae.associate(self.server.host, self.server.port, ae_title=self.server.called_aet,
                                       ext_neg=roles, evt_handlers=handlers)
        except (OSError, ValueError) as exc:
            raise PacsError(f"Cannot reach the DIMSE node {node}: {exc}.") from exc
        if association.is_rejected:
            raise PacsError(f"The DIMSE node {node} rejected the association: check the called AE title "
                            f"({self.server.called_aet}) and that the PACS knows this workstation's AE title.")
        if not association.is_established:
            raise PacsError(f"Cannot reach the DIMSE node {node}: no association (the server does not answer, or "
                            "it is no DICOM node). Check the host and port.")
        try:
            yield association
        finally:
            if association.is_established:
                association.release()

    def echo(self) -> float:
        """Seconds a C-ECHO takes (:class:`PacsError` when it fails)."""
        start = time.perf_counter()
        with self._association() as association:
            status = association.send_c_echo()
        if not status or status.get("Status") != 0:
            raise PacsError(f"The DIMSE node {self.server.url} did not answer the C-ECHO.")
        return time.perf_counter() - start

    def _find(self, query: Dataset) -> list[Dataset]:
        found = []
        with self._association() as association:
            for status, identifier in association.send_c_find(query, STUDY_ROOT_FIND):
                code = status.get("Status") if status else None
                if code in PENDING and identifier is not None:
                    found.append(identifier)
                elif code != 0:
                    raise PacsError(f"The DIMSE node {self.server.url} refused the C-FIND "
                                    f"(status {code if code is not None else 'none: the association broke'}).")
        return found

    def studies(self, query: StudyQuery) -> tuple[StudyHit, ...]:
        """The studies ``query`` matches, each with its series (of the query's modality)."""
        identifier = Dataset()
        identifier.QueryRetrieveLevel = "STUDY"
        identifier.PatientID = query.patient_id
        identifier.StudyInstanceUID = query.study_uid
        identifier.StudyDate = query.study_date
        identifier.ModalitiesInStudy = query.modality
        return query.matching([
            StudyHit(str(item.get("PatientID", "")), str(item.StudyInstanceUID), str(item.get("StudyDate", "")),
                     self.series(str(item.StudyInstanceUID)))
            for item in self._find(identifier) if item.get("StudyInstanceUID")])

    def _series_query(self, study_uid: str, series_uid: str) -> Dataset:
        query = Dataset()
        query.QueryRetrieveLevel = "SERIES"
        query.StudyInstanceUID = study_uid
        query.SeriesInstanceUID = series_uid
        query.Modality = query.SeriesDescription = query.SeriesNumber = ""
        query.NumberOfSeriesRelatedInstances = ""
        return query

    def series(self, study_uid: str) -> tuple[SeriesHit, ...]:
        """The series of a study, by series number."""
        hits = [self._hit(item) for item in self._find(self._series_query(study_uid, ""))]
        return tuple(sorted(hits, key=lambda hit: (hit.number is None, hit.number or 0, hit.series_uid)))

    def find_series(self, series_uid: str) -> SeriesHit:
        """The series ``series_uid`` with its study (:class:`PacsError` when the node has none)."""
        found = [item for item in self._find(self._series_query("", series_uid))
                 if item.get("SeriesInstanceUID") == series_uid]
        if not found:
            raise PacsError(f"The DIMSE node {self.server.url} has no series {series_uid}: check the UID, or query "
                            "the patient again (it may have been deleted).")
        return self._hit(found[0])

    @staticmethod
    def _hit(item: Dataset) -> SeriesHit:
        def integer(keyword: str) -> int | None:
            value = item.get(keyword)
            try:
                return int(value) if value not in (None, "") else None
            except (TypeError, ValueError):
                return None

        return SeriesHit(str(item.get("SeriesInstanceUID", "")), str(item.get("Modality", "")),
                         str(item.get("SeriesDescription", "")), integer("SeriesNumber"),
                         integer("NumberOfSeriesRelatedInstances"), str(item.get("StudyInstanceUID", "")))

    def retrieve_series(self, study_uid: str, series_uid: str, folder: Path, *,
                        cancel: threading.Event | None = None, on_part: Callable[[Path], None] | None = None) -> int:
        """Write every instance of the series into ``folder`` (C-GET); return how many."""
        query = Dataset()
        query.QueryRetrieveLevel = "SERIES"
        query.StudyInstanceUID = study_uid
        query.SeriesInstanceUID = series_uid
        return self._get(query, folder, cancel, on_part)

    def _get(self, query: Dataset, folder: Path, cancel: threading.Event | None,
             on_part: Callable[[Path], None] | None) -> int:
        """Retrieve ``query`` (C-GET, or C-MOVE to this workstation's storage SCP when it has a
        ``move_port``), writing each instance into ``folder``; how many arrived."""
        series_uid = query.SeriesInstanceUID
        received = [0]

        def store(event: Any) -> int:
            if cancel is not None and cancel.is_set():
                return 0xA700  # Refused: the C-GET stops
            path = folder / f"{received[0]:05d}.dcm"
            path.write_bytes(event.encoded_dataset())
            received[0] += 1
            if on_part is not None:
                on_part(path)
            return 0x0000

        final = self._move(query, store) if self.move_port else self._c_get(query, store)
        if cancel is not None and cancel.is_set():
            raise LoadCancelled(f"retrieval cancelled after {received[0]} instance(s)")
        if final != 0:
            raise PacsError(f"The {'C-MOVE' if self.move_port else 'C-GET'} of series {series_uid} from "
                            f"{self.server.url} ended with "
                            f"{f'status 0x{final:04X}' if final is not None else 'the association broken'} after "
                            f"{received[0]} instance(s){status_meaning(final)}.")
        return received[0]

    def instances(self, study_uid: str, series_uid: str) -> list[tuple[str, int | None]]:
        """(SOP Instance UID, Instance Number) of every instance of the series (C-FIND at IMAGE level)."""
        query = Dataset()
        query.QueryRetrieveLevel = "IMAGE"
        query.StudyInstanceUID, query.SeriesInstanceUID = study_uid, series_uid
        query.SOPInstanceUID = query.InstanceNumber = ""
        found = []
        for item in self._find(query):
            number = item.get("InstanceNumber")
            found.append((str(item.SOPInstanceUID), int(number) if str(number or "").strip().isdigit() else None))
        return found

    def retrieve_instance(self, study_uid: str, series_uid: str, sop_uid: str, folder: Path) -> Path:
        """Write one instance into ``folder`` (C-GET at IMAGE level) and return its file."""
        if self._get(_image_query(study_uid, series_uid, sop_uid), folder, None, None) != 1:
            raise PacsError(f"The DIMSE node {self.server.url} returned no instance {sop_uid}.")
        return folder / "00000.dcm"

    def _c_get(self, query: Dataset, store: Callable[[Any], int]) -> int | None:
        """C-GET: the instances come back on the same association; the final status."""
        final: int | None = None
        with self._association(store) as association:
            for status, _identifier in association.send_c_get(query, STUDY_ROOT_GET):
                final = status.get("Status") if status else None
        return final

    def _move(self, query: Dataset, store: Callable[[Any], int]) -> int | None:
        """C-MOVE to this workstation: a storage SCP listens on ``move_port`` (as the PACS knows this AE title)
        while the PACS sends the instances; the final status."""
        from pynetdicom import AE, evt

        assert self.move_port is not None
        scp = AE(ae_title=self.calling_aet)
        for storage in CT_STORAGE:
            scp.add_supported_context(storage, ALL_SYNTAXES)
        try:
            server = scp.start_server(("", self.move_port), block=False, evt_handlers=[(evt.EVT_C_STORE, store)])
            assert server is not None  # not blocking: the server thread
        except OSError as exc:
            raise PacsError(f"This workstation cannot listen on port {self.move_port} for the C-MOVE: {exc}.") from exc
        final: int | None = None
        try:
            with self._association() as association:
                for status, _identifier in association.send_c_move(query, self.calling_aet, STUDY_ROOT_MOVE):
                    final = status.get("Status") if status else None
        finally:
            server.shutdown()
        return final

    def has_instance(self, study_uid: str, series_uid: str, sop_uid: str) -> bool:
        """True when the node holds instance ``sop_uid`` of the series (C-FIND at IMAGE level)."""
        query = _image_query(study_uid, series_uid, sop_uid)
        return any(item.get("SOPInstanceUID") == sop_uid for item in self._find(query))

    def store(self, path: Path) -> None:
        """Store one DICOM file (C-STORE); :class:`PacsError` when refused."""
        from pydicom import dcmread

        dataset = dcmread(path)
        with self._association() as association:
            status = association.send_c_store(dataset)
        code = status.get("Status") if status else None
        if code != 0:
            raise PacsError(f"The DIMSE node {self.server.url} refused {path.name} "
                            f"({f'status 0x{code:04X}' if code is not None else 'no answer'}).")


def _image_query(study_uid: str, series_uid: str, sop_uid: str) -> Dataset:
    """The identifier of one instance at IMAGE level."""
    query = Dataset()
    query.QueryRetrieveLevel = "IMAGE"
    query.StudyInstanceUID, query.SeriesInstanceUID, query.SOPInstanceUID = study_uid, series_uid, sop_uid
    return query
