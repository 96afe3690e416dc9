"""A private Orthanc with its DICOMweb plugin for the PACS tests (issue 15): free loopback ports, a
temporary storage folder, the CT series of ``../shared/data`` loaded, stopped at the end of the session.

Debian's ``orthanc`` and ``orthanc-dicomweb`` packages provide it (``.ci/run`` installs them). Outside
CI a test that needs it skips with the reason when they are absent; with ``CI=true`` it fails.
"""

from __future__ import annotations

import base64
import io
import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

#: Where Debian puts the DICOMweb plugin.
PLUGIN_PATHS = (Path("/usr/share/orthanc/plugins/libOrthancDicomWeb.so"),
                Path("/usr/lib/orthanc/plugins/libOrthancDicomWeb.so"))
AET = "RECISTPACS"
#: The workstation's calling AE title, which the server knows (C-FIND and C-GET are refused to others).
WORKSTATION_AET = "RECIST"
START_TIMEOUT_S = 30.0


def missing() -> str:
    """Why no Orthanc can be started here ("" when it can)."""
    if shutil.which("Orthanc") is None:
        return "Orthanc is not installed (Debian: apt-get install orthanc orthanc-dicomweb)"
    if not any(path.is_file() for path in PLUGIN_PATHS):
        return "Orthanc's DICOMweb plugin is not installed (Debian: apt-get install orthanc-dicomweb)"
    return ""


def free_port() -> int:
    """A TCP port on the loopback interface no one listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Orthanc:
    """A running private Orthanc: its REST root, its DICOMweb root and its DICOM port and AE title."""

    process: subprocess.Popen[bytes]
    http_port: int
    dicom_port: int
    log: Path

    @property
    def rest(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def dicomweb(self) -> str:
        return f"{self.rest}/dicom-web"

    @property
    def dimse(self) -> str:
        return f"dimse://{AET}@127.0.0.1:{self.dicom_port}"

    def address(self, protocol: str) -> str:
        """Its address for ``protocol`` ("dicomweb" or "dimse")."""
        return self.dicomweb if protocol == "dicomweb" else self.dimse

    users: dict[str, str] | None = None
    #: Where the server sends a C-MOVE to the workstation (WORKSTATION_AET on 127.0.0.1).
    move_port: int = 0

    def call(self, method: str, path: str, body: bytes | None = None) -> object:
        """Orthanc's own REST API (set-up and tear-down only; the workstation speaks DICOMweb)."""
        request = urllib.request.Request(self.rest + path, data=body, method=method)
        if self.users:
            name, password = next(iter(self.users.items()))
            request.add_header("Authorization", "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode())
        with urllib.request.urlopen(request, timeout=30) as answer:
            text = answer.read()
        return json.loads(text) if text.strip() else None

    def upload(self, paths: list[Path]) -> None:
        """Store DICOM files in the server."""
        for path in paths:
            self.call("POST", "/instances", path.read_bytes())

    def upload_as_study(self, paths: list[Path], patient_id: str, study_date: str) -> str:
        """Store copies of ``paths`` (one series) as a study of ``patient_id`` on ``study_date`` (YYYYMMDD), with
        UIDs derived from both (storing it twice stores nothing new); return the new Series Instance UID."""
        import pydicom
        from pydicom.uid import generate_uid

        def uid(*parts: str) -> str:
            return str(generate_uid(entropy_srcs=[patient_id, study_date, *parts]))

        for path in paths:
            dataset = pydicom.dcmread(path)
            dataset.PatientID, dataset.StudyDate, dataset.SeriesDate = patient_id, study_date, study_date
            dataset.StudyInstanceUID, dataset.SeriesInstanceUID = uid("study"), uid("series")
            dataset.SOPInstanceUID = dataset.file_meta.MediaStorageSOPInstanceUID = uid(str(dataset.SOPInstanceUID))
            buffer = io.BytesIO()
            dataset.save_as(buffer)
            self.call("POST", "/instances", buffer.getvalue())
        return uid("series")

    def upload_corrupt_series(self, folder: Path, patient_id: str) -> tuple[str, Path]:
        """Store a 6-image JPEG-lossless phantom series of ``patient_id`` whose 4th image does not decode (the end
        of its codestream overwritten: the file stays DICOM); return its Series Instance UID and that file."""
        from recist_app.demo.phantom import PhantomSpec, write_series

        spec = PhantomSpec.chest(slices=6, rows=64, columns=64, patient_id=patient_id, study_date="20240902",
                                 transfer_syntax="1.2.840.10008.1.2.4.70")
        truth = write_series(spec, folder)
        broken = folder / truth.file_names[3]
        data = bytearray(broken.read_bytes())
        data[-200:-10] = bytes(190)
        broken.write_bytes(bytes(data))
        self.upload(sorted(folder.glob("*.dcm")))
        return truth.series_instance_uid, broken

    def delete_series(self, series_uid: str) -> None:
        """Delete a series, as a PACS administrator would between a query and a load."""
        found = self.call("POST", "/tools/lookup", series_uid.encode())
        assert isinstance(found, list) and found, series_uid
        self.call("DELETE", f"/series/{found[0]['ID']}")

    def stop(self) -> None:
        """Kill it: its storage is a temporary folder (a clean shutdown takes Orthanc seconds)."""
        self.process.kill()
        self.process.wait()


def start(folder: Path, users: dict[str, str] | None = None) -> Orthanc:
    """Start Orthanc with its storage in ``folder`` (HTTP basic authentication for ``users``, if any); wait
    until its REST API answers."""
    plugin = next(path for path in PLUGIN_PATHS if path.is_file())
    folder.mkdir(parents=True, exist_ok=True)
    http_port, dicom_port, move_port = free_port(), free_port(), free_port()
    config = {"Name": "recist-tests", "StorageDirectory": str(folder / "storage"),
              "IndexDirectory": str(folder / "storage"), "HttpPort": http_port, "DicomPort": dicom_port,
              "DicomAet": AET, "RemoteAccessAllowed": False, "AuthenticationEnabled": bool(users),
              "RegisteredUsers": users or {},
              "HttpCompressionEnabled": False, "Plugins": [str(plugin)], "DicomCheckCalledAet": True,
              "DicomModalities": {"workstation": {"AET": WORKSTATION_AET, "Host": "127.0.0.1", "Port": move_port}},
              "DicomWeb": {"Enable": True, "Root": "/dicom-web/"}}
    (folder / "orthanc.json").write_text(json.dumps(config), encoding="utf-8")
    log = folder / "orthanc.log"
    with log.open("wb") as out:
        process = subprocess.Popen([shutil.which("Orthanc") or "Orthanc", str(folder / "orthanc.json")],
                                   stdout=out, stderr=subprocess.STDOUT)
    server = Orthanc(process, http_port, dicom_port, log, users, move_port)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            server.call("GET", "/system")
            return server
        except (urllib.error.URLError, ConnectionError):
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
                raise RuntimeError(f"Orthanc did not start on port {http_port}:\n{tail}") from None
            time.sleep(0.1)
