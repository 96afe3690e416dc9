"""Import a patient's studies from a PACS into the trial (issue 15): the command line's ``import-dicom SERVER
--patient ID`` and the GUI's Open dialog share it.

Every image series of the patient is retrieved into the series cache and scanned there like a folder
(:func:`recist_app.imaging.sources.retrieve.patient_folders`), so the plan is a folder import's (subject by
Patient ID, time point by Study Date, the findings of each series); each planned link then records the
server, not the cache. Nothing is written before the whole patient is retrieved: a retrieval that
fails leaves the trial as it was.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from recist_app.imaging.scan import ScanResult, scan
from recist_app.imaging.sources.retrieve import patient_folders
from recist_app.store.dicom_import import PlannedSeries, plan_import

if TYPE_CHECKING:
    from recist_app.store.trial_store import TrialStore


def scan_patient(address: str, patient_id: str, *, calling_aet: str | None = None) -> ScanResult:
    """The patient's image series on the PACS at ``address``, retrieved into the cache and scanned."""
    return scan(patient_folders(address, patient_id, calling_aet=calling_aet))


def plan_patient_import(store: TrialStore, result: ScanResult, address: str, *,
                        add_subjects_at: str = "") -> tuple[PlannedSeries, ...]:
    """:func:`~recist_app.store.dicom_import.plan_import` of a scanned patient, each link naming the PACS."""
    return tuple(dataclasses.replace(item, server=address)
                 for item in plan_import(store, result, add_subjects_at=add_subjects_at))
