"""Import a patient's studies from a PACS into the trial (issue 15): the command line's ``import-dicom SERVER
--patient ID`` and the GUI's Open dialog share it.

The series chosen (every image series of the patient, or those ticked in a query's answer) are retrieved
into the series cache and scanned there like a folder, so the plan is a folder import's (subject by
Patient ID, time point by Study Date, the findings of each series); each planned link then records the
server, not the cache. Nothing is written before every series is retrieved: a retrieval that fails
leaves the trial as it was. :func:`studies_not_in_trial` tells a reader opening a subject which of the
patient's studies on the server the trial has not imported yet.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from recist_app.imaging.errors import PacsError
from recist_app.imaging.scan import ScanResult, scan
from recist_app.imaging.sources.query import SeriesHit, StudyHit, StudyQuery
from recist_app.imaging.sources.retrieve import client_of, series_folder
from recist_app.store.dicom_import import PlannedSeries, plan_import

if TYPE_CHECKING:
    from recist_app.store.trial_store import TrialStore

#: The series an import retrieves ("" when the server does not give the modality): the images the workstation
#: reads, never the reports (SR) or segmentations stored beside them.
READABLE_MODALITIES = frozenset({"CT", ""})


def readable_series(studies: Iterable[StudyHit]) -> list[SeriesHit]:
    """The series of ``studies`` the workstation reads (:data:`READABLE_MODALITIES`)."""
    return [hit for study in studies for hit in study.series if hit.modality in READABLE_MODALITIES]


def scan_series(address: str, series: Sequence[SeriesHit], *, calling_aet: str | None = None,
                cancel: threading.Event | None = None,
                on_series: Callable[[int, int], None] | None = None) -> ScanResult:
    """``series`` of the PACS at ``address``, retrieved into the cache (where not there yet) and scanned;
    ``on_series(done, total)`` after each."""
    folders = []
    for done, hit in enumerate(series, start=1):
        folders.append(series_folder(address, hit.series_uid, calling_aet=calling_aet, cancel=cancel)[0])
        if on_series is not None:
            on_series(done, len(series))
    return scan(folders)


def scan_patient(address: str, patient_id: str, *, calling_aet: str | None = None) -> ScanResult:
    """Every image series of the patient on the PACS at ``address``, retrieved into the cache and scanned."""
    studies = client_of(address, calling_aet).studies(StudyQuery(patient_id=patient_id))
    if not studies:
        raise PacsError(f"The server {address} has no study of patient {patient_id!r}.")
    return scan_series(address, readable_series(studies), calling_aet=calling_aet)


def plan_patient_import(store: TrialStore, result: ScanResult, address: str, *,
                        add_subjects_at: str = "") -> tuple[PlannedSeries, ...]:
    """:func:`~recist_app.store.dicom_import.plan_import` of a scanned patient, each link naming the PACS."""
    return tuple(dataclasses.replace(item, server=address)
                 for item in plan_import(store, result, add_subjects_at=add_subjects_at))


def studies_not_in_trial(address: str, patient_id: str, linked_series: set[str]) -> tuple[StudyHit, ...]:
    """The studies of ``patient_id`` on the PACS holding image series, none of which is in ``linked_series``
    (the series UIDs the trial links for the subject), with their image series only."""
    studies = client_of(address).studies(StudyQuery(patient_id=patient_id))
    found = []
    for study in studies:
        images = tuple(readable_series([study]))
        if images and not any(hit.series_uid in linked_series for hit in images):
            found.append(dataclasses.replace(study, series=images))
    return tuple(found)
