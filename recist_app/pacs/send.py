"""Send the measurement reports of signed time points back to the PACS the images came from (issue 15).

One DICOM SR (:func:`recist_app.sr.writer.build_sr`) per read × signed time point with content, in
the source study and with the source patient identity (``keep_identity``: the opposite of the
pseudonymised statistics export), stored with STOW-RS or C-STORE. Never twice: the SR's SOP Instance
UID is derived from the read, the time point, its content and its signature, and a report the
server already holds is not sent again (a time point reopened and signed again is a new report).
Nothing is sent for an unsigned time point.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from recist_app.imaging.sources.retrieve import PacsClient, client_of
from recist_app.model.records import ReadSnapshot
from recist_app.sr.errors import SrExportError
from recist_app.sr.writer import sr_timepoints, write_sr


@dataclass(frozen=True)
class SentReport:
    """One report: whose read, which time point, its SOP Instance UID and what happened (``sent``,
    ``already on the server`` or ``not sent: why``)."""

    subject_id: str
    reader: str
    visit: str
    sop_uid: str
    outcome: str


def signed_timepoints(snapshot: ReadSnapshot) -> list[str]:
    """The uids of the read's signed time points that have a report (something measured or stated)."""
    signed = {rt.timepoint_uid for rt in snapshot.read_timepoints if rt.signed}
    return [tp.uid for tp in sr_timepoints(snapshot) if tp.uid in signed]


def send_reports(snapshots: Iterable[ReadSnapshot], address: str, *, calling_aet: str | None = None,
                 on_report: Callable[[SentReport], None] | None = None) -> list[SentReport]:
    """Send every signed time point's report of ``snapshots`` (unblinded) to the PACS at ``address``."""
    client = client_of(address, calling_aet)
    done = []
    with tempfile.TemporaryDirectory(prefix="recist-sr-") as folder:
        for snapshot in snapshots:
            for timepoint_uid in signed_timepoints(snapshot):
                visit = snapshot.timepoint(timepoint_uid).visit
                try:
                    path = write_sr(snapshot, timepoint_uid, folder, keep_identity=True)
                except SrExportError as exc:
                    report = SentReport(snapshot.subject.subject_id, snapshot.reader.name, visit, "",
                                        f"not sent: {exc}")
                else:
                    report = _send(client, path, snapshot, visit)
                done.append(report)
                if on_report is not None:
                    on_report(report)
    return done


def _send(client: PacsClient, path: Path, snapshot: ReadSnapshot, visit: str) -> SentReport:
    from pydicom import dcmread

    header = dcmread(path, stop_before_pixels=True)
    study, series, sop = str(header.StudyInstanceUID), str(header.SeriesInstanceUID), str(header.SOPInstanceUID)
    if client.has_instance(study, series, sop):
        outcome = "already on the server"
    else:
        client.store(path)
        outcome = "sent"
    return SentReport(snapshot.subject.subject_id, snapshot.reader.name, visit, sop, outcome)
